import Testing
@testable import KilnTerminal

@Suite struct ColorTests {
    @Test func hexParsing() {
        #expect(RGB(hex: "#ffd75f") == RGB(0xff, 0xd7, 0x5f))
        #expect(RGB(hex: "#FFF") == RGB(255, 255, 255))
        #expect(RGB(hex: "#0a0") == RGB(0, 0xaa, 0))
        for bad in ["ffd75f", "#ffd75", "#gggggg", "#", "", "#ffd75f0", "#ｆｆｆ"] { #expect(RGB(hex: bad) == nil) }
        #expect(RGB(1, 2, 255).description == "#0102ff")
    }

    @Test func xtermPaletteValues() {
        #expect(XtermPalette.rgb(ofIndex: 16) == RGB(0, 0, 0))
        #expect(XtermPalette.rgb(ofIndex: 221) == RGB(0xff, 0xd7, 0x5f))
        #expect(XtermPalette.rgb(ofIndex: 231) == RGB(255, 255, 255))
        #expect(XtermPalette.rgb(ofIndex: 232) == RGB(8, 8, 8))
        #expect(XtermPalette.rgb(ofIndex: 255) == RGB(238, 238, 238))
        #expect(XtermPalette.rgb(ofIndex: 999) == XtermPalette.rgb(ofIndex: 255))
    }

    @Test func nearest256IsExactForPaletteColours() {
        // Every cube and grey entry maps back to an entry of the same colour.
        for i in 16...255 {
            let c = XtermPalette.rgb(ofIndex: i)
            #expect(XtermPalette.rgb(ofIndex: XtermPalette.nearest256(c)) == c, "index \(i)")
        }
        #expect(XtermPalette.nearest256(RGB(0x30, 0x30, 0x30)) == 236)
        #expect(XtermPalette.nearest256(RGB(0xff, 0x87, 0x00)) == 208)
    }

    @Test func nearest256IsNearestOverall() {
        // Brute force over a lattice of colours: no other entry 16...255 is closer.
        for r in stride(from: 0, through: 255, by: 17) {
            for g in stride(from: 0, through: 255, by: 51) {
                for b in stride(from: 0, through: 255, by: 15) {
                    let c = RGB(UInt8(r), UInt8(g), UInt8(b))
                    let chosen = c.distance(to: XtermPalette.rgb(ofIndex: XtermPalette.nearest256(c)))
                    let best = (16...255).map { c.distance(to: XtermPalette.rgb(ofIndex: $0)) }.min() ?? 0
                    // The cube-level shortcut picks per channel; allow a small perceptual slack.
                    #expect(chosen <= best * 2 + 64, "\(c): \(chosen) vs \(best)")
                }
            }
        }
    }

    @Test func nearestBasicColours() {
        #expect(XtermPalette.nearest16(RGB(0xd7, 0, 0)) == 1)
        #expect(XtermPalette.nearest16(RGB(0xff, 0x30, 0x30)) == 9)
        #expect(XtermPalette.nearest16(RGB(0x80, 0x80, 0x80)) == 8)
        #expect(XtermPalette.nearest16(RGB(0x10, 0x10, 0x10)) == 0)
        #expect(XtermPalette.nearest8(RGB(0x80, 0x80, 0x80)) == 7)
        #expect(XtermPalette.nearest8(RGB(0xff, 0xd7, 0x5f)) == 3)
        #expect(XtermPalette.basicIndex(named: "Bright-Cyan") == 14)
        #expect(XtermPalette.basicIndex(named: "grey") == 8)
        #expect(XtermPalette.basicIndex(named: "orange") == nil)
    }

    @Test(arguments: [
        (ColorChoice.auto, ["COLORTERM": "truecolor"], 256, ColorDepth.truecolor),
        (.auto, ["COLORTERM": "24bit"], 256, .truecolor),
        (.auto, ["COLORTERM": "TrueColor"], 8, .truecolor),
        (.auto, ["COLORTERM": "truecolor"], 0, .none),
        (.auto, ["COLORTERM": "yes"], 256, .xterm256),
        (.auto, [:], 256, .xterm256),
        (.auto, [:], 88, .ansi16),
        (.auto, [:], 16, .ansi16),
        (.auto, [:], 8, .ansi8),
        (.auto, [:], 2, .none),
        (.auto, [:], -1, .none),
        (.auto, ["NO_COLOR": "1", "COLORTERM": "truecolor"], 256, .none),
        (.auto, ["NO_COLOR": ""], 256, .xterm256),
        (.depth(.ansi16), ["NO_COLOR": "1"], 256, .ansi16),
        (.depth(.truecolor), [:], 8, .truecolor),
        (.depth(.none), ["COLORTERM": "truecolor"], 256, .none),
    ] as [(ColorChoice, [String: String], Int, ColorDepth)])
    func depthDetection(choice: ColorChoice, env: [String: String], colors: Int, expected: ColorDepth) {
        #expect(ColorDepth.detect(choice: choice, environment: env, terminfoColors: colors) == expected)
    }

    @Test func colorChoiceParsing() {
        #expect(ColorChoice("auto") == .auto)
        #expect(ColorChoice("truecolor") == .depth(.truecolor))
        #expect(ColorChoice("24bit") == .depth(.truecolor))
        #expect(ColorChoice("256") == .depth(.xterm256))
        #expect(ColorChoice("16") == .depth(.ansi16))
        #expect(ColorChoice("8") == .depth(.ansi8))
        #expect(ColorChoice("NONE") == .depth(.none))
        #expect(ColorChoice("lots") == nil)
        for choice in [ColorChoice.auto, .depth(.truecolor), .depth(.xterm256), .depth(.ansi16), .depth(.ansi8), .depth(.none)] {
            #expect(ColorChoice(choice.description) == choice)
        }
    }

    @Test func themeColorResolution() {
        let c = ThemeColor(.rgb(RGB(0x5f, 0xaf, 0xff)))
        #expect(c.resolved(for: .truecolor) == .rgb(RGB(0x5f, 0xaf, 0xff)))
        #expect(c.resolved(for: .xterm256) == .indexed(75))
        #expect(c.resolved(for: .ansi16) == .indexed(12))
        #expect(c.resolved(for: .ansi8) == .indexed(6))
        #expect(c.resolved(for: .none) == .terminalDefault)
        let explicit = ThemeColor(.rgb(RGB(0, 0, 0)), index256: 17, index16: 12, index8: 4)
        #expect(explicit.resolved(for: .xterm256) == .indexed(17))
        #expect(explicit.resolved(for: .ansi16) == .indexed(12))
        #expect(explicit.resolved(for: .ansi8) == .indexed(4))
        let bright16 = ThemeColor(.rgb(RGB(0, 0, 0)), index16: 8)
        #expect(bright16.resolved(for: .ansi8) == .indexed(7))
        #expect(ThemeColor.terminalDefault.resolved(for: .ansi8) == .terminalDefault)
        #expect(ThemeColor(.indexed(3)).resolved(for: .xterm256) == .indexed(3))
    }
}
