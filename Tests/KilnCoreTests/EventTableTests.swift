import Testing
@testable import KilnCore

@Suite struct EventTableTests {
    @Test func builderKeepsEveryFieldWithItsType() {
        let events = [
            Event(timestamp: 1, fields: [Field("a", .string("x")), Field("n", .int(5))]),
            Event(timestamp: 2, sampleRate: 10, fields: [Field("n", .float(2.5)), Field("b", .bool(true))]),
            Event(timestamp: 3, fields: []),
        ]
        var builder = EventTableBuilder()
        builder.append(events)
        let table = builder.table
        #expect(table.count == 3)
        #expect(table.isSampled)
        for (row, event) in events.enumerated() {
            let back = table.event(at: row)
            #expect(back.timestamp == event.timestamp)
            #expect(back.sampleRate == event.sampleRate)
            #expect(Set(back.fields) == Set(event.fields))
        }
    }

    @Test func codesWidenPastOneByte() {
        var builder = EventTableBuilder()
        builder.append((0..<300).map { Event(timestamp: Int64($0), fields: [Field("id", .int(Int64($0)))]) })
        builder.append((300..<70_000).map { Event(timestamp: Int64($0), fields: [Field("id", .int(Int64($0)))]) })
        let column = builder.table.column("id")!
        #expect(column.codes.width == 4)
        #expect(column.value(at: 69_999) == .int(69_999))
        #expect(column.value(at: 299) == .int(299))
    }
}

@Suite struct TimestampTests {
    @Test(arguments: [
        ("1970-01-01T00:00:00Z", Int64(0)),
        ("2024-05-01T12:34:56.5Z", Int64(1_714_566_896_500_000_000)),
        ("2024-05-01T14:34:56.123456789+02:00", Int64(1_714_566_896_123_456_789)),
        ("2024-05-01 12:34:56Z", Int64(1_714_566_896_000_000_000)),
    ])
    func parsesRFC3339(text: String, expected: Int64) {
        #expect(Timestamp.parseRFC3339(text) == expected)
    }

    @Test func rejectsGarbage() {
        #expect(Timestamp.parseRFC3339("2024-13-01T00:00:00Z") == nil)
        #expect(Timestamp.parseRFC3339("yesterday") == nil)
        #expect(Timestamp.parseRFC3339("2024-05-01T12:34:56.Z") == nil)
    }

    @Test func epochMagnitudes() {
        #expect(Timestamp.fromEpoch(Int64(1_714_566_896)) == 1_714_566_896_000_000_000)
        #expect(Timestamp.fromEpoch(Int64(1_714_566_896_123)) == 1_714_566_896_123_000_000)
        #expect(Timestamp.fromEpoch(Int64(1_714_566_896_123_456)) == 1_714_566_896_123_456_000)
        #expect(Timestamp.fromEpoch(Int64(1_714_566_896_123_456_789)) == 1_714_566_896_123_456_789)
        #expect(Timestamp.fromEpoch(1_714_566_896.25) == 1_714_566_896_250_000_000)
    }

    @Test func hostileTimesAreRejectedNotTrapped() {
        #expect(Timestamp.fromEpoch(Int64(10_000_000_000)) == nil)
        #expect(Timestamp.fromEpoch(Int64(9_300_000_000_000)) == nil)
        #expect(Timestamp.fromEpoch(Int64(9_300_000_000_000_000)) == nil)
        #expect(Timestamp.fromEpoch(10_000_000_000.5) == nil)
        #expect(Timestamp.parseRFC3339("2262-04-11T23:47:16.854775808Z") == nil)
        #expect(Timestamp.parseRFC3339("9999-12-31T23:59:59Z") == nil)
        #expect(Timestamp.parse("99999999999999999999") == nil)
    }

    @Test func formatRoundTrips() {
        for ns: Int64 in [0, 1, 1_714_566_896_123_456_789, 951_782_400_000_000_000, -1_000_000_000] {
            #expect(Timestamp.parseRFC3339(Timestamp.format(ns)) == ns)
        }
        #expect(Timestamp.format(1_714_566_896_500_000_000) == "2024-05-01T12:34:56.5Z")
    }

