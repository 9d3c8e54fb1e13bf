import Foundation
import Testing
import KilnCore
@testable import KilnStore

/// A dataset of many rare fields loads from a real store with those fields held sparsely
/// (what it costs follows the values present), and every answer is the one the same events
/// give in a table built densely in memory.
@Suite struct SparseLoadTests {
    /// `commits` commits of 500 events, each event with a duration, a host and 2 of `names`
    /// attributes; slow events mostly have `attr_3 = hot`.
    static func batches(commits: Int, names: Int) -> [[Event]] {
        var rng = SplitMix(11)
        var n = 0
        return (0..<commits).map { _ in
            (0..<500).map { _ in
                n += 1
                let slow = n % 20 == 0
                var fields = [Field("duration_ms", .float(slow ? 3_000 : Double(rng.next() % 900))), Field("host", .string("h\(rng.next() % 4)"))]
                let a = Int(rng.next() % UInt64(names)), b = (a + 1 + Int(rng.next() % UInt64(names - 1))) % names
                fields.append(Field("attr_\(a)", .string(["a", "b", "c"][Int(rng.next() % 3)])))
                fields.append(Field("attr_\(b)", .int(Int64(rng.next() % 50))))
                if slow && n % 3 != 0 && a != 3 && b != 3 { fields.append(Field("attr_3", .string("hot"))) }
                return Event(timestamp: WindowTests.base + Int64(n) * 1_000_000_000, fields: fields)
            }
        }
    }

    @Test func rareFieldsLoadSparselyAndAnswerAsDense() throws {
        let store = TempStore()
        let batches = Self.batches(commits: 8, names: 600)
        let writer = try StoreWriter(path: store.path, dataset: "d", now: 0)
        for batch in batches.prefix(6) {
            writer.append(batch)
            try writer.commit()
        }
        let reader = try StoreReader(path: store.path)
        var loaded = try reader.load(dataset: "d")
        var builder = EventTableBuilder()
        for batch in batches.prefix(6) { builder.append(batch) }
        try Self.expectSame(loaded.table, builder.table)

        // More commits, read by a refresh: new fields start sparse, old ones grow.
        for batch in batches.suffix(2) {
            writer.append(batch)
            try writer.commit()
            builder.append(batch)
        }
        #expect(try reader.refresh(&loaded) == 1_000)
        try Self.expectSame(loaded.table, builder.table)

        let backend = try EmbeddedBackend(path: store.path)
        // Read batch by batch (a budget of one byte): each batch's rare fields sparse too.
        let streaming = try EmbeddedBackend(path: store.path, memoryBudget: 1)
        for selection in [[try Filter.parse("duration_ms >= 3000")], [try Filter.parse("attr_3 exists")]] {
            let expected = BubbleUp.run(builder.table, selection: selection).json()
            let stored = try backend.bubbleUp(dataset: "d", scope: Scope(), selection: selection, options: BubbleUpOptions())
            #expect(stored.notes.isEmpty)
            #expect(stored.value.json() == expected, "\(selection)")
            let streamed = try streaming.bubbleUp(dataset: "d", scope: Scope(), selection: selection, options: BubbleUpOptions())
            #expect(streamed.notes == .streamed)
            #expect(streamed.value.json() == expected, "\(selection), streamed")
        }
        #expect(try backend.bubbleUp(dataset: "d", scope: Scope(), selection: [try Filter.parse("duration_ms >= 3000")],
                                     options: BubbleUpOptions()).value.dimensions.first?.field == "attr_3")
    }

    /// Same rows, same fields, same values field by field; the rare fields held sparsely and
    /// their codes far smaller than a code per row per field.
    static func expectSame(_ loaded: EventTable, _ built: EventTable) throws {
        #expect(loaded.count == built.count)
        #expect(loaded.timestamps == built.timestamps)
        #expect(Set(loaded.columns.map(\.name)) == Set(built.columns.map(\.name)))
        for column in loaded.columns {
            let other = try #require(built.column(column.name))
            #expect(column == other, "\(column.name)")
        }
        let sparse = loaded.columns.filter(\.codes.isSparse)
        #expect(sparse.count > 500, "\(sparse.count) of \(loaded.columns.count) columns sparse")
        #expect(!(loaded.column("duration_ms")?.codes.isSparse ?? true))
        #expect(loaded.memoryFootprint.codes < loaded.count * 40, "\(loaded.memoryFootprint.codes) bytes of codes")
    }
}
