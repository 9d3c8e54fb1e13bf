extension ScreenGrid {
    /// The grid's text, one line per row framed by `┋` marks (as lnav's
    /// `test/mvwattrline_output.0`), each line ending in a newline. A wide character is
    /// written once; its continuation cell adds nothing.
    /// - Complexity: O(width * height)
    public func textDump() -> String {
        var out = ""
        out.reserveCapacity((width + 8) * height)
        for y in 0..<height {
            out += "┋"
            for x in 0..<width { out += cells[y * width + x].text }
            out += "┋\n"
        }
        return out
    }

    /// The grid's roles, one symbol per column (``Role/dumpSymbol``; a wide character's
    /// continuation repeats its symbol) framed like ``textDump()``, followed by a legend line
    /// per role used, in symbol order: `' ' normal`, `'S' selection`.
    /// - Complexity: O(width * height)
    public func roleDump() -> String {
        var out = ""
        var used: [Character: String] = [:]
        for y in 0..<height {
            out += "┋"
            for x in 0..<width {
                let role = cells[y * width + x].role
                let symbol = role.dumpSymbol
                used[symbol] = role.name
                out.append(symbol)
            }
            out += "┋\n"
        }
        for symbol in used.keys.sorted() {
            out += "'\(symbol)' \(used[symbol] ?? "")\n"
        }
        return out
    }

    /// The text of one row without frame, trailing spaces removed: handy in assertions.
    public func rowText(_ y: Int) -> String {
        guard y >= 0, y < height else { return "" }
        var s = ""
        for x in 0..<width { s += cells[y * width + x].text }
        while s.last == " " { s.removeLast() }
        return s
    }
}
