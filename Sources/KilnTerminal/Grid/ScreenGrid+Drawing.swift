extension ScreenGrid {
    /// Fills a rectangle (clipped to the grid) with one character; a character that is not
    /// exactly one column wide once sanitised is replaced by `?`.
    /// - Complexity: O(area)
    public mutating func fill(_ rect: Rect, with character: Character = " ", role: Role = .normal,
                              attributes: TextAttributes = []) {
        let glyph = ScreenGrid.singleColumn(character)
        let r = rect.intersection(bounds)
        guard !r.isEmpty else { return }
        for y in r.y..<r.maxY {
            for x in r.x..<r.maxX {
                setCell(Cell(text: glyph, role: role, attributes: attributes), x: x, y: y)
            }
        }
    }

    /// A horizontal line of `length` cells starting at (x, y), clipped to the grid.
    public mutating func horizontalLine(x: Int, y: Int, length: Int, glyph: Character, role: Role = .border) {
        fill(Rect(x: x, y: y, width: length, height: 1), with: glyph, role: role)
    }

    /// A vertical line of `length` cells starting at (x, y), clipped to the grid.
    public mutating func verticalLine(x: Int, y: Int, length: Int, glyph: Character, role: Role = .border) {
        fill(Rect(x: x, y: y, width: 1, height: length), with: glyph, role: role)
    }

    /// Draws the outline of `rect` (clipped to the grid) with `glyphs`, and an optional title
    /// in the top edge (` title `, cut to fit). The inside is not touched. Rectangles narrower or
    /// lower than 2 cells draw what fits.
    public mutating func box(_ rect: Rect, glyphs: BoxGlyphs, role: Role = .border,
                             title: String? = nil, titleRole: Role = .title) {
        guard !rect.isEmpty else { return }
        let right = rect.maxX - 1, bottom = rect.maxY - 1
        horizontalLine(x: rect.x, y: rect.y, length: rect.width, glyph: glyphs.horizontal, role: role)
        horizontalLine(x: rect.x, y: bottom, length: rect.width, glyph: glyphs.horizontal, role: role)
        verticalLine(x: rect.x, y: rect.y, length: rect.height, glyph: glyphs.vertical, role: role)
        verticalLine(x: right, y: rect.y, length: rect.height, glyph: glyphs.vertical, role: role)
        if rect.width >= 2 && rect.height >= 2 {
            fill(Rect(x: rect.x, y: rect.y, width: 1, height: 1), with: glyphs.topLeft, role: role)
            fill(Rect(x: right, y: rect.y, width: 1, height: 1), with: glyphs.topRight, role: role)
            fill(Rect(x: rect.x, y: bottom, width: 1, height: 1), with: glyphs.bottomLeft, role: role)
            fill(Rect(x: right, y: bottom, width: 1, height: 1), with: glyphs.bottomRight, role: role)
        }
        if let title, !title.isEmpty, rect.width > 4 {
            put(" " + title + " ", x: rect.x + 1, y: rect.y, width: rect.width - 2, role: titleRole)
        }
    }

    /// Changes the role of every cell in `rect` (clipped), keeping text and attributes: to
    /// highlight a row or a selected region after drawing it.
    public mutating func paint(_ rect: Rect, role: Role) {
        let r = rect.intersection(bounds)
        guard !r.isEmpty else { return }
        for y in r.y..<r.maxY {
            for x in r.x..<r.maxX { cells[y * width + x].role = role }
        }
    }

    /// Adds attributes to every cell in `rect` (clipped), keeping text and roles.
    public mutating func addAttributes(_ attributes: TextAttributes, in rect: Rect) {
        let r = rect.intersection(bounds)
        guard !r.isEmpty else { return }
        for y in r.y..<r.maxY {
            for x in r.x..<r.maxX { cells[y * width + x].attributes.formUnion(attributes) }
        }
    }

    /// Copies `other` into this grid with its top-left corner at (x, y), clipped; for
    /// composing panes rendered separately. Wide characters cut by the edges become spaces.
    public mutating func blit(_ other: ScreenGrid, x: Int, y: Int) {
        for sy in 0..<other.height {
            let ty = y.addingSaturating(sy)
            guard ty >= 0, ty < height else { continue }
            for sx in 0..<other.width {
                let tx = x.addingSaturating(sx)
                guard tx >= 0, tx < width else { continue }
                let cell = other[sx, sy]
                if cell.isContinuation {
                    // Written together with its left half; alone (left half clipped) it is a space.
                    if tx == 0 || sx == 0 { setCell(Cell(text: " ", role: cell.role, attributes: cell.attributes), x: tx, y: ty) }
                    continue
                }
                if cell.isWide && tx + 1 >= width {
                    setCell(Cell(text: " ", role: cell.role, attributes: cell.attributes), x: tx, y: ty)
                } else {
                    setCell(cell, x: tx, y: ty)
                }
            }
        }
    }

    static func singleColumn(_ character: Character) -> String {
        let clean = Sanitizer.sanitize(String(character))
        guard clean.count == 1, let ch = clean.first, CharacterWidth.of(ch) == 1 else { return "?" }
        return clean
    }
}
