import KilnCore

extension Explorer {
    /// `:services` (or `s` on the heatmap): the services in the heatmap's time range and filters,
    /// from the events held.
    static func openServices(_ state: inout ExplorerState, model: ExplorerModel) {
        guard let scope = currentScope(state), let from = scope.from, let to = scope.to else {
            state.message = .info("no events in scope")
            return
        }
        let table = model.table
        let request = ServicesRequest(from: from, to: to, filters: scope.filters, buckets: ServicesView.sparkBuckets(state.size.width))
        let report = Services.summarize(table, fields: SpanFields.resolve(table.columns.map(\.name)), request: request)
        let covered = model.window.contains(TimeWindow(from: request.previousFrom, to: request.from))
        var list = ServicesListState(report: report, previousCovered: covered)
        if case .services(let old) = state.top {
            list.cursor = min(old.cursor, max(0, report.services.count - 1))
            replaceTop(&state, .services(list))
        } else {
            push(&state, .services(list))
        }
    }

    /// `:map`: the service map of the heatmap's time range and filters, from the events held.
    static func openServiceMap(_ state: inout ExplorerState, model: ExplorerModel) {
        guard let scope = currentScope(state) else {
            state.message = .info("no events in scope")
            return
        }
        let table = model.table
        let map = ServiceMap.build(table, fields: SpanFields.resolve(table.columns.map(\.name)), scope: scope)
        var view = ServiceMapState(map: map)
        let rows = ServiceMapLayout.make(map, width: state.size.width, glyphs: state.glyphs).rows
        view.cursor = rows.firstIndex { $0.edge != nil } ?? 0
        if case .serviceMap = state.top { replaceTop(&state, .serviceMap(view)) } else { push(&state, .serviceMap(view)) }
    }

    static func servicesCommand(_ command: Command, _ list: inout ServicesListState, _ state: inout ExplorerState, model: ExplorerModel) {
        let services = list.report.services
        if move(command, cursor: &list.cursor, scroll: &list.scroll, count: services.count, page: Layout.listRows(state.size)) {
            replaceTop(&state, .services(list))
            return
        }
        if command == .focusNext {
            openServiceMap(&state, model: model)
            return
        }
        guard command == .select, services.indices.contains(list.cursor) else { return }
        let name = services[list.cursor].name
        openFilteredHeatmap([Filter(FieldName.serviceName, .equal, .string(name))], &state, model: model,
                            message: "heatmap of service \(name); q goes back to the services")
    }

    static func serviceMapCommand(_ command: Command, _ view: inout ServiceMapState, _ state: inout ExplorerState, model: ExplorerModel) {
        let rows = ServiceMapLayout.make(view.map, width: state.size.width, glyphs: state.glyphs).rows
        if move(command, cursor: &view.cursor, scroll: &view.scroll, count: rows.count, page: Layout.listRows(state.size)) {
            replaceTop(&state, .serviceMap(view))
            return
        }
        if command == .focusNext {
            openServices(&state, model: model)
            return
        }
        guard command == .select, rows.indices.contains(view.cursor) else { return }
        guard let i = rows[view.cursor].edge else {
            state.message = .info("highlight a call (an arrow) to open its heatmap")
            return
        }
        let edge = view.map.edges[i]
        // The callee's spans whose parent span is of the caller: a derived field makes them a filter.
        model.deriveParentService()
        openFilteredHeatmap([Filter(FieldName.serviceName, .equal, .string(edge.to)),
                             Filter(ServiceMap.parentServiceField, .equal, .string(edge.from))], &state, model: model,
                            message: "heatmap of the calls \(edge.from) → \(edge.to); q goes back to the map")
    }

    /// Pushes a heatmap of the current scope narrowed by `added`; `q` restores the filters.
    static func openFilteredHeatmap(_ added: [Filter], _ state: inout ExplorerState, model: ExplorerModel, message: String) {
        let previous = state.query.filters
        state.query.filters += added.filter { !state.query.filters.contains($0) }
        push(&state, .heatmap)
        state.savedFilters[state.stack.count] = previous
        state.heat.anchor = nil
        recomputeHeatmap(&state, model: model)
        state.message = .info(message)
    }
}
