import Testing
@testable import KilnTerminal

/// Prints how long grid work takes (a figure, not an assertion): run with
/// `swift test -c release --filter GridFigures`.
@Suite struct GridFigures {
    @Test func fullScreenRender() {
        let clock = ContinuousClock()
        let rows = (0..<60).map { "GET /api/v1/users/\($0)?q=\u{1B}[31mx 200 12.5ms Mozilla/5.0 (X11; Linux x86_64) 日本 🔥 " + String(repeating: "x", count: $0) }
        var grid = ScreenGrid(width: 200, height: 60)
        let frames = 50
        let start = clock.now
        for frame in 0..<frames {
            grid.clear()
            for (y, row) in rows.enumerated() {
                grid.put(row, x: 0, y: y, width: 200, role: y == frame % 60 ? .cursor : .normal)
            }
        }
        let elapsed = clock.now - start
        #expect(grid.rowText(0).hasPrefix("GET /api/v1/users/0?q=\\x1b[31mx"))
        print("GridFigures: 200x60 grid, 60 rows of hostile text, \(frames) frames: \(elapsed / frames) per frame")
    }
}
