/// Parses the subset of TOML that theme files need, with errors naming file and line.
///
/// Supported: comments, `[table.headers]` (bare or quoted keys), `key = value` with dotted
/// keys, basic strings with escapes (`"\u00e9"`), literal strings (`'...'`), integers
/// (decimal with `_`, `0x` hex), booleans, arrays (may span lines, trailing comma allowed) and
/// inline tables (`{ fg = "#fff", bold = true }`). Not supported, and reported as such:
/// multi-line strings, floats, dates, arrays of tables (`[[x]]`).
struct TOMLParser {
    private let file: String
    private let s: [Unicode.Scalar]
    private var i = 0
    private var line = 1
    private var root = TOMLTable()
    private var current: [String] = []
    private var explicitTables: [[String]: Int] = [:]
    private var closedTables: Set<[String]> = []

    private init(text: String, file: String) {
        self.file = file
        var scalars = Array(text.unicodeScalars)
        if scalars.first == "\u{FEFF}" { scalars.removeFirst() }
        self.s = scalars
    }

    /// Parses a whole document into its root table.
    /// - Complexity: O(n) in the text, O(k) per key lookup in a table of k keys.
    static func parse(_ text: String, file: String) throws(TerminalError) -> TOMLTable {
        var parser = TOMLParser(text: text, file: file)
        try parser.document()
        return parser.root
    }

    // MARK: Grammar

    private mutating func document() throws(TerminalError) {
        while true {
            skipBlank()
            guard let c = peek else { return }
            if c == "\n" {
                advance()
                continue
            }
            if c == "#" {
                skipComment()
                continue
            }
            if c == "[" {
                try header()
            } else {
                try keyValue()
            }
            try endOfLine()
        }
    }

    private mutating func header() throws(TerminalError) {
        let headerLine = line
        advance()
        if peek == "[" { throw fail("arrays of tables ([[...]]) are not supported in theme files") }
        skipBlank()
        let path = try keyPath()
        skipBlank()
        guard peek == "]" else { throw fail("expected ']' to close the table header") }
        advance()
        try defineTable(path, line: headerLine)
        current = path
    }

    private mutating func keyValue() throws(TerminalError) {
        let keyLine = line
        let path = try keyPath()
        skipBlank()
        guard peek == "=" else {
            throw fail("expected '=' after key \"\(path.joined(separator: "."))\"")
        }
        advance()
        skipBlank()
        let value = try value(depth: 0)
        try setValue(value, at: current + path, line: keyLine)
    }

    private mutating func keyPath() throws(TerminalError) -> [String] {
        var parts = [try key()]
        while true {
            skipBlank()
            guard peek == "." else { return parts }
            advance()
            skipBlank()
            parts.append(try key())
        }
    }

    private mutating func key() throws(TerminalError) -> String {
        guard let c = peek else { throw fail("expected a key, found the end of the file") }
        if c == "\"" { return try basicString() }
        if c == "'" { return try literalString() }
        var out = ""
        while let c = peek, TOMLParser.isBare(c) {
            out.unicodeScalars.append(c)
            advance()
        }
        if out.isEmpty {
            if c == "\n" { throw fail("expected a key, found the end of the line") }
            throw fail("expected a key, found '\(Sanitizer.sanitize(String(c)))'")
        }
        return out
    }

    private mutating func value(depth: Int) throws(TerminalError) -> TOMLValue {
        guard depth < 32 else { throw fail("values nested too deeply") }
        guard let c = peek, c != "\n" else { throw fail("expected a value after '='") }
        switch c {
        case "\"": return .string(try basicString())
        case "'": return .string(try literalString())
        case "[": return try array(depth: depth)
        case "{": return try inlineTable(depth: depth)
        case "t", "f": return .boolean(try boolean())
        case "+", "-", "0"..."9": return .integer(try integer())
        default:
            if c == "i" || c == "n" { throw fail("floats are not supported in theme files") }
            throw fail("expected a value (a \"string\", a number, true or false, an [array] or a {table}), found '\(Sanitizer.sanitize(String(c)))'")
        }
    }

