import Testing
@testable import KilnTerminal

@Suite struct SanitizerTests {
    @Test func printableASCIIPassesThrough() {
        let text = "GET /api/v1/users?id=42&x=%20 HTTP/1.1 ~!@#$%^&*()_+{}|:\"<>?"
        #expect(Sanitizer.sanitize(text) == text)
    }

    @Test func escapeSequencesBecomeVisible() {
        #expect(Sanitizer.sanitize("\u{1B}[31mred\u{1B}[0m") == "\\x1b[31mred\\x1b[0m")
        // OSC 52 clipboard write and a title change: classic injection payloads.
        #expect(Sanitizer.sanitize("\u{1B}]52;c;ZXZpbA==\u{07}") == "\\x1b]52;c;ZXZpbA==\\x07")
        #expect(Sanitizer.sanitize("\u{1B}]0;pwned\u{1B}\\") == "\\x1b]0;pwned\\x1b\\")
    }

    @Test(arguments: [
        ("\t", "\\t"), ("\n", "\\n"), ("\r", "\\r"), ("\u{0}", "\\x00"), ("\u{7}", "\\x07"),
        ("\u{8}", "\\x08"), ("\u{1F}", "\\x1f"), ("\u{7F}", "\\x7f"),
    ])
    func c0ControlsAndDelete(input: String, expected: String) {
        #expect(Sanitizer.sanitize("a" + input + "b") == "a" + expected + "b")
    }

    @Test func c1Controls() {
        for v in UInt32(0x80)...0x9F {
            let scalar = Unicode.Scalar(v)!
            let hex = String(v, radix: 16)
            #expect(Sanitizer.sanitize(String(Character(scalar))) == "\\u00" + hex)
        }
        // CSI as a single C1 byte (U+009B) would start an escape sequence on some terminals.
        #expect(Sanitizer.sanitize("\u{9B}31m") == "\\u009b31m")
    }

    @Test(arguments: [0x061C, 0x200E, 0x200F, 0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069] as [UInt32])
    func bidiControls(value: UInt32) {
        let scalar = Unicode.Scalar(value)!
        let expected = "\\u" + String(value, radix: 16).leftPadded(to: 4)
        #expect(Sanitizer.sanitize("ab" + String(Character(scalar)) + "cd") == "ab" + expected + "cd")
    }

    @Test func trojanSourceIsDefused() {
        // "access level: user‮ ⁦// admin⁩ ⁦" -- reordering attack from CVE-2021-42574.
        let attack = "user\u{202E} \u{2066}// admin\u{2069} \u{2066}"
        let clean = Sanitizer.sanitize(attack)
        #expect(clean == "user\\u202e \\u2066// admin\\u2069 \\u2066")
        #expect(clean.unicodeScalars.allSatisfy { $0.isASCII })
    }

    @Test func invisibleFormatCharactersAreShown() {
        #expect(Sanitizer.sanitize("pay\u{200B}pal") == "pay\\u200bpal")
        #expect(Sanitizer.sanitize("\u{FEFF}x") == "\\ufeffx")
        #expect(Sanitizer.sanitize("a\u{2028}b\u{2029}c") == "a\\u2028b\\u2029c")
        // Tag characters smuggle invisible ASCII.
        #expect(Sanitizer.sanitize("hi\u{E0041}") == "hi\\U000e0041")
    }

    @Test func legitimateUnicodeIsKept() {
        let samples = ["café", "日本語", "🔥👍", "👨‍👩‍👧", "e\u{301}", "ﻣﺮﺣﺒﺎ", "שלום", "Ελληνικά", "soft\u{AD}hyphen", "क्‍ष"]
        for s in samples { #expect(Sanitizer.sanitize(s) == s) }
    }

    @Test func unassignedAndNoncharactersAreShown() {
        #expect(Sanitizer.sanitize("\u{378}") == "\\u0378")
        #expect(Sanitizer.sanitize("\u{FFFF}") == "\\uffff")
        #expect(Sanitizer.sanitize("\u{10FFFE}") == "\\U0010fffe")
    }

    @Test func invalidUTF8BecomesReplacementCharacter() {
        #expect(Sanitizer.sanitize(bytes: [0x61, 0xFF, 0x62]) == "a\u{FFFD}b")
        #expect(Sanitizer.sanitize(bytes: [0xC3]) == "\u{FFFD}")
        #expect(Sanitizer.sanitize(bytes: [0xED, 0xA0, 0x80]).allSatisfy { $0 == "\u{FFFD}" })
        #expect(Sanitizer.sanitize(bytes: [0x1B, 0x5B, 0x32, 0x4A]) == "\\x1b[2J")
    }

    @Test func everySanitizedScalarIsSafe() {
        // No scalar in 0...0x10FFFF survives sanitising as a control, bidi or format character.
        for v in UInt32(0)...0x10FFFF {
            guard let scalar = Unicode.Scalar(v) else { continue }
            let out = Sanitizer.sanitize(String(Character(scalar)))
            for s in out.unicodeScalars {
                let category = s.properties.generalCategory
                let dangerous = s.value < 0x20 || (0x7F...0x9F).contains(s.value)
                    || (category == .format && s.value != 0x200C && s.value != 0x200D && s.value != 0xAD)
                    || category == .lineSeparator || category == .paragraphSeparator
                if dangerous { Issue.record("U+\(String(v, radix: 16)) came out as U+\(String(s.value, radix: 16))") }
            }
        }
    }
}

extension String {
    func leftPadded(to width: Int) -> String {
        String(repeating: "0", count: max(0, width - count)) + self
    }
}
