import KilnCore
import KilnTerminal

/// Draws the `:` (or `/`) prompt at the bottom, its completions above it and its error under it.
enum PromptView {
    static func draw(_ ctx: RenderContext, _ grid: inout ScreenGrid) {
        guard let p = ctx.state.prompt else { return }
        let g = ctx.glyphs
        let errorLines = p.error == nil ? 0 : 2
        let y = grid.height - 2 - errorLines
        let lead = p.isSearch ? "/" : ":"
        grid.fill(Rect(x: 0, y: y, width: grid.width, height: 1 + errorLines), role: .prompt)
        // Keep the cursor on screen in long text.
        let room = grid.width - 2
        let chars = Array(p.text)
        let start = max(0, p.cursor - room + 1)
        let visible = String(chars[min(start, chars.count)...])
        grid.put(lead, x: 0, y: y, role: .prompt)
        grid.put(visible, x: 1, y: y, width: room, role: .prompt)
        let cursorText = p.cursor < chars.count ? String(chars[p.cursor]) : " "
        let cursorX = 1 + Columns.width(String(chars[min(start, chars.count)..<min(p.cursor, chars.count)]))
        if cursorX < grid.width { grid.put(cursorText, x: cursorX, y: y, width: 1, role: .cursor) }
        if let error = p.error {
            if let column = p.errorColumn {
                let caretX = 1 + Columns.width(String(chars.prefix(max(0, min(column, chars.count)))))
                grid.put("^", x: min(grid.width - 1, max(1, caretX - Columns.width(String(chars.prefix(start))))), y: y + 1, role: .error)
            }
            grid.put(" " + Columns.fit(error, grid.width - 2, ellipsis: g.ellipsis), x: 0, y: y + 2, width: grid.width, role: .error)
        }
        if !p.completions.isEmpty {
            let text = " " + p.completions.joined(separator: "  ")
            grid.fill(Rect(x: 0, y: y - 1, width: grid.width, height: 1), role: .popup)
            grid.put(Columns.fit(text, grid.width, ellipsis: g.ellipsis), x: 0, y: y - 1, width: grid.width, role: .popup)
        } else if p.text.isEmpty && !p.isSearch && p.error == nil {
            let hint = " where FIELD OP VALUE · clear · since 15m|1h|6h|24h|7d|all · from T to T · field NAME · group FIELD   (Tab completes)"
            grid.put(Columns.fit(hint, grid.width, ellipsis: g.ellipsis), x: 0, y: y - 1, width: grid.width, role: .dim)
        }
    }
}

/// Draws the help overlay, generated from the key table.
enum HelpView {
    static func lines(for context: KeyContext) -> [(String, String, Role)] {
        var out: [(String, String, Role)] = []
        for c in [context, .global] {
            out.append(("", "", .normal))
            out.append((c.title, "", .header))
            for b in KeyBindings.bindings(for: c) { out.append((b.keyText, b.help, .normal)) }
        }
        out.append(("", "", .normal))
        out.append(("query (:)", "", .header))
        let commands: [(String, String)] = [
            ("where EXPR", "add a filter: FIELD OP VALUE, ops = != > >= < <= contains !contains starts-with exists !exists in"),
            ("select EXPR", "BubbleUp of the events matching EXPR against the rest"),
            ("clear", "drop every filter"),
            ("clear N", "drop the N-th filter (clear FIELD: the filters on FIELD)"),
            ("since 1h", "time range: 15m, 1h, 6h, 24h, 7d ... or all"),
            ("from T to T", "a fixed time range (RFC 3339, a date or epoch)"),
            ("field NAME", "the heatmap's numeric field"),
            ("counts", "events over time as bars, errors marked (no duration needed)"),
            ("group FIELD", "GROUP BY table with COUNT and P99"),
        ]
        for (k, h) in commands { out.append((k, h, .normal)) }
        return out
    }

    static func draw(offset: Int, _ ctx: RenderContext, _ grid: inout ScreenGrid) {
        let g = ctx.glyphs
        let context = Explorer.context(of: ctx.state.top)
        let all = lines(for: context)
        let rect = Rect(x: 0, y: 1, width: grid.width, height: grid.height - 2)
        grid.fill(rect, role: .popup)
        grid.box(rect, glyphs: g.focusedBox, role: .focusedBorder, title: "keys · " + context.title + " · any key closes")
        let inner = rect.inset(by: 1)
        let keyWidth = min(22, max(12, all.map { Columns.width($0.0) }.max() ?? 12)) + 2
        let first = max(0, min(offset, max(0, all.count - inner.height)))
        for i in 0..<inner.height {
            let index = first + i
            guard all.indices.contains(index) else { break }
            let (k, h, role) = all[index]
            let y = inner.y + i
            if role == .header {
                grid.put(" " + k, x: inner.x, y: y, width: inner.width, role: .header)
            } else {
                grid.put("  " + k, x: inner.x, y: y, width: keyWidth, role: .keyHintKey)
                grid.put(Columns.fit(h, inner.width - keyWidth - 1, ellipsis: g.ellipsis), x: inner.x + keyWidth + 1, y: y,
                         width: inner.width - keyWidth - 1, role: .popup)
            }
        }
        if all.count > inner.height {
            grid.put(" \(first + 1)-\(min(all.count, first + inner.height)) of \(all.count) · j/k scroll ", x: rect.x + 2,
                     y: rect.maxY - 1, width: rect.width - 4, role: .dim)
        }
    }
}
