import KilnCore
import KilnTerminal

/// Draws BubbleUp: the ranked fields on the left, the highlighted field's values on the right
/// with selection and baseline bars side by side.
enum BubbleUpView {
    static func draw(_ b: BubbleUpState, _ ctx: RenderContext, _ grid: inout ScreenGrid) {
        let g = ctx.glyphs
        let r = b.result
        let total = r.selectionCount + r.baselineCount
        let share = total > 0 ? 100 * Double(r.selectionCount) / Double(total) : 0
        var summary: [StyledText] = [
            StyledText(" selection ", role: .selection),
            StyledText(Format.grouped(r.selectionCount) + " (" + Format.percent(share) + ")", role: .selection),
            StyledText("  vs  ", role: .dim),
            StyledText("baseline ", role: .baseline),
            StyledText(Format.grouped(r.baselineCount), role: .baseline),
            StyledText(" events" + (r.weighted ? " (weighted)" : "") + " · " + b.title, role: .dim),
        ]
        let used = summary.prefix(5).reduce(0) { $0 + Columns.width($1.text) }
        summary[5].text = Columns.fit(summary[5].text, max(0, ctx.width - used), ellipsis: g.ellipsis)
        grid.put(summary, x: 0, y: 2, width: ctx.width)

        let leftWidth = Layout.fieldPaneWidth(ctx.state.size)
        let top = Layout.listTop
        let rows = Layout.listRows(ctx.state.size)
        let sepX = leftWidth
        grid.verticalLine(x: sepX, y: 3, length: rows + 1, glyph: g.box.vertical, role: .border)

        // Field list.
        grid.put(" FIELD", x: 0, y: 3, role: .header)
        grid.put("DIFF", x: 0, y: 3, width: leftWidth - 1, align: .right, role: .header)
        let scoreBar = 5
        for i in 0..<rows {
            let index = b.fieldScroll + i
            guard b.entries.indices.contains(index) else { break }
            let y = top + i
            let isCursor = index == b.fieldCursor
            var role: Role = .normal
            var name = ""
            var score: Double? = nil
            switch b.entries[index] {
            case .dimension(let d):
                let dim = r.dimensions[d]
                name = dim.field
                score = dim.score
                if dim.isNoise || dim.selectedOn { role = .dim }
                if dim.selectedOn { name += " (selected on)" }
            case .combinations:
                name = String(g.bullet) + " combinations (\(r.combinations.count))"
                role = .accent
            case .idLike:
                name = String(g.bullet) + " ID-like fields (\(r.idLike.count))"
                role = .dim
            }
            let nameWidth = leftWidth - 2 - (score == nil ? 0 : scoreBar + 6)
            grid.put(" " + Columns.fit(name, nameWidth, ellipsis: g.ellipsis), x: 0, y: y, width: nameWidth + 1, role: role)
            if let score {
                grid.put(Format.fixed(score, 2), x: leftWidth - 6 - scoreBar, y: y, width: 4, align: .right, role: role == .dim ? .dim : .accent)
                grid.put(g.bar(fraction: score, width: scoreBar), x: leftWidth - 1 - scoreBar, y: y, role: role == .dim ? .dim : .selection)
            }
            if isCursor {
                grid.paint(Rect(x: 0, y: y, width: leftWidth, height: 1), role: b.focus == .fields ? .cursor : .accent)
            }
        }

        // Values of the highlighted entry.
        let x0 = sepX + 1
        let width = ctx.width - x0
        let barWidth = max(6, min(20, (width - 20) / 4))
        let pct = 6
        let labelWidth = max(6, width - 2 * (pct + 1 + barWidth) - 3)
        let selX = x0 + 1 + labelWidth + 1
        let baseX = selX + pct + 1 + barWidth + 1
        var title = ""
        switch b.entry {
        case .dimension(let d)?:
            let dim = r.dimensions[d]
            title = dim.field + " · " + dim.kind.rawValue + (dim.bins.map { " " + $0.scale.rawValue } ?? "") + " · diff " + Format.fixed(dim.score, 2)
            if dim.isNoise { title += " · noise" }
        case .combinations?: title = "combinations that single the selection out"
        case .idLike?: title = "nearly every value distinct in both groups"
        case nil: title = ""
        }
        grid.put(" " + Columns.fit(title, labelWidth, ellipsis: g.ellipsis), x: x0, y: 3, width: labelWidth + 1, role: .header)
        // Combinations: the label takes the bars' room, numbers at the right.
        let comboNumbers = 22
        let comboLabel = max(10, width - comboNumbers - 2)
        switch b.entry {
        case .idLike?: break
        case .combinations?:
            grid.put("  sel   base  ratio", x: x0 + width - 21, y: 3, role: .header)
        default:
            grid.put("selection", x: selX, y: 3, width: pct + 1 + barWidth, align: .center, role: .selection)
            grid.put("baseline", x: baseX, y: 3, width: pct + 1 + barWidth, align: .center, role: .baseline)
        }
        let valueRows = BubbleUpRows.rows(b)
        let page = BubbleUpRows.page(b, size: ctx.state.size)
        for i in 0..<page {
            let index = b.valueScroll + i
            guard valueRows.indices.contains(index) else { break }
            let y = top + i
            let row = valueRows[index]
            var label = "", sp = 0.0, bp = 0.0, role = Role.normal
            var bars = true
            switch row {
            case .value(_, let v):
                label = v.label
                sp = v.selectionPercent
                bp = v.baselinePercent
                if case .other = v.bucket { role = .dim }
                if case .value(nil) = v.bucket { role = .dim }
            case .combination(let c):
                let text = c.fields.map { $0.name + "=" + ($0.value?.text ?? "null") }.joined(separator: " & ")
                grid.put(" " + Columns.fit(text, comboLabel, ellipsis: g.ellipsis), x: x0, y: y, width: comboLabel + 1)
                let right = x0 + width - 1
                grid.put(Format.percent(c.selectionPercent), x: right - 20, y: y, width: 6, align: .right, role: .selection)
                grid.put(Format.percent(c.baselinePercent), x: right - 13, y: y, width: 6, align: .right, role: .baseline)
                grid.put("×" + Format.compact(c.riskRatio), x: right - 6, y: y, width: 6, align: .right, role: .accent)
                if index == b.valueCursor {
                    grid.paint(Rect(x: x0, y: y, width: comboLabel + 1, height: 1), role: b.focus == .values ? .cursor : .accent)
                }
                continue
            case .idField(let f):
                label = f
                bars = false
            }
            grid.put(" " + Columns.fit(label, labelWidth, ellipsis: g.ellipsis), x: x0, y: y, width: labelWidth + 1, role: role)
            if bars {
                grid.put(Format.percent(sp), x: selX, y: y, width: pct, align: .right, role: sp > bp ? .selection : .normal)
                grid.put(g.bar(fraction: sp / 100, width: barWidth), x: selX + pct + 1, y: y, role: .selection)
                grid.put(Format.percent(bp), x: baseX, y: y, width: pct, align: .right, role: bp > sp ? .baseline : .normal)
                grid.put(g.bar(fraction: bp / 100, width: barWidth), x: baseX + pct + 1, y: y, role: .baseline)
            }
            if index == b.valueCursor {
                grid.paint(Rect(x: x0, y: y, width: labelWidth + 1, height: 1), role: b.focus == .values ? .cursor : .accent)
            }
        }
        // Room left below: a dimmed preview of the next fields, so a tall terminal shows more
        // of the comparison at a glance (read-only; the field list moves to them).
        var y = top + min(page, valueRows.count - b.valueScroll) + 1
        var next = b.fieldCursor + 1
        while y + 2 < top + page, b.entries.indices.contains(next) {
            guard case .dimension(let d) = b.entries[next] else { next += 1; continue }
            let dim = r.dimensions[d]
            grid.put(" " + Columns.fit(dim.field + " · diff " + Format.fixed(dim.score, 2), width - 2, ellipsis: g.ellipsis),
                     x: x0, y: y, width: width - 1, role: .header)
            y += 1
            for v in dim.values where y < top + page {
                grid.put("  " + Columns.fit(v.label, labelWidth - 1, ellipsis: g.ellipsis), x: x0, y: y, width: labelWidth + 1, role: .dim)
                grid.put(Format.percent(v.selectionPercent), x: selX, y: y, width: pct, align: .right, role: .dim)
                grid.put(g.bar(fraction: v.selectionPercent / 100, width: barWidth), x: selX + pct + 1, y: y, role: .selection)
                grid.put(Format.percent(v.baselinePercent), x: baseX, y: y, width: pct, align: .right, role: .dim)
                grid.put(g.bar(fraction: v.baselinePercent / 100, width: barWidth), x: baseX + pct + 1, y: y, role: .baseline)
                y += 1
            }
            y += 1
            next += 1
        }
        // The highlighted row in full.
        if let row = BubbleUpRows.current(b) {
            var detail = ""
            switch row {
            case .value(let field, let v):
                detail = field + " " + v.label + ": " + Format.grouped(v.selection) + " selected, " + Format.grouped(v.baseline) + " baseline"
            case .combination(let c):
                detail = c.fields.map { $0.name + "=" + ($0.value?.text ?? "null") }.joined(separator: " & ")
                    + ": ×" + Format.fixed(c.riskRatio, 1) + " more common in the selection"
            case .idField(let f):
                detail = f + ": an id (g groups by it)"
            }
            if valueRows.count > page { detail = "[\(b.valueCursor + 1)/\(valueRows.count)] " + detail }
            let y = top + rows - 1
            grid.fill(Rect(x: x0, y: y, width: width, height: 1), role: .normal)
            grid.put(" " + Columns.fit(detail, width - 2, ellipsis: g.ellipsis), x: x0, y: y, width: width, role: .dim)
        }
    }
}
