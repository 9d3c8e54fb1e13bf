import KilnCore

extension Explorer {
    /// The view on screen as a `kiln explore` command line that opens it again (a permalink):
    /// the dataset, time range, filters, heatmap field, and the selection and view of a
    /// BubbleUp or events view, or the trace. Values are single-quoted for a POSIX shell.
    static func commandLine(_ state: ExplorerState) -> String {
        var parts = ["kiln explore"]
        if let db = state.shareDB { parts += ["--db", quoted(db)] }
        parts += ["--dataset", quoted(state.dataset)]
        switch state.query.range {
        case .all: parts += ["--since", "all"]
        case .last(let d): parts += ["--since", DurationText.format(d)]
        case .between(let a, let b): parts += ["--from", Timestamp.format(a), "--to", Timestamp.format(b)]
        }
        for f in state.query.filters { parts += ["--where", quoted(f.description)] }
        if state.query.field != FieldName.duration { parts += ["--field", quoted(state.query.field)] }
        switch state.top {
        case .bubbleUp(let b):
            // A negated selection (an SLO's bad events) has no --select; the heatmap it came from
            // is what reopens.
            guard !b.selection.negated else { break }
            for f in b.selection.filters { parts += ["--select", quoted(f.description)] }
            parts += ["--view", "bubbleup"]
        case .events(let e):
            guard !e.selection.negated else { break }
            for f in e.selection.filters + e.having { parts += ["--select", quoted(f.description)] }
            parts += ["--view", "events"]
        case .trace(let t):
            parts += ["--trace", quoted(t.traceID)]
        default:
            break
        }
        return parts.joined(separator: " ")
    }

    /// `text` as a single-quoted shell word (bare when it needs no quoting).
    static func quoted(_ text: String) -> String {
        let plain = !text.isEmpty && text.allSatisfy { $0.isLetter || $0.isNumber || "-_./:@".contains($0) }
        if plain { return text }
        var out = "'"
        for c in text { out += c == "'" ? "'\\''" : String(c) }
        return out + "'"
    }
}
