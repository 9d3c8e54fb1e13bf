import Foundation
import KilnCore
@testable import KilnExplorer
@testable import KilnStore
import KilnTerminal
import Testing

/// Traces whose spans live in several datasets: found without keeping other datasets loaded.
@Suite struct TraceAcrossDatasetsTests {
    /// Spans of `traces` traces in one service's dataset: each trace has a span here whose
    /// parent is `<trace>-a` (the frontend span in the main dataset).
    static func serviceEvents(_ service: String, traces: Range<Int>, extra: Int = 0) -> [Event] {
        var out: [Event] = []
        for i in traces {
            let trace = String(format: "%016x", 0x1000 + i)
            out.append(Event(timestamp: Shop.start + Int64(i) * (Shop.end - Shop.start) / 3000 + 3_000_000, fields: [
                Field("trace.trace_id", .string(trace)),
                Field("trace.span_id", .string(trace + "-" + service)),
                Field("trace.parent_id", .string(trace + "-a")),
                Field("service.name", .string(service)),
                Field("name", .string("call " + service)),
                Field("duration_ms", .float(3)),
            ]))
        }
        for j in 0..<extra {
            out.append(Event(timestamp: Shop.start + Int64(j), fields: [
                Field("trace.trace_id", .string("other-\(j)")),
                Field("service.name", .string(service)),
                Field("padding", .string(String(repeating: "x", count: 40) + "\(j)")),
            ]))
        }
        return out
    }

    static func table(_ events: [Event]) -> EventTable {
        var b = EventTableBuilder()
        b.append(events)
        return b.table
    }

    static func info(_ name: String, _ t: EventTable) -> DatasetInfo {
        DatasetInfo(name: name, events: Int64(t.count), minTime: t.timestamps.min(), maxTime: t.timestamps.max(), bytes: Int64(t.count) * 10,
                    fieldCount: t.columns.count)
    }

