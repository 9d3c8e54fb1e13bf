import KilnCore
@testable import KilnExplorer
import KilnTerminal
import Testing

/// Collapsing a span's subtree in the trace view hides its descendants and says how many.
struct TraceCollapseTests {
    /// One trace: root → api → (db, cache), root → auth; and another trace to ignore.
    static func model() -> ExplorerModel {
        let t0 = Shop.start
        func span(_ id: String, _ parent: String?, _ name: String, _ at: Int64, _ ms: Double, trace: String = "t1") -> Event {
            var fields = [Field("trace.trace_id", .string(trace)), Field("trace.span_id", .string(id)), Field("name", .string(name)),
                          Field("service.name", .string(name)), Field("duration_ms", .float(ms))]
            if let parent { fields.append(Field("trace.parent_id", .string(parent))) }
            return Event(timestamp: t0 + at * 1_000_000, fields: fields)
        }
        var b = EventTableBuilder()
        b.append([span("r", nil, "root", 0, 100), span("a", "r", "api", 1, 60), span("d", "a", "db", 2, 20),
                  span("c", "a", "cache", 30, 5), span("u", "r", "auth", 70, 10), span("x", nil, "other", 0, 1, trace: "t2")])
        return ExplorerModel(table: b.table)
    }

    static func open() -> (ExplorerState, ExplorerModel) {
        let model = model()
        var state = Explorer.makeState(size: Shop.size80, glyphs: .unicode, dataset: "spans", model: model, query: QueryState(),
                                       requestedRange: .all, now: Shop.now)
        _ = Explorer.open(&state, view: .heatmap, selection: [], traceID: "t1", model: model)
        return (state, model)
    }

    func trace(_ state: ExplorerState) -> TraceState? {
        if case .trace(let t) = state.top { return t }
        Issue.record("not on the trace: \(state.stack)")
        return nil
    }

    @Test func collapseHidesTheSubtreeAndExpandShowsIt() throws {
        var (state, model) = Self.open()
        var t = try #require(trace(state))
        #expect(t.spans.map(\.name) == ["root", "api", "db", "cache", "auth"])
        // On api: - hides db and cache.
        state.press([.down, .char("-")], model)
        t = try #require(trace(state))
        #expect(t.spans.map(\.name) == ["root", "api", "auth"])
        #expect(t.spans[1].hidden == 2 && t.cursor == 1)
        var grid = state.frame(model)
        #expect(grid.rowText(Layout.listTop + 1).contains("api [+2]"), "\(grid.rowText(Layout.listTop + 1))")
        #expect(grid.rowText(2).contains("5 spans (2 hidden)"), "\(grid.rowText(2))")
        // Again: to its parent. Left on the root collapses everything.
        state.press([.left], model)
        t = try #require(trace(state))
        #expect(t.cursor == 0)
        state.press([.left], model)
        t = try #require(trace(state))
        #expect(t.spans.map(\.name) == ["root"])
        #expect(t.spans[0].hidden == 4)
        // + on the root: api stays collapsed inside.
        state.press([.char("+")], model)
        t = try #require(trace(state))
        #expect(t.spans.map(\.name) == ["root", "api", "auth"])
        // Right on api opens it; Right again goes to its first child.
        state.press([.down, .right], model)
        t = try #require(trace(state))
        #expect(t.spans.map(\.name) == ["root", "api", "db", "cache", "auth"])
        state.press([.right], model)
        t = try #require(trace(state))
        #expect(t.spans[t.cursor].name == "db")
        // A leaf does not collapse: - goes to its parent.
        state.press([.char("-")], model)
        t = try #require(trace(state))
        #expect(t.spans[t.cursor].name == "api" && t.spans.count == 5)
        // Enter on a collapsed span still opens its event.
        state.press([.char("-"), .enter], model)
        guard case .event(let e) = state.top else {
            Issue.record("Enter should open the event: \(state.stack)")
            return
        }
        #expect(model.table.column("name")?.value(at: e.row)?.text == "api")
        state.press([.char("q")], model)
        // The other datasets' answer keeps what was folded.
        _ = Explorer.update(&state, .traceSearched("t1"), model: model)
        t = try #require(trace(state))
        #expect(t.spans.map(\.name) == ["root", "api", "auth"])
        #expect(t.spans[t.cursor].name == "api")
        grid = state.frame(model)
        #expect(grid.textDump().contains("[+2]"))
    }
}
