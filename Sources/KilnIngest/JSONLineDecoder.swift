import KilnCore

/// Decodes JSON lines: one object per line, into one event per line.
///
/// Field names produced:
/// - Every member of the object, with nested objects flattened to dotted names:
///   `{"http":{"method":"GET"}}` gives `http.method`. An empty nested object gives no field.
/// - Honeycomb's envelope `{"time": ..., "samplerate": ..., "data": {...}}` (a `data` object plus
///   `time` and/or `samplerate`, and no other top-level member) gives the members of `data`
///   without a `data.` prefix; `time` is the event time and `samplerate` the sample rate (an
///   integer, or a number or numeric string rounded, at least 1). Any other object with a `data`
///   member is flat: its fields are called `data.…`.
/// - The event time is the first present of `time`, `timestamp`, `@timestamp`, `ts`,
///   `Timestamp` (or only the configured `timestampField`): an RFC 3339 string or epoch
///   seconds/ms/µs/ns as a number or numeric string. That field is removed. When it is missing
///   the event gets the ingest time; when it holds something that is not a time (`2024-02-30`,
///   an offset of `+25:00`, a year before 1970, `true`) the line is rejected with the reason.
///
/// Values: strings as `.string`; `true`/`false` as `.bool`; integers that fit Int64 as `.int`,
/// other numbers (fraction, exponent, or too big) as `.float`; arrays as `.string` holding the
/// array's compact JSON text (whitespace removed, strings and numbers as written); `null` means
/// the field is absent. Duplicate names (after flattening) keep the last value; a later `null`
/// removes the field.
///
/// Rejected lines: malformed JSON (the reason names the column and the key), a top level that
/// is not an object, invalid UTF-8 inside strings, raw control characters inside strings,
/// nesting deeper than 64 objects/arrays, and numbers beyond Double's range (`1e400`). A `\u`
/// escape of an unpaired UTF-16 surrogate decodes to U+FFFD (the line is kept).
struct JSONLineDecoder {
    /// The deepest nesting of objects and arrays accepted (the top-level object is level 1).
    static let maxDepth = 64

    /// A line: its first byte and its length.
    struct Input {
        let p: UnsafePointer<UInt8>
        let n: Int
    }

    /// A scanned string: the bytes between its quotes.
    typealias Span = JSONSyntax.StringSpan

    /// The names of the fields, with their time-candidate ranks.
    private(set) var names: FieldNameTable
    /// The fields of the line decoded last (string bytes in the line or in `row.scratch`).
    private(set) var row = RowFields()
    /// Unescaped key bytes.
    private var scratch: [UInt8] = []
    private var lineStamp: UInt64 = 0
    private var keyOrdinal = 0
    private var sawData = false

    /// Makes a decoder reading the event time from `timeFields` (most preferred first); its
    /// name table has generation `generation` (see ``FieldNameTable/generation``).
    init(timeFields: [String], generation: UInt64 = 0, rules: FieldRules = FieldRules()) {
        names = FieldNameTable(timeFields: timeFields, generation: generation, rules: rules)
        scratch.reserveCapacity(256)
    }

    /// Decodes one line (no line terminator; may start with white space) into ``row``, whose
    /// line-relative strings count from `line.baseAddress`; returns the event time and sample
    /// rate.
    /// - Complexity: O(length of the line), expected.
    mutating func decode(_ line: UnsafeBufferPointer<UInt8>) throws(IngestError) -> (timestamp: Int64?, sampleRate: Int64) {
        guard let p = line.baseAddress else { throw IngestError.notAnObject(found: "an empty line") }
        let s = Input(p: p, n: line.count)
        names.trimIfNeeded()
        lineStamp &+= 2
        sawData = false
        keyOrdinal = 0
        row.removeAll()
        var i = 0
        skipSpace(s, &i)
        guard i < s.n else { throw IngestError.notAnObject(found: "an empty line") }
        guard s.p[i] == UInt8(ascii: "{") else { throw IngestError.notAnObject(found: Self.describeValue(s.p[i])) }
        i += 1
        try parseMembers(s, &i, parent: FieldNameTable.noParent, depth: 1, stamp: lineStamp)
        skipSpace(s, &i)
        if i < s.n {
            throw IngestError.malformed("unexpected \(JSONSyntax.describe(s.p[i])) after the end of the object", column: i + 1)
        }
        return try finishRow(s)
    }

