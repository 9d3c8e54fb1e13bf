import Foundation
/// Makes text from events safe for a terminal (control and bidi characters shown as escapes).
enum Sanitize {
    static func line(_ s: String) -> String {
        var out = ""
        for scalar in s.unicodeScalars {
            let v = scalar.value
            if v < 0x20 || v == 0x7F || (0x80...0x9F).contains(v) {
                out += "\\x" + (v < 16 ? "0" : "") + String(v, radix: 16)
            } else if (0x202A...0x202E).contains(v) || (0x2066...0x2069).contains(v) || v == 0x200E || v == 0x200F || v == 0x061C {
                out += "\\u" + String(v, radix: 16)
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}

extension Sanitize {
    /// Sanitises each line of a block of text, keeping its newlines.
    static func block(_ s: String) -> String {
        s.split(separator: "\n", omittingEmptySubsequences: false).map { line(String($0)) }.joined(separator: "\n")
    }
}

/// The output width for tables: the terminal's when stdout is one, else 80.
enum TerminalWidth {
    static var columns: Int {
        if let c = Int(ProcessInfo.processInfo.environment["COLUMNS"] ?? ""), c >= 40 { return c }
        var size = winsize()
        if isatty(STDOUT_FILENO) != 0, ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col >= 40 { return Int(size.ws_col) }
        return 80
    }
}
