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
