import Testing
@testable import KilnTerminal

@Suite struct ScreenGridTests {
    @Test func putReturnsColumnsAndClips() {
        var grid = ScreenGrid(width: 10, height: 2)
        #expect(grid.put("hello", x: 0, y: 0) == 5)
        #expect(grid.put("world!", x: 7, y: 0) == 3)
        #expect(grid.rowText(0) == "hello  wor")
        #expect(grid.put("abcdef", x: 1, y: 1, width: 3) == 3)
        #expect(grid.rowText(1) == " abc")
    }

    @Test func putOutsideTheGridDoesNothing() {
        var grid = ScreenGrid(width: 4, height: 2)
        #expect(grid.put("x", x: 0, y: -1) == 0)
        #expect(grid.put("x", x: 0, y: 2) == 0)
        #expect(grid.put("x", x: 4, y: 0) == 0)
        #expect(grid.put("x", x: Int.max, y: 0) == 0)
        #expect(grid.put("abcdef", x: Int.min, y: 0, width: Int.max) >= 0)
        #expect(grid.put("abc", x: 0, y: 0, width: -5) == 0)
        #expect(grid == ScreenGrid(width: 4, height: 2))
    }

    @Test func leftClipping() {
        var grid = ScreenGrid(width: 5, height: 1)
        grid.put("abcdef", x: -2, y: 0)
        #expect(grid.rowText(0) == "cdef")
        var wide = ScreenGrid(width: 5, height: 1)
        wide.put("日本", x: -1, y: 0)
        #expect(wide.textDump() == "┋ 本  ┋\n")
    }

    @Test func wideCharactersTakeTwoCells() {
        var grid = ScreenGrid(width: 8, height: 1)
        #expect(grid.put("日本x", x: 0, y: 0) == 5)
        #expect(grid[0, 0].text == "日")
        #expect(grid[0, 0].isWide)
        #expect(grid[1, 0].isContinuation)
        #expect(grid[2, 0].text == "本")
        #expect(grid[4, 0].text == "x")
        #expect(grid.textDump() == "┋日本x   ┋\n")
    }

    @Test func wideCharacterCutAtTheLimitBecomesASpace() {
        var grid = ScreenGrid(width: 6, height: 1)
        #expect(grid.put("ab日", x: 0, y: 0, width: 3) == 3)
        #expect(grid.rowText(0) == "ab")
        #expect(grid[2, 0] == Cell(text: " "))
        var edge = ScreenGrid(width: 3, height: 1)
        #expect(edge.put("ab🔥", x: 0, y: 0) == 3)
        #expect(edge.textDump() == "┋ab ┋\n")
    }

    @Test func overwritingHalfAWideCharacterRepairsIt() {
        var grid = ScreenGrid(width: 6, height: 1)
        grid.put("日本語", x: 0, y: 0)
        grid.put("x", x: 1, y: 0)           // right half of 日
        #expect(grid.textDump() == "┋ x本語┋\n")
        grid.put("y", x: 2, y: 0)           // left half of 本
        #expect(grid.textDump() == "┋ xy 語┋\n")
        grid.put("漢", x: 3, y: 0)          // straddles the blank and the left half of 語
        #expect(grid.textDump() == "┋ xy漢 ┋\n")
        #expect(!grid.cells.enumerated().contains { i, c in c.isContinuation && (i == 0 || !grid.cells[i - 1].isWide) })
    }

    @Test func combiningMarksStayWithTheirBase() {
        var grid = ScreenGrid(width: 4, height: 1)
        #expect(grid.put("e\u{301}a", x: 0, y: 0) == 2)
        #expect(grid[0, 0].text == "e\u{301}")
        // A lone combining mark at the start has nothing to attach to: dropped.
        var lone = ScreenGrid(width: 4, height: 1)
        #expect(lone.put("\u{301}b", x: 0, y: 0) == 1)
        #expect(lone.rowText(0) == "b")
    }

