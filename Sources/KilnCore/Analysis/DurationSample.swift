/// Durations with their sample rates, for weighted percentiles the way `kiln query` computes
/// them (nearest rank: the smallest value whose cumulative weight reaches ⌈q × total⌉).
struct DurationSample {
    var values: [Double] = []
    var weights: [UInt32] = []
    var total: Int64 = 0

    @inline(__always) mutating func add(_ value: Double, weight: UInt32) {
        values.append(value)
        weights.append(weight)
        total &+= Int64(weight)
    }

    /// The percentiles `perMille` (500 for P50), nil each when the sample is empty.
    ///
    /// From the lowest up: once a percentile's value v is known, the next one is v itself when
    /// the weight up to v reaches its rank, else it is selected among the values above v only
    /// (moved to the front), so P95 and P99 after P50 look at half and a twentieth of the sample.
    /// - Complexity: expected O(n) in all (reorders the sample).
    mutating func percentiles(_ perMille: [Int64]) -> [Double?] {
        guard total > 0 else { return perMille.map { _ in nil } }
        var n = values.count
        let total = self.total
        var out = [Double?](repeating: nil, count: perMille.count)
        var below: Int64 = 0
        var last: Double?
        values.withUnsafeMutableBufferPointer { vals in
            weights.withUnsafeMutableBufferPointer { wts in
                for k in perMille.indices.sorted(by: { perMille[$0] < perMille[$1] }) {
                    let target = Aggregator.rankTarget(perMille: perMille[k], total: total)
                    if let v = last, target <= below || n == 0 {
                        out[k] = v
                        continue
                    }
                    let v = QuickSelect.select(vals, wts, 0, n, target: target - below)
                    out[k] = v
                    last = v
                    // Keep the values above v at the front; add up the weight of the others.
                    var kept = 0
                    for i in 0..<n {
                        if vals[i] > v {
                            vals.swapAt(kept, i)
                            wts.swapAt(kept, i)
                            kept += 1
                        } else {
                            below &+= Int64(wts[i])
                        }
                    }
                    n = kept
                }
            }
        }
        return out
    }
}
