import Testing
@testable import KilnCore

/// Columns that few rows have are held sparsely (``SparseCodes``) and answer exactly as the
/// same columns held densely: BubbleUp, queries, heatmaps, filters, localizing, events.
@Suite struct SparseColumnTests {
    static let base: Int64 = 1_714_566_896_000_000_000

    /// `n` events with a duration, a status and a host in every event, a `feature` in a tenth of
    /// them, and 2 of `names` rare attributes each; every twentieth event is slow and most slow
    /// events have `attr_3 = hot`. Sampled: rates 1 to 3.
    static func events(_ n: Int, names: Int, sampled: Bool = false, seed: UInt64 = 7) -> [Event] {
        var rng = SplitMix64(seed: seed)
        return (0..<n).map { i in
            let slow = i % 20 == 0
            var fields = [
                Field("duration_ms", .float(slow ? 2_000 + Double(rng.next() % 3_000) : Double(rng.next() % 4_000) / 10)),
                Field("status", .int(slow && rng.next() % 2 == 0 ? 500 : 200)),
                Field("host", .string("h\(rng.next() % 5)")),
            ]
            if rng.next() % 10 == 0 { fields.append(Field("feature", .string("f\(rng.next() % 3)"))) }
            let a = Int(rng.next() % UInt64(names))
            var b = Int(rng.next() % UInt64(names))
            if b == a { b = (a + 1) % names }
            for name in [a, b] {
                let value: Value = rng.next() % 3 == 0 ? .int(Int64(rng.next() % 100)) : .string(["a", "b", "c"][Int(rng.next() % 3)])
                fields.append(Field("attr_\(name)", value))
            }
            if slow && rng.next() % 4 != 0 && a != 3 && b != 3 { fields.append(Field("attr_3", .string("hot"))) }
            return Event(timestamp: base + Int64(i) * 1_000_000_000, sampleRate: sampled ? Int64(1 + i % 3) : 1, fields: fields)
        }
    }

    /// The table as built (every column dense), and the same table with every column that
    /// ``SparseCodes/fits(present:rows:)`` allows held sparsely.
    static func tables(_ events: [Event]) -> (dense: EventTable, sparse: EventTable) {
        var builder = EventTableBuilder()
        builder.append(events)
        let dense = builder.table
        var sparse = dense
        for i in sparse.columns.indices where SparseCodes.fits(present: sparse.columns[i].presentCount, rows: sparse.count) {
            sparse.columns[i].codes = .sparse(SparseCodes(sparse.columns[i].codes))
        }
        return (dense, sparse)
    }

    static let selections: [[Filter]] = [
        [Filter("duration_ms", .greaterOrEqual, .float(2_000))],
        [Filter("attr_3", .exists)],
        [Filter("attr_3", .equal, .string("hot"))],
        [Filter("attr_3", .notExists)],
        [Filter("status", .equal, .int(500)), Filter("attr_7", .notEqual, .string("a"))],
    ]

