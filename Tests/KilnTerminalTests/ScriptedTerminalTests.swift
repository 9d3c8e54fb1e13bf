import Testing
@testable import KilnTerminal

@Suite struct ScriptedTerminalTests {
    /// A miniature run loop of the shape the explorer uses, driven by a scripted terminal.
    private func run(_ terminal: some Terminal) -> [String] {
        var log: [String] = []
        var count = 0
        while true {
            var grid = ScreenGrid(size: terminal.size)
            if terminal.size.fits(TerminalSize(width: 20, height: 3)) {
                grid.put("count \(count)", x: 0, y: 0)
            } else {
                grid = .tooSmall(size: terminal.size, minimum: TerminalSize(width: 20, height: 3))
            }
            terminal.draw(grid)
            guard let key = terminal.readKey(timeout: .milliseconds(10)) else {
                log.append("tick")
                if log.count > 10 { break }
                continue
            }
            log.append(key.description)
            switch key {
            case .char("j"): count += 1
            case .char("q"), .endOfInput: return log
            case .char("m"): terminal.setMouseEnabled(!terminal.isMouseEnabled)
            default: break
            }
        }
        return log
    }

    @Test func drivesARunLoop() {
        let terminal = ScriptedTerminal(size: TerminalSize(width: 30, height: 5), keys: [.char("j"), .char("j"), .char("m"), .char("q")])
        let log = run(terminal)
        #expect(log == ["j", "j", "m", "q"])
        #expect(terminal.frames.count == 4)
        #expect(terminal.lastFrame?.rowText(0) == "count 2")
        #expect(terminal.isMouseEnabled)
    }

    @Test func resizeAndTimeouts() {
        let terminal = ScriptedTerminal(size: TerminalSize(width: 30, height: 5), keys: [.char("q")])
        terminal.resize(to: TerminalSize(width: 10, height: 2))
        let log = run(terminal)
        #expect(log == ["resize", "q"])
        #expect(terminal.frames[1].rowText(0).hasPrefix("termin"))
        let idle = ScriptedTerminal()
        #expect(run(idle).filter { $0 == "tick" }.count == 11)
        #expect(idle.readKey(timeout: nil) == .endOfInput)
    }
}
