/// How many colours the terminal shows.
public enum ColorDepth: Int, Hashable, Sendable, Comparable, CaseIterable, CustomStringConvertible {
    /// No colour at all: attributes only (`NO_COLOR`, `--color none`, or a terminal without colours).
    case none = 0
    /// The 8 basic colours (`TERM=linux`, `TERM=screen`).
    case ansi8 = 8
    /// 8 basic and 8 bright colours.
    case ansi16 = 16
    /// The xterm 256-colour palette.
    case xterm256 = 256
    /// 24-bit colour (`COLORTERM=truecolor`).
    case truecolor = 16_777_216

    /// Orders depths from fewest to most colours.
    public static func < (a: ColorDepth, b: ColorDepth) -> Bool { a.rawValue < b.rawValue }

    /// `none`, `8`, `16`, `256`, `truecolor`: the `--color` spelling.
    public var description: String {
        switch self {
        case .none: return "none"
        case .ansi8: return "8"
        case .ansi16: return "16"
        case .xterm256: return "256"
        case .truecolor: return "truecolor"
        }
    }

    /// Decides the depth from the `--color` choice, the environment and terminfo's `colors`.
    ///
    /// An explicit choice wins; otherwise `NO_COLOR` set and non-empty means none (no-color.org),
    /// `COLORTERM=truecolor` or `24bit` means truecolor on a terminal with colour, and terminfo's
    /// colour count decides the rest (256, 16, 8, fewer: none).
    public static func detect(choice: ColorChoice, environment: [String: String], terminfoColors: Int) -> ColorDepth {
        switch choice {
        case .depth(let depth): return depth
        case .auto: break
        }
        if let noColor = environment["NO_COLOR"], !noColor.isEmpty { return .none }
        let colorterm = environment["COLORTERM"]?.lowercased() ?? ""
        if (colorterm == "truecolor" || colorterm == "24bit") && terminfoColors >= 8 { return .truecolor }
        if terminfoColors >= 256 { return .xterm256 }
        if terminfoColors >= 16 { return .ansi16 }
        if terminfoColors >= 8 { return .ansi8 }
        return .none
    }
}

/// The `--color` option: `auto` or a fixed depth.
public enum ColorChoice: Hashable, Sendable, CustomStringConvertible {
    /// Detect from the environment and terminfo.
    case auto
    /// Use this depth whatever the terminal says.
    case depth(ColorDepth)

    /// Parses `auto`, `truecolor` (or `24bit`), `256`, `16`, `8`, `none` (or `0`, `mono`); nil otherwise.
    public init?(_ text: String) {
        switch text.lowercased() {
        case "auto": self = .auto
        case "truecolor", "24bit": self = .depth(.truecolor)
        case "256": self = .depth(.xterm256)
        case "16": self = .depth(.ansi16)
        case "8": self = .depth(.ansi8)
        case "none", "0", "mono": self = .depth(.none)
        default: return nil
        }
    }

    /// The accepted spellings, for help text and errors.
    public static let spellings = "auto, truecolor, 256, 16, 8, none"

    /// `auto` or the depth's spelling.
    public var description: String {
        switch self {
        case .auto: return "auto"
        case .depth(let d): return d.description
        }
    }
}
