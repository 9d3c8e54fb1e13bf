/// A colour as a terminal of some depth can show it.
public enum TerminalColor: Hashable, Sendable {
    /// The terminal's own foreground or background.
    case terminalDefault
    /// A palette entry: 0-7 basic, 8-15 bright, 16-255 the xterm cube and grey ramp.
    case indexed(Int)
    /// An exact 24-bit colour (truecolor terminals only).
    case rgb(RGB)
}
