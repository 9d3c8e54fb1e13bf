#if !_endian(little)
#error("JSONSyntax's word-at-a-time string scan assumes a little-endian machine")
#endif

/// Byte-level JSON syntax shared by the JSON lines decoder and the HTTP server's request
/// reader: scanning and unescaping strings, white space, literals, and naming a byte in a
/// message. Callers keep their own error types and wording; failures here carry the offset and
/// the byte at fault.
package enum JSONSyntax {
    /// A scanned string: the bytes between its quotes, as offsets into the buffer.
    package struct StringSpan: Sendable, Equatable {
        /// The offset of the first byte after the opening quote.
        package var start: Int
        /// The offset of the closing quote.
        package var end: Int
        /// Bit 0: has a backslash escape; bit 1: has a byte >= 0x80.
        package var flags: UInt8

        /// A span of `start..<end` with `flags`.
        package init(start: Int, end: Int, flags: UInt8) {
            self.start = start
            self.end = end
            self.flags = flags
        }

        /// True when it has a backslash escape (then ``JSONSyntax/unescape(_:_:into:)`` is needed).
        package var hasEscape: Bool { flags & 1 != 0 }
        /// True when it has a byte >= 0x80 (then its UTF-8 needs checking).
        package var hasHigh: Bool { flags & 2 != 0 }
    }

    /// Why a string could not be scanned.
    package struct StringError: Error, Equatable {
        /// The kind of failure.
        package enum Kind: Sendable, Equatable {
            /// The buffer ends inside the string; `offset` is the opening quote.
            case unterminated
            /// `\u` not followed by four hex digits; `offset` is the backslash.
            case invalidUnicodeEscape
            /// A backslash before `byte`, which is no escape; `offset` is the backslash.
            case invalidEscape
            /// A raw control character `byte` (below 0x20) at `offset`.
            case controlCharacter
        }

        /// The kind of failure.
        package var kind: Kind
        /// Where: see ``Kind``.
        package var offset: Int
        /// The byte at fault (for `invalidEscape` and `controlCharacter`).
        package var byte: UInt8
    }

    /// Scans a string whose opening quote is just before `i`; leaves `i` after the closing
    /// quote. Checks escapes and control characters; UTF-8 is left to the caller (see
    /// ``StringSpan/hasHigh``).
    /// - Complexity: O(length), eight bytes at a time while none is special.
    @inline(__always)
    package static func scanString(_ p: UnsafePointer<UInt8>, count n: Int, from i: inout Int) throws(StringError) -> StringSpan {
        let start = i
        var flags: UInt8 = 0
        while true {
            while i + 8 <= n {
                let w = UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self)
                let q = w ^ 0x2222_2222_2222_2222
                let b = w ^ 0x5C5C_5C5C_5C5C_5C5C
                let ones: UInt64 = 0x0101_0101_0101_0101
                let highs: UInt64 = 0x8080_8080_8080_8080
                let special = ((q &- ones) & ~q | (b &- ones) & ~b | (w &- 0x2020_2020_2020_2020) & ~w) & highs
                if special == 0 {
                    if w & highs != 0 { flags |= 2 }
                    i += 8
                    continue
                }
                // The lowest flagged byte is a real quote, backslash or control byte (borrows
                // only produce false flags above a real one).
                let k = special.trailingZeroBitCount >> 3
                if k > 0 {
                    let below = w & highs & ((1 &<< UInt64(k * 8)) &- 1)
                    if below != 0 { flags |= 2 }
                    i += k
                }
                break
            }
            guard i < n else { throw StringError(kind: .unterminated, offset: start - 1, byte: 0) }
            let c = p[i]
            if c == UInt8(ascii: "\"") {
                i += 1
                return StringSpan(start: start, end: i - 1, flags: flags)
            }
            if c == UInt8(ascii: "\\") {
                flags |= 1
                guard i + 1 < n else { throw StringError(kind: .unterminated, offset: start - 1, byte: 0) }
                switch p[i + 1] {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                     UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                    i += 2
                case UInt8(ascii: "u"):
                    guard i + 6 <= n, hex4(p + i + 2) != nil else { throw StringError(kind: .invalidUnicodeEscape, offset: i, byte: p[i + 1]) }
                    i += 6
                default:
                    throw StringError(kind: .invalidEscape, offset: i, byte: p[i + 1])
                }
            } else if c < 0x20 {
                throw StringError(kind: .controlCharacter, offset: i, byte: c)
            } else {
                if c >= 0x80 { flags |= 2 }
                i += 1
            }
        }
    }

    /// Appends the unescaped bytes of a scanned span (escapes already checked by
    /// ``scanString(_:count:from:)``). An unpaired surrogate escape becomes U+FFFD.
    /// - Complexity: O(length)
    package static func unescape(_ p: UnsafePointer<UInt8>, _ span: StringSpan, into out: inout [UInt8]) {
        let end = span.end
        var i = span.start
        var run = i
        while i < end {
            guard p[i] == UInt8(ascii: "\\"), i + 1 < end else {
                i += 1
                continue
            }
            out.append(contentsOf: UnsafeBufferPointer(start: p + run, count: i - run))
            let e = p[i + 1]
            i += 2
            switch e {
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                guard i + 4 <= end, let u = hex4(p + i) else { break }
                i += 4
                var scalar = u
                if u >= 0xD800 && u <= 0xDBFF {
                    if i + 6 <= end, p[i] == UInt8(ascii: "\\"), p[i + 1] == UInt8(ascii: "u"),
                       let low = hex4(p + i + 2), low >= 0xDC00, low <= 0xDFFF {
                        scalar = 0x10000 + ((u - 0xD800) << 10) + (low - 0xDC00)
                        i += 6
                    } else {
                        scalar = 0xFFFD
                    }
                } else if u >= 0xDC00 && u <= 0xDFFF {
                    scalar = 0xFFFD
                }
                ByteClass.appendUTF8(scalar, to: &out)
            default: out.append(e)
            }
            run = i
        }
        if run < end { out.append(contentsOf: UnsafeBufferPointer(start: p + run, count: end - run)) }
    }

    /// Advances `i` past JSON white space (space, tab, line feed, carriage return).
    @inline(__always)
    package static func skipSpace(_ p: UnsafePointer<UInt8>, count n: Int, _ i: inout Int) {
        // Compact JSON has no spaces: one comparison in the common case.
        guard i < n, p[i] <= 0x20 else { return }
        while i < n {
            let c = p[i]
            guard c == 0x20 || c == 0x09 || c == 0x0D || c == 0x0A else { return }
            i += 1
        }
    }

    /// True when the bytes at `i` spell `word` (`true`, `false`, `null`).
    @inline(__always)
    package static func hasLiteral(_ word: StaticString, _ p: UnsafePointer<UInt8>, count n: Int, at i: Int) -> Bool {
        let count = word.utf8CodeUnitCount
        guard i <= n - count else { return false }
        let w = word.utf8Start
        for k in 0..<count where p[i + k] != w[k] { return false }
        return true
    }

    /// The value of four hex digits at `q`, or nil.
    @inline(__always)
    package static func hex4(_ q: UnsafePointer<UInt8>) -> UInt32? {
        var v: UInt32 = 0
        for k in 0..<4 {
            guard let d = hexDigit(q[k]) else { return nil }
            v = v << 4 | UInt32(d)
        }
        return v
    }

    /// The value of one hex digit (either case), or nil.
    @inline(__always)
    package static func hexDigit(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - 48
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - 87
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - 55
        default: return nil
        }
    }

    /// `'x'` for printable ASCII, `byte 0xNN` otherwise: a byte as messages name it.
    package static func describe(_ c: UInt8) -> String {
        c >= 0x20 && c < 0x7F ? "'\(UnicodeScalar(c))'" : "byte 0x\(hex2(c))"
    }

    /// Two uppercase hex digits.
    package static func hex2(_ c: UInt8) -> String {
        let digits = Array("0123456789ABCDEF")
        return String([digits[Int(c >> 4)], digits[Int(c & 15)]])
    }
}
