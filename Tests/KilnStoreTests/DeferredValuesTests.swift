import Foundation
import Testing
import KilnCore
@testable import KilnStore

/// Columns whose values stay in the store until used must read exactly like in-memory ones.
@Suite struct DeferredValuesTests {
    /// Spans: a unique span id, a trace id shared by 4 spans, a handful of services, and
    /// durations; written in several commits so ids span several segments.
    func spans(_ n: Int, from start: Int = 0) -> [Event] {
        var out: [Event] = []
        for i in start..<(start + n) {
            let spanID = String(UInt64(i) &* 0x9E37_79B9_7F4A_7C15, radix: 16)
            let service = ["cart", "checkout", "payment"][i % 3]
            let duration = Double(i % 97) + (i % 500 == 0 ? 900 : 0)
            let fields = [
                Field("trace.span_id", .string(spanID)),
                Field("trace.trace_id", .string("trace-\(i / 4)")),
                Field("service.name", .string(service)),
                Field("duration_ms", .float(duration)),
            ]
            out.append(Event(timestamp: 1_700_000_000_000_000_000 + Int64(i) * 1_000_000, sampleRate: 1, fields: fields))
        }
        return out
    }

    func write(_ events: [Event], to path: String, commits: Int = 4) throws {
        let writer = try StoreWriter(path: path, dataset: "spans", now: 0)
        let step = max(1, events.count / commits)
        var i = 0
        while i < events.count {
            writer.append(events[i..<min(events.count, i + step)])
            try writer.commit()
            i += step
        }
    }

    func reader(_ path: String, deferring: Bool) throws -> StoreReader {
        let r = try StoreReader(path: path)
        r.deferValues = deferring
        r.deferMinimumValues = 100
        return r
    }

    @Test func nearUniqueStringsStayInTheStoreAndReadBackTheSame() throws {
        let store = TempStore()
        let events = spans(4_000)
        try write(events, to: store.path)
        let lazy = try reader(store.path, deferring: true).load(dataset: "spans").table
        let eager = try reader(store.path, deferring: false).load(dataset: "spans").table
        #expect(lazy.column("trace.span_id")?.isDeferred == true)
        #expect(lazy.column("trace.trace_id")?.isDeferred == true)
        #expect(lazy.column("service.name")?.isDeferred == false)
        #expect(lazy.column("duration_ms")?.isDeferred == false)
        #expect(lazy.column("trace.span_id")?.valueCount == 4_000)
        #expect(lazy.column("trace.span_id")?.kindCounts[Int(ValueKind.string.rawValue)] == 4_000)
        // Nothing of the ids is in memory until asked for.
        #expect(lazy.column("trace.span_id")?.valueBytes == 0)
        // Single lookups, across every segment, read the stored values.
        for row in stride(from: 0, to: events.count, by: 37) {
            #expect(Set(lazy.event(at: row).fields) == Set(events[row].fields), "row \(row)")
        }
        let afterLookups = lazy.column("trace.span_id")?.valueBytes ?? 0
        #expect(afterLookups > 0 && afterLookups < 40 * 200)
        // The whole dictionary, loaded on demand, equals the in-memory one.
        #expect(lazy == eager)
        #expect(lazy.column("trace.span_id")?.dictionary == eager.column("trace.span_id")?.dictionary)
    }

    @Test func refreshAddsSegmentsToADeferredColumn() throws {
        let store = TempStore()
        try write(spans(2_000), to: store.path)
        let r = try reader(store.path, deferring: true)
        var loaded = try r.load(dataset: "spans")
        #expect(loaded.table.column("trace.span_id")?.isDeferred == true)
        let more = spans(300, from: 2_000)
        try write(more, to: store.path, commits: 3)
        #expect(try r.refresh(&loaded) == 300)
        #expect(loaded.table.column("trace.span_id")?.isDeferred == true)
        #expect(loaded.table.column("trace.span_id")?.valueCount == 2_300)
        for (k, event) in more.enumerated() {
            #expect(Set(loaded.table.event(at: 2_000 + k).fields) == Set(event.fields))
        }
    }

    @Test func filtersGroupsAndBubbleUpAgreeWithInMemoryValues() throws {
        let store = TempStore()
        try write(spans(4_000), to: store.path)
        let lazy = try reader(store.path, deferring: true).load(dataset: "spans").table
        let eager = try reader(store.path, deferring: false).load(dataset: "spans").table
        // A filter on a deferred field (the trace view's lookup).
        let byTrace = [Filter("trace.trace_id", .equal, .string("trace-123"))]
        let rows = RowSet.all(lazy.count).filtered(by: byTrace, in: lazy)
        #expect(rows.rows == [492, 493, 494, 495])
        #expect(RowSet.all(eager.count).filtered(by: byTrace, in: eager) == rows)
        // GROUP BY a deferred field.
        let query = Query(calculations: [.count], groupBy: ["trace.trace_id"], limit: 5)
        #expect(try query.run(lazy) == query.run(eager))
        // BubbleUp: same counts, scores and ID-like fields.
        let selection = [Filter("duration_ms", .greaterOrEqual, .float(900))]
        let a = BubbleUp.run(lazy, selection: selection), b = BubbleUp.run(eager, selection: selection)
        #expect(a.selectionCount == b.selectionCount && a.baselineCount == b.baselineCount)
        #expect(a.idLike == b.idLike)
        #expect(a.dimensions.map(\.field) == b.dimensions.map(\.field))
        #expect(a.dimensions.map(\.score) == b.dimensions.map(\.score))
        for (x, y) in zip(a.dimensions, b.dimensions) where !(lazy.column(x.field)?.isDeferred ?? false) {
            #expect(x == y, "\(x.field)")
        }
    }

    @Test func aMissingStoreMakesLookupsAbsentNotACrash() throws {
        let store = TempStore()
        try write(spans(500), to: store.path)
        let table = try reader(store.path, deferring: true).load(dataset: "spans").table
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: store.path + suffix) }
        #expect(table.column("trace.span_id")?.value(at: 3) == nil)
        #expect(table.column("service.name")?.value(at: 3) == .string("cart"))
    }
}
