/// An in-memory screen: `width` x `height` cells that views draw into and a ``Terminal`` shows.
///
/// Everything is pure and value-typed, so rendering can be tested by comparing
/// ``textDump()`` and ``roleDump()`` with golden files. All text goes through the
/// ``Sanitizer`` on its way in, so no drawing call can put a control character on the
/// terminal; wide characters take two cells. Drawing outside the grid is clipped, never a
/// crash.
public struct ScreenGrid: Hashable, Sendable {
    /// Columns.
    public let width: Int
    /// Rows.
    public let height: Int
    /// The cells, row by row (`y * width + x`).
    public internal(set) var cells: [Cell]

    /// A grid of the given size filled with `fill` (negative sizes count as 0).
    public init(width: Int, height: Int, fill: Cell = .blank) {
        let w = max(0, width), h = max(0, height)
        let (count, overflow) = w.multipliedReportingOverflow(by: h)
        self.width = overflow ? 0 : w
        self.height = overflow ? 0 : h
        self.cells = Array(repeating: fill, count: overflow ? 0 : count)
    }

    /// A grid the size of a terminal.
    public init(size: TerminalSize, fill: Cell = .blank) {
        self.init(width: size.width, height: size.height, fill: fill)
    }

    /// The grid's size.
    public var size: TerminalSize { TerminalSize(width: width, height: height) }

    /// The whole grid as a rectangle.
    public var bounds: Rect { Rect(x: 0, y: 0, width: width, height: height) }

    /// The cell at (x, y); outside the grid, a blank cell.
    public subscript(x: Int, y: Int) -> Cell {
        guard contains(x: x, y: y) else { return .blank }
        return cells[y * width + x]
    }

    /// Whether (x, y) is inside the grid.
    public func contains(x: Int, y: Int) -> Bool {
        x >= 0 && y >= 0 && x < width && y < height
    }

    /// Fills every cell with `cell`.
    /// - Complexity: O(width * height)
    public mutating func clear(_ cell: Cell = .blank) {
        for i in cells.indices { cells[i] = cell }
    }

    /// Writes text at (x, y), at most `width` columns wide (and never past the grid's edge),
    /// and returns the columns it advanced.
    ///
    /// The text is sanitised first. A wide character that does not fit in the remaining space
    /// becomes a space. Zero-width clusters (a combining mark at the start) are attached to the
    /// previous cell written by this call, or dropped.
    /// - Returns: columns advanced from `x` (what to add to `x` for the next run).
    /// - Complexity: O(length of text)
    @discardableResult
    public mutating func put(_ text: String, x: Int, y: Int, width maxWidth: Int? = nil,
                             role: Role = .normal, attributes: TextAttributes = []) -> Int {
        guard y >= 0, y < height else { return 0 }
        let limit = min(width, x.addingSaturating(max(0, maxWidth ?? Int.max)))
        var col = x
        var lastIndex: Int? = nil
        for ch in Sanitizer.sanitize(text) {
            if col >= limit { break }
            let w = CharacterWidth.of(ch)
            if w == 0 {
                if let i = lastIndex, cells[i].text.unicodeScalars.count < 5 {
                    cells[i].text.unicodeScalars.append(contentsOf: ch.unicodeScalars)
                }
                continue
            }
            if col + w > limit || col < 0 {
                // A wide character cut by the right limit or the left edge: blank its visible half.
                for c in col..<min(col + w, limit) where c >= 0 {
                    setCell(Cell(text: " ", role: role, attributes: attributes), x: c, y: y)
                }
                col += w
                lastIndex = nil
                continue
            }
            setCell(Cell(text: String(ch), role: role, attributes: attributes, isWide: w == 2), x: col, y: y)
            lastIndex = y * width + col
            col += w
        }
        let end = max(min(col, limit), x)
        let (advance, overflow) = end.subtractingReportingOverflow(x)
        return overflow ? Int.max : advance
    }

    /// Writes text aligned inside a field of `width` columns starting at `x`; the rest of the
    /// field is not touched. Text wider than the field is cut on the right.
    /// - Returns: columns from `x` to the end of the text.
    @discardableResult
    public mutating func put(_ text: String, x: Int, y: Int, width fieldWidth: Int, align: TextAlignment,
                             role: Role = .normal, attributes: TextAttributes = []) -> Int {
        let clean = Sanitizer.sanitize(text)
        let w = CharacterWidth.columns(clean)
        let pad: Int
        switch align {
        case .left: pad = 0
        case .right: pad = max(0, fieldWidth - w)
        case .center: pad = max(0, (fieldWidth - w) / 2)
        }
        let used = put(clean, x: x.addingSaturating(pad), y: y, width: fieldWidth - pad, role: role, attributes: attributes)
        return pad + used
    }

    /// Writes runs of differently styled text one after another, at most `width` columns in all.
    /// - Returns: columns advanced from `x`.
    @discardableResult
    public mutating func put(_ runs: [StyledText], x: Int, y: Int, width maxWidth: Int? = nil) -> Int {
        var used = 0
        let total = max(0, maxWidth ?? Int.max)
        for run in runs {
            guard used < total else { break }
            used += put(run.text, x: x.addingSaturating(used), y: y, width: total - used,
                        role: run.role, attributes: run.attributes)
        }
        return used
    }

    /// Sets one cell, repairing any wide character it cuts in half. `cell` must be one column
    /// wide unless `isWide` is set, in which case the next column becomes its continuation.
    mutating func setCell(_ cell: Cell, x: Int, y: Int) {
        guard contains(x: x, y: y) else { return }
        let i = y * width + x
        if cells[i].isContinuation, x > 0 {
            cells[i - 1] = Cell(text: " ", role: cells[i - 1].role, attributes: cells[i - 1].attributes)
        }
        if cells[i].isWide, x + 1 < width {
            cells[i + 1] = Cell(text: " ", role: cells[i + 1].role, attributes: cells[i + 1].attributes)
        }
        if cell.isWide {
            guard x + 1 < width else {
                cells[i] = Cell(text: " ", role: cell.role, attributes: cell.attributes)
                return
            }
            if cells[i + 1].isWide, x + 2 < width {
                cells[i + 2] = Cell(text: " ", role: cells[i + 2].role, attributes: cells[i + 2].attributes)
            }
            cells[i] = cell
            cells[i + 1] = Cell(text: "", role: cell.role, attributes: cell.attributes)
        } else {
            cells[i] = cell
        }
    }
}
