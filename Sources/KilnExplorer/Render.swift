import KilnCore
import KilnTerminal

extension Explorer {
    /// Draws `state` into `grid` (pure): the header, the breadcrumb, the view on top of the
    /// stack, the status line, the key hints, and the prompt or help overlay. Below the
    /// minimum size, the too-small screen.
    public static func render(_ state: ExplorerState, model: ExplorerModel, into grid: inout ScreenGrid) {
        guard grid.size.fits(.minimum) else {
            grid = .tooSmall(size: grid.size)
            return
        }
        grid.clear()
        var ctx = RenderContext(state: state, model: model)
        ctx.width = grid.width
        ctx.height = grid.height
        drawHeader(ctx, &grid)
        drawBreadcrumb(ctx, &grid)
        switch state.top {
        case .heatmap:
            if state.query.histogram { HistogramView.draw(ctx, &grid) } else { HeatmapView.draw(ctx, &grid) }
        case .bubbleUp(let b): BubbleUpView.draw(b, ctx, &grid)
        case .events(let e): EventsView.draw(e, ctx, &grid)
        case .event(let e): EventView.draw(e, ctx, &grid)
        case .trace(let t): TraceView.draw(t, ctx, &grid)
        case .groups(let g): GroupsView.draw(g, ctx, &grid)
        case .picker(let p): PickerView.draw(p, ctx, &grid)
        case .compare(let c): CompareView.draw(c, ctx, &grid)
        case .versions(let v): VersionsView.draw(v, ctx, &grid)
        case .markers(let m): MarkersView.draw(m, ctx, &grid)
        case .slo(let list): SLOView.draw(list, ctx, &grid)
        case .services(let list): ServicesView.draw(list, ctx, &grid)
        case .serviceMap(let view): ServiceMapView.draw(view, ctx, &grid)
        }
        drawStatus(ctx, &grid)
        drawFooter(ctx, &grid)
        if state.prompt != nil { PromptView.draw(ctx, &grid) }
        if let value = state.value { ValueView.draw(value, ctx, &grid) }
        if let offset = state.help { HelpView.draw(offset: offset, ctx, &grid) }
        if !state.glyphs.isUnicode { asciiPunctuation(&grid) }
    }

    /// ASCII stand-ins for the typographic characters the views' own text uses (` · `, `–`,
    /// `…`, `×`, `●`), applied to the whole grid when the terminal shows ASCII only.
    static func asciiPunctuation(_ grid: inout ScreenGrid) {
        let map: [String: String] = ["·": "-", "–": "-", "—": "-", "…": "~", "×": "x", "●": "*", "○": "o", "❭": ">", "↑": "^", "↓": "v",
                                     "←": "<", "→": ">", "•": "*"]
        for y in 0..<grid.height {
            for x in 0..<grid.width {
                let cell = grid[x, y]
                guard cell.text.utf8.first.map({ $0 >= 0x80 }) == true, let ascii = map[cell.text] else { continue }
                grid.put(ascii, x: x, y: y, role: cell.role, attributes: cell.attributes)
            }
        }
    }

    /// Row 0: dataset, time range, counts; on the right `LIVE` (following, events arriving),
    /// `IDLE` (following, none arrived lately) or `PAUSED (+N new)`.
    static func drawHeader(_ ctx: RenderContext, _ grid: inout ScreenGrid) {
        let s = ctx.state
        grid.fill(Rect(x: 0, y: 0, width: grid.width, height: 1), role: .statusBar)
        var right: [StyledText] = []
        if case .picker = s.stack.first, s.stack.count == 1 {
            right = []
        } else if s.live && s.arriving {
            right = [StyledText(s.glyphs.isUnicode ? " ● LIVE " : " * LIVE ", role: .live)]
        } else if s.live {
            // Following, but nothing arrives: say so calmly rather than claim LIVE.
            right = [StyledText(s.glyphs.isUnicode ? " ○ IDLE " : " o IDLE ", role: .statusBar)]
        } else {
            let pending = max(0, s.totalRows - s.visibleRows)
            let text = pending > 0 ? " PAUSED (+\(Format.grouped(pending)) new) " : " PAUSED "
            right = [StyledText(text, role: .paused)]
        }
        let rightWidth = right.reduce(0) { $0 + Columns.width($1.text) }
        var parts: [StyledText] = [StyledText(" kiln ", role: .title), StyledText(s.dataset, role: .statusBar)]
        if case .picker = s.stack.first, s.stack.count == 1 {
            grid.put(parts, x: 0, y: 0, width: grid.width - rightWidth)
            return
        }
        parts.append(StyledText(" · " + rangeText(s), role: .statusBar))
        var counts = " · " + Format.grouped(s.heat.scopeEvents) + " of " + Format.grouped(s.heat.totalEvents) + " events"
        if s.sampled { counts += " (weighted by sample rate)" }
        parts.append(StyledText(counts, role: .statusBar))
        if let held = s.heldFrom, let key = s.heat.key, key.from < held {
            // The range starts before what the memory budget holds: say from when it counts.
            parts.append(StyledText(" · memory budget: from " + Format.dayClock(held), role: .error))
        }
        // Cut with an ellipsis, so that a header too wide for the terminal says so.
        let room = grid.width - rightWidth - 1
        grid.put(Columns.fit(parts, room, ellipsis: s.glyphs.ellipsis), x: 0, y: 0, width: room)
        grid.put(right, x: grid.width - rightWidth, y: 0, width: rightWidth)
    }

