import KilnCore

/// Decodes Apache/nginx access-log lines in the combined format
/// `addr ident user [time] "request" status bytes "referer" "user_agent" [request_time]`, and
/// the common format (without referer and user agent).
///
/// Field names produced, in this order:
/// - `remote_addr` (string)
/// - `remote_ident` (string; only when not `-`, which it almost always is)
/// - `remote_user` (string; absent when `-`)
/// - `request.method`, `request.path`, `request.protocol` (strings) from `"GET /a HTTP/1.1"`;
///   a request of two words gives method and path; a request that is not `METHOD path
///   [HTTP/x]` (e.g. binary noise from a TLS probe) gives the raw text as `request`, and `-`
///   gives none of them
/// - `status` (int; absent when `-`)
/// - `bytes` (int; absent when `-`)
/// - `referer`, `user_agent` (strings, as logged, `-` included; combined format only)
/// - `duration_ms` (float) from a trailing number after the user agent (or after `bytes`):
///   with a decimal point it is seconds (nginx `$request_time`), an integer is microseconds
///   (Apache `%D`)
/// - `extra` (string): any other trailing text, as written
///
/// The event time is the bracketed `[10/Oct/2000:13:55:36 -0700]`; when it cannot be read the
/// event gets the ingest time and the text is kept as the field `time`. Quoted fields may hold
/// `\"` and `\\` (unescaped); other backslash sequences such as `\x16` stay as written. A
/// user agent whose closing quote is missing (a truncated line) runs to the end of the line.
///
/// Rejected lines: lines without this shape (the reason names the first part that does not
/// fit and its column) and invalid UTF-8.
enum AccessLogDecoder {
    /// Decodes one line.
    /// - Complexity: O(length of the line)
    static func decode(_ line: UnsafeBufferPointer<UInt8>, now: Int64) throws(IngestError) -> Event {
        if let bad = ByteClass.firstInvalidUTF8(line) { throw IngestError.invalidUTF8(column: bad + 1) }
        var cursor = Cursor(b: line)
        var fields: [Field] = []
        fields.reserveCapacity(12)

        cursor.skipSpaces()
        let addr = cursor.token()
        guard !addr.isEmpty else { throw cursor.failure("expected the client address") }
        fields.append(Field("remote_addr", .string(cursor.text(addr))))
        try cursor.expectSpace(after: "the client address")
        let ident = cursor.token()
        if !cursor.isDash(ident), !ident.isEmpty { fields.append(Field("remote_ident", .string(cursor.text(ident)))) }
        try cursor.expectSpace(after: "the ident field")
        let user = cursor.token()
        if !cursor.isDash(user), !user.isEmpty { fields.append(Field("remote_user", .string(cursor.text(user)))) }
        try cursor.expectSpace(after: "the user field")

        guard cursor.peek == UInt8(ascii: "[") else { throw cursor.failure("expected '[' before the time") }
        cursor.i += 1
        let timeStart = cursor.i
        while cursor.i < cursor.n, cursor.b[cursor.i] != UInt8(ascii: "]") { cursor.i += 1 }
        guard cursor.i < cursor.n else { throw cursor.failure("expected ']' after the time") }
        let timeBytes = UnsafeBufferPointer(rebasing: line[timeStart..<cursor.i])
        cursor.i += 1
        let timestamp = parseTime(timeBytes)
        try cursor.expectSpace(after: "the time")

        guard cursor.peek == UInt8(ascii: "\"") else { throw cursor.failure("expected '\"' before the request") }
        guard let request = cursor.quoted(lenient: false) else { throw cursor.failure("unterminated quoted request") }
        appendRequest(request, to: &fields)
        try cursor.expectSpace(after: "the request")

        let status = cursor.token()
        if !cursor.isDash(status) {
            guard let code = cursor.integer(status) else {
                throw IngestError.malformed("expected a status code, found \"\(cursor.text(status))\"", column: status.lowerBound + 1)
            }
            fields.append(Field("status", .int(code)))
        }
        try cursor.expectSpace(after: "the status code")
        let bytes = cursor.token()
        if !cursor.isDash(bytes) {
            guard let count = cursor.integer(bytes) else {
                throw IngestError.malformed("expected a byte count, found \"\(cursor.text(bytes))\"", column: bytes.lowerBound + 1)
            }
            fields.append(Field("bytes", .int(count)))
        }

        cursor.skipSpaces()
        if cursor.peek == UInt8(ascii: "\"") {
            guard let referer = cursor.quoted(lenient: false) else { throw cursor.failure("unterminated quoted referer") }
            fields.append(Field("referer", .string(referer)))
            cursor.skipSpaces()
            if cursor.peek == UInt8(ascii: "\"") {
                let agent = cursor.quoted(lenient: true) ?? ""
                fields.append(Field("user_agent", .string(agent)))
            }
        }
        appendTail(cursor, to: &fields)

        if let timestamp { return Event(timestamp: timestamp, fields: fields) }
        fields.insert(Field("time", .string(String(decoding: timeBytes, as: UTF8.self))), at: 0)
        return Event(timestamp: now, fields: fields)
    }

