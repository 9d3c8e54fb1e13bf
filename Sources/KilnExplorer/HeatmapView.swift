#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import KilnCore
import KilnTerminal

/// Draws the heatmap: value axis, heat cells, cursor and box, time axis with markers, the
/// per-column event counts as a sparkline, and a legend.
enum HeatmapView {
    /// Heat level 1...9 of a non-empty cell, on a log scale up to `max` (counts above it are 9).
    static func level(_ count: Int64, max: Int64) -> Int {
        guard count > 0 else { return 0 }
        guard max > 1 else { return 5 }
        let f = log(Double(Swift.min(count, max))) / log(Double(max))
        return min(9, 1 + Int((f * 8).rounded(.down)))
    }

    /// The count the colour scale tops out at: the 99th percentile of the non-empty cells, so
    /// that a burst in a few cells does not wash out every other cell (those above it show at
    /// the top level).
    /// - Complexity: O(c log c) for c non-empty cells.
    static func scaleTop(_ map: Heatmap) -> Int64 {
        var counts: [Int64] = []
        for t in 0..<map.timeBuckets {
            for v in 0..<map.valueBuckets {
                let c = map.count(time: t, value: v)
                if c > 0 { counts.append(c) }
            }
        }
        guard !counts.isEmpty else { return map.maxCount }
        counts.sort()
        return max(1, counts[min(counts.count - 1, counts.count * 99 / 100)])
    }

