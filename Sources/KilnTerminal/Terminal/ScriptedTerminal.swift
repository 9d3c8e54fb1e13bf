/// A ``Terminal`` without a terminal: it records every grid drawn and replays scripted keys,
/// so a run loop can be tested end to end in memory.
public final class ScriptedTerminal: Terminal {
    /// The size reported; change it with ``resize(to:)``.
    public private(set) var size: TerminalSize
    /// The colour depth reported.
    public var colorDepth: ColorDepth
    /// The glyphs reported.
    public var glyphs: GlyphSet
    /// The theme (unused when drawing, which records grids only).
    public var theme: Theme
    /// Whether the mouse was turned on.
    public private(set) var isMouseEnabled = false
    /// Every grid passed to ``draw(_:)``, oldest first.
    public private(set) var frames: [ScreenGrid] = []
    /// Keys still to be read, first first.
    public var pendingKeys: [Key]
    /// How many times ``readKey(timeout:)`` ran out of keys and reported a timeout.
    public private(set) var timeouts = 0
    /// Whether ``shutdown()`` was called.
    public private(set) var isShutDown = false
    /// Whether the terminal is suspended.
    public private(set) var isSuspended = false

    /// Makes a scripted terminal that will answer `readKey` with `keys`.
    public init(size: TerminalSize = TerminalSize(width: 80, height: 24), keys: [Key] = [],
                colorDepth: ColorDepth = .truecolor, glyphs: GlyphSet = .unicode, theme: Theme = .plain) {
        self.size = size
        self.pendingKeys = keys
        self.colorDepth = colorDepth
        self.glyphs = glyphs
        self.theme = theme
    }

    /// The last grid drawn.
    public var lastFrame: ScreenGrid? { frames.last }

    /// Records the grid.
    public func draw(_ grid: ScreenGrid) { frames.append(grid) }

    /// The next scripted key. With no keys left: nil (a timeout) when a timeout was given,
    /// `.endOfInput` when the caller would wait forever, so a test loop always ends.
    public func readKey(timeout: Duration?) -> Key? {
        if !pendingKeys.isEmpty { return pendingKeys.removeFirst() }
        if timeout == nil { return .endOfInput }
        timeouts += 1
        if timeouts > 10_000 { return .endOfInput }
        return nil
    }

    /// Changes the size and queues a `.resize` key.
    public func resize(to newSize: TerminalSize) {
        size = newSize
        pendingKeys.insert(.resize, at: 0)
    }

    /// Records the mouse state.
    public func setMouseEnabled(_ enabled: Bool) { isMouseEnabled = enabled }
    /// Records the suspension.
    public func suspend() { isSuspended = true }
    /// Records the return.
    public func resume() { isSuspended = false }
    /// Records the shutdown.
    public func shutdown() { isShutDown = true }
}
