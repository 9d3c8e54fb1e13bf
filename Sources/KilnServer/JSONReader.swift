/// Where readers of an empty buffer point (never read: their length is 0).
nonisolated(unsafe) let emptyBuffer = UnsafeMutablePointer<UInt8>.allocate(capacity: 1)

/// A forward-only reader of JSON text in a byte buffer: the pieces the request decoders are
/// built from (strings, numbers, literals, skipping and copying values).
///
/// It never reads outside the buffer, never traps on hostile input (numbers saturate into
/// doubles, nesting is limited) and its errors name the byte offset: `expected ':' after a
/// key (byte 181)`. The buffer must outlive the reader.
struct JSONReader {
    /// A scanned string: the bytes between its quotes, as offsets into the buffer.
    struct StringSpan {
        var start: Int
        var end: Int
        /// True when it has a backslash escape (then ``JSONReader/unescape(_:into:)`` is needed).
        var hasEscape: Bool
    }

    /// A scanned number.
    enum Number: Equatable {
        case int(Int64)
        case float(Double)
    }

    let p: UnsafePointer<UInt8>
    let n: Int
    var i = 0
    let maxDepth: Int

    /// Reads `buffer` (which must stay valid while the reader is used).
    init(_ buffer: UnsafeBufferPointer<UInt8>, maxDepth: Int = 64) {
        p = buffer.baseAddress ?? UnsafePointer(emptyBuffer)
        n = buffer.count
        self.maxDepth = maxDepth
    }

    /// True when only white space is left.
    var atEnd: Bool {
        mutating get {
            skipSpace()
            return i >= n
        }
    }

    func error(_ what: String, at offset: Int? = nil) -> ServerError {
        .malformed("\(what) (byte \(offset ?? i))")
    }

    /// `'x'` for printable ASCII, `byte 0xNN` otherwise, or `the end of the body`.
    func describe(at offset: Int) -> String {
        guard offset < n else { return "the end of the body" }
        let c = p[offset]
        if c >= 0x20 && c < 0x7F { return "'\(Character(UnicodeScalar(c)))'" }
        let digits: [Character] = Array("0123456789ABCDEF")
        return "byte 0x\(digits[Int(c >> 4)])\(digits[Int(c & 15)])"
    }

    @inline(__always)
    mutating func skipSpace() {
        while i < n {
            let c = p[i]
            guard c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 else { return }
            i += 1
        }
    }

    /// The next non-space byte, not consumed; nil at the end.
    @inline(__always)
    mutating func peek() -> UInt8? {
        skipSpace()
        return i < n ? p[i] : nil
    }

    /// Consumes `c` (after white space) or throws naming `context`.
    @inline(__always)
    mutating func expect(_ c: UInt8, _ context: @autoclosure () -> String) throws(ServerError) {
        skipSpace()
        guard i < n, p[i] == c else {
            throw error("expected '\(Character(UnicodeScalar(c)))' \(context()), found \(describe(at: i))")
        }
        i += 1
    }

    /// Consumes `c` when it is next (after white space).
    @inline(__always)
    mutating func consume(_ c: UInt8) -> Bool {
        skipSpace()
        if i < n, p[i] == c {
            i += 1
            return true
        }
        return false
    }

    /// After a member or element: true for `,`, false for `close`, throws otherwise.
    @inline(__always)
    mutating func nextItem(close: UInt8, _ context: @autoclosure () -> String) throws(ServerError) -> Bool {
        skipSpace()
        guard i < n else { throw error("expected ',' or '\(Character(UnicodeScalar(close)))' \(context()), found the end of the body") }
        let c = p[i]
        i += 1
        if c == UInt8(ascii: ",") { return true }
        if c == close { return false }
        throw error("expected ',' or '\(Character(UnicodeScalar(close)))' \(context()), found \(describe(at: i - 1))", at: i - 1)
    }

    // MARK: Strings

