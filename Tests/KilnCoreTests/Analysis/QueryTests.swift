import Testing
@testable import KilnCore

@Suite struct QueryTests {
    // MARK: parsing

    @Test(arguments: [
        ("COUNT", Calculation.count),
        ("count", .count),
        ("COUNT()", .count),
        ("COUNT_DISTINCT(user.id)", .countDistinct("user.id")),
        ("SUM(bytes)", .sum("bytes")),
        ("avg( duration_ms )", .avg("duration_ms")),
        ("MIN(a.b)", .min("a.b")),
        ("MAX(a.b)", .max("a.b")),
        ("P50(d)", .percentile(.p50, "d")),
        ("P75(d)", .percentile(.p75, "d")),
        ("P90(d)", .percentile(.p90, "d")),
        ("P95(d)", .percentile(.p95, "d")),
        ("P99(duration_ms)", .percentile(.p99, "duration_ms")),
        ("p999(duration_ms)", .percentile(.p999, "duration_ms")),
        ("HEATMAP(duration_ms)", .heatmap("duration_ms")),
        ("SUM(\"weird (field)\")", .sum("weird (field)")),
    ])
    func parsesCalculations(text: String, expected: Calculation) throws {
        let c = try Calculation.parse(text)
        #expect(c == expected)
        #expect(try Calculation.parse(c.description) == c)
    }

    @Test func canonicalCalculationText() {
        #expect(Calculation.percentile(.p99, "duration_ms").description == "P99(duration_ms)")
        #expect(Calculation.countDistinct("a b").description == "COUNT_DISTINCT(\"a b\")")
        #expect(Calculation.count.description == "COUNT")
    }

    @Test(arguments: [
        ("P98(d)", 0, "unknown calculation \"P98\""),
        ("SUM", 3, "expected \"(\""),
        ("SUM()", 4, "expected a field name"),
        ("SUM(d", 5, "expected \")\""),
        ("SUM(d) x", 7, "unexpected text"),
        ("COUNT(d)", 6, "COUNT takes no field"),
        ("", 0, "expected a calculation"),
    ])
    func calculationErrors(text: String, position: Int, reason: String) {
        do {
            _ = try Calculation.parse(text)
            Issue.record("expected failure for \(text)")
        } catch {
            #expect(error.code == .badCalculation)
            #expect(error.position == position)
            #expect(error.message.contains(reason), "\(error.message)")
        }
    }

    @Test func parsesOrderTerms() throws {
        #expect(try QueryOrder.parse("P99(duration_ms) desc") == QueryOrder(.calculation(.percentile(.p99, "duration_ms")), descending: true))
        #expect(try QueryOrder.parse("COUNT") == QueryOrder(.calculation(.count), descending: true))
        #expect(try QueryOrder.parse("COUNT asc") == QueryOrder(.calculation(.count), descending: false))
        #expect(try QueryOrder.parse("service.name") == QueryOrder(.field("service.name"), descending: false))
        #expect(try QueryOrder.parse("service.name DESC") == QueryOrder(.field("service.name"), descending: true))
        #expect(try QueryOrder.parse("\"weird field\" desc") == QueryOrder(.field("weird field"), descending: true))
        #expect(throws: AnalysisError.self) { try QueryOrder.parse("  ") }
    }

    @Test func orderByMustNameTheQuery() throws {
        let table = TestEvents.table(TestEvents.random(count: 50, seed: 1))
        var q = Query(calculations: [.count], groupBy: ["service"])
        q.orderBy = [try QueryOrder.parse("P99(duration_ms) desc")]
        #expect(throws: AnalysisError.self) { try q.run(table) }
        q.orderBy = [try QueryOrder.parse("region")]
        #expect(throws: AnalysisError.self) { try q.run(table) }
        q.limit = -1
        q.orderBy = []
        #expect(throws: AnalysisError.self) { try q.run(table) }
    }

    // MARK: semantics against a reference

