import Testing
@testable import KilnCore

@Suite struct RowSetTests {
    /// `subtracting` against a plain reference, for "all rows" and for id lists.
    @Test(arguments: [[], [0], [9], [0, 9], [3, 4, 5], [1, 3, 5, 7, 9], Array(0..<10)])
    func subtractingMatchesAReference(removed: [Int]) {
        let all = RowSet.all(10)
        let other = RowSet(rows: removed, universe: 10)
        let expected = (0..<10).filter { !removed.contains($0) }.map(UInt32.init)
        #expect(all.subtracting(other).rows == expected)
        let some = RowSet(rows: [0, 2, 3, 5, 9], universe: 10)
        #expect(some.subtracting(other).rows == [0, 2, 3, 5, 9].filter { !removed.contains($0) }.map(UInt32.init))
    }

    /// Counting per code, by id list, by consecutive rows and weighted, against a plain loop.
    @Test func countingMatchesAReference() {
        var builder = EventTableBuilder()
        var events: [Event] = []
        for i in 0..<200_000 {
            let rate: Int64 = i % 7 == 0 ? 3 : 1
            let fields = [Field("a", .int(Int64(i % 5))), Field("b", .string("v\(i % 300)")), Field("c", .int(Int64(i % 70_000)))]
            events.append(Event(timestamp: Int64(i), sampleRate: rate, fields: fields))
        }
        builder.append(events)
        let table = builder.table
        let sets = [RowSet(rows: (0..<200_000).filter { $0 % 3 != 0 }, universe: table.count),
                    RowSet(rows: 1_000..<150_000, universe: table.count), RowSet.all(table.count)]
        let jobs = ["a", "b", "c"].compactMap { name in
            table.column(name).map { CodeCounter.Job(codes: $0.codes, dictionaryCount: $0.valueCount, map: nil, buckets: $0.valueCount + 1) }
        }
        for rows in sets {
            for rates in [[], table.sampleRates] {
                for job in jobs {
                    let counted = CodeCounter.count(job, rows: rows, rates: rates)
                    var reference = [UInt32](repeating: 0, count: job.buckets)
                    var weighted = [Int64](repeating: 0, count: job.buckets)
                    for r in rows.rows {
                        let c = Int(job.codes[Int(r)])
                        reference[c] += 1
                        weighted[c] += rates.isEmpty ? 1 : Int64(rates[Int(r)])
                    }
                    #expect(counted.raw == reference)
                    #expect((counted.weighted ?? reference.map(Int64.init)) == weighted)
                }
            }
        }
    }
}
