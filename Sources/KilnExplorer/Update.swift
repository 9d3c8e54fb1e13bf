import KilnCore
import KilnTerminal

/// The explorer's pure core (update, render) and its entry point (``run(configuration:)``).
public enum Explorer {
    /// Applies `action` to `state` and returns what the run loop should do.
    ///
    /// Pure apart from the model's caches: the same state, action and table always give the
    /// same result. Time comes in through actions, never from a clock.
    public static func update(_ state: inout ExplorerState, _ action: Action, model: ExplorerModel) -> [Effect] {
        let effects = handle(&state, action, model: model)
        // Whatever moved the heatmap's columns, the SLO on it is evaluated at the new ones.
        return effects + sloAlertsToCount(&state, model: model)
    }

    static func handle(_ state: inout ExplorerState, _ action: Action, model: ExplorerModel) -> [Effect] {
        switch action {
        case .keyPressed(let key):
            if key == .escape, state.loading != nil, state.prompt == nil, state.help == nil {
                return cancelLoading(&state, model: model)
            }
            let range = state.query.range
            var effects = keyPressed(&state, key, model: model)
            if state.query.range != range && !state.quitting { effects += reloadIfNeeded(&state, model: model) }
            return effects
        case .loadProgress(let loaded, let total):
            loadProgress(&state, loaded: loaded, total: total)
            return []
        case .markersLoaded(let markers, let field):
            state.markers = markers
            state.versionField = field
            return []
        case .windowLoaded(let window, let now):
            windowLoaded(&state, window: window, now: now, model: model)
            return []
        case .resized(let size):
            state.size = size
            recomputeHeatmap(&state, model: model)
            clampViews(&state, model: model)
            return []
        case .tick(let now):
            state.now = now
            if state.live { recomputeHeatmap(&state, model: model) }
            return []
        case .dataRefreshed(let total, let now):
            state.now = now
            if total > state.totalRows { state.lastArrival = now }
            state.totalRows = total
            state.sampled = model.table.isSampled
            if state.live {
                state.visibleRows = total
                recomputeHeatmap(&state, model: model)
            }
            return []
        case .datasetLoaded(let name, let markers, let now, let lastWrite):
            if case .picker(let p) = state.stack.first { state.picker = p }
            state.savedFilters = [:]
            state.dataset = name
            state.markers = markers
            state.now = now
            state.totalRows = model.table.count
            state.visibleRows = model.table.count
            state.sampled = model.table.isSampled
            state.stack = [.heatmap]
            state.heat = HeatmapState()
            state.live = true
            state.loading = nil
            state.loadedWindow = model.window
            state.message = nil
            noteHeldPart(&state, model: model)
            state.lastArrival = arrivalAtOpen(lastWrite: lastWrite, model: model, visibleRows: state.visibleRows, now: now)
            state.query.range = defaultRange(requested: state.requestedRange, model: model, visibleRows: state.visibleRows, now: now,
                                             lastWrite: lastWrite)
            // The duration the dataset names for its spans, unless a field was asked for.
            if state.query.field == FieldName.duration, let named = model.traceFields.duration, model.table.column(named) != nil {
                state.query.field = named
            }
            let field = numericField(preferring: state.query.field, in: model.table)
            state.query.histogram = false
            if let field, field == state.query.field || isDurationLike(field) {
                if field != state.query.field {
                    state.message = .info("no numeric \(state.query.field) here; the heatmap shows \(field) (:field NAME picks another)")
                    state.query.field = field
                }
            } else if model.table.count > 0 {
                // No duration to draw a heatmap of (an access log): counts over time, errors marked.
                state.query.histogram = true
                state.message = .info("no duration here: events over time, errors in red" + (field.map { " (:field \($0) shows a heatmap)" } ?? ""))
            }
            state.loadedRange = state.query.range
            recomputeHeatmap(&state, model: model)
            return reloadIfNeeded(&state, model: model)
        case .traceSearched(let id):
            guard case .trace(let old) = state.top, old.traceID == id else { return [] }
            var t = buildTrace(id, focusRow: old.focusRow, focusSource: old.focusSource, model: model, glyphs: state.glyphs, page: Layout.listRows(state.size))
            if old.focusRow == nil || t.allSpans.count == old.allSpans.count {
                t.cursor = min(old.cursor, max(0, t.spans.count - 1))
                t.scroll = old.scroll
            }
            if !old.collapsed.isEmpty {
                // Keep what was folded, and the cursor on its span.
                if old.spans.indices.contains(old.cursor), let i = t.spans.firstIndex(where: { $0.key == old.spans[old.cursor].key }) {
                    t.cursor = i
                }
                t.collapsed = old.collapsed
                applyCollapse(&t, page: Layout.listRows(state.size))
            }
            replaceTop(&state, .trace(t))
            if t.spans.isEmpty { state.message = .error("no span of trace \(id) in this store") }
            return []
        case .slosLoaded(let slos, let counts):
            slosLoaded(&state, slos, counts: counts, model: model)
            return []
        case .sloAlertsCounted(let name, let times, let counts):
            sloAlertsCounted(&state, name: name, times: times, counts: counts)
            return []
        case .failed(let text):
            if state.loading != nil { _ = cancelLoading(&state, model: model) }
            state.message = .error(text)
            return []
        }
    }

