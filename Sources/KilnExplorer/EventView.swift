import KilnCore
import KilnTerminal

/// The lines of the event view: fields grouped by their prefix, values wrapped.
enum EventLines {
    /// One line.
    struct Line: Equatable {
        enum Kind: Equatable { case group, field, continuation }
        var kind: Kind
        var name: String
        var text: String
        var flagged: Bool
    }

    /// Width of the field name column.
    static func nameWidth(_ fields: [Field], width: Int) -> Int {
        min(max(8, fields.map { Columns.width($0.name) }.max() ?? 8), max(8, width / 3))
    }

    /// Group order: top-level fields (`event`), `trace`, `service`, then alphabetical.
    static func groupName(_ field: String) -> String {
        guard let dot = field.firstIndex(of: "."), dot != field.startIndex else { return "event" }
        return String(field[..<dot])
    }

    static func build(model: ExplorerModel, state: EventState, width: Int) -> [Line] {
        guard let table = model.table(state.source), state.row >= 0, state.row < table.count else { return [] }
        let event = table.event(at: state.row)
        let nameWidth = nameWidth(event.fields, width: width)
        let valueWidth = max(10, width - nameWidth - 6)
        var groups: [String: [Field]] = [:]
        for f in event.fields { groups[groupName(f.name), default: []].append(f) }
        let first = ["event", "trace", "service"]
        let order = first.filter { groups[$0] != nil } + groups.keys.filter { !first.contains($0) }.sorted()
        var lines: [Line] = []
        for group in order {
            lines.append(Line(kind: .group, name: group, text: "", flagged: false))
            for f in (groups[group] ?? []).sorted(by: { $0.name < $1.name }) {
                let wrapped = Columns.wrap(f.value.text, valueWidth)
                let flagged = state.flagged.contains(f.name)
                for (i, piece) in wrapped.prefix(200).enumerated() {
                    lines.append(Line(kind: i == 0 ? .field : .continuation, name: i == 0 ? f.name : "", text: piece, flagged: flagged))
                }
            }
        }
        return lines
    }
}

/// Draws one event.
enum EventView {
    static func draw(_ e: EventState, _ ctx: RenderContext, _ grid: inout ScreenGrid) {
        let g = ctx.glyphs
        guard let table = ctx.model.table(e.source), e.row >= 0, e.row < table.count else {
            ctx.line(" this event is not loaded", y: 2, role: .error, &grid)
            return
        }
        var head = " event " + Timestamp.format(table.timestamps[e.row]) + " · " + (e.source ?? ctx.state.dataset)
            + " row " + Format.grouped(e.row + 1)
        if table.sampleRate(e.row) > 1 { head += " · sample rate " + Format.grouped(table.sampleRate(e.row)) }
        if !e.flagged.isEmpty { head += " · " + String(g.bullet) + " = BubbleUp ranked it high" }
        ctx.line(head, y: 2, role: .title, &grid)
        let lines = EventLines.build(model: ctx.model, state: e, width: ctx.width)
        let event = table.event(at: e.row)
        let nameWidth = EventLines.nameWidth(event.fields, width: ctx.width)
        let rows = Layout.eventRows(ctx.state.size)
        for i in 0..<rows {
            let index = e.scroll + i
            guard lines.indices.contains(index) else { break }
            let line = lines[index]
            let y = 3 + i
            switch line.kind {
            case .group:
                grid.put(" " + line.name, x: 0, y: y, width: ctx.width, role: .header)
            case .field, .continuation:
                if line.kind == .field {
                    if line.flagged { grid.put(String(g.bullet), x: 2, y: y, role: .selection) }
                    grid.put(Columns.fit(line.name, nameWidth, ellipsis: g.ellipsis), x: 4, y: y, width: nameWidth,
                             role: line.flagged ? .selection : .fieldName)
                }
                grid.put(line.text, x: 4 + nameWidth + 2, y: y, width: ctx.width - nameWidth - 6, role: .normal)
            }
            if index == e.cursor { grid.paint(Rect(x: 0, y: y, width: ctx.width, height: 1), role: .cursor) }
        }
    }
}
