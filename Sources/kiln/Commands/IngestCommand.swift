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
        first lines. OTLP JSON files (traces, logs) and Zipkin v2 JSON span lists are recognised \
        and stored as `kiln serve` stores them; other files that are not line-oriented are \
        refused. Nested JSON objects become dotted field names; the event time comes from time, \
        timestamp, @timestamp, ts or Timestamp (or --timestamp-field) and is the field \
        `timestamp` in queries. Events without one get the ingest time (with a warning); a time \
        field holding something else (2024-02-30, +25:00, true) rejects its line.

        CSV and logfmt values are typed per field: a field named like an id (SpanID, trace_id) or \
        whose values are mostly not numbers keeps every value as text. The usual spellings of \
        trace fields (TraceID, traceId, span_id, ParentID, parentSpanId, ...) are stored as \
        trace.trace_id, trace.span_id and trace.parent_id, so traces open in the explorer.

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
    @Option(name: .customLong("rename"), help: ArgumentHelp("Rename a field on the way in, OLD=NEW (repeatable).", valueName: "old=new"))
    var renames: [String] = []
    @Option(name: .customLong("trace-fields"), help: ArgumentHelp("The fields holding the trace id, span id and parent span id (stored as trace.trace_id, trace.span_id, trace.parent_id), and optionally the duration with its unit (stored as duration_UNIT).", valueName: "trace,span,parent[,duration:unit]"))
    var traceFields: String?
    @Flag(help: "Keep reading data appended to the files (like tail -F, surviving rotation and truncation) until interrupted; commits at least every second.")
    var follow = false
    @Option(help: ArgumentHelp("Most distinct fields per dataset; past it, new fields of an event are dropped and counted, the rest of the event is kept.", valueName: "n"))
    var maxFields: Int = StoreWriter.defaultMaxFields
    @Argument(help: "Files to read; none or `-` reads standard input.")
    var files: [String] = []

    func validate() throws {
        _ = try renameMap()
        if maxFields < 1 { throw ValidationError("--max-fields \(maxFields): expected at least 1") }
    }

    /// `--rename` and `--trace-fields` as one map of old to new names.
    func renameMap() throws -> [String: String] {
        var map: [String: String] = [:]
        if let traceFields {
            let names = traceFields.split(separator: ",", omittingEmptySubsequences: false).map { String($0).trimmingCharacters(in: .whitespaces) }
            let usage = "is not TRACE,SPAN,PARENT[,DURATION:UNIT] (e.g. TraceID,SpanID,ParentID,Duration:us; UNIT is ms, us, ns or s)"
            guard names.count == 3 || names.count == 4, names.allSatisfy({ !$0.isEmpty }) else {
                throw ValidationError("--trace-fields: \"\(traceFields)\" \(usage)")
            }
            for (old, new) in zip(names, [FieldName.traceID, FieldName.spanID, FieldName.parentID]) { map[old] = new }
            if names.count == 4 {
                let parts = names[3].split(separator: ":").map(String.init)
                guard parts.count == 2, ["ms", "us", "ns", "s"].contains(parts[1]) else {
                    throw ValidationError("--trace-fields: \"\(names[3])\" \(usage)")
                }
                map[parts[0]] = "duration_" + parts[1]
            }
        }
        for rename in renames {
            let parts = rename.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                throw ValidationError("--rename: \"\(rename)\" is not OLD=NEW (e.g. --rename Duration=duration_us)")
            }
            map[parts[0]] = parts[1]
        }
        return map
    }

    func run() throws {
        let inputs = files.isEmpty ? ["-"] : files
        let name = dataset ?? Self.defaultDataset(for: inputs[0])
        let renames = try renameMap()
        if dataset == nil && inputs.count > 1 {
            printError("kiln ingest: \(inputs.count) inputs go into the dataset \(Sanitize.line(name)), named after the first; --dataset NAME chooses another")
        }
        var shapes: [String: TelemetryFile.Shape] = [:]
        var refused = false
        for input in inputs {
            do {
                let shape = try shape(of: input)
                if case .refused(let why) = shape {
                    printError("kiln ingest: \(Sanitize.line(input)): \(why)")
                    refused = true
                }
                shapes[input] = shape
            } catch {
                printError("kiln ingest: \(error)")
                refused = true
                shapes[input] = .refused("\(error)")
            }
        }
        guard inputs.contains(where: { if case .refused = shapes[$0] { return false } else { return true } }) else { throw ExitCode(2) }
        let stats = IngestStats()
        var writer: any EventSink
        do {
            writer = try openSink(db: store.db, dataset: name, now: Clock.nowNanos())
            writer.maxFields = maxFields
        } catch {
            printError("kiln ingest: \(error)")
            throw ExitCode(2)
        }
        StopSignal.install()
        var failed = refused
        let progress = Progress(stats: stats)
        func makeSource(_ input: String) -> IngestSource {
            var options = DecodeOptions(timestampField: timestampField, now: Clock.nowNanos())
            options.renames = renames
            return IngestSource(path: input, format: format, options: options, writer: writer, stats: stats, progress: progress)
        }
        func isLines(_ input: String) -> Bool { if case .lines? = shapes[input] { return true } else { return false } }
        // Files of lines after this one are decoded while it is written (not when following,
        // which reads its inputs to the end one by one, nor from stdin).
        let readahead = Readahead(
            inputs: inputs,
            eligible: { k in !follow && inputs[k] != "-" && isLines(inputs[k]) },
            source: { k in makeSource(inputs[k]) })
        for (k, input) in inputs.enumerated() {
            if StopSignal.isSet { break }
            let source = makeSource(input)
            do {
                switch shapes[input] ?? .lines {
                case .lines:
                    let queue = follow || input == "-" ? try source.start(follow: follow) : try readahead.queue(k)
                    try source.consume(queue) { readahead.pump(after: k, current: queue) }
                case .document(let kind):
                    try IngestDocument.ingest(input, kind: kind, dataset: name, writer: writer, stats: stats)
                case .refused:
                    continue
                }
            } catch {
                failed = true
                printError("kiln ingest: \(error)")
            }
        }
        progress.finish()
        let seconds = stats.elapsed
        let rate = seconds > 0 ? Double(stats.events) / seconds : 0
        var summary = "ingested \(Text.grouped(stats.stored)) events into \(Sanitize.line(name)) (\(store.dbForDisplay)) in \(Text.fixed(seconds, 2)) s"
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

    /// How to read `input`: files in the `auto` format are looked at first (OTLP and Zipkin
    /// documents, refusals); standard input and named formats are read as lines.
    private func shape(of input: String) throws -> TelemetryFile.Shape {
        guard input != "-" else { return .lines }
        // A path that cannot be read is refused before the store is touched: no empty dataset
        // named after it, no "ingested 0 events" (a pipe or device is not opened here).
        guard access(input, R_OK) == 0 else { return .refused("cannot open: \(String(cString: strerror(errno)))") }
        guard format == .auto else { return .lines }
        var st = stat()
        guard stat(input, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return .lines }
        let head = try IngestDocument.head(input)
        return head.withUnsafeBytes { TelemetryFile.shape(of: $0) }
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
