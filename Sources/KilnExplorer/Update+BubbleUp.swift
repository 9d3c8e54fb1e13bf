import KilnCore
import KilnTerminal

/// The rows of BubbleUp's value pane for the entry under the field cursor.
enum BubbleUpRows {
    /// One row of the value pane.
    enum Row: Equatable {
        case value(field: String, BubbleUpValue)
        case combination(BubbleUpCombination)
        case idField(String)
    }

    static func rows(_ b: BubbleUpState) -> [Row] {
        switch b.entry {
        case .dimension(let i)?:
            guard b.result.dimensions.indices.contains(i) else { return [] }
            let d = b.result.dimensions[i]
            return d.values.map { .value(field: d.field, $0) }
        case .combinations?:
            return b.result.combinations.map { .combination($0) }
        case .idLike?:
            return b.result.idLike.map { .idField($0) }
        case nil:
            return []
        }
    }

    static func count(_ b: BubbleUpState) -> Int { rows(b).count }

    /// Value rows that fit: the list body less the detail line.
    static func page(_ b: BubbleUpState, size: TerminalSize) -> Int { max(1, Layout.listRows(size) - 1) }

    /// The row under the value cursor.
    static func current(_ b: BubbleUpState) -> Row? {
        let r = rows(b)
        return r.indices.contains(b.valueCursor) ? r[b.valueCursor] : nil
    }

    /// The field of the entry under the cursor (for group by).
    static func field(_ b: BubbleUpState) -> String? {
        switch current(b) {
        case .value(let field, _)?: return field
        case .idField(let f)?: return f
        case .combination(let c)?: return c.fields.first?.name
        case nil:
            if case .dimension(let i)? = b.entry, b.result.dimensions.indices.contains(i) { return b.result.dimensions[i].field }
            return nil
        }
    }
}

extension Explorer {
    static func bubbleUpCommand(_ command: Command, _ b: inout BubbleUpState, _ state: inout ExplorerState, model: ExplorerModel) -> [Effect] {
        let listPage = Layout.listRows(state.size)
        let valuePage = BubbleUpRows.page(b, size: state.size)
        switch command {
        case .focusNext, .focusPrevious:
            b.focus = b.focus == .fields ? .values : .fields
        case .up, .down, .pageUp, .pageDown, .halfPageUp, .halfPageDown, .top, .bottom:
            if b.focus == .fields {
                let before = b.fieldCursor
                _ = move(command, cursor: &b.fieldCursor, scroll: &b.fieldScroll, count: b.entries.count, page: listPage)
                if before != b.fieldCursor {
                    b.valueCursor = 0
                    b.valueScroll = 0
                }
            } else {
                _ = move(command, cursor: &b.valueCursor, scroll: &b.valueScroll, count: BubbleUpRows.count(b), page: valuePage)
            }
        case .openEvents:
            if b.focus == .fields {
                b.focus = .values
            } else {
                openEventsOfValue(b, &state, model: model)
                return []
            }
        case .filterValue, .excludeValue:
            applyValueFilter(b, exclude: command == .excludeValue, &state, model: model)
            return []
        case .groupBy:
            guard let field = BubbleUpRows.field(b) else { return [] }
            replaceTop(&state, .bubbleUp(b))
            openGroups(field: field, &state, model: model)
            return []
        default:
            break
        }
        replaceTop(&state, .bubbleUp(b))
        return []
    }

