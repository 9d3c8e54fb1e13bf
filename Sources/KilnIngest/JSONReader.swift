import KilnCore

/// Where readers of an empty buffer point (never read: their length is 0).
nonisolated(unsafe) package let emptyBuffer = UnsafeMutablePointer<UInt8>.allocate(capacity: 1)

/// A forward-only reader of JSON text in a byte buffer: the pieces the request decoders are
/// built from (strings, numbers, literals, skipping and copying values).
///
/// It never reads outside the buffer, never traps on hostile input (numbers saturate into
/// doubles, nesting is limited) and its errors name the byte offset: `expected ':' after a
/// key (byte 181)`. The buffer must outlive the reader.
///
/// The byte-level syntax (string scanning and unescaping, numbers, UTF-8 checks) is KilnIngest's,
/// shared with the JSON lines decoder; this type adds what a request body needs on top: a
/// position over a whole body, containers and whole values, and ``ServerError``s naming bytes.
package struct JSONReader {
    /// A scanned string: the bytes between its quotes, as offsets into the buffer.
    package typealias StringSpan = JSONSyntax.StringSpan

    /// A scanned number.
    package typealias Number = NumberScanner.Number

    package let p: UnsafePointer<UInt8>
    package let n: Int
    package var i = 0
    package let maxDepth: Int

    /// Reads `buffer` (which must stay valid while the reader is used).
    package init(_ buffer: UnsafeBufferPointer<UInt8>, maxDepth: Int = 64) {
        p = buffer.baseAddress ?? UnsafePointer(emptyBuffer)
        n = buffer.count
        self.maxDepth = maxDepth
    }

    /// True when only white space is left.
    package var atEnd: Bool {
        mutating get {
            skipSpace()
            return i >= n
        }
    }

    package func error(_ what: String, at offset: Int? = nil) -> ServerError {
        .malformed("\(what) (byte \(offset ?? i))")
    }

    /// `'x'` for printable ASCII, `byte 0xNN` otherwise, or `the end of the body`.
    package func describe(at offset: Int) -> String {
        offset < n ? JSONSyntax.describe(p[offset]) : "the end of the body"
    }

    @inline(__always)
    package mutating func skipSpace() {
        JSONSyntax.skipSpace(p, count: n, &i)
    }

    /// The next non-space byte, not consumed; nil at the end.
    @inline(__always)
    package mutating func peek() -> UInt8? {
        skipSpace()
        return i < n ? p[i] : nil
    }

    /// Consumes `c` (after white space) or throws naming `context`.
    @inline(__always)
    package mutating func expect(_ c: UInt8, _ context: @autoclosure () -> String) throws(ServerError) {
        skipSpace()
        guard i < n, p[i] == c else {
            throw error("expected '\(Character(UnicodeScalar(c)))' \(context()), found \(describe(at: i))")
        }
        i += 1
    }

    /// Consumes `c` when it is next (after white space).
    @inline(__always)
    package mutating func consume(_ c: UInt8) -> Bool {
        skipSpace()
        if i < n, p[i] == c {
            i += 1
            return true
        }
        return false
    }

    /// After a member or element: true for `,`, false for `close`, throws otherwise.
    @inline(__always)
    package mutating func nextItem(close: UInt8, _ context: @autoclosure () -> String) throws(ServerError) -> Bool {
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
    package mutating func scanString() throws(ServerError) -> StringSpan {
        skipSpace()
        guard i < n, p[i] == UInt8(ascii: "\"") else { throw error("expected a string, found \(describe(at: i))") }
        i += 1
        let span: StringSpan
        do {
            span = try JSONSyntax.scanString(p, count: n, from: &i)
        } catch {
            switch error.kind {
            case .unterminated: throw self.error("unterminated string starting", at: error.offset)
            case .invalidUnicodeEscape: throw self.error("invalid \\u escape", at: error.offset)
            case .invalidEscape: throw self.error("invalid escape '\\\(Character(UnicodeScalar(error.byte)))'", at: error.offset)
            case .controlCharacter: throw self.error("raw control character in a string", at: error.offset)
            }
        }
        if span.hasHigh, let bad = ByteClass.firstInvalidUTF8(UnsafeBufferPointer(start: p + span.start, count: span.end - span.start)) {
            throw error("invalid UTF-8 in a string", at: span.start + bad)
        }
        return span
    }

    /// Writes the unescaped bytes of `span` into `out` (appending).
    package func unescape(_ span: StringSpan, into out: inout [UInt8]) {
        guard span.hasEscape else {
            out.append(contentsOf: UnsafeBufferPointer(start: p + span.start, count: span.end - span.start))
            return
        }
        JSONSyntax.unescape(p, span, into: &out)
    }

    /// The string `span` stands for.
    package func string(_ span: StringSpan) -> String {
        if !span.hasEscape {
            return String(decoding: UnsafeBufferPointer(start: p + span.start, count: span.end - span.start), as: UTF8.self)
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(span.end - span.start)
        unescape(span, into: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Reads a string value.
    package mutating func readString() throws(ServerError) -> String {
        string(try scanString())
    }

    /// True when `span` (unescaped) spells `word` (ASCII, no escapes).
    @inline(__always)
    package func equals(_ span: StringSpan, _ word: StaticString) -> Bool {
        let count = word.utf8CodeUnitCount
        guard !span.hasEscape, span.end - span.start == count else { return false }
        let w = word.utf8Start
        for k in 0..<count where p[span.start + k] != w[k] { return false }
        return true
    }

    // MARK: Numbers and literals

    /// Reads a number in JSON syntax: an integer that fits Int64 is `.int`, anything else a
    /// correctly rounded `.float`; beyond Double's range is an error.
    /// - Complexity: O(length)
    package mutating func readNumber() throws(ServerError) -> Number {
        skipSpace()
        guard i < n else { throw error("invalid number: expected a digit, found the end of the body") }
        do {
            return try NumberScanner.read(p, count: n, at: &i)
        } catch {
            switch error {
            case .invalid(let at, .digitExpected): throw self.error("invalid number: expected a digit, found \(describe(at: at))", at: at)
            case .invalid(let at, .leadingZero): throw self.error("invalid number: leading zero", at: at)
            case .invalid(let at, .digitExpectedAfterPoint): throw self.error("invalid number: expected a digit after '.', found \(describe(at: at))", at: at)
            case .invalid(let at, .digitExpectedInExponent): throw self.error("invalid number: expected a digit in the exponent, found \(describe(at: at))", at: at)
            case .outOfRange(let start, let text): throw self.error("number out of range: \(text.prefix(40))", at: start)
            }
        }
    }

    /// Consumes the literal `word` (`true`, `false`, `null`).
    package mutating func expectLiteral(_ word: StaticString) throws(ServerError) {
        guard JSONSyntax.hasLiteral(word, p, count: n, at: i) else { throw error("invalid literal, expected '\(word)'") }
        i += word.utf8CodeUnitCount
    }

    // MARK: Whole values

    /// Skips one value of any kind (validating it).
    package mutating func skipValue(depth: Int) throws(ServerError) {
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
    package mutating func copyValue(into out: inout [UInt8], depth: Int) throws(ServerError) {
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

extension JSONReader {
    /// `s` (its first 80 characters) as a JSON string literal, for messages naming a key.
    package static func quoted(_ s: String) -> String {
        var out = ""
        JSONText.appendString(String(s.prefix(80)), to: &out)
        return out
    }
}