    static let calcs: [Calculation] = [
        .count, .countDistinct("tenant"), .sum("duration_ms"), .avg("duration_ms"), .min("duration_ms"), .max("duration_ms"),
        .percentile(.p50, "duration_ms"), .percentile(.p75, "duration_ms"), .percentile(.p90, "duration_ms"),
        .percentile(.p95, "duration_ms"), .percentile(.p99, "duration_ms"), .percentile(.p999, "duration_ms"),
        .sum("dotted.name.with.dots"), .percentile(.p90, "dotted.name.with.dots"), .min("status"), .max("status"),
        .countDistinct("status"), .heatmap("duration_ms"), .avg("missing.field"),
    ]

    /// Every calculation of every group equals a computation over `[Event]`.
    func checkAgainstReference(events: [Event], groupBy: [String], filters: [Filter]) throws {
        let table = TestEvents.table(events)
        let q = Query(scope: Scope(filters: filters), calculations: Self.calcs, groupBy: groupBy)
        let result = try q.run(table)
        let inScope = Reference.rows(events, filters).map { events[$0] }
        var groups: [[Value?]: [Event]] = [:]
        for e in inScope { groups[groupBy.map { e[$0] }, default: []].append(e) }
        if groupBy.isEmpty, groups.isEmpty { groups[[]] = [] }
        #expect(result.rows.count == groups.count)
        let floats = Set(Self.calcs.compactMap(\.field).filter { f in events.contains { if case .float = $0[f] { return true }; return false } })
        for row in result.rows {
            guard let members = groups[row.group] else {
                Issue.record("unexpected group \(row.group)")
                continue
            }
            for (k, calc) in Self.calcs.enumerated() {
                let got = row.values[k]
                let want = Self.reference(calc, members, floats: floats, edges: result.heatmapEdges[calc.description])
                switch (got, want) {
                case (.value(.float(let a)), .value(.float(let b))):
                    #expect(abs(a - b) <= 1e-9 * max(1, abs(b)), "\(calc) \(row.group): \(a) vs \(b)")
                default:
                    #expect(got == want, "\(calc) \(row.group)")
                }
            }
        }
        // Default order: the first calculation (COUNT) descending, then group values ascending.
        for (a, b) in zip(result.rows, result.rows.dropFirst()) {
            guard case .value(.int(let ca)) = a.values[0], case .value(.int(let cb)) = b.values[0] else { continue }
            #expect(ca >= cb)
        }
    }

    static func reference(_ calc: Calculation, _ events: [Event], floats: Set<String>, edges: [Double]?) -> CalculationValue {
        func numbers(_ f: String) -> [(Double, Int64, Value)] {
            events.compactMap { e in e[f].flatMap { v in v.number.map { ($0, e.sampleRate, v) } } }
        }
        switch calc {
        case .count: return .value(.int(events.reduce(0) { $0 + $1.sampleRate }))
        case .countDistinct(let f): return .value(.int(Int64(Set(events.compactMap { $0[f] }).count)))
        case .sum(let f):
            let xs = numbers(f)
            if xs.isEmpty { return .null }
            if !floats.contains(f) { return .value(.int(xs.reduce(Int64(0)) { $0 + Int64($1.0) * $1.1 })) }
            return .value(.float(xs.reduce(0.0) { $0 + $1.0 * Double($1.1) }))
        case .avg(let f):
            let xs = numbers(f)
            if xs.isEmpty { return .null }
            return .value(.float(xs.reduce(0.0) { $0 + $1.0 * Double($1.1) } / Double(xs.reduce(Int64(0)) { $0 + $1.1 })))
        case .min(let f), .max(let f):
            var best: (Double, Value)?
            let largest: Bool
            if case .max = calc { largest = true } else { largest = false }
            for (x, _, v) in numbers(f) where best == nil || (largest ? x > best!.0 : x < best!.0) { best = (x, v) }
            return best.map { .value($0.1) } ?? .null
        case .percentile(let p, let f):
            guard let x = Reference.percentile(numbers(f).map { ($0.0, $0.1) }, perMille: p.perMille) else { return .null }
            return .value(floats.contains(f) ? .float(x) : .int(Int64(x)))
        case .heatmap(let f):
            guard let edges else { return .null }
            var counts = [Int64](repeating: 0, count: edges.count - 1)
            for (x, w, _) in numbers(f) {
                for i in 0..<(edges.count - 1) where x >= edges[i] && x < edges[i + 1] { counts[i] += w }
            }
            return .histogram(counts)
        }
    }

