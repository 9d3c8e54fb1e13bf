import KilnCore
import KilnTerminal

extension Explorer {
    /// Most rows an events table holds (the newest); the count of all matches is kept.
    static let eventsCap = 100_000

    /// Builds the events table of the selection (`selection` + `having`) within the scope.
    static func makeEvents(title: String, selection: EventSelection, having: [Filter], columns: [String], flagged: [String],
                           state: ExplorerState, model: ExplorerModel) -> EventsState {
        var e = EventsState(title: title, selection: selection, having: having, rows: [], matched: 0, columns: columns, flagged: flagged)
        e.hasBaseline = !selection.isEmpty
        loadEventRows(&e, baseline: false, state: state, model: model)
        return e
    }

    /// Every event in scope, newest first (like lnav), with the heatmap's field first and then
    /// the fields in the table's order.
    static func openAllEvents(_ state: inout ExplorerState, model: ExplorerModel) {
        var columns = [state.query.field]
        for c in model.table.columns where c.name != state.query.field { columns.append(c.name) }
        let events = makeEvents(title: "events", selection: EventSelection([]), having: [], columns: columns, flagged: [], state: state, model: model)
        state.live = false
        push(&state, .events(events))
    }

    /// Fills `rows` with the selection's (or the baseline's) events, newest first.
    static func loadEventRows(_ e: inout EventsState, baseline: Bool, state: ExplorerState, model: ExplorerModel) {
        guard let key = state.heat.key else {
            e.rows = []
            e.matched = 0
            return
        }
        let scope = model.scopeRows(filters: state.query.filters, from: key.from, to: key.to, visibleRows: state.visibleRows)
        let table = model.table
        let having = scope.filtered(by: e.having, in: table)
        let selected = e.selection.rows(in: having, table: table)
        let rows: RowSet = baseline ? having.subtracting(selected) : selected
        var list = rows.rows
        e.matched = list.count
        table.timestamps.withUnsafeBufferPointer { ts in
            list.sort { a, b in
                let ta = ts[Int(a)], tb = ts[Int(b)]
                return ta != tb ? ta > tb : a > b
            }
        }
        if list.count > eventsCap { list.removeLast(list.count - eventsCap) }
        e.rows = list
        e.showingBaseline = baseline
        if let sort = e.sort { sortEvents(&e, by: sort, model: model) }
        // New rows: start at the top of their order.
        e.cursor = 0
        e.scroll = 0
    }

    static func eventsCommand(_ command: Command, _ e: inout EventsState, _ state: inout ExplorerState, model: ExplorerModel) {
        let page = Layout.listRows(state.size)
        let depth = state.stack.count
        // Write the table's state back under whatever this command pushes.
        defer { state.stack[depth - 1] = .events(e) }
        if move(command, cursor: &e.cursor, scroll: &e.scroll, count: e.rows.count, page: page) { return }
        switch command {
        case .left:
            e.column = max(0, e.column - 1)
            if e.column >= 1, e.column - 1 < e.columnOffset { e.columnOffset = e.column - 1 }
        case .right:
            e.column = min(e.columns.count, e.column + 1)
            keepColumnVisible(&e, width: state.size.width, timeWidth: EventsLayout.timeWidth(EventsLayout.datePart(state)), model: model)
        case .sortAscending, .sortDescending:
            let sort = EventSort(column: e.column, descending: command == .sortDescending)
            sortEvents(&e, by: sort, model: model)
            state.message = .info("sorted by \(e.column == 0 ? "time" : e.columns[e.column - 1]), \(sort.descending ? "largest" : "smallest") first")
        case .toggleBaseline:
            guard e.hasBaseline else {
                state.message = .error("these events have no baseline to compare with")
                return
            }
            loadEventRows(&e, baseline: !e.showingBaseline, state: state, model: model)
            state.message = .info(e.showingBaseline ? "baseline: events in scope outside the selection" : "selection events")
        case .search:
            state.prompt = PromptState(isSearch: true)
        case .nextMatch, .previousMatch:
            guard let text = e.search else {
                state.message = .info("no search yet: / searches")
                return
            }
            findMatch(&e, text: text, forward: command == .nextMatch, state: &state, model: model)
        case .openTrace:
            guard e.rows.indices.contains(e.cursor) else { return }
            push(&state, .event(EventState(source: nil, row: Int(e.rows[e.cursor]), flagged: e.flagged)))
        default:
            break
        }
    }

