import KilnCore
@testable import KilnExplorer
import KilnTerminal
import Testing

@Suite struct HeatmapUpdateTests {
    @Test func firstStateHasHeatmapOfWholeSpan() throws {
        let (state, model) = Shop.start()
        let map = try #require(state.heat.map)
        #expect(map.timeBuckets == Layout.plot(Shop.size80).width)
        #expect(map.valueBuckets == Layout.plot(Shop.size80).height)
        #expect(state.heat.scopeEvents == Int64(model.table.count))
        #expect(state.heat.totalEvents == Int64(model.table.count))
        #expect(state.live)
        #expect(state.heat.cursor.t == map.timeBuckets - 1)
    }

    @Test func cursorMovesClampAndPause() {
        var (state, model) = Shop.start()
        let start = state.heat.cursor
        state.press([.right], model)
        #expect(state.heat.cursor == start, "already at the newest column")
        #expect(state.live)
        state.press([.left, .char("h"), .up, .char("k")], model)
        #expect(state.heat.cursor == GridPoint(t: start.t - 2, v: start.v + 2))
        #expect(!state.live, "moving into the past pauses")
        for _ in 0..<200 { state.press([.up], model) }
        #expect(state.heat.cursor.v == (state.heat.map?.valueBuckets ?? 0) - 1)
        state.press([.char("G")], model)
        #expect(state.live)
        #expect(state.heat.cursor.t == (state.heat.map?.timeBuckets ?? 0) - 1)
    }

    @Test func plainCursorMovesDoNotRecompute() {
        var (state, model) = Shop.start()
        let key = state.heat.key
        state.press([.left, .left, .up], model)
        #expect(state.heat.key == key)
    }

    @Test func boxThenEnterRunsBubbleUpOfTheBox() throws {
        var (state, model) = Shop.start()
        state.press([.char(" ")], model)
        for _ in 0..<10 { state.press([.left, .down], model) }
        let map = try #require(state.heat.map)
        let box = state.heat.box
        var inBox: Int64 = 0
        for t in box.time { for v in box.value { inBox += map.count(time: t, value: v) } }
        state.press([.enter], model)
        guard case .bubbleUp(let b) = state.top else {
            Issue.record("expected BubbleUp, got \(state.top)")
            return
        }
        #expect(b.result.selectionCount == inBox)
        #expect(b.result.selectionCount + b.result.baselineCount == state.heat.scopeEvents)
        #expect(state.stack.flatMap(\.crumbs) == ["heatmap", "selection", "BubbleUp"])
        state.press([.char("q")], model)
        #expect(state.top == .heatmap)
        #expect(state.heat.anchor != nil, "the box stays after coming back")
    }

    @Test func anomalyKeyFindsTheIncidentAndBubbleUpNamesItsCause() throws {
        var (state, model) = Shop.start(size: Shop.size120)
        state.press([.char("a")], model)
        let map = try #require(state.heat.map)
        let anchor = try #require(state.heat.anchor)
        let box = state.heat.box
        #expect(map.timeEdges[box.time.lowerBound] >= Shop.incident - 2 * Shop.minute)
        #expect(map.valueEdges[box.value.lowerBound] >= 500, "box starts at \(map.valueEdges[box.value.lowerBound]) (anchor \(anchor))")
        state.press([.enter], model)
        guard case .bubbleUp(let b) = state.top else {
            Issue.record("expected BubbleUp")
            return
        }
        let top = b.result.dimensions.prefix(3).map(\.field)
        #expect(top.contains("service.version") || top.contains("customer.plan") || top.contains("http.route"), "top: \(top)")
        let version = try #require(b.result.dimensions.first { $0.field == "service.version" })
        #expect(version.values.first?.label == "2.0.0")
    }

    @Test func emptyBoxSaysSo() {
        var (state, model) = Shop.start(filters: [Filter("service.name", .equal, .string("nothing"))])
        state.press([.enter], model)
        #expect(state.top == .heatmap)
        #expect(state.message?.kind == .error)
    }

