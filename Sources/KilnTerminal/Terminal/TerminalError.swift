/// The error type of KilnTerminal: a code, a message and where it happened.
///
/// Its description is what a user sees: `theme solarized.toml:12: unknown role "heat9x"`.
public struct TerminalError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What kind of failure.
    public enum Code: Hashable, Sendable {
        /// A theme file is not valid TOML (of the subset Kiln reads) or not a valid theme.
        case badTheme
        /// No theme by that name or path.
        case themeNotFound
        /// The terminal cannot run the explorer (`TERM=dumb`, no cursor addressing, unknown `TERM`).
        case unsupportedTerminal
        /// Neither standard input/output nor `/dev/tty` is a terminal.
        case notATerminal
        /// An ncurses call failed.
        case cursesFailed
    }

    /// What kind of failure.
    public var code: Code
    /// What went wrong, for a person.
    public var message: String
    /// Where: `theme solarized.toml:12`, `newterm`; nil when the message says it all.
    public var context: String?

    /// Makes an error.
    public init(code: Code, message: String, context: String? = nil) {
        self.code = code
        self.message = message
        self.context = context
    }

    /// `context: message`, or the message alone.
    public var description: String {
        guard let context else { return message }
        return "\(context): \(message)"
    }

    /// A problem at a line of a theme file.
    public static func badTheme(file: String, line: Int, _ message: String) -> TerminalError {
        TerminalError(code: .badTheme, message: message, context: "theme \(file):\(line)")
    }

    /// A theme name or path that leads nowhere.
    public static func themeNotFound(_ name: String, searched: [String]) -> TerminalError {
        let places = searched.isEmpty ? "" : " (looked in \(searched.joined(separator: ", ")))"
        return TerminalError(code: .themeNotFound, message: "no theme named \"\(name)\"\(places)", context: "theme")
    }

    /// A terminal Kiln cannot draw on.
    public static func unsupportedTerminal(_ message: String) -> TerminalError {
        TerminalError(code: .unsupportedTerminal, message: message, context: "terminal")
    }

    /// No terminal to draw on.
    public static func notATerminal(_ message: String) -> TerminalError {
        TerminalError(code: .notATerminal, message: message, context: "terminal")
    }

    /// A failed ncurses call.
    public static func cursesFailed(_ call: String, _ message: String = "failed") -> TerminalError {
        TerminalError(code: .cursesFailed, message: message, context: call)
    }
}
