import KilnCore
import KilnTerminal

extension Explorer {
    /// The prompt's commands, for Tab completion and help.
    static let promptCommands = ["where", "select", "clear", "since", "from", "field", "counts", "group", "compare", "versions", "slo", "services", "map", "help", "quit"]

    /// `since` choices offered by completion.
    static let sinceChoices = ["15m", "1h", "6h", "24h", "7d", "all"]

    static func promptKey(_ state: inout ExplorerState, _ key: Key, model: ExplorerModel) -> [Effect] {
        guard var p = state.prompt else { return [] }
        var chars = Array(p.text)
        p.cursor = max(0, min(p.cursor, chars.count))
        switch key {
        case .escape:
            state.prompt = nil
            return []
        case .ctrl("c"):
            state.prompt = nil
            return []
        case .enter:
            let text = p.text.trimmingCharacters(in: " ")
            state.prompt = nil
            if p.isSearch {
                guard !text.isEmpty else { return [] }
                switch state.top {
                case .events(var e):
                    e.search = text
                    findMatch(&e, text: text, forward: true, state: &state, model: model)
                    replaceTop(&state, .events(e))
                case .trace(var t):
                    t.search = text
                    t.cursor = (t.cursor - 1 + max(1, t.spans.count)) % max(1, t.spans.count)
                    findSpan(&t, text: text, forward: true, state: &state)
                    replaceTop(&state, .trace(t))
                case .groups(var g):
                    g.search = text
                    // Start at the highlighted group itself.
                    g.cursor = (g.cursor - 1 + max(1, g.groups.count)) % max(1, g.groups.count)
                    findGroup(&g, text: text, forward: true, state: &state)
                    replaceTop(&state, .groups(g))
                default:
                    break
                }
                return []
            }
            guard !text.isEmpty else { return [] }
            if state.history.last != text { state.history.append(text) }
            if state.history.count > 100 { state.history.removeFirst(state.history.count - 100) }
            if let failure = execute(text, &state, model: model) {
                // Keep the prompt open with the text and the error under it.
                p.error = failure.message
                p.errorColumn = failure.column
                p.historyIndex = nil
                p.completions = []
                state.prompt = p
            }
            if case .slo(let list) = state.top, list.rows == nil { return [.loadSLOs] }
            return state.quitting ? [.quit] : []
        case .backspace:
            if p.cursor > 0 {
                chars.remove(at: p.cursor - 1)
                p.cursor -= 1
            } else if chars.isEmpty {
                state.prompt = nil
                return []
            }
        case .delete:
            if p.cursor < chars.count { chars.remove(at: p.cursor) }
        case .left: p.cursor = max(0, p.cursor - 1)
        case .right: p.cursor = min(chars.count, p.cursor + 1)
        case .home, .ctrl("a"): p.cursor = 0
        case .end, .ctrl("e"): p.cursor = chars.count
        case .ctrl("u"):
            chars.removeSubrange(0..<p.cursor)
            p.cursor = 0
        case .up, .down:
            guard !p.isSearch, !state.history.isEmpty else { break }
            var i = p.historyIndex ?? state.history.count
            i += key == .up ? -1 : 1
            if i >= state.history.count {
                p.historyIndex = nil
                chars = []
            } else {
                i = max(0, i)
                p.historyIndex = i
                chars = Array(state.history[i])
            }
            p.cursor = chars.count
        case .tab:
            guard !p.isSearch else { break }
            let (completed, options) = complete(String(chars[..<p.cursor]), model: model)
            chars = Array(completed) + Array(chars[p.cursor...])
            p.cursor = completed.count
            p.completions = options
        case .char(":") where p.error != nil:
            // The failed command stays for editing, but a new `:` starts a new command.
            chars = []
            p.cursor = 0
            p.historyIndex = nil
        case .char(let c):
            guard chars.count < 1000 else { break }
            chars.insert(c, at: p.cursor)
            p.cursor += 1
        default:
            return []
        }
        p.text = String(chars)
        if key != .tab { p.completions = [] }
        p.error = nil
        p.errorColumn = nil
        state.prompt = p
        return []
    }