    @Test func onlyDatasetsThatMayHoldTheTraceAreLoadedAndNoneStays() throws {
        var (state, model) = Shop.start()
        // payments holds traces 0..<10, search holds 100..<110; both have unrelated rows too.
        var tables = ["shop": model.table,
                      "payments": Self.table(Self.serviceEvents("payments", traces: 0..<10, extra: 5000)),
                      "search": Self.table(Self.serviceEvents("search", traces: 100..<110, extra: 5000))]
        var infos = tables.map { Self.info($0.key, $0.value) }
        func load(_ name: String) throws -> EventTable { try #require(tables[name]) }

        let id = String(format: "%016x", 0x1000 + 3)
        let row = try #require((0..<model.table.count).first { model.table.column("trace.span_id")?.value(at: $0) == .string(id + "-a") })
        Explorer.push(&state, .event(EventState(source: nil, row: row, flagged: [])))
        #expect(state.press([.char("t")], model) == [.findTrace(id)])
        // First search: no index yet, so each other dataset is loaded once (never the main one).
        try model.findTrace(id, datasets: infos, main: "shop", load: load)
        #expect(model.traceLoads.sorted() == ["payments", "search"])
        _ = Explorer.update(&state, .traceSearched(id), model: model)
        guard case .trace(let t) = state.top else {
            Issue.record("expected the trace view")
            return
        }
        #expect(t.searchedAll)
        #expect(t.spans.count == 3, "root, db child, payments child: \(t.spans.map(\.name))")
        let payment = try #require(t.spans.first { $0.service == "payments" })
        #expect(payment.source == "payments" && payment.depth == 1 && !payment.isOrphan)
        // Only the trace's span of payments stays in memory, not its 5,010 rows.
        #expect(model.others["payments"]?.count == 1)
        #expect(model.others["search"] == nil)

        // Enter on the payments span opens its event from the kept span.
        let index = try #require(t.spans.firstIndex { $0.service == "payments" })
        var moved = t
        moved.cursor = index
        Explorer.replaceTop(&state, .trace(moved))
        state.press([.enter], model)
        guard case .event(let ev) = state.top else {
            Issue.record("expected the span's event")
            return
        }
        #expect(ev.source == "payments")
        #expect(state.frame(model).textDump().contains("call payments"))

        // Another trace held only by search: the indexes answer for payments, only search loads.
        let other = String(format: "%016x", 0x1000 + 104)
        try model.findTrace(other, datasets: infos, main: "shop", load: load)
        #expect(model.traceLoads.sorted() == ["payments", "search", "search"])
        // A trace no other dataset holds: no load at all.
        try model.findTrace(String(format: "%016x", 0x1000 + 2000), datasets: infos, main: "shop", load: load)
        #expect(model.traceLoads.count == 3)
        // Asking again while nothing changed: nothing is done.
        #expect(try model.findTrace(id, datasets: infos, main: "shop", load: load) == false)
        #expect(model.traceLoads.count == 3)

        // payments grows (a writer appended spans of trace 3): its index is stale, so it is loaded again.
        tables["payments"] = Self.table(Self.serviceEvents("payments", traces: 0..<10, extra: 5000) + Self.serviceEvents("payments2", traces: 3..<4))
        infos = tables.map { Self.info($0.key, $0.value) }
        #expect(try model.findTrace(id, datasets: infos, main: "shop", load: load))
        #expect(model.traceLoads.count == 4 && model.traceLoads.last == "payments")
        #expect(model.otherTraceRows(id)["payments"]?.count == 2)
        let rebuilt = Explorer.buildTrace(id, focusRow: nil, focusSource: nil, model: model, glyphs: .unicode, page: 20)
        #expect(rebuilt.spans.count == 4)
        // The event opened before still reads the same span (kept spans are append-only).
        #expect(state.frame(model).textDump().contains("call payments"))
    }

    @Test func findsSpansInAnotherDatasetOfARealStore() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kiln-trace-\(getpid())-\(UInt64.random(in: 0...UInt64.max))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("k.db").path
        let shop = try StoreWriter(path: path, dataset: "shop", now: Shop.now)
        shop.append(Shop.events(count: 200))
        _ = try shop.commit()
        let payments = try StoreWriter(path: path, dataset: "payments", now: Shop.now)
        payments.append(Self.serviceEvents("payments", traces: 0..<50, extra: 300))
        _ = try payments.commit()

        let reader = try StoreReader(path: path)
        let model = ExplorerModel(loaded: try reader.load(dataset: "shop"))
        var state = Explorer.makeState(size: Shop.size80, glyphs: .unicode, dataset: "shop", model: model, query: QueryState(),
                                       requestedRange: .all, now: Shop.now)
        let id = String(format: "%016x", 0x1000 + 7)
        #expect(Explorer.open(&state, view: .trace, selection: [], traceID: id, model: model) == [.findTrace(id)])
        try model.findTrace(id, using: reader, mainDataset: "shop")
        _ = Explorer.update(&state, .traceSearched(id), model: model)
        guard case .trace(let t) = state.top else {
            Issue.record("expected the trace view")
            return
        }
        #expect(Set(t.spans.map(\.service)).contains("payments"))
        #expect(t.spans.count == 3)
        #expect(model.others["payments"]?.count == 1)
        #expect(state.message == nil)

        // An unknown trace says so once the search is done.
        var fresh = Explorer.makeState(size: Shop.size80, glyphs: .unicode, dataset: "shop", model: model, query: QueryState(),
                                       requestedRange: .all, now: Shop.now)
        _ = Explorer.open(&fresh, view: .trace, selection: [], traceID: "nope", model: model)
        try model.findTrace("nope", using: reader, mainDataset: "shop")
        _ = Explorer.update(&fresh, .traceSearched("nope"), model: model)
        #expect(fresh.message?.text.contains("no span of trace nope") == true)
    }
}
