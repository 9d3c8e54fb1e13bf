import KilnCore
import KilnTerminal

/// Column widths of the events table.
enum EventsLayout {
    /// Width of the time column and its gap, without a date.
    static let fixedWidth = 14

    /// How much date the events' times need: that of the scope's window (the events of a view
    /// lie in it), none when there is none.
    static func datePart(_ state: ExplorerState) -> Format.DatePart {
        guard let key = state.heat.key else { return .none }
        return Format.datePart(key.from, key.to)
    }

    /// Width of the time column and its gap: wider by the date when the window crosses a day.
    static func timeWidth(_ part: Format.DatePart) -> Int {
        switch part {
        case .none: return fixedWidth
        case .day: return fixedWidth + 6
        case .year: return fixedWidth + 11
        }
    }

    /// Widths of the field columns: the widest of the name and the first 200 rows' values,
    /// between 4 and 32 columns.
    static func widths(_ e: EventsState, model: ExplorerModel) -> [Int] {
        let table = model.table
        let sample = e.rows.prefix(200)
        return e.columns.map { name in
            var w = Columns.width(name) + 1
            if let column = table.column(name) {
                for r in sample where Int(r) < table.count {
                    if let v = column.value(at: Int(r)) { w = max(w, Columns.width(v.text)) }
                    if w >= 32 { break }
                }
            }
            return max(4, min(32, w))
        }
    }
}

/// Draws the events table.
enum EventsView {
    static func draw(_ e: EventsState, _ ctx: RenderContext, _ grid: inout ScreenGrid) {
        let g = ctx.glyphs
        let table = ctx.model.table
        var summary = " " + (e.showingBaseline ? "baseline " : "") + e.title + " · " + Format.grouped(e.matched) + " events"
        if e.rows.count < e.matched { summary += " (newest " + Format.grouped(e.rows.count) + ")" }
        if let sort = e.sort {
            summary += " · by " + (sort.column == 0 ? "time" : e.columns[sort.column - 1]) + " " + String(sort.descending ? g.arrowDown : g.arrowUp)
        } else {
            summary += " · newest first"
        }
        if e.hasBaseline { summary += e.showingBaseline ? " · b: selection" : " · b: baseline" }
        grid.put(Columns.fit(summary, ctx.width, ellipsis: g.ellipsis), x: 0, y: 2, width: ctx.width, role: e.showingBaseline ? .baseline : .selection)

        let widths = EventsLayout.widths(e, model: ctx.model)
        // Which field columns fit after the time column.
        var shown: [(index: Int, x: Int, width: Int)] = []
        let datePart = EventsLayout.datePart(ctx.state)
        let timeWidth = EventsLayout.timeWidth(datePart)
        var x = timeWidth
        var i = e.columnOffset
        while i < e.columns.count, x < ctx.width {
            let w = min(widths[i], ctx.width - x)
            shown.append((i, x, w))
            x += widths[i] + 1
            i += 1
        }
        func arrow(_ column: Int) -> String {
            guard let sort = e.sort, sort.column == column else { return "" }
            return String(sort.descending ? g.arrowDown : g.arrowUp)
        }
        grid.put(" TIME" + arrow(0), x: 0, y: 3, width: timeWidth, role: e.column == 0 ? .cursor : .header)
        for c in shown {
            let name = e.columns[c.index] + arrow(c.index + 1)
            grid.put(Columns.fit(name, c.width, ellipsis: g.ellipsis), x: c.x, y: 3, width: c.width,
                     role: e.column == c.index + 1 ? .cursor : (e.flagged.contains(e.columns[c.index]) ? .accent : .header))
        }
        if e.columnOffset > 0 { grid.put(String(g.arrowLeft), x: timeWidth - 1, y: 3, role: .dim) }
        if i < e.columns.count { grid.put(String(g.arrowRight), x: ctx.width - 1, y: 3, role: .dim) }

        let rows = Layout.listRows(ctx.state.size)
        let columns = shown.map { table.column(e.columns[$0.index]) }
        if e.rows.isEmpty {
            grid.put("no events here" + (e.hasBaseline ? " (b switches to the " + (e.showingBaseline ? "selection)" : "baseline)") : ""),
                     x: 0, y: Layout.listTop + 1, width: ctx.width, align: .center, role: .dim)
        }
        let needle = e.search.flatMap { $0.isEmpty ? nil : $0.lowercased() }
        for line in 0..<rows {
            let index = e.scroll + line
            guard e.rows.indices.contains(index) else { break }
            let row = Int(e.rows[index])
            guard row < table.count else { continue }
            let y = Layout.listTop + line
            grid.put(" " + Format.eventTime(table.timestamps[row], datePart), x: 0, y: y, width: timeWidth, role: .dim)
            for (k, c) in shown.enumerated() {
                guard let value = columns[k]?.value(at: row) else {
                    grid.put("-", x: c.x, y: y, role: .dim)
                    continue
                }
                let text = Columns.fit(value.text, c.width, ellipsis: g.ellipsis)
                let numeric = value.number != nil
                // Cells holding the `/` search stand out.
                let matches = needle.map { value.text.lowercased().contains($0) } ?? false
                grid.put(text, x: c.x, y: y, width: c.width, align: numeric ? .right : .left, role: matches ? .accent : valueRole(value))
            }
            if index == e.cursor { grid.paint(Rect(x: 0, y: y, width: ctx.width, height: 1), role: .cursor) }
        }
    }

    static func valueRole(_ v: Value) -> Role { .normal }
}
