import CNcurses
#if canImport(Glibc)
import Glibc
#endif

/// The real terminal, through ncursesw: the only code in Kiln that imports `CNcurses`.
///
/// ``start(options:)`` checks the terminal before touching it (refuses `TERM=dumb` and
/// terminals without cursor addressing), installs signal handlers that restore the terminal
/// on INT/TERM/HUP/QUIT, crashes and Ctrl-Z (see `SignalRestorer`), and enters curses mode
/// (alternate screen, no echo, hidden cursor, keypad, 25 ms escape delay). ``draw(_:)`` sends
/// only cells that changed since the previous grid. Only one may run at a time.
///
/// When standard input is not a terminal (events piped in) keys are read from `/dev/tty`;
/// when standard output is not a terminal the screen is drawn on `/dev/tty`.
public final class CursesTerminal: Terminal {
    /// How to start.
    public struct Options: Sendable {
        /// The theme to draw roles with.
        public var theme: Theme
        /// `--color`: auto or a fixed depth (never more than the terminal can show).
        public var color: ColorChoice
        /// Which glyphs: from the locale, or forced.
        public var glyphs: GlyphChoice
        /// How long ncurses waits after ESC for the rest of an escape sequence.
        public var escapeDelayMilliseconds: Int
        /// Whether the mouse starts on.
        public var mouse: Bool
        /// The environment (`TERM`, `COLORTERM`, `NO_COLOR`); the process's by default.
        public var environment: [String: String]

        /// Makes options; everything but the theme has a sensible default.
        public init(theme: Theme = ThemeLoader.builtInDefault, color: ColorChoice = .auto, glyphs: GlyphChoice = .auto,
                    escapeDelayMilliseconds: Int = 25, mouse: Bool = false, environment: [String: String]? = nil) {
            self.theme = theme
            self.color = color
            self.glyphs = glyphs
            self.escapeDelayMilliseconds = escapeDelayMilliseconds
            self.mouse = mouse
            self.environment = environment ?? ProcessEnvironment.variables()
        }
    }

    /// Which glyph set to use.
    public enum GlyphChoice: Hashable, Sendable {
        /// Unicode when the locale's codeset is UTF-8, else ASCII.
        case auto
        /// Always Unicode.
        case unicode
        /// Always ASCII.
        case ascii
    }

    /// The depth in use: `--color`/`NO_COLOR`/`COLORTERM` capped by what terminfo allows.
    public private(set) var colorDepth: ColorDepth
    /// Unicode or ASCII glyphs, from the locale's codeset unless forced.
    public let glyphs: GlyphSet
    /// Whether mouse reporting is on.
    public private(set) var isMouseEnabled = false
    /// The theme; changing it repaints everything on the next draw.
    public var theme: Theme {
        didSet {
            styleCache = [:]
            // Start the pair and palette allocation over: the next draw repaints every cell.
            pairs = [:]
            nextPair = 1
            paletteSlots = [:]
            nextPaletteSlot = 16
            needsFullRedraw = true
        }
    }

    /// The locale's codeset, as `nl_langinfo(nl_item(CODESET))` reported it.
    public let codeset: String

    private let screen: OpaquePointer
    private let inputFd: Int32
    private let outputFd: Int32
    private let ownedTTY: Int32?
    private let inputFile: UnsafeMutablePointer<FILE>
    private let outputFile: UnsafeMutablePointer<FILE>
    private let wakeRead: Int32
    private let wakeWrite: Int32
    private let utf8: Bool
    private let colorStrategy: ColorStrategy
    private var previous: ScreenGrid?
    private var needsFullRedraw = true
    private var styleCache: [Role: ResolvedStyle] = [:]
    private var pairs: [PairKey: Int32] = [:]
    private var nextPair: Int32 = 1
    private var paletteSlots: [RGB: Int32] = [:]
    private var nextPaletteSlot: Int32 = 16
    private var failedReads = 0
    private var isRunning = true
    private var isSuspended = false

    nonisolated(unsafe) private static var active = false

    /// How RGB colours reach the terminal.
    private enum ColorStrategy {
        case none
        case indexed
        /// terminfo with direct colour (`xterm-direct`): colour numbers are 0xRRGGBB.
        case direct
        /// Redefine palette entries 16... with `init_extended_color`.
        case palette
    }

