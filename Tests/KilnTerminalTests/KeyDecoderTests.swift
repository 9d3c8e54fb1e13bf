import Testing
@testable import KilnTerminal

@Suite struct KeyDecoderTests {
    @Test(arguments: [
        (UInt32(9), Key.tab), (10, .enter), (13, .enter), (27, .escape), (127, .backspace), (8, .backspace),
        (0, .ctrl("@")), (1, .ctrl("a")), (4, .ctrl("d")), (21, .ctrl("u")), (26, .ctrl("z")),
        (28, .ctrl("\\")), (29, .ctrl("]")), (30, .ctrl("^")), (31, .ctrl("_")),
        (32, .char(" ")), (0x71, .char("q")), (0x47, .char("G")), (0x2F, .char("/")), (0xE9, .char("é")),
        (0x65E5, .char("日")), (0x1F525, .char("🔥")), (0x85, .unknown(0x85)), (0xD800, .unknown(0xD800)),
        (0x110000, .unknown(0x110000)),
    ])
    func characters(value: UInt32, key: Key) {
        #expect(KeyDecoder.decode(status: KeyDecoder.statusOK, value: value) == key)
    }

    @Test(arguments: [
        (0o402, Key.down), (0o403, .up), (0o404, .left), (0o405, .right), (0o406, .home), (0o550, .end),
        (0o534, .home), (0o537, .end), (0o533, .end), (0o535, .pageUp), (0o540, .pageDown),
        (0o523, .pageUp), (0o522, .pageDown), (0o407, .backspace), (0o512, .delete), (0o513, .insert),
        (0o527, .enter), (0o541, .backTab), (0o520, .shiftDown), (0o521, .shiftUp), (0o611, .shiftLeft),
        (0o622, .shiftRight), (0o632, .resize), (0o411, .function(1)), (0o425, .function(13)),
        (0o410 + 63, .function(63)), (0o410, .unknown(0o410)), (0o410 + 64, .unknown(0o410 + 64)), (9999, .unknown(9999)),
    ])
    func keyCodes(code: Int, key: Key) {
        #expect(KeyDecoder.decode(status: KeyDecoder.statusKeyCode, value: UInt32(code)) == key)
    }

    @Test func mouseAndErrorNeedNoKey() {
        #expect(KeyDecoder.decode(status: KeyDecoder.statusKeyCode, value: 0o631) == nil)
        #expect(KeyDecoder.decode(status: KeyDecoder.statusError, value: 65) == nil)
        #expect(KeyDecoder.decode(status: 12345, value: 65) == nil)
    }

    @Test func codesMatchThisBuildOfNcurses() {
        #expect(CursesTerminal.liveKeyCodes == KeyDecoder.Codes.ncurses6)
        // Button 1 press, wheel up (button 4), wheel down (button 5), shift, as MouseEvent decodes them.
        #expect(CursesTerminal.liveMouseMasks == [2, 2 << 15, 2 << 20, 2 << 25])
    }

    @Test func mouseDecoding() {
        #expect(MouseEvent.decode(x: 3, y: 4, buttonState: 2) == MouseEvent(x: 3, y: 4, kind: .press(1)))
        #expect(MouseEvent.decode(x: 0, y: 0, buttonState: 1) == MouseEvent(x: 0, y: 0, kind: .release(1)))
        #expect(MouseEvent.decode(x: 0, y: 0, buttonState: 4 << 5) == MouseEvent(x: 0, y: 0, kind: .click(2)))
        #expect(MouseEvent.decode(x: 0, y: 0, buttonState: 8 << 10) == MouseEvent(x: 0, y: 0, kind: .doubleClick(3)))
        #expect(MouseEvent.decode(x: 1, y: 1, buttonState: 2 << 15)?.kind == .wheelUp)
        #expect(MouseEvent.decode(x: 1, y: 1, buttonState: 2 << 20)?.kind == .wheelDown)
        let shifted = MouseEvent.decode(x: 1, y: 1, buttonState: 2 | 2 << 25 | 4 << 25)
        #expect(shifted?.shift == true && shifted?.alt == true && shifted?.ctrl == false)
        #expect(MouseEvent.decode(x: 1, y: 1, buttonState: 8 << 25)?.kind == .move)
        #expect(MouseEvent.decode(x: 1, y: 1, buttonState: 0) == nil)
    }

    @Test func keyNames() {
        #expect(Key.char(" ").description == "Space")
        #expect(Key.ctrl("d").description == "Ctrl-D")
        #expect(Key.pageDown.description == "PgDn")
        #expect(Key.function(5).description == "F5")
        #expect(Key.backTab.description == "Shift-Tab")
        #expect(Key.char("G").description == "G")
    }
}
