import KilnCore

/// Decodes logfmt lines: `key=value key2="quoted value" flag`.
///
/// Field names produced: each key as written (dots kept: `http.method=GET` gives
/// `http.method`). Values: a bare key (no `=`) is `.bool(true)`; an unquoted value is typed as
/// a CSV cell is (`true`/`false` booleans, JSON-syntax numbers as `.int`/`.float`, else
/// `.string`); a quoted value is always a `.string`, with `\"`, `\\`, `\n`, `\r`, `\t` and
/// `\uXXXX` unescaped (other backslashes kept as written); `key=` (nothing after `=`) is absent.
/// A repeated key keeps the last value.
///
/// The event time comes from the first present of `time`, `timestamp`, `@timestamp`, `ts`,
/// `Timestamp` (or the configured field) and is removed from the fields; when it is missing the
/// event gets the ingest time, and when it is not a time the line is rejected.
///
/// Unquoted values of a field named like an id, or of a field whose values were mostly not
/// numbers (``FieldRules``), stay text.
///
/// Rejected lines: invalid UTF-8, `=` without a key, a quote inside a key, an unterminated
/// quoted value, and text glued to the end of a quoted value.
struct LogfmtDecoder {
    /// A value as written after a key.
    enum Written {
        /// A key without `=`.
        case bare
        /// `key=` with nothing after `=`.
        case empty
        /// A quoted value, unescaped into the scratch bytes at `start`.
        case quoted(start: Int, count: Int)
        /// An unquoted value: these bytes of the line.
        case unquoted(Range<Int>)
    }

    /// The keys, with their time-candidate ranks.
    private(set) var names: FieldNameTable
    /// The fields of the line decoded last (string bytes in the line or in `row.scratch`).
    private(set) var row = RowFields()
    private var stamp: UInt64 = 0

    /// Makes a decoder reading the event time from `timeFields` (most preferred first).
    init(timeFields: [String], generation: UInt64 = 0, rules: FieldRules = FieldRules()) {
        names = FieldNameTable(timeFields: timeFields, generation: generation, rules: rules)
    }

    /// Decodes one line into ``row`` (line-relative strings count from `line.baseAddress`);
    /// returns the event time.
    /// - Complexity: O(length of the line)
    mutating func decode(_ line: UnsafeBufferPointer<UInt8>) throws(IngestError) -> Int64? {
        if let bad = ByteClass.firstInvalidUTF8(line) { throw IngestError.invalidUTF8(column: bad + 1) }
        names.trimIfNeeded()
        stamp &+= 2
        row.removeAll()
        var i = 0
        var ordinal = 0
        while let (key, value) = try Self.next(line, &i, scratch: &row.scratch) {
            guard let base = line.baseAddress,
                  let id = names.child(of: FieldNameTable.noParent, base + key.lowerBound, key.count, ordinal: ordinal)
            else { throw IngestError.invalidUTF8(column: key.lowerBound + 1) }
            ordinal += 1
            switch value {
            case .bare:
                row.set(id, .bool(true), stamp: stamp, names: &names)
            case .empty:
                row.remove(id, stamp: stamp, names: &names)
            case .quoted(let start, let count):
                row.set(id, .string(at: start, count: count, inScratch: true), stamp: stamp, names: &names)
            case .unquoted(let r):
                let typed = names.names[id].keepsText ? nil : NumberScanner.typedRecord(UnsafeBufferPointer(rebasing: line[r]))
                row.set(id, typed ?? .string(at: r.lowerBound, count: r.count, inScratch: false), stamp: stamp, names: &names)
            }
        }
        return try row.takeTime(names: names, line: line.baseAddress)
    }

    /// True when the line reads as logfmt with at least one `key=value` pair, and pairs make up
    /// at least half of its tokens.
    static func looksLikeLogfmt(_ line: UnsafeBufferPointer<UInt8>) -> Bool {
        var tokens = 0
        var pairs = 0
        var scratch: [UInt8] = []
        var i = 0
        do {
            while let (_, value) = try next(line, &i, scratch: &scratch) {
                tokens += 1
                if case .bare = value { continue }
                pairs += 1
            }
        } catch {
            return false
        }
        return pairs >= 1 && pairs * 2 >= tokens
    }

    /// The next key (its bytes in `b`) and its value from `i` on, nil at the end of the line.
    /// Quoted values are unescaped onto the end of `scratch`.
    private static func next(
        _ b: UnsafeBufferPointer<UInt8>, _ i: inout Int, scratch: inout [UInt8]
    ) throws(IngestError) -> (key: Range<Int>, value: Written)? {
        let n = b.count
        while i < n, b[i] <= 0x20 { i += 1 }
        guard i < n else { return nil }
        let keyStart = i
        while i < n, b[i] > 0x20, b[i] != UInt8(ascii: "="), b[i] != UInt8(ascii: "\"") { i += 1 }
        if i == keyStart {
            if b[i] == UInt8(ascii: "=") {
                throw IngestError.malformed("expected a key before '='", column: i + 1)
            }
            throw IngestError.malformed("unexpected '\"': keys cannot be quoted", column: i + 1)
        }
        let key = keyStart..<i
        func keyText() -> String { String(decoding: UnsafeBufferPointer(rebasing: b[key]), as: UTF8.self) }
        if i < n, b[i] == UInt8(ascii: "\"") {
            throw IngestError.malformed("unexpected '\"' inside key \"\(keyText())\"", column: i + 1)
        }
        guard i < n, b[i] == UInt8(ascii: "=") else { return (key, .bare) }
        i += 1
        if i < n, b[i] == UInt8(ascii: "\"") {
            let quote = i
            i += 1
            let start = scratch.count
            var closed = false
            while i < n {
                let c = b[i]
                if c == UInt8(ascii: "\"") {
                    closed = true
                    i += 1
                    break
                }
                if c == UInt8(ascii: "\\"), i + 1 < n {
                    i += 1 + unescape(b, at: i + 1, into: &scratch)
                    continue
                }
                scratch.append(c)
                i += 1
            }
            guard closed else {
                throw IngestError.malformed("unterminated quoted value of key \"\(keyText())\" starting", column: quote + 1)
            }
            if i < n, b[i] > 0x20 {
                throw IngestError.malformed("expected a space after the quoted value of key \"\(keyText())\", found \(JSONSyntax.describe(b[i]))", column: i + 1)
            }
            return (key, .quoted(start: start, count: scratch.count - start))
        }
        let valueStart = i
        while i < n, b[i] > 0x20 { i += 1 }
        return (key, i == valueStart ? .empty : .unquoted(valueStart..<i))
    }

    /// Unescapes the escape whose letter is at `at`; returns how many bytes it used after `\`.
    private static func unescape(_ b: UnsafeBufferPointer<UInt8>, at: Int, into out: inout [UInt8]) -> Int {
        switch b[at] {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"): out.append(b[at]); return 1
        case UInt8(ascii: "n"): out.append(0x0A); return 1
        case UInt8(ascii: "r"): out.append(0x0D); return 1
        case UInt8(ascii: "t"): out.append(0x09); return 1
        case UInt8(ascii: "u"):
            if at + 4 < b.count, let base = b.baseAddress, let v = JSONSyntax.hex4(base + at + 1) {
                ByteClass.appendUTF8(Unicode.Scalar(v)?.value ?? 0xFFFD, to: &out)
                return 5
            }
            out.append(UInt8(ascii: "\\"))
            return 0
        default:
            out.append(UInt8(ascii: "\\"))
            return 0
        }
    }
}
