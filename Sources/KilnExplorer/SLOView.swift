import KilnCore
import KilnTerminal

/// Draws the SLO list: per SLO, its SLI against the target, the budget left as a bar, the burn
/// rates (those of firing alerts marked) and a sparkline of the budget over its period.
enum SLOView {
    static func draw(_ list: SLOListState, _ ctx: RenderContext, _ grid: inout ScreenGrid) {
        guard let rows = list.rows else {
            ctx.line(" loading SLOs…", y: 2, role: .dim, &grid)
            return
        }
        let others = list.otherDatasets > 0 ? " (\(list.otherDatasets) more on other datasets)" : ""
        if rows.isEmpty {
            ctx.line(" no SLOs on \(ctx.state.dataset)\(others); add one with `kiln slo add NAME --dataset \(ctx.state.dataset) --good EXPR --target 99.9`",
                     y: 2, role: .dim, &grid)
            return
        }
        ctx.line(" \(rows.count) SLO\(rows.count == 1 ? "" : "s") on \(ctx.state.dataset)\(others), at \(Timestamp.format(rows[0].status.at, fractionDigits: 0))",
                 y: 2, role: .title, &grid)
        let perPage = max(1, Layout.listRows(ctx.state.size) / 3)
        for i in 0..<perPage {
            let index = list.scroll + i
            guard rows.indices.contains(index) else { break }
            drawRow(rows[index], y: Layout.listTop + 3 * i, ctx, &grid)
            if index == list.cursor { grid.paint(Rect(x: 0, y: Layout.listTop + 3 * i, width: ctx.width, height: 2), role: .cursor) }
        }
    }

    static func drawRow(_ row: SLOListState.Row, y: Int, _ ctx: RenderContext, _ grid: inout ScreenGrid) {
        let s = row.status, g = ctx.glyphs
        var x = 1
        x += grid.put(Columns.fit(s.definition.name, 24, ellipsis: g.ellipsis), x: x, y: y, role: .fieldName) + 2
        let sli = s.sli.map { Format.fixed($0, 3) + "%" } ?? "no events"
        let met = (s.sli ?? 100) >= s.definition.target.double
        x += grid.put("SLI \(sli)", x: x, y: y, role: met ? .success : .error)
        x += grid.put(" / \(s.definition.target)%  ", x: x, y: y, role: .dim)
        x += grid.put("budget ", x: x, y: y, role: .dim)
        let barWidth = 12
        let left = max(0, min(100, s.remainingPercent))
        let full = Int((left / 100 * Double(barWidth)).rounded())
        grid.put(String(repeating: String(g.barEighths.last ?? "#"), count: full), x: x, y: y, role: left > 25 ? .success : .warning)
        grid.put(String(repeating: g.isUnicode ? "·" : ".", count: barWidth - full), x: x + full, y: y, role: .dim)
        x += barWidth + 1
        x += grid.put(Format.fixed(s.remainingPercent, 1) + "%", x: x, y: y, role: s.remainingPercent > 0 ? .normal : .error) + 2
        let firing = s.alerts.filter(\.firing)
        if firing.isEmpty {
            grid.put("ok", x: x, y: y, role: .success)
        } else {
            grid.put("FIRING " + firing.map { "\($0.rule.severity.rawValue) \($0.rule.longWindow.rawValue)+\($0.rule.shortWindow.rawValue)" }.joined(separator: ", "),
                     x: x, y: y, role: .error)
        }
        // Second line: burn rates, then the budget over the period.
        let hot = Set(firing.flatMap { [$0.rule.longWindow, $0.rule.shortWindow] })
        x = 3
        x += grid.put("burn ", x: x, y: y + 1, role: .dim)
        for w in SLOWindow.allCases {
            x += grid.put(w.rawValue + " ", x: x, y: y + 1, role: .dim)
            x += grid.put(Format.fixed(s.burnRate(w), 1) + (hot.contains(w) ? "!" : ""), x: x, y: y + 1, role: hot.contains(w) ? .error : .normal) + 2
        }
        x += grid.put("budget over \(DurationText.format(s.definition.period)) ", x: x, y: y + 1, role: .dim)
        grid.put(spark(row.budget, glyphs: g), x: x, y: y + 1, role: .accent)
    }

    /// Budget left (0 to 100 percent, clamped) as a sparkline.
    static func spark(_ values: [Double], glyphs: GlyphSet) -> String {
        let ramp = glyphs.sparkline
        return String(values.map { v in ramp[Int((max(0, min(100, v)) / 100 * Double(ramp.count - 1)).rounded())] })
    }
}
