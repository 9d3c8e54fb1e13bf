import KilnCore
@testable import KilnExplorer
import KilnTerminal
import Testing

/// Field values come from the internet: nothing in them may reach the terminal raw.
@Suite struct HostileDataTests {
    static let evil = "\u{1B}[31mred\u{1B}[0m \u{202E}evil\u{202C} \u{07}bell\ttab\nline \u{9B}31m"

    static func model() -> ExplorerModel {
        var events = Shop.events(count: 200)
        events.append(Event(timestamp: Shop.end - Shop.minute, fields: [
            Field("trace.trace_id", .string("evil-trace")),
            Field("trace.span_id", .string("evil\u{1B}]0;title\u{07}")),
            Field("service.name", .string("svc\u{202E}gnp.exe")),
            Field("name", .string(evil)),
            Field("http.user_agent", .string(evil)),
            Field("\u{1B}[2Jfield", .string(evil)),
            Field("duration_ms", .float(5000)),
            Field("wide", .string("日本語のテキスト🙂")),
        ]))
        var b = EventTableBuilder()
        b.append(events)
        return ExplorerModel(table: b.table)
    }

    static func assertClean(_ grid: ScreenGrid, sourceLocation: SourceLocation = #_sourceLocation) {
        for cell in grid.cells {
            for s in cell.text.unicodeScalars {
                let bad = s.value < 0x20 || s.value == 0x7F || (0x80...0x9F).contains(s.value) || (0x202A...0x202E).contains(s.value)
                    || (0x2066...0x2069).contains(s.value)
                #expect(!bad, "raw U+\(String(s.value, radix: 16)) reached the grid", sourceLocation: sourceLocation)
            }
        }
    }

    @Test func everyViewShowsEscapesVisibly() throws {
        let model = Self.model()
        var state = Explorer.makeState(size: Shop.size120, glyphs: .unicode, dataset: "evil\u{1B}[1m", model: model,
                                       query: QueryState(), requestedRange: .all, now: Shop.now)
        Self.assertClean(state.frame(model))
        let row = model.table.count - 1
        Explorer.push(&state, .event(EventState(source: nil, row: row, flagged: ["name"])))
        let eventFrame = state.frame(model)
        Self.assertClean(eventFrame)
        let text = eventFrame.textDump()
        #expect(text.contains("\\x1b[31mred\\x1b[0m"))
        #expect(text.contains("\\u202eevil\\u202c"))
        #expect(text.contains("\\x07bell\\ttab\\nline"))
        #expect(text.contains("\\u009b31m"))
        #expect(text.contains("\\x1b[2Jfield"))
        state.press([.char("t")], model)
        Self.assertClean(state.frame(model))
        #expect(state.frame(model).textDump().contains("svc\\u202e"))
        // The events table and BubbleUp of a selection holding the event.
        var (s2, _) = (state, model)
        s2.stack = [.heatmap]
        _ = Explorer.open(&s2, view: .events, selection: [Filter("duration_ms", .greaterOrEqual, .int(4000))], traceID: nil, model: model)
        Self.assertClean(s2.frame(model))
        s2.press([.char("q")], model)
        Self.assertClean(s2.frame(model))
        s2.press([.tab, .char("j"), .char("j")], model)
        Self.assertClean(s2.frame(model))
        s2.command("where name = \"\u{1B}[31m\"", model)
        Self.assertClean(s2.frame(model))
    }

    @Test func extremeTimesAndNumbersDoNotCrash() {
        let events = [
            Event(timestamp: Int64.min, fields: [Field("trace.trace_id", .string("x")), Field("trace.span_id", .string("a")),
                                                Field("duration_ms", .float(1e300))]),
            Event(timestamp: Int64.max, fields: [Field("trace.trace_id", .string("x")), Field("trace.span_id", .string("b")),
                                                Field("trace.parent_id", .string("b")), Field("duration_ms", .float(-5))]),
            Event(timestamp: 0, fields: [Field("trace.trace_id", .string("x")), Field("trace.span_id", .string("c")),
                                        Field("trace.parent_id", .string("d")), Field("duration_ms", .int(Int64.max))]),
            Event(timestamp: 1, fields: [Field("trace.trace_id", .string("x")), Field("trace.span_id", .string("d")),
                                        Field("trace.parent_id", .string("c")), Field("duration_ms", .float(.nan))]),
        ]
        var b = EventTableBuilder()
        b.append(events)
        let model = ExplorerModel(table: b.table)
        for size in [Shop.size80, Shop.size120] {
            var state = Explorer.makeState(size: size, glyphs: .unicode, dataset: "x", model: model, query: QueryState(),
                                           requestedRange: .all, now: 0)
            _ = state.frame(model)
            state.press([.char("a"), .enter, .char(" "), .left, .enter], model)
            _ = state.frame(model)
            Explorer.push(&state, .event(EventState(source: nil, row: 0, flagged: [])))
            state.press([.char("t")], model)
            guard case .trace(let t) = state.top else {
                Issue.record("expected the trace")
                continue
            }
            #expect(t.spans.count == 4, "a self-parent and a parent loop still list every span")
            _ = state.frame(model)
            state.command("since 1h", model)
            _ = state.frame(model)
        }
    }