    /// Scans a string whose opening quote is next (after white space); validates UTF-8 and
    /// rejects raw control characters.
    /// - Complexity: O(length)
    mutating func scanString() throws(ServerError) -> StringSpan {
        skipSpace()
        guard i < n, p[i] == UInt8(ascii: "\"") else { throw error("expected a string, found \(describe(at: i))") }
        let open = i
        i += 1
        let start = i
        var escaped = false
        var high = false
        while true {
            // Eight bytes at a time while none is a quote, a backslash, a control or high byte.
            while i + 8 <= n {
                let w = UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self)
                let quote = w ^ 0x2222_2222_2222_2222
                let slash = w ^ 0x5C5C_5C5C_5C5C_5C5C
                let hits = ((quote &- 0x0101_0101_0101_0101) & ~quote) | ((slash &- 0x0101_0101_0101_0101) & ~slash)
                    | (w &- 0x2020_2020_2020_2020) | w
                if hits & 0x8080_8080_8080_8080 != 0 { break }
                i += 8
            }
            guard i < n else { throw error("unterminated string starting", at: open) }
            let c = p[i]
            if c == UInt8(ascii: "\"") {
                let span = StringSpan(start: start, end: i, hasEscape: escaped)
                i += 1
                if high, let bad = Self.firstInvalidUTF8(p + start, i - 1 - start) {
                    throw error("invalid UTF-8 in a string", at: start + bad)
                }
                return span
            }
            if c == UInt8(ascii: "\\") {
                escaped = true
                guard i + 1 < n else { throw error("unterminated string starting", at: open) }
                let e = p[i + 1]
                switch e {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                     UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                    i += 2
                case UInt8(ascii: "u"):
                    guard i + 6 <= n, Self.hex4(p + i + 2) != nil else { throw error("invalid \\u escape", at: i) }
                    i += 6
                default:
                    throw error("invalid escape '\\\(Character(UnicodeScalar(e)))'", at: i)
                }
                continue
            }
            if c < 0x20 { throw error("raw control character in a string", at: i) }
            if c >= 0x80 { high = true }
            i += 1
        }
    }

    /// Writes the unescaped bytes of `span` into `out` (appending).
    func unescape(_ span: StringSpan, into out: inout [UInt8]) {
        guard span.hasEscape else {
            out.append(contentsOf: UnsafeBufferPointer(start: p + span.start, count: span.end - span.start))
            return
        }
        var k = span.start
        while k < span.end {
            let c = p[k]
            guard c == UInt8(ascii: "\\"), k + 1 < span.end else {
                out.append(c)
                k += 1
                continue
            }
            let e = p[k + 1]
            k += 2
            switch e {
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                guard k + 4 <= span.end, let u = Self.hex4(p + k) else { continue }
                k += 4
                var scalar = u
                if u >= 0xD800 && u < 0xDC00 {
                    if k + 6 <= span.end, p[k] == UInt8(ascii: "\\"), p[k + 1] == UInt8(ascii: "u"),
                       let low = Self.hex4(p + k + 2), low >= 0xDC00 && low < 0xE000 {
                        scalar = 0x10000 + ((u - 0xD800) << 10) + (low - 0xDC00)
                        k += 6
                    } else {
                        scalar = 0xFFFD
                    }
                } else if u >= 0xDC00 && u < 0xE000 {
                    scalar = 0xFFFD
                }
                Self.appendUTF8(scalar, to: &out)
            default: out.append(e)
            }
        }
    }

    /// The string `span` stands for.
    func string(_ span: StringSpan) -> String {
        if !span.hasEscape {
            return String(decoding: UnsafeBufferPointer(start: p + span.start, count: span.end - span.start), as: UTF8.self)
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(span.end - span.start)
        unescape(span, into: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Reads a string value.
    mutating func readString() throws(ServerError) -> String {
        string(try scanString())
    }

    /// True when `span` (unescaped) spells `word` (ASCII, no escapes).
    @inline(__always)
    func equals(_ span: StringSpan, _ word: StaticString) -> Bool {
        let count = word.utf8CodeUnitCount
        guard !span.hasEscape, span.end - span.start == count else { return false }
        let w = word.utf8Start
        for k in 0..<count where p[span.start + k] != w[k] { return false }
        return true
    }

    static func appendUTF8(_ v: UInt32, to out: inout [UInt8]) {
        switch v {
        case 0..<0x80: out.append(UInt8(v))
        case 0x80..<0x800:
            out.append(0xC0 | UInt8(v >> 6))
            out.append(0x80 | UInt8(v & 0x3F))
        case 0x800..<0x10000:
            out.append(0xE0 | UInt8(v >> 12))
            out.append(0x80 | UInt8((v >> 6) & 0x3F))
            out.append(0x80 | UInt8(v & 0x3F))
        default:
            out.append(0xF0 | UInt8(truncatingIfNeeded: v >> 18))
            out.append(0x80 | UInt8((v >> 12) & 0x3F))
            out.append(0x80 | UInt8((v >> 6) & 0x3F))
            out.append(0x80 | UInt8(v & 0x3F))
        }
    }

    @inline(__always)
    static func hex4(_ q: UnsafePointer<UInt8>) -> UInt32? {
        var v: UInt32 = 0
        for k in 0..<4 {
            guard let d = hexDigit(q[k]) else { return nil }
            v = v << 4 | UInt32(d)
        }
        return v
    }

    @inline(__always)
    static func hexDigit(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - 48
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - 87
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - 55
        default: return nil
        }
    }

    /// The offset of the first byte that is not part of valid UTF-8 (no overlong forms, no
    /// surrogates, nothing above U+10FFFF), or nil when all is valid.
    /// - Complexity: O(count)
    static func firstInvalidUTF8(_ q: UnsafePointer<UInt8>, _ count: Int) -> Int? {
        var k = 0
        while k < count {
            let c = q[k]
            if c < 0x80 {
                k += 1
                continue
            }
            let need: Int
            var low: UInt8 = 0x80, high: UInt8 = 0xBF
            switch c {
            case 0xC2...0xDF: need = 1
            case 0xE0: need = 2; low = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: need = 2
            case 0xED: need = 2; high = 0x9F
            case 0xF0: need = 3; low = 0x90
            case 0xF1...0xF3: need = 3
            case 0xF4: need = 3; high = 0x8F
            default: return k
            }
            guard k + need < count else { return k }
            let b1 = q[k + 1]
            guard b1 >= low && b1 <= high else { return k }
            if need >= 2 { guard q[k + 2] & 0xC0 == 0x80 else { return k } }
            if need >= 3 { guard q[k + 3] & 0xC0 == 0x80 else { return k } }
            k += need + 1
        }
        return nil
    }

    // MARK: Numbers and literals

    private static let powersOfTen: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ]

    /// Reads a number in JSON syntax: an integer that fits Int64 is `.int`, anything else a
    /// correctly rounded `.float`; beyond Double's range is an error.
    /// - Complexity: O(length)
    mutating func readNumber() throws(ServerError) -> Number {
        skipSpace()
        let start = i
        var negative = false
        if i < n, p[i] == UInt8(ascii: "-") {
            negative = true
            i += 1
        }
        guard i < n, p[i] &- 48 < 10 else { throw error("invalid number: expected a digit, found \(describe(at: i))") }
        var mantissa: UInt64 = 0
        var digits = 0
        var exp10 = 0
        var exact = true
        var integer = true
        if p[i] == UInt8(ascii: "0") {
            i += 1
            if i < n, p[i] &- 48 < 10 { throw error("invalid number: leading zero") }
        } else {
            while i < n, p[i] &- 48 < 10 {
                if digits < 19 {
                    mantissa = mantissa &* 10 &+ UInt64(p[i] - 48)
                    digits += 1
                } else {
                    exp10 += 1
                    integer = false
                    if p[i] != 48 { exact = false }
                }
                i += 1
            }
        }
        if i < n, p[i] == UInt8(ascii: ".") {
            integer = false
            i += 1
            guard i < n, p[i] &- 48 < 10 else { throw error("invalid number: expected a digit after '.', found \(describe(at: i))") }
            while i < n, p[i] &- 48 < 10 {
                if mantissa == 0 && p[i] == 48 {
                    exp10 -= 1
                } else if digits < 19 {
                    mantissa = mantissa &* 10 &+ UInt64(p[i] - 48)
                    digits += 1
                    exp10 -= 1
                } else if p[i] != 48 {
                    exact = false
                }
                i += 1
            }
        }
        if i < n, p[i] | 0x20 == UInt8(ascii: "e") {
            integer = false
            i += 1
            var expNegative = false
            if i < n, p[i] == UInt8(ascii: "+") || p[i] == UInt8(ascii: "-") {
                expNegative = p[i] == UInt8(ascii: "-")
                i += 1
            }
            guard i < n, p[i] &- 48 < 10 else { throw error("invalid number: expected a digit in the exponent, found \(describe(at: i))") }
            var e = 0
            while i < n, p[i] &- 48 < 10 {
                if e < 100_000 { e = e * 10 + Int(p[i] - 48) }
                i += 1
            }
            exp10 += expNegative ? -e : e
        }
        if integer {
            if !negative, mantissa <= UInt64(Int64.max) { return .int(Int64(mantissa)) }
            if negative, mantissa <= UInt64(Int64.max) + 1 { return .int(mantissa == UInt64(Int64.max) + 1 ? .min : -Int64(mantissa)) }
        }
        if exact, mantissa < (1 << 53), exp10 >= -22, exp10 <= 22 {
            var d = Double(mantissa)
            d = exp10 < 0 ? d / Self.powersOfTen[-exp10] : d * Self.powersOfTen[exp10]
            return .float(negative ? -d : d)
        }
        let text = String(decoding: UnsafeBufferPointer(start: p + start, count: i - start), as: UTF8.self)
        guard let d = Double(text), d.isFinite else { throw error("number out of range: \(text.prefix(40))", at: start) }
        return .float(d)
    }

    /// Consumes the literal `word` (`true`, `false`, `null`).
    mutating func expectLiteral(_ word: StaticString) throws(ServerError) {
        let count = word.utf8CodeUnitCount
        let w = word.utf8Start
        guard i + count <= n else { throw error("invalid literal, expected '\(word)'") }
        for k in 0..<count where p[i + k] != w[k] { throw error("invalid literal, expected '\(word)'") }
        i += count
    }

    // MARK: Whole values

    /// Skips one value of any kind (validating it).
    mutating func skipValue(depth: Int) throws(ServerError) {
        skipSpace()
        guard i < n else { throw error("expected a value, found the end of the body") }
        switch p[i] {
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            guard depth < maxDepth else { throw error("nesting deeper than \(maxDepth) levels") }
            let isArray = p[i] == UInt8(ascii: "[")
            let close = isArray ? UInt8(ascii: "]") : UInt8(ascii: "}")
            i += 1
            if consume(close) { return }
            repeat {
                if !isArray {
                    _ = try scanString()
                    try expect(UInt8(ascii: ":"), "after a key")
                }
                try skipValue(depth: depth + 1)
            } while try nextItem(close: close, isArray ? "in an array" : "in an object")
        case UInt8(ascii: "\""): _ = try scanString()
        case UInt8(ascii: "t"): try expectLiteral("true")
        case UInt8(ascii: "f"): try expectLiteral("false")
        case UInt8(ascii: "n"): try expectLiteral("null")
        default: _ = try readNumber()
        }
    }

    /// Copies one value compactly (white space outside strings removed) into `out`.
    mutating func copyValue(into out: inout [UInt8], depth: Int) throws(ServerError) {
        skipSpace()
        let start = i
        guard i < n else { throw error("expected a value, found the end of the body") }
        switch p[i] {
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            guard depth < maxDepth else { throw error("nesting deeper than \(maxDepth) levels") }
            let open = p[i]
            let isArray = open == UInt8(ascii: "[")
            let close = isArray ? UInt8(ascii: "]") : UInt8(ascii: "}")
            i += 1
            out.append(open)
            if consume(close) {
                out.append(close)
                return
            }
            repeat {
                if !isArray {
                    let keyStart = peekOffset()
                    _ = try scanString()
                    out.append(contentsOf: UnsafeBufferPointer(start: p + keyStart, count: i - keyStart))
                    try expect(UInt8(ascii: ":"), "after a key")
                    out.append(UInt8(ascii: ":"))
                }
                try copyValue(into: &out, depth: depth + 1)
                let more = try nextItem(close: close, isArray ? "in an array" : "in an object")
                out.append(more ? UInt8(ascii: ",") : close)
                if !more { return }
            } while true
        default:
            try skipValue(depth: depth)
            out.append(contentsOf: UnsafeBufferPointer(start: p + start, count: i - start))
        }
    }

    private mutating func peekOffset() -> Int {
        skipSpace()
        return i
    }
}
