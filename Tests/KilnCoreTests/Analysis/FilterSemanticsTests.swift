import Testing
@testable import KilnCore

@Suite struct FilterSemanticsTests {
    static let s: Int64 = 1_000_000_000
    static let t0: Int64 = 1_714_566_896_000_000_000

    /// Six events: mixed types in `status`, text in `name`, a boolean, numbers, one with nothing.
    static let events: [Event] = [
        Event(timestamp: t0, fields: [Field("status", .int(500)), Field("name", .string("alpha")), Field("flag", .bool(true)), Field("d", .float(1.5))]),
        Event(timestamp: t0 + s, fields: [Field("status", .float(500.0)), Field("name", .string("beta gamma")), Field("flag", .bool(false))]),
        Event(timestamp: t0 + 2 * s, fields: [Field("status", .string("500")), Field("name", .string("Alpha"))]),
        Event(timestamp: t0 + 3 * s, fields: [Field("status", .int(404)), Field("d", .int(1000))]),
        Event(timestamp: t0 + 4 * s, fields: []),
        Event(timestamp: t0 + 5 * s, fields: [Field("status", .bool(true)), Field("name", .string("500"))]),
    ]
    static let table = TestEvents.table(events)

    func rows(_ texts: String...) throws -> [Int] {
        let filters = try texts.map { try Filter.parse($0) }
        return Scope(filters: filters).rows(in: Self.table).rows.map(Int.init)
    }

    @Test(arguments: [
        ("status = 500", [0, 1, 2]),                 // int, float and the string "500"
        ("status != 500", [3, 4, 5]),                // absent and boolean match !=
        ("status = \"500\"", [0, 2]),                // text compares with the value's text ("500.0" differs)
        ("status = 500.0", [0, 1]),                  // the operand's text is "500.0": the string "500" is not it
        ("status > 450", [0, 1]),                    // ordering only among numbers
        ("status < 450", [3]),
        ("status >= 404", [0, 1, 3]),
        ("status <= 404", [3]),
        ("status exists", [0, 1, 2, 3, 5]),
        ("status !exists", [4]),
        ("status in 404,500", [0, 1, 2, 3]),
        ("status in true,404", [3, 5]),
        ("flag = true", [0]),
        ("flag != true", [1, 2, 3, 4, 5]),
        ("flag = false", [1]),
        ("status = true", [5]),
        ("flag = \"true\"", [0]),                    // text "true" matches the boolean's text
        ("name contains lph", [0, 2]),
        ("name contains alp", [0]),                  // case-sensitive
        ("name contains Alph", [2]),
        ("name !contains lph", [1, 3, 4, 5]),        // absent matches !contains
        ("name starts-with beta", [1]),
        ("name > b", [1]),                           // bytes: "Alpha", "alpha", "500" sort below "b"
        ("name < alpha", [2, 5]),
        ("name = 500", [5]),                         // number operand against a string value: by text
        ("name = \"beta gamma\"", [1]),
        ("status contains 50", [0, 1, 2]),           // contains looks at the text of any value
        ("d >= 1.5", [0, 3]),
        ("d < 2", [0]),
        ("nope = 1", []),
        ("nope != 1", [0, 1, 2, 3, 4, 5]),
        ("nope !exists", [0, 1, 2, 3, 4, 5]),
        ("nope exists", []),
        ("timestamp >= 1714566898", [2, 3, 4, 5]),
        ("timestamp < 2024-05-01T12:34:58Z", [0, 1]),
        ("timestamp = 2024-05-01T12:34:57Z", [1]),
        ("timestamp != 2024-05-01T12:34:57Z", [0, 2, 3, 4, 5]),
        ("timestamp in 1714566896,1714566901", [0, 5]),
        ("timestamp > 1714566900", [5]),
        ("timestamp <= 1714566896", [0]),
        ("timestamp exists", [0, 1, 2, 3, 4, 5]),
    ])
    func oneFilter(text: String, expected: [Int]) throws {
        #expect(try rows(text) == expected)
        // Same as the value-by-value reference.
        #expect(Reference.rows(Self.events, [try Filter.parse(text)]) == expected)
    }

    @Test func filtersCombineWithAnd() throws {
        #expect(try rows("status = 500", "name contains a") == [0, 1, 2])
        #expect(try rows("status = 500", "flag exists") == [0, 1])
        #expect(try rows("status = 500", "flag exists", "timestamp > 1714566896") == [1])
        #expect(try rows("status = 500", "status = 404") == [])
    }

    @Test func scopeTimeWindowIsHalfOpen() {
        let scope = Scope(from: Self.t0 + Self.s, to: Self.t0 + 3 * Self.s)
        #expect(scope.rows(in: Self.table).rows == [1, 2])
        #expect(Scope(from: Self.t0 + 10 * Self.s).rows(in: Self.table).isEmpty)
        #expect(Scope(to: Int64.min).rows(in: Self.table).isEmpty)
        #expect(Scope().rows(in: Self.table).isAll)
    }

    @Test func rowSetsFilterFurther() throws {
        let some = RowSet(rows: [5, 0, 2, 2, 99, -1], universe: Self.table.count)
        #expect(some.rows == [0, 2, 5])
        #expect(some.contains(2) && !some.contains(1) && !some.contains(99))
        #expect(some.filtered(by: [try Filter.parse("status = 500")], in: Self.table).rows == [0, 2])
        #expect(RowSet.all(6).subtracting(some).rows == [1, 3, 4])
    }

    /// Many filters over random data with absent fields and mixed types, checked against
    /// the value-by-value reference.
    @Test func randomFiltersMatchTheReference() throws {
        let events = TestEvents.random(count: 800, seed: 7)
        let table = TestEvents.table(events)
        var texts: [String] = []
        let operands = ["500", "500.0", "\"500\"", "200", "404", "api", "web", "true", "false", "1.5", "3", "0",
                        "\"hello world\"", "\"say \\\"hi\\\"\"", "\"a,b\"", "x", "1.10.0", "1.2.3", "t7", "eu", "\"\"", "-1"]
        for field in ["status", "service", "duration_ms", "flag", "tenant", "region", "note", "version",
                      "dotted.name.with.dots", "\"weird field\"", "missing"] {
            texts.append("\(field) exists")
            texts.append("\(field) !exists")
            for op in ["=", "!=", ">", ">=", "<", "<=", "contains", "!contains", "starts-with"] {
                for operand in operands {
                    if op.first == ">" || op.first == "<", operand == "true" || operand == "false" { continue }
                    texts.append("\(field) \(op) \(operand)")
                }
            }
            texts.append("\(field) in 500,api,true,\"a,b\",1.5")
        }
        let t = events[400].timestamp
        texts += ["timestamp >= \(t)", "timestamp < \(t)", "timestamp = \(t)", "timestamp != \(t)"]
        var checked = 0
        for text in texts {
            var f = try Filter.parse(text)
            if f.isTimestamp { f.values = [.int(t)] } // exact nanoseconds, not the epoch-seconds reading
            let got = Scope(filters: [f]).rows(in: table).rows.map(Int.init)
            let want = Reference.rows(events, [f])
            #expect(got == want, "\(f)")
            checked += 1
        }
        #expect(checked > 900)
    }
}
