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
    /// - Complexity: expected O(n) per percentile (reorders the sample).
    mutating func percentiles(_ perMille: [Int64]) -> [Double?] {
        guard total > 0 else { return perMille.map { _ in nil } }
        let n = values.count, total = self.total
        return values.withUnsafeMutableBufferPointer { vals in
            weights.withUnsafeMutableBufferPointer { wts in
                perMille.map { p -> Double? in
                    QuickSelect.select(vals, wts, 0, n, target: Aggregator.rankTarget(perMille: p, total: total))
                }
            }
        }
    }
}
