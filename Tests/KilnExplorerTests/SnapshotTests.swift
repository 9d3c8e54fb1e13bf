import Foundation
@testable import KilnStore
import KilnCore
@testable import KilnExplorer
import KilnTerminal
import Testing

/// The product's face: every view at 80x24 and 120x40, compared with reviewed text dumps.
@Suite struct SnapshotTests {
    static let sizes: [(String, TerminalSize)] = [("80x24", Shop.size80), ("120x40", Shop.size120)]

    static func screens(size: TerminalSize) -> [(String, ExplorerState, ExplorerModel)] {
        var out: [(String, ExplorerState, ExplorerModel)] = []
        var (state, model) = Shop.start(size: size)
        out.append(("heatmap", state, model))
        state.press([.char("a")], model)
        out.append(("heatmap-box", state, model))
        state.press([.enter], model)
        out.append(("bubbleup", state, model))
        state.press([.tab, .down], model)
        out.append(("bubbleup-values", state, model))
        state.press([.up, .enter], model)
        out.append(("events", state, model))
        state.press([.enter], model)
        out.append(("event", state, model))
        state.press([.char("t")], model)
        out.append(("trace", state, model))
        var (g, gm) = DrillDownTests.incident(size: size)
        g.command("group service.name", gm)
        out.append(("groups", g, gm))
        var (h, hm) = Shop.start(size: size)
        h.press([.char("?")], hm)
        out.append(("help", h, hm))
        var (p, pm) = Shop.start(size: size)
        p.command("where duration_ms >=", pm)
        out.append(("prompt-error", p, pm))
        return out
    }

    @Test(arguments: sizes)
    func views(name: String, size: TerminalSize) {
        for (view, state, model) in Self.screens(size: size) {
            assertSnapshot(state.frame(model).textDump(), named: "\(view)-\(name)")
        }
    }

    @Test func heatmapRoles() {
        var (state, model) = Shop.start()
        state.press([.char("a")], model)
        assertSnapshot(state.frame(model).roleDump(), named: "heatmap-box-roles-80x24")
    }

    @Test func asciiGlyphs() {
        var (state, model) = Shop.start(glyphs: .ascii)
        state.press([.char("a")], model)
        let text = state.frame(model).textDump()
        assertSnapshot(text, named: "heatmap-box-ascii-80x24")
        let body = text.replacingOccurrences(of: "┋", with: "")
        #expect(body.unicodeScalars.allSatisfy { $0.isASCII || $0 == "\n" }, "ASCII glyphs only")
    }

    @Test func tooSmall() {
        let (state, model) = Shop.start()
        var grid = ScreenGrid(size: TerminalSize(width: 79, height: 24))
        Explorer.render(state, model: model, into: &grid)
        assertSnapshot(grid.textDump(), named: "too-small-79x24")
    }

    @Test func picker() {
        let datasets = [
            DatasetInfo(name: "shop", events: 20_000, minTime: Shop.start, maxTime: Shop.end, bytes: 1_000_000, fieldCount: 40),
            DatasetInfo(name: "payments", events: 1_204, minTime: Shop.start, maxTime: Shop.end, bytes: 50_000, fieldCount: 12),
        ]
        let state = ExplorerState(size: Shop.size80, glyphs: .unicode, dataset: "", query: QueryState(), now: Shop.now, picker: datasets)
        let model = ExplorerModel(table: EventTable())
        assertSnapshot(state.frame(model).textDump(), named: "picker-80x24")
        var s = state
        #expect(s.press([.down, .enter], model) == [.loadDataset("payments")])
    }
}
