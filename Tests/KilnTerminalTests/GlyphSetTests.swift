import Testing
@testable import KilnTerminal

@Suite struct GlyphSetTests {
    @Test(arguments: [("UTF-8", true), ("utf8", true), ("UTF8", true), ("ANSI_X3.4-1968", false), ("ISO-8859-1", false), ("", false)])
    func detection(codeset: String, unicode: Bool) {
        #expect(GlyphSet.detect(codeset: codeset).isUnicode == unicode)
    }

    @Test func asciiSetIsPrintableASCII() {
        let a = GlyphSet.ascii
        var text = String(a.heatRamp) + String(a.barEighths) + String(a.sparkline) + a.treeBranch + a.treeLastBranch
        text += a.treeVertical + a.breadcrumbSeparator + a.ellipsis
        text += String([a.arrowUp, a.arrowDown, a.arrowLeft, a.arrowRight, a.bullet, a.pointer, a.markerLine, a.check])
        for box in [a.box, a.focusedBox] {
            text += String([box.horizontal, box.vertical, box.topLeft, box.topRight, box.bottomLeft, box.bottomRight,
                            box.teeLeft, box.teeRight, box.teeUp, box.teeDown, box.cross])
        }
        #expect(text.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value < 0x7F })
        #expect(a.breadcrumb(["heatmap", "events"]) == "heatmap > events")
    }

    @Test func unicodeGlyphsAreOneColumn() {
        let u = GlyphSet.unicode
        var chars: [Character] = u.heatRamp + u.barEighths + u.sparkline
        chars += [u.arrowUp, u.arrowDown, u.arrowLeft, u.arrowRight, u.bullet, u.pointer, u.markerLine, u.check]
        chars += Array(u.breadcrumbSeparator + u.ellipsis + u.treeBranch + u.treeLastBranch + u.treeVertical)
        for box in [BoxGlyphs.light, .rounded, .heavy] {
            chars += [box.horizontal, box.vertical, box.topLeft, box.topRight, box.bottomLeft, box.bottomRight,
                      box.teeLeft, box.teeRight, box.teeUp, box.teeDown, box.cross]
        }
        for c in chars { #expect(CharacterWidth.of(c) == 1, "\(c)") }
        #expect(u.breadcrumb(["heatmap", "selection", "BubbleUp"]) == "heatmap ❭ selection ❭ BubbleUp")
    }

    @Test func heatGlyphs() {
        let u = GlyphSet.unicode
        #expect((0...9).map { u.heatGlyph(level: $0) } == [" ", "░", "░", "░", "▒", "▒", "▓", "▓", "█", "█"])
        #expect(GlyphSet.ascii.heatGlyph(level: 9) == "#")
        #expect(GlyphSet.ascii.heatGlyph(level: 1) == ".")
        #expect(u.heatGlyph(level: -5) == " ")
        #expect(u.heatGlyph(level: 500) == "█")
    }

    @Test func bars() {
        let u = GlyphSet.unicode
        #expect(u.bar(fraction: 1, width: 4) == "████")
        #expect(u.bar(fraction: 0.5, width: 4) == "██")
        #expect(u.bar(fraction: 0.3, width: 4) == "█▎")
        #expect(u.bar(fraction: 0.001, width: 4) == "▏")
        #expect(u.bar(fraction: 0, width: 4) == "")
        #expect(u.bar(fraction: 7, width: 3) == "███")
        #expect(u.bar(fraction: .nan, width: 3) == "")
        #expect(u.bar(fraction: 0.5, width: -1) == "")
        #expect(GlyphSet.ascii.bar(fraction: 0.5, width: 10) == "#####")
        #expect(GlyphSet.ascii.bar(fraction: 0.01, width: 10) == "#")
        for f in stride(from: 0.0, through: 1.0, by: 0.013) {
            #expect(CharacterWidth.columns(u.bar(fraction: f, width: 7)) <= 7)
        }
    }

    @Test func sparkline() {
        let u = GlyphSet.unicode
        #expect(u.sparkGlyph(0) == "▁")
        #expect(u.sparkGlyph(1) == "█")
        #expect(u.sparkGlyph(.infinity) == "▁")
        #expect(GlyphSet.ascii.sparkGlyph(0.5) == "-")
    }
}
