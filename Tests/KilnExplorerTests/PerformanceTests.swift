import Foundation
import KilnCore
@testable import KilnExplorer
import KilnStore
import KilnTerminal
import Testing

/// Prints the explorer's timings on a million events (no assertions: a benchmark is not a
/// test). Run with `KILN_PERF=1 swift test -c release --filter ExplorerPerformance`.
@Suite struct ExplorerPerformance {
    @Test(.enabled(if: ProcessInfo.processInfo.environment["KILN_PERF"] == "1"))
    func millionEvents() {
        let clock = ContinuousClock()
        let t0 = clock.now
        var builder = EventTableBuilder()
        let chunk = 100_000
        for part in 0..<10 {
            let events = Shop.events(count: chunk / 2, seed: UInt64(part + 1)).map { e -> Event in
                var e = e
                e.timestamp += Int64(part) * 1_000
                return e
            }
            builder.append(events)
        }
        let table = builder.table
        print("built \(table.count) events in \(t0.duration(to: clock.now))")
        for (name, ms) in ExplorerBenchmark.measure(table: table) {
            print("explorer \(name): \(Format.fixed(ms, 1)) ms")
        }
    }
}

/// The same timings on a dataset of a real store: `KILN_PERF_DB=path KILN_PERF_DATASET=name`.
@Suite struct ExplorerStorePerformance {
    @Test(.enabled(if: ProcessInfo.processInfo.environment["KILN_PERF_DB"] != nil))
    func storeDataset() throws {
        let env = ProcessInfo.processInfo.environment
        let clock = ContinuousClock()
        let t0 = clock.now
        let reader = try StoreReader(path: env["KILN_PERF_DB"] ?? "")
        let loaded = try reader.load(dataset: env["KILN_PERF_DATASET"] ?? "shop")
        print("loaded \(loaded.table.count) events, \(loaded.table.columns.count) fields in \(t0.duration(to: clock.now))")
        for (name, ms) in ExplorerBenchmark.measure(table: loaded.table) {
            print("explorer \(name): \(Format.fixed(ms, 1)) ms")
        }
    }
}
