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

/// Plain-text tables fitted to a width.
enum TextTable {
    /// A cell's text: floats with at most 3 decimals, everything else as ``Value/text``.
    static func cellText(_ v: Value) -> String {
        guard case .float(let d) = v, d.isFinite, abs(d) < 1e15 else { return v.text }
        var s = NumberText.decimal(d, places: 3)
        while s.hasSuffix("0") { s.removeLast() }
        if s.hasSuffix(".") { s.removeLast() }
        return s
    }

    /// One character per bucket, its height scaled to the largest bucket.
    static func spark(_ counts: [Int64], ascii: Bool) -> String {
        let top = counts.max() ?? 0
        let ramp: [Character] = ascii ? [" ", ".", ":", "-", "=", "+", "*", "#"] : [" ", "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]
        guard top > 0 else { return String(repeating: ramp[0], count: counts.count) }
        return String(counts.map { c -> Character in
            if c == 0 { return ramp[0] }
            let level = Int((Double(c) / Double(top) * Double(ramp.count - 1)).rounded(.up))
            return ramp[min(ramp.count - 1, max(1, level))]
        })
    }

    /// A CSV field, quoted when it holds a comma, quote, CR or LF.
    static func csvField(_ s: String) -> String {
        guard s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return s }
        return "\"" + s.replacingAll("\"", with: "\"\"") + "\""
    }

    /// Columns separated by two spaces, a header line and a rule, no line wider than `width`.
    ///
    /// When the columns are too wide, the widest are narrowed: text columns down to 4
    /// characters, the columns after the first `keys` (calculations) only as far as their
    /// header is longer than their values, so numbers are never cut. When even that does not
    /// fit, those columns are split into several tables, one under the other, each repeating
    /// the key columns.
    static func render(header: [String], rows: [[String]], numeric: Set<Int>, width: Int, ascii: Bool, keys: Int = 0) -> String {
        let n = header.count
        guard n > 0 else { return "" }
        let width = max(20, width)
        let gap = 2
        var natural = header.map(\.count)
        for row in rows { for k in 0..<min(n, row.count) { natural[k] = max(natural[k], row[k].count) } }
        var minimum = natural.map { min($0, 4) }
        for k in keys..<n {
            minimum[k] = max(1, rows.reduce(0) { k < $1.count ? max($0, $1[k].count) : $0 })
        }
        if minimum.reduce(0, +) + gap * (n - 1) <= width || n <= keys + 1 {
            return block(header: header, rows: rows, columns: Array(0..<n), natural: natural, minimum: minimum,
                         numeric: numeric, width: width, ascii: ascii)
        }
        // Key columns take at most 16 characters each and half the width together.
        let keyColumns = Array(0..<min(keys, n))
        var keyWidth = keyColumns.reduce(0) { $0 + min(natural[$1], 16) + gap }
        if keyWidth > width / 2 { keyWidth = width / 2 }
        var chunks: [[Int]] = []
        var current: [Int] = []
        var used = keyWidth
        for k in keys..<n {
            let need = min(minimum[k], width - keyWidth) + gap
            if !current.isEmpty, used + need > width + gap {
                chunks.append(current)
                current = []
                used = keyWidth
            }
            current.append(k)
            used += need
        }
        if !current.isEmpty { chunks.append(current) }
        return chunks.map {
            block(header: header, rows: rows, columns: keyColumns + $0, natural: natural, minimum: minimum,
                  numeric: numeric, width: width, ascii: ascii)
        }.joined(separator: "\n")
    }

    private static func block(header: [String], rows: [[String]], columns: [Int], natural: [Int], minimum: [Int],
                              numeric: Set<Int>, width: Int, ascii: Bool) -> String {
        let gap = 2
        var widths = columns.map { natural[$0] }
        let floor = columns.map { minimum[$0] }
        while widths.reduce(0, +) + gap * (widths.count - 1) > width {
            let shrinkable = widths.indices.filter { widths[$0] > floor[$0] }
            guard let widest = shrinkable.max(by: { widths[$0] < widths[$1] }) else { break }
            widths[widest] -= 1
        }
        func line(_ cells: [String]) -> String {
            var parts: [String] = []
            for (i, k) in columns.enumerated() {
                let cell = k < cells.count ? cells[k] : ""
                parts.append(TextLayout.fit(cell, widths[i], right: numeric.contains(k), ascii: ascii))
            }
            var s = parts.joined(separator: String(repeating: " ", count: gap))
            while s.last == " " { s.removeLast() }
            return TextLayout.cut(s, width, ascii: ascii)
        }
        var out = [line(header), TextLayout.cut(widths.map { String(repeating: ascii ? "-" : "─", count: $0) }.joined(separator: "  "), width)]
        for row in rows { out.append(line(row)) }
        return out.joined(separator: "\n") + "\n"
    }
}

fileprivate extension String {
    /// Every occurrence of `target` replaced (no Foundation).
    func replacingAll(_ target: Character, with replacement: String) -> String {
        var out = ""
        for ch in self {
            if ch == target { out += replacement } else { out.append(ch) }
        }
        return out
    }
}
