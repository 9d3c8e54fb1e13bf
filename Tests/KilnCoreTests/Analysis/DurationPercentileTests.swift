import Testing
@testable import KilnCore

/// Weighted nearest-rank percentiles of durations, folded or not, against sorting the sample.
struct DurationPercentileTests {
    /// The smallest value whose cumulative weight reaches ⌈p × total⌉, by sorting.
    static func sorted(_ sample: [(Double, UInt32)], _ perMille: Int64) -> Double? {
        let total = sample.reduce(Int64(0)) { $0 + Int64($1.1) }
        guard total > 0 else { return nil }
        let target = Aggregator.rankTarget(perMille: perMille, total: total)
        var cumulative: Int64 = 0
        for (v, w) in sample.sorted(by: { $0.0 < $1.0 }) {
            cumulative += Int64(w)
            if cumulative >= target { return v }
        }
        return sample.map(\.0).max()
    }

    @Test(arguments: [1, 2, 3, 17, 100, 1_000, 20_000])
    func percentilesMatchSorting(count: Int) {
        var rng = SystemRandomNumberGenerator()
        for distinct in [1, 5, 1_000] {
            var sample: [(Double, UInt32)] = []
            var codes: [(UInt32, UInt32)] = []
            // Values by code: code 1...distinct; a few codes are not numbers (NaN, left out).
            let numbers: [Double] = [.nan] + (1...distinct).map { $0 % 97 == 0 ? .nan : Double(Int.random(in: 0..<500, using: &rng)) / 4 }
            for _ in 0..<count {
                let code = UInt32.random(in: 1...UInt32(distinct), using: &rng)
                let w = UInt32.random(in: 0..<4, using: &rng) == 0 ? UInt32.random(in: 0...9, using: &rng) : 1
                codes.append((code, w))
                if !numbers[Int(code)].isNaN { sample.append((numbers[Int(code)] * 2, w)) }
            }
            let perMille: [Int64] = [990, 500, 950, 1, 999, 500]
            var direct = DurationSample()
            for (v, w) in sample { direct.add(v, weight: w) }
            var fold = DurationFold(slack: 16)
            for (c, w) in codes { fold.add(code: c, weight: w) }
            let expected = perMille.map { Self.sorted(sample, $0) }
            #expect(direct.percentiles(perMille) == expected, "count \(count), distinct \(distinct)")
            #expect(fold.percentiles(perMille, numbers: numbers, scale: 2) == expected, "count \(count), distinct \(distinct)")
        }
    }
}
