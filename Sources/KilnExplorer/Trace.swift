import KilnCore
import KilnTerminal

extension Explorer {
    /// The spans' duration column and milliseconds per its unit: `duration_ms`, else a
    /// `duration_…` field whose name says its unit (`duration_us` from
    /// `kiln ingest --trace-fields TraceID,SpanID,ParentID,Duration:us`).
    static func durationColumn(_ table: EventTable, fields: TraceFields = .standard) -> (Column?, Double) {
        if let name = fields.duration, let c = table.column(name) { return (c, fields.millisecondsPerUnit) }
        if let c = table.column(FieldName.duration) { return (c, 1) }
        for c in table.columns where c.name.lowercased().hasPrefix("duration") {
            if let scale = Format.millisecondsPerUnit(c.name) { return (c, scale) }
        }
        return (nil, 1)
    }

    /// The spans of trace `id` in the main table and those found in other datasets, as a tree by
    /// `trace.parent_id` (children by start time); spans whose parent is missing are orphans
    /// at the top level.
    /// - Complexity: O(rows) of the main table to find its spans (one filter pass), O(s log s) for s spans.
    static func buildTrace(_ id: String, focusRow: Int?, focusSource: String?, model: ExplorerModel, glyphs: GlyphSet, page: Int) -> TraceState {
        struct Raw {
            var source: String?
            var row: Int
            var spanID: String
            var parentID: String?
            var name: String
            var service: String
            var start: Int64
            var duration: Double
            var error: Bool
        }
        var raw: [Raw] = []
        let filter = [Filter(model.traceFields.trace, .equal, .string(id))]
        let main = model.table
        var sources: [(String?, EventTable, [UInt32])] = [(nil, main, RowSet.all(main.count).filtered(by: filter, in: main).rows)]
        for (name, rows) in model.otherTraceRows(id).sorted(by: { $0.key < $1.key }) {
            guard let table = model.table(name) else { continue }
            sources.append((name, table, rows.filter { $0 >= 0 && $0 < table.count }.map { UInt32($0) }))
        }
        for (source, table, rows) in sources {
            let names = model.traceFields(of: source)
            let spanCol = table.column(names.span), parentCol = table.column(names.parent)
            let nameCol = table.column(FieldName.name), serviceCol = table.column(FieldName.serviceName)
            let (durCol, toMillis) = durationColumn(table, fields: names)
            let errCol = table.column("error")
            let statusCol = table.column("http.status_code")
            for r in rows {
                let row = Int(r)
                var failed = false
                if case .bool(true)? = errCol?.value(at: row) { failed = true }
                if let s = statusCol?.value(at: row)?.number, s >= 500 { failed = true }
                raw.append(Raw(source: source, row: row, spanID: spanCol?.value(at: row)?.text ?? "",
                               parentID: parentCol?.value(at: row)?.text, name: nameCol?.value(at: row)?.text ?? "(no name)",
                               service: serviceCol?.value(at: row)?.text ?? "?", start: table.timestamps[row],
                               duration: (durCol?.value(at: row)?.number ?? 0) * toMillis, error: failed))
            }
        }
        raw.sort { a, b in a.start != b.start ? a.start < b.start : (a.spanID, a.row) < (b.spanID, b.row) }
        var byID: [String: Int] = [:]
        for (i, s) in raw.enumerated() where !s.spanID.isEmpty && byID[s.spanID] == nil { byID[s.spanID] = i }
        var children: [Int: [Int]] = [:]
        var roots: [Int] = []
        var orphan = [Bool](repeating: false, count: raw.count)
        for (i, s) in raw.enumerated() {
            if let p = s.parentID, !p.isEmpty, let pi = byID[p], pi != i {
                children[pi, default: []].append(i)
            } else {
                if let p = s.parentID, !p.isEmpty { orphan[i] = true }
                roots.append(i)
            }
        }
        var spans: [TraceSpan] = []
        var visited = [Bool](repeating: false, count: raw.count)
        // Iterative depth-first walk (hostile data may nest deeply or loop).
        var stack: [(index: Int, depth: Int, prefix: String, last: Bool)] = roots.reversed().map { ($0, 0, "", true) }
        while let item = stack.popLast() {
            guard !visited[item.index] else { continue }
            visited[item.index] = true
            let s = raw[item.index]
            let branch = item.depth == 0 ? "" : (item.last ? glyphs.treeLastBranch : glyphs.treeBranch)
            spans.append(TraceSpan(source: s.source, row: s.row, name: s.name, service: s.service, start: s.start,
                                   durationMs: s.duration, depth: item.depth, prefix: item.prefix + branch,
                                   isError: s.error, isOrphan: orphan[item.index], spanID: s.spanID))
            let kids = (children[item.index] ?? []).filter { !visited[$0] }
            let childPrefix = item.depth == 0 ? "" : item.prefix + (item.last ? glyphs.treeSpace : glyphs.treeVertical)
            for (k, c) in kids.enumerated().reversed() {
                stack.append((c, item.depth + 1, childPrefix, k == kids.count - 1))
            }
        }
        // Spans in a parent loop were never reached from a root: list them as orphans.
        for i in raw.indices where !visited[i] {
            let s = raw[i]
            spans.append(TraceSpan(source: s.source, row: s.row, name: s.name, service: s.service, start: s.start,
                                   durationMs: s.duration, depth: 0, prefix: "", isError: s.error, isOrphan: true, spanID: s.spanID))
        }
        selfTimes(&spans)
        var state = TraceState(traceID: id, spans: spans, searchedAll: model.hasSearched(id))
        state.allSpans = spans
        state.focusRow = focusRow
        state.focusSource = focusSource
        if let focusRow, let i = spans.firstIndex(where: { $0.row == focusRow && $0.source == focusSource }) {
            state.cursor = i
            state.scroll = max(0, i - 3)
        }
        // A trace that fits the page shows from its root, whichever span has the cursor.
        clampList(cursor: &state.cursor, scroll: &state.scroll, count: spans.count, page: page)
        return state
    }