    /// Scrolls columns so the highlighted one is on screen.
    static func keepColumnVisible(_ e: inout EventsState, width: Int, timeWidth: Int, model: ExplorerModel) {
        guard e.column >= 1 else { return }
        let widths = EventsLayout.widths(e, model: model)
        while e.columnOffset < e.column - 1 {
            var used = timeWidth
            var fits = false
            for i in e.columnOffset..<e.columns.count {
                used += widths[i] + 1
                if used > width { break }
                if i == e.column - 1 { fits = true; break }
            }
            if fits { break }
            e.columnOffset += 1
        }
    }

    /// Sorts the rows by a column; absent values last, ties newest first.
    static func sortEvents(_ e: inout EventsState, by sort: EventSort, model: ExplorerModel) {
        e.sort = sort
        let table = model.table
        table.timestamps.withUnsafeBufferPointer { ts in
            if sort.column == 0 {
                e.rows.sort { a, b in
                    let ta = ts[Int(a)], tb = ts[Int(b)]
                    if ta != tb { return sort.descending ? ta > tb : ta < tb }
                    return a > b
                }
                return
            }
            guard let column = table.column(e.columns[sort.column - 1]) else { return }
            let dict = column.dictionary
            // Rank every code once, then sort rows by rank.
            var order = Array(1..<(dict.count + 1))
            let numbers = dict.numberTable()
            let texts: [String] = (0...dict.count).map { dict.value($0)?.text ?? "" }
            order.sort { a, b in
                let x = numbers[a], y = numbers[b]
                if x.isNaN != y.isNaN { return !x.isNaN }
                if !x.isNaN, x != y { return x < y }
                return texts[a] < texts[b]
            }
            var rank = [Int](repeating: Int.max, count: dict.count + 1)
            for (i, code) in order.enumerated() { rank[code] = sort.descending ? order.count - i : i }
            e.rows.sort { a, b in
                let ra = rank[Int(column.codes[Int(a)])], rb = rank[Int(column.codes[Int(b)])]
                if ra != rb { return ra < rb }
                let ta = ts[Int(a)], tb = ts[Int(b)]
                return ta != tb ? ta > tb : a > b
            }
        }
        // Sorting is for looking at the ends of the order: start at the top.
        e.cursor = 0
        e.scroll = 0
    }

    /// Moves the cursor to the next (or previous) row with a value containing `text`
    /// (case-insensitive), wrapping around.
    static func findMatch(_ e: inout EventsState, text: String, forward: Bool, state: inout ExplorerState, model: ExplorerModel) {
        guard !e.rows.isEmpty, !text.isEmpty else { return }
        let needle = text.lowercased()
        let table = model.table
        // Codes whose text matches, per column: one pass over each dictionary.
        var matching: [(CodeArray, [Bool])] = []
        for column in table.columns {
            let dict = column.dictionary
            var hits = [Bool](repeating: false, count: dict.count + 1)
            var any = false
            for code in stride(from: 1, through: dict.count, by: 1) where dict.value(code)?.text.lowercased().contains(needle) == true {
                hits[code] = true
                any = true
            }
            if any { matching.append((column.codes, hits)) }
        }
        let n = e.rows.count
        for step in 1...n {
            let i = forward ? (e.cursor + step) % n : ((e.cursor - step) % n + n) % n
            let row = Int(e.rows[i])
            if matching.contains(where: { $0.1[Int($0.0[row])] }) {
                e.cursor = i
                clampList(cursor: &e.cursor, scroll: &e.scroll, count: n, page: Layout.listRows(state.size))
                state.message = .info("match in row \(Format.grouped(i + 1)) of \(Format.grouped(n))")
                return
            }
        }
        state.message = .error("no event here contains \"\(text)\"")
    }