    /// Completes the word before the cursor: a command name first, then field names (after
    /// `where`, `field`, `group`) or time spans (after `since`). Returns the new text before
    /// the cursor and the choices when several remain.
    static func complete(_ head: String, model: ExplorerModel) -> (String, [String]) {
        let words = head.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
        let current = words.last ?? ""
        let candidates: [String]
        if words.count <= 1 {
            candidates = promptCommands
        } else {
            switch words[0] {
            case "where", "select", "field", "group", "group-by", "clear", "compare", "versions":
                if (words[0] == "where" || words[0] == "select" || words[0] == "compare") && words.count > 2 { return (head, []) }
                candidates = model.table.columns.map(\.name).sorted()
            case "since":
                candidates = sinceChoices
            default:
                return (head, [])
            }
        }
        let matches = candidates.filter { $0.hasPrefix(current) }
        guard !matches.isEmpty else { return (head, []) }
        let prefixText = String(head.dropLast(current.count))
        if matches.count == 1 { return (prefixText + matches[0] + " ", []) }
        var common = matches[0]
        for m in matches.dropFirst() {
            while !m.hasPrefix(common) { common.removeLast() }
        }
        return (prefixText + common, Array(matches.prefix(50)))
    }

    struct PromptFailure {
        var message: String
        var column: Int?
    }

    /// Runs a prompt command; nil when it worked, else what went wrong and where.
    static func execute(_ text: String, _ state: inout ExplorerState, model: ExplorerModel) -> PromptFailure? {
        var (word, rest) = split(text)
        // The command line's spellings work too: `--where ...`, `group-by FIELD`.
        if word.hasPrefix("--") { word.removeFirst(2) }
        if word == "group-by" { word = "group" }
        switch word {
        case "where", "w":
            guard !rest.isEmpty else { return PromptFailure(message: "where needs a filter: where FIELD OP VALUE (e.g. where status >= 500)", column: text.count) }
            do {
                let filter = try Filter.parse(rest)
                if let failure = unknownField(filter.field, at: text.count - rest.count, model: model) { return failure }
                if !state.query.filters.contains(filter) { state.query.filters.append(filter) }
                rescope(&state, model: model)
                state.message = .info("filtered: \(filter)")
            } catch {
                let offset = text.count - rest.count
                return PromptFailure(message: error.message, column: error.position.map { $0 + offset })
            }
        case "select", "s":
            guard !rest.isEmpty else { return PromptFailure(message: "select needs a filter: select FIELD OP VALUE (e.g. select duration_ms >= 1000)", column: text.count) }
            let selection: Filter
            do {
                selection = try Filter.parse(rest)
            } catch {
                return PromptFailure(message: error.message, column: error.position.map { $0 + text.count - rest.count })
            }
            if let failure = unknownField(selection.field, at: text.count - rest.count, model: model) { return failure }
            state.stack = state.stack.first.map { [$0] } ?? [.heatmap]
            state.savedFilters = [:]
            _ = open(&state, view: .bubbleup, selection: [selection], traceID: nil, model: model)
        case "clear":
            if rest.isEmpty {
                state.query.filters = []
                rescope(&state, model: model)
                state.message = .info("filters cleared")
                return nil
            }
            // One filter: by its number in the header (1, 2, ...) or every filter on a field.
            let before = state.query.filters
            if let n = Int(rest) {
                guard n >= 1, n <= before.count else {
                    return PromptFailure(message: before.isEmpty ? "there are no filters to clear" : "clear N takes 1 to \(before.count)",
                                        column: text.count - rest.count)
                }
                state.query.filters.remove(at: n - 1)
            } else {
                state.query.filters.removeAll { $0.field == rest }
                guard state.query.filters.count < before.count else {
                    let fields = before.map(\.field)
                    let hint = fields.isEmpty ? "there are no filters" : "filters are on " + fields.joined(separator: ", ")
                    return PromptFailure(message: "no filter on \(rest) (\(hint)); clear N clears the N-th, clear alone clears all",
                                         column: text.count - rest.count)
                }
            }
            rescope(&state, model: model)
            let removed = before.filter { !state.query.filters.contains($0) }.map(\.description).joined(separator: ", ")
            state.message = .info("cleared: \(removed)")
        case "since", "last":
            if rest == "all" {
                state.query.range = .all
            } else {
                guard let d = parseSpan(rest) else {
                    return PromptFailure(message: "since needs a span like 15m, 1h, 6h, 24h, 7d or all", column: text.count - rest.count)
                }
                state.query.range = .last(d)
            }
            state.live = true
            state.visibleRows = state.totalRows
            rescope(&state, model: model)
            state.message = .info("time range: \(rest == "all" ? "all data" : "last " + rest)")
        case "from":
            let parts = rest.components(separatedBy: " to ")
            guard parts.count == 2, let a = Timestamp.parse(parts[0].trimmingCharacters(in: " ")),
                  let b = Timestamp.parse(parts[1].trimmingCharacters(in: " ")) else {
                return PromptFailure(message: "from needs two times: from 2024-05-01T10:00:00Z to 2024-05-01T11:00:00Z", column: text.count - rest.count)
            }
            guard b > a else { return PromptFailure(message: "the end must come after the start", column: nil) }
            state.query.range = .between(a, b)
            state.live = false
            rescope(&state, model: model)
            state.message = .info("time range: \(Timestamp.format(a)) to \(Timestamp.format(b))")
        case "field":
            if let failure = unknownField(rest, at: text.count - rest.count, model: model) { return failure }
            guard let column = model.table.column(rest) else {
                return PromptFailure(message: "\(rest) is the event time; the heatmap needs a numeric field", column: text.count - rest.count)
            }
            guard column.dictionary.kindCounts[Int(ValueKind.int.rawValue)] + column.dictionary.kindCounts[Int(ValueKind.float.rawValue)] > 0 else {
                return PromptFailure(message: "\(rest) holds no numbers; the heatmap needs a numeric field", column: text.count - rest.count)
            }
            state.query.field = rest
            state.query.histogram = false
            rescope(&state, model: model)
            state.message = .info("heatmap of \(rest)")
        case "counts":
            state.query.histogram = true
            rescope(&state, model: model)
            state.message = .info("events over time, errors in red (:field NAME: a heatmap)")
        case "group", "g":
            if let failure = unknownField(rest, at: text.count - rest.count, model: model) { return failure }
            openGroups(field: rest, &state, model: model)
        case "compare":
            let words = rest.split(separator: " ").map(String.init)
            guard words.count <= 1 || words.count == 3 else {
                return PromptFailure(message: "compare [FIELD [BEFORE AFTER]], e.g. compare service.version 3.4.0 3.6.0", column: text.count - rest.count)
            }
            if let failure = openCompare(field: words.first, before: words.count == 3 ? words[1] : nil, after: words.count == 3 ? words[2] : nil,
                                         &state, model: model) {
                return PromptFailure(message: failure, column: nil)
            }
        case "versions":
            if let failure = openVersions(field: rest.isEmpty ? nil : rest, &state, model: model) {
                return PromptFailure(message: failure, column: nil)
            }
        case "services":
            openServices(&state, model: model)
        case "map":
            openServiceMap(&state, model: model)
        case "slo", "slos":
            if case .slo = state.top { break }
            push(&state, .slo(SLOListState()))
        case "help":
            state.help = 0
        case "quit", "q":
            state.quitting = true
        default:
            return PromptFailure(message: "unknown command \"\(word)\"; try where, select, clear, since, from, field, counts, group, compare, versions, slo, services, map (Tab completes)", column: 0)
        }
        return nil
    }

