import KilnCore
import KilnTerminal

/// Draws a comparison: the two sides with their counts, the verdict, each metric before and
/// after with its change and significance, and the `where` list.
enum CompareView {
    /// First row of the `where` list.
    static let whereTop = 12

    /// Rows of the `where` list.
    static func whereRows(_ c: CompareState, size: TerminalSize) -> Int { max(1, size.height - 2 - whereTop) }

    static func draw(_ c: CompareState, _ ctx: RenderContext, _ grid: inout ScreenGrid) {
        let g = ctx.glyphs, r = c.result
        let arrow = g.isUnicode ? "→" : "->"
        ctx.line(" compare " + c.title, y: 2, role: .title, &grid)
        var x = grid.put(" " + CompareResult.label(r.before.value) + ": " + CompareResult.count(r.before.count) + " events  " + arrow + "  "
                         + CompareResult.label(r.after.value) + ": " + CompareResult.count(r.after.count) + " events   verdict: ", x: 0, y: 3)
        let verdictRole: Role
        switch r.verdict {
        case .regression: verdictRole = .error
        case .improvement: verdictRole = .success
        case .noChange: verdictRole = .info
        case .inconclusive: verdictRole = .warning
        }
        x += grid.put((r.verdict == .noChange ? "NO CHANGE" : r.verdict.rawValue.uppercased()), x: x, y: 3, role: verdictRole, attributes: .bold)
        if r.weighted { grid.put("  (weighted by sample rate)", x: x, y: 3, role: .dim) }

        let nameWidth = max(18, Columns.width(r.metrics.first?.name ?? "") + 2), w = 11
        let columns = [nameWidth, nameWidth + w + 1, nameWidth + 2 * (w + 1), nameWidth + 3 * (w + 1), nameWidth + 4 * (w + 1)]
        grid.put(" METRIC", x: 0, y: 4, role: .header)
        for (i, h) in ["BEFORE", "AFTER", "CHANGE", "P-VALUE"].enumerated() { grid.put(h, x: columns[i], y: 4, width: w, align: .right, role: .header) }
        grid.put("SIGNIFICANT", x: columns[4] + 2, y: 4, role: .header)
        for (i, m) in r.metrics.enumerated() {
            let y = 5 + i, isRate = m.name == "error_rate"
            grid.put(" " + m.name, x: 0, y: y, width: nameWidth)
            grid.put(CompareResult.metricText(m.before, rate: isRate), x: columns[0], y: y, width: w, align: .right)
            grid.put(CompareResult.metricText(m.after, rate: isRate), x: columns[1], y: y, width: w, align: .right)
            grid.put(m.changePercent.map { CompareResult.signed($0) + "%" } ?? "-", x: columns[2], y: y, width: w, align: .right,
                     role: m.direction == .worse ? .error : (m.direction == .better ? .success : .normal))
            grid.put(m.pValue.map(CompareResult.pValueText) ?? "-", x: columns[3], y: y, width: w, align: .right, role: .dim)
            let verdict = m.direction == .notJudged ? "not judged" : (m.significant ? "yes, " + m.direction.rawValue : "no")
            grid.put(verdict, x: columns[4] + 2, y: y, role: m.direction == .worse ? .error : (m.direction == .better ? .success : .dim))
        }
        if let note = r.notes.first { ctx.line(" " + note, y: 9, role: .dim, &grid) }

        guard !r.groups.isEmpty else {
            ctx.line(r.verdict == .regression || r.verdict == .improvement ? " where: no single group explains the change"
                                                                           : " where: nothing to localise", y: 10, role: .dim, &grid)
            return
        }
        ctx.line(" where, most of the change first (Enter: heatmap of the group)", y: 10, role: .title, &grid)
        // METRIC (short), BEFORE, AFTER, CHANGE, EXPLAINS at the right; the group takes the rest.
        let cw = 10, mw = 7
        let groupWidth = max(16, ctx.width - (mw + 1) - 3 * (cw + 1) - 9 - 1)
        let mx = groupWidth + 1, nx = mx + mw + 1
        grid.put(" GROUP", x: 0, y: 11, role: .header)
        grid.put("METRIC", x: mx, y: 11, role: .header)
        for (i, h) in ["BEFORE", "AFTER", "CHANGE"].enumerated() { grid.put(h, x: nx + i * (cw + 1), y: 11, width: cw, align: .right, role: .header) }
        grid.put("EXPLAINS", x: nx + 3 * (cw + 1), y: 11, width: 9, align: .right, role: .header)
        for i in 0..<whereRows(c, size: ctx.state.size) {
            let index = c.scroll + i
            guard r.groups.indices.contains(index) else { break }
            let group = r.groups[index], y = whereTop + i, isRate = group.metric == "error_rate"
            let name = group.fields.map { "\($0.0)=\($0.1.text)" }.joined(separator: " ")
            grid.put(" " + Columns.fit(name, groupWidth - 1, ellipsis: g.ellipsis), x: 0, y: y, width: groupWidth)
            let metric = isRate ? "errors" : String(group.metric.prefix { $0 != "(" })
            grid.put(metric, x: mx, y: y, width: mw, role: .dim)
            grid.put(CompareResult.metricText(group.before, rate: isRate), x: nx, y: y, width: cw, align: .right)
            grid.put(CompareResult.metricText(group.after, rate: isRate), x: nx + cw + 1, y: y, width: cw, align: .right)
            grid.put(group.changePercent.map { CompareResult.signed($0) + "%" } ?? "-", x: nx + 2 * (cw + 1), y: y, width: cw, align: .right)
            grid.put(Format.fixed(group.explained * 100, 0) + "%", x: nx + 3 * (cw + 1), y: y, width: 9, align: .right, role: .accent)
            if index == c.cursor { grid.paint(Rect(x: 0, y: y, width: groupWidth, height: 1), role: .cursor) }
        }
    }
}

