import KilnCore
import KilnTerminal

extension Explorer {
    /// The scope the views look at: the heatmap's window and the query's filters.
    static func currentScope(_ state: ExplorerState) -> Scope? {
        guard let key = state.heat.key else { return nil }
        return Scope(from: key.from, to: key.to, filters: state.query.filters)
    }

    static func errorFilters(_ model: ExplorerModel) -> [Filter] {
        Compare.defaultError(fields: Set(model.table.columns.map(\.name)))
    }

    /// `:compare [FIELD [BEFORE AFTER]]`: the newest value of FIELD against the one it
    /// replaced (or BEFORE against AFTER), in the current scope.
    static func openCompare(field: String?, before: String?, after: String?, _ state: inout ExplorerState, model: ExplorerModel,
                            scope extra: [Filter] = []) -> String? {
        guard var scope = currentScope(state) else { return "no events in scope to compare" }
        scope.filters += extra
        let field = field ?? state.versionField
        guard model.table.column(field) != nil else { return "no field named \"\(field)\" (:compare FIELD picks another)" }
        let error = errorFilters(model)
        let versions = VersionSummary.summarize(model.table, scope: scope, field: field, metric: state.query.field, error: error)
        func find(_ text: String) -> VersionSummary? { versions.first { $0.value.text == text } }
        guard let newer = after.map(find) ?? VersionSummary.newest(versions, excluding: before.flatMap(find)?.value) else {
            return after.map { "no event in scope has \(field) = \($0)" } ?? "\(field) has no value in scope to compare"
        }
        let older: VersionSummary?
        if let before {
            older = find(before)
            if older == nil { return "no event in scope has \(field) = \(before)" }
        } else {
            let window = VersionSummary.windowBefore(newer)
            var recentScope = scope
            recentScope.from = max(scope.from ?? .min, window.from)
            recentScope.to = window.to
            let recent = VersionSummary.summarize(model.table, scope: recentScope, field: field, metric: state.query.field, error: [])
            older = VersionSummary.previous(of: newer, among: versions, recent: recent)
        }
        guard let older, older.value != newer.value else { return "\(field) has only \(newer.value.text) in scope: nothing to compare it with" }
        let request = CompareRequest(scope: scope, field: field, before: CompareSide(value: older.value), after: CompareSide(value: newer.value),
                                     metric: state.query.field, error: error)
        let result = Compare.run(CompareSamples.extract(from: model.table, request: request), field: field, metric: state.query.field,
                                 before: older.value, after: newer.value)
        let within = extra.isEmpty ? "" : " (" + extra.map(\.description).joined(separator: ", ") + ")"
        state.live = false
        var c = CompareState(title: "\(field) \(older.value.text) \(state.glyphs.isUnicode ? "→" : "->") \(newer.value.text)\(within)",
                             field: field, result: result)
        c.filters = extra
        push(&state, .compare(c))
        return nil
    }

    /// Compares around a marker: an automatic deploy marker's version against the one before
    /// it within its service; any other marker, the window after it against an equal one before.
    static func openCompare(marker: Marker, _ state: inout ExplorerState, model: ExplorerModel) -> String? {
        if let target = marker.deployTarget {
            let extra = target.service.map { [Filter(StoreNames.serviceField, .equal, [.string($0)])] } ?? []
            return openCompare(field: nil, before: nil, after: target.version, &state, model: model, scope: extra)
        }
        guard let scope = currentScope(state), let newest = model.timeBounds(visibleRows: state.visibleRows)?.1 else {
            return "no events in scope to compare"
        }
        let end = min(scope.to ?? .max, newest &+ 1)
        let span = end - marker.start
        guard span > 0 else { return "no events after the marker" }
        let before = (marker.start - span)..<marker.start, after = marker.start..<end
        let request = CompareRequest(scope: scope, field: state.versionField, before: CompareSide(from: before.lowerBound, to: before.upperBound),
                                     after: CompareSide(from: after.lowerBound, to: after.upperBound), metric: state.query.field,
                                     error: errorFilters(model))
        let result = Compare.run(CompareSamples.extract(from: model.table, request: request), field: state.versionField, metric: state.query.field,
                                 before: nil, after: nil)
        state.live = false
        var c = CompareState(title: "before and after \(marker.message) (\(Format.clock(marker.start)))", field: state.versionField, result: result)
        c.windows = (before, after)
        push(&state, .compare(c))
        return nil
    }

    /// `c` on the heatmap: compares at the marker under the cursor's column.
    static func compareAtCursor(_ state: inout ExplorerState, model: ExplorerModel) {
        guard let map = state.heat.map, map.timeBuckets > 0 else {
            state.message = .error("no heatmap to find a marker on")
            return
        }
        let t = state.heat.cursor.t
        let edges = map.timeEdges
        let near = state.markers.filter { m in
            guard let b = (0..<map.timeBuckets).first(where: { m.start >= edges[$0] && m.start < edges[$0 + 1] }) else { return false }
            return abs(b - t) <= 1
        }
        guard let marker = near.max(by: { $0.start < $1.start }) else {
            state.message = .info("no marker under the cursor; M lists the markers, :compare compares the latest version")
            return
        }
        if let failure = openCompare(marker: marker, &state, model: model) { state.message = .error(failure) }
    }