    @Test func wideCharactersTakeTwoCells() {
        let model = Self.model()
        var state = Explorer.makeState(size: Shop.size80, glyphs: .unicode, dataset: "shop", model: model,
                                       query: QueryState(), requestedRange: .all, now: Shop.now)
        Explorer.push(&state, .event(EventState(source: nil, row: model.table.count - 1, flagged: [])))
        let grid = state.frame(model)
        let y = (0..<grid.height).first { grid.rowText($0).contains("日本語") }
        #expect(y != nil)
        if let y {
            let x = (0..<grid.width).first { grid[$0, y].text == "日" } ?? 0
            #expect(grid[x, y].isWide && grid[x + 1, y].isContinuation)
        }
    }
}

/// `t` on the events list opens the highlighted event's trace; `q` comes back to the list.
@Suite struct EventsListTraceTests {
    @Test func tOpensTheHighlightedEventsTraceAndQComesBack() throws {
        var b = EventTableBuilder()
        b.append(Shop.events(count: 300))
        let model = ExplorerModel(table: b.table)
        var state = Explorer.makeState(size: Shop.size120, glyphs: .unicode, dataset: "shop", model: model,
                                       query: QueryState(), requestedRange: .all, now: Shop.now)
        _ = Explorer.open(&state, view: .events, selection: [], traceID: nil, model: model)
        guard case .events(var e) = state.top else { Issue.record("not the events list: \(state.top)"); return }
        e.cursor = 3
        state.stack[state.stack.count - 1] = .events(e)
        let row = Int(e.rows[3])
        let expected = try #require(model.table.column("trace.trace_id")?.value(at: row)).text
        let effects = state.press([.char("t")], model)
        guard case .trace(let t) = state.top else { Issue.record("t did not open a trace: \(state.top)"); return }
        #expect(t.traceID == expected)
        #expect(effects.contains { if case .findTrace(let id) = $0 { return id == expected } else { return false } })
        state.press([.char("q")], model)
        guard case .events(let back) = state.top else { Issue.record("q did not come back to the list: \(state.top)"); return }
        #expect(back.cursor == 3)
    }

    /// A trace opened on one of its last spans shows from its root when it fits the page (it
    /// was scrolled to three spans above the cursor, leaving the root off screen and the page
    /// mostly empty).
    @Test func aTraceThatFitsShowsFromItsRoot() throws {
        // A chain of 12 spans: root -> s1 -> ... -> s11.
        var events = Shop.events(count: 50)
        for k in 0..<12 {
            var fields = [Field("trace.trace_id", .string("deep")), Field("trace.span_id", .string("s\(k)")),
                          Field("service.name", .string("svc\(k % 3)")), Field("name", .string("op\(k)")),
                          Field("duration_ms", .float(Double(100 - k)))]
            if k > 0 { fields.append(Field("trace.parent_id", .string("s\(k - 1)"))) }
            events.append(Event(timestamp: Shop.end - Shop.minute + Int64(k) * 1_000_000, fields: fields))
        }
        var b = EventTableBuilder()
        b.append(events)
        let model = ExplorerModel(table: b.table)
        let id = "deep"
        let ids = model.table.column("trace.trace_id")
        let rows = (0..<model.table.count).filter { ids?.value(at: $0)?.text == id }
        try #require(rows.count == 12)
        for focus in rows {
            let t = Explorer.buildTrace(id, focusRow: focus, focusSource: nil, model: model, glyphs: .unicode, page: 40)
            #expect(t.scroll == 0, "\(t.spans.count) spans on a 40-row page, scrolled by \(t.scroll)")
            #expect(t.spans.indices.contains(t.cursor) && t.spans[t.cursor].row == focus)
            // On a page too small for it, the cursor stays in view.
            let small = Explorer.buildTrace(id, focusRow: focus, focusSource: nil, model: model, glyphs: .unicode, page: 3)
            #expect(small.cursor >= small.scroll && small.cursor < small.scroll + 3)
        }
    }
}