    /// True when the line decodes as an access-log line.
    static func looksLikeAccessLog(_ line: UnsafeBufferPointer<UInt8>) -> Bool {
        (try? decode(line, now: 0)) != nil
    }

    private static func appendRequest(_ request: String, to fields: inout [Field]) {
        guard request != "-", !request.isEmpty else { return }
        let utf8 = request.utf8
        let isMethodByte = { (c: UInt8) in (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z")) || c == UInt8(ascii: "-") || c == UInt8(ascii: "_") }
        let methodEnd = utf8.firstIndex(of: UInt8(ascii: " ")) ?? utf8.endIndex
        let methodLength = utf8.distance(from: utf8.startIndex, to: methodEnd)
        var rest = request[methodEnd...].drop { $0 == " " }
        guard (1...24).contains(methodLength), utf8[..<methodEnd].allSatisfy(isMethodByte), !rest.isEmpty else {
            fields.append(Field("request", .string(request)))
            return
        }
        while rest.last == " " { rest.removeLast() }
        fields.append(Field("request.method", .string(String(request[..<methodEnd]))))
        if let lastSpace = rest.lastIndex(of: " "), rest[rest.index(after: lastSpace)...].hasPrefix("HTTP/") {
            var path = rest[..<lastSpace]
            while path.last == " " { path.removeLast() }
            fields.append(Field("request.path", .string(String(path))))
            fields.append(Field("request.protocol", .string(String(rest[rest.index(after: lastSpace)...]))))
        } else {
            fields.append(Field("request.path", .string(String(rest))))
        }
    }

    /// A trailing number is the request time; other trailing text is kept as `extra`.
    private static func appendTail(_ cursor: Cursor, to fields: inout [Field]) {
        var begin = cursor.i
        while begin < cursor.n, ByteClass.isSpace(cursor.b[begin]) { begin += 1 }
        var end = cursor.n
        while end > begin, ByteClass.isSpace(cursor.b[end - 1]) { end -= 1 }
        guard end > begin else { return }
        var tokenStart = end
        while tokenStart > begin, !ByteClass.isSpace(cursor.b[tokenStart - 1]) { tokenStart -= 1 }
        var token = UnsafeBufferPointer(rebasing: cursor.b[tokenStart..<end])
        if token.count >= 2, token[0] == UInt8(ascii: "\""), token[token.count - 1] == UInt8(ascii: "\"") {
            token = UnsafeBufferPointer(rebasing: token[1..<(token.count - 1)])
        }
        var restEnd = end
        if token.first.map({ ByteClass.isDigit($0) }) == true {
            switch NumberScanner.typedValue(token) {
            case .int(let micros):
                fields.append(Field("duration_ms", .float(Double(micros) / 1000)))
                restEnd = tokenStart
            case .float(let seconds):
                fields.append(Field("duration_ms", .float(seconds * 1000)))
                restEnd = tokenStart
            case .string, .bool:
                break
            }
        }
        while restEnd > begin, ByteClass.isSpace(cursor.b[restEnd - 1]) { restEnd -= 1 }
        if restEnd > begin {
            fields.append(Field("extra", .string(String(decoding: UnsafeBufferPointer(rebasing: cursor.b[begin..<restEnd]), as: UTF8.self))))
        }
    }

    private static let monthKeys: [UInt32] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        .map { name in name.utf8.reduce(UInt32(0)) { $0 << 8 | UInt32($1) } }

    /// Parses `10/Oct/2000:13:55:36 -0700` (the offset may be missing: UTC).
    static func parseTime(_ b: UnsafeBufferPointer<UInt8>) -> Int64? {
        guard b.count >= 20 else { return nil }
        func number(_ at: Int, _ count: Int) -> Int? {
            var v = 0
            for k in at..<(at + count) {
                guard ByteClass.isDigit(b[k]) else { return nil }
                v = v * 10 + Int(b[k] - 48)
            }
            return v
        }
        let monthKey = UInt32(b[3]) << 16 | UInt32(b[4]) << 8 | UInt32(b[5])
        guard let day = number(0, 2), b[2] == UInt8(ascii: "/"), let monthIndex = monthKeys.firstIndex(of: monthKey),
              b[6] == UInt8(ascii: "/"), let year = number(7, 4), b[11] == UInt8(ascii: ":"),
              let hour = number(12, 2), b[14] == UInt8(ascii: ":"), let minute = number(15, 2),
              b[17] == UInt8(ascii: ":"), let second = number(18, 2),
              (1...31).contains(day), hour < 24, minute < 60, second <= 60, year < 2262
        else { return nil }
        var offset = 0
        if b.count > 20 {
            guard b.count == 26, b[20] == UInt8(ascii: " "), b[21] == UInt8(ascii: "+") || b[21] == UInt8(ascii: "-"),
                  let oh = number(22, 2), let om = number(24, 2)
            else { return nil }
            offset = (b[21] == UInt8(ascii: "-") ? -1 : 1) * (oh * 3600 + om * 60)
        }
        let days = Timestamp.daysFromCivil(year: year, month: monthIndex + 1, day: day)
        let seconds = Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60 + second - offset)
        let (ns, overflow) = seconds.multipliedReportingOverflow(by: Timestamp.nanosPerSecond)
        return overflow ? nil : ns
    }

    /// A position in a line.
    private struct Cursor {
        let b: UnsafeBufferPointer<UInt8>
        var i = 0
        var n: Int { b.count }

        init(b: UnsafeBufferPointer<UInt8>) { self.b = b }

        var peek: UInt8? { i < n ? b[i] : nil }

        mutating func skipSpaces() {
            while i < n, b[i] == UInt8(ascii: " ") || b[i] == UInt8(ascii: "\t") { i += 1 }
        }

        /// The bytes up to the next space.
        mutating func token() -> Range<Int> {
            let start = i
            while i < n, !ByteClass.isSpace(b[i]) { i += 1 }
            return start..<i
        }

        func text(_ r: Range<Int>) -> String {
            String(decoding: UnsafeBufferPointer(rebasing: b[r]), as: UTF8.self)
        }

        func isDash(_ r: Range<Int>) -> Bool { r.count == 1 && b[r.lowerBound] == UInt8(ascii: "-") }

        /// The digits of `r` as a number; nil when not all digits or too big.
        func integer(_ r: Range<Int>) -> Int64? {
            guard !r.isEmpty, r.count <= 18 else { return nil }
            var v: Int64 = 0
            for k in r {
                guard ByteClass.isDigit(b[k]) else { return nil }
                v = v * 10 + Int64(b[k] - 48)
            }
            return v
        }

        mutating func expectSpace(after what: String) throws(IngestError) {
            guard i < n, b[i] == UInt8(ascii: " ") || b[i] == UInt8(ascii: "\t") else {
                throw failure("expected a space after \(what)")
            }
            skipSpaces()
        }

        /// The unescaped text of the quoted field at `i`; when it never closes, the rest of the
        /// line if `lenient`, else nil.
        mutating func quoted(lenient: Bool) -> String? {
            i += 1
            let start = i
            while i < n, b[i] != UInt8(ascii: "\""), b[i] != UInt8(ascii: "\\") { i += 1 }
            if i < n, b[i] == UInt8(ascii: "\"") {
                i += 1
                return text(start..<(i - 1))
            }
            var out = Array(b[start..<i])
            while i < n {
                let c = b[i]
                if c == UInt8(ascii: "\"") {
                    i += 1
                    return String(decoding: out, as: UTF8.self)
                }
                if c == UInt8(ascii: "\\"), i + 1 < n {
                    let e = b[i + 1]
                    if e == UInt8(ascii: "\"") || e == UInt8(ascii: "\\") {
                        out.append(e)
                    } else {
                        out.append(c)
                        out.append(e)
                    }
                    i += 2
                    continue
                }
                out.append(c)
                i += 1
            }
            return lenient ? String(decoding: out, as: UTF8.self) : nil
        }

        func failure(_ what: String) -> IngestError {
            let found = i < n ? JSONLineDecoder.describe(b[i]) : "the end of the line"
            return IngestError.malformed("not an access-log line: \(what), found \(found)", column: i + 1)
        }
    }
}