    @Test func escapeDropsTheBoxThenQuitEndsAtTheTop() {
        var (state, model) = Shop.start()
        state.press([.char("v"), .left], model)
        #expect(state.heat.anchor != nil)
        #expect(state.press([.escape], model).isEmpty)
        #expect(state.heat.anchor == nil)
        #expect(state.press([.escape], model).isEmpty, "Esc at the top does not quit")
        #expect(!state.quitting)
        #expect(state.press([.char("q")], model) == [.quit])
        #expect(state.quitting)
    }

    @Test func liveRefreshGrowsCountsAndPausedCountsNewOnes() {
        var (state, model) = Shop.start()
        let before = state.heat.totalEvents
        let extra = Shop.events(count: 30, seed: 99).map { e -> Event in
            var e = e
            e.timestamp = Shop.end - Shop.minute
            return e
        }
        model.append(extra)
        _ = Explorer.update(&state, .dataRefreshed(totalRows: model.table.count, now: Shop.now), model: model)
        #expect(state.heat.totalEvents == before + Int64(extra.count))
        #expect(state.visibleRows == model.table.count)
        state.press([.left], model)
        #expect(!state.live)
        model.append(extra)
        _ = Explorer.update(&state, .dataRefreshed(totalRows: model.table.count, now: Shop.now), model: model)
        #expect(state.totalRows - state.visibleRows == extra.count)
        #expect(state.heat.totalEvents == before + Int64(extra.count), "paused views hold still")
        #expect(state.frame(model).rowText(0).contains("PAUSED (+\(extra.count) new)"))
        state.press([.char("L")], model)
        #expect(state.live)
        #expect(state.heat.totalEvents == before + 2 * Int64(extra.count))
        #expect(state.frame(model).rowText(0).contains("LIVE"))
    }

    @Test func lastRangeFollowsTheClockInWholeColumns() throws {
        let model = ExplorerModel(table: Shop.table(count: 500))
        var state = Explorer.makeState(size: Shop.size80, glyphs: .unicode, dataset: "shop", model: model, query: QueryState(),
                                       requestedRange: .last(2 * 60 * Shop.minute), now: Shop.end)
        let first = try #require(state.heat.key)
        #expect(first.to >= Shop.end)
        _ = Explorer.update(&state, .tick(now: Shop.end + 1_000_000), model: model)
        #expect(state.heat.key == first, "less than a column later: nothing moves")
        _ = Explorer.update(&state, .tick(now: Shop.end + 10 * Shop.minute), model: model)
        #expect(state.heat.key != first)
        #expect((state.heat.key?.to ?? 0) > first.to)
    }