    static func draw(_ ctx: RenderContext, _ grid: inout ScreenGrid) {
        let s = ctx.state
        let plot = Layout.plot(s.size)
        let g = ctx.glyphs
        guard let map = s.heat.map, map.timeBuckets > 0, map.valueBuckets > 0, s.heat.scopeEvents > 0, map.maxCount > 0 else {
            emptyNotice(ctx, &grid, plot: plot)
            return
        }
        let nt = map.timeBuckets, nv = map.valueBuckets
        let maxCount = scaleTop(map)
        let field = s.query.field

        // Legend line.
        var legend: [StyledText] = [StyledText(" " + field, role: .title), StyledText(map.scale == .log ? " (log scale)" : "", role: .dim)]
        legend.append(StyledText("   1 ", role: .dim))
        for l in [1, 4, 6, 9] { legend.append(StyledText(String(g.heatGlyph(level: l)), role: .heat(l))) }
        legend.append(StyledText(" " + Format.grouped(maxCount) + (maxCount < map.maxCount ? "+" : "") + " per cell", role: .dim))
        let failed = s.heat.errors.reduce(0, &+)
        let slo = s.heat.slo
        if let slo {
            let share = s.heat.scopeEvents > 0 ? 100 * Double(slo.badTotal) / Double(s.heat.scopeEvents) : 0
            legend.append(StyledText("   " + Format.grouped(slo.badTotal) + " bad (" + Format.percent(share) + ")", role: .error))
            legend.append(StyledText(" in red", role: .dim))
            if !slo.firingAtStart.isEmpty {
                legend.append(StyledText("   firing from the start: " + slo.firingAtStart.map(\.key).joined(separator: ", "), role: .error))
            }
        } else if failed > 0 {
            legend.append(StyledText("   " + Format.grouped(failed) + (failed == 1 ? " error" : " errors"), role: .error))
            legend.append(StyledText(" in red below", role: .dim))
        }
        let visibleMarkers = s.markers.filter { $0.start >= map.timeEdges[0] && $0.start < map.timeEdges[nt] }
        // The moments the SLO's alerts start firing, drawn like markers in the error colour.
        let alertMarkers = (slo?.onsets ?? []).map { Marker(start: $0.at, message: $0.label, type: "alert") }
            .filter { $0.start >= map.timeEdges[0] && $0.start < map.timeEdges[nt] }
        if let m = visibleMarkers.last {
            let text = "   " + String(g.markerLine) + " " + (m.type.isEmpty ? "" : m.type + ": ") + m.message + " " + Format.clock(m.start)
            legend.append(StyledText(text, role: .marker))
        }
        grid.put(legend, x: 0, y: 2, width: grid.width)

        // Value axis.
        let bottom = plot.y + nv - 1
        for v in 0..<nv {
            let y = bottom - v
            let labelled = v % 3 == 0 || v == nv - 1
            grid.put(String(labelled ? g.box.teeLeft : g.box.vertical), x: Layout.axisWidth - 1, y: y, role: .axis)
            guard labelled else { continue }
            let edge = v == nv - 1 ? map.valueEdges[nv] : map.valueEdges[v]
            grid.put(Format.fieldValue(edge, field: field), x: 0, y: y, width: Layout.axisWidth - 2, align: .right, role: .axis)
        }

        // Cells.
        let box = s.heat.anchor != nil ? s.heat.box : nil
        let dot: String = g.isUnicode ? "·" : "."
        for t in 0..<nt {
            for v in 0..<nv {
                let c = map.count(time: t, value: v)
                let l = level(c, max: maxCount)
                let x = plot.x + t, y = bottom - v
                if let box, box.time.contains(t), box.value.contains(v) {
                    grid.put(c > 0 ? String(g.heatGlyph(level: max(l, 3))) : dot, x: x, y: y, role: .selection)
                } else if let slo, c > 0, t * nv + v < slo.bad.count, slo.bad[t * nv + v] > 0 {
                    grid.put(String(g.heatGlyph(level: max(l, 3))), x: x, y: y, role: .error)
                } else if c > 0 {
                    grid.put(String(g.heatGlyph(level: l)), x: x, y: y, role: .heat(l))
                }
            }
        }
        // Markers through empty cells.
        for m in visibleMarkers {
            guard let t = bucket(m.start, map.timeEdges) else { continue }
            for v in 0..<nv where map.count(time: t, value: v) == 0 && !(box?.time.contains(t) == true && box?.value.contains(v) == true) {
                grid.put(String(g.markerLine), x: plot.x + t, y: bottom - v, role: .marker)
            }
        }
        for m in alertMarkers {
            guard let t = bucket(m.start, map.timeEdges) else { continue }
            for v in 0..<nv where map.count(time: t, value: v) == 0 && !(box?.time.contains(t) == true && box?.value.contains(v) == true) {
                grid.put(String(g.markerLine), x: plot.x + t, y: bottom - v, role: .error)
            }
        }
        drawMarkerLabels(visibleMarkers + alertMarkers, map: map, plot: plot, box: box, glyphs: g, &grid)
        // Cursor.
        let cur = s.heat.cursor
        if cur.t < nt, cur.v < nv {
            let c = map.count(time: cur.t, value: cur.v)
            let glyph = c > 0 ? String(g.heatGlyph(level: max(3, level(c, max: maxCount)))) : (g.isUnicode ? "┼" : "+")
            grid.put(glyph, x: plot.x + cur.t, y: bottom - cur.v, role: .cursor)
        }

        // Time axis, ticks, labels.
        let axisY = bottom + 1
        grid.put(String(g.box.bottomLeft), x: Layout.axisWidth - 1, y: axisY, role: .axis)
        grid.horizontalLine(x: plot.x, y: axisY, length: nt, glyph: g.box.horizontal, role: .axis)
        let from = map.timeEdges[0], to = map.timeEdges[nt]
        let span = to - from
        let labelWidth = Columns.width(Format.time(from, from: from, to: to))
        let step = tickStep(span: span, columns: nt, labelWidth: labelWidth)
        var nextFree = 0
        if step > 0 {
            var tick = from / step * step
            if tick < from { tick += step }
            while tick < to {
                if let t = bucket(tick, map.timeEdges) {
                    let x = plot.x + t
                    grid.put(String(g.box.teeDown), x: x, y: axisY, role: .axis)
                    let label = Format.time(tick, from: from, to: to)
                    let lx = max(plot.x, x - labelWidth / 2)
                    if lx >= nextFree, lx + labelWidth <= grid.width {
                        grid.put(label, x: lx, y: axisY + 1, role: .axis)
                        nextFree = lx + labelWidth + 1
                    }
                }
                let (n, o) = tick.addingReportingOverflow(step)
                if o { break }
                tick = n
            }
        }
        for m in visibleMarkers + alertMarkers {
            if let t = bucket(m.start, map.timeEdges) { grid.put(String(g.markerLine), x: plot.x + t, y: axisY, role: m.type == "alert" ? .error : .marker) }
        }
        if let box {
            // The box's time extent under the axis.
            for t in box.time { grid.put(String(g.focusedBox.horizontal), x: plot.x + t, y: axisY, role: .selection) }
            for v in box.value { grid.put(String(g.focusedBox.vertical), x: Layout.axisWidth - 1, y: bottom - v, role: .selection) }
        }
        // The cursor's column and row marked on both axes, so it is found at a glance.
        if cur.t < nt, cur.v < nv {
            grid.put(String(g.arrowUp), x: plot.x + cur.t, y: axisY, role: .cursor)
            grid.put(String(g.arrowRight), x: Layout.axisWidth - 1, y: bottom - cur.v, role: .cursor)
        }

        // Events per column as a sparkline.
        let sparkY = axisY + 2
        grid.put("events", x: 0, y: sparkY, width: Layout.axisWidth - 2, align: .right, role: .axis)
        let columnMax = map.totals.indices.map { map.totals[$0] &+ map.outside[$0] }.max() ?? 0
        for t in 0..<nt {
            let n = map.totals[t] &+ map.outside[t]
            guard n > 0, columnMax > 0 else { continue }
            let hasErrors = t < s.heat.errors.count && s.heat.errors[t] > 0
            grid.put(String(g.sparkGlyph(Double(n) / Double(columnMax))), x: plot.x + t, y: sparkY,
                     role: box?.time.contains(t) == true ? .selection : (hasErrors ? .error : .info))
        }
    }

