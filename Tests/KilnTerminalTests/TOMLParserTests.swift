import Testing
@testable import KilnTerminal

@Suite struct TOMLParserTests {
    private func parse(_ text: String) throws(TerminalError) -> TOMLTable {
        try TOMLParser.parse(text, file: "t.toml")
    }

    private func error(_ text: String) -> String {
        do {
            _ = try parse(text)
            return "no error"
        } catch {
            return error.description
        }
    }

    @Test func valuesTablesAndComments() throws {
        let root = try parse("""
        # comment
        name = "x" # trailing comment
        count = 1_000
        neg = -0x10
        on = true
        list = [1, "two", false,]
        multi = [
          "a", # inside
          "b",
        ]
        lit = 'C:\\path'
        esc = "tab\\tquote\\"u\\u00e9"

        [roles.selection]
        fg = "#ffd75f"
        [roles]
        heat1 = { fg = "blue", bold = true }
        "quoted key" = 1
        a.b.c = 2
        """)
        #expect(root["name"]?.value == .string("x"))
        #expect(root["count"]?.value == .integer(1000))
        #expect(root["neg"]?.value == .integer(-16))
        #expect(root["on"]?.value == .boolean(true))
        #expect(root["list"]?.value == .array([.integer(1), .string("two"), .boolean(false)]))
        #expect(root["multi"]?.value == .array([.string("a"), .string("b")]))
        #expect(root["lit"]?.value == .string("C:\\path"))
        #expect(root["esc"]?.value == .string("tab\tquote\"u\u{e9}"))
        guard case .table(let roles)? = root["roles"]?.value else {
            Issue.record("no roles table")
            return
        }
        #expect(roles.entries.map(\.key) == ["selection", "heat1", "quoted key", "a"])
        #expect(roles["selection"]?.line == 14)
        guard case .table(let heat)? = roles["heat1"]?.value else {
            Issue.record("no inline table")
            return
        }
        #expect(heat["fg"]?.value == .string("blue"))
        #expect(heat["bold"]?.line == 17)
    }

    @Test func crlfAndBOM() throws {
        let root = try parse("\u{FEFF}a = 1\r\nb = \"x\"\r\n")
        #expect(root["a"]?.value == .integer(1))
        #expect(root["b"]?.value == .string("x"))
    }

    @Test(arguments: [
        ("a = 1\na = 2", "theme t.toml:2: duplicate key \"a\" (first set on line 1)"),
        ("[x]\n[x]", "theme t.toml:2: table [x] is defined twice (first on line 1)"),
        ("a = \"open", "theme t.toml:1: unterminated string (missing closing \")"),
        ("\n\na = ", "theme t.toml:3: expected a value after '='"),
        ("a = 1.5", "theme t.toml:1: floats and dates are not supported in theme files (\"1.5\")"),
        ("a = 1979-05-27", "theme t.toml:1: invalid number \"1979-05-27\""),
        ("a = \"\"\"x\"\"\"", "theme t.toml:1: multi-line strings are not supported in theme files"),
        ("[[fruit]]", "theme t.toml:1: arrays of tables ([[...]]) are not supported in theme files"),
        ("a = yes", "theme t.toml:1: expected a value (a \"string\", a number, true or false, an [array] or a {table}), found 'y'"),
        ("a = tru", "theme t.toml:1: expected a value, found \"tru\" (strings need quotes)"),
        ("a = 1 2", "theme t.toml:1: unexpected text after the value: '2'"),
        ("a", "theme t.toml:1: expected '=' after key \"a\""),
        ("= 1", "theme t.toml:1: expected a key, found '='"),
        ("a = [1, 2", "theme t.toml:1: unterminated array (missing ']')"),
        ("a = { b = 1\n}", "theme t.toml:1: inline tables must end on the line they start (missing '}')"),
        ("a = \"\\q\"", "theme t.toml:1: unknown escape '\\q' in string"),
        ("a = \"\\u12\"", "theme t.toml:1: \\u needs 4 hex digits"),
        ("a = \"\\uD800\"", "theme t.toml:1: \\u escape is not a Unicode scalar value"),
        ("a = 99999999999999999999", "theme t.toml:1: invalid or too large number \"99999999999999999999\""),
        ("a = 1\n[a]", "theme t.toml:2: \"a\" is already a value (line 1), not a table"),
        ("t = { x = 1 }\n[t]\ny = 2", "theme t.toml:2: table [t] extends a table that was already written inline"),
        ("a = \"\u{1B}[31m", "theme t.toml:1: unterminated string (missing closing \")"),
        ("\u{1B} = 1", "theme t.toml:1: expected a key, found '\\x1b'"),
    ])
    func errorsNameLineAndProblem(text: String, message: String) {
        #expect(error(text) == message)
    }

    @Test func deepNestingIsRefused() {
        let text = "a = " + String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        #expect(error(text) == "theme t.toml:1: values nested too deeply")
    }

    @Test func arbitraryBytesNeverCrash() {
        // A cheap fuzz: every prefix of a tricky document, and random printable soup.
        let doc = "[roles.x]\nfg = \"#fff\" # c\nm = ['a', \"b\\u0041\", { k = 1 }]\n[t.\"q\"]\nv = -0x1F_0\n"
        for end in doc.indices { _ = try? parse(String(doc[..<end])) }
        var state: UInt64 = 42
        let alphabet = Array("[]{}=\"'#.,\n abc01-_\\ux")
        for _ in 0..<2000 {
            var s = ""
            for _ in 0..<40 {
                state = state &* 6364136223846793005 &+ 1442695040888963407
                s.append(alphabet[Int(state >> 33) % alphabet.count])
            }
            _ = try? parse(s)
        }
    }
}