    @Test func defaultRangeIsLastTwoHoursOnlyWhenDataIsArriving() {
        let model = ExplorerModel(table: Shop.table(count: 100))
        let rows = model.table.count
        let second: Int64 = 1_000_000_000
        // Recent data in a store written seconds ago: arriving.
        #expect(Explorer.defaultRange(requested: nil, model: model, visibleRows: rows, now: Shop.end, lastWrite: Shop.end - 5 * second)
                == .last(7_200_000_000_000))
        // Recent data, but nobody wrote the store for ten minutes: the whole span.
        #expect(Explorer.defaultRange(requested: nil, model: model, visibleRows: rows, now: Shop.end, lastWrite: Shop.end - 10 * Shop.minute)
                == .all)
        // Recent data and no store (in memory): nothing says it arrives.
        #expect(Explorer.defaultRange(requested: nil, model: model, visibleRows: rows, now: Shop.end, lastWrite: nil) == .all)
        // Old data in a store written just now (an ingest of old logs): the whole span.
        #expect(Explorer.defaultRange(requested: nil, model: model, visibleRows: rows, now: Shop.end + 600 * Shop.minute,
                                      lastWrite: Shop.end + 600 * Shop.minute) == .all)
        #expect(Explorer.defaultRange(requested: .last(60_000_000_000), model: model, visibleRows: rows, now: 0, lastWrite: nil)
                == .last(60_000_000_000))
    }

    @Test func statusSaysIdleUntilEventsArriveThenLiveThenIdleAgain() {
        let model = ExplorerModel(table: Shop.table(count: 300))
        // Old data nobody writes: following, but IDLE, never LIVE.
        var state = Explorer.makeState(size: Shop.size80, glyphs: .unicode, dataset: "shop", model: model, query: QueryState(),
                                       requestedRange: nil, now: Shop.now + 600 * Shop.minute, lastWrite: Shop.now - Shop.minute)
        #expect(state.live && !state.arriving)
        #expect(state.query.range == .all)
        var header = state.frame(model).rowText(0)
        #expect(header.contains("IDLE") && !header.contains("LIVE"), "\(header)")
        // Events arrive: LIVE.
        model.append(Shop.events(count: 5, seed: 3))
        let t = Shop.now + 601 * Shop.minute
        _ = Explorer.update(&state, .dataRefreshed(totalRows: model.table.count, now: t), model: model)
        header = state.frame(model).rowText(0)
        #expect(header.contains("● LIVE") && !header.contains("IDLE"), "\(header)")
        // A poll that finds nothing new keeps LIVE within the window...
        _ = Explorer.update(&state, .dataRefreshed(totalRows: model.table.count, now: t + 30_000_000_000), model: model)
        _ = Explorer.update(&state, .tick(now: t + 30_000_000_000), model: model)
        #expect(state.frame(model).rowText(0).contains("LIVE"))
        // ...and a quiet minute later it is IDLE again.
        _ = Explorer.update(&state, .tick(now: t + Explorer.arrivalWindow + 1), model: model)
        header = state.frame(model).rowText(0)
        #expect(header.contains("IDLE") && !header.contains("LIVE"), "\(header)")
        // Paused stays PAUSED whatever arrives.
        state.press([.left], model)
        #expect(state.frame(model).rowText(0).contains("PAUSED"))
    }

    @Test func storeWrittenJustNowWithRecentDataOpensLive() {
        let model = ExplorerModel(table: Shop.table(count: 300))
        let state = Explorer.makeState(size: Shop.size80, glyphs: .ascii, dataset: "shop", model: model, query: QueryState(),
                                       requestedRange: nil, now: Shop.end + Shop.minute, lastWrite: Shop.end + Shop.minute - 2_000_000_000)
        #expect(state.arriving)
        #expect(state.query.range == .last(7_200_000_000_000))
        #expect(state.frame(model).rowText(0).contains("* LIVE"))
    }

    @Test func sinceWithNoDataExplainsInsteadOfAnEmptyPlot() {
        var (state, model) = Shop.start()
        state.command("since 15m", model)
        state.now = Shop.end + 600 * Shop.minute
        _ = Explorer.update(&state, .tick(now: state.now), model: model)
        let text = state.frame(model).textDump()
        #expect(text.contains("no events in the last 15m"))
        #expect(text.contains(":since all"))
    }

    @Test func mouseDragDrawsABox() throws {
        var (state, model) = Shop.start()
        #expect(state.press([.char("m")], model) == [.setMouse(true)])
        let plot = Layout.plot(state.size)
        state.press([.mouse(MouseEvent(x: plot.x + 10, y: plot.y + 2, kind: .press(1))),
                     .mouse(MouseEvent(x: plot.x + 20, y: plot.y + 6, kind: .move)),
                     .mouse(MouseEvent(x: plot.x + 22, y: plot.y + 8, kind: .release(1)))], model)
        let nv = try #require(state.heat.map?.valueBuckets)
        #expect(state.heat.anchor == GridPoint(t: 10, v: nv - 3))
        #expect(state.heat.cursor == GridPoint(t: 22, v: nv - 9))
        #expect(!state.heat.dragging)
        #expect(state.message == nil, "the mouse-on notice gives way to the box")
        #expect(state.frame(model).rowText(state.size.height - 2).hasPrefix(" box "))
    }

    @Test func resizeKeepsTheCursorInsideAndTooSmallDrawsTheNotice() throws {
        var (state, model) = Shop.start(size: Shop.size120)
        state.press([.left, .left, .up], model)
        _ = Explorer.update(&state, .resized(Shop.size80), model: model)
        let map = try #require(state.heat.map)
        #expect(map.timeBuckets == Layout.plot(Shop.size80).width)
        #expect(state.heat.cursor.t < map.timeBuckets && state.heat.cursor.v < map.valueBuckets)
        _ = Explorer.update(&state, .resized(TerminalSize(width: 60, height: 20)), model: model)
        #expect(state.frame(model).textDump().contains("terminal too small (need 80x24)"))
    }
}

