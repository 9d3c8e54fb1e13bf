/// A colour as a theme gives it: a main value plus optional explicit fallbacks for terminals
/// with fewer colours; missing fallbacks are computed (nearest xterm-256 or basic colour).
public struct ThemeColor: Hashable, Sendable {
    /// The colour on a truecolor terminal (`"#ffd75f"`, a palette index, or the terminal default).
    public var primary: TerminalColor
    /// Explicit 256-colour index (`fg256 = 221`).
    public var index256: Int?
    /// Explicit basic colour 0...15 (`fg16 = "yellow"`).
    public var index16: Int?
    /// Explicit basic colour 0...7 (`fg8 = "yellow"`).
    public var index8: Int?

    /// Makes a colour.
    public init(_ primary: TerminalColor, index256: Int? = nil, index16: Int? = nil, index8: Int? = nil) {
        self.primary = primary
        self.index256 = index256
        self.index16 = index16
        self.index8 = index8
    }

    /// The terminal's own colour at every depth.
    public static let terminalDefault = ThemeColor(.terminalDefault)

    /// The colour to use at `depth`.
    ///
    /// Truecolor uses the primary value; 256 uses `index256` or the nearest cube/grey entry;
    /// 16 uses `index16` or the nearest basic colour; 8 uses `index8`, else `index16` when it
    /// is below 8, else the nearest of the 8 basic colours; none gives the terminal default.
    public func resolved(for depth: ColorDepth) -> TerminalColor {
        switch depth {
        case .none:
            return .terminalDefault
        case .truecolor:
            return primary
        case .xterm256:
            if let i = index256 { return .indexed(i) }
            switch primary {
            case .rgb(let c): return .indexed(XtermPalette.nearest256(c))
            case .indexed, .terminalDefault: return primary
            }
        case .ansi16:
            if let i = index16 { return .indexed(i) }
            if case .indexed(let i) = primary, i < 16 { return primary }
            if let rgb = referenceRGB { return .indexed(XtermPalette.nearest16(rgb)) }
            return .terminalDefault
        case .ansi8:
            if let i = index8 { return .indexed(i) }
            if let i = index16 {
                return .indexed(i < 8 ? i : XtermPalette.nearest8(XtermPalette.rgb(ofIndex: i)))
            }
            if case .indexed(let i) = primary {
                return .indexed(i < 8 ? i : XtermPalette.nearest8(XtermPalette.rgb(ofIndex: i)))
            }
            if let rgb = referenceRGB { return .indexed(XtermPalette.nearest8(rgb)) }
            return .terminalDefault
        }
    }

    /// The RGB value computed fallbacks start from: the primary colour, or the xterm value of
    /// a primary or explicit 256-colour index; nil for the terminal default.
    private var referenceRGB: RGB? {
        switch primary {
        case .rgb(let c): return c
        case .indexed(let i): return XtermPalette.rgb(ofIndex: i)
        case .terminalDefault: return index256.map { XtermPalette.rgb(ofIndex: $0) }
        }
    }
}
