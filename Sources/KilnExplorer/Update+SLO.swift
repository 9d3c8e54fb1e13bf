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
    static func slosLoaded(_ state: inout ExplorerState, _ slos: [SLODefinition], model: ExplorerModel) {
        guard case .slo(var list) = state.top else { return }
        let mine = slos.filter { $0.dataset == state.dataset }
        let at = sloTime(state, model: model)
        list.rows = mine.map { sloRow($0, at: at, table: model.table) }
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

    /// One SLO's status at `at` and its budget over the period, in one pass over `table`.
    /// - Complexity: O(rows × filters + m log m) for m eligible rows; the windows are prefix sums.
    static func sloRow(_ slo: SLODefinition, at: Int64, table: EventTable) -> SLOListState.Row {
        let statusWindows = SLOStatus.windows(for: slo, at: at)
        let start = at - slo.period + 1
        let points = (1...sloSparkPoints).map { i in TimeWindow(from: start, to: start + slo.period * Int64(i) / Int64(sloSparkPoints)) }
        let counts = GoodCount.count(table, eligible: slo.eligible, good: slo.good, windows: statusWindows + points)
        let status = SLOStatus(definition: slo, at: at, counts: Array(counts.prefix(statusWindows.count)))
        let allowed = status.allowedBad
        let budget = counts.suffix(points.count).map { c in allowed > 0 ? 100 - Double(c.bad) / allowed * 100 : 100 }
        return SLOListState.Row(status: status, budget: budget)
    }

    static func sloCommand(_ command: Command, _ list: inout SLOListState, _ state: inout ExplorerState, model: ExplorerModel) {
        let count = list.rows?.count ?? 0
        if move(command, cursor: &list.cursor, scroll: &list.scroll, count: count, page: max(1, Layout.listRows(state.size) / 3)) {
            replaceTop(&state, .slo(list))
            return
        }
        guard command == .select, let rows = list.rows, rows.indices.contains(list.cursor) else { return }
        // The heatmap of its eligible events.
        let slo = rows[list.cursor].status.definition
        state.query.filters = slo.eligible
        state.stack = [.heatmap]
        state.heat.anchor = nil
        recomputeHeatmap(&state, model: model)
        state.message = .info("SLO \(slo.name): its eligible events; good ones pass " + slo.good.map(\.description).joined(separator: " AND "))
    }
}
