import Testing
@testable import KilnCore

/// Nothing may trap: extreme numbers and times, NaN, garbage expressions.
@Suite struct HostileInputTests {
    static let extremes: [Value] = [.float(.nan), .float(.infinity), .float(-.infinity), .int(.max), .int(.min), .float(1e308),
                                    .float(-1e308), .float(5e-324), .float(0), .int(0), .float(-0.0), .string("nan"), .bool(true)]

    static func events() -> [Event] {
        var rng = SplitMix64(seed: 41)
        var out: [Event] = []
        let times: [Int64] = [.min, .max, .min + 1, .max - 1, 0, -1, 1]
        for i in 0..<400 {
            var fields = [Field("d", rng.pick(extremes)), Field("g", .string(rng.pick(["a", "b"])))]
            if i % 3 == 0 { fields.append(Field("n", .float(Double(i) * 1e-310))) }
            if i % 5 == 0 { fields.append(Field("big", .int(Int64.max - Int64(i)))) }
            out.append(Event(timestamp: i < times.count ? times[i] : Int64(i) * 1_000_000_007, sampleRate: rng.pick([1, 1, 3, Int64(UInt32.max)]), fields: fields))
        }
        return out
    }

    @Test func analysesSurviveExtremes() throws {
        let events = Self.events()
        let table = TestEvents.table(events)
        let calcs: [Calculation] = [.count, .countDistinct("d"), .sum("d"), .avg("d"), .min("d"), .max("d"), .percentile(.p99, "d"),
                                    .percentile(.p50, "big"), .sum("big"), .heatmap("d"), .heatmap("n"), .avg("n")]
        for g: Int64? in [nil, 1, 1_000_000_000, Int64.max] {
            let q = Query(calculations: calcs, groupBy: ["g"], granularity: g)
            if let r = try? q.run(table) {
                _ = r.json()
                _ = r.table(width: 80)
                _ = r.csv()
                #expect(!r.json().contains("inf") && !r.json().contains("nan,"))
            }
        }
        for field in ["d", "n", "big", "g"] {
            for scale in [HeatmapOptions.Scale.log, .linear] {
                var options = HeatmapOptions(timeBuckets: 7, valueBuckets: 5, scale: scale)
                let h = Heatmap.compute(table, scope: Scope(), field: field, options: options)
                _ = h.json()
                #expect(h.valueEdges.allSatisfy { !$0.isNaN }, "\(field) \(scale)")
                options.granularity = 1
                _ = Heatmap.compute(table, scope: Scope(from: -10, to: 10), field: field, options: options)
                options.granularity = Int64.max
                options.valueRange = -1e308...1e308
                _ = Heatmap.compute(table, scope: Scope(), field: field, options: options)
            }
        }
        for selection in ["d > 0", "d = nan", "timestamp < 0", "big >= 9223372036854775000", "n < 1e-300", "g = a"] {
            let r = BubbleUp.run(table, selection: [try Filter.parse(selection)])
            _ = r.json()
            _ = r.table(width: 80, ascii: true)
            #expect(!r.json().contains("inf"))
        }
        _ = Query.newestRows(table, limit: 5)
        _ = Query.newestRows(table, scope: Scope(from: .max, to: .min), limit: 5)
    }

    @Test func binsForExtremeRanges() {
        let cases: [(Double, Double, Double?)] = [(5e-324, 1e-320, 5e-324), (-1e308, 1e308, 1e308), (0, 1e308, 1e-300),
                                                  (1, 1, 1), (-5, -5, nil), (9.2e18, 9.3e18, 9.2e18), (0, 0, nil)]
        for (lo, hi, lowPositive) in cases {
            let bins = NumericBins.make(min: lo, max: hi, minPositive: lowPositive, integers: false, maxBins: 16)
            #expect(bins.count >= 1, "\(lo)...\(hi): \(bins.edges)")
            #expect(zip(bins.edges, bins.edges.dropFirst()).allSatisfy { $0 < $1 }, "\(lo)...\(hi): \(bins.edges)")
            #expect(bins.bin(of: lo) != nil && bins.bin(of: hi) != nil, "\(lo)...\(hi): \(bins.edges)")
            _ = bins.label(-1) + bins.label(99)
        }
    }

    @Test func garbageExpressionsNeverTrap() {
        var rng = SplitMix64(seed: 42)
        let alphabet = Array("ab.\"\\ =!<>,-0123456789eE+incontainsexiststimestamp\t\u{00e9}\u{1F600}")
        var parsed = 0
        for _ in 0..<5000 {
            let text = String((0..<Int.random(in: 0..<24, using: &rng)).map { _ in rng.pick(alphabet) })
            if let f = try? Filter.parse(text) {
                parsed += 1
                #expect((try? Filter.parse(f.description)) == f, "\(text) -> \(f)")
            }
            _ = try? Calculation.parse(text)
            _ = try? QueryOrder.parse(text)
        }
        #expect(parsed > 0)
        #expect(RowSet(rows: [3, 1], universe: -5).isEmpty)
        #expect(RowSet.all(-3).count == 0)
    }
}
