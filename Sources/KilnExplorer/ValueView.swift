import KilnCore
import KilnTerminal

/// One value shown whole (`w` on a BubbleUp value, an events cell or an event's field): wrapped
/// to the screen, line breaks kept, control characters made visible.
public struct ValueState: Equatable {
    /// What the value is: `http.url · event 12`.
    public var title: String
    /// The value as stored.
    public var text: String
    /// The first line shown.
    public var scroll = 0

    /// Shows `text` under `title`.
    public init(title: String, text: String) {
        self.title = title
        self.text = text
    }

    /// The text's lines at `width` columns: each line of the value (its line break shown as
    /// `\n`) hard-wrapped, every control character as a visible escape.
    /// - Complexity: O(characters)
    public func lines(width: Int) -> [String] {
        let pieces = text.split(separator: "\n", omittingEmptySubsequences: false)
        var out: [String] = []
        for (i, piece) in pieces.enumerated() {
            out += Columns.wrap(String(piece) + (i < pieces.count - 1 ? "\n" : ""), width)
        }
        return out
    }
}

/// Draws a ``ValueState`` over the view, like the help screen.
enum ValueView {
    static func draw(_ v: ValueState, _ ctx: RenderContext, _ grid: inout ScreenGrid) {
        let rect = Rect(x: 0, y: 1, width: grid.width, height: grid.height - 2)
        let inner = rect.inset(by: 1)
        let lines = v.lines(width: max(1, inner.width - 2))
        let first = max(0, min(v.scroll, max(0, lines.count - inner.height)))
        let shown = lines.isEmpty ? "" : " · lines \(first + 1)-\(min(lines.count, first + inner.height)) of \(lines.count)"
        grid.fill(rect, role: .popup)
        grid.box(rect, glyphs: ctx.glyphs.focusedBox, role: .focusedBorder,
                 title: Columns.fit(v.title, max(10, grid.width - 50), ellipsis: ctx.glyphs.ellipsis)
                    + " · " + Format.grouped(v.text.count) + " chars" + shown + " · j/k scroll · any key closes")
        for i in 0..<inner.height {
            let index = first + i
            guard lines.indices.contains(index) else { break }
            grid.put(lines[index], x: inner.x + 1, y: inner.y + i, width: inner.width - 2, role: .normal)
        }
    }
}

extension Explorer {
    /// `w`: the value under the cursor of a BubbleUp, events table or event, shown whole.
    static func showValue(_ state: inout ExplorerState, model: ExplorerModel) {
        var found: ValueState?
        switch state.top {
        case .bubbleUp(let b):
            switch BubbleUpRows.current(b) {
            case .value(let field, let v)?:
                switch v.bucket {
                case .value(let value): found = ValueState(title: field, text: value?.text ?? "(absent)")
                case .range, .other: found = ValueState(title: field, text: v.label)
                }
            case .combination(let c)?:
                found = ValueState(title: "combination", text: c.filters.map(\.description).joined(separator: "\n"))
            case .idField(let f)?:
                found = ValueState(title: "ID-like field", text: f)
            case nil:
                if let field = BubbleUpRows.field(b) { found = ValueState(title: "field", text: field) }
            }
        case .events(let e):
            guard e.rows.indices.contains(e.cursor) else { break }
            let row = Int(e.rows[e.cursor])
            let table = model.table
            guard row < table.count else { break }
            if e.column == 0 {
                found = ValueState(title: "time", text: Timestamp.format(table.timestamps[row]))
            } else if e.columns.indices.contains(e.column - 1) {
                let field = e.columns[e.column - 1]
                found = ValueState(title: field, text: table.column(field)?.value(at: row)?.text ?? "(absent)")
            }
        case .event(let e):
            guard let table = model.table(e.source), e.row >= 0, e.row < table.count else { break }
            let lines = EventLines.build(model: model, state: e, width: state.size.width)
            guard lines.indices.contains(e.cursor),
                  let start = lines[...e.cursor].lastIndex(where: { $0.kind != .continuation }), lines[start].kind == .field else { break }
            let name = lines[start].name
            found = ValueState(title: name, text: table.event(at: e.row).fields.first { $0.name == name }?.value.text ?? "(absent)")
        default:
            break
        }
        guard let found else {
            state.message = .info("no value here to show: highlight one first")
            return
        }
        state.value = found
    }

    /// Keys while a value is shown: j/k and pages scroll, Q quits, any other key closes it.
    static func valueKey(_ state: inout ExplorerState, _ key: Key) -> [Effect] {
        guard var v = state.value else { return [] }
        let page = max(1, state.size.height - 6)
        switch key {
        case .char("j"), .down: v.scroll += 1
        case .char("k"), .up: v.scroll = max(0, v.scroll - 1)
        case .pageDown, .char(" "): v.scroll += page
        case .pageUp: v.scroll = max(0, v.scroll - page)
        case .char("Q"), .ctrl("c"):
            state.quitting = true
            return [.quit]
        default:
            state.value = nil
            return []
        }
        let lines = v.lines(width: max(1, state.size.width - 4)).count
        v.scroll = max(0, min(v.scroll, lines - page))
        state.value = v
        return []
    }
}
