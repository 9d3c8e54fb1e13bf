import Foundation
import Testing
import KilnCore
@testable import KilnStore

/// Readers take a dictionary segment's kind counts from `segment_kinds` instead of reading its
/// kind bytes: the counts recorded must be the bytes' own through writes, rebuilds and drops,
/// and stores without them (earlier versions) must read the same.
@Suite struct SegmentKindsTests {
    /// (recorded, tallied) kind counts of every segment; recorded is nil when missing.
    func kinds(_ path: String) throws -> [(recorded: [Int]?, tallied: [Int])] {
        let db = try Database(path: path, create: false)
        var out: [(recorded: [Int]?, tallied: [Int])] = []
        try db.prepare("""
            SELECT s.kinds, k.strings, k.ints, k.floats, k.bools FROM dict_segments s
            LEFT JOIN segment_kinds k ON k.segment = s.rowid AND k.dataset_id = s.dataset_id AND k.field_id = s.field_id
            """).rows { r in
            let tallied = r.withBlob(0) { StoreReader.tallyKinds($0) } ?? []
            out.append((r.isNull(1) ? nil : [0, Int(r.int(1)), Int(r.int(2)), Int(r.int(3)), Int(r.int(4))], tallied))
        }
        return out
    }

    /// Events whose `mixed` field is a string, an int, a float or a bool, and a unique `id`.
    func events(_ range: Range<Int>) -> [Event] {
        let base: Int64 = 1_700_000_000_000_000_000
        return range.map { i in
            var e = variedEvents(1, seed: UInt64(i + 1))[0]
            e.timestamp = base + Int64(i) * 1_000_000
            let mixed: Value = [.string("s\(i % 7)"), .int(Int64(i % 11)), .float(Double(i % 13) / 4), .bool(i % 2 == 0)][i % 4]
            e.fields.append(Field("mixed", mixed))
            e.fields.append(Field("id", .string("id-\(i)")))
            return e
        }
    }

    func write(_ events: [Event], path: String, chunk: Int) throws {
        let writer = try StoreWriter(path: path, dataset: "kinds", now: 0)
        for start in stride(from: 0, to: events.count, by: chunk) {
            writer.append(events[start..<min(events.count, start + chunk)])
            try writer.commit()
        }
    }

    func fieldKinds(_ path: String) throws -> [String: [ValueKind]] {
        Dictionary(uniqueKeysWithValues: try StoreReader(path: path).fields(dataset: "kinds").map { ($0.name, $0.kinds) })
    }

    @Test func writesAndRebuildsRecordTheKindsTheBytesHold() throws {
        let store = TempStore()
        let all = events(0..<12_000)
        try write(all, path: store.path, chunk: 1_500)
        var segments = try kinds(store.path)
        #expect(!segments.isEmpty)
        #expect(segments.allSatisfy { $0.recorded == $0.tallied }, "\(segments.filter { $0.recorded != $0.tallied })")
        #expect(Set(try fieldKinds(store.path)["mixed"] ?? []) == [.string, .int, .float, .bool])

        // Retention drops the older half and rebuilds the dictionaries: segments are rewritten.
        let dropped = try EventStore.dropChunks(olderThan: all[6_000].timestamp, path: store.path)
        #expect(dropped.dictionaries.fields >= 1)
        segments = try kinds(store.path)
        #expect(segments.allSatisfy { $0.recorded == $0.tallied }, "\(segments.filter { $0.recorded != $0.tallied })")
        let db = try Database(path: store.path, create: false)
        let orphans = try db.prepare("SELECT count(*) FROM segment_kinds k WHERE NOT EXISTS (SELECT 1 FROM dict_segments s WHERE s.rowid = k.segment)").scalarInt()
        #expect(orphans == 0)
        let table = try StoreReader(path: store.path).load(dataset: "kinds").table
        #expect(table.count == 6_000)
        #expect(table.event(at: 0).fields.contains(Field("id", .string("id-6000"))))

        // Dropping the dataset takes its rows along.
        _ = try EventStore.dropDataset("kinds", path: store.path)
        #expect(try db.prepare("SELECT count(*) FROM segment_kinds").scalarInt() == 0)
    }

    @Test func storesWithoutTheTableOrWithWrongCountsReadTheSameAndAWriterFillsItIn() throws {
        let store = TempStore(), old = TempStore()
        let all = events(0..<8_000)
        try write(all, path: store.path, chunk: 1_000)
        try write(all, path: old.path, chunk: 1_000)
        // `old` as an earlier version left it: no table. `store` with one wrong row.
        let db = try Database(path: old.path, create: false)
        try db.execute("DROP TABLE segment_kinds")
        let wrong = try Database(path: store.path, create: false)
        try wrong.execute("UPDATE segment_kinds SET strings = strings + 1 WHERE segment = (SELECT min(segment) FROM segment_kinds)")

        let expected = try StoreReader(path: store.path).load(dataset: "kinds").table
        let fromOld = try StoreReader(path: old.path).load(dataset: "kinds").table
        #expect(fromOld.count == expected.count)
        #expect((0..<fromOld.count).allSatisfy { fromOld.event(at: $0) == expected.event(at: $0) })
        #expect(try fieldKinds(old.path) == fieldKinds(store.path))
        #expect(Set(try fieldKinds(store.path)["mixed"] ?? []) == [.string, .int, .float, .bool])

        // The next writer records every segment's counts.
        try write(events(8_000..<8_100), path: old.path, chunk: 100)
        let segments = try kinds(old.path)
        #expect(segments.allSatisfy { $0.recorded != nil && $0.recorded == $0.tallied })
    }
}
