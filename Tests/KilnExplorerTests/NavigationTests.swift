import KilnCore
@testable import KilnExplorer
import KilnTerminal
import Testing

/// Navigation keeps the user's place: `=` pushes, the picker comes back, Enter without a box
/// says what it does.
@Suite struct NavigationTests {
    @Test func filterOnAValuePushesAndQComesBackWithTheOldScope() throws {
        var (state, model) = DrillDownTests.incident()
        var b = try #require(DrillDownTests.bubble(state))
        let index = try #require(b.entries.firstIndex(of: .dimension(b.result.dimensions.firstIndex { $0.field == "service.version" } ?? -1)))
        b.fieldCursor = index
        Explorer.replaceTop(&state, .bubbleUp(b))
        let before = state.stack.count
        let allEvents = state.heat.scopeEvents
        state.press([.tab, .char("=")], model)
        #expect(state.top == .heatmap)
        #expect(state.stack.count == before + 1, "pushed, not replaced")
        #expect(state.query.filters == [Filter("service.version", .equal, .string("2.0.0"))])
        #expect(state.heat.scopeEvents < allEvents)
        #expect(state.frame(model).rowText(1).contains("BubbleUp ❭ heatmap"), "\(state.frame(model).rowText(1))")

        state.press([.char("q")], model)
        #expect(!state.quitting)
        guard case .bubbleUp = state.top else {
            Issue.record("q should come back to the BubbleUp, got \(state.top)")
            return
        }
        #expect(state.query.filters.isEmpty, "the scope comes back too")
        #expect(state.heat.scopeEvents == allEvents)
        state.press([.char("q")], model)
        #expect(state.top == .heatmap)
        state.press([.char("q")], model)
        #expect(state.quitting)
    }

    @Test func qOnAPickedDatasetReturnsToThePicker() {
        let (_, model) = Shop.start()
        let datasets = [DatasetInfo(name: "shop", events: 6000, minTime: Shop.start, maxTime: Shop.end, bytes: 1, fieldCount: 10),
                        DatasetInfo(name: "other", events: 1, minTime: Shop.start, maxTime: Shop.start, bytes: 1, fieldCount: 1)]
        var state = ExplorerState(size: Shop.size80, glyphs: .unicode, dataset: "", query: QueryState(), now: Shop.now, picker: datasets)
        let effects = state.press([.down, .up, .enter], model)
        #expect(effects == [.loadDataset("shop")])
        _ = Explorer.update(&state, .datasetLoaded(name: "shop", markers: [], now: Shop.now, lastWrite: nil), model: model)
        #expect(state.top == .heatmap)
        state.press([.char("q")], model)
        #expect(!state.quitting)
        guard case .picker(let p) = state.top else {
            Issue.record("q should return to the picker, got \(state.top)")
            return
        }
        #expect(p.datasets.map(\.name) == ["shop", "other"])
        state.press([.char("q")], model)
        #expect(state.quitting)
    }

    @Test func enterWithoutABoxSaysItUsesTheCursorCell() {
        var (state, model) = Shop.start()
        state.press([.enter], model)
        guard case .bubbleUp = state.top else {
            Issue.record("Enter runs BubbleUp on the cursor cell")
            return
        }
        #expect(state.message == .info("no box drawn: BubbleUp of the cursor cell (Space anchors a box)"))
    }
}

/// `--view events` without a selection lists every event in scope, newest first.
@Suite struct AllEventsTests {
    @Test func eventsViewWithoutASelectionListsEveryEventNewestFirst() throws {
        var (state, model) = Shop.start()
        _ = Explorer.open(&state, view: .events, selection: [], traceID: nil, model: model)
        guard case .events(let e) = state.top else {
            Issue.record("expected the events view, got \(state.top); message \(String(describing: state.message))")
            return
        }
        #expect(state.message == nil)
        #expect(e.matched == model.table.count)
        let times = e.rows.prefix(50).map { model.table.timestamps[Int($0)] }
        #expect(times == times.sorted(by: >))
        #expect(times.first == model.table.timestamps.max())
        #expect(e.columns.first == "duration_ms")
        #expect(state.frame(model).textDump().contains("events · \(Format.grouped(model.table.count)) events"))
    }
}