    private struct PairKey: Hashable {
        var foreground: TerminalColor
        var background: TerminalColor
    }

    /// Starts curses on the terminal.
    ///
    /// - Throws: ``TerminalError`` `.unsupportedTerminal` for `TERM` unset, `dumb`, unknown to
    ///   terminfo or without cursor addressing; `.notATerminal` when neither standard input/output
    ///   nor `/dev/tty` is a terminal; `.cursesFailed` when ncurses refuses to start. Nothing is
    ///   written to the terminal before these checks pass.
    public static func start(options: Options) throws(TerminalError) -> CursesTerminal {
        guard !active else { throw .cursesFailed("start", "a CursesTerminal is already running") }
        return try CursesTerminal(options: options)
    }

    private init(options: Options) throws(TerminalError) {
        setlocale(LC_ALL, "")
        let codeset = nl_langinfo(nl_item(CODESET)).map { String(cString: $0) } ?? ""
        self.codeset = codeset
        switch options.glyphs {
        case .auto: glyphs = GlyphSet.detect(codeset: codeset)
        case .unicode: glyphs = .unicode
        case .ascii: glyphs = .ascii
        }
        utf8 = GlyphSet.detect(codeset: codeset).isUnicode
        theme = options.theme

        let term = options.environment["TERM"] ?? ""
        guard !term.isEmpty else {
            throw .unsupportedTerminal("TERM is not set; set it to your terminal's type (for example TERM=xterm-256color)")
        }
        guard term != "dumb" else {
            throw .unsupportedTerminal("TERM=dumb cannot move the cursor; run kiln explore in a terminal emulator (xterm, tmux, ...)")
        }

        // Find a terminal: standard input/output, else /dev/tty (events may be piped in).
        var tty: Int32? = nil
        func openTTY() -> Int32? {
            if let tty { return tty }
            let fd = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY)
            tty = fd >= 0 ? fd : nil
            return tty
        }
        let inFd: Int32 = isatty(0) == 1 ? 0 : (openTTY() ?? -1)
        let outFd: Int32 = isatty(1) == 1 ? 1 : (openTTY() ?? -1)
        guard inFd >= 0, outFd >= 0 else {
            if let tty { close(tty) }
            throw .notATerminal("no terminal to draw on: standard input/output are not terminals and /dev/tty cannot be opened")
        }
        var cleanup = Cleanup(tty: tty)

        // Check terminfo before anything is written.
        var setupError: Int32 = 0
        guard setupterm(term, outFd, &setupError) == OK else {
            cleanup.run()
            let shown = Sanitizer.sanitize(term)
            if setupError == 0 {
                throw .unsupportedTerminal("unknown terminal type TERM=\(shown) (not in the terminfo database); try TERM=xterm-256color")
            }
            throw .unsupportedTerminal("cannot read the terminfo database for TERM=\(shown)")
        }
        guard kiln_tigetstr("cup") != nil else {
            kiln_forget_terminfo()
            cleanup.run()
            throw .unsupportedTerminal("TERM=\(Sanitizer.sanitize(term)) has no cursor addressing (terminfo \"cup\"); Kiln needs a full-screen terminal")
        }
        let terminfoColors = Int(tigetnum("colors"))
        func capability(_ name: String) -> [UInt8] {
            guard let p = kiln_tigetstr(name) else { return [] }
            return Array(String(cString: p).utf8)
        }
        let hasMouse = kiln_tigetstr("kmous") != nil
        var restore: [UInt8] = []
        if hasMouse { restore += Array("\u{1B}[?1000l\u{1B}[?1002l\u{1B}[?1003l\u{1B}[?1006l".utf8) }
        restore += capability("sgr0") + capability("cnorm") + capability("rmkx") + capability("rmcup")
        let resetPalette = capability("oc")
        kiln_forget_terminfo()

        var shellModes = termios()
        guard tcgetattr(inFd, &shellModes) == 0 else {
            cleanup.run()
            throw .notATerminal("cannot read the terminal's settings (tcgetattr failed)")
        }
        var wake: [Int32] = [-1, -1]
        guard pipe(&wake) == 0 else {
            cleanup.run()
            throw .cursesFailed("pipe2", "cannot create the wake-up pipe")
        }
        cleanup.pipe = (wake[0], wake[1])
        for fd in wake {
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        }
        SignalRestorer.install(restore: restore, resetPalette: resetPalette, outputFd: outFd, inputFd: inFd,
                               shellModes: shellModes, wakeFd: wake[1])