    /// `=`/`!`: adds the highlighted value (or its negation) to the scope's filters and goes
    /// back to the heatmap with the new scope.
    static func applyValueFilter(_ b: BubbleUpState, exclude: Bool, _ state: inout ExplorerState, model: ExplorerModel) {
        var added: [Filter] = []
        switch BubbleUpRows.current(b) {
        case .value(let field, let value)?:
            switch value.bucket {
            case .other:
                state.message = .error("\"\(value.label)\" stands for many values; pick one value")
                return
            case .value(let v):
                if exclude {
                    added = [v.map { Filter(field, .notEqual, $0) } ?? Filter(field, .exists)]
                } else {
                    added = value.filters(field: field)
                }
            case .range(let lo, let hi):
                if exclude {
                    state.message = .error("a range cannot be excluded with one filter; use :where \(field) < \(Format.compact(lo)) (or >= \(Format.compact(hi)))")
                    return
                }
                added = value.filters(field: field)
            }
        case .combination(let c)?:
            if exclude {
                state.message = .error("a combination cannot be excluded with one filter; exclude one of its values")
                return
            }
            added = c.filters
        default:
            state.message = .error("highlight a value first (Tab moves to the values)")
            return
        }
        let previous = state.query.filters
        state.query.filters += added.filter { !state.query.filters.contains($0) }
        // A heatmap of the new scope on top: `q` comes back here with the old scope.
        push(&state, .heatmap)
        state.savedFilters[state.stack.count] = previous
        state.heat.anchor = nil
        recomputeHeatmap(&state, model: model)
        state.message = .info((exclude ? "excluded: " : "filtered: ") + added.map(\.description).joined(separator: ", "))
    }

    /// Enter on a value: the events of the selection (and baseline, with `b`) having it.
    static func openEventsOfValue(_ b: BubbleUpState, _ state: inout ExplorerState, model: ExplorerModel) {
        var having: [Filter] = []
        var label = "selection events"
        switch BubbleUpRows.current(b) {
        case .value(let field, let value)?:
            if case .other = value.bucket {
                label = "selection events"
            } else {
                having = value.filters(field: field)
                label = "events with " + having.map(\.description).joined(separator: " and ")
            }
        case .combination(let c)?:
            having = c.filters
            label = "events with " + c.filters.map(\.description).joined(separator: " and ")
        default:
            break
        }
        let flagged = b.result.dimensions.filter { !$0.isNoise && !$0.selectedOn }.prefix(6).map(\.field)
        var columns: [String] = [state.query.field]
        for d in b.result.dimensions where d.field != state.query.field { columns.append(d.field) }
        for f in b.result.idLike where !columns.contains(f) { columns.append(f) }
        let events = makeEvents(title: label, selection: b.selection, having: having, columns: columns, flagged: Array(flagged),
                                state: state, model: model)
        guard !events.rows.isEmpty else {
            state.message = .error("no selected event has that value; press b in the events view for the baseline")
            push(&state, .events(events))
            return
        }
        push(&state, .events(events))
    }

    /// GROUP BY `field` within the scope: COUNT and P99 of the heatmap field per value.
    static func openGroups(field: String, _ state: inout ExplorerState, model: ExplorerModel) {
        guard let key = state.heat.key else {
            state.message = .error("no events in scope to group")
            return
        }
        let heatField = state.query.field
        var calcs: [Calculation] = [.count]
        let numeric = model.table.column(heatField)?.dictionary.isNumeric ?? false
        if numeric { calcs.append(.percentile(.p99, heatField)) }
        let query = Query(scope: Scope(from: key.from, to: key.to, filters: state.query.filters), calculations: calcs,
                          groupBy: [field], limit: 1000)
        do {
            let result = try query.run(model.table)
            let groups = result.rows.map { row -> GroupRow in
                var count: Int64 = 0
                if case .value(let v) = row.values[0], let n = v.number, n.isFinite, abs(n) < 9e18 { count = Int64(n) }
                var p99: Double?
                if row.values.count > 1, case .value(let v) = row.values[1] { p99 = v.number }
                return GroupRow(value: row.group.first ?? nil, count: count, p99: p99)
            }
            state.live = false
            push(&state, .groups(GroupsState(field: field, groups: groups)))
        } catch {
            state.message = .error(error.description)
        }
    }

