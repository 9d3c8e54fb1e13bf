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

    @Test func countingSeveralColumnsAtOnceMatchesOneByOne() {
        var builder = EventTableBuilder()
        var events: [Event] = []
        for i in 0..<200_000 {
            let rate: Int64 = i % 7 == 0 ? 3 : 1
            let fields = [Field("a", .int(Int64(i % 5))), Field("b", .string("v\(i % 300)")), Field("c", .int(Int64(i % 70_000)))]
            events.append(Event(timestamp: Int64(i), sampleRate: rate, fields: fields))
        }
        builder.append(events)
        let table = builder.table
        let rows = RowSet(rows: (0..<200_000).filter { $0 % 3 != 0 }, universe: table.count)
        let jobs = ["a", "b", "c"].compactMap { name in
            table.column(name).map { CodeCounter.Job(codes: $0.codes, dictionaryCount: $0.valueCount, map: nil, buckets: $0.valueCount + 1) }
        }
        for rates in [[], table.sampleRates] {
            let fused = CodeCounter.count(jobs, rows: rows, rates: rates)
            for (k, job) in jobs.enumerated() {
                var reference = [UInt32](repeating: 0, count: job.buckets)
                var weighted = [Int64](repeating: 0, count: job.buckets)
                for r in rows.rows {
                    let c = Int(job.codes[Int(r)])
                    reference[c] += 1
                    weighted[c] += rates.isEmpty ? 1 : Int64(rates[Int(r)])
                }
                #expect(fused[k].raw == reference)
                #expect((fused[k].weighted ?? reference.map(Int64.init)) == weighted)
            }
        }
    }
}
