/// Every non-letter character the explorer draws, in a Unicode and an ASCII version.
///
/// Under `LANG=C` ncurses silently drops every non-ASCII character, so borders, heat ramps and
/// bars must switch to ASCII: ``detect(codeset:)`` picks the set from the locale's codeset.
public struct GlyphSet: Hashable, Sendable {
    /// Whether this is the Unicode set.
    public var isUnicode: Bool
    /// Lines and boxes.
    public var box: BoxGlyphs
    /// Lines and boxes of the focused pane.
    public var focusedBox: BoxGlyphs
    /// Density ramp for heat cells, emptiest first (` ░▒▓█` or ` .:+#`).
    public var heatRamp: [Character]
    /// Partial-cell bar pieces, from one eighth to a full cell (`▏▎▍▌▋▊▉█`), or `#` alone in ASCII.
    public var barEighths: [Character]
    /// Sparkline levels, lowest first (`▁▂▃▄▅▆▇█` or `_.-=^`).
    public var sparkline: [Character]
    /// Tree branch to a child that has siblings after it: `├─ ` / `|- `.
    public var treeBranch: String
    /// Tree branch to the last child: `└─ ` / `` `- ``.
    public var treeLastBranch: String
    /// Tree continuation under a branch with more siblings: `│  ` / `|  `.
    public var treeVertical: String
    /// Tree indentation under a last child: three spaces.
    public var treeSpace: String
    /// `↑` / `^`
    public var arrowUp: Character
    /// `↓` / `v`
    public var arrowDown: Character
    /// `←` / `<`
    public var arrowLeft: Character
    /// `→` / `>`
    public var arrowRight: Character
    /// Between breadcrumb parts: ` ❭ ` / ` > `.
    public var breadcrumbSeparator: String
    /// Marks cut text: `…` / `~`.
    public var ellipsis: String
    /// A list bullet: `•` / `*`.
    public var bullet: Character
    /// Marks the cursor row: `▶` / `>`.
    public var pointer: Character
    /// A vertical marker line in charts (deploys): `┊` / `:`.
    public var markerLine: Character
    /// A check mark: `✓` / `x`.
    public var check: Character

    /// Box drawing, block elements and arrows.
    public static let unicode = GlyphSet(
        isUnicode: true, box: .light, focusedBox: .heavy,
        heatRamp: [" ", "░", "▒", "▓", "█"],
        barEighths: ["▏", "▎", "▍", "▌", "▋", "▊", "▉", "█"],
        sparkline: ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"],
        treeBranch: "├─ ", treeLastBranch: "└─ ", treeVertical: "│  ", treeSpace: "   ",
        arrowUp: "↑", arrowDown: "↓", arrowLeft: "←", arrowRight: "→",
        breadcrumbSeparator: " ❭ ", ellipsis: "…", bullet: "•", pointer: "▶", markerLine: "┊", check: "✓")

    /// Printable ASCII only, for `LANG=C` and terminals without UTF-8.
    public static let ascii = GlyphSet(
        isUnicode: false, box: .ascii, focusedBox: .asciiHeavy,
        heatRamp: [" ", ".", ":", "+", "#"],
        barEighths: ["#"],
        sparkline: ["_", ".", "-", "=", "^"],
        treeBranch: "|- ", treeLastBranch: "`- ", treeVertical: "|  ", treeSpace: "   ",
        arrowUp: "^", arrowDown: "v", arrowLeft: "<", arrowRight: ">",
        breadcrumbSeparator: " > ", ellipsis: "~", bullet: "*", pointer: ">", markerLine: ":", check: "x")

    /// The Unicode set when the locale's codeset (`nl_langinfo(CODESET)` after
    /// `setlocale(LC_ALL, "")`) is UTF-8, otherwise ASCII.
    public static func detect(codeset: String) -> GlyphSet {
        let normalized = codeset.lowercased().filter { $0 != "-" && $0 != "_" }
        return normalized == "utf8" ? .unicode : .ascii
    }

    /// The heat ramp glyph for a heat level 0...9 (clamped): 0 is blank, 1...9 spread over the
    /// rest of the ramp so any non-zero level is visible.
    public func heatGlyph(level: Int) -> Character {
        let l = min(max(level, 0), Role.heatLevels - 1)
        if l == 0 { return heatRamp[0] }
        let steps = heatRamp.count - 1
        let index = 1 + (l - 1) * steps / (Role.heatLevels - 1)
        return heatRamp[min(index, steps)]
    }

    /// A horizontal bar `fraction` (clamped to 0...1) of `width` columns long, using partial
    /// cells where the set has them; never longer than `width`. A non-zero fraction shows at
    /// least the smallest piece so small counts stay visible.
    public func bar(fraction: Double, width: Int) -> String {
        guard width > 0, fraction.isFinite else { return "" }
        let f = min(max(fraction, 0), 1)
        let pieces = barEighths.count
        var units = Int((f * Double(width * pieces)).rounded())
        if f > 0 && units == 0 { units = 1 }
        let full = units / pieces
        let rest = units % pieces
        var s = String(repeating: String(barEighths[pieces - 1]), count: full)
        if rest > 0 && full < width { s.append(barEighths[rest - 1]) }
        return s
    }

    /// The sparkline glyph for a value between 0 and 1 (clamped).
    public func sparkGlyph(_ fraction: Double) -> Character {
        guard fraction.isFinite else { return sparkline[0] }
        let f = min(max(fraction, 0), 1)
        return sparkline[min(sparkline.count - 1, Int(f * Double(sparkline.count - 1) + 0.5))]
    }

    /// Parts joined by the breadcrumb separator.
    public func breadcrumb(_ parts: [String]) -> String {
        parts.joined(separator: breadcrumbSeparator)
    }
}
