import Foundation
import Testing
import KilnCore
@testable import KilnStore

/// Small commits (a server, `ingest --follow`) get merged into larger chunks without losing
/// or repeating an event for any reader, whenever it loaded.
@Suite struct CompactionTests {
    func chunkCount(_ path: String) throws -> Int {
        let db = try Database(path: path, create: false)
        return Int(try db.prepare("SELECT count(*) FROM chunks").scalarInt() ?? -1)
    }

    func sameEvents(_ table: EventTable, _ events: [Event]) -> Bool {
        guard table.count == events.count else { return false }
        for (row, event) in events.enumerated() {
            let back = table.event(at: row)
            guard back.timestamp == event.timestamp, back.sampleRate == event.sampleRate, Set(back.fields) == Set(event.fields) else { return false }
        }
        return true
    }

    @Test func smallCommitsAreMergedAndReadBackWhole() throws {
        let store = TempStore()
        let events = variedEvents(3_000)
        let writer = try StoreWriter(path: store.path, dataset: "live", now: 0)
        for start in stride(from: 0, to: events.count, by: 30) {
            writer.append(events[start..<min(events.count, start + 30)])
            try writer.commit()
        }
        #expect(writer.lastCompactionError == nil)
        // 100 commits of 30 events end up in a handful of chunks.
        #expect(try chunkCount(store.path) < 20)
        let loaded = try StoreReader(path: store.path).load(dataset: "live")
        #expect(sameEvents(loaded.table, events))
        #expect(try StoreReader(path: store.path).datasets().first?.events == 3_000)
    }

    @Test func aReaderThatLoadedBeforeTheMergeNeitherLosesNorRepeats() throws {
        let store = TempStore()
        let events = variedEvents(2_000, seed: 9)
        let writer = try StoreWriter(path: store.path, dataset: "live", now: 0)
        let reader = try StoreReader(path: store.path)
        var loaded: LoadedDataset?
        var start = 0
        // Readers refresh at every point of the merge cycle: before, inside and after runs.
        for step in 0..<100 {
            writer.append(events[start..<(start + 20)])
            try writer.commit()
            start += 20
            if loaded == nil { loaded = try reader.load(dataset: "live") } else if step % 7 == 3 { _ = try reader.refresh(&loaded!) }
        }
        _ = try reader.refresh(&loaded!)
        #expect(sameEvents(loaded!.table, events))
        // A reader opened now sees the same.
        #expect(sameEvents(try StoreReader(path: store.path).load(dataset: "live").table, events))
    }

    @Test func bigChunksAreLeftAlone() throws {
        let store = TempStore()
        let writer = try StoreWriter(path: store.path, dataset: "bulk", now: 0)
        for seed in 1...3 {
            writer.append(variedEvents(20_000, seed: UInt64(seed)))
            try writer.commit()
        }
        #expect(try writer.compact() == 0)
        #expect(try chunkCount(store.path) == 3)
    }
}