    /// How long after the last arrival of events the status line still says `LIVE` (60 s in ns);
    /// after that it says `IDLE` until events arrive again.
    public static let arrivalWindow: Int64 = 60 * 1_000_000_000

    /// The newest event may be this far from the clock (10 min in ns) for the data to count as
    /// arriving when the explorer opens.
    static let recentData: Int64 = 10 * 60 * 1_000_000_000

    /// When events last arrived, as far as can be told on opening: the store's last write
    /// (`lastWrite`, ns) when it is within ``arrivalWindow`` of `now` and the newest event is
    /// within 10 minutes of `now`; else nil (old data, a store nobody writes to, no store).
    public static func arrivalAtOpen(lastWrite: Int64?, model: ExplorerModel, visibleRows: Int, now: Int64) -> Int64? {
        guard let lastWrite, now &- lastWrite <= arrivalWindow, lastWrite &- now <= arrivalWindow,
              let bounds = model.timeBounds(visibleRows: visibleRows),
              bounds.1 >= now &- recentData, bounds.1 <= now &+ recentData else { return nil }
        return lastWrite
    }

    /// The range to start with: the one asked for; or the last 2 hours when data is arriving
    /// (see ``arrivalAtOpen(lastWrite:model:visibleRows:now:)``), else the data's whole span,
    /// so the first screen is never empty.
    public static func defaultRange(requested: TimeRange?, model: ExplorerModel, visibleRows: Int, now: Int64,
                                    lastWrite: Int64?) -> TimeRange {
        if let requested { return requested }
        let twoHours: Int64 = 2 * 3_600 * 1_000_000_000
        guard model.timeBounds(visibleRows: visibleRows) != nil else { return .last(twoHours) }
        return arrivalAtOpen(lastWrite: lastWrite, model: model, visibleRows: visibleRows, now: now) != nil ? .last(twoHours) : .all
    }

    /// Words in the names of fields that hold durations.
    static let durationWords = ["duration", "latency", "elapsed", "response_time", "request_time", "time"]

    /// Whether `field` is named like a duration (a heatmap of it makes sense).
    static func isDurationLike(_ field: String) -> Bool {
        let name = field.lowercased()
        return durationWords.contains { name.contains($0) }
    }

    /// `preferred` when the table has numbers in it; else the numeric field that looks most
    /// like a latency (`duration`, `latency`, `elapsed`, `time` in its name), else the numeric
    /// field with the most distinct values; nil when there is no numeric field at all.
    static func numericField(preferring preferred: String, in table: EventTable) -> String? {
        func numbers(_ c: Column) -> Int {
            c.dictionary.kindCounts[Int(ValueKind.int.rawValue)] + c.dictionary.kindCounts[Int(ValueKind.float.rawValue)]
        }
        if let c = table.column(preferred), numbers(c) > 0 { return preferred }
        let numeric = table.columns.filter { numbers($0) > 0 }
        for word in durationWords {
            if let c = numeric.first(where: { $0.name.lowercased().contains(word) }) { return c.name }
        }
        return numeric.max { numbers($0) != numbers($1) ? numbers($0) < numbers($1) : $0.name > $1.name }?.name
    }

    // MARK: Keys

    static func context(of screen: Screen) -> KeyContext {
        switch screen {
        case .heatmap: return .heatmap
        case .bubbleUp: return .bubbleUp
        case .events: return .events
        case .event: return .event
        case .trace: return .trace
        case .groups: return .groups
        case .picker: return .picker
        case .compare: return .compare
        case .versions: return .versions
        case .markers: return .markers
        case .slo: return .slo
        case .services: return .services
        case .serviceMap: return .serviceMap
        }
    }

