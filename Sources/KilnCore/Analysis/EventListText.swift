/// Raw events as text for `kiln query` without calculations: a table or CSV whose columns are
/// `timestamp` (RFC 3339) and then every field in the order the events first show it.
public enum EventListText {
    /// The columns of `events`: `timestamp`, then each field name once, in order of appearance.
    /// - Complexity: O(fields of all events)
    public static func columns(_ events: [Event]) -> [String] {
        var seen: Set<String> = [FieldName.timestamp]
        var out = [FieldName.timestamp]
        for e in events {
            for f in e.fields where seen.insert(f.name).inserted { out.append(f.name) }
        }
        return out
    }

    /// The cells of one event under `columns` (an absent field is empty).
    static func cells(_ e: Event, columns: [String]) -> [String] {
        var byName: [String: Value] = [:]
        for f in e.fields { byName[f.name] = f.value }
        return columns.map { c in
            if c == FieldName.timestamp { return Timestamp.format(e.timestamp) }
            return byName[c].map(TextTable.cellText) ?? ""
        }
    }

    /// CSV with a header row, CRLF line ends (RFC 4180).
    /// - Complexity: O(events × columns)
    public static func csv(_ events: [Event]) -> String {
        let columns = columns(events)
        var lines = [columns.map(TextTable.csvField).joined(separator: ",")]
        for e in events {
            var byName: [String: Value] = [:]
            for f in e.fields { byName[f.name] = f.value }
            lines.append(columns.map { c in
                c == FieldName.timestamp ? Timestamp.format(e.timestamp) : TextTable.csvField(byName[c]?.text ?? "")
            }.joined(separator: ","))
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    /// A table no wider than `width` (split into several tables when the columns do not fit),
    /// numbers right-aligned.
    /// - Complexity: O(events × columns)
    public static func table(_ events: [Event], width: Int, ascii: Bool = false) -> String {
        let columns = columns(events)
        let rows = events.map { cells($0, columns: columns) }
        var numeric = Set<Int>()
        for k in columns.indices.dropFirst() where events.allSatisfy({ e in
            e.fields.first { $0.name == columns[k] }.map { $0.value.number != nil } ?? true
        }) {
            numeric.insert(k)
        }
        return TextTable.render(header: columns, rows: rows, numeric: numeric, width: width, ascii: ascii, keys: 1)
    }
}