    private mutating func basicString() throws(TerminalError) -> String {
        advance()
        if peek == "\"" && peek(1) == "\"" { throw fail("multi-line strings are not supported in theme files") }
        var out = ""
        while true {
            guard let c = peek, c != "\n" else { throw fail("unterminated string (missing closing \")") }
            advance()
            if c == "\"" { return out }
            if c != "\\" {
                out.unicodeScalars.append(c)
                continue
            }
            guard let e = peek else { throw fail("unterminated string (missing closing \")") }
            advance()
            switch e {
            case "b": out += "\u{8}"
            case "t": out += "\t"
            case "n": out += "\n"
            case "f": out += "\u{C}"
            case "r": out += "\r"
            case "e": out += "\u{1B}"
            case "\"": out += "\""
            case "\\": out += "\\"
            case "u", "U":
                let count = e == "u" ? 4 : 8
                var v: UInt32 = 0
                for _ in 0..<count {
                    guard let h = peek, let d = TOMLParser.hexValue(h) else {
                        throw fail("\\\(e) needs \(count) hex digits")
                    }
                    v = v << 4 | d
                    advance()
                }
                guard let scalar = Unicode.Scalar(v) else {
                    throw fail("\\\(e) escape is not a Unicode scalar value")
                }
                out.unicodeScalars.append(scalar)
            default:
                throw fail("unknown escape '\\\(Sanitizer.sanitize(String(e)))' in string")
            }
        }
    }

    private mutating func literalString() throws(TerminalError) -> String {
        advance()
        if peek == "'" && peek(1) == "'" { throw fail("multi-line strings are not supported in theme files") }
        var out = ""
        while true {
            guard let c = peek, c != "\n" else { throw fail("unterminated string (missing closing ')") }
            advance()
            if c == "'" { return out }
            out.unicodeScalars.append(c)
        }
    }

    private mutating func boolean() throws(TerminalError) -> Bool {
        let word = bareWord()
        switch word {
        case "true": return true
        case "false": return false
        default: throw fail("expected a value, found \"\(Sanitizer.sanitize(word))\" (strings need quotes)")
        }
    }

    private mutating func integer() throws(TerminalError) -> Int {
        let word = bareWord(allowing: ["+", ".", ":"])
        var digits = Substring(word)
        var negative = false
        if let f = digits.first, f == "+" || f == "-" {
            negative = f == "-"
            digits = digits.dropFirst()
        }
        if word.contains(".") || word.contains(":") || (!digits.hasPrefix("0x") && digits.contains(where: { $0 == "e" || $0 == "E" })) {
            throw fail("floats and dates are not supported in theme files (\"\(Sanitizer.sanitize(word))\")")
        }
        var radix = 10
        if digits.hasPrefix("0x") {
            radix = 16
            digits = digits.dropFirst(2)
        }
        guard !digits.isEmpty, !digits.hasPrefix("_"), !digits.hasSuffix("_"), !digits.contains("__"),
              digits.allSatisfy({ $0.isHexDigit || $0 == "_" }) else {
            throw fail("invalid number \"\(Sanitizer.sanitize(word))\"")
        }
        guard let magnitude = Int(String(digits.filter { $0 != "_" }), radix: radix) else {
            throw fail("invalid or too large number \"\(Sanitizer.sanitize(word))\"")
        }
        return negative ? -magnitude : magnitude
    }

    private mutating func array(depth: Int) throws(TerminalError) -> TOMLValue {
        advance()
        var items: [TOMLValue] = []
        while true {
            skipWhitespaceAndComments()
            guard let c = peek else { throw fail("unterminated array (missing ']')") }
            if c == "]" {
                advance()
                return .array(items)
            }
            items.append(try value(depth: depth + 1))
            skipWhitespaceAndComments()
            if peek == nil { throw fail("unterminated array (missing ']')") }
            if peek == "," {
                advance()
            } else if peek != "]" {
                throw fail("expected ',' or ']' in array")
            }
        }
    }

    private mutating func inlineTable(depth: Int) throws(TerminalError) -> TOMLValue {
        advance()
        var table = TOMLTable()
        table.line = line
        skipBlank()
        if peek == "}" {
            advance()
            return .table(table)
        }
        while true {
            skipBlank()
            let keyLine = line
            let path = try keyPath()
            skipBlank()
            guard peek == "=" else { throw fail("expected '=' after key \"\(path.joined(separator: "."))\"") }
            advance()
            skipBlank()
            let v = try value(depth: depth + 1)
            do {
                try TOMLParser.insert(v, at: path[...], line: keyLine, into: &table)
            } catch {
                throw TerminalError.badTheme(file: file, line: keyLine, error.message)
            }
            skipBlank()
            guard let c = peek else { throw fail("unterminated inline table (missing '}')") }
            if c == "\n" { throw fail("inline tables must end on the line they start (missing '}')") }
            advance()
            if c == "}" { return .table(table) }
            if c != "," { throw fail("expected ',' or '}' in inline table") }
        }
    }

    private mutating func endOfLine() throws(TerminalError) {
        skipBlank()
        guard let c = peek else { return }
        if c == "#" {
            skipComment()
            return
        }
        guard c == "\n" else { throw fail("unexpected text after the value: '\(Sanitizer.sanitize(String(c)))'") }
        advance()
    }

    // MARK: Building the tree

    private struct InsertProblem: Error {
        var message: String
    }

