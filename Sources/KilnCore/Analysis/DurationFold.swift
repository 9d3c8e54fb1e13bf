/// Durations kept as the dictionary codes of their values with weights (sample rates), folded
/// into distinct codes when they pile up, for exact weighted percentiles over parts of a scope
/// read one after the other (codes are stable across the parts of a streamed read, see
/// `Rollup`).
///
/// Memory: 12 bytes per entry; at most about twice the distinct codes held plus ``slack``
/// entries, however many durations are added.
struct DurationFold {
    private var codes: [UInt32] = []
    private var weights: [UInt64] = []
    /// Entries after the last fold; the next fold comes at twice that plus ``slack``.
    private var folded = 0
    /// Entries added before the first fold.
    let slack: Int

    init(slack: Int = 1 << 16) { self.slack = max(16, slack) }

    /// Entries held.
    var count: Int { codes.count }

    /// Adds a duration: the code of its value (0, absent, is not added) and its weight.
    @inline(__always) mutating func add(code: UInt32, weight: UInt32) {
        guard code != 0 else { return }
        codes.append(code)
        weights.append(UInt64(weight))
        if codes.count > 2 * folded + slack { fold() }
    }

    /// Merges equal codes, adding their weights.
    /// - Complexity: O(n log n) for n entries.
    mutating func fold() {
        let order = codes.indices.sorted { codes[$0] < codes[$1] }
        var c: [UInt32] = [], w: [UInt64] = []
        c.reserveCapacity(order.count)
        w.reserveCapacity(order.count)
        for k in order {
            if let last = c.last, last == codes[k] {
                w[w.count - 1] &+= weights[k]
            } else {
                c.append(codes[k])
                w.append(weights[k])
            }
        }
        codes = c
        weights = w
        folded = c.count
    }

    /// The percentiles `perMille` (500 for P50) of the durations, each code's value being
    /// `numbers[code] * scale` (NaN values left out); nil each without durations. Nearest rank
    /// on the cumulative weight, as ``DurationSample`` (and so `kiln query`) computes them.
    /// - Complexity: expected O(n) per percentile.
    func percentiles(_ perMille: [Int64], numbers: [Double], scale: Double) -> [Double?] {
        var sample = DurationSample()
        guard !numbers.isEmpty else { return sample.percentiles(perMille) }
        for k in codes.indices {
            let code = Int(codes[k])
            guard code < numbers.count else { continue }
            let ms = numbers[code] * scale
            guard !ms.isNaN else { continue }
            var left = weights[k]
            repeat {
                let w = min(left, UInt64(UInt32.max))
                sample.add(ms, weight: UInt32(w))
                left -= w
            } while left > 0
        }
        return sample.percentiles(perMille)
    }
}
