/// A hand-written scanner for one filter expression; positions are character offsets.
struct FilterParser {
    private let text: String
    private let chars: [Character]
    private var i = 0

    init(_ text: String) {
        self.text = text
        chars = Array(text)
    }

    private func fail(_ message: String, at position: Int) -> AnalysisError {
        .filter(message, in: text, at: position)
    }

    private var atEnd: Bool { i >= chars.count }

    private mutating func skipSpaces() {
        while i < chars.count, chars[i].isWhitespace { i += 1 }
    }

    mutating func parseFilter() throws(AnalysisError) -> Filter {
        skipSpaces()
        guard !atEnd else { throw fail("expected a field name", at: i) }
        let field = try parseField()
        skipSpaces()
        guard !atEnd else {
            throw fail("expected an operator after \(Filter.quoteFieldIfNeeded(field)) (one of \(FilterParser.operatorList))", at: i)
        }
        let op = try parseOperator()
        var values: [Value] = []
        if op.takesNoValue {
            skipSpaces()
            if !atEnd { throw fail("unexpected text after \"\(op.rawValue)\" (it takes no value)", at: i) }
            return Filter(field, op, [])
        }
        skipSpaces()
        guard !atEnd else { throw fail("expected a value after \"\(op.rawValue)\"", at: i) }
        let isTime = field == FieldName.timestamp
        if op == .in {
            while true {
                let start = i
                let (token, quoted) = try parseValueToken(inList: true)
                values.append(try classify(token, quoted: quoted, isTime: isTime, op: op, at: start))
                skipSpaces()
                if atEnd { break }
                guard chars[i] == "," else {
                    throw fail("expected \",\" or the end after a value of \"in\"; quote a value that has spaces", at: i)
                }
                i += 1
                skipSpaces()
                guard !atEnd else { throw fail("expected a value after \",\"", at: i) }
            }
        } else {
            let start = i
            let (token, quoted) = try parseValueToken(inList: false)
            values.append(try classify(token, quoted: quoted, isTime: isTime, op: op, at: start))
            skipSpaces()
            if !atEnd { throw fail("unexpected text after the value; quote a value that has spaces", at: i) }
        }
        return Filter(field, op, values)
    }

    static let operatorList = "=, !=, >, >=, <, <=, contains, !contains, starts-with, exists, !exists, in"

    private mutating func parseField() throws(AnalysisError) -> String {
        if chars[i] == "\"" {
            let start = i
            let name = try parseQuoted()
            if name.isEmpty { throw fail("empty field name", at: start) }
            return name
        }
        var name = ""
        while i < chars.count {
            let c = chars[i]
            if c.isWhitespace || c == "=" || c == "<" || c == ">" { break }
            if c == "!", i + 1 < chars.count, chars[i + 1] == "=" { break }
            if c == "\"" { throw fail("unexpected '\"' inside a field name; quote the whole name", at: i) }
            name.append(c)
            i += 1
        }
        if name.isEmpty { throw fail("expected a field name before the operator", at: i) }
        return name
    }

    private mutating func parseOperator() throws(AnalysisError) -> FilterOperator {
        let start = i
        func peek(_ s: String) -> Bool {
            var j = i
            for c in s {
                guard j < chars.count, chars[j] == c else { return false }
                j += 1
            }
            return true
        }
        for (symbol, op) in [(">=", FilterOperator.greaterOrEqual), ("<=", .lessOrEqual), ("!=", .notEqual),
                             ("==", .equal), ("=", .equal), (">", .greater), ("<", .less)] where peek(symbol) {
            // `=>`, `===`, `<>`: the whole run of operator characters is the operator written.
            var end = i
            while end < chars.count, "=<>!".contains(chars[end]) { end += 1 }
            if end - i != symbol.count {
                throw fail("unknown operator \"\(String(chars[i..<end]))\"; expected one of \(FilterParser.operatorList)", at: start)
            }
            i += symbol.count
            return op
        }
        var word = ""
        while i < chars.count, !chars[i].isWhitespace, chars[i] != "\"" {
            word.append(chars[i])
            i += 1
        }
        let lower = word.lowercased()
        for op in FilterOperator.allCases where op.isWord && op.rawValue == lower {
            return op
        }
        if word.isEmpty { throw fail("expected an operator (one of \(FilterParser.operatorList))", at: start) }
        throw fail("unknown operator \"\(word)\"; expected one of \(FilterParser.operatorList)", at: start)
    }

