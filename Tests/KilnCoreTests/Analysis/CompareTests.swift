import Testing
import KilnCore

/// The statistics of `kiln compare` against textbook values, and its judgements on samples
/// built to have a known answer.
@Suite struct CompareTests {
    // MARK: Statistics

    @Test func weightedPercentileCountsSampleRates() {
        let plain = [1.0, 2, 3, 4].map { WeightedValue($0) }
        #expect(CompareStatistics.percentile(plain, 0.5) == 2)
        #expect(CompareStatistics.percentile(plain, 0.99) == 4)
        // The 4 stands for 97 events: the median is 4.
        let weighted = [WeightedValue(1), WeightedValue(2), WeightedValue(3), WeightedValue(4, weight: 97)]
        #expect(CompareStatistics.percentile(weighted, 0.5) == 4)
        #expect(CompareStatistics.percentile([], 0.5) == nil)
    }

    @Test func mannWhitneyMatchesTheTextbook() {
        // scipy.stats.mannwhitneyu([1..5], [6..10], use_continuity=False): U = 25, p = 0.00902.
        let r = CompareStatistics.mannWhitney(before: (1...5).map { WeightedValue(Double($0)) }, after: (6...10).map { WeightedValue(Double($0)) })
        #expect(r.effect == 1)
        #expect(abs(r.p - 0.00902) < 0.00005)
        // With ties: [1,2,2,3] against [2,3,3,4]: U = 13 of 16; tie-corrected variance
        // 16 × 9 / 12 × (1 − 48/504), z = 1.5174, p = 0.1292 (scipy, no continuity correction).
        let t = CompareStatistics.mannWhitney(before: [1, 2, 2, 3].map { WeightedValue($0) }, after: [2, 3, 3, 4].map { WeightedValue($0) })
        #expect(abs(t.effect - 13.0 / 16) < 1e-12)
        #expect(abs(t.z - 1.5174) < 0.0001)
        #expect(abs(t.p - 0.1292) < 0.0001)
    }

    @Test func mannWhitneyWeightsActLikeCopiesForTheEffect() {
        let copies = CompareStatistics.mannWhitney(before: [1, 1, 1, 5].map { WeightedValue($0) }, after: [2, 6, 6].map { WeightedValue($0) })
        let weighted = CompareStatistics.mannWhitney(before: [WeightedValue(1, weight: 3), WeightedValue(5)],
                                                     after: [WeightedValue(2), WeightedValue(6, weight: 2)])
        #expect(abs(copies.effect - weighted.effect) < 1e-12)
        // Fewer independent observations: weighted data is less significant, never more.
        #expect(weighted.p >= copies.p)
    }

    @Test func twoProportionMatchesTheTextbook() {
        // 50/1000 against 80/1000: pooled 0.065, z = 2.721, p = 0.0065.
        let r = CompareStatistics.twoProportion(50, 1000, 80, 1000, effective: 1000, 1000)
        #expect(abs(r.z - 2.721) < 0.001)
        #expect(abs(r.p - 0.0065) < 0.0001)
        #expect(CompareStatistics.twoProportion(0, 10, 0, 10, effective: 10, 10).p == 1)
    }

    // MARK: Judgements

    /// A deterministic spread of latencies around `median` (log-uniform over ×/÷ 3).
    static func latencies(_ n: Int, median: Double, seed: Int) -> [Double] {
        (0..<n).map { i in
            let u = Double((i * 7919 + seed * 104_729) % 10_007) / 10_007
            return median * pow3(2 * u - 1)
        }
    }

    static func pow3(_ x: Double) -> Double {
        // 3^x without Foundation.
        var result = 1.0, term = 1.0
        let l = x * 1.0986122886681098
        for k in 1..<30 {
            term *= l / Double(k)
            result += term
        }
        return result
    }

    /// A side with one group field `route` (values 1 = /a, 2 = /b) and the given latencies.
    static func side(_ values: [(Double, UInt16)], weight: Double = 1, errors: Set<Int> = []) -> SideSamples {
        var s = SideSamples()
        s.events = values.count
        s.weight = Array(repeating: weight, count: values.count)
        s.metric = values.map(\.0)
        s.isError = values.indices.map { errors.contains($0) }
        s.groups = [values.map(\.1)]
        return s
    }

    static func samples(before: SideSamples, after: SideSamples) -> CompareSamples {
        var c = CompareSamples()
        c.groupFields = ["route"]
        c.groupValues = [[.string("/a"), .string("/b")]]
        c.before = before
        c.after = after
        return c
    }

    @Test func aSlowRouteIsARegressionAndLeadsWhere() {
        let before = Self.latencies(4000, median: 20, seed: 1).enumerated().map { ($1, UInt16($0 % 4 == 0 ? 2 : 1)) }
        // After: /b (a quarter of the traffic) is five times slower, /a unchanged.
        let after = Self.latencies(4000, median: 20, seed: 2).enumerated().map { i, v in i % 4 == 0 ? (v * 5, UInt16(2)) : (v, UInt16(1)) }
        let result = Compare.run(Self.samples(before: Self.side(before), after: Self.side(after)), field: "version", metric: "duration_ms",
                                 before: .string("1"), after: .string("2"))
        #expect(result.verdict == .regression)
        let p95 = result.metrics.first { $0.name == "P95(duration_ms)" }
        #expect(p95?.significant == true && p95?.direction == .worse)
        #expect(result.groups.first?.fields.map(\.0) == ["route"])
        #expect(result.groups.first?.fields.first?.1 == .string("/b"))
        #expect(!result.groups.contains { $0.fields.first?.1 == .string("/a") }, "the unchanged route explains nothing")
    }

