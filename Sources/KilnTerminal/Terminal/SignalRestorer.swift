#if canImport(Glibc)
import Glibc
#endif

/// Puts the terminal back the way the shell had it when a signal ends or stops the process.
///
/// Installed by ``CursesTerminal`` before ncurses starts (so ncurses keeps its hands off these
/// signals). Handlers only do async-signal-safe things: `write(2)` of escape sequences captured
/// from terminfo at start (leave the alternate screen, show the cursor, mouse off, reset
/// attributes and palette), `tcsetattr` with the saved termios, `sigaction`, `raise`.
///
/// - SIGINT, SIGTERM, SIGHUP, SIGQUIT: restore, then die of the same signal with its default
///   action (the shell sees the conventional status, 130 for Ctrl-C). Signals ignored at start
///   (`nohup`) stay ignored.
/// - SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP: restore, then re-raise with the
///   previous handler (Swift's backtracer prints to a readable screen) or the default.
/// - SIGTSTP (Ctrl-Z): restore, stop; on continuing, input goes back to program mode and the
///   run loop is woken through a pipe to re-enter curses and redraw everything.
/// - SIGCONT, SIGWINCH: wake the run loop through the pipe (SIGWINCH first goes to ncurses'
///   own handler, which makes `wget_wch` report `KEY_RESIZE`).
enum SignalRestorer {
    /// Byte written to the wake pipe after the process continues from a stop.
    static let continued: UInt8 = UInt8(ascii: "c")
    /// Byte written to the wake pipe on a window size change.
    static let resized: UInt8 = UInt8(ascii: "w")

    static let terminatingSignals: [Int32] = [SIGINT, SIGTERM, SIGHUP, SIGQUIT]
    static let crashSignals: [Int32] = [SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP]

    /// Everything the handlers read; plain C-layout storage allocated once, never freed while
    /// handlers may run.
    struct State {
        var restore: UnsafeMutablePointer<UInt8>
        var restoreCount: Int
        var resetPalette: UnsafeMutablePointer<UInt8>
        var resetPaletteCount: Int
        var paletteChanged: Int32
        var outputFd: Int32
        var inputFd: Int32
        var wakeFd: Int32
        var shellModes: termios
        var programModes: termios
        var havePrograms: Int32
        var previous: UnsafeMutablePointer<sigaction>
        var installed: UnsafeMutablePointer<Int32>
        var ncursesWinch: sigaction
        var haveNcursesWinch: Int32
    }

    nonisolated(unsafe) private static var state: UnsafeMutablePointer<State>?
    private static let signalSlots = 65

    /// Installs the handlers. `restore` and `resetPalette` are the bytes to write on the way
    /// out; `shellModes` the termios to put back; `wakeFd` the write end of the run loop's pipe.
    static func install(restore: [UInt8], resetPalette: [UInt8], outputFd: Int32, inputFd: Int32,
                        shellModes: termios, wakeFd: Int32) {
        uninstall()
        let restoreBytes = UnsafeMutablePointer<UInt8>.allocate(capacity: max(1, restore.count))
        restoreBytes.initialize(from: restore, count: restore.count)
        let paletteBytes = UnsafeMutablePointer<UInt8>.allocate(capacity: max(1, resetPalette.count))
        paletteBytes.initialize(from: resetPalette, count: resetPalette.count)
        let previous = UnsafeMutablePointer<sigaction>.allocate(capacity: signalSlots)
        previous.initialize(repeating: sigaction(), count: signalSlots)
        let installed = UnsafeMutablePointer<Int32>.allocate(capacity: signalSlots)
        installed.initialize(repeating: 0, count: signalSlots)
        let s = UnsafeMutablePointer<State>.allocate(capacity: 1)
        s.initialize(to: State(restore: restoreBytes, restoreCount: restore.count, resetPalette: paletteBytes,
                               resetPaletteCount: resetPalette.count, paletteChanged: 0, outputFd: outputFd,
                               inputFd: inputFd, wakeFd: wakeFd, shellModes: shellModes, programModes: shellModes,
                               havePrograms: 0, previous: previous, installed: installed,
                               ncursesWinch: sigaction(), haveNcursesWinch: 0))
        state = s
        for sig in terminatingSignals { set(sig, handler: terminate, skipIfIgnored: true) }
        for sig in crashSignals { set(sig, handler: crash, skipIfIgnored: false) }
        set(SIGTSTP, handler: stop, skipIfIgnored: true)
        set(SIGCONT, handler: wakeOnContinue, skipIfIgnored: false)
    }

    /// Records the termios of curses' program mode, used after continuing from Ctrl-Z.
    static func setProgramModes(_ modes: termios) {
        guard let s = state else { return }
        s.pointee.programModes = modes
        s.pointee.havePrograms = 1
    }

    /// Notes that the palette was redefined, so the way out must reset it.
    static func notePaletteChanged() {
        state?.pointee.paletteChanged = 1
    }

    /// Puts a SIGWINCH handler in front of ncurses' own (installed by newterm).
    static func chainWindowChange() {
        guard let s = state else { return }
        var current = sigaction()
        sigaction(SIGWINCH, nil, &current)
        s.pointee.ncursesWinch = current
        s.pointee.haveNcursesWinch = 1
        var action = sigaction()
        action.__sigaction_handler.sa_handler = windowChanged
        sigemptyset(&action.sa_mask)
        action.sa_flags = SA_RESTART
        sigaction(SIGWINCH, &action, nil)
    }

