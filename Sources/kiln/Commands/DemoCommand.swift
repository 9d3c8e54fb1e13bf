import ArgumentParser
import Foundation
import KilnCore
import KilnIngest
import KilnStore

struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Load the bundled sample data into a demo store and explore it.",
        discussion: """
        Loads sample-data/shop.jsonl.gz (120,000 spans of a simulated web shop with a bad deploy \
        in its last half hour) into kiln-demo.db, with event times moved so that the data ends \
        now, then opens the explorer. The store is made anew on every run.

        Example: swift run -c release kiln demo
        """
    )

    @Option(help: ArgumentHelp("Path of the demo store (replaced on every run).", valueName: "path"))
    var db: String = "kiln-demo.db"
    @Option(help: ArgumentHelp("The sample file (default: sample-data/shop.jsonl.gz, found next to the package).", valueName: "path"))
    var sample: String?
    @Flag(help: "Load the data and print the BubbleUp of the incident instead of opening the explorer.")
    var noExplore = false

    func run() throws {
        guard let path = sample ?? Self.findSample() else {
            printError("kiln demo: cannot find sample-data/shop.jsonl.gz (run from the Kiln package folder, or pass --sample PATH)")
            throw ExitCode(2)
        }
        let started = Clock.monotonic()
        let batch = try Self.decode(path)
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: db + suffix) }
        var shifted = batch
        let shift = Clock.nowNanos() - (batch.maxTimestamp ?? Clock.nowNanos())
        shifted.shiftTimestamps(by: shift)
        let writer = try StoreWriter(path: db, dataset: "shop", now: Clock.nowNanos())
        writer.append(shifted)
        try writer.commit()
        printError("kiln demo: loaded \(Text.grouped(batch.count)) events into \(db) (dataset shop) in \(Text.fixed(Clock.monotonic() - started, 2)) s")

        let truthPath = (path as NSString).deletingLastPathComponent + "/shop.truth.json"
        let selection = Self.truthSelection(truthPath, shift: shift) ?? ["duration_ms >= 1000"]
        if noExplore || !DemoCommand.canExplore {
            let table = try StoreReader(path: db).load(dataset: "shop").table
            let result = BubbleUp.run(table, selection: try Filter.parseAll(selection))
            print("BubbleUp of the incident (" + selection.joined(separator: " AND ") + "):\n")
            var shown = result
            shown.dimensions = Array(result.dimensions.prefix(6))
            print(Sanitize.block(shown.table(width: TerminalWidth.columns)), terminator: "")
            return
        }
        // Open on the span the sample fills (rounded up to the minute), not the default 2 hours.
        let minute: Int64 = 60_000_000_000
        let span = (batch.maxTimestamp ?? 0) - (batch.timestamps.min() ?? 0)
        try DemoCommand.explore(db: db, selection: selection, span: max(minute, (span + minute - 1) / minute * minute))
    }

    /// The sample next to the working directory or the executable (…/.build/<config>/kiln).
    static func findSample() -> String? {
        let exe = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        let candidates = [
            ProcessInfo.processInfo.environment["KILN_SAMPLE_DATA"],
            "sample-data/shop.jsonl.gz",
            exe.deletingLastPathComponent().appendingPathComponent("../../sample-data/shop.jsonl.gz").standardized.path,
            exe.deletingLastPathComponent().appendingPathComponent("../../../sample-data/shop.jsonl.gz").standardized.path,
        ].compactMap { $0 }
        return candidates.first { FileManager.default.fileExists(atPath: $0) }
    }

    /// Decodes a whole (possibly gzipped) JSON-lines file into rows.
    static func decode(_ path: String) throws -> RawBatch {
        guard let data = FileManager.default.contents(atPath: path) else {
            printError("kiln demo: cannot read \(path)")
            throw ExitCode(2)
        }
        var decoder = IngestDecoder(format: .jsonl, options: DecodeOptions(now: Clock.nowNanos()))
        var batch = RawBatch()
        var rejections: [Rejection] = []
        try data.withUnsafeBytes { raw in
            if GzipInflater.isGzip(raw) {
                let inflater = try GzipInflater()
                try inflater.inflate(raw) { decoder.decode($0, into: &batch, rejections: &rejections) }
            } else {
                decoder.decode(raw, into: &batch, rejections: &rejections)
            }
        }
        decoder.finish(into: &batch, rejections: &rejections)
        return batch
    }

    /// The ground truth's selection, with its times moved like the data.
    static func truthSelection(_ path: String, shift: Int64) -> [String]? {
        guard let data = FileManager.default.contents(atPath: path),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let selection = object["selection"] as? [String] else { return nil }
        return selection.map { expr in
            guard expr.hasPrefix("timestamp"), let open = expr.firstIndex(of: "\""), let close = expr.lastIndex(of: "\""), open < close,
                  let t = Timestamp.parseRFC3339(String(expr[expr.index(after: open)..<close])) else { return expr }
            return String(expr[..<open]) + "\"" + Timestamp.format(t + shift) + "\""
        }
    }
}