    @Test func aTinyShiftInManyEventsIsSignificantButNoRegression() {
        let n = 200_000
        let before = Self.latencies(n, median: 50, seed: 3).map { ($0, UInt16(1)) }
        let after = Self.latencies(n, median: 50, seed: 3).map { ($0 * 1.01, UInt16(1)) }
        let result = Compare.run(Self.samples(before: Self.side(before), after: Self.side(after)), field: "v", metric: "duration_ms",
                                 before: nil, after: nil)
        let p50 = try? #require(result.metrics.first)
        #expect((p50?.pValue ?? 1) < 0.01, "a 1% shift of 200,000 events is detectable")
        #expect(p50?.significant == false, "but it is too small to matter")
        #expect(result.verdict == .noChange)
        #expect(result.groups.isEmpty)
    }

    @Test func tooFewEventsIsInconclusive() {
        let before = Self.latencies(50, median: 10, seed: 4).map { ($0, UInt16(1)) }
        let after = Self.latencies(50, median: 100, seed: 5).map { ($0, UInt16(1)) }
        let result = Compare.run(Self.samples(before: Self.side(before), after: Self.side(after)), field: "v", metric: "duration_ms",
                                 before: nil, after: nil)
        #expect(result.verdict == .inconclusive)
        #expect(result.notes.first?.contains("too few events") == true)
    }

    @Test func errorRateRegressionIsFoundWhereItHappens() {
        let values = Self.latencies(5000, median: 20, seed: 6)
        let before = values.enumerated().map { ($1, UInt16($0 % 2 + 1)) }
        let after = values.enumerated().map { ($1, UInt16($0 % 2 + 1)) }
        // 1% errors everywhere before; after, /b fails 10% of the time.
        let beforeErrors = Set(stride(from: 0, to: 5000, by: 100))
        let afterErrors = beforeErrors.union(stride(from: 1, to: 5000, by: 20))
        let result = Compare.run(Self.samples(before: Self.side(before, errors: beforeErrors), after: Self.side(after, errors: afterErrors)),
                                 field: "v", metric: "duration_ms", before: nil, after: nil)
        #expect(result.verdict == .regression)
        let rate = result.metrics.first { $0.name == "error_rate" }
        #expect(rate?.direction == .worse)
        #expect(result.groups.first?.metric == "error_rate")
        #expect(result.groups.first?.fields.first?.1 == .string("/b"))
    }

    @Test func sampleRatesChangeTheVerdict() {
        // Before: 5% slow. After: 20% of the stored events are slow, but the fast ones were
        // sampled 1 in 5, so weighted only 4.8% are slow: no regression.
        let fast = Self.latencies(950, median: 10, seed: 7), slow = Self.latencies(50, median: 400, seed: 8)
        let before = Self.side((fast + slow).map { ($0, UInt16(1)) })
        let afterFast = Self.latencies(800, median: 10, seed: 9), afterSlow = Self.latencies(200, median: 400, seed: 10)
        var after = Self.side((afterFast + afterSlow).map { ($0, UInt16(1)) })
        let unweighted = Compare.run(Self.samples(before: before, after: after), field: "v", metric: "duration_ms", before: nil, after: nil)
        #expect(unweighted.verdict == .regression)
        after.weight = Array(repeating: 5, count: 800) + Array(repeating: 1, count: 200)
        let weighted = Compare.run(Self.samples(before: before, after: after), field: "v", metric: "duration_ms", before: nil, after: nil)
        #expect(weighted.verdict == .noChange)
        #expect(weighted.after.count == 4200)
        #expect(weighted.after.events == 1000)
        #expect(weighted.weighted)
    }

    @Test func jsonHasTheContractKeys() {
        let before = Self.latencies(4000, median: 20, seed: 1).enumerated().map { ($1, UInt16($0 % 4 == 0 ? 2 : 1)) }
        let after = Self.latencies(4000, median: 20, seed: 2).enumerated().map { i, v in i % 4 == 0 ? (v * 5, UInt16(2)) : (v, UInt16(1)) }
        let json = Compare.run(Self.samples(before: Self.side(before), after: Self.side(after)), field: "service.version", metric: "duration_ms",
                               before: .string("1.0"), after: .string("1.1")).json()
        for key in ["\"field\":\"service.version\"", "\"before\":{\"value\":\"1.0\",\"count\":4000", "\"after\":{\"value\":\"1.1\"",
                    "\"verdict\":\"regression\"", "\"name\":\"P50(duration_ms)\"", "\"name\":\"P95(duration_ms)\"", "\"name\":\"P99(duration_ms)\"",
                    "\"name\":\"error_rate\"", "\"change_pct\":", "\"p_value\":", "\"significant\":", "\"where\":[{\"fields\":{\"route\":\"/b\"}",
                    "\"before_count\":", "\"after_count\":"] {
            #expect(json.contains(key), "missing \(key) in \(json.prefix(400))")
        }
    }
}