    @Test func hostileTextIsShownNotInterpreted() {
        var grid = ScreenGrid(width: 30, height: 1)
        let used = grid.put("\u{1B}[2J\u{202E}evil\u{7}", x: 0, y: 0)
        #expect(grid.rowText(0) == "\\x1b[2J\\u202eevil\\x07")
        #expect(used == 21)
        #expect(grid.cells.allSatisfy { cell in cell.text.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value != 0x7F } })
    }

    @Test func alignment() {
        var grid = ScreenGrid(width: 10, height: 3)
        grid.put("42", x: 0, y: 0, width: 6, align: .right)
        grid.put("ab", x: 0, y: 1, width: 6, align: .center)
        grid.put("toolongtext", x: 0, y: 2, width: 6, align: .right)
        #expect(grid.rowText(0) == "    42")
        #expect(grid.rowText(1) == "  ab")
        #expect(grid.rowText(2) == "toolon")
    }

    @Test func styledRuns() {
        var grid = ScreenGrid(width: 12, height: 1)
        let used = grid.put([StyledText("q", role: .keyHintKey), StyledText(" quit", role: .keyHint),
                             StyledText(" /", role: .keyHintKey), StyledText(" search", role: .keyHint)], x: 0, y: 0)
        #expect(used == 12)
        #expect(grid.rowText(0) == "q quit / sea")
        #expect(grid[0, 0].role == .keyHintKey)
        #expect(grid[1, 0].role == .keyHint)
        #expect(grid[7, 0].role == .keyHintKey)
    }

    @Test func fillLinesAndPaint() {
        var grid = ScreenGrid(width: 6, height: 3)
        grid.fill(Rect(x: 1, y: 1, width: 10, height: 10), with: "#", role: .selection)
        grid.horizontalLine(x: -3, y: 0, length: 5, glyph: "─")
        grid.verticalLine(x: 0, y: 0, length: 9, glyph: "│")
        grid.fill(Rect(x: 5, y: 0, width: 1, height: 1), with: "\u{1B}")
        grid.fill(Rect(x: 4, y: 0, width: 1, height: 1), with: "日")
        #expect(grid.textDump() == "┋│─  ??┋\n┋│#####┋\n┋│#####┋\n")
        grid.paint(Rect(x: 0, y: 2, width: 3, height: 1), role: .cursor)
        #expect(grid[2, 2].role == .cursor)
        #expect(grid[2, 2].text == "#")
        #expect(grid[3, 2].role == .selection)
        grid.addAttributes(.bold, in: Rect(x: 0, y: 0, width: 1, height: 1))
        #expect(grid[0, 0].attributes == .bold)
    }