    // MARK: Objects

    private mutating func parseMembers(
        _ s: Input, _ i: inout Int, parent: Int, depth: Int, stamp: UInt64
    ) throws(IngestError) {
        skipSpace(s, &i)
        if i < s.n, s.p[i] == UInt8(ascii: "}") {
            i += 1
            return
        }
        while true {
            guard i < s.n else { throw IngestError.malformed("expected a key in quotes, found the end of the line", column: i + 1) }
            guard s.p[i] == UInt8(ascii: "\"") else {
                throw IngestError.malformed("expected a key in quotes, found \(JSONSyntax.describe(s.p[i]))", column: i + 1)
            }
            i += 1
            let key = try scanString(s, &i)
            skipSpace(s, &i)
            guard i < s.n, s.p[i] == UInt8(ascii: ":") else {
                throw IngestError.malformed("expected ':' after key \(keyText(s, key, parent: parent))", column: i + 1)
            }
            i += 1
            skipSpace(s, &i)
            guard i < s.n else {
                throw IngestError.malformed("expected a value for key \(keyText(s, key, parent: parent)), found the end of the line", column: i + 1)
            }
            if s.p[i] == UInt8(ascii: "{") {
                guard depth < Self.maxDepth else { throw IngestError.tooDeep(column: i + 1) }
                i += 1
                if depth == 1, Self.isData(s, key) {
                    sawData = true
                    try parseMembers(s, &i, parent: FieldNameTable.noParent, depth: depth + 1, stamp: stamp | 1)
                } else {
                    let inner = try nameID(s, key, parent: parent)
                    try parseMembers(s, &i, parent: inner, depth: depth + 1, stamp: stamp)
                }
            } else {
                let id = try nameID(s, key, parent: parent)
                if let value = try parseValue(s, &i, depth: depth, key: key, parent: parent) {
                    row.set(id, value, stamp: stamp, inData: stamp & 1 != 0, names: &names)
                } else {
                    row.remove(id, stamp: stamp, names: &names)
                }
            }
            skipSpace(s, &i)
            guard i < s.n else {
                throw IngestError.malformed(
                    "expected ',' or '}' after the value of \(keyText(s, key, parent: parent)), found the end of the line", column: i + 1)
            }
            let c = s.p[i]
            i += 1
            if c == UInt8(ascii: ",") {
                skipSpace(s, &i)
                continue
            }
            if c == UInt8(ascii: "}") { return }
            throw IngestError.malformed(
                "expected ',' or '}' after the value of \(keyText(s, key, parent: parent)), found \(JSONSyntax.describe(c))", column: i)
        }
    }

    private static func isData(_ s: Input, _ key: Span) -> Bool {
        key.end - key.start == 4 && key.flags == 0 && s.p[key.start] == UInt8(ascii: "d") && s.p[key.start + 1] == UInt8(ascii: "a")
            && s.p[key.start + 2] == UInt8(ascii: "t") && s.p[key.start + 3] == UInt8(ascii: "a")
    }

    // MARK: Names

