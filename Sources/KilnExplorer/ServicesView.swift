import KilnCore
import KilnTerminal

/// Draws the services table: per service its rate, error rate and P50/P95/P99 with their
/// change against the previous window, and its rate over the range as a sparkline.
enum ServicesView {
    /// Column positions for a width: name, then fixed numeric columns, then the sparkline.
    /// Below 100 columns the changes of the error rate and of P99 are left out, so the
    /// sparkline keeps a useful width. Each entry: title, x, width, and which figure (0 rate,
    /// 1 rate change, 2 error rate, 3 its change, 4-6 P50/P95/P99, 7 P99 change).
    static func columns(_ width: Int) -> (name: Int, numbers: [(title: String, x: Int, width: Int, figure: Int)], spark: Int) {
        let narrow = width < 100
        let name = width >= 120 ? 24 : (narrow ? 12 : 14)
        var x = 1 + name + 1
        var out: [(String, Int, Int, Int)] = []
        let all = [("RATE/S", 7, 0), ("Δ", 5, 1), ("ERRORS", 7, 2), ("Δ", 7, 3), ("P50", 7, 4), ("P95", 7, 5), ("P99", 7, 6), ("Δ", 5, 7)]
        for (title, w, figure) in all where !(narrow && (figure == 3 || figure == 7)) {
            out.append((title, x, narrow ? w - 1 : w, figure))
            x += (narrow ? w - 1 : w) + 1
        }
        return (name, out, x + 1)
    }

    /// Sparkline buckets that fit beside the columns in `width`.
    static func sparkBuckets(_ width: Int) -> Int { max(4, min(60, width - columns(width).spark - 1)) }

    static func draw(_ list: ServicesListState, _ ctx: RenderContext, _ grid: inout ScreenGrid) {
        let report = list.report, g = ctx.glyphs
        let r = report.request
        let range = Format.timeRange(r.from, r.to, dash: g.isUnicode ? "–" : "-")
        let against = list.previousCovered ? " · Δ against the \(Format.span(r.to - r.from)) before" : " · no Δ: the events before are not loaded"
        ctx.line(" \(report.services.count) services, \(range)\(against)", y: 2, role: .title, &grid)
        let (nameWidth, numbers, sparkX) = columns(ctx.width)
        grid.put("SERVICE", x: 1, y: 3, role: .header)
        for c in numbers { grid.put(c.title, x: c.x, y: 3, width: c.width, align: .right, role: .header) }
        grid.put(ctx.width < 100 ? "SPANS/S" : "SPANS/S OVER THE RANGE", x: sparkX, y: 3, width: max(0, ctx.width - sparkX), role: .header)
        guard !report.services.isEmpty else {
            ctx.line(" no spans with a service.name in scope", y: Layout.listTop, role: .dim, &grid)
            return
        }
        for i in 0..<Layout.listRows(ctx.state.size) {
            let index = list.scroll + i
            guard report.services.indices.contains(index) else { break }
            let s = report.services[index], y = Layout.listTop + i
            let change = report.change(s)
            grid.put(Columns.fit(s.name, nameWidth, ellipsis: g.ellipsis), x: 1, y: y, role: TraceView.serviceRole(s.name))
            let errorRole: Role = (s.current.errorRate ?? 0) > 0.01 ? .error : .normal
            let cells: [(String, Role)] = [
                (Format.compact(report.rate(s.current)), .normal),
                (list.previousCovered ? ServicesReport.percent(change.rate) : "", .dim),
                (s.current.errorRate.map { Format.percent($0 * 100) } ?? "-", errorRole),
                (list.previousCovered ? ServicesReport.points(change.errorRate) : "", (change.errorRate ?? 0) > 0.005 ? .error : .dim),
                (s.current.p50.map(Format.milliseconds) ?? "-", .normal),
                (s.current.p95.map(Format.milliseconds) ?? "-", .normal),
                (s.current.p99.map(Format.milliseconds) ?? "-", .normal),
                (list.previousCovered ? ServicesReport.percent(change.p99) : "", (change.p99 ?? 0) > 0.2 ? .warning : .dim),
            ]
            for c in numbers { grid.put(cells[c.figure].0, x: c.x, y: y, width: c.width, align: .right, role: cells[c.figure].1) }
            if sparkX < ctx.width - 1 {
                grid.put(spark(s.series, glyphs: g), x: sparkX, y: y, width: ctx.width - sparkX - 1, role: .accent)
            }
            if index == list.cursor { grid.paint(Rect(x: 0, y: y, width: nameWidth + 1, height: 1), role: .cursor) }
        }
    }

    /// Counts as a sparkline scaled to their largest.
    static func spark(_ values: [Double], glyphs: GlyphSet) -> String {
        let ramp = glyphs.sparkline, top = values.max() ?? 0
        guard top > 0 else { return String(repeating: ramp[0], count: values.count) }
        return String(values.map { v in v <= 0 ? ramp[0] : ramp[max(1, Int((v / top * Double(ramp.count - 1)).rounded(.up)))] })
    }
}

/// Draws the service map as laid out by ``ServiceMapLayout``.
enum ServiceMapView {
    static func draw(_ m: ServiceMapState, _ ctx: RenderContext, _ grid: inout ScreenGrid) {
        let layout = ServiceMapLayout.make(m.map, width: ctx.width, glyphs: ctx.glyphs)
        let shape = layout.kind == .layered ? "callers → callees" : "call tree per entry service"
        ctx.line(" \(m.map.edges.count) calls between services (\(shape)) · label: calls, errors, P99 of the callee's spans", y: 2, role: .title, &grid)
        if m.map.orphans > 0 {
            ctx.line(" \(Format.grouped(m.map.orphans)) spans have a parent outside the loaded events", y: 3, role: .dim, &grid)
        }
        guard !layout.rows.isEmpty else {
            ctx.line(" no calls between services in scope (spans need trace.trace_id, trace.span_id, trace.parent_id, service.name)",
                     y: Layout.listTop, role: .dim, &grid)
            return
        }
        for i in 0..<Layout.listRows(ctx.state.size) {
            let index = m.scroll + i
            guard layout.rows.indices.contains(index) else { break }
            let y = Layout.listTop + i
            for run in layout.rows[index].runs {
                grid.put(run.text.text, x: run.x, y: y, width: max(0, ctx.width - run.x), role: run.text.role)
            }
            if index == m.cursor {
                grid.put(String(ctx.glyphs.pointer), x: 0, y: y)
                grid.paint(Rect(x: 0, y: y, width: ctx.width, height: 1), role: .cursor)
            }
        }
    }
}
