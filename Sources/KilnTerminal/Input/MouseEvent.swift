/// A mouse event at a cell.
public struct MouseEvent: Hashable, Sendable {
    /// What happened.
    public enum Kind: Hashable, Sendable {
        /// A button went down (1 left, 2 middle, 3 right).
        case press(Int)
        /// A button went up.
        case release(Int)
        /// A press and release in one place.
        case click(Int)
        /// Two clicks.
        case doubleClick(Int)
        /// The wheel turned up (towards the top of the content).
        case wheelUp
        /// The wheel turned down.
        case wheelDown
        /// The pointer moved (with a button held, when the terminal reports it).
        case move
    }

    /// Column.
    public var x: Int
    /// Row.
    public var y: Int
    /// What happened.
    public var kind: Kind
    /// Shift was held.
    public var shift: Bool
    /// Ctrl was held.
    public var ctrl: Bool
    /// Alt was held.
    public var alt: Bool

    /// Makes an event.
    public init(x: Int, y: Int, kind: Kind, shift: Bool = false, ctrl: Bool = false, alt: Bool = false) {
        self.x = x
        self.y = y
        self.kind = kind
        self.shift = shift
        self.ctrl = ctrl
        self.alt = alt
    }

    /// Decodes ncurses' `MEVENT.bstate` (mouse interface version 2: five bits per button,
    /// buttons 4 and 5 are the wheel); nil when it holds nothing Kiln uses.
    public static func decode(x: Int, y: Int, buttonState: UInt32) -> MouseEvent? {
        func bit(_ button: Int, _ event: UInt32) -> Bool {
            buttonState & (event << UInt32((button - 1) * 5)) != 0
        }
        let shift = bit(6, 2), ctrl = bit(6, 1), alt = bit(6, 4)
        func make(_ kind: Kind) -> MouseEvent {
            MouseEvent(x: x, y: y, kind: kind, shift: shift, ctrl: ctrl, alt: alt)
        }
        if bit(4, 2) || bit(4, 4) { return make(.wheelUp) }
        if bit(5, 2) || bit(5, 4) { return make(.wheelDown) }
        for button in 1...3 {
            if bit(button, 8) || bit(button, 16) { return make(.doubleClick(button)) }
            if bit(button, 4) { return make(.click(button)) }
            if bit(button, 2) { return make(.press(button)) }
            if bit(button, 1) { return make(.release(button)) }
        }
        if bit(6, 8) { return make(.move) }
        return nil
    }
}
