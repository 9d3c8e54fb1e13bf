/// A screen to draw ``ScreenGrid``s on and a keyboard to read ``Key``s from.
///
/// The explorer's run loop talks only to this protocol: ``CursesTerminal`` is the real one,
/// ``ScriptedTerminal`` a scripted one for tests. A typical loop:
///
/// ```swift
/// let terminal = try CursesTerminal.start(options: .init(theme: theme))
/// defer { terminal.shutdown() }
/// var state = ExplorerState(...)
/// while true {
///     var grid = ScreenGrid(size: terminal.size)
///     if terminal.size.fits(.minimum) { render(state, into: &grid) }
///     else { grid = .tooSmall(size: terminal.size) }
///     terminal.draw(grid)                       // sends only what changed
///     guard let key = terminal.readKey(timeout: .milliseconds(250)) else { continue } // timeout: tick
///     if key == .endOfInput { break }
///     ... update(&state, .keyPressed(key)) ...
/// }
/// ```
public protocol Terminal: AnyObject {
    /// The current size in columns and rows (changes after a `.resize` key).
    var size: TerminalSize { get }
    /// The colour depth in use (after `--color`, `NO_COLOR` and what the terminal can do).
    var colorDepth: ColorDepth { get }
    /// The glyphs the terminal can show (ASCII under a non-UTF-8 locale).
    var glyphs: GlyphSet { get }
    /// The theme roles are drawn with; setting it redraws everything on the next ``draw(_:)``.
    var theme: Theme { get set }
    /// Whether mouse events are reported (off by default: it blocks selecting text to copy).
    var isMouseEnabled: Bool { get }

    /// Shows `grid`, sending only cells that differ from the previous call (nothing at all when
    /// nothing changed). A grid of another size than the terminal is clipped or padded.
    func draw(_ grid: ScreenGrid)
    /// Waits up to `timeout` (forever when nil) for input; nil when the time ran out.
    /// Returns `.resize` after a size change or a return from Ctrl-Z (draw again),
    /// `.endOfInput` once input is gone for good.
    func readKey(timeout: Duration?) -> Key?
    /// Turns mouse reporting on or off.
    func setMouseEnabled(_ enabled: Bool)
    /// Leaves the screen to the shell (to run a pager or editor); ``resume()`` comes back.
    func suspend()
    /// Comes back after ``suspend()``; the next ``draw(_:)`` repaints everything.
    func resume()
    /// Restores the terminal for good. Safe to call more than once.
    func shutdown()
}
