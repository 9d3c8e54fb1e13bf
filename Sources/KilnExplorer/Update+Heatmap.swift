import KilnCore
import KilnTerminal

extension Explorer {
    /// The time window the heatmap shows: `[from, to)` in ns, or nil when there is no data.
    /// A `last` range ends at the clock rounded up to a whole column, so columns stay put as
    /// time passes; while paused it stays where it was.
    static func window(_ state: ExplorerState, model: ExplorerModel, columns: Int) -> (Int64, Int64)? {
        switch state.query.range {
        case .all:
            guard let b = model.timeBounds(visibleRows: state.visibleRows) else { return nil }
            return (b.0, b.1 == Int64.max ? b.1 : b.1 + 1)
        case .between(let a, let b):
            return b > a ? (a, b) : nil
        case .last(let d):
            if !state.live, let k = state.heat.key, k.query.range == state.query.range, k.columns == columns {
                return (k.from, k.to)
            }
            let n = Int64(max(1, columns))
            let width = max(1, d / n)
            let (span, overflow) = width.multipliedReportingOverflow(by: n)
            guard !overflow, state.now > Int64.min / 2 else { return nil }
            var end = state.now / width * width
            if end < state.now { end = end &+ width }
            let (from, o2) = end.subtractingReportingOverflow(span)
            return o2 ? nil : (from, end)
        }
    }

    /// Computes the heatmap again when anything it depends on changed (query, window, size,
    /// rows); plain cursor moves never get here.
    /// Fields whose values of 500 or more mark a failed request.
    static let statusFields = ["http.status_code", "status", "http.status", "response.status"]

    /// Failed events per time column of `edges` (weighted): `error = true` or a status field of
    /// 500 or more. Empty when the table has none of these fields.
    /// - Complexity: O(scope rows) per error field, O(failed rows × log columns) to bucket them.
    static func errorCounts(_ table: EventTable, scope: RowSet, edges: [Int64]) -> [Int64] {
        var conditions: [Filter] = []
        if table.column("error") != nil { conditions.append(Filter("error", .equal, .bool(true))) }
        for name in statusFields where table.column(name) != nil { conditions.append(Filter(name, .greaterOrEqual, .int(500))) }
        guard !conditions.isEmpty, edges.count >= 2 else { return [] }
        var failed = Set<UInt32>()
        for c in conditions { failed.formUnion(scope.filtered(by: [c], in: table).rows) }
        return columnCounts(table, rows: failed, edges: edges)
    }

    /// Weighted rows per time column of `edges`.
    /// - Complexity: O(rows × log columns)
    static func columnCounts<S: Sequence>(_ table: EventTable, rows: S, edges: [Int64]) -> [Int64] where S.Element == UInt32 {
        guard edges.count >= 2 else { return [] }
        var counts = [Int64](repeating: 0, count: edges.count - 1)
        for row in rows {
            let t = table.timestamps[Int(row)]
            // The column whose [edge, next edge) holds t.
            var lo = 0, hi = edges.count - 1
            while hi - lo > 1 {
                let mid = (lo + hi) / 2
                if edges[mid] <= t { lo = mid } else { hi = mid }
            }
            guard t >= edges[0], t <= edges[edges.count - 1] else { continue }
            counts[lo] &+= table.sampleRate(Int(row))
        }
        return counts
    }

    static func recomputeHeatmap(_ state: inout ExplorerState, model: ExplorerModel) {
        guard case .heatmap = state.stack.first else { return }
        let plot = Layout.plot(state.size)
        let columns = plot.width, rows = plot.height
        guard let (from, to) = window(state, model: model, columns: columns) else {
            state.heat.map = nil
            state.heat.key = nil
            state.heat.scopeEvents = 0
            state.heat.totalEvents = model.weight(visibleRows: state.visibleRows)
            state.heat.newest = nil
            return
        }
        let key = HeatmapKey(query: state.query, from: from, to: to, columns: columns, rows: rows, visibleRows: state.visibleRows)
        if key == state.heat.key, state.heat.map != nil { return }
        let oldColumns = state.heat.map?.timeBuckets ?? 0
        let oldRows = state.heat.map?.valueBuckets ?? 0
        let scope = model.scopeRows(filters: state.query.filters, from: from, to: to, visibleRows: state.visibleRows)
        var options = HeatmapOptions(timeBuckets: columns, valueBuckets: rows, scale: .log)
        options.from = from
        options.to = to
        if state.query.histogram {
            // Round buckets (an hour, 15 minutes ...) as many as fit, counted whatever their fields.
            options.granularity = HistogramView.step(from: from, to: to, columns: columns)
            options.valueBuckets = 1
        }
        let map = Heatmap.compute(model.table, rows: scope, field: state.query.field, options: options)
        state.heat.map = map
        state.heat.errors = errorCounts(model.table, scope: scope, edges: map.timeEdges)
        countSLOBadEvents(&state, scope: scope, model: model)
        state.heat.key = key
        state.heat.scopeEvents = model.weight(scope)
        state.heat.totalEvents = model.weight(visibleRows: state.visibleRows)
        state.heat.newest = model.timeBounds(visibleRows: state.visibleRows)?.1
        // Keep the cursor where it was, scaled when the grid changed size.
        let nt = map.timeBuckets, nv = map.valueBuckets
        func scale(_ p: GridPoint) -> GridPoint {
            var q = p
            if oldColumns > 0, oldColumns != nt { q.t = p.t * nt / oldColumns }
            if oldRows > 0, oldRows != nv { q.v = p.v * nv / oldRows }
            return GridPoint(t: max(0, min(q.t, nt - 1)), v: max(0, min(q.v, nv - 1)))
        }
        if oldColumns == 0 {
            state.heat.cursor = GridPoint(t: max(0, nt - 1), v: max(0, nv / 2))
        } else {
            state.heat.cursor = scale(state.heat.cursor)
            state.heat.anchor = state.heat.anchor.map(scale)
        }
        if state.live { state.heat.cursor.t = max(0, nt - 1) }
    }