@Suite struct DrillDownTests {
    /// The BubbleUp of the incident, opened like `--select ... --view bubbleup`.
    static func incident(size: TerminalSize = Shop.size80) -> (ExplorerState, ExplorerModel) {
        var (state, model) = Shop.start(size: size)
        let selection = [Filter("duration_ms", .greaterOrEqual, .int(1000)), Filter.time(.greaterOrEqual, Shop.incident)]
        _ = Explorer.open(&state, view: .bubbleup, selection: selection, traceID: nil, model: model)
        return (state, model)
    }

    static func bubble(_ state: ExplorerState) -> BubbleUpState? {
        if case .bubbleUp(let b) = state.top { return b }
        return nil
    }

    static func events(_ state: ExplorerState) -> EventsState? {
        if case .events(let e) = state.top { return e }
        return nil
    }

    @Test func permalinkOpensBubbleUpWithTheCauseOnTop() throws {
        let (state, _) = Self.incident()
        let b = try #require(Self.bubble(state))
        let top = b.result.dimensions.prefix(3).map(\.field)
        #expect(top.contains("service.version"), "top: \(top)")
        #expect(!state.live)
    }

    @Test func filterAndExcludeChangeTheScope() throws {
        var (state, model) = Self.incident()
        var b = try #require(Self.bubble(state))
        let index = try #require(b.entries.firstIndex(of: .dimension(b.result.dimensions.firstIndex { $0.field == "service.version" } ?? -1)))
        b.fieldCursor = index
        Explorer.replaceTop(&state, .bubbleUp(b))
        state.press([.tab, .char("=")], model)
        #expect(state.top == .heatmap)
        #expect(state.query.filters == [Filter("service.version", .equal, .string("2.0.0"))])
        #expect(state.heat.scopeEvents < Int64(model.table.count))
        #expect(state.frame(model).rowText(1).contains("where service.version = 2.0.0"))

        (state, model) = Self.incident()
        Explorer.replaceTop(&state, .bubbleUp(b))
        state.press([.tab, .char("!")], model)
        #expect(state.query.filters == [Filter("service.version", .notEqual, .string("2.0.0"))])
    }