    /// The failure for a field the dataset does not have, naming the closest one (`no field
    /// stauts (did you mean status?)`), with the caret at `column`; nil when it has it.
    static func unknownField(_ name: String, at column: Int, model: ExplorerModel) -> PromptFailure? {
        guard name != FieldName.timestamp, model.table.column(name) == nil else { return nil }
        let known = model.table.columns.map(\.name)
        return PromptFailure(message: FieldSuggestion.unknownField(name, known: known) + " (Tab completes field names)", column: column)
    }

    /// After the scope changed: back to the heatmap, box dropped, heatmap computed again.
    static func rescope(_ state: inout ExplorerState, model: ExplorerModel) {
        state.stack = state.stack.first.map { [$0] } ?? [.heatmap]
        state.savedFilters = [:]
        state.heat.anchor = nil
        state.heat.key = nil
        // An SLO on the heatmap stays, on the root now.
        if state.heat.slo != nil { state.heat.slo?.depth = state.stack.count }
        recomputeHeatmap(&state, model: model)
    }

    static func split(_ text: String) -> (String, String) {
        guard let space = text.firstIndex(of: " ") else { return (text, "") }
        return (String(text[..<space]), String(text[text.index(after: space)...]).trimmingCharacters(in: " "))
    }

    /// `15m`, `2h`, `7d`, `90s`, `1w` as nanoseconds; nil unless positive and under 100 years.
    static func parseSpan(_ text: String) -> Int64? {
        let t = text.trimmingCharacters(in: " ")
        guard let unit = t.last, let number = Double(t.dropLast()), number.isFinite, number > 0 else { return nil }
        let scale: Double
        switch unit {
        case "s": scale = 1e9
        case "m": scale = 60e9
        case "h": scale = 3600e9
        case "d": scale = 86_400e9
        case "w": scale = 604_800e9
        default: return nil
        }
        let ns = number * scale
        guard ns >= 1e9, ns <= 100 * 365 * 86_400e9 else { return nil }
        return Int64(ns)
    }
}