    static func groupsCommand(_ command: Command, _ g: inout GroupsState, _ state: inout ExplorerState, model: ExplorerModel) {
        let page = Layout.listRows(state.size)
        if move(command, cursor: &g.cursor, scroll: &g.scroll, count: g.groups.count, page: page) {
            replaceTop(&state, .groups(g))
            return
        }
        switch command {
        case .sortAscending:
            let all = GroupOrder.allCases
            g.order = all[((all.firstIndex(of: g.order) ?? 0) + 1) % all.count]
            let current = g.groups.indices.contains(g.cursor) ? g.groups[g.cursor] : nil
            sortGroups(&g.groups, by: g.order)
            g.cursor = current.flatMap { c in g.groups.firstIndex(of: c) } ?? 0
            clampList(cursor: &g.cursor, scroll: &g.scroll, count: g.groups.count, page: page)
            state.message = .info("ordered by " + g.order.label)
            replaceTop(&state, .groups(g))
            return
        case .search:
            state.prompt = PromptState(isSearch: true)
            return
        case .nextMatch, .previousMatch:
            guard let text = g.search else {
                state.message = .info("no search yet: / searches")
                return
            }
            findGroup(&g, text: text, forward: command == .nextMatch, state: &state)
            replaceTop(&state, .groups(g))
            return
        default:
            break
        }
        guard command == .select, g.groups.indices.contains(g.cursor), let key = state.heat.key else { return }
        let group = g.groups[g.cursor]
        let selection = [Filter.equal(g.field, group.value)]
        let prepared = model.prepared(filters: state.query.filters, from: key.from, to: key.to, visibleRows: state.visibleRows)
        let result = prepared.run(selection: selection)
        guard result.selectionCount > 0 else {
            state.message = .error("that group has no events in the current scope")
            return
        }
        let label = selection[0].description
        push(&state, .bubbleUp(makeBubbleUp(crumb: label, title: label + " against the rest of the scope", selection: EventSelection(selection), result: result)))
    }

    /// Orders groups by `order` (ties by count, then value text).
    static func sortGroups(_ groups: inout [GroupRow], by order: GroupOrder) {
        groups.sort { a, b in
            switch order {
            case .count:
                return a.count != b.count ? a.count > b.count : (a.value?.text ?? "") < (b.value?.text ?? "")
            case .value:
                guard let x = a.value else { return false }
                guard let y = b.value else { return true }
                if let u = x.number, let v = y.number, u != v { return u < v }
                return x.text != y.text ? x.text < y.text : a.count > b.count
            case .p99:
                guard let x = a.p99 else { return false }
                guard let y = b.p99 else { return true }
                return x != y ? x > y : a.count > b.count
            }
        }
    }

    /// Moves the cursor to the next (or previous) group whose value contains `text`, ignoring case.
    static func findGroup(_ g: inout GroupsState, text: String, forward: Bool, state: inout ExplorerState) {
        let n = g.groups.count
        guard n > 0, !text.isEmpty else { return }
        let needle = text.lowercased()
        for step in 1...n {
            let i = forward ? (g.cursor + step) % n : ((g.cursor - step) % n + n) % n
            if (g.groups[i].value?.text ?? "null").lowercased().contains(needle) {
                g.cursor = i
                clampList(cursor: &g.cursor, scroll: &g.scroll, count: n, page: Layout.listRows(state.size))
                state.message = .info("match in group \(Format.grouped(i + 1)) of \(Format.grouped(n))")
                return
            }
        }
        state.message = .error("no group here contains \"\(text)\"")
    }

    static func pickerCommand(_ command: Command, _ p: inout PickerState, _ state: inout ExplorerState) -> [Effect] {
        var scroll = 0
        if move(command, cursor: &p.cursor, scroll: &scroll, count: p.datasets.count, page: Layout.listRows(state.size)) {
            // The picker's scroll offset is derived from the cursor when drawing.
            replaceTop(&state, .picker(p))
            return []
        }
        guard command == .select, p.datasets.indices.contains(p.cursor) else { return [] }
        state.message = .info("loading \(p.datasets[p.cursor].name)…")
        return [.loadDataset(p.datasets[p.cursor].name)]
    }
}
