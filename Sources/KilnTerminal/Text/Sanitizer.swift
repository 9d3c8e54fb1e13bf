/// Makes text from event data safe to show: nothing in it can move the cursor, change colours,
/// reorder text or hide characters.
///
/// Field values come from the internet (URLs, user agents, headers), and JSON decoding turns
/// `\u001b` into a real ESC byte (escape injection: GHSA-x3g7-qrwc-f6c5, RUSTSEC-2025-0055).
/// Every character that a terminal would interpret or that is invisible is replaced by a
/// visible escape:
///
/// | input | shown as |
/// |---|---|
/// | tab, newline, carriage return | `\t`, `\n`, `\r` |
/// | other C0 controls, DEL | `\x1b`, `\x7f` |
/// | C1 controls U+0080-U+009F | `\u0085` |
/// | bidi controls U+061C, U+200E, U+200F, U+202A-U+202E, U+2066-U+2069 | `\u202e` |
/// | other invisible format characters (U+200B, U+2060, U+FEFF, tags U+E0000-U+E007F, ...), line/paragraph separators, unassigned code points and noncharacters | `\u200b`, `\U000e0041` |
/// | invalid UTF-8 (byte input) | U+FFFD |
///
/// Zero-width joiner and non-joiner (needed by emoji and several scripts) and the soft hyphen
/// pass through. A backslash is not doubled, so `\x1b` in the data and an escaped ESC look
/// the same; the point is that neither is interpreted.
public enum Sanitizer {
    /// The text with every unsafe character replaced by its visible escape.
    /// - Complexity: O(n); text of printable ASCII only is returned as is.
    public static func sanitize(_ text: String) -> String {
        var clean = true
        for b in text.utf8 where b < 0x20 || b >= 0x7F {
            clean = false
            break
        }
        if clean { return text }
        var out = ""
        out.reserveCapacity(text.utf8.count + 8)
        for scalar in text.unicodeScalars {
            if let escaped = escape(scalar) {
                out += escaped
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// Decodes bytes as UTF-8 (each invalid sequence becomes U+FFFD) and sanitises the result.
    /// - Complexity: O(n)
    public static func sanitize<Bytes: Collection>(bytes: Bytes) -> String where Bytes.Element == UInt8 {
        sanitize(String(decoding: bytes, as: UTF8.self))
    }

    /// Whether the code point is shown as an escape.
    public static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
        escape(scalar) != nil
    }

    /// The visible escape for a code point, or nil when it may be shown as it is.
    public static func escape(_ scalar: Unicode.Scalar) -> String? {
        let v = scalar.value
        switch v {
        case 0x09: return "\\t"
        case 0x0A: return "\\n"
        case 0x0D: return "\\r"
        case 0x00..<0x20, 0x7F: return "\\x" + hex(v, digits: 2)
        case 0x20..<0x7F: return nil
        case 0x80...0x9F: return "\\u" + hex(v, digits: 4)
        case 0xA0..<0x300: return nil // Latin; includes the soft hyphen U+00AD on purpose
        case 0x200C, 0x200D: return nil
        default: break
        }
        let props = scalar.properties
        switch props.generalCategory {
        case .format, .lineSeparator, .paragraphSeparator, .unassigned, .control, .surrogate:
            return longEscape(v)
        default:
            return props.isNoncharacterCodePoint ? longEscape(v) : nil
        }
    }

    private static func longEscape(_ v: UInt32) -> String {
        v <= 0xFFFF ? "\\u" + hex(v, digits: 4) : "\\U" + hex(v, digits: 8)
    }

    private static func hex(_ v: UInt32, digits: Int) -> String {
        let s = String(v, radix: 16)
        return String(repeating: "0", count: max(0, digits - s.count)) + s
    }
}
