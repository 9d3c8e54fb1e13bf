extension QueryResult {
    /// The result as JSON:
    ///
    /// ```
    /// {"rows":[{"service.name":"api","COUNT":123,"P99(duration_ms)":812.5}, ...],
    ///  "series":[{"time":"2024-05-01T12:00:00Z","service.name":"api","COUNT":12,...}, ...]}
    /// ```
    ///
    /// Keys are the GROUP BY field names and the calculations' canonical text; group values keep
    /// their JSON type (absent is null); a calculation without a value is null. `series` is there
    /// only with a granularity. A HEATMAP cell is its array of counts per value bucket, and the
    /// top level then has `"heatmaps":{"HEATMAP(duration_ms)":{"scale":"log","edges":[...]}}`
    /// (bucket i counts values in `edges[i] ..< edges[i+1]`). `"weighted": true` is added when
    /// counts are weighted by sample rates above 1.
    public func json() -> String {
        var out = "{\"rows\":["
        for (i, row) in rows.enumerated() {
            if i > 0 { out += "," }
            out += "{"
            appendCells(group: row.group, values: row.values, first: true, to: &out)
            out += "}"
        }
        out += "]"
        if let series {
            out += ",\"series\":["
            for (i, p) in series.enumerated() {
                if i > 0 { out += "," }
                out += "{\"time\":\"" + Timestamp.format(p.time) + "\""
                appendCells(group: p.group, values: p.values, first: false, to: &out)
                out += "}"
            }
            out += "]"
        }
        if !heatmapEdges.isEmpty {
            out += ",\"heatmaps\":{"
            for (i, key) in heatmapEdges.keys.sorted().enumerated() {
                if i > 0 { out += "," }
                JSONText.appendString(key, to: &out)
                out += ":{\"scale\":\"log\",\"edges\":[" + (heatmapEdges[key] ?? []).map { Value.format($0) }.joined(separator: ",") + "]}"
            }
            out += "}"
        }
        if weighted { out += ",\"weighted\":true" }
        out += "}"
        return out
    }

    private func appendCells(group: [Value?], values: [CalculationValue], first: Bool, to out: inout String) {
        var first = first
        for (k, field) in groupBy.enumerated() {
            if !first { out += "," }
            first = false
            JSONText.appendString(field, to: &out)
            out += ":"
            if k < group.count, let v = group[k] { JSONText.appendValue(v, to: &out) } else { out += "null" }
        }
        for (k, calc) in calculations.enumerated() {
            if !first { out += "," }
            first = false
            JSONText.appendString(calc.description, to: &out)
            out += ":"
            switch k < values.count ? values[k] : .null {
            case .null: out += "null"
            case .value(let v): JSONText.appendValue(v, to: &out)
            case .histogram(let h): out += "[" + h.map { String($0) }.joined(separator: ",") + "]"
            }
        }
    }

    /// The groups as a plain-text table no wider than `width` (columns are narrowed and cut
    /// with `…` when needed), numbers right-aligned, absent shown as `-`; HEATMAP cells as a
    /// small bar per value bucket. A series follows as a second table with a `time` column.
    public func table(width: Int = 80, ascii: Bool = false) -> String {
        let header = groupBy + calculations.map(\.description)
        let body = rows.map { cells(group: $0.group, values: $0.values, ascii: ascii) }
        var out = TextTable.render(header: header, rows: body, numeric: numericColumns(offset: 0), width: width, ascii: ascii,
                                   keys: groupBy.count)
        if let series, !series.isEmpty {
            let seriesRows = series.map { [Timestamp.format($0.time)] + cells(group: $0.group, values: $0.values, ascii: ascii) }
            out += "\n" + TextTable.render(header: ["time"] + header, rows: seriesRows, numeric: numericColumns(offset: 1),
                                          width: width, ascii: ascii, keys: 1 + groupBy.count)
        }
        return out
    }

    /// The groups as CSV (RFC 4180): a header row of field names and calculations, then one
    /// line per group; absent is an empty cell; a HEATMAP cell is its counts separated by spaces.
    public func csv() -> String {
        var lines = [(groupBy + calculations.map(\.description)).map(TextTable.csvField).joined(separator: ",")]
        for row in rows {
            lines.append(csvCells(group: row.group, values: row.values).joined(separator: ","))
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    /// The series as CSV with a leading `time` column (RFC 3339); empty without a granularity.
    public func seriesCSV() -> String {
        guard let series else { return "" }
        var lines = [(["time"] + groupBy + calculations.map(\.description)).map(TextTable.csvField).joined(separator: ",")]
        for p in series {
            lines.append(([Timestamp.format(p.time)] + csvCells(group: p.group, values: p.values)).joined(separator: ","))
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    private func csvCells(group: [Value?], values: [CalculationValue]) -> [String] {
        group.map { TextTable.csvField($0?.text ?? "") } + values.map { v -> String in
            switch v {
            case .null: return ""
            case .value(let x): return TextTable.csvField(x.text)
            case .histogram(let h): return h.map { String($0) }.joined(separator: " ")
            }
        }
    }

    private func numericColumns(offset: Int) -> Set<Int> {
        var out = Set<Int>()
        for (k, _) in calculations.enumerated() { out.insert(offset + groupBy.count + k) }
        for k in groupBy.indices where rows.allSatisfy({ row in
            k >= row.group.count || row.group[k] == nil || row.group[k]?.number != nil
        }) {
            out.insert(offset + k)
        }
        return out
    }

    private func cells(group: [Value?], values: [CalculationValue], ascii: Bool) -> [String] {
        group.map { $0.map(TextTable.cellText) ?? "-" } + values.map { v -> String in
            switch v {
            case .null: return "-"
            case .value(let x): return TextTable.cellText(x)
            case .histogram(let h): return TextTable.spark(h, ascii: ascii)
            }
        }
    }
}
