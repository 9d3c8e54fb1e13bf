import Testing
@testable import KilnCore

@Suite struct FilterParsingTests {
    static let t0: Int64 = 1_714_566_896_000_000_000

    @Test(arguments: [
        ("status = 500", "status", FilterOperator.equal, [Value.int(500)]),
        ("status == 500", "status", .equal, [.int(500)]),
        ("status != 500", "status", .notEqual, [.int(500)]),
        ("duration_ms > 1.5", "duration_ms", .greater, [.float(1.5)]),
        ("duration_ms >= 100", "duration_ms", .greaterOrEqual, [.int(100)]),
        ("duration_ms < 1e3", "duration_ms", .less, [.float(1000)]),
        ("duration_ms <= -2", "duration_ms", .lessOrEqual, [.int(-2)]),
        ("name contains foo", "name", .contains, [.string("foo")]),
        ("name !contains \"a b\"", "name", .notContains, [.string("a b")]),
        ("url starts-with /api/v1", "url", .startsWith, [.string("/api/v1")]),
        ("error exists", "error", .exists, []),
        ("error !exists", "error", .notExists, []),
        ("status in 500,502,\"x y\"", "status", .in, [.int(500), .int(502), .string("x y")]),
        ("status in 500 , 502,  503", "status", .in, [.int(500), .int(502), .int(503)]),
        ("http.request.method = GET", "http.request.method", .equal, [.string("GET")]),
        ("\"weird field\" = 3", "weird field", .equal, [.int(3)]),
        ("\"a\\\"b\" exists", "a\"b", .exists, []),
        ("flag = true", "flag", .equal, [.bool(true)]),
        ("flag = \"true\"", "flag", .equal, [.string("true")]),
        ("status>=500", "status", .greaterOrEqual, [.int(500)]),
        ("a.b.c!=x", "a.b.c", .notEqual, [.string("x")]),
        ("msg = \"say \\\"hi\\\" \\\\ ok\"", "msg", .equal, [.string("say \"hi\" \\ ok")]),
        ("name CONTAINS x", "name", .contains, [.string("x")]),
        ("version = 1.2.3", "version", .equal, [.string("1.2.3")]),
        ("zip = 007", "zip", .equal, [.string("007")]),
        ("x = -0.25", "x", .equal, [.float(-0.25)]),
        ("x = nan", "x", .equal, [.string("nan")]),
        ("  padded   =   yes  ", "padded", .equal, [.string("yes")]),
        ("path = C:\\dir", "path", .equal, [.string("C:\\dir")]),
        ("k8s.pod/name = a=b", "k8s.pod/name", .equal, [.string("a=b")]),
        ("empty = \"\"", "empty", .equal, [.string("")]),
    ])
    func parsesEveryOperator(text: String, field: String, op: FilterOperator, values: [Value]) throws {
        let f = try Filter.parse(text)
        #expect(f.field == field)
        #expect(f.op == op)
        #expect(f.values == values)
        // The canonical text reads back to the same filter.
        #expect(try Filter.parse(f.description) == f)
    }

    @Test func timestampsTakeRFC3339AndEpochValues() throws {
        let a = try Filter.parse("timestamp >= 2024-05-01T12:34:56Z")
        #expect(a == Filter.time(.greaterOrEqual, Self.t0))
        #expect(try Filter.parse("timestamp < 1714566896") == Filter.time(.less, Self.t0))
        #expect(try Filter.parse("timestamp < 1714566896000") == Filter.time(.less, Self.t0))
        #expect(try Filter.parse("timestamp = \"2024-05-01T14:34:56+02:00\"") == Filter.time(.equal, Self.t0))
        #expect(try Filter.parse("timestamp in 1714566896,1714566897").values == [.int(Self.t0), .int(Self.t0 + 1_000_000_000)])
        #expect(a.description == "timestamp >= 2024-05-01T12:34:56Z")
    }

    @Test(arguments: [
        ("status == 500", "status = 500"),
        ("status in 500 , 502,\"x y\"", "status in 500,502,\"x y\""),
        ("timestamp >= 1714566896", "timestamp >= 2024-05-01T12:34:56Z"),
        ("\"weird field\" = 3", "\"weird field\" = 3"),
        ("flag = \"true\"", "flag = \"true\""),
        ("n = \"500\"", "n = \"500\""),
        ("n = 2.50", "n = 2.5"),
        ("name = \"a b\"", "name = \"a b\""),
        ("name = \"a,b\"", "name = \"a,b\""),
        ("name CONTAINS x", "name contains x"),
        ("error   exists", "error exists"),
        ("\"a=b\" = 1", "\"a=b\" = 1"),
    ])
    func canonicalText(text: String, canonical: String) throws {
        #expect(try Filter.parse(text).description == canonical)
    }

    @Test func builtFiltersRoundTrip() throws {
        let filters = [
            Filter("duration_ms", .greaterOrEqual, .float(812.5)),
            Filter("duration_ms", .less, .float(0.1 + 0.2)),
            Filter.equal("db.replica", .string("pg r6")),
            Filter.equal("client.id", nil),
            Filter("x", .in, [.string("true"), .bool(false), .string("12"), .int(12)]),
            Filter("quote\"d", .equal, .string("back\\slash")),
            Filter.time(.less, Self.t0 + 123_456_789),
        ]
        for f in filters { #expect(try Filter.parse(f.description) == f) }
    }

    /// The error shows the expression, a caret under the position, and the reason.
    @Test(arguments: [
        ("status >=", 9, "expected a value after \">=\""),
        ("", 0, "expected a field name"),
        ("status", 6, "expected an operator after status"),
        ("status ~ 5", 7, "unknown operator \"~\""),
        ("name = foo bar", 11, "unexpected text after the value"),
        ("name = \"abc", 7, "unterminated quoted string"),
        ("status in 500,", 14, "expected a value after \",\""),
        ("status in 500 502", 14, "expected \",\" or the end"),
        ("error exists now", 13, "unexpected text after \"exists\""),
        ("timestamp >= yesterday", 13, "expected a time"),
        ("flag > true", 7, "not booleans"),
        ("name = \"a\\nb\"", 9, "unknown escape"),
        ("timestamp contains 5", 19, "does not apply to timestamp"),
        ("\"\" = 5", 0, "empty field name"),
        ("= 5", 0, "expected a field name before the operator"),
        ("name = a\"b", 8, "unexpected '\"' inside a value"),
        ("name contains", 13, "expected a value after \"contains\""),
    ])
    func errorsPointAtTheProblem(text: String, position: Int, reason: String) {
        do {
            _ = try Filter.parse(text)
            Issue.record("expected \(text) to fail")
        } catch {
            #expect(error.code == .badFilter)
            #expect(error.position == position)
            #expect(error.message.contains(reason), "\(error.message)")
            #expect(error.context == text)
            let lines = error.description.split(separator: "\n", omittingEmptySubsequences: false)
            #expect(lines.count == 3)
            #expect(lines.first.map(String.init) == text)
            #expect(lines.count > 1 && lines[1] == Substring(String(repeating: " ", count: position) + "^"))
        }
    }

    @Test func errorDescriptionLooksLikeThis() {
        #expect(throws: AnalysisError.self) { try Filter.parse("duration_ms >=") }
        do { _ = try Filter.parse("duration_ms >=") } catch {
            #expect(error.description == "duration_ms >=\n              ^\nexpected a value after \">=\"")
        }
    }
}
