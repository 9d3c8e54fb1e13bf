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
///
/// Spaces are bytes: the request splits at U+0020 bytes (a space followed by a combining mark
/// is still a space).
struct AccessLogDecoder {
    /// The field names, in the order of ``names``.
    private enum Name: Int, CaseIterable {
        case remoteAddr, remoteIdent, remoteUser, requestMethod, requestPath, requestProtocol, request
        case status, bytes, referer, userAgent, durationMs, extra, time

        var text: String {
            switch self {
            case .remoteAddr: return "remote_addr"
            case .remoteIdent: return "remote_ident"
            case .remoteUser: return "remote_user"
            case .requestMethod: return "request.method"
            case .requestPath: return "request.path"
            case .requestProtocol: return "request.protocol"
            case .request: return "request"
            case .status: return "status"
            case .bytes: return "bytes"
            case .referer: return "referer"
            case .userAgent: return "user_agent"
            case .durationMs: return "duration_ms"
            case .extra: return "extra"
            case .time: return "time"
            }
        }
    }

    /// The field names; ids are the raw values of `Name`.
    private(set) var names: FieldNameTable
    /// The fields of the line decoded last (string bytes in the line or in `row.scratch`).
    private(set) var row = RowFields()

    init(generation: UInt64 = 0) {
        names = FieldNameTable(timeFields: [], generation: generation)
        for name in Name.allCases { _ = names.id(of: name.text) }
    }

    private mutating func add(_ name: Name, _ value: RowFields.Record) {
        row.append(name.rawValue, value)
    }

    /// Decodes one line into ``row`` (line-relative strings count from `line.baseAddress`);
    /// returns the event time.
    /// - Complexity: O(length of the line)
    mutating func decode(_ line: UnsafeBufferPointer<UInt8>, now: Int64) throws(IngestError) -> Int64 {
        if let bad = ByteClass.firstInvalidUTF8(line) { throw IngestError.invalidUTF8(column: bad + 1) }
        var cursor = Cursor(b: line)
        row.removeAll()

        cursor.skipSpaces()
        let addr = cursor.token()
        guard !addr.isEmpty else { throw cursor.failure("expected the client address") }
        add(.remoteAddr, Cursor.string(addr))
        try cursor.expectSpace(after: "the client address")
        let ident = cursor.token()
        if !cursor.isDash(ident), !ident.isEmpty { add(.remoteIdent, Cursor.string(ident)) }
        try cursor.expectSpace(after: "the ident field")
        let user = cursor.token()
        if !cursor.isDash(user), !user.isEmpty { add(.remoteUser, Cursor.string(user)) }
        try cursor.expectSpace(after: "the user field")

        guard cursor.peek == UInt8(ascii: "[") else { throw cursor.failure("expected '[' before the time") }
        cursor.i += 1
        let timeStart = cursor.i
        while cursor.i < cursor.n, cursor.b[cursor.i] != UInt8(ascii: "]") { cursor.i += 1 }
        guard cursor.i < cursor.n else { throw cursor.failure("expected ']' after the time") }
        let timeRange = timeStart..<cursor.i
        cursor.i += 1
        let timestamp = Self.parseTime(UnsafeBufferPointer(rebasing: line[timeRange]))
        try cursor.expectSpace(after: "the time")

        guard cursor.peek == UInt8(ascii: "\"") else { throw cursor.failure("expected '\"' before the request") }
        guard let request = cursor.quoted(lenient: false, scratch: &row.scratch) else { throw cursor.failure("unterminated quoted request") }
        addRequest(request, line: line.baseAddress)
        try cursor.expectSpace(after: "the request")

        let status = cursor.token()
        if !cursor.isDash(status) {
            guard let code = cursor.integer(status) else {
                throw IngestError.malformed("expected a status code, found \"\(cursor.text(status))\"", column: status.lowerBound + 1)
            }
            add(.status, .int(code))
        }
        try cursor.expectSpace(after: "the status code")
        let bytes = cursor.token()
        if !cursor.isDash(bytes) {
            guard let count = cursor.integer(bytes) else {
                throw IngestError.malformed("expected a byte count, found \"\(cursor.text(bytes))\"", column: bytes.lowerBound + 1)
            }
            add(.bytes, .int(count))
        }

        cursor.skipSpaces()
        if cursor.peek == UInt8(ascii: "\"") {
            guard let referer = cursor.quoted(lenient: false, scratch: &row.scratch) else { throw cursor.failure("unterminated quoted referer") }
            add(.referer, referer)
            cursor.skipSpaces()
            if cursor.peek == UInt8(ascii: "\"") {
                let agent = cursor.quoted(lenient: true, scratch: &row.scratch) ?? .string(at: 0, count: 0, inScratch: false)
                add(.userAgent, agent)
            }
        }
        addTail(cursor)

        if let timestamp { return timestamp }
        row.records.insert(Cursor.string(timeRange).named(Name.time.rawValue), at: 0)
        return now
    }

    /// True when the line decodes as an access-log line.
    static func looksLikeAccessLog(_ line: UnsafeBufferPointer<UInt8>) -> Bool {
        var decoder = AccessLogDecoder()
        return (try? decoder.decode(line, now: 0)) != nil
    }

