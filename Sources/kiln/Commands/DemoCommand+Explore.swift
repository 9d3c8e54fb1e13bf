import ArgumentParser
import Foundation
import KilnCore
import KilnExplorer
import KilnGenerate
import KilnStore

extension DemoCommand {
    /// Whether this build has the explorer.
    static let canExplore = true

    /// Opens the explorer on the demo store while a background writer keeps normal traffic
    /// arriving (about 40 events a second), so the heatmap is live.
    ///
    /// `span` is the time range to open on (ns): the one the sample fills.
    static func explore(db: String, selection: [String], span: Int64) throws {
        let feeder = LiveFeeder(db: db)
        let thread = Thread { feeder.run() }
        thread.start()
        let status = Explorer.run(configuration: ExplorerConfiguration(storePath: db, dataset: "shop", range: .last(span)))
        feeder.stop()
        if status != 0 { throw ExitCode(status) }
    }
}

/// Appends freshly generated normal traffic to the demo store every second.
final class LiveFeeder: @unchecked Sendable {
    private let db: String
    private let lock = NSLock()
    private var stopped = false

    init(db: String) { self.db = db }

    func stop() {
        lock.lock()
        stopped = true
        lock.unlock()
    }

    private var isStopped: Bool {
        lock.lock()
        defer { lock.unlock() }
        return stopped
    }

    func run() {
        guard let writer = try? StoreWriter(path: db, dataset: "shop", now: Clock.nowNanos()) else { return }
        var seed: UInt64 = 1_000
        while !isStopped {
            usleep(1_000_000)
            seed += 1
            let options = GeneratorOptions(scenario: "none", events: 40, seed: seed, end: Clock.nowNanos(), window: 1_000_000_000)
            guard let generator = try? EventGenerator(options) else { return }
            writer.append(Array(generator))
            _ = try? writer.commit()
        }
    }
}