    @Test(arguments: [false, true])
    func calculationsMatchTheReference(sampled: Bool) throws {
        let events = TestEvents.random(count: 1500, seed: sampled ? 11 : 12, sampled: sampled)
        try checkAgainstReference(events: events, groupBy: [], filters: [])
        try checkAgainstReference(events: events, groupBy: ["service"], filters: [])
        try checkAgainstReference(events: events, groupBy: ["service", "flag"], filters: [try Filter.parse("status != 404")])
        try checkAgainstReference(events: events, groupBy: ["status", "region"], filters: [try Filter.parse("duration_ms >= 4")])
        try checkAgainstReference(events: events, groupBy: ["missing.field"], filters: [])
    }

    @Test func emptyScope() throws {
        let table = TestEvents.table(TestEvents.random(count: 100, seed: 3))
        let none = Scope(filters: [try Filter.parse("service = nothing")])
        let total = try Query(scope: none, calculations: [.count, .percentile(.p99, "duration_ms")]).run(table)
        #expect(total.rows == [QueryRow(group: [], values: [.value(.int(0)), .null])])
        #expect(total.json() == "{\"rows\":[{\"COUNT\":0,\"P99(duration_ms)\":null}]}")
        let grouped = try Query(scope: none, calculations: [.count], groupBy: ["service"]).run(table)
        #expect(grouped.rows.isEmpty)
        #expect(try Query(calculations: [.count], groupBy: ["service"], granularity: 1_000_000_000).run(TestEvents.table([])).rows.isEmpty)
    }

    static let small: [Event] = [
        Event(timestamp: 0, fields: [Field("svc", .string("api")), Field("d", .int(10)), Field("ok", .bool(true))]),
        Event(timestamp: 1_000_000_000, sampleRate: 1, fields: [Field("svc", .string("api")), Field("d", .int(30))]),
        Event(timestamp: 2_000_000_000, fields: [Field("svc", .string("web")), Field("d", .int(20)), Field("ok", .bool(false))]),
        Event(timestamp: 3_000_000_000, fields: [Field("d", .int(5))]),
        Event(timestamp: 61_000_000_000, fields: [Field("svc", .string("api")), Field("d", .int(50))]),
    ]

