/// Text attributes a cell or a theme role can carry, independent of colour.
public struct TextAttributes: OptionSet, Hashable, Sendable {
    /// The raw bits.
    public let rawValue: UInt8

    /// Makes attributes from raw bits.
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// Bold (often also brighter).
    public static let bold = TextAttributes(rawValue: 1 << 0)
    /// Dim or faint.
    public static let dim = TextAttributes(rawValue: 1 << 1)
    /// Underlined.
    public static let underline = TextAttributes(rawValue: 1 << 2)
    /// Foreground and background swapped.
    public static let reverse = TextAttributes(rawValue: 1 << 3)
    /// Italic (not every terminal shows it).
    public static let italic = TextAttributes(rawValue: 1 << 4)

    /// Attribute names as theme files spell them, in a fixed order.
    public static let named: [(name: String, attribute: TextAttributes)] = [
        ("bold", .bold), ("dim", .dim), ("underline", .underline), ("reverse", .reverse), ("italic", .italic),
    ]

    /// The attributes' theme-file names, e.g. `["bold", "reverse"]`.
    public var names: [String] {
        TextAttributes.named.filter { contains($0.attribute) }.map(\.name)
    }
}