    @Test func durations() {
        #expect(DurationText.parse("2h") == 7_200_000_000_000)
        #expect(DurationText.parse("15m") == 900_000_000_000)
        #expect(DurationText.parse("7d") == 604_800_000_000_000)
        #expect(DurationText.parse("soon") == nil)
        #expect(DurationText.parse("1e30d") == nil)
        #expect(DurationText.parse("inf") == nil)
        #expect(DurationText.format(7_200_000_000_000) == "2h")
    }
}

/// Re-coding a window's column against only the codes it uses keeps their order.
@Suite struct LocalizeTests {
    @Test(arguments: [UInt64(1), 2, 3])
    func recodeRanksTheCodesPresent(seed: UInt64) {
        var state = seed &* 0x9E37_79B9_7F4A_7C15
        func next() -> UInt64 { state = state &* 6364136223846793005 &+ 1442695040888963407; return state >> 33 }
        let limit = Int(next() % 5_000) + 70
        let rows = Int(next() % 3_000) + 1
        // Absent rows, repeats, codes at word edges, and a damaged code past the dictionary.
        var codes = (0..<rows).map { _ in UInt32(next() % 4 == 0 ? 0 : next() % UInt64(limit + 1)) }
        codes[0] = UInt32(limit)
        if rows > 2 { codes[1] = 64; codes[2] = UInt32(limit + 7) }
        check(codes, rows: rows, limit: limit)
        // A window's codes: mostly a narrow band of new ones, a few old ones.
        let big = 1_000_000
        let band = (0..<rows).map { _ in UInt32(next() % 10 == 0 ? next() % UInt64(big) : UInt64(big - 4_000) + next() % 4_000) }
        check(band, rows: rows, limit: big)
        check([0, 0], rows: 2, limit: 10)
    }

    @Test func aRestrictedDictionaryHoldsTheSameValuesInOrder() {
        var d = ValueDictionary()
        let values: [Value] = [.string("a"), .int(-3), .float(2.5), .bool(true), .string(""), .string("ünï\u{1B}[31m"), .int(.max), .string("zz")]
        for v in values { d.append(v) }
        let codes: [UInt32] = [1, 3, 5, 6, 8]
        let r = d.restricted(to: codes)
        #expect(r.count == codes.count)
        #expect((1...r.count).map { r.value($0) } == codes.map { d.value(Int($0)) })
        #expect(r.kindCounts == [0, 4, 0, 1, 0])
        #expect(d.restricted(to: []).count == 0)
    }

    /// Both ways of ranking (an array over the range of codes, a bitset) give the same answer.
    func check(_ codes: [UInt32], rows: Int, limit: Int, sourceLocation: SourceLocation = #_sourceLocation) {
        let want = Array(Set(codes.prefix(rows).filter { $0 != 0 && Int($0) <= limit })).sorted()
        for dense in [0, 8, 1_000] {
            let (unique, recoded) = EventTable.recode(.u32(codes), rows: rows, limit: limit, denseFactor: dense)
            #expect(unique == want, sourceLocation: sourceLocation)
            let bad = codes.prefix(rows).enumerated().filter { r, c in
                recoded[r] != (c == 0 || Int(c) > limit ? 0 : UInt32(want.firstIndex(of: c)! + 1))
            }
            #expect(bad.isEmpty, "dense factor \(dense): rows \(bad.prefix(5))", sourceLocation: sourceLocation)
        }
    }
}

@Suite struct TimestampArgumentTests {
    @Test func aDateIsItsMidnightUTC() {
        #expect(Timestamp.parse("2024-05-01") == Timestamp.parse("2024-05-01T00:00:00Z"))
        #expect(Timestamp.parse("2024-13-01") == nil)
        #expect(Timestamp.parse("1700000000") == 1_700_000_000_000_000_000, "ten digits stay epoch seconds")
        #expect(Timestamp.parse("2024-05-0") == nil)
    }
}
