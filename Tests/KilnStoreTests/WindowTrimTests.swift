import Foundation
import Testing
import KilnCore
@testable import KilnStore

/// A window reaching into part of a chunk holds only the chunk's rows from its first event in
/// the window to its last, and those rows read back whole (raw events, sparse fields).
@Suite struct WindowTrimTests {
    func same(_ a: Event, _ b: Event) -> Bool {
        a.timestamp == b.timestamp && a.sampleRate == b.sampleRate && Set(a.fields) == Set(b.fields)
    }

    @Test func aWindowHoldsOnlyTheRowsOfItsChunksThatReachIntoIt() throws {
        let store = TempStore()
        let base: Int64 = 1_700_000_000_000_000_000, step: Int64 = 1_000_000_000
        // One chunk of 3,000 events a second apart; a rare field on every 97th, and an event
        // out of order (23 minutes early) in the middle.
        var events = variedEvents(3_000, seed: 7)
        for i in events.indices {
            events[i].timestamp = base + Int64(i) * step
            if i % 97 == 0 { events[i].fields.append(Field("rare", .int(Int64(i)))) }
        }
        events[1_500].timestamp = base + 100 * step
        let writer = try StoreWriter(path: store.path, dataset: "d", now: 0)
        writer.append(events[...])
        try writer.commit()

        let reader = try StoreReader(path: store.path)
        for (from, to) in [(1_000, 2_000), (0, 10), (2_990, 3_000), (1_200, 1_800), (5_000, 6_000)] {
            let window = TimeWindow(from: base + Int64(from) * step, to: base + Int64(to) * step)
            let loaded = try reader.load(dataset: "d", window: window)
            let inWindow = events.indices.filter { window.contains(events[$0].timestamp) }
            let expected = inWindow.isEmpty ? [] : Array(inWindow.first!...inWindow.last!)
            #expect(loaded.table.count == expected.count, "window \(from)..<\(to)")
            let back = try reader.events(of: loaded, rows: Array(0..<loaded.table.count))
            #expect(back.count == expected.count && zip(back, expected).allSatisfy { same($0, events[$1]) }, "window \(from)..<\(to)")
            #expect((0..<loaded.table.count).allSatisfy { same(loaded.table.event(at: $0), events[expected[$0]]) }, "window \(from)..<\(to)")
        }
    }
}