    static func heatmapCommand(_ command: Command, _ state: inout ExplorerState, model: ExplorerModel) {
        guard let map = state.heat.map, map.timeBuckets > 0, map.valueBuckets > 0 else {
            if command == .select || command == .anomaly { state.message = .error("nothing to select: no events in this time range") }
            return
        }
        let nt = map.timeBuckets, nv = map.valueBuckets
        var c = state.heat.cursor
        // The proposal's note describes that box only.
        if command != .select { state.heat.proposal = nil }
        switch command {
        case .left: c.t -= 1
        case .right: c.t += 1
        case .up: c.v += 1
        case .down: c.v -= 1
        case .pageUp: c.t -= 10
        case .pageDown: c.t += 10
        case .top: c.t = 0
        case .anchor:
            if state.heat.anchor == nil {
                state.heat.anchor = c
                pause(&state)
            } else {
                state.heat.anchor = nil
                state.message = .info("box dropped")
            }
            return
        case .select:
            let boxless = state.heat.anchor == nil
            let depth = state.stack.count
            selectBox(&state, map: map, model: model)
            if boxless && state.stack.count > depth {
                state.message = .info("no box drawn: BubbleUp of the cursor cell (Space anchors a box)")
            }
            return
        case .zoomIn:
            let box = state.heat.box
            let t0 = map.timeEdges[box.time.lowerBound], t1 = map.timeEdges[box.time.upperBound]
            guard t1 > t0 else { return }
            state.zoomStack.append(state.query.range)
            state.query.range = .between(t0, t1)
            state.live = false
            rescope(&state, model: model)
            state.message = .info("zoomed to " + Format.timeRange(t0, t1, dash: "–") + " UTC (Z zooms out)")
            return
        case .zoomOut:
            guard let previous = state.zoomStack.popLast() else {
                state.message = .info("not zoomed in (z zooms to the box or the cursor's column)")
                return
            }
            state.query.range = previous
            if case .between = previous {} else {
                state.live = true
                state.visibleRows = state.totalRows
            }
            rescope(&state, model: model)
            state.message = .info("zoomed out")
            return
        case .anomaly:
            if state.query.histogram {
                state.message = .info("a looks for slow regions: :field NAME shows a heatmap of a numeric field first")
                return
            }
            guard let box = Anomaly.find(map) else {
                state.message = .info("nothing stands out: the slow tail is spread evenly over time")
                return
            }
            state.heat.anchor = GridPoint(t: box.time.lowerBound, v: box.value.lowerBound)
            state.heat.cursor = GridPoint(t: box.time.upperBound - 1, v: box.value.upperBound - 1)
            pause(&state)
            state.heat.proposal = box.ratio.map { "\(Format.fixed($0, 1))× the usual rate" } ?? "unseen elsewhere"
            return
        default:
            return
        }
        c.t = max(0, min(c.t, nt - 1))
        c.v = max(0, min(c.v, nv - 1))
        state.heat.cursor = c
        if c.t < nt - 1 || state.heat.anchor != nil { pause(&state) }
    }

