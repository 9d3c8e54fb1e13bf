#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import KilnTerminal

@Suite struct CharacterWidthTests {
    @Test(arguments: [
        ("a", 1), ("é", 1), ("日", 2), ("ｱ", 1), ("Ａ", 2), ("한", 2), ("🔥", 2), ("✓", 1), ("❭", 1),
        ("─", 1), ("█", 1), ("e\u{301}", 1), ("👨‍👩‍👧", 2), ("\u{301}", 0),
    ] as [(String, Int)])
    func widths(text: String, width: Int) {
        #expect(CharacterWidth.of(Character(text)) == width)
    }

    @Test func columnsOfStrings() {
        #expect(CharacterWidth.columns("abc") == 3)
        #expect(CharacterWidth.columns("日本語") == 6)
        #expect(CharacterWidth.columns("a\u{1B}b") == 6) // a \x1b b
        #expect(CharacterWidth.columns("") == 0)
    }

    @Test func truncation() {
        #expect(CharacterWidth.truncated("hello world", toWidth: 8) == "hello w…")
        #expect(CharacterWidth.truncated("hello", toWidth: 5) == "hello")
        #expect(CharacterWidth.truncated("日本語テキスト", toWidth: 6) == "日本…")
        #expect(CharacterWidth.truncated("日本語", toWidth: 5, ellipsis: "~") == "日本~")
        #expect(CharacterWidth.truncated("abc", toWidth: 0) == "")
        #expect(CharacterWidth.truncated("abcdef", toWidth: 2, ellipsis: "...") == "")
    }

    @Test func tableMatchesTheCLibrary() {
        // The grid must agree with the wcwidth() ncurses uses, or columns drift on screen.
        guard setlocale(LC_ALL, "C.UTF-8") != nil else { return }
        var mismatches: [String] = []
        for v in UInt32(0x20)...0x10FFFF {
            guard let scalar = Unicode.Scalar(v) else { continue }
            let c = CursesTerminal.systemWidth(scalar)
            guard c >= 0 else { continue } // non-printable: the sanitizer escapes it
            if CharacterWidth.of(scalar) != c { mismatches.append(String(v, radix: 16)) }
        }
        #expect(mismatches.isEmpty, "differ from wcwidth: \(mismatches.prefix(20))")
    }
}
