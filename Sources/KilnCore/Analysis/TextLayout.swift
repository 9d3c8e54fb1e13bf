/// Fitting text into fixed-width columns for the plain-text tables.
enum TextLayout {
    /// `s` cut or padded to exactly `width` characters (cut text ends in `…`, or `~` in ASCII).
    static func fit(_ s: String, _ width: Int, right: Bool = false, ascii: Bool = false) -> String {
        guard width > 0 else { return "" }
        let n = s.count
        if n > width {
            if width == 1 { return ascii ? "~" : "…" }
            return String(s.prefix(width - 1)) + (ascii ? "~" : "…")
        }
        let pad = String(repeating: " ", count: width - n)
        return right ? pad + s : s + pad
    }

    /// `s` cut to at most `width` characters.
    static func cut(_ s: String, _ width: Int, ascii: Bool = false) -> String {
        s.count > width ? fit(s, width, ascii: ascii) : s
    }

    /// A horizontal bar `width` cells long for `fraction` (0...1), in eighths of a cell
    /// (`#` in ASCII); a non-zero fraction always shows at least a sliver.
    static func bar(_ fraction: Double, width: Int, ascii: Bool) -> String {
        guard width > 0 else { return "" }
        let f = fraction.isFinite ? min(1, max(0, fraction)) : 0
        if ascii {
            var cells = Int((f * Double(width)).rounded())
            if f > 0, cells == 0 { cells = 1 }
            let s = cells > 0 && f * Double(width) < 0.5 ? "." : String(repeating: "#", count: cells)
            return s + String(repeating: " ", count: width - s.count)
        }
        var eighths = Int((f * Double(width * 8)).rounded())
        if f > 0, eighths == 0 { eighths = 1 }
        let partials: [Character] = ["▏", "▎", "▍", "▌", "▋", "▊", "▉"]
        var s = String(repeating: "█", count: eighths / 8)
        if eighths % 8 > 0 { s.append(partials[eighths % 8 - 1]) }
        return s + String(repeating: " ", count: max(0, width - s.count))
    }

    /// Words joined with `separator`, wrapped into lines of at most `width` characters, each
    /// after `indent`.
    static func wrap(_ words: [String], width: Int, indent: String, separator: String = ", ") -> [String] {
        var lines: [String] = []
        var line = indent
        for (i, w) in words.enumerated() {
            let piece = w + (i < words.count - 1 ? separator.trimmingSuffixSpaces : "")
            if line.count > indent.count, line.count + 1 + piece.count > width {
                lines.append(line)
                line = indent
            }
            if line.count > indent.count { line += " " }
            line += piece
        }
        if line.count > indent.count { lines.append(line) }
        return lines
    }
}

private extension String {
    var trimmingSuffixSpaces: String {
        var s = Substring(self)
        while s.last == " " { s.removeLast() }
        return String(s)
    }
}