    /// The id of the flattened name of member `key` of the object named by `parent`.
    @inline(__always)
    private mutating func nameID(_ s: Input, _ key: Span, parent: Int) throws(IngestError) -> Int {
        let found: Int?
        if !key.hasEscape {
            found = names.child(of: parent, s.p + key.start, key.end - key.start, ordinal: keyOrdinal)
        } else {
            scratch.removeAll(keepingCapacity: true)
            JSONSyntax.unescape(s.p, key, into: &scratch)
            scratch.append(0) // never empty, so the base address exists
            found = scratch.withUnsafeBufferPointer { b in b.baseAddress.flatMap { names.child(of: parent, $0, b.count - 1, ordinal: keyOrdinal) } }
        }
        keyOrdinal += 1
        guard let id = found else {
            let bad = ByteClass.firstInvalidUTF8(UnsafeBufferPointer(start: s.p + key.start, count: key.end - key.start)) ?? 0
            throw IngestError.invalidUTF8(column: key.start + bad + 1)
        }
        return id
    }

    /// The quoted flattened key, for messages.
    private func keyText(_ s: Input, _ key: Span, parent: Int) -> String {
        var bytes: [UInt8] = []
        JSONSyntax.unescape(s.p, key, into: &bytes)
        var name = String(decoding: bytes, as: UTF8.self)
        if parent != FieldNameTable.noParent { name = names.names[parent].text + "." + name }
        var out = ""
        JSONText.appendString(name, to: &out)
        return out
    }

    // MARK: Values