    /// Splits `"GET /a HTTP/1.1"` into method, path and protocol.
    private mutating func addRequest(_ request: RowFields.Record, line: UnsafePointer<UInt8>?) {
        let parts = row.withBytes(request, line: line) { Self.splitRequest($0) }
        let base = Int(truncatingIfNeeded: request.payload)
        func part(_ r: Range<Int>) -> RowFields.Record { .string(at: base + r.lowerBound, count: r.count, inScratch: request.inScratch) }
        switch parts {
        case .none: break
        case .whole: add(.request, request)
        case .split(let method, let path, let proto):
            add(.requestMethod, part(method))
            add(.requestPath, part(path))
            if let proto { add(.requestProtocol, part(proto)) }
        }
    }

    private enum RequestParts {
        case none
        case whole
        case split(method: Range<Int>, path: Range<Int>, protocol: Range<Int>?)
    }

    private static func splitRequest(_ b: UnsafeBufferPointer<UInt8>) -> RequestParts {
        let n = b.count
        let space = UInt8(ascii: " ")
        guard n > 0, !(n == 1 && b[0] == UInt8(ascii: "-")) else { return .none }
        var methodEnd = 0
        while methodEnd < n, b[methodEnd] != space { methodEnd += 1 }
        var restStart = methodEnd
        while restStart < n, b[restStart] == space { restStart += 1 }
        let isMethodByte = { (c: UInt8) in (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z")) || c == UInt8(ascii: "-") || c == UInt8(ascii: "_") }
        guard (1...24).contains(methodEnd), b[0..<methodEnd].allSatisfy(isMethodByte), restStart < n else { return .whole }
        var restEnd = n
        while restEnd > restStart, b[restEnd - 1] == space { restEnd -= 1 }
        var lastSpace = restEnd - 1
        while lastSpace > restStart, b[lastSpace] != space { lastSpace -= 1 }
        if b[lastSpace] == space, restEnd - (lastSpace + 1) >= 5, b[lastSpace + 1] == UInt8(ascii: "H"), b[lastSpace + 2] == UInt8(ascii: "T"),
           b[lastSpace + 3] == UInt8(ascii: "T"), b[lastSpace + 4] == UInt8(ascii: "P"), b[lastSpace + 5] == UInt8(ascii: "/") {
            var pathEnd = lastSpace
            while pathEnd > restStart, b[pathEnd - 1] == space { pathEnd -= 1 }
            return .split(method: 0..<methodEnd, path: restStart..<pathEnd, protocol: (lastSpace + 1)..<restEnd)
        }
        return .split(method: 0..<methodEnd, path: restStart..<restEnd, protocol: nil)
    }

    /// A trailing number is the request time; other trailing text is kept as `extra`.
    private mutating func addTail(_ cursor: Cursor) {
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
            switch NumberScanner.number(token) {
            case .int(let micros):
                add(.durationMs, .float(Double(micros) / 1000))
                restEnd = tokenStart
            case .float(let seconds):
                add(.durationMs, .float(seconds * 1000))
                restEnd = tokenStart
            default:
                break
            }
        }
        while restEnd > begin, ByteClass.isSpace(cursor.b[restEnd - 1]) { restEnd -= 1 }
        if restEnd > begin { add(.extra, Cursor.string(begin..<restEnd)) }
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

        /// The bytes `r` of the line as a string record.
        static func string(_ r: Range<Int>) -> RowFields.Record {
            .string(at: r.lowerBound, count: r.count, inScratch: false)
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

        /// The unescaped text of the quoted field at `i`: its bytes in the line, or unescaped onto
        /// the end of `scratch`. When it never closes: the rest of the line if `lenient`, else nil.
        mutating func quoted(lenient: Bool, scratch: inout [UInt8]) -> RowFields.Record? {
            i += 1
            let start = i
            while i < n, b[i] != UInt8(ascii: "\""), b[i] != UInt8(ascii: "\\") { i += 1 }
            if i < n, b[i] == UInt8(ascii: "\"") {
                i += 1
                return Self.string(start..<(i - 1))
            }
            let scratchStart = scratch.count
            scratch.append(contentsOf: UnsafeBufferPointer(rebasing: b[start..<i]))
            while i < n {
                let c = b[i]
                if c == UInt8(ascii: "\"") {
                    i += 1
                    return .string(at: scratchStart, count: scratch.count - scratchStart, inScratch: true)
                }
                if c == UInt8(ascii: "\\"), i + 1 < n {
                    let e = b[i + 1]
                    if e == UInt8(ascii: "\"") || e == UInt8(ascii: "\\") {
                        scratch.append(e)
                    } else {
                        scratch.append(c)
                        scratch.append(e)
                    }
                    i += 2
                    continue
                }
                scratch.append(c)
                i += 1
            }
            guard lenient else {
                scratch.removeSubrange(scratchStart...)
                return nil
            }
            return .string(at: scratchStart, count: scratch.count - scratchStart, inScratch: true)
        }

        func failure(_ what: String) -> IngestError {
            let found = i < n ? JSONSyntax.describe(b[i]) : "the end of the line"
            return IngestError.malformed("not an access-log line: \(what), found \(found)", column: i + 1)
        }
    }
}