/// `z`/`Z` zoom the time range in and out; `y` shows the view as a command line.
@Suite struct ZoomAndShareTests {
    @Test func zoomToTheCursorColumnAndBack() throws {
        var (state, model) = Shop.start()
        let map = try #require(state.heat.map)
        let all = state.heat.scopeEvents
        state.press([.char("g")] + Array(repeating: Key.char("l"), count: 5), model)
        let column = state.heat.cursor.t
        state.press([.char("z")], model)
        #expect(state.query.range == .between(map.timeEdges[column], map.timeEdges[column + 1]))
        #expect(state.heat.scopeEvents < all)
        #expect(state.heat.scopeEvents > 0)
        #expect(state.message?.text.hasPrefix("zoomed to ") == true)
        state.press([.char("Z")], model)
        #expect(state.query.range == .all)
        #expect(state.heat.scopeEvents == all)
        state.press([.char("Z")], model)
        #expect(state.message == .info("not zoomed in (z zooms to the box or the cursor's column)"))
    }

    @Test func zoomToABox() throws {
        var (state, model) = Shop.start()
        let map = try #require(state.heat.map)
        state.press([.char("g"), .char(" ")] + Array(repeating: Key.char("l"), count: 9) + [.char("z")], model)
        #expect(state.query.range == .between(map.timeEdges[0], map.timeEdges[10]))
        #expect(state.heat.anchor == nil)
    }

    @Test func copyShowsAPermalink() {
        var (state, model) = Shop.start()
        state.command("where customer.plan = enterprise", model)
        state.command("select duration_ms >= 1000", model)
        state.press([.char("y")], model)
        #expect(state.message == .info("kiln explore --dataset shop --since all --where 'customer.plan = enterprise' --select 'duration_ms >= 1000' --view bubbleup"))
        #expect(Explorer.quoted("it's") == #"'it'\''s'"#)
    }
}

/// A span's self time is its duration less its children's (overlaps counted once).
@Suite struct SelfTimeTests {
    static func span(_ name: String, depth: Int, startMs: Int64, durationMs: Double) -> TraceSpan {
        TraceSpan(source: nil, row: 0, name: name, service: "s", start: startMs * 1_000_000, durationMs: durationMs, depth: depth,
                  prefix: "", isError: false, isOrphan: false, spanID: name)
    }

    @Test func selfTimeSubtractsTheChildrenOnce() {
        var spans = [
            Self.span("root", depth: 0, startMs: 0, durationMs: 100),
            Self.span("a", depth: 1, startMs: 10, durationMs: 30),
            Self.span("a.1", depth: 2, startMs: 12, durationMs: 5),
            Self.span("b", depth: 1, startMs: 30, durationMs: 30),
            Self.span("c", depth: 1, startMs: 90, durationMs: 50),
            Self.span("other root", depth: 0, startMs: 0, durationMs: 7),
        ]
        Explorer.selfTimes(&spans)
        // Children cover 10..60 and 90..100 of the root: 60 ms.
        #expect(spans.map(\.selfMs) == [40, 25, 5, 30, 50, 7])
    }

    @Test func traceViewShowsSelfTime() {
        var (state, model) = Shop.start(size: Shop.size120)
        let id = String(format: "%016x", 0x1000 + 10)
        _ = Explorer.open(&state, view: .trace, selection: [], traceID: id, model: model)
        let text = state.frame(model).textDump()
        #expect(text.contains("SELF"), "\(text)")
    }
}

/// The group-by table sorts and searches, and `/` matches stand out in groups and events.
@Suite struct GroupsSortSearchTests {
    static func groups(_ state: ExplorerState) -> GroupsState? {
        if case .groups(let g) = state.top { return g }
        return nil
    }

