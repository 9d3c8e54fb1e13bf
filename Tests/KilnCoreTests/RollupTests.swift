import Testing
@testable import KilnCore

/// A query over parts folded into a rollup answers as the query over the whole.
@Suite struct RollupTests {
    /// Parts in any order, a scope starting inside a bucket, sample rates: the same series.
    @Test func seriesFoldedFromPartsMatchTheWhole() throws {
        let m: Int64 = 60_000_000_000
        var all = EventTableBuilder()
        let q = Query(scope: Scope(from: 9 * m + 30), calculations: [.count, try Calculation.parse("P50(x)")], granularity: m)
        var r = q.makeRollup()
        // Each part codes x 0...19 in the same order, so the parts share codes as a store's chunks do.
        for part in [2, 0, 1] {
            var b = EventTableBuilder()
            let events = (0..<20).map { k in Event(timestamp: 9 * m + Int64(part * 20 + k) * 7_000_000_000, sampleRate: Int64(k % 3 + 1), fields: [Field("x", .int(Int64(k)))]) }
            b.append(events)
            all.append(events)
            r.add(b.table, rows: q.scope.rows(in: b.table))
        }
        #expect(try q.run(rollup: r).json() == q.run(all.table).json())
    }
}
