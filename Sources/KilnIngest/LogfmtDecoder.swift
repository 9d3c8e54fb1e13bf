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
/// `Timestamp` (or the configured field) and is removed from the fields; when it is missing or
/// unreadable the event gets the ingest time and the field stays.
///
/// Rejected lines: invalid UTF-8, `=` without a key, a quote inside a key, an unterminated
/// quoted value, and text glued to the end of a quoted value.
struct LogfmtDecoder {
    let timeFields: [String]

    /// Decodes one line.
    /// - Complexity: O(length of the line)
    func decode(_ line: UnsafeBufferPointer<UInt8>, now: Int64) throws(IngestError) -> Event {
        if let bad = ByteClass.firstInvalidUTF8(line) { throw IngestError.invalidUTF8(column: bad + 1) }
        var set = FieldSet(capacity: 16)
        var scratch: [UInt8] = []
        try Self.scan(line, scratch: &scratch) { name, value, _ in set.set(name, value) }
        var fields = set.fields
        let t = EventTime.take(from: &fields, names: timeFields, now: now)
        return Event(timestamp: t, fields: fields)
    }

    /// True when the line reads as logfmt with at least one `key=value` pair, and pairs make up
    /// at least half of its tokens.
    static func looksLikeLogfmt(_ line: UnsafeBufferPointer<UInt8>) -> Bool {
        var tokens = 0
        var pairs = 0
        var scratch: [UInt8] = []
        do {
            try scan(line, scratch: &scratch) { _, _, isPair in
                tokens += 1
                if isPair { pairs += 1 }
            }
        } catch {
            return false
        }
        return pairs >= 1 && pairs * 2 >= tokens
    }

    /// Calls `body` with each key, its value (nil for `key=`) and whether it had `=`, in order.
    private static func scan(
        _ b: UnsafeBufferPointer<UInt8>, scratch: inout [UInt8], _ body: (String, Value?, _ isPair: Bool) -> Void
    ) throws(IngestError) {
        let n = b.count
        var i = 0
        while true {
            while i < n, b[i] <= 0x20 { i += 1 }
            guard i < n else { return }
            let keyStart = i
            while i < n, b[i] > 0x20, b[i] != UInt8(ascii: "="), b[i] != UInt8(ascii: "\"") { i += 1 }
            if i == keyStart {
                if b[i] == UInt8(ascii: "=") {
                    throw IngestError.malformed("expected a key before '='", column: i + 1)
                }
                throw IngestError.malformed("unexpected '\"': keys cannot be quoted", column: i + 1)
            }
            let key = String(decoding: UnsafeBufferPointer(rebasing: b[keyStart..<i]), as: UTF8.self)
            if i < n, b[i] == UInt8(ascii: "\"") {
                throw IngestError.malformed("unexpected '\"' inside key \"\(key)\"", column: i + 1)
            }
            guard i < n, b[i] == UInt8(ascii: "=") else {
                body(key, .bool(true), false)
                continue
            }
            i += 1
            if i < n, b[i] == UInt8(ascii: "\"") {
                let quote = i
                i += 1
                scratch.removeAll(keepingCapacity: true)
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
                    throw IngestError.malformed("unterminated quoted value of key \"\(key)\" starting", column: quote + 1)
                }
                if i < n, b[i] > 0x20 {
                    throw IngestError.malformed("expected a space after the quoted value of key \"\(key)\", found \(JSONLineDecoder.describe(b[i]))", column: i + 1)
                }
                body(key, .string(String(decoding: scratch, as: UTF8.self)), true)
            } else {
                let valueStart = i
                while i < n, b[i] > 0x20 { i += 1 }
                if i == valueStart {
                    body(key, nil, true)
                } else {
                    body(key, NumberScanner.typedValue(UnsafeBufferPointer(rebasing: b[valueStart..<i])), true)
                }
            }
        }
    }

    /// Unescapes the escape whose letter is at `at`; returns how many bytes it used after `\`.
    private static func unescape(_ b: UnsafeBufferPointer<UInt8>, at: Int, into out: inout [UInt8]) -> Int {
        switch b[at] {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"): out.append(b[at]); return 1
        case UInt8(ascii: "n"): out.append(0x0A); return 1
        case UInt8(ascii: "r"): out.append(0x0D); return 1
        case UInt8(ascii: "t"): out.append(0x09); return 1
        case UInt8(ascii: "u"):
            if at + 4 < b.count {
                var v: UInt32 = 0
                var ok = true
                for k in 1...4 {
                    guard let d = hexDigit(b[at + k]) else { ok = false; break }
                    v = v << 4 | d
                }
                if ok {
                    let scalar = Unicode.Scalar(v) ?? "\u{FFFD}"
                    out.append(contentsOf: String(Character(scalar)).utf8)
                    return 5
                }
            }
            out.append(UInt8(ascii: "\\"))
            return 0
        default:
            out.append(UInt8(ascii: "\\"))
            return 0
        }
    }

    private static func hexDigit(_ c: UInt8) -> UInt32? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt32(c - 48)
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return UInt32(c - 87)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return UInt32(c - 55)
        default: return nil
        }
    }
}