    static func eventCommand(_ command: Command, _ e: inout EventState, _ state: inout ExplorerState, model: ExplorerModel) -> [Effect] {
        let lines = EventLines.build(model: model, state: e, width: state.size.width).count
        if move(command, cursor: &e.cursor, scroll: &e.scroll, count: lines, page: Layout.eventRows(state.size)) {
            replaceTop(&state, .event(e))
            return []
        }
        guard command == .openTrace else { return [] }
        let field = model.traceFields(of: e.source).trace
        guard let table = model.table(e.source), e.row < table.count,
              let id = table.column(field)?.value(at: e.row) else {
            state.message = .error("this event has no \(field)" + (field == FieldName.traceID ? " (kiln datasets set-trace-fields names another field)" : ""))
            return []
        }
        let trace = buildTrace(id.text, focusRow: e.row, focusSource: e.source, model: model, glyphs: state.glyphs, page: Layout.listRows(state.size))
        push(&state, .trace(trace))
        return [.findTrace(id.text)]
    }

    static func traceCommand(_ command: Command, _ t: inout TraceState, _ state: inout ExplorerState, model: ExplorerModel) -> [Effect] {
        if move(command, cursor: &t.cursor, scroll: &t.scroll, count: t.spans.count, page: Layout.listRows(state.size)) {
            replaceTop(&state, .trace(t))
            return []
        }
        let page = Layout.listRows(state.size)
        switch command {
        case .collapse:
            guard t.spans.indices.contains(t.cursor) else { return [] }
            let s = t.spans[t.cursor]
            if s.hidden == 0, hasChildren(t.spans, t.cursor) {
                t.collapsed.insert(s.key)
                applyCollapse(&t, page: page)
                state.message = .info("\(t.spans[t.cursor].hidden) spans hidden under \(s.name) (Right or + shows them)")
            } else if s.depth > 0, let parent = t.spans[..<t.cursor].lastIndex(where: { $0.depth < s.depth }) {
                // Already collapsed, or a leaf: go to its parent, as tree views do.
                t.cursor = parent
                clampList(cursor: &t.cursor, scroll: &t.scroll, count: t.spans.count, page: page)
            }
            replaceTop(&state, .trace(t))
            return []
        case .expand:
            guard t.spans.indices.contains(t.cursor) else { return [] }
            let s = t.spans[t.cursor]
            if s.hidden > 0 {
                t.collapsed.remove(s.key)
                applyCollapse(&t, page: page)
            } else if hasChildren(t.spans, t.cursor) {
                t.cursor += 1
                clampList(cursor: &t.cursor, scroll: &t.scroll, count: t.spans.count, page: page)
            }
            replaceTop(&state, .trace(t))
            return []
        case .search:
            state.prompt = PromptState(isSearch: true)
            return []
        case .nextMatch, .previousMatch:
            guard let text = t.search else {
                state.message = .info("no search yet: / searches")
                return []
            }
            findSpan(&t, text: text, forward: command == .nextMatch, state: &state)
            replaceTop(&state, .trace(t))
            return []
        default:
            break
        }
        guard command == .openEvents, t.spans.indices.contains(t.cursor) else { return [] }
        let span = t.spans[t.cursor]
        push(&state, .event(EventState(source: span.source, row: span.row, flagged: [])))
        return []
    }

    /// Whether `span` matches a trace search: its name or service contains `needle` (lower case).
    static func spanMatches(_ span: TraceSpan, _ needle: String) -> Bool {
        span.name.lowercased().contains(needle) || span.service.lowercased().contains(needle)
    }

    /// Moves the cursor to the next (or previous) span whose name or service contains `text`.
    static func findSpan(_ t: inout TraceState, text: String, forward: Bool, state: inout ExplorerState) {
        let n = t.spans.count
        guard n > 0, !text.isEmpty else { return }
        let needle = text.lowercased()
        for step in 1...n {
            let i = forward ? (t.cursor + step) % n : ((t.cursor - step) % n + n) % n
            if spanMatches(t.spans[i], needle) {
                t.cursor = i
                clampList(cursor: &t.cursor, scroll: &t.scroll, count: n, page: Layout.listRows(state.size))
                state.message = .info("match in span \(Format.grouped(i + 1)) of \(Format.grouped(n))")
                return
            }
        }
        state.message = .error("no span here has \"\(text)\" in its name or service")
    }
}