    @Test func enterOpensEventsOfTheValueAndBToggleBaseline() throws {
        var (state, model) = Self.incident()
        state.press([.tab, .enter], model)
        let e = try #require(Self.events(state))
        #expect(!e.rows.isEmpty)
        #expect(!e.showingBaseline)
        let table = model.table
        for r in e.rows { #expect((table.column("duration_ms")?.value(at: Int(r))?.number ?? 0) >= 1000) }
        let times = e.rows.map { table.timestamps[Int($0)] }
        #expect(times == times.sorted(by: >), "newest first")
        state.press([.char("b")], model)
        let base = try #require(Self.events(state))
        #expect(base.showingBaseline)
        #expect(!base.rows.isEmpty)
        for r in base.rows.prefix(50) {
            let slowLate = (table.column("duration_ms")?.value(at: Int(r))?.number ?? 0) >= 1000 && table.timestamps[Int(r)] >= Shop.incident
            #expect(!slowLate)
        }
        #expect(state.stack.flatMap(\.crumbs).last == "baseline events")
    }

    @Test func eventsSortSearchAndOpen() throws {
        var (state, model) = Self.incident()
        state.press([.tab, .enter, .char("b")], model)
        state.press([.char("l"), .char("S")], model)
        var e = try #require(Self.events(state))
        #expect(e.sort == EventSort(column: 1, descending: true))
        let durations = e.rows.map { model.table.column(e.columns[0])?.value(at: Int($0))?.number ?? 0 }
        #expect(durations == durations.sorted(by: >))
        state.press([.char("s")], model)
        e = try #require(Self.events(state))
        let ascending = e.rows.map { model.table.column(e.columns[0])?.value(at: Int($0))?.number ?? 0 }
        #expect(ascending == ascending.sorted())
        state.press([.char("/")] + "select orders".map { Key.char($0) } + [.enter], model)
        #expect(state.message?.kind == .error, "the root spans hold no db statement; only db spans do")
        state.press([.char("/")] + "CART".map { Key.char($0) } + [.enter], model)
        e = try #require(Self.events(state))
        let hit = Int(e.rows[e.cursor])
        #expect(model.table.event(at: hit).fields.contains { $0.value.text.lowercased().contains("cart") })
        let first = e.cursor
        state.press([.char("n")], model)
        let second = try #require(Self.events(state)).cursor
        #expect(second != first)
        state.press([.char("N")], model)
        #expect(try #require(Self.events(state)).cursor == first)
        state.press([.enter], model)
        guard case .event(let ev) = state.top else {
            Issue.record("expected the event view")
            return
        }
        #expect(ev.row == hit)
    }

    @Test func baselineToggleStartsAtTheTopOfTheSortAndTheStatusSaysWhere() throws {
        var (state, model) = Self.incident()
        state.press([.tab, .enter, .char("l"), .char("S"), .char("j"), .char("j")], model)
        let sorted = try #require(Self.events(state))
        #expect(sorted.cursor == 2, "cursor \(sorted.cursor) of \(sorted.rows.count)")
        let status = state.frame(model).rowText(state.size.height - 2)
        #expect(status.hasSuffix(" 3 of \(Format.grouped(sorted.rows.count))"), "\(status)")
        state.press([.char("b")], model)
        let e = try #require(Self.events(state))
        #expect(e.showingBaseline && e.cursor == 0 && e.scroll == 0)
        let durations = e.rows.prefix(20).map { model.table.column(e.columns[0])?.value(at: Int($0))?.number ?? 0 }
        #expect(durations == durations.sorted(by: >), "the baseline keeps the sort")
    }

    @Test func eventThenTraceShowsTheTreeAndOrphans() throws {
        var (state, model) = Shop.start()
        // Trace 0 has a root, a db child and a span whose parent is missing.
        let row = try #require((0..<model.table.count).first { model.table.column("trace.span_id")?.value(at: $0) == .string(String(format: "%016x", 0x1000) + "-a") })
        Explorer.push(&state, .event(EventState(source: nil, row: row, flagged: ["service.version"])))
        let effects = state.press([.char("t")], model)
        #expect(effects == [.findTrace(String(format: "%016x", 0x1000))])
        guard case .trace(let t) = state.top else {
            Issue.record("expected the trace view")
            return
        }
        #expect(t.spans.count == 3)
        #expect(t.spans[0].depth == 0 && !t.spans[0].isOrphan)
        #expect(t.spans[1].depth == 1 && t.spans[1].prefix == "└─ ")
        #expect(t.spans[2].isOrphan)
        #expect(t.cursor == 0)
        model.findTrace(String(format: "%016x", 0x1000), datasets: [], main: "shop") { _ in EventTable() }
        _ = Explorer.update(&state, .traceSearched(String(format: "%016x", 0x1000)), model: model)
        guard case .trace(let again) = state.top else { return }
        #expect(again.searchedAll)
        state.press([.down, .enter], model)
        guard case .event(let child) = state.top else {
            Issue.record("expected the span's event")
            return
        }
        #expect(model.table.column("trace.span_id")?.value(at: child.row) == .string(String(format: "%016x", 0x1000) + "-b"))
    }

    @Test func groupByThenBubbleUpOfAGroup() throws {
        var (state, model) = Self.incident()
        state.press([.char("g")], model)
        guard case .groups(let g) = state.top else {
            Issue.record("expected the group-by view")
            return
        }
        #expect(!g.groups.isEmpty)
        #expect(g.groups.map(\.count).reduce(0, +) == state.heat.scopeEvents)
        #expect(g.groups.map(\.count) == g.groups.map(\.count).sorted(by: >))
        state.press([.enter], model)
        let b = try #require(Self.bubble(state))
        #expect(b.selection == EventSelection([Filter.equal(g.field, g.groups[0].value)]))
    }
}

@Suite struct PromptTests {
    @Test func whereAddsAFilterAndBadOnesShowTheErrorUnderThePrompt() throws {
        var (state, model) = Shop.start()
        state.command("where duration_ms >=", model)
        let p = try #require(state.prompt)
        #expect(p.error?.contains("expected a value") == true)
        #expect(p.errorColumn == "where duration_ms >=".count)
        let text = state.frame(model).textDump()
        #expect(text.contains(":where duration_ms >="))
        #expect(text.contains("^"))
        state.press([.escape], model)
        state.command("where service.name = cart", model)
        #expect(state.prompt == nil)
        #expect(state.query.filters == [Filter("service.name", .equal, .string("cart"))])
        state.command("clear", model)
        #expect(state.query.filters.isEmpty)
    }

