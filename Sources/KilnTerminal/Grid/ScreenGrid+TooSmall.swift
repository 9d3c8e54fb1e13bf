extension ScreenGrid {
    /// The screen shown instead of a view when the terminal is smaller than `minimum`:
    /// `terminal too small (need 80x24)` and the current size, centred, cut to fit. Rendered
    /// in whatever space there is, even 1x1.
    public static func tooSmall(size: TerminalSize, minimum: TerminalSize = .minimum) -> ScreenGrid {
        var grid = ScreenGrid(size: size)
        let lines: [(String, Role)] = [
            ("terminal too small (need \(minimum))", .warning),
            ("now \(size)", .dim),
        ]
        let top = max(0, (size.height - lines.count) / 2)
        for (i, (text, role)) in lines.enumerated() {
            grid.put(text, x: 0, y: top + i, width: size.width, align: .center, role: role)
        }
        return grid
    }
}