    /// BubbleUp of the box (or the cursor cell) against the rest of the scope.
    static func selectBox(_ state: inout ExplorerState, map: Heatmap, model: ExplorerModel) {
        guard let key = state.heat.key else { return }
        let box = state.heat.box
        let filters = state.query.histogram ? Array(map.boxFilters(time: box.time, value: box.value).prefix(2))
            : map.boxFilters(time: box.time, value: box.value)
        let prepared = model.prepared(filters: state.query.filters, from: key.from, to: key.to, visibleRows: state.visibleRows)
        let result = prepared.run(selection: filters)
        guard result.selectionCount > 0 else {
            state.message = .error("the box holds no events; draw it over coloured cells (Space anchors a corner)")
            return
        }
        let t0 = map.timeEdges[box.time.lowerBound], t1 = map.timeEdges[box.time.upperBound]
        let v0 = map.valueEdges[box.value.lowerBound], v1 = map.valueEdges[box.value.upperBound]
        let window = (map.timeEdges[0], map.timeEdges[map.timeBuckets])
        var title = Format.timeRange(t0, t1, dash: "–", window: window)
        if !state.query.histogram {
            title += " · " + state.query.field + " " + Format.fieldValue(v0, field: state.query.field) + "–" + Format.fieldValue(v1, field: state.query.field)
        }
        pause(&state)
        push(&state, .bubbleUp(makeBubbleUp(crumb: "selection", title: title, selection: EventSelection(filters), result: result)))
    }

    static func makeBubbleUp(crumb: String, title: String, selection: EventSelection, result: BubbleUpResult) -> BubbleUpState {
        var entries: [BubbleUpEntry] = result.dimensions.indices.map { .dimension($0) }
        if !result.combinations.isEmpty {
            // Combinations go right after the fields that carry a signal.
            let strong = result.dimensions.firstIndex { $0.isNoise || $0.selectedOn } ?? result.dimensions.count
            entries.insert(.combinations, at: min(strong, 3))
        }
        if !result.idLike.isEmpty { entries.append(.idLike) }
        return BubbleUpState(crumb: crumb, title: title, selection: selection, result: result, entries: entries)
    }

    static func mouse(_ state: inout ExplorerState, _ event: MouseEvent, model: ExplorerModel) -> [Effect] {
        guard state.prompt == nil, state.help == nil else { return [] }
        switch event.kind {
        case .wheelUp: return run(.up, &state, model: model)
        case .wheelDown: return run(.down, &state, model: model)
        default: break
        }
        guard case .heatmap = state.top, let map = state.heat.map, map.timeBuckets > 0 else {
            if case .click(1) = event.kind { return listClick(&state, y: event.y) }
            return []
        }
        let plot = Layout.plot(state.size)
        // The histogram's buckets are several columns wide and as tall as the plot.
        let w = state.query.histogram ? HistogramView.columnWidth(map, plot: plot) : 1
        let rows = state.query.histogram ? plot.height : map.valueBuckets
        let t = max(0, min((event.x - plot.x) / w, map.timeBuckets - 1))
        let v = max(0, min(plot.y + plot.height - 1 - event.y, map.valueBuckets - 1))
        let inside = event.x >= plot.x && event.x < plot.x + map.timeBuckets * w && event.y >= plot.y && event.y < plot.y + rows
        switch event.kind {
        case .press(1):
            guard inside else { return [] }
            state.heat.proposal = nil
            state.heat.cursor = GridPoint(t: t, v: v)
            state.heat.anchor = GridPoint(t: t, v: v)
            state.heat.dragging = true
            pause(&state)
        case .move:
            guard state.heat.dragging else { return [] }
            state.heat.cursor = GridPoint(t: t, v: v)
        case .release(1):
            guard state.heat.dragging else { return [] }
            state.heat.cursor = GridPoint(t: t, v: v)
            state.heat.dragging = false
            if state.heat.anchor == state.heat.cursor { state.heat.anchor = nil }
        case .click(1), .doubleClick(1):
            guard inside else { return [] }
            state.heat.cursor = GridPoint(t: t, v: v)
            state.heat.dragging = false
            if case .doubleClick = event.kind { selectBox(&state, map: map, model: model) }
        default:
            break
        }
        return []
    }

    /// A click on a list row moves the cursor there.
    static func listClick(_ state: inout ExplorerState, y: Int) -> [Effect] {
        let row = y - Layout.listTop
        guard row >= 0, row < Layout.listRows(state.size) else { return [] }
        switch state.top {
        case .events(var e):
            e.cursor = min(e.rows.count - 1, e.scroll + row)
            replaceTop(&state, .events(e))
        case .trace(var t):
            t.cursor = min(t.spans.count - 1, t.scroll + row)
            replaceTop(&state, .trace(t))
        case .groups(var g):
            g.cursor = min(g.groups.count - 1, g.scroll + row)
            replaceTop(&state, .groups(g))
        default:
            break
        }
        return []
    }
}
