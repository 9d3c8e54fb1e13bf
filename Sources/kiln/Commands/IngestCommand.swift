import ArgumentParser
import Foundation
import KilnCore
import KilnIngest
import KilnStore

extension InputFormat: ExpressibleByArgument {}

struct IngestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Load events from files or standard input into the store.",
        discussion: """
        Formats: jsonl (flat objects or Honeycomb's {"time","samplerate","data"} envelope), csv and \
        tsv with a header row, logfmt, and combined (Apache/nginx access logs). auto looks at the \
        first lines. Nested JSON objects become dotted field names; the event time comes from \
        time, timestamp, @timestamp, ts or Timestamp (or --timestamp-field) and is the field \
        `timestamp` in queries.

        Each rejected line is reported as FILE:LINE: reason (the first 20 shown, all counted); \
        every good line is still stored.

        Exit status: 0 every line stored; 1 some lines rejected (the rest stored); 2 failed \
        (unreadable input, store error); 64 bad arguments.

        Examples:
          kiln ingest access.log
          kiln ingest --dataset api --format jsonl events.jsonl more.jsonl
          tail -F app.log | kiln ingest --dataset app -
          kiln ingest --follow --dataset web /var/log/nginx/access.log
        """
    )

    @OptionGroup var store: StoreOptions
    @Option(help: "Dataset to add to (default: the first file's name without extension, or `events` for stdin).")
    var dataset: String?
    @Option(help: "Input format: \(InputFormat.allCases.map(\.rawValue).joined(separator: "|")).")
    var format: InputFormat = .auto
    @Option(help: "Field holding the event time (default: the first of time, timestamp, @timestamp, ts, Timestamp).")
    var timestampField: String?
    @Flag(help: "Keep reading data appended to the files (like tail -F, surviving rotation and truncation) until interrupted; commits at least every second.")
    var follow = false
    @Argument(help: "Files to read; none or `-` reads standard input.")
    var files: [String] = []

    func run() throws {
        let inputs = files.isEmpty ? ["-"] : files
        let name = dataset ?? Self.defaultDataset(for: inputs[0])
        let stats = IngestStats()
        let writer: StoreWriter
        do {
            writer = try StoreWriter(path: store.db, dataset: name, now: Clock.nowNanos())
        } catch {
            printError("kiln ingest: \(error)")
            throw ExitCode(2)
        }
        StopSignal.install()
        var failed = false
        let progress = Progress(stats: stats)
        for input in inputs {
            if StopSignal.isSet { break }
            let options = DecodeOptions(timestampField: timestampField, now: Clock.nowNanos())
            let source = IngestSource(path: input, format: format, options: options, writer: writer, stats: stats, progress: progress)
            do {
                try source.run(follow: follow)
            } catch {
                failed = true
                printError("kiln ingest: \(error)")
            }
        }
        progress.finish()
        let seconds = stats.elapsed
        let rate = seconds > 0 ? Double(stats.events) / seconds : 0
        var summary = "ingested \(Text.grouped(stats.stored)) events into \(Sanitize.line(name)) (\(store.db)) in \(Text.fixed(seconds, 2)) s"
        summary += " (\(Text.grouped(Int64(rate))) events/s, \(Text.bytes(Int64(stats.bytes))))"
        if stats.stored < stats.events {
            summary += "; \(Text.grouped(stats.events - stats.stored)) of \(Text.grouped(stats.events)) events read were not stored"
        }
        if writer.droppedValues > 0 {
            summary += "; \(Text.grouped(writer.droppedValues)) field values dropped (past \(Text.grouped(writer.maxFields)) fields in the dataset, or a name longer than \(StoreWriter.maxNameBytes) bytes)"
        }
        summary += "; \(Text.grouped(stats.rejected)) line\(stats.rejected == 1 ? "" : "s") rejected"
        if stats.rejected > IngestStats.shownRejections { summary += " (first \(IngestStats.shownRejections) shown)" }
        printError(summary)
        if failed { throw ExitCode(2) }
        if stats.rejected > 0 { throw ExitCode(1) }
    }

    static func defaultDataset(for path: String) -> String {
        guard path != "-" else { return "events" }
        var base = (path as NSString).lastPathComponent
        for ext in [".gz", ".jsonl", ".json", ".ndjson", ".csv", ".tsv", ".log", ".txt", ".logfmt"] where base.hasSuffix(ext) && base.count > ext.count {
            base.removeLast(ext.count)
        }
        return base.isEmpty ? "events" : base
    }
}

func printError(_ message: String) {
    FileHandle.standardError.write((message + "\n").data(using: .utf8) ?? Data())
}