/// Draws the `:versions` table.
enum VersionsView {
    static func draw(_ v: VersionsState, _ ctx: RenderContext, _ grid: inout ScreenGrid) {
        let g = ctx.glyphs
        ctx.line(" versions of \(v.field) in scope · Enter: compare with the one before it", y: 2, role: .title, &grid)
        let valueWidth = max(12, min(24, (v.versions.map { Columns.width($0.value.text) }.max() ?? 10) + 2))
        let serviceWidth = max(9, min(18, (v.versions.compactMap { $0.service.map(Columns.width) }.max() ?? 7) + 2))
        let x0 = valueWidth, x1 = x0 + serviceWidth, x2 = x1 + 13, w = 11
        grid.put(" VALUE", x: 0, y: 3, role: .header)
        grid.put("SERVICE", x: x0, y: 3, role: .header)
        grid.put("FIRST SEEN", x: x1, y: 3, role: .header)
        for (i, h) in ["EVENTS", "ERRORS", "P50", "P99"].enumerated() { grid.put(h, x: x2 + i * (w + 1), y: 3, width: w, align: .right, role: .header) }
        for i in 0..<Layout.listRows(ctx.state.size) {
            let index = v.scroll + i
            guard v.versions.indices.contains(index) else { break }
            let row = v.versions[index], y = Layout.listTop + i
            grid.put(" " + Columns.fit(row.value.text, valueWidth - 2, ellipsis: g.ellipsis), x: 0, y: y, width: valueWidth)
            grid.put(Columns.fit(row.service ?? "", serviceWidth - 1, ellipsis: g.ellipsis), x: x0, y: y, role: .dim)
            grid.put(Format.dayClock(row.firstSeen), x: x1, y: y)
            grid.put(CompareResult.count(row.count), x: x2, y: y, width: w, align: .right)
            grid.put(Format.fixed(row.errorRate * 100, 2) + "%", x: x2 + w + 1, y: y, width: w, align: .right,
                     role: row.errors > 0 ? .error : .dim)
            grid.put(row.p50.map { Format.fieldValue($0, field: v.metric) } ?? "-", x: x2 + 2 * (w + 1), y: y, width: w, align: .right)
            grid.put(row.p99.map { Format.fieldValue($0, field: v.metric) } ?? "-", x: x2 + 3 * (w + 1), y: y, width: w, align: .right)
            if index == v.cursor { grid.paint(Rect(x: 0, y: y, width: valueWidth, height: 1), role: .cursor) }
        }
    }
}

/// Draws the `M` list of markers.
enum MarkersView {
    static func draw(_ m: MarkersState, _ ctx: RenderContext, _ grid: inout ScreenGrid) {
        let g = ctx.glyphs
        ctx.line(" \(m.markers.count) markers of \(ctx.state.dataset) · Enter: compare before and after", y: 2, role: .title, &grid)
        grid.put(" TIME (UTC)", x: 0, y: 3, role: .header)
        grid.put("TYPE", x: 14, y: 3, role: .header)
        grid.put("AUTO", x: 26, y: 3, role: .header)
        grid.put("MESSAGE", x: 32, y: 3, role: .header)
        for i in 0..<Layout.listRows(ctx.state.size) {
            let index = m.scroll + i
            guard m.markers.indices.contains(index) else { break }
            let marker = m.markers[index], y = Layout.listTop + i
            grid.put(" " + Format.dayClock(marker.start), x: 0, y: y, width: 13)
            grid.put(Columns.fit(marker.type, 11, ellipsis: g.ellipsis), x: 14, y: y, role: .marker)
            grid.put(marker.automatic ? "yes" : "no", x: 26, y: y, role: .dim)
            grid.put(Columns.fit(marker.message + (marker.url.map { "  " + $0 } ?? ""), max(1, ctx.width - 33), ellipsis: g.ellipsis),
                     x: 32, y: y)
            if index == m.cursor { grid.paint(Rect(x: 0, y: y, width: 13, height: 1), role: .cursor) }
        }
    }
}
