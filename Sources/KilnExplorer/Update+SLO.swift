import KilnCore

extension Explorer {
    /// Points of the budget sparkline.
    static let sloSparkPoints = 24

    /// Opens the SLO list and asks the run loop for the store's SLOs.
    static func openSLOs(_ state: inout ExplorerState) -> [Effect] {
        if case .slo = state.top { return [.loadSLOs] }
        push(&state, .slo(SLOListState()))
        return [.loadSLOs]
    }

    /// Fills the SLO list on top of the stack with `slos` evaluated over the loaded events.
    static func slosLoaded(_ state: inout ExplorerState, _ slos: [SLODefinition], counts: [String: [GoodCount]] = [:], model: ExplorerModel) {
        guard case .slo(var list) = state.top else { return }
        let mine = slos.filter { $0.dataset == state.dataset }
        let at = sloTime(state, model: model)
        list.rows = mine.map { slo in
            let windows = sloWindows(slo, at: at)
            let c = counts[slo.name] ?? GoodCount.count(model.table, eligible: slo.eligible, good: slo.good, windows: windows.status + windows.points)
            return sloRow(slo, at: at, counts: c, statusWindows: windows.status.count)
        }
        list.otherDatasets = slos.count - mine.count
        clampList(cursor: &list.cursor, scroll: &list.scroll, count: mine.count, page: max(1, Layout.listRows(state.size) / 3))
        replaceTop(&state, .slo(list))
    }

    /// The moment SLOs are evaluated at: the end of the time range looked at (the newest event
    /// for the whole span, the clock for the last N minutes).
    static func sloTime(_ state: ExplorerState, model: ExplorerModel) -> Int64 {
        switch state.query.range {
        case .last: return state.now
        case .between(_, let to): return to - 1
        case .all: return model.timeBounds(visibleRows: state.visibleRows)?.1 ?? state.now
        }
    }

    /// The windows an SLO is evaluated over at `at`: its status windows (the period and the
    /// burn-rate windows), then the points of the budget sparkline.
    static func sloWindows(_ slo: SLODefinition, at: Int64) -> (status: [TimeWindow], points: [TimeWindow]) {
        let start = at - slo.period + 1
        let points = (1...sloSparkPoints).map { i in TimeWindow(from: start, to: start + slo.period * Int64(i) / Int64(sloSparkPoints)) }
        return (SLOStatus.windows(for: slo, at: at), points)
    }

    /// One SLO's status at `at` and its budget over the period, from its counts over
    /// ``sloWindows(_:at:)`` (the first `statusWindows` of them for the status).
    static func sloRow(_ slo: SLODefinition, at: Int64, counts: [GoodCount], statusWindows: Int) -> SLOListState.Row {
        let status = SLOStatus(definition: slo, at: at, counts: Array(counts.prefix(statusWindows)))
        let allowed = status.allowedBad
        let budget = counts.dropFirst(statusWindows).map { c in allowed > 0 ? 100 - Double(c.bad) / allowed * 100 : 100 }
        return SLOListState.Row(status: status, budget: budget)
    }

    static func sloCommand(_ command: Command, _ list: inout SLOListState, _ state: inout ExplorerState, model: ExplorerModel) {
        let count = list.rows?.count ?? 0
        if move(command, cursor: &list.cursor, scroll: &list.scroll, count: count, page: max(1, Layout.listRows(state.size) / 3)) {
            replaceTop(&state, .slo(list))
            return
        }
        guard command == .select || command == .sloBubbleUp, let rows = list.rows, rows.indices.contains(list.cursor) else { return }
        let slo = rows[list.cursor].status.definition
        openSLOHeatmap(slo, &state, model: model)
        if command == .sloBubbleUp { openSLOBubbleUp(&state, model: model) }
    }

