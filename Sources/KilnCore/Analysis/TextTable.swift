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
