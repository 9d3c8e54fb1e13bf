import KilnCore
import KilnTerminal

/// Draws the count histogram the root view shows for a dataset without a duration (like lnav's
/// histogram): events per round time bucket as bars, the failed ones (`error = true` or a status
/// of 500 or more) at the foot of each bar in the error colour.
enum HistogramView {
    /// Round bucket widths, smallest first (ns).
    static let steps: [Int64] = [1, 5, 10, 30, 60, 300, 600, 900, 1800, 3600, 3 * 3600, 6 * 3600, 12 * 3600, 86_400, 7 * 86_400]
        .map { $0 * 1_000_000_000 }

    /// The smallest round bucket width that puts `[from, to)` in at most `columns` buckets.
    static func step(from: Int64, to: Int64, columns: Int) -> Int64 {
        let span = max(1, to &- from)
        for s in steps where span / s + 2 <= Int64(max(1, columns)) { return s }
        return steps[steps.count - 1]
    }

    /// Screen columns per bucket: the plot's width shared by the buckets.
    static func columnWidth(_ map: Heatmap, plot: Rect) -> Int {
        max(1, plot.width / max(1, map.timeBuckets))
    }

    /// Events of bucket `t` (weighted), whether or not they hold the heatmap's field.
    static func count(_ map: Heatmap, _ t: Int) -> Int64 { map.totals[t] &+ map.outside[t] }

    static func draw(_ ctx: RenderContext, _ grid: inout ScreenGrid) {
        let s = ctx.state
        let plot = Layout.plot(s.size)
        let g = ctx.glyphs
        guard let map = s.heat.map, map.timeBuckets > 0, s.heat.scopeEvents > 0 else {
            HeatmapView.emptyNotice(ctx, &grid, plot: plot)
            return
        }
        let nt = map.timeBuckets
        let w = columnWidth(map, plot: plot)
        let barWidth = w > 2 ? w - 1 : w
        let top = max(1, (0..<nt).map { count(map, $0) }.max() ?? 1)
        let failed = s.heat.errors.reduce(0, &+)
        let step = map.timeEdges[1] - map.timeEdges[0]
        let full = String(g.barEighths.last ?? "#")

        var legend: [StyledText] = [StyledText(" events per " + DurationText.format(step), role: .title),
                                    StyledText("   " + full + " events", role: .info)]
        if let slo = s.heat.slo {
            // An SLO's heatmap as counts: its bad events at the foot of each bar.
            let share = s.heat.scopeEvents > 0 ? 100 * Double(slo.badTotal) / Double(s.heat.scopeEvents) : 0
            legend.append(StyledText("   " + full + " " + Format.grouped(slo.badTotal) + " bad (" + Format.percent(share) + ")", role: .error))
            legend.append(StyledText(" in red", role: .dim))
            if !slo.firingAtStart.isEmpty {
                legend.append(StyledText("   firing from the start: " + slo.firingAtStart.map(\.key).joined(separator: ", "), role: .error))
            }
        } else if failed > 0 || !s.heat.errors.isEmpty {
            legend.append(StyledText("   " + full + " " + Format.grouped(failed) + (failed == 1 ? " error" : " errors"), role: .error))
            legend.append(StyledText(" (status >= 500 or error = true)", role: .dim))
        }
        grid.put(legend, x: 0, y: 2, width: grid.width)

        // Count axis: the top, the middle and zero.
        let bottom = plot.y + plot.height - 1
        for y in plot.y...bottom {
            grid.put(String(y == bottom ? g.box.teeLeft : g.box.vertical), x: Layout.axisWidth - 1, y: y, role: .axis)
        }
        for (fraction, y) in [(1.0, plot.y), (0.5, plot.y + plot.height / 2), (0, bottom)] {
            grid.put(String(g.box.teeLeft), x: Layout.axisWidth - 1, y: y, role: .axis)
            grid.put(Format.compact(Double(top) * fraction), x: 0, y: y, width: Layout.axisWidth - 2, align: .right, role: .axis)
        }

        // Bars: height in eighths of a row, the failed part at the foot.
        let units = plot.height * 8
        func eighths(_ n: Int64) -> Int { n > 0 ? max(1, Int((Double(n) / Double(top) * Double(units)).rounded())) : 0 }
        let cursor = s.heat.cursor.t
        let box = s.heat.anchor != nil ? s.heat.box.time : nil
        for t in 0..<nt {
            let n = count(map, t)
            let bar = eighths(n)
            let bad = t < s.heat.errors.count ? min(bar, eighths(s.heat.errors[t])) : 0
            for row in 0..<plot.height {
                let filled = min(8, max(0, bar - row * 8))
                guard filled > 0 else { break }
                let glyph = filled == 8 ? full : String(g.sparkGlyph(Double(filled) / 8))
                let role: Role = box?.contains(t) == true ? .selection : (t == cursor ? .cursor : (row * 8 < bad ? .error : .info))
                for dx in 0..<barWidth { grid.put(glyph, x: plot.x + t * w + dx, y: bottom - row, role: role) }
            }
        }

        // The moments the SLO's alerts start firing: a line above the bar, labelled at the top.
        var labelsTaken: [Range<Int>] = []
        for onset in s.heat.slo?.onsets ?? [] {
            guard let t = HeatmapView.bucket(onset.at, map.timeEdges) else { continue }
            let x = plot.x + t * w
            let filledRows = (eighths(count(map, t)) + 7) / 8
            for row in filledRows..<plot.height { grid.put(String(g.markerLine), x: x, y: bottom - row, role: .error) }
            let label = onset.label
            let length = Columns.width(label) + 1
            let right = x + length < plot.x + nt * w
            let span = right ? (x + 1)..<(x + 1 + length) : (x - length)..<x
            guard span.lowerBound >= plot.x, !labelsTaken.contains(where: { $0.overlaps(span) }) else { continue }
            grid.put(right ? " " + label : label + " ", x: span.lowerBound, y: plot.y, role: .error)
            labelsTaken.append(span)
        }

        // Time axis.
        let axisY = bottom + 1
        grid.put(String(g.box.bottomLeft), x: Layout.axisWidth - 1, y: axisY, role: .axis)
        grid.horizontalLine(x: plot.x, y: axisY, length: nt * w, glyph: g.box.horizontal, role: .axis)
        let from = map.timeEdges[0], to = map.timeEdges[nt]
        let labelWidth = Columns.width(Format.time(from, from: from, to: to))
        var nextFree = 0
        for t in 0..<nt {
            let x = plot.x + t * w
            guard x >= nextFree, x + labelWidth <= grid.width else { continue }
            let tick = map.timeEdges[t]
            grid.put(String(g.box.teeDown), x: x, y: axisY, role: .axis)
            grid.put(Format.time(tick, from: from, to: to), x: x, y: axisY + 1, role: .axis)
            nextFree = x + labelWidth + 2
        }
        if let box {
            for t in box { for dx in 0..<barWidth { grid.put(String(g.focusedBox.horizontal), x: plot.x + t * w + dx, y: axisY, role: .selection) } }
        }
        if cursor < nt { grid.put(String(g.arrowUp), x: plot.x + cursor * w, y: axisY, role: .cursor) }
    }

