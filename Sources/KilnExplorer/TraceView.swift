import KilnCore
import KilnTerminal

/// Draws a trace: the span tree with services, durations and bars on one time axis.
enum TraceView {
    static func serviceRole(_ name: String) -> Role { .service(Columns.hash(name)) }

    static func draw(_ t: TraceState, _ ctx: RenderContext, _ grid: inout ScreenGrid) {
        let g = ctx.glyphs
        let start = t.spans.map(\.start).min() ?? 0
        let end = t.spans.map { $0.start &+ Int64(max(0, min($0.durationMs, 1e12)) * 1e6) }.max() ?? start
        let span = max(1, end &- start)
        let all = t.allSpans.isEmpty ? t.spans : t.allSpans
        let services = Set(all.map(\.service)).count
        let errors = all.filter(\.isError).count
        let orphans = all.filter(\.isOrphan).count
        let hidden = all.count - t.spans.count
        var head = " trace " + t.traceID + " · " + Format.grouped(all.count) + " spans" + (hidden > 0 ? " (\(Format.grouped(hidden)) hidden)" : "") + " · " + "\(services) service" + (services == 1 ? "" : "s")
            + " · " + Format.milliseconds(Double(span) / 1e6)
        if errors > 0 { head += " · \(errors) error" + (errors == 1 ? "" : "s") }
        if orphans > 0 { head += " · \(orphans) orphan" + (orphans == 1 ? "" : "s") + " (parent missing)" }
        if !t.searchedAll { head += " · searching other datasets…" }
        ctx.line(head, y: 2, role: .title, &grid)

        let serviceWidth = 14, durationWidth = 9, selfWidth = 8
        let timelineWidth = max(10, ctx.width * 3 / 10)
        let nameWidth = max(12, ctx.width - serviceWidth - durationWidth - selfWidth - timelineWidth - 5)
        let sx = nameWidth + 1, dx = sx + serviceWidth + 1, fx = dx + durationWidth + 1, tx = fx + selfWidth + 2
        // The span that itself took longest stands out (its own work, not its children's).
        let slowestSelf = t.spans.indices.max { t.spans[$0].selfMs < t.spans[$1].selfMs }
        grid.put(" SPAN", x: 0, y: 3, role: .header)
        grid.put("SERVICE", x: sx, y: 3, role: .header)
        grid.put("DURATION", x: dx, y: 3, width: durationWidth, align: .right, role: .header)
        grid.put("SELF", x: fx, y: 3, width: selfWidth, align: .right, role: .header)
        grid.put("0", x: tx, y: 3, role: .axis)
        grid.put(Format.milliseconds(Double(span) / 1e6), x: tx, y: 3, width: timelineWidth, align: .right, role: .axis)

        if t.spans.isEmpty {
            grid.put("no span of this trace is loaded", x: 0, y: Layout.listTop + 1, width: ctx.width, align: .center, role: .dim)
            return
        }
        let rows = Layout.listRows(ctx.state.size)
        let full = String(g.barEighths.last ?? "#")
        let needle = t.search.flatMap { $0.isEmpty ? nil : $0.lowercased() }
        for i in 0..<rows {
            let index = t.scroll + i
            guard t.spans.indices.contains(index) else { break }
            let s = t.spans[index]
            let y = Layout.listTop + i
            var x = grid.put(" " + s.prefix, x: 0, y: y, width: nameWidth, role: .dim)
            if s.isError { x += grid.put("! ", x: x, y: y, width: nameWidth - x, role: .error) }
            if s.isOrphan { x += grid.put("? ", x: x, y: y, width: nameWidth - x, role: .warning) }
            let matches = needle.map { Explorer.spanMatches(s, $0) } ?? false
            // A collapsed span says how many spans it hides: `[+12]`.
            let fold = s.hidden > 0 ? " [+" + Format.grouped(s.hidden) + "]" : ""
            let nameRoom = max(1, nameWidth - x - Columns.width(fold))
            x += grid.put(Columns.fit(s.name, nameRoom, ellipsis: g.ellipsis), x: x, y: y, width: nameRoom,
                          role: matches ? .accent : (s.isError ? .error : (s.isOrphan ? .warning : .normal)))
            if !fold.isEmpty { grid.put(fold, x: x, y: y, width: max(0, nameWidth - x), role: .accent) }
            grid.put(Columns.fit(s.service, serviceWidth, ellipsis: g.ellipsis), x: sx, y: y, width: serviceWidth, role: serviceRole(s.service))
            grid.put(Format.milliseconds(s.durationMs), x: dx, y: y, width: durationWidth, align: .right, role: .normal)
            grid.put(Format.milliseconds(s.selfMs), x: fx, y: y, width: selfWidth, align: .right,
                     role: index == slowestSelf && s.selfMs > 0 ? .warning : .dim)
            // Fractions of the axis, clamped before any conversion to Int (hostile times).
            func unit(_ x: Double) -> Double { x.isFinite ? min(1, max(0, x)) : 0 }
            let offset = unit(Double(s.start &- start) / Double(span))
            let length = unit(max(0, min(s.durationMs, 1e12)) * 1e6 / Double(span))
            let b0 = max(0, min(timelineWidth - 1, Int(offset * Double(timelineWidth))))
            let b1 = max(b0 + 1, min(timelineWidth, Int((unit(offset + length) * Double(timelineWidth)).rounded(.up))))
            grid.put(String(repeating: full, count: b1 - b0), x: tx + b0, y: y, role: s.isError ? .error : serviceRole(s.service))
            if index == t.cursor { grid.paint(Rect(x: 0, y: y, width: tx - 1, height: 1), role: .cursor) }
        }
    }
}