    /// `M`: the markers of the dataset.
    static func openMarkers(_ state: inout ExplorerState) {
        guard !state.markers.isEmpty else {
            state.message = .info("no markers in \(state.dataset) (kiln marker add, or deploys of a new \(state.versionField))")
            return
        }
        push(&state, .markers(MarkersState(markers: state.markers.sorted { ($0.start, $0.id ?? 0) < ($1.start, $1.id ?? 0) })))
    }

    /// `:versions`: every value of the version field in scope.
    static func openVersions(field: String?, _ state: inout ExplorerState, model: ExplorerModel) -> String? {
        guard let scope = currentScope(state) else { return "no events in scope" }
        let field = field ?? state.versionField
        guard model.table.column(field) != nil else { return "no field named \"\(field)\"" }
        let versions = VersionSummary.summarize(model.table, scope: scope, field: field, metric: state.query.field, error: errorFilters(model))
        guard !versions.isEmpty else { return "no event in scope has \(field)" }
        push(&state, .versions(VersionsState(field: field, metric: state.query.field, versions: versions)))
        return nil
    }

    static func compareCommand(_ command: Command, _ c: inout CompareState, _ state: inout ExplorerState, model: ExplorerModel) {
        let groups = c.result.groups
        if move(command, cursor: &c.cursor, scroll: &c.scroll, count: groups.count, page: CompareView.whereRows(c, size: state.size)) {
            replaceTop(&state, .compare(c))
            return
        }
        guard command == .select else { return }
        guard groups.indices.contains(c.cursor) else {
            state.message = .info("no group to open: the comparison found no change to localise")
            return
        }
        // The heatmap of the group, the new version told apart by filtering to it.
        let group = groups[c.cursor]
        c.savedQuery = state.query
        replaceTop(&state, .compare(c))
        var filters = state.query.filters
        for f in c.filters where !filters.contains(f) { filters.append(f) }
        for (field, value) in group.fields where !filters.contains(Filter(field, .equal, [value])) {
            filters.append(Filter(field, .equal, [value]))
        }
        var shown = "the group"
        if let after = c.result.after.value {
            filters.append(Filter(c.field, .equal, [after]))
            shown = "\(c.field) \(after.text)"
        }
        if let windows = c.windows {
            state.query.range = .between(windows.before.lowerBound, windows.after.upperBound)
        }
        state.query.filters = filters
        push(&state, .heatmap)
        state.heat.anchor = nil
        state.heat.key = nil
        recomputeHeatmap(&state, model: model)
        // The cursor on the group's busiest cell of its newest column, so Enter has events.
        if let map = state.heat.map, let t = (0..<map.timeBuckets).last(where: { map.totals[$0] > 0 }) {
            let v = (0..<map.valueBuckets).max { map.count(time: t, value: $0) < map.count(time: t, value: $1) } ?? 0
            state.heat.cursor = GridPoint(t: t, v: v)
        }
        state.message = .info("heatmap of \(shown) in this group; q goes back to the comparison")
    }

    static func versionsCommand(_ command: Command, _ v: inout VersionsState, _ state: inout ExplorerState, model: ExplorerModel) {
        if move(command, cursor: &v.cursor, scroll: &v.scroll, count: v.versions.count, page: Layout.listRows(state.size)) {
            replaceTop(&state, .versions(v))
            return
        }
        guard command == .select || command == .compare, v.versions.indices.contains(v.cursor) else { return }
        let chosen = v.versions[v.cursor]
        if let failure = openCompare(field: v.field, before: nil, after: chosen.value.text, &state, model: model) {
            state.message = .error(failure)
        }
    }

    static func markersCommand(_ command: Command, _ m: inout MarkersState, _ state: inout ExplorerState, model: ExplorerModel) {
        if move(command, cursor: &m.cursor, scroll: &m.scroll, count: m.markers.count, page: Layout.listRows(state.size)) {
            replaceTop(&state, .markers(m))
            return
        }
        guard command == .select || command == .compare, m.markers.indices.contains(m.cursor) else { return }
        if let failure = openCompare(marker: m.markers[m.cursor], &state, model: model) { state.message = .error(failure) }
    }

    /// Leaving the group heatmap opened from a `where` row brings back the comparison's query.
    static func restoreAfterGroupHeatmap(_ state: inout ExplorerState, model: ExplorerModel) {
        guard case .compare(var c) = state.top, let saved = c.savedQuery else { return }
        c.savedQuery = nil
        replaceTop(&state, .compare(c))
        state.query = saved
        state.heat.anchor = nil
        state.heat.key = nil
        recomputeHeatmap(&state, model: model)
    }
}
