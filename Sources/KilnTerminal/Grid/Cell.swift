/// One column of the screen: a grapheme cluster with a role and attributes.
///
/// A wide character (CJK, most emoji) occupies two cells: the left one holds the text and has
/// ``isWide`` set, the right one is a continuation cell with empty ``text``.
public struct Cell: Hashable, Sendable {
    /// The grapheme cluster shown here (already sanitised); empty for the right half of a wide character.
    public var text: String
    /// What the text means; the theme maps it to colours.
    public var role: Role
    /// Attributes added to the role's own.
    public var attributes: TextAttributes
    /// Whether the text is two columns wide and the next cell is its continuation.
    public var isWide: Bool

    /// Makes a cell.
    public init(text: String, role: Role = .normal, attributes: TextAttributes = [], isWide: Bool = false) {
        self.text = text
        self.role = role
        self.attributes = attributes
        self.isWide = isWide
    }

    /// A space in the normal role.
    public static let blank = Cell(text: " ")

    /// A space in the given role.
    public static func blank(_ role: Role, attributes: TextAttributes = []) -> Cell {
        Cell(text: " ", role: role, attributes: attributes)
    }

    /// Whether this is the right half of a wide character.
    public var isContinuation: Bool { text.isEmpty }
}