    /// Shows every span but those under a collapsed one (which tells how many it hides), keeping
    /// the cursor on the span it was on (or the collapsed span hiding it).
    /// - Complexity: O(spans)
    static func applyCollapse(_ t: inout TraceState, page: Int) {
        let current = t.spans.indices.contains(t.cursor) ? t.spans[t.cursor].key : nil
        var shown: [TraceSpan] = []
        var hiding: (index: Int, depth: Int)?
        var cursorKey = current
        for s in t.allSpans {
            if let h = hiding {
                if s.depth > h.depth {
                    shown[h.index].hidden += 1
                    if s.key == current { cursorKey = shown[h.index].key }
                    continue
                }
                hiding = nil
            }
            var s = s
            s.hidden = 0
            shown.append(s)
            if t.collapsed.contains(s.key) { hiding = (shown.count - 1, s.depth) }
        }
        // A collapsed span without children hides nothing: nothing to mark.
        t.collapsed = t.collapsed.filter { key in t.allSpans.indices.contains { t.allSpans[$0].key == key && hasChildren(t.allSpans, $0) } }
        t.spans = shown
        t.cursor = cursorKey.flatMap { k in shown.firstIndex { $0.key == k } } ?? min(t.cursor, max(0, shown.count - 1))
        clampList(cursor: &t.cursor, scroll: &t.scroll, count: shown.count, page: page)
    }

    /// Whether the span at `index` of `spans` has children (the next span is one level deeper).
    static func hasChildren(_ spans: [TraceSpan], _ index: Int) -> Bool {
        index + 1 < spans.count && spans[index + 1].depth > spans[index].depth
    }

    /// Fills each span's self time: its duration less the union of its children's intervals
    /// clipped to it. `spans` are in tree order (a span's children follow it, one level deeper).
    /// - Complexity: O(s log s) for s spans.
    static func selfTimes(_ spans: inout [TraceSpan]) {
        var children: [[Int]] = Array(repeating: [], count: spans.count)
        var open: [Int] = []
        for i in spans.indices {
            while let last = open.last, spans[last].depth >= spans[i].depth { open.removeLast() }
            if spans[i].depth > 0, let parent = open.last { children[parent].append(i) }
            open.append(i)
        }
        for i in spans.indices {
            let start = Double(spans[i].start) / 1e6
            let end = start + max(0, spans[i].durationMs)
            let intervals = children[i].map { c -> (Double, Double) in
                let a = Double(spans[c].start) / 1e6
                return (max(start, a), min(end, a + max(0, spans[c].durationMs)))
            }.filter { $0.0 < $0.1 }.sorted { $0.0 < $1.0 }
            var covered = 0.0, reach = start
            for (a, b) in intervals where b > reach {
                covered += b - max(a, reach)
                reach = b
            }
            spans[i].selfMs = max(0, spans[i].durationMs - covered)
        }
    }
}
