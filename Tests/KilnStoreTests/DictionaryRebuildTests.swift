import Foundation
import Testing
import KilnCore
@testable import KilnStore

/// Retention deletes chunks and then rebuilds the dictionaries, renumbering codes: every event
/// left reads back the same, readers and writers that held old codes notice and start over.
@Suite struct DictionaryRebuildTests {
    func sameEvents(_ table: EventTable, _ events: [Event]) -> Bool {
        guard table.count == events.count else { return false }
        for (row, event) in events.enumerated() {
            let back = table.event(at: row)
            guard back.timestamp == event.timestamp, back.sampleRate == event.sampleRate, Set(back.fields) == Set(event.fields) else { return false }
        }
        return true
    }

    func dictionaryBytes(_ path: String) throws -> Int64 {
        let db = try Database(path: path, create: false)
        return try db.prepare("SELECT coalesce(sum(length(kinds) + length(payloads) + length(pool)), 0) FROM dict_segments").scalarInt() ?? -1
    }

    /// Events with a unique id each, at times `start...`, in chunks of `chunk`.
    func write(_ events: [Event], to writer: StoreWriter, chunk: Int) throws {
        for start in stride(from: 0, to: events.count, by: chunk) {
            writer.append(events[start..<min(events.count, start + chunk)])
            try writer.commit()
        }
    }

    func idEvents(_ range: Range<Int>) -> [Event] {
        let base: Int64 = 1_700_000_000_000_000_000
        return range.map { i in
            var e = variedEvents(1, seed: UInt64(i + 1))[0]
            e.timestamp = base + Int64(i) * 1_000_000
            e.fields.append(Field("id", .string(String(format: "%016llx%016llx", UInt64(i) &* 0x9E37_79B9_7F4A_7C15, UInt64(i)))))
            return e
        }
    }

    @Test func deletedChunksTakeTheirValuesAlongAndEverythingLeftReadsBack() throws {
        let store = TempStore()
        let events = idEvents(0..<20_000)
        let writer = try StoreWriter(path: store.path, dataset: "ids", now: 0)
        try write(events, to: writer, chunk: 20_000 / 8)
        let reader = try StoreReader(path: store.path)
        var loaded = try reader.load(dataset: "ids")
        #expect(sameEvents(loaded.table, events))
        let before = try dictionaryBytes(store.path)

        let cutoff = events[10_000].timestamp
        let removed = try EventStore.dropChunks(olderThan: cutoff, path: store.path)
        #expect(removed.events == 10_000)
        #expect(removed.dictionaries.fields >= 1)
        #expect(removed.dictionaries.values >= 10_000, "the ids of the deleted events are gone: \(removed.dictionaries)")
        let after = try dictionaryBytes(store.path)
        #expect(after * 10 < before * 7, "dictionaries shrank from \(before) to \(after) bytes")

        // A fresh reader and the old one (after refresh) see exactly the events left.
        let kept = Array(events[10_000...])
        #expect(sameEvents(try StoreReader(path: store.path).load(dataset: "ids").table, kept))
        _ = try reader.refresh(&loaded)
        #expect(loaded.reloads == 1)
        #expect(sameEvents(loaded.table, kept))

        // The writer that held old codes writes new events with the new ones.
        let more = idEvents(20_000..<21_000)
        try write(more, to: writer, chunk: 500)
        _ = try reader.refresh(&loaded)
        #expect(sameEvents(loaded.table, kept + more))
        #expect(sameEvents(try StoreReader(path: store.path).load(dataset: "ids").table, kept + more))
        // Distinct counts follow what is left.
        let id = try #require(try StoreReader(path: store.path).fields(dataset: "ids").first { $0.name == "id" })
        #expect(id.distinct == 11_000)
        #expect(id.present == 11_000)
    }

    @Test func aSizeLimitBelowTheDataKeepsTheNewestEventsWithTheirValues() throws {
        let store = TempStore()
        let events = idEvents(0..<30_000)
        let writer = try StoreWriter(path: store.path, dataset: "ids", now: 0)
        try write(events, to: writer, chunk: 1_000)
        let used = try EventStore.usedBytes(path: store.path)
        let limit = used / 3
        let removed = try EventStore.shrink(toBytes: limit, path: store.path)
        #expect(removed.events > 0)
        #expect(try EventStore.limitedBytes(path: store.path) <= limit, "the data and log fit under the limit")
        let table = try StoreReader(path: store.path).load(dataset: "ids").table
        #expect(table.count > 0 && table.count < 30_000)
        #expect(sameEvents(table, Array(events.suffix(table.count))), "the newest events are the ones kept, whole")
    }
}
