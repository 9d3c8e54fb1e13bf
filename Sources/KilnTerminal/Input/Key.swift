/// A decoded key press, or another input event (resize, mouse, end of input).
public enum Key: Hashable, Sendable, CustomStringConvertible {
    /// A printable character (`q`, `/`, `G`, `é`, a space).
    case char(Character)
    /// Arrow up.
    case up
    /// Arrow down.
    case down
    /// Arrow left.
    case left
    /// Arrow right.
    case right
    /// Shift + arrow up.
    case shiftUp
    /// Shift + arrow down.
    case shiftDown
    /// Shift + arrow left.
    case shiftLeft
    /// Shift + arrow right.
    case shiftRight
    /// Home.
    case home
    /// End.
    case end
    /// Page up.
    case pageUp
    /// Page down.
    case pageDown
    /// Enter or Return.
    case enter
    /// Escape (after ESCDELAY without a following sequence).
    case escape
    /// Tab.
    case tab
    /// Shift-Tab.
    case backTab
    /// Backspace (also Ctrl-H and DEL).
    case backspace
    /// Delete (forward).
    case delete
    /// Insert.
    case insert
    /// Ctrl plus a character, lowercase: `.ctrl("d")`; Ctrl-Space is `.ctrl("@")`.
    /// Ctrl-C normally arrives as SIGINT instead; Ctrl-H, Ctrl-I, Ctrl-J and Ctrl-M arrive as
    /// backspace, tab and enter.
    case ctrl(Character)
    /// Function key F1...F63.
    case function(Int)
    /// The terminal changed size, or came back from Ctrl-Z: redraw everything.
    case resize
    /// A mouse event (only while the mouse is on).
    case mouse(MouseEvent)
    /// Standard input is gone (the terminal closed): the run loop should quit.
    case endOfInput
    /// A key ncurses reported that Kiln does not know (its raw code).
    case unknown(Int)

    /// How help screens and footers name the key: `q`, `Space`, `Ctrl-D`, `PgDn`, `F5`.
    public var description: String {
        switch self {
        case .char(" "): return "Space"
        case .char(let c): return String(c)
        case .up: return "Up"
        case .down: return "Down"
        case .left: return "Left"
        case .right: return "Right"
        case .shiftUp: return "Shift-Up"
        case .shiftDown: return "Shift-Down"
        case .shiftLeft: return "Shift-Left"
        case .shiftRight: return "Shift-Right"
        case .home: return "Home"
        case .end: return "End"
        case .pageUp: return "PgUp"
        case .pageDown: return "PgDn"
        case .enter: return "Enter"
        case .escape: return "Esc"
        case .tab: return "Tab"
        case .backTab: return "Shift-Tab"
        case .backspace: return "Backspace"
        case .delete: return "Delete"
        case .insert: return "Insert"
        case .ctrl(let c): return "Ctrl-" + String(c).uppercased()
        case .function(let n): return "F\(n)"
        case .resize: return "resize"
        case .mouse: return "mouse"
        case .endOfInput: return "end of input"
        case .unknown(let code): return "key \(code)"
        }
    }
}