    /// Pushes the heatmap of an SLO's eligible events with its bad events told apart (`q` comes
    /// back to the SLO list and the scope before).
    static func openSLOHeatmap(_ slo: SLODefinition, _ state: inout ExplorerState, model: ExplorerModel) {
        let previous = state.query.filters
        state.query.filters = slo.eligible
        push(&state, .heatmap)
        state.savedFilters[state.stack.count] = previous
        state.heat.anchor = nil
        state.heat.slo = SLOHeatmapState(definition: slo, depth: state.stack.count)
        state.heat.key = nil
        recomputeHeatmap(&state, model: model)
        let good = slo.good.map(\.description).joined(separator: " AND ")
        state.message = .info("SLO \(slo.name): bad events (not \(good)) in red; b: what they have in common")
    }

    /// `b` on an SLO's heatmap: BubbleUp of its bad events (eligible and not good) against its
    /// good ones, over the heatmap's time range.
    static func openSLOBubbleUp(_ state: inout ExplorerState, model: ExplorerModel) {
        guard let slo = state.heat.slo?.definition else {
            state.message = .info("b compares an SLO's bad events with its good ones: open an SLO first (S)")
            return
        }
        guard let key = state.heat.key else {
            state.message = .error("no eligible events of SLO \(slo.name) in this time range")
            return
        }
        let selection = EventSelection.not(slo.good)
        let prepared = model.prepared(filters: state.query.filters, from: key.from, to: key.to, visibleRows: state.visibleRows)
        let result = prepared.run(selection)
        guard result.selectionCount > 0 else {
            state.message = .info("SLO \(slo.name) has no bad events in this time range")
            return
        }
        pause(&state)
        let window = (key.from, key.to)
        let title = "SLO \(slo.name): bad (\(selection.description)) vs good · " + Format.timeRange(key.from, key.to, dash: "–", window: window)
        push(&state, .bubbleUp(makeBubbleUp(crumb: "SLO \(slo.name) bad events", title: title, selection: selection, result: result)))
    }

    /// Recounts the bad events of the SLO on the heatmap, cell by cell (after the heatmap was
    /// computed over `scope`).
    static func countSLOBadEvents(_ state: inout ExplorerState, scope: RowSet, model: ExplorerModel) {
        guard var slo = state.heat.slo, let map = state.heat.map else { return }
        let bad = EventSelection.not(slo.definition.good).rows(in: scope, table: model.table)
        slo.bad = map.cellCounts(of: bad, in: model.table)
        slo.badTotal = model.weight(bad)
        state.heat.slo = slo
        // The events sparkline marks the columns holding bad events.
        let nv = map.valueBuckets
        state.heat.errors = state.query.histogram ? columnCounts(model.table, rows: bad.rows, edges: map.timeEdges)
            : (0..<map.timeBuckets).map { t in slo.bad[(t * nv)..<((t + 1) * nv)].reduce(0, &+) }
    }

    /// Asks for the SLO's counts at the heatmap's column edges when they are not the ones its
    /// alerts were evaluated at.
    static func sloAlertsToCount(_ state: inout ExplorerState, model: ExplorerModel) -> [Effect] {
        guard var slo = state.heat.slo, let map = state.heat.map, map.timeBuckets > 0 else { return [] }
        let times = SLOHeatmapState.times(edges: map.timeEdges)
        guard times != slo.times else { return [] }
        slo.times = times
        slo.onsets = nil
        slo.firingAtStart = []
        state.heat.slo = slo
        return [.countSLOAlerts(slo.definition, times: times)]
    }

    /// The SLO's counts at ``SLOHeatmapState/times`` arrived: finds where its alerts start firing.
    static func sloAlertsCounted(_ state: inout ExplorerState, name: String, times: [Int64], counts: [GoodCount]) {
        guard var slo = state.heat.slo, slo.definition.name == name, slo.times == times,
              counts.count == times.count * SLOWindow.allCases.count else { return }
        slo.onsets = SLOAlertOnset.find(slo.definition, times: times, counts: counts)
        // Rules firing at the moment before the range: their onset is earlier.
        var first: [SLOWindow: GoodCount] = [:]
        for (j, w) in SLOWindow.allCases.enumerated() { first[w] = counts[j] }
        slo.firingAtStart = SLOAlertRule.workbook.filter { $0.fires(first, target: slo.definition.target) }
        state.heat.slo = slo
    }
}
