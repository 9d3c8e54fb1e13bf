import Testing
@testable import KilnCore

/// The join of `kiln services --map` on hand-made spans whose answer is known by construction.
struct ServiceMapTests {
    static func span(_ t: Int64, trace: String, id: String, parent: String?, service: String?, ms: Double? = nil,
                     error: Bool = false, rate: Int64 = 1, durationField: String = "duration_ms") -> Event {
        var fields = [Field("trace.trace_id", .string(trace)), Field("trace.span_id", .string(id))]
        if let parent { fields.append(Field("trace.parent_id", .string(parent))) }
        if let service { fields.append(Field("service.name", .string(service))) }
        if let ms { fields.append(Field(durationField, .float(ms))) }
        if error { fields.append(Field("error", .bool(true))) }
        return Event(timestamp: t, sampleRate: rate, fields: fields)
    }

    static func table(_ events: [Event]) -> EventTable {
        var b = EventTableBuilder()
        b.append(events)
        return b.table
    }

    /// The same span id in two traces joins within each trace; a parent id that matches only a
    /// span of another trace is an orphan; same-service calls are no edge; sample rates weigh.
    @Test func joinsWithinATraceOnly() {
        let t = Self.table([
            Self.span(1, trace: "T1", id: "a", parent: nil, service: "web"),
            Self.span(2, trace: "T1", id: "b", parent: "a", service: "api", ms: 10, rate: 3),
            Self.span(3, trace: "T2", id: "a", parent: nil, service: "batch"),
            Self.span(4, trace: "T2", id: "c", parent: "a", service: "api", ms: 30, error: true, rate: 2),
            Self.span(5, trace: "T2", id: "d", parent: "c", service: "api", ms: 5),
            Self.span(6, trace: "T3", id: "e", parent: "b", service: "db", ms: 1),
        ])
        let fields = SpanFields.resolve(t.columns.map(\.name))
        #expect(ServiceMap.parentRows(t, fields: fields) == [-1, 0, -1, 2, 3, -2])
        let map = ServiceMap.build(t, fields: fields, scope: Scope())
        #expect(map.edges == [ServiceEdge(from: "web", to: "api", spans: 1, calls: 3, errors: 0, p50: 10, p99: 10),
                              ServiceEdge(from: "batch", to: "api", spans: 1, calls: 2, errors: 2, p50: 30, p99: 30)])
        #expect(map.entries == ["batch", "web"])
        #expect(map.orphans == 1)
        // Filtering the children keeps their parents: api's callers are still found.
        let filtered = ServiceMap.build(t, fields: fields, scope: Scope(filters: [Filter("service.name", .equal, .string("api"))]))
        #expect(filtered.edges.map(\.from) == ["web", "batch"])
        let derived = ServiceMap.parentServiceColumn(t, fields: fields)
        #expect((0..<t.count).map { derived.value(at: $0)?.text } == [nil, "web", nil, "batch", "api", nil])
    }

    /// Services per window: weighted counts, error rates and percentiles, and the window before.
    @Test func servicesAgainstThePreviousWindow() throws {
        let s: Int64 = 1_000_000_000
        var events: [Event] = []
        for i in 0..<10 { events.append(Self.span(Int64(i) * s, trace: "P\(i)", id: "p\(i)", parent: nil, service: "api")) }
        for i in 0..<10 {
            events.append(Self.span(Int64(10 + i) * s, trace: "C\(i)", id: "c\(i)", parent: nil, service: "api", ms: Double(10 * (i + 1)),
                                    error: i < 2, rate: 2, durationField: "duration_us"))
        }
        let t = Self.table(events)
        // The dataset has duration_us only here: the unit is read from the name.
        let fields = SpanFields.resolve(t.columns.map(\.name))
        #expect(fields.duration == "duration_us" && fields.millisecondsPerUnit == 1e-3)
        let report = Services.summarize(t, fields: fields, request: ServicesRequest(from: 10 * s, to: 20 * s, buckets: 2))
        let api = try #require(report.services.first)
        #expect(api.current.count == 20 && api.current.errors == 4 && report.rate(api.current) == 2)
        #expect(abs((api.current.p50 ?? 0) - 0.05) < 1e-12 && abs((api.current.p99 ?? 0) - 0.1) < 1e-12)
        #expect(api.series == [10, 10])
        // The window before: 10 spans of rate 1, without durations.
        #expect(api.previous.count == 10 && api.previous.p50 == nil)
        let change = report.change(api)
        #expect(change.rate == 1 && change.p99 == nil && abs((change.errorRate ?? 0) - 0.2) < 1e-12)
    }
}
