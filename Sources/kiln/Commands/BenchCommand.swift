import ArgumentParser
import Foundation
import KilnCore
import KilnGenerate
import KilnStore

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure Kiln: store open, heatmap, BubbleUp, GROUP BY and memory at N events.",
        discussion: """
        For each --events N: generates N web-shop events (~21 fields each) into a fresh store, \
        then, in a new process, measures opening the store until ready, a heatmap of \
        duration_ms, BubbleUp of a narrow (0.5%) and a wide (50%) selection, a GROUP BY \
        service.name with P99(duration_ms), and resident memory. Times are the best of 5 runs. \
        Lines read `bench N=<events> <name> <value> <unit>`; bench/run.sh adds the DuckDB peer.

        Examples:
          kiln bench --events 1000000
          kiln bench --events 1000000 --events 10000000 --dir /tmp/kiln-bench
        """
    )

    @Option(help: "Event counts to measure.") var events: [Int] = [1_000_000]
    @Option(help: ArgumentHelp("Folder for the generated stores (kept; default: a temporary folder, removed).", valueName: "path"))
    var dir: String?
    @Option(help: .hidden) var measure: String?

    func run() throws {
        if let measure {
            try Self.measureStore(path: measure)
            return
        }
        let folder = dir ?? NSTemporaryDirectory() + "kiln-bench-\(getpid())"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { if dir == nil { try? FileManager.default.removeItem(atPath: folder) } }
        for n in events {
            let path = folder + "/bench-\(n).db"
            if !FileManager.default.fileExists(atPath: path) {
                let started = Clock.monotonic()
                try Self.write(events: n, to: path)
                let seconds = Clock.monotonic() - started
                print("bench N=\(n) generate_and_store \(Text.fixed(seconds, 2)) s (\(Text.grouped(Int64(Double(n) / seconds))) events/s)")
            }
            let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
            print("bench N=\(n) store_size \(Text.fixed(Double(size) / 1_048_576, 1)) MiB")
            // Measure in a fresh process so memory is the loaded table's, not the writer's.
            let child = Process()
            child.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
            child.arguments = ["bench", "--measure", path]
            try child.run()
            child.waitUntilExit()
            guard child.terminationStatus == 0 else { throw ExitCode(child.terminationStatus) }
        }
    }

    static func write(events n: Int, to path: String) throws {
        let generator = try EventGenerator(GeneratorOptions(scenario: "bad-deploy", events: n, seed: 1, end: Clock.nowNanos()))
        let writer = try StoreWriter(path: path, dataset: "bench", now: Clock.nowNanos())
        var batch = RawBatch()
        for event in generator {
            batch.append(event)
            if batch.count == EventStore.chunkRows {
                writer.append(batch)
                try writer.commit()
                batch = RawBatch()
            }
        }
        writer.append(batch)
        try writer.commit()
    }

    static func measureStore(path: String) throws {
        let rssBefore = residentBytes()
        let t0 = Clock.monotonic()
        let reader = try StoreReader(path: path)
        let table = try reader.load(dataset: "bench").table
        let open = Clock.monotonic() - t0
        let n = table.count
        func report(_ name: String, _ seconds: Double) {
            print("bench N=\(n) \(name) \(Text.fixed(seconds * 1000, 2)) ms")
        }
        report("open_until_ready", open)
        let rss = residentBytes()
        let footprint = table.memoryFootprint
        let perEvent = { (bytes: Int) in Text.fixed(Double(bytes) / Double(max(n, 1)), 1) }
        print("bench N=\(n) table_bytes_per_event codes \(perEvent(footprint.codes)), dictionaries \(perEvent(footprint.dictionaries)), times \(perEvent(footprint.times)) (\(table.columns.count) fields)")
        print("bench N=\(n) resident_memory \(Text.fixed(Double(rss) / 1_048_576, 1)) MiB (\(Text.fixed(Double(rss - rssBefore) / Double(max(n, 1)), 1)) bytes/event for the table)")

        func best(_ body: () -> Void) -> Double {
            var times: [Double] = []
            for _ in 0..<5 {
                let s = Clock.monotonic()
                body()
                times.append(Clock.monotonic() - s)
            }
            return times.min() ?? 0
        }
        // The thresholds for a 0.5% and a 50% selection (the sorted copy is freed right away, so
        // that it does not count in the memory measured after the analysis).
        let (narrow, wide) = { () -> (Double, Double) in
            let durations = (table.column("duration_ms")?.numbers() ?? []).filter { !$0.isNaN }.sorted()
            func quantile(_ q: Double) -> Double { durations.isEmpty ? 0 : durations[min(durations.count - 1, Int(Double(durations.count) * q))] }
            return (quantile(0.995), quantile(0.5))
        }()

        var heatmap: Heatmap?
        report("heatmap", best { heatmap = Heatmap.compute(table, scope: Scope(), field: "duration_ms") })
        _ = heatmap
        let prepareStart = Clock.monotonic()
        let prepared = BubbleUp.prepare(table)
        report("bubbleup_prepare_scope", Clock.monotonic() - prepareStart)
        for (label, threshold) in [("narrow", narrow), ("wide", wide)] {
            let selection = [Filter("duration_ms", .greaterOrEqual, .float(threshold))]
            var result: BubbleUpResult?
            let t = best { result = prepared.run(selection: selection) }
            let share = Double(result?.selectionRows ?? 0) / Double(max(n, 1)) * 100
            print("bench N=\(n) bubbleup_\(label) \(Text.fixed(t * 1000, 2)) ms (selection duration_ms >= \(Text.fixed(threshold, 1)): \(Text.fixed(share, 2))% of events, \(result?.dimensions.count ?? 0) fields)")
        }
        let oneShot = best { _ = BubbleUp.run(table, selection: [Filter("duration_ms", .greaterOrEqual, .float(narrow))]) }
        report("bubbleup_narrow_unprepared", oneShot)
        let query = Query(calculations: [.count, try Calculation.parse("P99(duration_ms)")], groupBy: ["service.name"])
        report("group_by_p99", best { _ = try? query.run(table) })
        let rssAfter = residentBytes()
        print("bench N=\(n) resident_memory_after_analysis \(Text.fixed(Double(rssAfter) / 1_048_576, 1)) MiB (\(Text.fixed(Double(rssAfter - rssBefore) / Double(max(n, 1)), 1)) bytes/event, with BubbleUp's prepared scope and the values it looked up)")
    }

    /// The process's resident set size, from /proc/self/status.
    static func residentBytes() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            let kb = line.split(separator: " ").compactMap { Int($0) }.first ?? 0
            return kb * 1024
        }
        return 0
    }
}
