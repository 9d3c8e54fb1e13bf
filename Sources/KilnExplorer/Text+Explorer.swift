import KilnCore
import KilnTerminal

extension String {
    /// The string without leading and trailing spaces.
    func trimmingCharacters(in set: Character) -> String {
        var s = Substring(self)
        while s.first == set { s.removeFirst() }
        while s.last == set { s.removeLast() }
        return String(s)
    }

    /// Splits on every occurrence of `separator` (a plain substring search).
    func components(separatedBy separator: String) -> [String] {
        guard !separator.isEmpty else { return [self] }
        var parts: [String] = []
        var rest = Substring(self)
        while let r = rest.range(of: separator) {
            parts.append(String(rest[..<r.lowerBound]))
            rest = rest[r.upperBound...]
        }
        parts.append(String(rest))
        return parts
    }
}

extension Substring {
    /// The first range of `needle`, if any.
    func range(of needle: String) -> Range<Substring.Index>? {
        let n = needle.count
        guard n > 0, count >= n else { return nil }
        var i = startIndex
        while i < endIndex {
            guard let end = index(i, offsetBy: n, limitedBy: endIndex) else { return nil }
            if self[i..<end] == Substring(needle) { return i..<end }
            i = index(after: i)
        }
        return nil
    }
}

/// Text measured and cut in terminal columns.
enum Columns {
    /// Width in columns of the text once sanitised.
    static func width(_ s: String) -> Int { CharacterWidth.columns(Sanitizer.sanitize(s)) }

    /// The sanitised text cut to `width` columns, ending in `ellipsis` when cut.
    static func fit(_ s: String, _ width: Int, ellipsis: String) -> String {
        guard width > 0 else { return "" }
        let clean = Sanitizer.sanitize(s)
        if CharacterWidth.columns(clean) <= width { return clean }
        var out = ""
        var used = 0
        let limit = width - CharacterWidth.columns(ellipsis)
        for ch in clean {
            let w = CharacterWidth.of(ch)
            if used + w > limit { break }
            out.append(ch)
            used += w
        }
        return out + ellipsis
    }

    /// Runs cut to `width` columns in all: the run that does not fit ends in `ellipsis`, and
    /// those after it go.
    static func fit(_ runs: [StyledText], _ width: Int, ellipsis: String) -> [StyledText] {
        var out: [StyledText] = []
        var used = 0
        for run in runs {
            let w = Columns.width(run.text)
            if used + w <= width {
                out.append(run)
                used += w
                continue
            }
            let cut = fit(run.text, width - used, ellipsis: ellipsis)
            if !cut.isEmpty {
                var last = run
                last.text = cut
                out.append(last)
            }
            break
        }
        return out
    }

    /// The sanitised text split into lines of at most `width` columns (hard wrap).
    static func wrap(_ s: String, _ width: Int) -> [String] {
        let clean = Sanitizer.sanitize(s)
        guard width > 0 else { return [clean] }
        var lines: [String] = []
        var line = ""
        var used = 0
        for ch in clean {
            let w = CharacterWidth.of(ch)
            if used + w > width, !line.isEmpty {
                lines.append(line)
                line = ""
                used = 0
            }
            line.append(ch)
            used += w
        }
        if !line.isEmpty || lines.isEmpty { lines.append(line) }
        return lines
    }

    /// A stable number for a name (FNV-1a), for colours that stay the same across runs.
    static func hash(_ s: String) -> Int {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in s.utf8 {
            h ^= UInt64(b)
            h = h &* 0x100_0000_01b3
        }
        return Int(h % 1_000_003)
    }
}