    @Test(arguments: [false, true])
    func bubbleUpAnswersAsDense(sampled: Bool) {
        let (dense, sparse) = Self.tables(Self.events(3_000, names: 400, sampled: sampled))
        #expect(sparse.columns.filter(\.codes.isSparse).count > 300, "most attributes are held sparsely")
        #expect(sparse == dense)
        for selection in Self.selections {
            let a = BubbleUp.run(dense, selection: selection), b = BubbleUp.run(sparse, selection: selection)
            #expect(a == b, "\(selection)")
            #expect(a.json() == b.json())
            // Prepared once, run many times (numeric fields keep a bucket per row).
            let scope = Scope(filters: [Filter("host", .notEqual, .string("h4"))])
            let pa = BubbleUp.prepare(dense, scope: scope), pb = BubbleUp.prepare(sparse, scope: scope)
            #expect(pa.run(selection: selection) == pb.run(selection: selection), "\(selection) in a scope")
            // The same over a localized table (a time window's table).
            #expect(BubbleUp.run(dense.localized(minimumValues: 1), selection: selection)
                == BubbleUp.run(sparse.localized(minimumValues: 1), selection: selection))
        }
    }

    @Test func queriesHeatmapsAndEventsAnswerAsDense() throws {
        let (dense, sparse) = Self.tables(Self.events(3_000, names: 400, sampled: true))
        let queries = [
            Query(calculations: [.count]),
            Query(scope: Scope(filters: [Filter("attr_3", .exists)]), calculations: [.count]),
            Query(calculations: [.count, .percentile(.p99, "duration_ms")], groupBy: ["attr_3"]),
            Query(scope: Scope(filters: [Filter("attr_5", .equal, .string("a"))]), calculations: [.count, .avg("attr_9")], groupBy: ["attr_12", "host"]),
            Query(calculations: [.heatmap("duration_ms")], granularity: 60_000_000_000),
        ]
        for query in queries {
            #expect(try query.run(dense) == query.run(sparse), "\(query)")
        }
        for field in ["duration_ms", "attr_9"] {
            let scope = Scope(filters: [Filter("attr_3", .notExists)])
            #expect(Heatmap.compute(dense, scope: scope, field: field) == Heatmap.compute(sparse, scope: scope, field: field))
        }
        for row in stride(from: 0, to: dense.count, by: 7) {
            #expect(dense.event(at: row) == sparse.event(at: row))
        }
        #expect(Query.newestRows(dense, scope: Scope(filters: [Filter("attr_3", .exists)]), limit: 20)
            == Query.newestRows(sparse, scope: Scope(filters: [Filter("attr_3", .exists)]), limit: 20))
        for name in ["attr_3", "attr_9", "feature"] {
            #expect(dense.column(name)?.numbers().map(\.bitPattern) == sparse.column(name)?.numbers().map(\.bitPattern))
            #expect(dense.column(name)?.presentCount == sparse.column(name)?.presentCount)
        }
        #expect(sparse.memoryFootprint.codes * 4 < dense.memoryFootprint.codes, "\(sparse.memoryFootprint) vs \(dense.memoryFootprint)")
    }

    /// Blocks appended to a table: a field new in a later block starts sparse and turns dense
    /// once more than one row in ``SparseCodes/density`` has it; answers never change.
    @Test(arguments: [1, 10, 100, 1_000])
    func appendedBlocksStayEqual(newFieldEvery: Int) {
        var builder = EventTableBuilder()
        var all: [Event] = []
        for block in 0..<4 {
            let events = (0..<500).map { i -> Event in
                let n = block * 500 + i
                var fields = [Field("n", .int(Int64(n % 7)))]
                if block > 0 && n % newFieldEvery == 0 { fields.append(Field("late", .string("v\(n % 3)"))) }
                return Event(timestamp: Self.base + Int64(n), fields: fields)
            }
            all += events
            builder.append(events)
        }
        var whole = EventTableBuilder()
        whole.append(all)
        // Column order follows the builder's dictionaries, so fields are compared by name.
        for column in whole.table.columns { #expect(builder.table.column(column.name) == column, "\(column.name)") }
        let late = builder.table.column("late")
        #expect(late?.codes.isSparse == (newFieldEvery >= 100), "present in 1,500 / \(newFieldEvery) of 2,000 rows")
        for row in [0, 499, 500, 1_000, 1_999] { #expect(Set(builder.table.event(at: row).fields) == Set(whole.table.event(at: row).fields)) }
        let selection = [Filter("late", .exists)]
        #expect(BubbleUp.run(builder.table, selection: selection) == BubbleUp.run(whole.table, selection: selection))
    }

    /// The code array operations on sparse codes match the dense ones row for row.
    @Test func codeArrayOperationsMatchDense() {
        let codes: [UInt32] = [0, 0, 3, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0]
        var dense = CodeArray.from(codes, maxCode: 3)
        var sparse = CodeArray.sparse(SparseCodes(dense))
        #expect(sparse == dense && dense == sparse)
        for row in codes.indices { #expect(sparse[row] == codes[row]) }
        #expect(sparse.densified() == dense)
        dense.appendAbsent(5)
        sparse.appendAbsent(5)
        #expect(sparse == dense)
        dense.append(4)
        sparse.append(4)
        #expect(sparse == dense && sparse.count == 26)
        dense.truncate(to: 10)
        sparse.truncate(to: 10)
        #expect(sparse == dense && sparse.count == 10)
        #expect(sparse != CodeArray.from([0, 0, 3, 0, 0, 0, 1, 0, 0, 1], maxCode: 3))
        // Appending dense codes that most rows have makes it dense.
        sparse.append(contentsOf: .u8([UInt8](repeating: 2, count: 10)))
        dense.append(contentsOf: .u8([UInt8](repeating: 2, count: 10)))
        #expect(!sparse.isSparse && sparse == dense)
        // Written out of row order (a damaged store), sparse codes are put in order.
        var s = SparseCodes(count: 8)
        s.set(5, 2)
        s.set(1, 1)
        s.set(5, 3)
        s.normalize()
        #expect(s.rows == [1, 5] && s.codes == [1, 3])
    }
}
