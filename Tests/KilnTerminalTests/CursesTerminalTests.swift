import Testing
@testable import KilnTerminal

/// CursesTerminal needs a real terminal, so only its refusals are tested here (they happen
/// before anything is written); drawing, resize, colours and signals are checked in tmux.
@Suite(.serialized) struct CursesTerminalTests {
    @Test(arguments: [
        (["TERM": "dumb"], "terminal: TERM=dumb cannot move the cursor; run kiln explore in a terminal emulator (xterm, tmux, ...)"),
        ([:], "terminal: TERM is not set; set it to your terminal's type (for example TERM=xterm-256color)"),
        (["TERM": ""], "terminal: TERM is not set; set it to your terminal's type (for example TERM=xterm-256color)"),
    ] as [([String: String], String)])
    func refusesTerminalsWithoutCursorAddressing(environment: [String: String], message: String) {
        do {
            let terminal = try CursesTerminal.start(options: .init(theme: .plain, environment: environment))
            terminal.shutdown()
            Issue.record("started on \(environment)")
        } catch {
            #expect(error.code == .unsupportedTerminal)
            #expect(error.description == message)
        }
    }
}