    @Test func boxWithTitle() {
        var grid = ScreenGrid(width: 12, height: 4)
        grid.box(Rect(x: 0, y: 0, width: 12, height: 4), glyphs: .light, title: "events")
        #expect(grid.textDump() == """
        ┋┌ events ──┐┋
        ┋│          │┋
        ┋│          │┋
        ┋└──────────┘┋

        """)
        #expect(grid[0, 0].role == .border)
        #expect(grid[2, 0].role == .title)
        var ascii = ScreenGrid(width: 4, height: 3)
        ascii.box(Rect(x: 0, y: 0, width: 4, height: 3), glyphs: .ascii, title: "too long")
        #expect(ascii.textDump() == "┋+--+┋\n┋|  |┋\n┋+--+┋\n")
        var tiny = ScreenGrid(width: 3, height: 3)
        tiny.box(Rect(x: 1, y: 1, width: 1, height: 1), glyphs: .light)
        tiny.box(Rect(x: 0, y: 0, width: 0, height: 5), glyphs: .light)
        tiny.box(Rect(x: Int.max - 1, y: Int.max - 1, width: Int.max, height: Int.max), glyphs: .light)
        #expect(tiny[1, 1].text != " ")
    }

    @Test func blitComposesPanes() {
        var pane = ScreenGrid(width: 4, height: 1)
        pane.put("日ab", x: 0, y: 0, role: .accent)
        var screen = ScreenGrid(width: 6, height: 2)
        screen.blit(pane, x: 1, y: 1)
        #expect(screen.textDump() == "┋      ┋\n┋ 日ab ┋\n")
        var clipped = ScreenGrid(width: 6, height: 1)
        clipped.blit(pane, x: -1, y: 0)
        #expect(clipped.textDump() == "┋ ab   ┋\n")
        var right = ScreenGrid(width: 3, height: 1)
        right.blit(pane, x: 2, y: 0)
        #expect(right.textDump() == "┋   ┋\n")
    }

    @Test func roleDumpShowsRolesAndLegend() {
        var grid = ScreenGrid(width: 8, height: 2)
        grid.put("sel", x: 0, y: 0, role: .selection)
        grid.put("日", x: 4, y: 0, role: .heat(7))
        grid.put("ok", x: 0, y: 1, role: .service(14))
        #expect(grid.roleDump() == """
        ┋SSS 77  ┋
        ┋cc      ┋
        ' ' normal
        '7' heat7
        'S' selection
        'c' service2

        """)
    }

    @Test func tooSmallScreen() {
        let grid = ScreenGrid.tooSmall(size: TerminalSize(width: 40, height: 5))
        #expect(grid.rowText(1) == "    terminal too small (need 80x24)")
        #expect(grid.rowText(2) == "                now 40x5")
        #expect(grid[4, 1].role == .warning)
        #expect(grid[3, 1].role == .normal)
        for (w, h) in [(0, 0), (1, 1), (5, 1), (3, 2)] {
            let g = ScreenGrid.tooSmall(size: TerminalSize(width: w, height: h))
            #expect(g.width == w && g.height == h)
        }
        #expect(ScreenGrid.tooSmall(size: TerminalSize(width: 10, height: 1)).rowText(0) == "terminal t")
    }

    @Test func sizesAreSafe() {
        #expect(ScreenGrid(width: -3, height: 5).cells.isEmpty)
        #expect(ScreenGrid(width: Int.max, height: Int.max).cells.isEmpty)
        #expect(ScreenGrid(width: 2, height: 2)[5, 5] == .blank)
        #expect(ScreenGrid(width: 0, height: 0).textDump() == "")
    }

    @Test func snapshotOfASmallView() {
        // A footer, a heat row and a breadcrumb as a view would draw them.
        var grid = ScreenGrid(width: 24, height: 4)
        let glyphs = GlyphSet.unicode
        grid.put(glyphs.breadcrumb(["heatmap", "selection"]), x: 0, y: 0, role: .breadcrumb)
        for level in 0..<10 {
            grid.put(String(glyphs.heatGlyph(level: level)), x: level, y: 1, role: .heat(level))
        }
        grid.put(glyphs.bar(fraction: 0.4, width: 10), x: 0, y: 2, role: .selection)
        grid.fill(Rect(x: 0, y: 3, width: 24, height: 1), role: .statusBar)
        grid.put([StyledText("q", role: .keyHintKey), StyledText(" quit ", role: .keyHint),
                  StyledText("?", role: .keyHintKey), StyledText(" help", role: .keyHint)], x: 0, y: 3)
        #expect(grid.textDump() == """
        ┋heatmap ❭ selection     ┋
        ┋ ░░░▒▒▓▓██              ┋
        ┋████                    ┋
        ┋q quit ? help           ┋

        """)
        #expect(grid.roleDump() == """
        ┋>>>>>>>>>>>>>>>>>>>     ┋
        ┋0123456789              ┋
        ┋SSSS                    ┋
        ┋KQQQQQQKQQQQQ===========┋
        ' ' normal
        '0' heat0
        '1' heat1
        '2' heat2
        '3' heat3
        '4' heat4
        '5' heat5
        '6' heat6
        '7' heat7
        '8' heat8
        '9' heat9
        '=' status-bar
        '>' breadcrumb
        'K' key-hint-key
        'Q' key-hint
        'S' selection

        """)
    }
}