    @Test func sortCyclesThroughCountValueAndP99() throws {
        var (state, model) = Shop.start()
        state.command("group http.route", model)
        var g = try #require(Self.groups(state))
        #expect(g.order == .count)
        #expect(g.groups.map(\.count) == g.groups.map(\.count).sorted(by: >))
        state.press([.char("s")], model)
        g = try #require(Self.groups(state))
        #expect(g.order == .value)
        #expect(g.groups.compactMap { $0.value?.text } == ["/api/cart", "/api/checkout", "/api/products", "/api/search"])
        state.press([.char("s")], model)
        g = try #require(Self.groups(state))
        #expect(g.order == .p99)
        #expect(g.groups.first?.value == .string("/api/checkout"), "the incident's route has the largest P99")
        #expect(state.frame(model).rowText(2).contains("by P99 desc"))
    }

    @Test func slashSearchFindsAGroupAndHighlightsIt() throws {
        var (state, model) = Shop.start()
        state.command("group http.route", model)
        state.press([.char("/")] + "PROD".map { Key.char($0) } + [.enter], model)
        let g = try #require(Self.groups(state))
        #expect(g.groups[g.cursor].value == .string("/api/products"))
        #expect(g.search == "PROD")
        state.press([g.cursor == 0 ? .char("j") : .char("g")], model)
        let grid = state.frame(model)
        let row = try #require((0..<grid.height).first { grid.rowText($0).contains("/api/products") })
        #expect(grid[2, row].role == .accent, "the match stands out when the cursor is elsewhere")
        state.press([.char("n")], model)
        #expect(Self.groups(state).map { $0.groups[$0.cursor].value } == .string("/api/products"))
        state.press([.char("/")] + "zzz".map { Key.char($0) } + [.enter], model)
        #expect(state.message == .error("no group here contains \"zzz\""))
    }

    @Test func eventSearchMatchesStandOut() throws {
        var (state, model) = Shop.start(size: Shop.size120)
        _ = Explorer.open(&state, view: .events, selection: [], traceID: nil, model: model)
        guard case .events(let e) = state.top, e.rows.count > 5 else {
            Issue.record("expected the events view")
            return
        }
        // The heatmap's field is the first column: search for the fourth row's value of it.
        let text = try #require(model.table.column("duration_ms")?.value(at: Int(e.rows[3]))?.text)
        state.press([.char("/")] + text.map { Key.char($0) } + [.enter], model)
        state.press([.char("j")], model)
        let grid = state.frame(model)
        let accent = (0..<grid.height).contains { y in (0..<grid.width).contains { x in grid[x, y].role == .accent } }
        #expect(accent, "a cell holding the search is highlighted:\n\(grid.roleDump())")
    }
}

/// `/` in the trace view finds spans by name or service and highlights them.
@Suite struct TraceSearchTests {
    @Test func slashFindsASpanAndHighlightsIt() throws {
        var (state, model) = Shop.start(size: Shop.size120)
        let id = String(format: "%016x", 0x1000 + 10)
        _ = Explorer.open(&state, view: .trace, selection: [], traceID: id, model: model)
        guard case .trace(let before) = state.top, before.spans.count >= 2 else {
            Issue.record("expected a trace of two spans")
            return
        }
        let target = before.spans[1]
        state.press([.char("/")] + target.service.uppercased().map { Key.char($0) } + [.enter], model)
        guard case .trace(let t) = state.top else {
            Issue.record("still the trace view")
            return
        }
        #expect(t.cursor == 1)
        #expect(t.search == target.service.uppercased())
        state.press([.char("k")], model)
        let grid = state.frame(model)
        let row = try #require((0..<grid.height).first { grid.rowText($0).contains(target.name) })
        let x = try #require((0..<grid.width).first { grid[$0, row].text == String(target.name.first ?? " ") && grid[$0, row].role == .accent })
        #expect(x > 0)
        state.press([.char("/")] + "no such span".map { Key.char($0) } + [.enter], model)
        #expect(state.message == .error("no span here has \"no such span\" in its name or service"))
    }
}