/// Draws a GROUP BY table.
enum GroupsView {
    static func draw(_ gs: GroupsState, _ ctx: RenderContext, _ grid: inout ScreenGrid) {
        let g = ctx.glyphs
        let field = ctx.state.query.field
        let hasP99 = gs.groups.contains { $0.p99 != nil }
        ctx.line(" group by " + gs.field + " · " + Format.grouped(gs.groups.count) + " groups · COUNT" + (hasP99 ? ", P99(" + field + ")" : "")
                 + " · by " + gs.order.label + (gs.search.map { " · /" + $0 } ?? ""),
                 y: 2, role: .title, &grid)
        let countWidth = 12, p99Width = hasP99 ? 10 : 0
        let barWidth = max(8, ctx.width / 5)
        let valueWidth = max(10, ctx.width - countWidth - p99Width - barWidth - 5)
        let cx = valueWidth + 1, bx = cx + countWidth + 1, px = bx + barWidth + 1
        grid.put(" " + gs.field.uppercased(), x: 0, y: 3, width: valueWidth, role: .header)
        grid.put("COUNT", x: cx, y: 3, width: countWidth, align: .right, role: .header)
        if hasP99 { grid.put("P99", x: px, y: 3, width: p99Width, align: .right, role: .header) }
        let maxCount = gs.groups.map(\.count).max() ?? 0
        let rows = Layout.listRows(ctx.state.size)
        for i in 0..<rows {
            let index = gs.scroll + i
            guard gs.groups.indices.contains(index) else { break }
            let row = gs.groups[index]
            let y = Layout.listTop + i
            let text = row.value?.text ?? "null"
            let matches = gs.search.map { !$0.isEmpty && text.lowercased().contains($0.lowercased()) } ?? false
            grid.put(" " + Columns.fit(text, valueWidth - 1, ellipsis: g.ellipsis), x: 0, y: y, width: valueWidth,
                     role: matches ? .accent : (row.value == nil ? .dim : .normal))
            grid.put(Format.grouped(row.count), x: cx, y: y, width: countWidth, align: .right)
            grid.put(g.bar(fraction: maxCount > 0 ? Double(row.count) / Double(maxCount) : 0, width: barWidth), x: bx, y: y, role: .accent)
            if let p = row.p99 { grid.put(Format.fieldValue(p, field: field), x: px, y: y, width: p99Width, align: .right) }
            if index == gs.cursor { grid.paint(Rect(x: 0, y: y, width: valueWidth, height: 1), role: .cursor) }
        }
    }
}

/// Draws the dataset picker.
enum PickerView {
    static func draw(_ p: PickerState, _ ctx: RenderContext, _ grid: inout ScreenGrid) {
        let g = ctx.glyphs
        ctx.line(" this store holds \(p.datasets.count) datasets: pick one to explore", y: 2, role: .title, &grid)
        let nameWidth = max(10, min(30, (p.datasets.map { Columns.width($0.name) }.max() ?? 10) + 2))
        grid.put(" DATASET", x: 0, y: 3, role: .header)
        grid.put("EVENTS", x: nameWidth + 1, y: 3, width: 12, align: .right, role: .header)
        grid.put("FIELDS", x: nameWidth + 14, y: 3, width: 6, align: .right, role: .header)
        grid.put("FROM – TO (UTC)", x: nameWidth + 22, y: 3, role: .header)
        let rows = Layout.listRows(ctx.state.size)
        let scroll = max(0, p.cursor - rows + 1)
        for i in 0..<rows {
            let index = scroll + i
            guard p.datasets.indices.contains(index) else { break }
            let d = p.datasets[index]
            let y = Layout.listTop + i
            grid.put(" " + Columns.fit(d.name, nameWidth - 1, ellipsis: g.ellipsis), x: 0, y: y, width: nameWidth)
            grid.put(Format.grouped(d.events), x: nameWidth + 1, y: y, width: 12, align: .right)
            grid.put(String(d.fieldCount), x: nameWidth + 14, y: y, width: 6, align: .right)
            if let a = d.minTime, let b = d.maxTime {
                grid.put(Timestamp.format(a, fractionDigits: 0) + " – " + Timestamp.format(b, fractionDigits: 0), x: nameWidth + 22, y: y, role: .dim)
            }
            if index == p.cursor { grid.paint(Rect(x: 0, y: y, width: ctx.width, height: 1), role: .cursor) }
        }
    }
}
