/// The characters for lines and boxes; each is one column wide.
public struct BoxGlyphs: Hashable, Sendable {
    /// `─`
    public var horizontal: Character
    /// `│`
    public var vertical: Character
    /// `┌`
    public var topLeft: Character
    /// `┐`
    public var topRight: Character
    /// `└`
    public var bottomLeft: Character
    /// `┘`
    public var bottomRight: Character
    /// `├` (a line leaving to the right)
    public var teeRight: Character
    /// `┤` (a line leaving to the left)
    public var teeLeft: Character
    /// `┬` (a line leaving downwards)
    public var teeDown: Character
    /// `┴` (a line leaving upwards)
    public var teeUp: Character
    /// `┼`
    public var cross: Character

    /// Makes a glyph set for boxes.
    public init(horizontal: Character, vertical: Character, topLeft: Character, topRight: Character,
                bottomLeft: Character, bottomRight: Character, teeRight: Character, teeLeft: Character,
                teeDown: Character, teeUp: Character, cross: Character) {
        self.horizontal = horizontal
        self.vertical = vertical
        self.topLeft = topLeft
        self.topRight = topRight
        self.bottomLeft = bottomLeft
        self.bottomRight = bottomRight
        self.teeRight = teeRight
        self.teeLeft = teeLeft
        self.teeDown = teeDown
        self.teeUp = teeUp
        self.cross = cross
    }

    /// Thin Unicode box drawing: `┌─┐ │ └─┘ ├ ┤ ┬ ┴ ┼`.
    public static let light = BoxGlyphs(horizontal: "─", vertical: "│", topLeft: "┌", topRight: "┐",
                                        bottomLeft: "└", bottomRight: "┘", teeRight: "├", teeLeft: "┤",
                                        teeDown: "┬", teeUp: "┴", cross: "┼")
    /// Rounded corners: `╭─╮ ╰─╯`.
    public static let rounded = BoxGlyphs(horizontal: "─", vertical: "│", topLeft: "╭", topRight: "╮",
                                          bottomLeft: "╰", bottomRight: "╯", teeRight: "├", teeLeft: "┤",
                                          teeDown: "┬", teeUp: "┴", cross: "┼")
    /// Heavy lines: `┏━┓ ┃ ┗━┛`, for the focused pane.
    public static let heavy = BoxGlyphs(horizontal: "━", vertical: "┃", topLeft: "┏", topRight: "┓",
                                        bottomLeft: "┗", bottomRight: "┛", teeRight: "┣", teeLeft: "┫",
                                        teeDown: "┳", teeUp: "┻", cross: "╋")
    /// Plain ASCII: `+-+ | +-+`.
    public static let ascii = BoxGlyphs(horizontal: "-", vertical: "|", topLeft: "+", topRight: "+",
                                        bottomLeft: "+", bottomRight: "+", teeRight: "+", teeLeft: "+",
                                        teeDown: "+", teeUp: "+", cross: "+")
    /// ASCII for the focused pane: `+=+` with `|` sides.
    public static let asciiHeavy = BoxGlyphs(horizontal: "=", vertical: "|", topLeft: "+", topRight: "+",
                                             bottomLeft: "+", bottomRight: "+", teeRight: "+", teeLeft: "+",
                                             teeDown: "+", teeUp: "+", cross: "+")
}
