/// How many terminal columns text takes: 0, 1 or 2 per character, as the C library's
/// `wcwidth()` says (see `CharacterWidth+Tables.swift`).
public enum CharacterWidth {
    /// Columns one code point takes: 0 for combining and format characters, 2 for wide ones,
    /// 1 otherwise (controls count 1 here; the ``Sanitizer`` replaces them before they matter).
    /// - Complexity: O(log r), r the number of table ranges.
    public static func of(_ scalar: Unicode.Scalar) -> Int {
        let v = scalar.value
        if v < 0x300 { return 1 }
        if contains(doubleWidthRanges, v) { return 2 }
        if contains(zeroWidthRanges, v) { return 0 }
        return 1
    }

    /// Columns one grapheme cluster takes: the width of its first code point, which is how
    /// ncurses places a cluster (the code points after it are drawn on top of it).
    public static func of(_ character: Character) -> Int {
        guard let first = character.unicodeScalars.first else { return 0 }
        if first.isASCII { return 1 }
        return of(first)
    }

    /// Columns a string takes once sanitised for display.
    /// - Complexity: O(n)
    public static func columns(_ text: String) -> Int {
        var total = 0
        for ch in Sanitizer.sanitize(text) { total += of(ch) }
        return total
    }

    /// The longest prefix of the sanitised text that fits in `width` columns, ending in
    /// `ellipsis` when something was cut (the ellipsis counts against the width).
    /// - Complexity: O(n)
    public static func truncated(_ text: String, toWidth width: Int, ellipsis: String = "…") -> String {
        let clean = Sanitizer.sanitize(text)
        guard width > 0 else { return "" }
        var used = 0
        for ch in clean {
            used += of(ch)
            if used > width { break }
        }
        if used <= width { return clean }
        let room = width - columns(ellipsis)
        guard room >= 0 else { return "" }
        var out = ""
        used = 0
        for ch in clean {
            let w = of(ch)
            if used + w > room { break }
            out.append(ch)
            used += w
        }
        return out + ellipsis
    }

    /// Binary search in a flat list of inclusive (low, high) pairs sorted ascending.
    private static func contains(_ ranges: [UInt32], _ v: UInt32) -> Bool {
        var lo = 0, hi = ranges.count / 2 - 1
        guard hi >= 0, v >= ranges[0], v <= ranges[ranges.count - 1] else { return false }
        while lo <= hi {
            let mid = (lo + hi) / 2
            if v < ranges[2 * mid] {
                hi = mid - 1
            } else if v > ranges[2 * mid + 1] {
                lo = mid + 1
            } else {
                return true
            }
        }
        return false
    }
}
