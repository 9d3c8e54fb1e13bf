extension RawBatch {
    /// Late or early events far from the bulk of a batch, split off so that each chunk the
    /// store writes covers a tight time range and reads of a time window can pass it over.
    ///
    /// The bulk is the 5th to 95th percentile of the batch's times, widened by half its span and
    /// at least 5 minutes either side. Events outside it (a client with a skewed clock, a retry
    /// an hour late, a backfill mixed into a live batch) form clusters of their own, one per
    /// hour of event time, listed before the bulk. A batch with no such event is not split (nil).
    /// - Complexity: O(n log n)
    public func timeClusters() -> [RawBatch]? {
        let n = count
        guard n >= 2 else { return nil }
        let sorted = timestamps.sorted()
        let p5 = sorted[n * 5 / 100], p95 = sorted[min(n - 1, n * 95 / 100)]
        let margin = max((p95 &- p5) / 2, Self.clusterMargin)
        let lo = p5 &- margin, hi = p95 &+ margin
        guard sorted[0] < lo || sorted[n - 1] > hi else { return nil }
        var bulk: [Int] = []
        var outliers: [Int64: [Int]] = [:]
        for (row, t) in timestamps.enumerated() {
            if t >= lo && t <= hi {
                bulk.append(row)
            } else {
                let hour = t >= 0 ? t / Self.clusterHour : (t + 1) / Self.clusterHour - 1
                outliers[hour, default: []].append(row)
            }
        }
        // The bulk last: the newest chunk of a live dataset stays one of its live events, where
        // merging starts (see `StoreWriter.compact()`).
        return outliers.keys.sorted().map { rows(outliers[$0]!) } + [rows(bulk)]
    }

    /// The least widening of a batch's bulk (5 minutes in ns).
    static let clusterMargin: Int64 = 5 * 60 * 1_000_000_000
    /// Outliers are grouped by this much event time (an hour in ns).
    static let clusterHour: Int64 = 3_600 * 1_000_000_000

    /// A batch of rows `indices` of this one, in that order.
    public func rows(_ indices: [Int]) -> RawBatch {
        var out = RawBatch()
        let nameMap = names.map { out.nameID($0) }
        bytes.withUnsafeBufferPointer { b in
            for row in indices {
                out.beginRow()
                for r in rowStarts[row]..<rowStarts[row + 1] {
                    let name = nameMap[Int(recordNames[r])], p = recordPayloads[r]
                    switch recordKinds[r] {
                    case ValueKind.int.rawValue: out.addInt(name: name, Int64(bitPattern: p))
                    case ValueKind.float.rawValue: out.addFloat(name: name, Double(bitPattern: p))
                    case ValueKind.bool.rawValue: out.addBool(name: name, p != 0)
                    default:
                        let offset = Int(p >> 24), length = Int(p & 0xFF_FFFF)
                        out.addString(name: name, bytes: UnsafeBufferPointer(rebasing: b[offset..<(offset + length)]))
                    }
                }
                out.endRow(timestamp: timestamps[row], sampleRate: Int64(sampleRates[row]))
            }
        }
        return out
    }
}