    static func keyPressed(_ state: inout ExplorerState, _ key: Key, model: ExplorerModel) -> [Effect] {
        switch key {
        case .endOfInput:
            state.quitting = true
            return [.quit]
        case .resize, .unknown:
            return []
        case .mouse(let event):
            // A press or a click is the user acting, like a key: the old message goes.
            switch event.kind {
            case .press, .click, .doubleClick: state.message = nil
            default: break
            }
            return mouse(&state, event, model: model)
        default:
            break
        }
        if state.prompt != nil { return promptKey(&state, key, model: model) }
        if let offset = state.help {
            switch key {
            case .char("j"), .down: state.help = offset + 1
            case .char("k"), .up: state.help = max(0, offset - 1)
            case .pageDown, .char(" "): state.help = offset + max(1, state.size.height - 6)
            case .pageUp: state.help = max(0, offset - max(1, state.size.height - 6))
            case .char("Q"), .ctrl("c"):
                state.quitting = true
                return [.quit]
            default: state.help = nil
            }
            return []
        }
        if state.value != nil { return valueKey(&state, key) }
        state.message = nil
        if key == .escape, state.stack.count == 1, state.heat.anchor == nil {
            // Esc leaves views but never quits: only q does at the top.
            state.message = .info("q quits")
            return []
        }
        let context = context(of: state.top)
        guard let command = KeyBindings.command(for: key, in: context) else {
            if case .char(let c) = key, c != " " {
                state.message = .info("no key \(KeyBinding.name(key)) here; ? shows the keys")
            }
            return []
        }
        return run(command, &state, model: model)
    }

    static func run(_ command: Command, _ state: inout ExplorerState, model: ExplorerModel) -> [Effect] {
        switch command {
        case .quitAll:
            state.quitting = true
            return [.quit]
        case .back:
            let effects = back(&state, model: model)
            restoreAfterGroupHeatmap(&state, model: model)
            return effects
        case .listMarkers:
            openMarkers(&state)
            return []
        case .help:
            state.help = 0
            return []
        case .prompt:
            state.prompt = PromptState()
            return []
        case .toggleMouse:
            state.mouse.toggle()
            state.message = .info(state.mouse ? "mouse on: drag on the heatmap to draw a box (m turns it off to copy text)" : "mouse off")
            return [.setMouse(state.mouse)]
        case .resumeLive:
            resume(&state, model: model)
            return []
        case .openSLOs:
            return openSLOs(&state)
        case .openServices:
            openServices(&state, model: model)
            return []
        case .copyCommand:
            state.message = .info(commandLine(state))
            return []
        case .showValue:
            showValue(&state, model: model)
            return []
        default:
            break
        }
        switch state.top {
        case .heatmap:
            switch command {
            case .compare: compareAtCursor(&state, model: model)
            case .sloBubbleUp: openSLOBubbleUp(&state, model: model)
            default: heatmapCommand(command, &state, model: model)
            }
        case .bubbleUp(var b):
            let effects = bubbleUpCommand(command, &b, &state, model: model)
            return effects
        case .events(var e):
            if command == .rowTrace {
                // The trace of the highlighted event, straight from the list (q comes back here).
                guard e.rows.indices.contains(e.cursor) else { return [] }
                var event = EventState(source: nil, row: Int(e.rows[e.cursor]), flagged: e.flagged)
                return eventCommand(.openTrace, &event, &state, model: model)
            }
            eventsCommand(command, &e, &state, model: model)
        case .event(var e):
            return eventCommand(command, &e, &state, model: model)
        case .trace(var t):
            return traceCommand(command, &t, &state, model: model)
        case .groups(var g):
            groupsCommand(command, &g, &state, model: model)
        case .picker(var p):
            return pickerCommand(command, &p, &state)
        case .compare(var c):
            compareCommand(command, &c, &state, model: model)
        case .versions(var v):
            versionsCommand(command, &v, &state, model: model)
        case .markers(var m):
            markersCommand(command, &m, &state, model: model)
        case .slo(var list):
            sloCommand(command, &list, &state, model: model)
        case .services(var list):
            servicesCommand(command, &list, &state, model: model)
        case .serviceMap(var view):
            serviceMapCommand(command, &view, &state, model: model)
        }
        return []
    }