    @Test func jsonShape() throws {
        let table = TestEvents.table(Self.small)
        var q = Query(calculations: [.count, try Calculation.parse("MAX(d)"), try Calculation.parse("AVG(d)")], groupBy: ["svc"])
        #expect(try q.run(table).json() ==
            "{\"rows\":[{\"svc\":\"api\",\"COUNT\":3,\"MAX(d)\":50,\"AVG(d)\":30.0},{\"svc\":\"web\",\"COUNT\":1,\"MAX(d)\":20,\"AVG(d)\":20.0},{\"svc\":null,\"COUNT\":1,\"MAX(d)\":5,\"AVG(d)\":5.0}]}")
        q.orderBy = [try QueryOrder.parse("MAX(d) asc")]
        q.limit = 2
        #expect(try q.run(table).rows.map { $0.group } == [[nil], [.string("web")]])
        q.orderBy = [try QueryOrder.parse("svc desc")]
        q.limit = nil
        // Nulls last whatever the direction.
        #expect(try q.run(table).rows.map { $0.group } == [[.string("web")], [.string("api")], [nil]])
        q = Query(calculations: [.count], groupBy: ["ok"], orderBy: [try QueryOrder.parse("ok")])
        #expect(try q.run(table).json() == "{\"rows\":[{\"ok\":false,\"COUNT\":1},{\"ok\":true,\"COUNT\":1},{\"ok\":null,\"COUNT\":3}]}")
    }

    @Test func seriesPerGroup() throws {
        let table = TestEvents.table(Self.small)
        let q = Query(calculations: [.count, .sum("d")], groupBy: ["svc"], orderBy: [try QueryOrder.parse("svc")],
                      limit: 2, granularity: 60_000_000_000)
        let r = try q.run(table)
        #expect(r.json() == "{\"rows\":[{\"svc\":\"api\",\"COUNT\":3,\"SUM(d)\":90},{\"svc\":\"web\",\"COUNT\":1,\"SUM(d)\":20}],"
            + "\"series\":[{\"time\":\"1970-01-01T00:00:00Z\",\"svc\":\"api\",\"COUNT\":2,\"SUM(d)\":40},"
            + "{\"time\":\"1970-01-01T00:00:00Z\",\"svc\":\"web\",\"COUNT\":1,\"SUM(d)\":20},"
            + "{\"time\":\"1970-01-01T00:01:00Z\",\"svc\":\"api\",\"COUNT\":1,\"SUM(d)\":50}]}")
        var tooFine = q
        tooFine.granularity = 1
        #expect(throws: AnalysisError.self) { try tooFine.run(table) }
    }

    @Test func seriesMatchesTheReference() throws {
        let events = TestEvents.random(count: 1200, seed: 5, sampled: true)
        let table = TestEvents.table(events)
        let g: Int64 = 100_000_000
        let q = Query(calculations: [.count, .percentile(.p99, "duration_ms")], groupBy: ["region"], granularity: g)
        let r = try q.run(table)
        let series = try #require(r.series)
        #expect(!series.isEmpty)
        var seen = 0
        for p in series {
            let members = events.filter { $0.timestamp >= p.time && $0.timestamp < p.time + g && $0["region"] == p.group[0] }
            #expect(p.values[0] == .value(.int(members.reduce(0) { $0 + $1.sampleRate })))
            let pairs = members.compactMap { e in e["duration_ms"]?.number.map { ($0, e.sampleRate) } }
            let want = Reference.percentile(pairs, perMille: 990)
            if case .value(let v) = p.values[1] { #expect(v.number == want) } else { #expect(want == nil) }
            seen += members.count
            #expect(p.time % g == 0)
        }
        #expect(seen == events.count)
    }

    /// A SQL backend's path: per-group values and per-(bucket, group) cells computed elsewhere
    /// (here, by one query per time bucket, groups in another order) give ``Query/run(_:)``'s
    /// result, a limit leaving groups out of the series.
    @Test(arguments: [nil, Int64(1_714_566_896_250_000_000)])
    func seriesFromCellsMatchesRun(from: Int64?) throws {
        let events = TestEvents.random(count: 900, seed: 12, sampled: true)
        let table = TestEvents.table(events)
        let g: Int64 = 70_000_000
        let q = Query(scope: Scope(from: from), calculations: [.count, .percentile(.p90, "duration_ms"), .heatmap("duration_ms")],
                      groupBy: ["region", "flag"], limit: 4, granularity: g)
        let want = try q.run(table)
        var whole = q
        whole.granularity = nil
        whole.limit = nil
        let all = try whole.run(table)
        let groups = all.rows.reversed().map(\.group)
        let values = q.calculations.indices.map { k in all.rows.reversed().map { $0.values[k] } }
        let times = events.map(\.timestamp).filter { $0 >= (from ?? .min) }
        let edges = try q.seriesEdges(times: (times.min()!, times.max()!), groupsShown: 4)
        var cells: [Query.SeriesCell] = []
        for b in 0..<(edges.count - 1) {
            var bucket = whole
            let start = max(edges[b], from ?? .min)
            bucket.scope = Scope(from: start, to: edges[b + 1])
            let part = try bucket.run(table)
            for row in part.rows {
                // The value edges of the whole scope, as a backend computes them once.
                let values = zip(row.values, q.calculations).map { v, c -> CalculationValue in
                    guard case .heatmap = c else { return v }
                    return Self.histogram(events.filter { $0.timestamp >= start && $0.timestamp < edges[b + 1] && $0["region"] == row.group[0]
                        && $0["flag"] == row.group[1] }, edges: want.heatmapEdges["HEATMAP(duration_ms)"] ?? [])
                }
                cells.append(Query.SeriesCell(bucket: b, group: try #require(groups.firstIndex(of: row.group)), values: values))
            }
        }
        let got = try q.result(groups: groups, values: values, weighted: all.weighted, heatmapEdges: want.heatmapEdges,
                               seriesEdges: edges, seriesCells: cells.shuffled())
        #expect(got == want)
        #expect((want.series?.count ?? 0) > 20 && Set(want.series?.map(\.group) ?? []).count == 4)
    }

    static func histogram(_ events: [Event], edges: [Double]) -> CalculationValue {
        var counts = [Int64](repeating: 0, count: edges.count - 1)
        for e in events {
            guard let x = e["duration_ms"]?.number, x.isFinite, x >= edges[0], x < edges[edges.count - 1] else { continue }
            counts[edges.lastIndex { $0 <= x }!] += e.sampleRate
        }
        return .histogram(counts)
    }

    @Test func newestRowsFirst() {
        let events = TestEvents.random(count: 500, seed: 9)
        let table = TestEvents.table(events)
        let rows = Query.newestRows(table, limit: 20)
        let want = events.indices.sorted { (events[$0].timestamp, $0) > (events[$1].timestamp, $1) }.prefix(20)
        #expect(rows == Array(want))
        #expect(Query.newestRows(table, limit: 0).isEmpty)
        #expect(Query.newestRows(table, limit: 10_000).count == 500)
        let scoped = Query.newestRows(table, scope: Scope(filters: [Filter.equal("service", .string("api"))]), limit: 5)
        #expect(scoped.allSatisfy { events[$0]["service"] == .string("api") })
        // Selection and baseline of a BubbleUp, side by side.
        let (selection, baseline) = BubbleUp.prepare(table).split(selection: [Filter.equal("service", .string("api"))])
        #expect(Query.newestRows(table, rows: selection, limit: 5) == scoped)
        #expect(Query.newestRows(table, rows: baseline, limit: 5).allSatisfy { events[$0]["service"] != .string("api") })
        #expect(selection.count + baseline.count == events.count)
    }

    @Test func textTableFitsTheWidth() throws {
        let events = TestEvents.random(count: 800, seed: 4)
        let table = TestEvents.table(events)
        let q = Query(calculations: Self.calcs, groupBy: ["service", "note"], granularity: 200_000_000)
        let r = try q.run(table)
        for width in [40, 80, 120] {
            let text = r.table(width: width)
            for line in text.split(separator: "\n") { #expect(line.count <= width, "\(line)") }
        }
        let ascii = r.table(width: 80, ascii: true)
        #expect(ascii.unicodeScalars.allSatisfy { $0.isASCII })
        let csv = r.csv()
        #expect(csv.hasPrefix("service,note,COUNT,COUNT_DISTINCT(tenant),SUM(duration_ms)"))
        #expect(csv.contains("\"a,b\"") && csv.contains("\"say \"\"hi\"\"\""))
        #expect(csv.split(separator: "\r\n").count == r.rows.count + 1)
        #expect(r.seriesCSV().hasPrefix("time,service,note,COUNT"))
        #expect(r.json().contains("\"heatmaps\":{\"HEATMAP(duration_ms)\":{\"scale\":\"log\",\"edges\":["))
    }
}