    /// The status line: the bucket (or buckets of the box) under the cursor and its counts.
    static func drawStatus(_ ctx: RenderContext, _ grid: inout ScreenGrid, y: Int) {
        let s = ctx.state
        guard let map = s.heat.map, map.timeBuckets > 0 else { return }
        let box = s.heat.box.time
        var events: Int64 = 0, errors: Int64 = 0
        for t in box where t < map.timeBuckets {
            events &+= count(map, t)
            if t < s.heat.errors.count { errors &+= s.heat.errors[t] }
        }
        let window = (map.timeEdges[0], map.timeEdges[map.timeBuckets])
        let range = Format.preciseRange(map.timeEdges[box.lowerBound], map.timeEdges[min(box.upperBound, map.timeBuckets)], dash: "–", window: window)
        let what = range + " · " + Format.grouped(events) + (events == 1 ? " event" : " events")
            + (s.heat.errors.isEmpty ? "" : ", " + Format.grouped(errors) + (errors == 1 ? " error" : " errors"))
        let boxed = s.heat.anchor != nil
        grid.put([StyledText(boxed ? " box " : " cursor ", role: boxed ? .selection : .dim),
                  StyledText(what, role: boxed ? .selection : .normal),
                  StyledText(boxed ? "  Enter: BubbleUp · Esc: drop" : "  Space: box · Enter: BubbleUp", role: .dim)], x: 0, y: y, width: grid.width)
    }
}