    /// `last 2h (05:01–07:01 UTC)`, `all (06:01–07:01 UTC)`, or a fixed window.
    static func rangeText(_ s: ExplorerState) -> String {
        let window = s.heat.key.map { ($0.from, $0.to) }
        let shown = window.map { " (" + Format.timeRange($0.0, $0.1, dash: "–") + " UTC)" } ?? ""
        switch s.query.range {
        case .all: return "all data" + shown
        case .last(let d): return "last " + Format.span(d) + shown
        case .between: return window.map { Format.timeRange($0.0, $0.1, dash: "–") + " UTC" } ?? "fixed range"
        }
    }

    /// Row 1: where am I, and the scope's filters on the right.
    static func drawBreadcrumb(_ ctx: RenderContext, _ grid: inout ScreenGrid) {
        let s = ctx.state
        var parts = s.stack.flatMap(\.crumbs)
        // A dataset without a duration opens on the count histogram, not a heatmap.
        if s.query.histogram { parts = parts.map { $0 == "heatmap" ? "counts" : $0 } }
        var runs: [StyledText] = [StyledText(" ")]
        for (i, p) in parts.enumerated() {
            if i > 0 { runs.append(StyledText(s.glyphs.breadcrumbSeparator, role: .dim)) }
            runs.append(StyledText(p, role: i == parts.count - 1 ? .title : .breadcrumb))
        }
        let used = grid.put(runs, x: 0, y: 1, width: grid.width)
        guard !s.query.filters.isEmpty else { return }
        let filters = "where " + s.query.filters.map(\.description).joined(separator: ", ") + " "
        let room = grid.width - used - 3
        guard room > 10 else { return }
        let text = Columns.fit(filters, room, ellipsis: s.glyphs.ellipsis)
        grid.put(text, x: grid.width - Columns.width(text), y: 1, role: .accent)
    }

    /// Row H-2: the message, or the view's own status.
    static func drawStatus(_ ctx: RenderContext, _ grid: inout ScreenGrid) {
        let y = grid.height - 2
        if let loading = ctx.state.loading {
            let of = loading.total > 0 ? " of " + Format.grouped(loading.total) : ""
            let text = " loading " + Format.grouped(loading.loaded) + of + " events of the new time range… (Esc cancels, q quits)"
            grid.put(text, x: 0, y: y, width: grid.width, role: .info)
            return
        }
        if let m = ctx.state.message {
            grid.put(Columns.fit(" " + m.text, grid.width, ellipsis: ctx.glyphs.ellipsis), x: 0, y: y, width: grid.width,
                     role: m.kind == .error ? .error : .info)
            return
        }
        // Where the cursor is in a list, right-aligned: `142 of 422`.
        let position: (Int, Int)?
        switch ctx.state.top {
        case .heatmap:
            if ctx.state.query.histogram { HistogramView.drawStatus(ctx, &grid, y: y) } else { HeatmapView.drawStatus(ctx, &grid, y: y) }
            return
        case .events(let e): position = (e.cursor, e.rows.count)
        case .trace(let t): position = (t.cursor, t.spans.count)
        case .groups(let g): position = (g.cursor, g.groups.count)
        case .picker(let p): position = (p.cursor, p.datasets.count)
        case .bubbleUp(let b): position = b.focus == .fields ? (b.fieldCursor, b.entries.count) : (b.valueCursor, BubbleUpRows.count(b))
        case .event: position = nil
        case .compare(let c): position = (c.cursor, c.result.groups.count)
        case .versions(let v): position = (v.cursor, v.versions.count)
        case .markers(let m): position = (m.cursor, m.markers.count)
        case .slo(let list): position = (list.cursor, list.rows?.count ?? 0)
        case .services(let list): position = (list.cursor, list.report.services.count)
        case .serviceMap(let view): position = (view.cursor, ServiceMapLayout.make(view.map, width: ctx.width, glyphs: ctx.glyphs).rows.count)
        }
        guard let (cursor, count) = position, count > 0 else { return }
        let text = Format.grouped(min(cursor, count - 1) + 1) + " of " + Format.grouped(count) + " "
        grid.put(text, x: grid.width - Columns.width(text), y: y, role: .dim)
    }

    /// Row H-1: key hints from the key table.
    static func drawFooter(_ ctx: RenderContext, _ grid: inout ScreenGrid) {
        let y = grid.height - 1
        grid.fill(Rect(x: 0, y: y, width: grid.width, height: 1), role: .keyHint)
        var runs: [StyledText] = []
        var hints = KeyBindings.hints(for: context(of: ctx.state.top))
        if ctx.state.stack.count == 1, let i = hints.firstIndex(where: { $0.command == .back }) {
            hints[i].hint = "quit"
        }
        if case .bubbleUp(let b) = ctx.state.top, b.focus == .fields, let i = hints.firstIndex(where: { $0.command == .openEvents }) {
            hints[i].hint = "values"
        }
        for h in hints {
            runs.append(StyledText(runs.isEmpty ? " " : "  ", role: .keyHint))
            runs.append(StyledText(KeyBinding.name(h.keys[0]), role: .keyHintKey))
            runs.append(StyledText(" " + (h.hint ?? ""), role: .keyHint))
        }
        grid.put(runs, x: 0, y: y, width: grid.width)
    }
}

/// What every view's drawing needs besides its own state.
struct RenderContext {
    let state: ExplorerState
    let model: ExplorerModel
    var width = 0
    var height = 0
    var glyphs: GlyphSet { state.glyphs }

    init(state: ExplorerState, model: ExplorerModel) {
        self.state = state
        self.model = model
    }

    /// A line of text at row `y` filling the width.
    func line(_ text: String, y: Int, role: Role = .normal, _ grid: inout ScreenGrid) {
        grid.put(Columns.fit(text, width, ellipsis: glyphs.ellipsis), x: 0, y: y, width: width, role: role)
    }
}
