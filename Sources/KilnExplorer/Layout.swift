import KilnTerminal

/// Where things go on the screen, shared by update (page sizes, mouse hits) and render.
enum Layout {
    /// Columns left of the heatmap for the value axis labels.
    static let axisWidth = 8

    /// The heatmap's plot area: one cell per (time bucket, value bucket).
    static func plot(_ size: TerminalSize) -> Rect {
        Rect(x: axisWidth, y: 3, width: max(1, size.width - axisWidth - 1), height: max(1, size.height - 8))
    }

    /// Rows of a list body (below a summary and a column header line).
    static func listRows(_ size: TerminalSize) -> Int { max(1, size.height - 6) }

    /// First row of a list body.
    static let listTop = 4

    /// Rows of the event view's body (below the summary line).
    static func eventRows(_ size: TerminalSize) -> Int { max(1, size.height - 5) }

    /// Width of BubbleUp's field list.
    static func fieldPaneWidth(_ size: TerminalSize) -> Int {
        size.width >= 140 ? 40 : (size.width >= 110 ? 34 : 28)
    }
}
