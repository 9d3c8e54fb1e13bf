import KilnCore
@testable import KilnExplorer
import KilnTerminal
import Testing

/// `w` shows the highlighted value whole: wrapped, its line breaks kept, control characters
/// visible; in BubbleUp, the events table and the event view.
struct ValueOverlayTests {
    /// A 600-character URL with an escape sequence, a bidi override and a line break in it.
    static let long = "https://example.com/search?q=" + String(repeating: "abcdefghij", count: 55) + "\u{1b}[31mred\u{202e}\nsecond line END"

    static func open() -> (ExplorerState, ExplorerModel) {
        var b = EventTableBuilder()
        var events: [Event] = []
        for i in 0..<40 {
            events.append(Event(timestamp: Shop.start + Int64(i) * Shop.minute, fields: [
                Field("duration_ms", .float(i % 2 == 0 ? 900 : 10)),
                Field("url", .string(i % 2 == 0 ? long : "/short")),
            ]))
        }
        b.append(events)
        let model = ExplorerModel(table: b.table)
        var state = Explorer.makeState(size: Shop.size80, glyphs: .unicode, dataset: "web", model: model, query: QueryState(),
                                       requestedRange: .all, now: Shop.now)
        _ = Explorer.open(&state, view: .bubbleup, selection: [Filter("duration_ms", .greaterOrEqual, .int(500))], traceID: nil, model: model)
        return (state, model)
    }

    /// The value's rows on screen, checked for raw control characters and width.
    static func check(_ state: ExplorerState, _ model: ExplorerModel) -> String {
        let grid = state.frame(model)
        let text = grid.textDump()
        #expect(!text.unicodeScalars.contains { $0.value == 0x1b || $0.value == 0x202e }, "no raw control character")
        #expect(text.contains("\\x1b[31mred\\u202e\\n"), "control characters visible: \(text)")
        return text
    }

    @Test func bubbleUpEventsAndEventShowTheValueWhole() throws {
        var (state, model) = Self.open()
        guard case .bubbleUp(let b) = state.top else {
            Issue.record("no BubbleUp: \(state.stack)")
            return
        }
        // The url field, its values pane.
        let index = try #require(b.entries.firstIndex { if case .dimension(let i) = $0 { return b.result.dimensions[i].field == "url" }; return false })
        for _ in 0..<index { state.press([.down], model) }
        guard case .dimension(let d) = b.entries[index] else { return }
        let valueIndex = try #require(b.result.dimensions[d].values.firstIndex { $0.selection > 0 })
        state.press([.tab], model)
        for _ in 0..<valueIndex { state.press([.down], model) }
        state.press([.char("w")], model)
        var value = try #require(state.value)
        #expect(value.text == Self.long)
        #expect(value.title == "url")
        let lines = value.lines(width: 76)
        #expect(lines.allSatisfy { Columns.width($0) <= 76 })
        #expect(lines.joined() == Sanitizer.sanitize(Self.long), "every character, in order")
        #expect(lines.last == "second line END", "the line break starts a new line")
        var text = Self.check(state, model)
        #expect(text.contains("https://example.com/search?q=abcdefghij"))
        // j scrolls down to the end; any other key closes, and the BubbleUp is as it was.
        state.press(Array(repeating: .char("j"), count: 10), model)
        text = Self.check(state, model)
        #expect(text.contains("second line END"))
        state.press([.char("x")], model)
        #expect(state.value == nil)
        if case .bubbleUp = state.top {} else { Issue.record("still on BubbleUp: \(state.stack)") }

        // Events: Enter lists them; to the url column, w.
        state.press([.enter], model)
        guard case .events(let e) = state.top else {
            Issue.record("no events: \(state.stack)")
            return
        }
        let column = try #require(e.columns.firstIndex(of: "url"))
        for _ in 0...column { state.press([.right], model) }
        state.press([.char("w")], model)
        value = try #require(state.value)
        #expect(value.text == Self.long)
        _ = Self.check(state, model)
        state.press([.escape], model)
        #expect(state.value == nil)
        if case .events = state.top {} else { Issue.record("Esc closes the value only: \(state.stack)") }

        // Event: Enter opens it; the cursor on a continuation line of url still shows url.
        state.press([.enter], model)
        guard case .event = state.top else { return }
        let lines2 = EventLines.build(model: model, state: { if case .event(let x) = state.top { return x }; fatalError() }(), width: 80)
        let urlLine = try #require(lines2.firstIndex { $0.name == "url" })
        for _ in 0..<(urlLine + 2) { state.press([.down], model) }
        state.press([.char("w")], model)
        value = try #require(state.value)
        #expect(value.title == "url" && value.text == Self.long)
    }

    @Test func wOnNothingSaysSo() throws {
        var (state, model) = Self.open()
        state.press([.char("q"), .char("w")], model)
        #expect(state.value == nil)
        #expect(state.message?.text.contains("no key w") == true)
    }
}
