import Testing
@testable import KilnCore

@Suite struct HeatmapTests {
    /// Every cell, total and outside count equals a scan of the events against the edges.
    func checkAgainstReference(_ events: [Event], _ h: Heatmap, scope: [Int]) {
        var counts = [Int64](repeating: 0, count: h.timeBuckets * h.valueBuckets)
        var outside = [Int64](repeating: 0, count: h.timeBuckets)
        for i in scope {
            let e = events[i]
            guard let t = (0..<h.timeBuckets).first(where: { e.timestamp >= h.timeEdges[$0] && e.timestamp < h.timeEdges[$0 + 1] }) else { continue }
            if let x = e[h.field]?.number, let v = (0..<h.valueBuckets).first(where: { x >= h.valueEdges[$0] && x < h.valueEdges[$0 + 1] }) {
                counts[t * h.valueBuckets + v] += e.sampleRate
            } else {
                outside[t] += e.sampleRate
            }
        }
        #expect(h.counts == counts)
        #expect(h.outside == outside)
        #expect(h.totals == (0..<h.timeBuckets).map { t in counts[(t * h.valueBuckets)..<((t + 1) * h.valueBuckets)].reduce(0, +) })
        #expect(h.timeEdges == h.timeEdges.sorted() && h.valueEdges == h.valueEdges.sorted())
    }

    @Test(arguments: [(false, HeatmapOptions.Scale.log), (true, .log), (true, .linear)])
    func countsMatchTheReference(sampled: Bool, scale: HeatmapOptions.Scale) throws {
        let events = TestEvents.random(count: 2000, seed: 21, sampled: sampled)
        let table = TestEvents.table(events)
        var options = HeatmapOptions(timeBuckets: 17, valueBuckets: 9, scale: scale)
        let all = Heatmap.compute(table, scope: Scope(), field: "duration_ms", options: options)
        #expect(all.timeBuckets == 17 && all.valueBuckets == 9)
        checkAgainstReference(events, all, scope: Array(events.indices))
        // Every event with a number is drawn when the range comes from the data.
        #expect(all.totals.reduce(0, +) == events.filter { $0["duration_ms"] != nil }.reduce(0) { $0 + $1.sampleRate })
        if scale == .log { #expect(all.valueEdges[0] == 0) } // the data has zeros

        let filters = [try Filter.parse("service = api")]
        let scoped = Heatmap.compute(table, scope: Scope(filters: filters), field: "duration_ms", options: options)
        checkAgainstReference(events, scoped, scope: Reference.rows(events, filters))

        options.valueRange = 2...50
        options.granularity = 250_000_000
        let ranged = Heatmap.compute(table, scope: Scope(), field: "duration_ms", options: options)
        #expect(ranged.valueEdges.first == 2 && ranged.valueEdges.last == 50)
        #expect(ranged.timeEdges.allSatisfy { $0 % 250_000_000 == 0 })
        checkAgainstReference(events, ranged, scope: Array(events.indices))
    }

    /// A box's filters select exactly the events counted in its cells (what BubbleUp gets).
    @Test func boxFiltersSelectTheBox() throws {
        let events = TestEvents.random(count: 2000, seed: 22, sampled: true)
        let table = TestEvents.table(events)
        let h = Heatmap.compute(table, scope: Scope(), field: "duration_ms", options: HeatmapOptions(timeBuckets: 20, valueBuckets: 12))
        for (time, value) in [(3..<9, 6..<12), (0..<20, 0..<12), (5..<6, 0..<1), (19..<20, 11..<12)] {
            let filters = h.boxFilters(time: time, value: value)
            let rows = Scope(filters: filters).rows(in: table)
            let weight = rows.rows.reduce(Int64(0)) { $0 + events[Int($1)].sampleRate }
            var cells: Int64 = 0
            for t in time { for v in value { cells += h.count(time: t, value: v) } }
            #expect(weight == cells, "\(filters)")
            for f in filters { #expect(try Filter.parse(f.description) == f) }
        }
    }

    @Test func degenerateInputs() {
        let empty = Heatmap.compute(TestEvents.table([]), scope: Scope(), field: "duration_ms")
        #expect(empty.timeBuckets == 0 && empty.counts.isEmpty)
        let events = (0..<10).map { Event(timestamp: Int64($0) * 1_000, fields: [Field("d", .int(7))]) }
        let table = TestEvents.table(events)
        let one = Heatmap.compute(table, scope: Scope(), field: "d", options: HeatmapOptions(timeBuckets: 4, valueBuckets: 3))
        #expect(one.totals.reduce(0, +) == 10)
        let missing = Heatmap.compute(table, scope: Scope(), field: "nope", options: HeatmapOptions(timeBuckets: 4, valueBuckets: 3))
        #expect(missing.outside.reduce(0, +) == 10 && missing.maxCount == 0)
        let negative = TestEvents.table((0..<10).map { Event(timestamp: Int64($0), fields: [Field("d", .int(Int64($0) - 5))]) })
        let linear = Heatmap.compute(negative, scope: Scope(), field: "d", options: HeatmapOptions(timeBuckets: 2, valueBuckets: 5))
        #expect(linear.totals.reduce(0, +) == 10) // a log scale falls back to linear for negative values
        let extreme = TestEvents.table([Event(timestamp: Int64.min + 1, fields: [Field("d", .int(1))]),
                                        Event(timestamp: Int64.max - 1, fields: [Field("d", .int(2))])])
        _ = Heatmap.compute(extreme, scope: Scope(), field: "d") // must not trap
    }

    @Test func jsonShape() {
        let events = [Event(timestamp: 0, fields: [Field("d", .int(1))]), Event(timestamp: 1_000_000_000, fields: [Field("d", .int(4))])]
        let h = Heatmap.compute(TestEvents.table(events), scope: Scope(), field: "d", options: HeatmapOptions(timeBuckets: 2, valueBuckets: 2))
        #expect(h.valueEdges.count == 3 && h.valueEdges[0] == 1 && h.valueEdges[1] == 2)
        #expect(h.json() == "{\"field\":\"d\",\"scale\":\"log\",\"time_edges\":[\"1970-01-01T00:00:00Z\",\"1970-01-01T00:00:00.500000001Z\",\"1970-01-01T00:00:01.000000002Z\"],"
            + "\"value_edges\":[1.0,2.0,\(Value.format(h.valueEdges[2]))],\"counts\":[[1,0],[0,1]],\"totals\":[1,1],\"outside\":[0,0]}")
    }
}