        let inFile = inFd == 0 ? kiln_stdin() : fdopen(inFd, "r")
        // Each FILE gets its own descriptor so closing both at shutdown closes each once.
        let outFile = outFd == 1 ? kiln_stdout() : fdopen(outFd == inFd ? dup(outFd) : outFd, "w")
        guard let inFile, let outFile, let screen = newterm(term, outFile, inFile) else {
            SignalRestorer.uninstall()
            cleanup.run()
            throw .cursesFailed("newterm", "ncurses could not start on TERM=\(Sanitizer.sanitize(term))")
        }
        set_term(screen)
        self.screen = screen
        self.inputFd = inFd
        self.outputFd = outFd
        self.ownedTTY = tty
        self.inputFile = inFile
        self.outputFile = outFile
        self.wakeRead = wake[0]
        self.wakeWrite = wake[1]
        SignalRestorer.chainWindowChange()

        cbreak()
        noecho()
        nonl()
        keypad(kiln_stdscr(), true)
        intrflush(kiln_stdscr(), false)
        leaveok(kiln_stdscr(), true)
        set_escdelay(Int32(clamping: options.escapeDelayMilliseconds))
        curs_set(0)
        // Ctrl-S/Ctrl-Q are keys here, not flow control.
        var modes = termios()
        if tcgetattr(inFd, &modes) == 0 {
            modes.c_iflag &= ~tcflag_t(IXON)
            tcsetattr(inFd, TCSANOW, &modes)
        }
        def_prog_mode()
        if tcgetattr(inFd, &modes) == 0 { SignalRestorer.setProgramModes(modes) }