    /// The status line: what is under the cursor, or the box being drawn.
    static func drawStatus(_ ctx: RenderContext, _ grid: inout ScreenGrid, y: Int) {
        let s = ctx.state
        guard let map = s.heat.map, map.timeBuckets > 0, map.valueBuckets > 0 else { return }
        let field = s.query.field
        let box = s.heat.box
        var events: Int64 = 0
        for t in box.time { for v in box.value { events &+= map.count(time: t, value: v) } }
        let t0 = map.timeEdges[box.time.lowerBound], t1 = map.timeEdges[box.time.upperBound]
        let v0 = map.valueEdges[box.value.lowerBound], v1 = map.valueEdges[box.value.upperBound]
        let window = (map.timeEdges[0], map.timeEdges[map.timeBuckets])
        let range = Format.preciseRange(t0, t1, dash: "–", window: window) + " · " + Format.fieldValue(v0, field: field) + "–" + Format.fieldValue(v1, field: field)
        var runs: [StyledText]
        if s.heat.anchor != nil {
            let note = s.heat.proposal.map { " · " + $0 } ?? ""
            runs = [StyledText(s.heat.proposal != nil ? " proposed box " : " box ", role: .selection),
                    StyledText(range + " · " + Format.grouped(events) + (events == 1 ? " event" : " events") + note, role: .selection),
                    StyledText("  Enter: BubbleUp · Esc: drop", role: .dim)]
        } else {
            runs = [StyledText(" cursor ", role: .dim), StyledText(range + " · " + Format.grouped(events) + (events == 1 ? " event" : " events"), role: .normal),
                    StyledText("  Space: box · a: anomaly", role: .dim)]
        }
        grid.put(runs, x: 0, y: y, width: grid.width)
    }

    /// Instead of an empty plot: why there is nothing, and what to do.
    static func emptyNotice(_ ctx: RenderContext, _ grid: inout ScreenGrid, plot: Rect) {
        let s = ctx.state
        var lines: [String] = []
        if s.heat.scopeEvents > 0 {
            lines = ["no numeric values of \(s.query.field) in these \(Format.grouped(s.heat.scopeEvents)) events",
                     ":field NAME shows another numeric field (Tab completes names)"]
        } else if s.visibleRows == 0 {
            lines = ["no events in \(s.dataset) yet", "waiting for data (kiln ingest --follow writes here)"]
        } else {
            var what = "no events"
            switch s.query.range {
            case .last(let d): what += " in the last " + Format.span(d)
            case .between: what += " in this time range"
            case .all: what += ""
            }
            if !s.query.filters.isEmpty { what += " matching the filters" }
            lines.append(what)
            if let newest = ctx.model.timeBounds(visibleRows: s.visibleRows)?.1 {
                lines.append("newest event: " + Timestamp.format(newest, fractionDigits: 0) + " (" + Format.ago(max(0, s.now &- newest)) + ")")
            }
            lines.append(":since all shows every event" + (s.query.filters.isEmpty ? "" : "; :clear drops the filters"))
        }
        let top = plot.y + max(0, plot.height / 2 - lines.count / 2)
        for (i, line) in lines.enumerated() {
            grid.put(line, x: 0, y: top + i, width: grid.width, align: .center, role: i == 0 ? .warning : .dim)
        }
    }

    /// The column holding time `t`, nil outside.
    static func bucket(_ t: Int64, _ edges: [Int64]) -> Int? {
        guard let first = edges.first, let last = edges.last, t >= first, t < last else { return nil }
        var lo = 0, hi = edges.count - 1
        while hi - lo > 1 {
            let mid = (lo + hi) / 2
            if edges[mid] <= t { lo = mid } else { hi = mid }
        }
        return lo
    }

    /// A round tick interval leaving room for labels of `labelWidth` columns.
    static func tickStep(span: Int64, columns: Int, labelWidth: Int) -> Int64 {
        guard span > 0, columns > 0 else { return 0 }
        let s: Int64 = 1_000_000_000
        let steps: [Int64] = [1_000_000, 10_000_000, 100_000_000, s, 2 * s, 5 * s, 10 * s, 15 * s, 30 * s, 60 * s, 120 * s, 300 * s,
                              600 * s, 900 * s, 1800 * s, 3600 * s, 7200 * s, 10_800 * s, 21_600 * s, 43_200 * s, 86_400 * s,
                              172_800 * s, 604_800 * s, 2_592_000 * s]
        let perColumn = Double(span) / Double(columns)
        let minColumns = Double(labelWidth + 3)
        for step in steps where Double(step) / perColumn >= minColumns { return step }
        return steps.last ?? 0
    }
}
