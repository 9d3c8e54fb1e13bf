/// Weighted event counts of an SLO in one time window: the eligible events and the good ones
/// among them (an event with sample rate N counts N times).
public struct GoodCount: Sendable, Hashable {
    /// Eligible events (weighted).
    public var eligible: Int64
    /// Good events among them (weighted).
    public var good: Int64

    /// Makes counts.
    public init(eligible: Int64, good: Int64) {
        self.eligible = eligible
        self.good = good
    }

    /// Eligible events that are not good.
    public var bad: Int64 { eligible - good }

    /// Counts the rows of `table` matching every `eligible` filter, and those also matching every
    /// `good` filter, in each of `windows`: what ``EventBackend/goodCounts(dataset:eligible:good:windows:)``
    /// answers for a table in memory.
    /// - Complexity: O(rows × filters) to filter, O(m log m) to sort the m eligible rows by time,
    ///   then O(log m) per window (prefix sums), so hundreds of windows cost no more than one.
    public static func count(_ table: EventTable, eligible: [Filter], good: [Filter], windows: [TimeWindow]) -> [GoodCount] {
        let eligibleRows = Scope(filters: eligible).rows(in: table)
        let goodRows = eligibleRows.filtered(by: good, in: table)
        var isGood = [Bool](repeating: false, count: table.count)
        goodRows.forEachID { isGood[Int($0)] = true }
        var entries: [(time: Int64, weight: Int64, good: Bool)] = []
        entries.reserveCapacity(eligibleRows.count)
        eligibleRows.forEachID { r in
            let row = Int(r)
            entries.append((table.timestamps[row], table.sampleRate(row), isGood[row]))
        }
        entries.sort { $0.time < $1.time }
        // prefix[i] = sums over entries[0..<i].
        var prefixEligible = [Int64](repeating: 0, count: entries.count + 1)
        var prefixGood = [Int64](repeating: 0, count: entries.count + 1)
        for (i, e) in entries.enumerated() {
            prefixEligible[i + 1] = prefixEligible[i] + e.weight
            prefixGood[i + 1] = prefixGood[i] + (e.good ? e.weight : 0)
        }
        // The first index whose time is at least `t`.
        func lowerBound(_ t: Int64) -> Int {
            var lo = 0, hi = entries.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if entries[mid].time < t { lo = mid + 1 } else { hi = mid }
            }
            return lo
        }
        return windows.map { w in
            let start = w.from.map(lowerBound) ?? 0
            let end = w.to.map(lowerBound) ?? entries.count
            guard end > start else { return GoodCount(eligible: 0, good: 0) }
            return GoodCount(eligible: prefixEligible[end] - prefixEligible[start], good: prefixGood[end] - prefixGood[start])
        }
    }
}