    /// Parses a scalar or an array (its compact text goes to `row.scratch`); nil for `null`.
    @inline(__always)
    private mutating func parseValue(_ s: Input, _ i: inout Int, depth: Int, key: Span, parent: Int) throws(IngestError) -> RowFields.Record? {
        let c = s.p[i]
        switch c {
        case UInt8(ascii: "\""):
            i += 1
            let span = try scanString(s, &i)
            return try stringRecord(s, span)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return try parseNumber(s, &i)
        case UInt8(ascii: "t"):
            try expectLiteral(s, &i, "true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try expectLiteral(s, &i, "false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try expectLiteral(s, &i, "null")
            return nil
        case UInt8(ascii: "["):
            guard depth < Self.maxDepth else { throw IngestError.tooDeep(column: i + 1) }
            let start = row.scratch.count
            try copyValue(s, &i, depth: depth)
            return .string(at: start, count: row.scratch.count - start, inScratch: true)
        default:
            throw IngestError.malformed("expected a value for key \(keyText(s, key, parent: parent)), found \(JSONSyntax.describe(c))", column: i + 1)
        }
    }

    @inline(__always)
    private func parseNumber(_ s: Input, _ i: inout Int) throws(IngestError) -> RowFields.Record {
        do {
            switch try NumberScanner.read(s.p, count: s.n, at: &i) {
            case .int(let v): return .int(v)
            case .float(let d): return .float(d)
            }
        } catch {
            switch error {
            case .invalid(let at, _):
                let found = at < s.n ? JSONSyntax.describe(s.p[at]) : "the end of the line"
                throw IngestError.malformed("invalid number: expected a digit, found \(found)", column: at + 1)
            case .outOfRange(let start, let text):
                throw IngestError.numberOutOfRange(text, column: start + 1)
            }
        }
    }

    private func expectLiteral(_ s: Input, _ i: inout Int, _ word: StaticString) throws(IngestError) {
        guard JSONSyntax.hasLiteral(word, s.p, count: s.n, at: i) else {
            throw IngestError.malformed("invalid literal, expected '\(word)'", column: i + 1)
        }
        i += word.utf8CodeUnitCount
    }

    /// Copies one JSON value at `i` compactly into `row.scratch`, validating it. `depth` is the
    /// level of the container holding the value.
    private mutating func copyValue(_ s: Input, _ i: inout Int, depth: Int) throws(IngestError) {
        skipSpace(s, &i)
        guard i < s.n else { throw IngestError.malformed("expected a value, found the end of the line", column: i + 1) }
        let c = s.p[i]
        switch c {
        case UInt8(ascii: "["), UInt8(ascii: "{"):
            guard depth < Self.maxDepth else { throw IngestError.tooDeep(column: i + 1) }
            let isArray = c == UInt8(ascii: "[")
            let close = isArray ? UInt8(ascii: "]") : UInt8(ascii: "}")
            row.scratch.append(c)
            i += 1
            skipSpace(s, &i)
            if i < s.n, s.p[i] == close {
                row.scratch.append(close)
                i += 1
                return
            }
            while true {
                if !isArray {
                    skipSpace(s, &i)
                    guard i < s.n, s.p[i] == UInt8(ascii: "\"") else {
                        let found = i < s.n ? JSONSyntax.describe(s.p[i]) : "the end of the line"
                        throw IngestError.malformed("expected a key in quotes, found \(found)", column: i + 1)
                    }
                    try copyString(s, &i)
                    skipSpace(s, &i)
                    guard i < s.n, s.p[i] == UInt8(ascii: ":") else {
                        throw IngestError.malformed("expected ':' after a key inside an array", column: i + 1)
                    }
                    row.scratch.append(UInt8(ascii: ":"))
                    i += 1
                }
                try copyValue(s, &i, depth: depth + 1)
                skipSpace(s, &i)
                guard i < s.n else {
                    throw IngestError.malformed("expected ',' or '\(UnicodeScalar(close))', found the end of the line", column: i + 1)
                }
                let d = s.p[i]
                i += 1
                row.scratch.append(d)
                if d == UInt8(ascii: ",") { continue }
                if d == close { return }
                throw IngestError.malformed("expected ',' or '\(UnicodeScalar(close))', found \(JSONSyntax.describe(d))", column: i)
            }
        case UInt8(ascii: "\""):
            try copyString(s, &i)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            let start = i
            _ = try parseNumber(s, &i)
            row.scratch.append(contentsOf: UnsafeBufferPointer(start: s.p + start, count: i - start))
        case UInt8(ascii: "t"):
            try expectLiteral(s, &i, "true")
            row.scratch.append(contentsOf: "true".utf8)
        case UInt8(ascii: "f"):
            try expectLiteral(s, &i, "false")
            row.scratch.append(contentsOf: "false".utf8)
        case UInt8(ascii: "n"):
            try expectLiteral(s, &i, "null")
            row.scratch.append(contentsOf: "null".utf8)
        default:
            throw IngestError.malformed("expected a value, found \(JSONSyntax.describe(c))", column: i + 1)
        }
    }

    /// Copies the string starting at the quote at `i`, escapes as written.
    private mutating func copyString(_ s: Input, _ i: inout Int) throws(IngestError) {
        i += 1
        let span = try scanString(s, &i)
        if span.hasHigh, let bad = ByteClass.firstInvalidUTF8(UnsafeBufferPointer(start: s.p + span.start, count: span.end - span.start)) {
            throw IngestError.invalidUTF8(column: span.start + bad + 1)
        }
        row.scratch.append(contentsOf: UnsafeBufferPointer(start: s.p + span.start - 1, count: span.end - span.start + 2))
    }

    // MARK: Strings

    /// Scans a string whose opening quote is just before `i`; leaves `i` after the closing quote.
    /// Checks escapes and control characters; UTF-8 is checked by the caller (see `hasHigh`).
    @inline(__always)
    private func scanString(_ s: Input, _ i: inout Int) throws(IngestError) -> Span {
        do {
            return try JSONSyntax.scanString(s.p, count: s.n, from: &i)
        } catch {
            let column = error.offset + 1
            switch error.kind {
            case .unterminated: throw IngestError.unterminatedString(column: column)
            case .invalidUnicodeEscape: throw IngestError.malformed("invalid \\u escape: expected four hex digits", column: column)
            case .invalidEscape: throw IngestError.malformed("invalid escape '\\\(Self.printable(error.byte))' in a string", column: column)
            case .controlCharacter:
                throw IngestError.malformed("control character U+\(JSONSyntax.hex2(error.byte)) inside a string (write it as an escape)", column: column)
            }
        }
    }

    /// The string a scanned span stands for: its bytes in the line, or unescaped into
    /// `row.scratch`.
    @inline(__always)
    private mutating func stringRecord(_ s: Input, _ span: Span) throws(IngestError) -> RowFields.Record {
        if span.hasHigh, let bad = ByteClass.firstInvalidUTF8(UnsafeBufferPointer(start: s.p + span.start, count: span.end - span.start)) {
            throw IngestError.invalidUTF8(column: span.start + bad + 1)
        }
        if !span.hasEscape { return .string(at: span.start, count: span.end - span.start, inScratch: false) }
        let start = row.scratch.count
        JSONSyntax.unescape(s.p, span, into: &row.scratch)
        return .string(at: start, count: row.scratch.count - start, inScratch: true)
    }

    // MARK: The row

    private mutating func finishRow(_ s: Input) throws(IngestError) -> (timestamp: Int64?, sampleRate: Int64) {
        var sampleRate: Int64 = 1
        if sawData {
            var envelopeTime: RowFields.Record?
            var isEnvelope = true
            var hasEnvelopeMember = false
            for r in row.records where !r.inData {
                let name = names.names[Int(r.name)].text
                if name == "time" {
                    envelopeTime = r
                    hasEnvelopeMember = true
                } else if name == "samplerate" {
                    sampleRate = self.sampleRate(r, line: s.p)
                    hasEnvelopeMember = true
                } else {
                    isEnvelope = false
                }
            }
            if isEnvelope && hasEnvelopeMember {
                row.records.removeAll { !$0.inData }
                if let time = envelopeTime {
                    switch row.time(time, line: s.p) {
                    case .success(let t): return (t, sampleRate)
                    case .failure(let e): throw IngestError.badTime(field: "time", e)
                    }
                }
            } else {
                sampleRate = 1
                renameDataFields()
            }
        }
        return (try row.takeTime(names: names, line: s.p), sampleRate)
    }

    /// Not an envelope after all: the members of `data` become `data.…` again.
    private mutating func renameDataFields() {
        let old = row.records
        row.records.removeAll(keepingCapacity: true)
        lineStamp &+= 2
        for r in old {
            var id = Int(r.name)
            if r.inData { id = names.id(of: "data." + names.names[id].text) }
            var value = r
            value.inData = false
            row.set(id, value, stamp: lineStamp, names: &names)
        }
    }

    private func sampleRate(_ r: RowFields.Record, line: UnsafePointer<UInt8>) -> Int64 {
        switch r.kind {
        case ValueKind.int.rawValue: return max(1, Int64(bitPattern: r.payload))
        case ValueKind.float.rawValue: return Self.sampleRate(Double(bitPattern: r.payload))
        case ValueKind.string.rawValue:
            let text = row.withBytes(r, line: line) { String(decoding: $0, as: UTF8.self) }
            if let v = Int64(text) { return max(1, v) }
            if case .float(let d) = row.withBytes(r, line: line, { NumberScanner.number($0) }) { return Self.sampleRate(d) }
            return 1
        default: return 1
        }
    }

    private static func sampleRate(_ d: Double) -> Int64 {
        d.isFinite && d >= 1 && d < 9e18 ? Int64(d.rounded()) : 1
    }

    // MARK: Bytes

    @inline(__always)
    private func skipSpace(_ s: Input, _ i: inout Int) {
        JSONSyntax.skipSpace(s.p, count: s.n, &i)
    }

    private static func printable(_ c: UInt8) -> String {
        c >= 0x20 && c < 0x7F ? String(UnicodeScalar(c)) : "\\x" + JSONSyntax.hex2(c)
    }

    private static func describeValue(_ c: UInt8) -> String {
        switch c {
        case UInt8(ascii: "["): return "an array"
        case UInt8(ascii: "\""): return "a string"
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return "a number"
        case UInt8(ascii: "t"), UInt8(ascii: "f"): return "a boolean"
        case UInt8(ascii: "n"): return "null"
        default: return JSONSyntax.describe(c)
        }
    }
}
