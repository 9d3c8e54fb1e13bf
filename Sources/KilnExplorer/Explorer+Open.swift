import KilnCore
import KilnStore
import KilnTerminal

extension Explorer {
    /// The first state for a loaded dataset: counts, time range, heatmap computed. `lastWrite`
    /// is when the store was last written (ns), nil when unknown or there is no store.
    public static func makeState(size: TerminalSize, glyphs: GlyphSet, dataset: String, model: ExplorerModel, query: QueryState,
                                 requestedRange: TimeRange?, now: Int64, markers: [Marker] = [], lastWrite: Int64? = nil) -> ExplorerState {
        var state = ExplorerState(size: size, glyphs: glyphs, dataset: dataset, query: query, now: now)
        state.requestedRange = requestedRange
        _ = update(&state, .datasetLoaded(name: dataset, markers: markers, now: now, lastWrite: lastWrite), model: model)
        return state
    }

    /// Opens the views a permalink asks for on top of the heatmap: the BubbleUp of
    /// `selection`, its events, the first event, or a trace. Problems become a status message.
    public static func open(_ state: inout ExplorerState, view: StartView, selection: [Filter], traceID: String?,
                            model: ExplorerModel) -> [Effect] {
        if let traceID {
            var trace = buildTrace(traceID, focusRow: nil, focusSource: nil, model: model, glyphs: state.glyphs, page: Layout.listRows(state.size))
            trace.cursor = 0
            state.live = false
            push(&state, .trace(trace))
            return [.findTrace(traceID)]
        }
        guard view != .heatmap else {
            if !selection.isEmpty { state.message = .info("--select needs --view bubbleup, events or event to show it") }
            return []
        }
        if selection.isEmpty && view == .events {
            openAllEvents(&state, model: model)
            return []
        }
        guard !selection.isEmpty else {
            state.message = .error("--view \(view.rawValue) needs a selection: --select 'duration_ms >= 900'")
            return []
        }
        guard let key = state.heat.key else {
            state.message = .error("no events in the time range to select from")
            return []
        }
        let prepared = model.prepared(filters: state.query.filters, from: key.from, to: key.to, visibleRows: state.visibleRows)
        let result = prepared.run(selection: selection)
        state.live = false
        let title = selection.map(\.description).joined(separator: ", ")
        let bubble = makeBubbleUp(crumb: "selection", title: title, selection: EventSelection(selection), result: result)
        push(&state, .bubbleUp(bubble))
        if result.selectionCount == 0 { state.message = .error("the selection \(title) holds no events in this scope") }
        guard view == .events || view == .event || view == .trace else { return [] }
        var columns: [String] = [state.query.field]
        for d in result.dimensions where d.field != state.query.field { columns.append(d.field) }
        columns += result.idLike.filter { !columns.contains($0) }
        let flagged = Array(result.dimensions.filter { !$0.isNoise && !$0.selectedOn }.prefix(6).map(\.field))
        let events = makeEvents(title: "selection events", selection: EventSelection(selection), having: [], columns: columns, flagged: flagged,
                                state: state, model: model)
        push(&state, .events(events))
        guard view != .events, let first = events.rows.first else { return [] }
        let event = EventState(source: nil, row: Int(first), flagged: flagged)
        push(&state, .event(event))
        guard view == .trace else { return [] }
        var copy = event
        return eventCommand(.openTrace, &copy, &state, model: model)
    }
}