    private mutating func defineTable(_ path: [String], line defined: Int) throws(TerminalError) {
        let name = path.joined(separator: ".")
        if let first = explicitTables[path] {
            throw TerminalError.badTheme(file: file, line: defined, "table [\(name)] is defined twice (first on line \(first))")
        }
        for n in 1...path.count where closedTables.contains(Array(path.prefix(n))) {
            throw TerminalError.badTheme(file: file, line: defined, "table [\(name)] extends a table that was already written inline")
        }
        explicitTables[path] = defined
        do {
            try TOMLParser.ensureTable(at: path[...], line: defined, in: &root)
        } catch {
            throw TerminalError.badTheme(file: file, line: defined, error.message)
        }
    }

    private mutating func setValue(_ value: TOMLValue, at path: [String], line at: Int) throws(TerminalError) {
        for n in 1..<path.count where closedTables.contains(Array(path.prefix(n))) {
            throw TerminalError.badTheme(file: file, line: at, "key \"\(path.joined(separator: "."))\" extends a table that was already written inline")
        }
        do {
            try TOMLParser.insert(value, at: path[...], line: at, into: &root)
        } catch {
            throw TerminalError.badTheme(file: file, line: at, error.message)
        }
        if case .table = value { closedTables.insert(path) }
    }

    private static func ensureTable(at path: ArraySlice<String>, line: Int, in table: inout TOMLTable) throws(InsertProblem) {
        guard let first = path.first else { return }
        if let index = table.index(of: first) {
            guard case .table(var child) = table.entries[index].value else {
                throw InsertProblem(message: "\"\(first)\" is already a value (line \(table.entries[index].line)), not a table")
            }
            try ensureTable(at: path.dropFirst(), line: line, in: &child)
            table.entries[index].value = .table(child)
        } else {
            var child = TOMLTable()
            child.line = line
            try ensureTable(at: path.dropFirst(), line: line, in: &child)
            table.entries.append(.init(key: first, value: .table(child), line: line))
        }
    }

    private static func insert(_ value: TOMLValue, at path: ArraySlice<String>, line: Int, into table: inout TOMLTable) throws(InsertProblem) {
        guard let first = path.first else { return }
        if path.count == 1 {
            if let existing = table[first] {
                throw InsertProblem(message: "duplicate key \"\(first)\" (first set on line \(existing.line))")
            }
            table.entries.append(.init(key: first, value: value, line: line))
            return
        }
        if let index = table.index(of: first) {
            guard case .table(var child) = table.entries[index].value else {
                throw InsertProblem(message: "\"\(first)\" is already a value (line \(table.entries[index].line)), not a table")
            }
            try insert(value, at: path.dropFirst(), line: line, into: &child)
            table.entries[index].value = .table(child)
        } else {
            var child = TOMLTable()
            child.line = line
            try insert(value, at: path.dropFirst(), line: line, into: &child)
            table.entries.append(.init(key: first, value: .table(child), line: line))
        }
    }

    // MARK: Scanning

    private var peek: Unicode.Scalar? { i < s.count ? s[i] : nil }

    private func peek(_ offset: Int) -> Unicode.Scalar? {
        i + offset < s.count ? s[i + offset] : nil
    }

    private mutating func advance() {
        if i < s.count {
            if s[i] == "\n" { line += 1 }
            i += 1
        }
    }

    /// Skips spaces, tabs and a carriage return before a newline.
    private mutating func skipBlank() {
        while let c = peek, c == " " || c == "\t" || (c == "\r" && peek(1) == "\n") { advance() }
    }

    private mutating func skipComment() {
        while let c = peek, c != "\n" { advance() }
    }

    private mutating func skipWhitespaceAndComments() {
        while let c = peek {
            if c == " " || c == "\t" || c == "\r" || c == "\n" {
                advance()
            } else if c == "#" {
                skipComment()
            } else {
                return
            }
        }
    }

    private mutating func bareWord(allowing extra: Set<Unicode.Scalar> = []) -> String {
        var out = ""
        while let c = peek, TOMLParser.isBare(c) || extra.contains(c) {
            out.unicodeScalars.append(c)
            advance()
        }
        return out
    }

    private static func isBare(_ c: Unicode.Scalar) -> Bool {
        switch c {
        case "A"..."Z", "a"..."z", "0"..."9", "_", "-": return true
        default: return false
        }
    }

    private static func hexValue(_ c: Unicode.Scalar) -> UInt32? {
        switch c {
        case "0"..."9": return c.value - 48
        case "a"..."f": return c.value - 87
        case "A"..."F": return c.value - 55
        default: return nil
        }
    }

    private func fail(_ message: String) -> TerminalError {
        TerminalError.badTheme(file: file, line: line, message)
    }
}