    /// Reads a double-quoted string starting at the quote; `\"` and `\\` are the only escapes.
    private mutating func parseQuoted() throws(AnalysisError) -> String {
        let open = i
        i += 1
        var out = ""
        while i < chars.count {
            let c = chars[i]
            if c == "\"" {
                i += 1
                return out
            }
            if c == "\\" {
                guard i + 1 < chars.count else { break }
                let next = chars[i + 1]
                guard next == "\"" || next == "\\" else {
                    throw fail("unknown escape \"\\\(next)\" in a quoted string (only \\\" and \\\\)", at: i)
                }
                out.append(next)
                i += 2
                continue
            }
            out.append(c)
            i += 1
        }
        throw fail("unterminated quoted string (missing closing '\"')", at: open)
    }

    private mutating func parseValueToken(inList: Bool) throws(AnalysisError) -> (String, Bool) {
        if chars[i] == "\"" { return (try parseQuoted(), true) }
        let start = i
        var out = ""
        while i < chars.count {
            let c = chars[i]
            if c.isWhitespace || (inList && c == ",") { break }
            if c == "\"" { throw fail("unexpected '\"' inside a value; quote the whole value", at: i) }
            out.append(c)
            i += 1
        }
        if out.isEmpty { throw fail("expected a value", at: start) }
        return (out, false)
    }

    private func classify(_ token: String, quoted: Bool, isTime: Bool, op: FilterOperator, at position: Int) throws(AnalysisError) -> Value {
        if isTime {
            guard !(op == .contains || op == .notContains || op == .startsWith) else {
                throw fail("\"\(op.rawValue)\" does not apply to timestamp; use =, !=, >, >=, <, <=, in", at: position)
            }
            guard let ns = Timestamp.parse(token) else {
                throw fail("expected a time (RFC 3339 like 2024-05-01T12:00:00Z, or epoch seconds, ms, µs or ns)", at: position)
            }
            return .int(ns)
        }
        let value = quoted ? Value.string(token) : FilterParser.bareValue(token)
        if op.isOrdering, case .bool = value {
            throw fail("\"\(op.rawValue)\" compares numbers, times or text, not booleans", at: position)
        }
        return value
    }

    /// A bare word as a typed value: `true`/`false`, a number, or text.
    static func bareValue(_ token: String) -> Value {
        if token == "true" { return .bool(true) }
        if token == "false" { return .bool(false) }
        if looksNumeric(token) {
            if let i = Int64(token) { return .int(i) }
            if let d = Double(token), d.isFinite { return .float(d) }
        }
        return .string(token)
    }

    /// JSON's number grammar: `-?(0|[1-9]digits)(.digits)?([eE][+-]?digits)?` (no `inf`, `nan`,
    /// hex, or leading zeros: `007` stays text).
    static func looksNumeric(_ s: String) -> Bool {
        let b = Array(s.utf8)
        var j = 0
        func digits() -> Int {
            let start = j
            while j < b.count, b[j] >= 48, b[j] <= 57 { j += 1 }
            return j - start
        }
        if j < b.count, b[j] == 45 { j += 1 }
        let intStart = j
        let intDigits = digits()
        guard intDigits > 0, intDigits == 1 || b[intStart] != 48 else { return false }
        if j < b.count, b[j] == 46 {
            j += 1
            guard digits() > 0 else { return false }
        }
        if j < b.count, b[j] == 101 || b[j] == 69 {
            j += 1
            if j < b.count, b[j] == 43 || b[j] == 45 { j += 1 }
            guard digits() > 0 else { return false }
        }
        return j == b.count
    }

    /// True when `s` reads back as the same text value without quotes.
    static func isSafeBareValue(_ s: String) -> Bool {
        guard !s.isEmpty, s != "true", s != "false", !looksNumeric(s) else { return false }
        for c in s where c.isWhitespace || c == "\"" || c == "," || c == "\\" { return false }
        return true
    }

    /// True when `name` reads back as the same field name without quotes.
    static func isSafeBareField(_ name: String) -> Bool {
        guard !name.isEmpty else { return false }
        var previous: Character = " "
        for c in name {
            if c.isWhitespace || c == "\"" || c == "=" || c == "<" || c == ">" { return false }
            if previous == "!", c == "=" { return false }
            previous = c
        }
        return true
    }
}