    static func back(_ state: inout ExplorerState, model: ExplorerModel) -> [Effect] {
        if case .heatmap = state.top, state.heat.anchor != nil {
            state.heat.anchor = nil
            state.message = .info("box dropped")
            return []
        }
        if state.stack.count > 1 {
            let depth = state.stack.count
            state.stack.removeLast()
            if let slo = state.heat.slo, slo.depth >= depth {
                state.heat.slo = nil
                state.heat.key = nil
                recomputeHeatmap(&state, model: model)
            }
            if let filters = state.savedFilters.removeValue(forKey: depth) {
                // Leaving a heatmap filtered from a BubbleUp value: the scope comes back too.
                state.query.filters = filters
                state.heat.anchor = nil
                recomputeHeatmap(&state, model: model)
                state.message = .info(filters.isEmpty ? "filters back to none" : "filters back to " + filters.map(\.description).joined(separator: ", "))
            }
            return []
        }
        if let picker = state.picker, case .heatmap = state.top {
            state.picker = nil
            state.stack = [.picker(picker)]
            state.message = nil
            return []
        }
        state.quitting = true
        return [.quit]
    }

    /// Follows the newest data again from wherever the user is.
    static func resume(_ state: inout ExplorerState, model: ExplorerModel) {
        if case .picker = state.stack.first { return }
        state.stack = [.heatmap]
        state.savedFilters = [:]
        state.heat.slo = nil
        state.live = true
        state.visibleRows = state.totalRows
        state.heat.anchor = nil
        state.heat.dragging = false
        recomputeHeatmap(&state, model: model)
        if let map = state.heat.map { state.heat.cursor.t = max(0, map.timeBuckets - 1) }
        state.message = .info("following the newest data")
    }

    /// Stops following: the views hold still and new events are counted.
    static func pause(_ state: inout ExplorerState) {
        state.live = false
    }

    static func replaceTop(_ state: inout ExplorerState, _ screen: Screen) {
        guard !state.stack.isEmpty else { return }
        state.stack[state.stack.count - 1] = screen
    }

    static func push(_ state: inout ExplorerState, _ screen: Screen) {
        state.stack.append(screen)
    }

    /// Moves a list cursor by a command; returns true when the command was a move.
    static func move(_ command: Command, cursor: inout Int, scroll: inout Int, count: Int, page: Int) -> Bool {
        let page = max(1, page)
        switch command {
        case .up: cursor -= 1
        case .down: cursor += 1
        case .pageUp: cursor -= page
        case .pageDown: cursor += page
        case .halfPageUp: cursor -= max(1, page / 2)
        case .halfPageDown: cursor += max(1, page / 2)
        case .top: cursor = 0
        case .bottom: cursor = count - 1
        default: return false
        }
        clampList(cursor: &cursor, scroll: &scroll, count: count, page: page)
        return true
    }

    /// Keeps a cursor inside the list and visible.
    static func clampList(cursor: inout Int, scroll: inout Int, count: Int, page: Int) {
        let page = max(1, page)
        cursor = max(0, min(cursor, count - 1))
        if cursor < scroll { scroll = cursor }
        if cursor >= scroll + page { scroll = cursor - page + 1 }
        scroll = max(0, min(scroll, max(0, count - page)))
    }

    /// Re-clamps every view's cursor after a resize.
    static func clampViews(_ state: inout ExplorerState, model: ExplorerModel) {
        let page = Layout.listRows(state.size)
        for i in state.stack.indices {
            switch state.stack[i] {
            case .events(var e):
                clampList(cursor: &e.cursor, scroll: &e.scroll, count: e.rows.count, page: page)
                state.stack[i] = .events(e)
            case .trace(var t):
                clampList(cursor: &t.cursor, scroll: &t.scroll, count: t.spans.count, page: page)
                state.stack[i] = .trace(t)
            case .groups(var g):
                clampList(cursor: &g.cursor, scroll: &g.scroll, count: g.groups.count, page: page)
                state.stack[i] = .groups(g)
            case .event(var e):
                let lines = EventLines.build(model: model, state: e, width: state.size.width).count
                clampList(cursor: &e.cursor, scroll: &e.scroll, count: lines, page: Layout.eventRows(state.size))
                state.stack[i] = .event(e)
            case .bubbleUp(var b):
                clampList(cursor: &b.fieldCursor, scroll: &b.fieldScroll, count: b.entries.count, page: page)
                clampList(cursor: &b.valueCursor, scroll: &b.valueScroll, count: BubbleUpRows.count(b), page: BubbleUpRows.page(b, size: state.size))
                state.stack[i] = .bubbleUp(b)
            default:
                break
            }
        }
    }
}