    @Test func sinceFieldGroupAndUnknownCommands() {
        var (state, model) = Shop.start()
        state.command("since 15m", model)
        #expect(state.query.range == .last(15 * Shop.minute))
        state.command("since all", model)
        #expect(state.query.range == .all)
        state.command("since 1e30d", model)
        #expect(state.prompt?.error != nil, "absurd spans are refused, not a crash")
        state.press([.escape], model)
        state.command("field http.status_code", model)
        #expect(state.query.field == "http.status_code")
        state.command("field service.name", model)
        #expect(state.prompt?.error?.contains("no numbers") == true)
        state.press([.escape], model)
        state.command("group service.name", model)
        guard case .groups = state.top else {
            Issue.record("expected the group-by view")
            return
        }
        state.command("frobnicate", model)
        #expect(state.prompt?.error?.contains("unknown command") == true)
        // The command line's spellings: `group-by` and flags with their dashes.
        state.press([.escape], model)
        state.press([.char("q")], model)
        state.command("group-by http.route", model)
        guard case .groups(let g) = state.top else {
            Issue.record("group-by did not open the group-by view: \(state.top)")
            return
        }
        #expect(g.field == "http.route")
        state.command("--where service.name = cart", model)
        #expect(state.prompt == nil)
        #expect(state.query.filters.contains(Filter("service.name", .equal, .string("cart"))))
    }

    @Test func tabCompletesCommandsAndFieldsAndHistoryRecalls() throws {
        var (state, model) = Shop.start()
        state.press([.char(":"), .char("w"), .char("h"), .tab], model)
        #expect(state.prompt?.text == "where ")
        state.press("service.v".map { Key.char($0) } + [.tab], model)
        #expect(state.prompt?.text == "where service.version ")
        state.press([.escape, .char(":"), .char("g"), .char("r"), .tab, .char("s"), .tab], model)
        #expect(state.prompt?.text == "group service.", "completes the common prefix")
        #expect(state.prompt?.completions == ["service.name", "service.version"])
        state.press([.escape], model)
        state.command("since 1h", model)
        state.command("since all", model)
        state.press([.char(":"), .up], model)
        #expect(state.prompt?.text == "since all")
        state.press([.up], model)
        #expect(state.prompt?.text == "since 1h")
        state.press([.down, .down], model)
        #expect(state.prompt?.text == "")
    }
}

@Suite struct KeyTableTests {
    @Test func noKeyIsBoundTwiceInOneView() {
        for context in KeyContext.allCases {
            var seen: Set<Key> = []
            for b in KeyBindings.bindings(for: context) {
                for k in b.keys {
                    #expect(!seen.contains(k), "\(k) bound twice in \(context)")
                    seen.insert(k)
                }
            }
        }
    }

    @Test func helpAndFooterComeFromTheTable() {
        var (state, model) = Shop.start(size: Shop.size120)
        state.press([.char("?")], model)
        let text = state.frame(model).textDump()
        for b in KeyBindings.bindings(for: .heatmap) { #expect(text.contains(b.help), "help lacks \(b.help)") }
        state.press([.char("x")], model)
        #expect(state.help == nil)
        let footer = state.frame(model).rowText(state.size.height - 1)
        for b in KeyBindings.hints(for: .heatmap) where b.command != .back { #expect(footer.contains(b.hint ?? "-")) }
        #expect(KeyBindings.command(for: .char("Q"), in: .trace) == .quitAll)
        #expect(KeyBindings.command(for: .char("b"), in: .events) == .toggleBaseline)
    }

    @Test func quitAnywhereAndBackThroughTheStack() {
        var (state, model) = DrillDownTests.incident()
        state.press([.tab, .enter], model)
        #expect(state.stack.count == 3)
        state.press([.escape], model)
        #expect(state.stack.count == 2)
        state.press([.tab, .enter], model)
        #expect(state.press([.char("Q")], model) == [.quit])
    }
}