        // Colours: what was asked, capped by what the terminal can show.
        var depth = ColorDepth.detect(choice: options.color, environment: options.environment, terminfoColors: terminfoColors)
        var strategy = ColorStrategy.none
        if depth != .none && has_colors() {
            start_color()
            use_default_colors()
            let colors = Int(kiln_colors())
            if depth == .truecolor {
                if colors >= 1 << 24 {
                    strategy = .direct
                } else if can_change_color() && colors >= 256 {
                    strategy = .palette
                } else {
                    depth = colors >= 256 ? .xterm256 : colors >= 16 ? .ansi16 : .ansi8
                }
            }
            if depth != .truecolor {
                if depth.rawValue > colors {
                    depth = colors >= 256 ? .xterm256 : colors >= 16 ? .ansi16 : colors >= 8 ? .ansi8 : .none
                }
                strategy = depth == .none ? .none : .indexed
            }
        } else {
            depth = .none
        }
        colorDepth = depth
        colorStrategy = strategy
        CursesTerminal.active = true
        cleanup.disarm()
        if options.mouse { setMouseEnabled(true) }
    }

    deinit {
        shutdown()
    }

    /// Closes what `init` opened when it fails half way.
    private struct Cleanup {
        var tty: Int32?
        var pipe: (Int32, Int32)?
        var armed = true
        mutating func run() {
            guard armed else { return }
            if let tty { close(tty) }
            if let pipe {
                close(pipe.0)
                close(pipe.1)
            }
            armed = false
        }
        mutating func disarm() { armed = false }
    }

    // MARK: Terminal

    /// The screen size ncurses knows (updated when `.resize` is read).
    public var size: TerminalSize {
        TerminalSize(width: Int(kiln_cols()), height: Int(kiln_lines()))
    }

    /// Draws the cells that differ from the previous grid, then one `doupdate`; nothing at
    /// all when no cell changed. A wide cell whose width the C library disagrees with is
    /// drawn as U+FFFD placeholders so the columns after it stay in place.
    /// - Complexity: O(width * height) comparisons, output proportional to the changes.
    public func draw(_ grid: ScreenGrid) {
        guard isRunning, !isSuspended else { return }
        let rows = Int(kiln_lines()), cols = Int(kiln_cols())
        let full = needsFullRedraw || previous?.size != grid.size
        var changed = false
        if full {
            werase(kiln_stdscr())
            changed = true
        }
        let height = min(rows, grid.height), width = min(cols, grid.width)
        for y in 0..<height {
            var x = 0
            while x < width {
                let cell = grid[x, y]
                let same = !full && previous?[x, y] == cell
                if same {
                    x += 1
                    continue
                }
                if cell.isContinuation {
                    // The left half is drawn with it; redraw it if only this half changed.
                    if x > 0, grid[x - 1, y].isWide { put(grid[x - 1, y], x: x - 1, y: y, columns: width) }
                    else { put(Cell(text: " ", role: cell.role, attributes: cell.attributes), x: x, y: y, columns: width) }
                } else {
                    put(cell, x: x, y: y, columns: width)
                }
                changed = true
                x += 1
            }
        }
        previous = grid
        needsFullRedraw = false
        if changed {
            wnoutrefresh(kiln_stdscr())
            doupdate()
        }
    }

    /// Waits with `poll` on the input and the signal wake-up pipe, so waiting costs no CPU and
    /// sends nothing to the terminal; input that stays readable without yielding a key (closed
    /// terminal) ends in `.endOfInput` instead of a busy loop.
    public func readKey(timeout: Duration?) -> Key? {
        guard isRunning else { return .endOfInput }
        let deadline = timeout.map { ContinuousClock.now + $0 }
        while true {
            if let key = nextBufferedKey() { return key }
            var remaining: Int32 = -1
            if let deadline {
                let left = ContinuousClock.now.duration(to: deadline)
                if left <= .zero { return nil }
                let (seconds, attos) = left.components
                let ms = seconds.multipliedReportingOverflow(by: 1000)
                remaining = ms.overflow ? Int32.max : Int32(clamping: ms.partialValue + attos / 1_000_000_000_000_000 + 1)
            }
            var fds = [pollfd(fd: inputFd, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0)]
            let rc = poll(&fds, 2, remaining)
            if rc < 0 {
                if errno == EINTR { continue }
                return .endOfInput
            }
            if rc == 0 { return nil }
            if fds[1].revents & Int16(POLLIN) != 0 {
                var bytes = [UInt8](repeating: 0, count: 64)
                var continued = false
                while true {
                    let n = read(wakeRead, &bytes, bytes.count)
                    if n <= 0 { break }
                    if bytes[0..<n].contains(SignalRestorer.continued) { continued = true }
                }
                if continued {
                    reenterAfterStop()
                    return .resize
                }
            }
            let inputEvents = fds[0].revents
            if inputEvents & Int16(POLLNVAL) != 0 { return .endOfInput }
            if inputEvents & Int16(POLLIN | POLLHUP | POLLERR) != 0 {
                wtimeout(kiln_stdscr(), 0)
                var ch: wint_t = 0
                let status = wget_wch(kiln_stdscr(), &ch)
                if status == ERR {
                    // Readable but nothing decoded: end of file or a dead terminal. ncurses
                    // would return ERR forever; do not spin on it.
                    failedReads += 1
                    if failedReads >= 2 || inputEvents & Int16(POLLHUP | POLLERR) != 0 { return .endOfInput }
                    continue
                }
                failedReads = 0
                if let key = decode(status: status, value: ch) { return key }
            }
        }
    }

    /// Turns mouse reporting on (all buttons and the wheel) or off via `mousemask`.
    public func setMouseEnabled(_ enabled: Bool) {
        guard isRunning else { return }
        let mask: mmask_t = enabled ? kiln_all_mouse_events() : 0
        mousemask(mask, nil)
        if enabled { mouseinterval(0) }
        isMouseEnabled = enabled
    }

    /// Leaves curses mode (`endwin`) so another program can use the terminal.
    public func suspend() {
        guard isRunning, !isSuspended else { return }
        def_prog_mode()
        endwin()
        isSuspended = true
    }

    /// Re-enters curses mode after ``suspend()``; the next draw repaints everything.
    public func resume() {
        guard isRunning, isSuspended else { return }
        isSuspended = false
        reset_prog_mode()
        refresh()
        curs_set(0)
        needsFullRedraw = true
    }

    /// Mouse off, cursor on, `endwin`, signal handlers put back. Also run by `deinit`.
    public func shutdown() {
        guard isRunning else { return }
        isRunning = false
        if isMouseEnabled { mousemask(0, nil) }
        curs_set(1)
        if !isSuspended { endwin() }
        delscreen(screen)
        SignalRestorer.uninstall()
        close(wakeRead)
        close(wakeWrite)
        if let ownedTTY {
            // The FILEs wrap the tty descriptor (and its duplicate); closing them closes both.
            if inputFd == ownedTTY { fclose(inputFile) }
            if outputFd == ownedTTY { fclose(outputFile) }
        } else {
            fflush(outputFile)
        }
        CursesTerminal.active = false
    }

    // MARK: Input

    /// A key ncurses already holds (bytes read ahead while decoding an escape sequence),
    /// or a pending resize; nil when nothing is buffered.
    private func nextBufferedKey() -> Key? {
        wtimeout(kiln_stdscr(), 0)
        var ch: wint_t = 0
        let status = wget_wch(kiln_stdscr(), &ch)
        guard status != ERR else { return nil }
        failedReads = 0
        return decode(status: status, value: ch) ?? nextBufferedKey()
    }

    private func decode(status: Int32, value: wint_t) -> Key? {
        if status == KEY_CODE_YES && Int32(bitPattern: value) == KEY_MOUSE {
            var event = MEVENT()
            guard getmouse(&event) == OK else { return nil }
            return MouseEvent.decode(x: Int(event.x), y: Int(event.y), buttonState: UInt32(truncatingIfNeeded: event.bstate)).map { .mouse($0) }
        }
        if status == KEY_CODE_YES && Int32(bitPattern: value) == KEY_RESIZE {
            needsFullRedraw = true
        }
        return KeyDecoder.decode(status: status, value: UInt32(value), codes: CursesTerminal.liveKeyCodes)
    }

    /// The key codes from this build's curses.h (tests compare them with `KeyDecoder.Codes.ncurses6`).
    static let liveKeyCodes = KeyDecoder.Codes(
        down: Int(KEY_DOWN), up: Int(KEY_UP), left: Int(KEY_LEFT), right: Int(KEY_RIGHT), home: Int(KEY_HOME),
        backspace: Int(KEY_BACKSPACE), f0: Int(KEY_F0), deleteChar: Int(KEY_DC), insertChar: Int(KEY_IC),
        scrollForward: Int(KEY_SF), scrollBackward: Int(KEY_SR), nextPage: Int(KEY_NPAGE), previousPage: Int(KEY_PPAGE),
        enter: Int(KEY_ENTER), lowerLeft: Int(KEY_LL), a1: Int(KEY_A1), a3: Int(KEY_A3), c1: Int(KEY_C1), c3: Int(KEY_C3),
        backTab: Int(KEY_BTAB), end: Int(KEY_END), shiftLeft: Int(KEY_SLEFT), shiftRight: Int(KEY_SRIGHT),
        shiftHome: Int(KEY_SHOME), shiftEnd: Int(KEY_SEND), mouse: Int(KEY_MOUSE), resize: Int(KEY_RESIZE))

    /// The C library's `wcwidth()` under the current locale (tests compare it with ``CharacterWidth``).
    static func systemWidth(_ scalar: Unicode.Scalar) -> Int {
        Int(kiln_wcwidth(wchar_t(bitPattern: scalar.value)))
    }

    /// The mouse masks from this build's curses.h: button 1 press, wheel up, wheel down, shift.
    static let liveMouseMasks: [UInt32] = [
        UInt32(truncatingIfNeeded: kiln_button1_pressed()), UInt32(truncatingIfNeeded: kiln_button4_pressed()),
        UInt32(truncatingIfNeeded: kiln_button5_pressed()), UInt32(truncatingIfNeeded: kiln_button_shift()),
    ]

    /// Back from Ctrl-Z or SIGSTOP: the signal handler left the alternate screen; let ncurses
    /// leave and re-enter properly, pick up a size change made while stopped, repaint all.
    private func reenterAfterStop() {
        guard !isSuspended else { return }
        endwin()
        var ws = winsize()
        if ioctl(outputFd, UInt(TIOCGWINSZ), &ws) == 0, ws.ws_row > 0, ws.ws_col > 0,
           Int32(ws.ws_row) != kiln_lines() || Int32(ws.ws_col) != kiln_cols() {
            resizeterm(Int32(ws.ws_row), Int32(ws.ws_col))
        }
        wrefresh(kiln_curscr())
        curs_set(0)
        if isMouseEnabled { setMouseEnabled(true) }
        flushinp()
        needsFullRedraw = true
    }

    // MARK: Output

    /// Writes one cell at (x, y); a wide cell needs its second column inside `columns`.
    private func put(_ cell: Cell, x: Int, y: Int, columns: Int) {
        let style = resolvedStyle(cell.role)
        let attributes = cursesAttributes(style.attributes.union(cell.attributes))
        let pair = pairNumber(foreground: style.foreground, background: style.background)
        var text: [wchar_t] = []
        let wantWidth = cell.isWide ? 2 : 1
        var fits = !cell.isWide || x + 1 < columns
        for scalar in cell.text.unicodeScalars {
            if text.isEmpty {
                // Under a non-UTF-8 locale ncurses drops non-ASCII characters; keep the columns.
                if !utf8 && !scalar.isASCII { fits = false; break }
                text.append(wchar_t(bitPattern: scalar.value))
                if kiln_wcwidth(text[0]) != wantWidth { fits = false; break }
            } else if text.count < 4 && kiln_wcwidth(wchar_t(bitPattern: scalar.value)) == 0 {
                text.append(wchar_t(bitPattern: scalar.value))
            }
        }
        if !fits || text.isEmpty {
            // What the C library would measure differently from the grid: show placeholders
            // of the width the grid expects, so later columns stay where the grid put them.
            let placeholder: wchar_t = utf8 ? 0xFFFD : 0x3F
            var one: [wchar_t] = [placeholder, 0]
            _ = kiln_put_cell(Int32(y), Int32(x), &one, attributes, pair)
            if cell.isWide && x + 1 < columns {
                _ = kiln_put_cell(Int32(y), Int32(x + 1), &one, attributes, pair)
            }
            return
        }
        text.append(0)
        _ = kiln_put_cell(Int32(y), Int32(x), &text, attributes, pair)
    }

    private func resolvedStyle(_ role: Role) -> ResolvedStyle {
        if let s = styleCache[role] { return s }
        let s = theme.style(for: role, depth: colorDepth)
        styleCache[role] = s
        return s
    }

    private func cursesAttributes(_ a: TextAttributes) -> attr_t {
        var out = kiln_a_normal()
        if a.contains(.bold) { out |= kiln_a_bold() }
        if a.contains(.dim) { out |= kiln_a_dim() }
        if a.contains(.underline) { out |= kiln_a_underline() }
        if a.contains(.reverse) { out |= kiln_a_reverse() }
        if a.contains(.italic) { out |= kiln_a_italic() }
        return out
    }

    private func pairNumber(foreground: TerminalColor, background: TerminalColor) -> Int32 {
        guard colorStrategy != .none else { return 0 }
        if foreground == .terminalDefault && background == .terminalDefault { return 0 }
        let key = PairKey(foreground: foreground, background: background)
        if let p = pairs[key] { return p }
        guard nextPair < kiln_color_pairs() else { return 0 }
        let fg = colorNumber(foreground), bg = colorNumber(background)
        guard init_extended_pair(nextPair, fg, bg) == OK else { return 0 }
        pairs[key] = nextPair
        nextPair += 1
        return nextPair - 1
    }

    private func colorNumber(_ color: TerminalColor) -> Int32 {
        let colors = Int(kiln_colors())
        switch color {
        case .terminalDefault:
            return -1
        case .indexed(let i):
            return Int32(i < colors ? i : XtermPalette.nearest8(XtermPalette.rgb(ofIndex: i)))
        case .rgb(let c):
            switch colorStrategy {
            case .direct:
                return Int32(c.red) << 16 | Int32(c.green) << 8 | Int32(c.blue)
            case .palette:
                if let slot = paletteSlots[c] { return slot }
                if nextPaletteSlot < Int32(colors) {
                    func scale(_ v: UInt8) -> Int32 { Int32(v) * 1000 / 255 }
                    if init_extended_color(nextPaletteSlot, scale(c.red), scale(c.green), scale(c.blue)) == OK {
                        SignalRestorer.notePaletteChanged()
                        paletteSlots[c] = nextPaletteSlot
                        nextPaletteSlot += 1
                        return nextPaletteSlot - 1
                    }
                }
                // Entries 16 and up may have been redefined; the basic 16 never are.
                return Int32(XtermPalette.nearest16(c))
            case .indexed, .none:
                return Int32(min(XtermPalette.nearest256(c), colors - 1))
            }
        }
    }
}
