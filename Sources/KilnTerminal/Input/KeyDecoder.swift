/// Turns what ncurses' `wget_wch` returns into ``Key``s (pure; the numbers are ncurses 6's).
public enum KeyDecoder {
    /// `wget_wch`'s status for a character.
    public static let statusOK: Int32 = 0
    /// `wget_wch`'s status for a function-key code (`KEY_CODE_YES`).
    public static let statusKeyCode: Int32 = 0o400
    /// `wget_wch`'s status for nothing read (`ERR`).
    public static let statusError: Int32 = -1

    /// ncurses' key codes (`KEY_*` in `curses.h`).
    public struct Codes: Hashable, Sendable {
        /// `KEY_DOWN` ... the rest follow curses.h names.
        public var down, up, left, right, home, backspace, f0, deleteChar, insertChar: Int
        /// Shifted and keypad keys.
        public var scrollForward, scrollBackward, nextPage, previousPage, enter, lowerLeft: Int
        /// Keypad corners: upper left, upper right, lower left, lower right.
        public var a1, a3, c1, c3: Int
        /// More keys.
        public var backTab, end, shiftLeft, shiftRight, shiftHome, shiftEnd, mouse, resize: Int

        /// The values in ncurses 6's curses.h.
        public static let ncurses6 = Codes(
            down: 0o402, up: 0o403, left: 0o404, right: 0o405, home: 0o406, backspace: 0o407, f0: 0o410,
            deleteChar: 0o512, insertChar: 0o513, scrollForward: 0o520, scrollBackward: 0o521,
            nextPage: 0o522, previousPage: 0o523, enter: 0o527, lowerLeft: 0o533,
            a1: 0o534, a3: 0o535, c1: 0o537, c3: 0o540, backTab: 0o541, end: 0o550,
            shiftLeft: 0o611, shiftRight: 0o622, shiftHome: 0o607, shiftEnd: 0o602, mouse: 0o631, resize: 0o632)
    }

    /// Decodes one `wget_wch` result: `status` is its return value, `value` the wide
    /// character or key code it stored. Returns nil for `ERR` (nothing read) and for
    /// `KEY_MOUSE`, which needs `getmouse` (see ``MouseEvent/decode(x:y:buttonState:)``).
    public static func decode(status: Int32, value: UInt32, codes: Codes = .ncurses6) -> Key? {
        switch status {
        case statusOK: return decodeCharacter(value)
        case statusKeyCode: return decodeKeyCode(Int(value), codes: codes)
        default: return nil
        }
    }

    /// Decodes a character `wget_wch` returned with status OK.
    public static func decodeCharacter(_ value: UInt32) -> Key {
        switch value {
        case 9: return .tab
        case 10, 13: return .enter
        case 27: return .escape
        case 8, 127: return .backspace
        case 0: return .ctrl("@")
        case 1...26: return .ctrl(Character(Unicode.Scalar(UInt8(96 + value))))
        case 28: return .ctrl("\\")
        case 29: return .ctrl("]")
        case 30: return .ctrl("^")
        case 31: return .ctrl("_")
        case 0x80...0x9F: return .unknown(Int(value))
        default:
            guard let scalar = Unicode.Scalar(value) else { return .unknown(Int(value)) }
            return .char(Character(scalar))
        }
    }

    /// Decodes a key code `wget_wch` returned with status `KEY_CODE_YES`; nil for `KEY_MOUSE`.
    public static func decodeKeyCode(_ code: Int, codes: Codes = .ncurses6) -> Key? {
        switch code {
        case codes.down: return .down
        case codes.up: return .up
        case codes.left: return .left
        case codes.right: return .right
        case codes.home, codes.a1: return .home
        case codes.end, codes.c1, codes.lowerLeft: return .end
        case codes.previousPage, codes.a3: return .pageUp
        case codes.nextPage, codes.c3: return .pageDown
        case codes.backspace: return .backspace
        case codes.deleteChar: return .delete
        case codes.insertChar: return .insert
        case codes.enter: return .enter
        case codes.backTab: return .backTab
        case codes.scrollForward: return .shiftDown
        case codes.scrollBackward: return .shiftUp
        case codes.shiftLeft: return .shiftLeft
        case codes.shiftRight: return .shiftRight
        case codes.shiftHome: return .home
        case codes.shiftEnd: return .end
        case codes.resize: return .resize
        case codes.mouse: return nil
        case (codes.f0 + 1)...(codes.f0 + 63): return .function(code - codes.f0)
        default: return .unknown(code)
        }
    }
}