    /// Puts every handler back as it was and frees the state.
    static func uninstall() {
        guard let s = state else { return }
        for sig in Int32(1)..<Int32(signalSlots) where s.pointee.installed[Int(sig)] != 0 {
            sigaction(sig, &s.pointee.previous[Int(sig)], nil)
        }
        if s.pointee.haveNcursesWinch != 0 { sigaction(SIGWINCH, &s.pointee.ncursesWinch, nil) }
        state = nil
        // The handlers are gone, so nothing reads the memory any more.
        s.pointee.restore.deallocate()
        s.pointee.resetPalette.deallocate()
        s.pointee.previous.deallocate()
        s.pointee.installed.deallocate()
        s.deallocate()
    }

    /// Writes the restore sequences and the shell's termios (async-signal-safe).
    static func restoreTerminal() {
        guard let s = state else { return }
        if s.pointee.paletteChanged != 0 {
            writeAll(s.pointee.outputFd, s.pointee.resetPalette, s.pointee.resetPaletteCount)
        }
        writeAll(s.pointee.outputFd, s.pointee.restore, s.pointee.restoreCount)
        var modes = s.pointee.shellModes
        _ = tcsetattr(s.pointee.inputFd, TCSADRAIN, &modes)
    }

    private static func set(_ sig: Int32, handler: @convention(c) (Int32) -> Void, skipIfIgnored: Bool) {
        guard let s = state else { return }
        var old = sigaction()
        sigaction(sig, nil, &old)
        if skipIfIgnored && handlerBits(old) == 1 { return }
        s.pointee.previous[Int(sig)] = old
        s.pointee.installed[Int(sig)] = 1
        var action = sigaction()
        action.__sigaction_handler.sa_handler = handler
        sigemptyset(&action.sa_mask)
        action.sa_flags = sig == SIGCONT ? SA_RESTART : 0
        sigaction(sig, &action, nil)
    }

    /// The handler pointer as a number: 0 is SIG_DFL, 1 is SIG_IGN.
    private static func handlerBits(_ action: sigaction) -> Int {
        unsafeBitCast(action.__sigaction_handler.sa_handler, to: Int.self)
    }

    private static func writeAll(_ fd: Int32, _ bytes: UnsafeMutablePointer<UInt8>, _ count: Int) {
        var done = 0
        while done < count {
            let n = write(fd, bytes + done, count - done)
            if n > 0 {
                done += n
            } else if n < 0 && errno == EINTR {
                continue
            } else {
                return
            }
        }
    }

    private static func wake(_ byte: UInt8) {
        guard let s = state, s.pointee.wakeFd >= 0 else { return }
        var b = byte
        _ = write(s.pointee.wakeFd, &b, 1)
    }

    private static let terminate: @convention(c) (Int32) -> Void = { sig in
        restoreTerminal()
        // The default action, not the previous handler: Swift's backtracer catches SIGQUIT
        // and would wait for a key press instead of ending the process.
        signal(sig, SIG_DFL)
        // Blocked while this handler runs; delivered (and fatal) as soon as it returns.
        raise(sig)
    }

    private static let crash: @convention(c) (Int32) -> Void = { sig in
        restoreTerminal()
        if let s = state, s.pointee.installed[Int(sig)] != 0 {
            sigaction(sig, &s.pointee.previous[Int(sig)], nil)
        } else {
            signal(sig, SIG_DFL)
        }
        // For a fault, returning re-executes the faulting instruction under the old handler.
        raise(sig)
    }

    private static let stop: @convention(c) (Int32) -> Void = { _ in
        let savedErrno = errno
        restoreTerminal()
        signal(SIGTSTP, SIG_DFL)
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGTSTP)
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
        raise(SIGTSTP)
        // Continued: catch the next Ctrl-Z too, and stop echoing keys until the loop redraws.
        var action = sigaction()
        action.__sigaction_handler.sa_handler = SignalRestorer.stop
        sigemptyset(&action.sa_mask)
        action.sa_flags = 0
        sigaction(SIGTSTP, &action, nil)
        if let s = state, s.pointee.havePrograms != 0 {
            var modes = s.pointee.programModes
            _ = tcsetattr(s.pointee.inputFd, TCSADRAIN, &modes)
        }
        errno = savedErrno
    }

    private static let wakeOnContinue: @convention(c) (Int32) -> Void = { _ in
        let savedErrno = errno
        wake(continued)
        errno = savedErrno
    }

    private static let windowChanged: @convention(c) (Int32) -> Void = { sig in
        let savedErrno = errno
        if let s = state, s.pointee.haveNcursesWinch != 0 {
            let old = s.pointee.ncursesWinch
            // 0 is SIG_DFL, 1 SIG_IGN; a three-argument handler is not ncurses'.
            if handlerBits(old) > 1, old.sa_flags & SA_SIGINFO == 0, let h = old.__sigaction_handler.sa_handler { h(sig) }
        }
        wake(resized)
        errno = savedErrno
    }
}
