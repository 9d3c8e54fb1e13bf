import KilnCore
@testable import KilnExplorer
import KilnTerminal
import Testing

/// The run loop over a scripted terminal: keys in, frames out, effects carried out.
@Suite struct RunLoopTests {
    static func loop(keys: [Key], size: TerminalSize = Shop.size80) -> (RunLoop, ScriptedTerminal) {
        let terminal = ScriptedTerminal(size: size, keys: keys)
        let model = ExplorerModel(table: Shop.table(count: 1000))
        let configuration = ExplorerConfiguration(storePath: ":memory:", range: .all)
        let loop = RunLoop(terminal: terminal, reader: nil, model: model, configuration: configuration, clock: { Shop.now })
        loop.start(dataset: "shop", markers: [], picker: nil)
        return (loop, terminal)
    }

    @Test func keysDriveTheViewsUntilQuit() throws {
        let (loop, terminal) = Self.loop(keys: [.char(" "), .left, .down, .enter, .char("m"), .char("Q")])
        loop.run()
        #expect(loop.state.quitting)
        #expect(terminal.isMouseEnabled, "the mouse effect reached the terminal")
        #expect(loop.state.stack.flatMap(\.crumbs) == ["heatmap", "selection", "BubbleUp"])
        #expect(terminal.frames.count == 2, "typed-ahead keys make one frame: \(terminal.frames.count)")
    }

    @Test func idleLoopDrawsNothingNew() throws {
        let (loop, terminal) = Self.loop(keys: [.char("?")])
        loop.run()
        #expect(terminal.frames.contains { $0.textDump().contains("keys · heatmap") }, "help was drawn")
        #expect(terminal.frames.count == 2, "idle ticks do not redraw: \(terminal.frames.count)")
        #expect(terminal.timeouts > 100)
    }

    @Test func traceIsDrawnBeforeOtherDatasetsAreSearched() {
        // heatmap -> box -> BubbleUp -> values -> events -> event -> trace.
        let (loop, terminal) = Self.loop(keys: [.char("a"), .enter, .tab, .enter, .enter, .char("t"), .char("Q")])
        loop.run()
        #expect(loop.state.stack.flatMap(\.crumbs).last == "trace")
        let searching = terminal.frames.firstIndex { $0.textDump().contains("searching other data") }
        let done = terminal.frames.lastIndex { $0.textDump().contains("❭ trace") && !$0.textDump().contains("searching") }
        #expect(searching != nil && done != nil && (searching ?? 0) < (done ?? 0), "the trace shows at once, then the search result")
    }

    @Test func clockTicksAloneDoNotRedraw() {
        var (state, model) = Shop.start()
        let drawn = state
        _ = Explorer.update(&state, .tick(now: Shop.now + 1_000_000_000), model: model)
        #expect(state != drawn && state.drawsSame(as: drawn), "a tick changes the clock, not the frame")
        _ = Explorer.update(&state, .tick(now: Shop.now + 61_000_000_000), model: model)
        #expect(!state.drawsSame(as: drawn), "\"ago\" texts are redrawn once a minute")
        var live = state
        live.lastArrival = state.now
        #expect(!live.drawsSame(as: state), "IDLE turning LIVE is redrawn")
        var moved = state
        moved.press([.left], model)
        #expect(!moved.drawsSame(as: state))
    }

    @Test func resizeRedrawsAndTooSmallShowsTheNotice() throws {
        let (loop, terminal) = Self.loop(keys: [])
        terminal.pendingKeys = [.char("j")]
        terminal.resize(to: TerminalSize(width: 70, height: 20))
        terminal.pendingKeys.append(.resize)
        terminal.pendingKeys.append(.char("Q"))
        loop.run()
        #expect(terminal.frames.contains { $0.textDump().contains("terminal too small") })
        #expect(loop.state.size == TerminalSize(width: 70, height: 20))
    }

    @Test func endOfInputQuits() {
        let (loop, terminal) = Self.loop(keys: [.char("h"), .endOfInput])
        loop.run()
        #expect(loop.state.quitting)
        #expect(!terminal.frames.isEmpty)
    }

    @Test func benchmarkReportsEveryStep() {
        let results = ExplorerBenchmark.measure(table: Shop.table(count: 2000))
        #expect(results.map(\.0) == ["first frame", "cursor move", "BubbleUp (prepare + run)", "BubbleUp (prepared scope)", "events of a value"])
        #expect(results.allSatisfy { $0.1 >= 0 && $0.1.isFinite })
    }
}
