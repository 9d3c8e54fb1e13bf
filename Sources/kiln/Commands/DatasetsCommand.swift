import ArgumentParser
import KilnCore
import KilnStore

struct DatasetsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "datasets",
        abstract: "List the datasets in the store, or remove one.",
        discussion: """
        Examples:
          kiln datasets --db kiln.db --format json
          kiln datasets rm web
          kiln datasets set-trace-fields nezha --trace TraceID --span SpanID --parent ParentID --duration Duration:us
        """,
        subcommands: [List.self, Remove.self, SetTraceFields.self],
        defaultSubcommand: List.self
    )

    /// `kiln datasets [list]`.
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list",
            abstract: "List the datasets in the store: events, time span and size.",
            discussion: """
            JSON form: {"datasets":[{"name":"web","events":120000,"from":"RFC3339","to":"RFC3339","bytes":5242880,"fields":24,\
            "trace_fields":null}]}; trace_fields is {"trace","span","parent","duration","duration_unit"} when set \
            with `kiln datasets set-trace-fields`.

            Example: kiln datasets --db kiln.db --format json
            """
        )

        @OptionGroup var store: StoreOptions
        @Option(help: "Output format.") var format: ListFormat = .table

        func run() throws {
            let backend = try store.backend(command: "datasets")
            let datasets: [DatasetInfo]
            var traceFields: [String: TraceFields] = [:]
            do {
                datasets = try backend.datasets()
                for d in datasets {
                    let fields = try backend.traceFields(dataset: d.name)
                    if fields != .standard { traceFields[d.name] = fields }
                }
            } catch {
                printError("kiln datasets: \(error)")
                throw ExitCode(2)
            }
            switch format {
            case .json:
                var out = "{\"datasets\":["
                for (i, d) in datasets.enumerated() {
                    if i > 0 { out += "," }
                    out += "{\"name\":"
                    JSONText.appendString(d.name, to: &out)
                    out += ",\"events\":\(d.events)"
                    out += ",\"from\":" + (d.minTime.map { "\"\(Timestamp.format($0))\"" } ?? "null")
                    out += ",\"to\":" + (d.maxTime.map { "\"\(Timestamp.format($0))\"" } ?? "null")
                    out += ",\"bytes\":\(d.bytes),\"fields\":\(d.fieldCount),\"trace_fields\":"
                    if let f = traceFields[d.name] {
                        out += "{\"trace\":"
                        JSONText.appendString(f.trace, to: &out)
                        out += ",\"span\":"
                        JSONText.appendString(f.span, to: &out)
                        out += ",\"parent\":"
                        JSONText.appendString(f.parent, to: &out)
                        out += ",\"duration\":"
                        if let duration = f.duration { JSONText.appendString(duration, to: &out) } else { out += "null" }
                        out += ",\"duration_unit\":\"\(f.durationUnit)\"}"
                    } else {
                        out += "null"
                    }
                    out += "}"
                }
                print(out + "]}")
            case .table:
                if datasets.isEmpty {
                    print("no datasets in \(store.dbForDisplay) yet (try `kiln ingest FILE` or `kiln demo`)")
                    return
                }
                print(Self.table(datasets, traceFields: traceFields), terminator: "")
            }
        }

        /// The table: every column as wide as its widest cell, so no number is ever cut.
        /// The table: every column as wide as its widest cell, so no number is ever cut; a
        /// TRACE FIELDS column when some dataset names its own.
        static func table(_ datasets: [DatasetInfo], traceFields: [String: TraceFields] = [:]) -> String {
            let withTrace = !traceFields.isEmpty
            let rows = datasets.map { d in
                [Sanitize.line(d.name), Text.grouped(d.events), Text.grouped(Int64(d.fieldCount)), Text.bytes(d.bytes),
                 d.minTime.map { Timestamp.format($0, fractionDigits: 0) } ?? "-",
                 d.maxTime.map { Timestamp.format($0, fractionDigits: 0) } ?? "-"]
                    + (withTrace ? [traceFields[d.name].map { Sanitize.line($0.description) } ?? "-"] : [])
            }
            let header = ["DATASET", "EVENTS", "FIELDS", "SIZE", "FROM", "TO"] + (withTrace ? ["TRACE FIELDS"] : [])
            let rightAligned = [false, true, true, true, false, false, false]
            let widths = header.indices.map { c in max(header[c].count, rows.map { $0[c].count }.max() ?? 0) }
            var out = ""
            for row in [header] + rows {
                let cells = row.indices.map { c in Text.pad(row[c], widths[c], right: rightAligned[c]) }
                var line = cells.joined(separator: "  ")
                while line.last == " " { line.removeLast() }
                out += line + "\n"
            }
            return out
        }
    }

    /// `kiln datasets set-trace-fields NAME`.
    struct SetTraceFields: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set-trace-fields",
            abstract: "Name the fields a dataset's spans keep their trace id, span id, parent id and duration in.",
            discussion: """
            For data stored under other names than trace.trace_id, trace.span_id, trace.parent_id \
            and duration_ms. The explorer's `t`, `--trace ID` and trace view follow the setting; \
            `kiln datasets` shows it. --reset goes back to the standard fields. Exit status: 0 set, \
            2 the store could not be written, 64 bad arguments.

            Example: kiln datasets set-trace-fields --db kiln.db nezha --trace TraceID --span SpanID --parent ParentID --duration Duration:us
            """
        )

        @OptionGroup var store: StoreOptions
        @Argument(help: "The dataset.") var name: String
        @Option(help: "The field holding the trace id.") var trace: String?
        @Option(help: "The field holding the span id.") var span: String?
        @Option(help: "The field holding the parent span id.") var parent: String?
        @Option(help: ArgumentHelp("The field holding the span's duration, with its unit (ms unless given).", valueName: "field[:ms|us|ns|s]"))
        var duration: String?
        @Flag(help: "Go back to trace.trace_id, trace.span_id, trace.parent_id and duration_ms.") var reset = false

        func validate() throws {
            if reset {
                guard trace == nil, span == nil, parent == nil, duration == nil else {
                    throw ValidationError("give either --reset or the fields, not both")
                }
                return
            }
            guard let trace, let span, let parent else { throw ValidationError("give --trace, --span and --parent (or --reset)") }
            for (flag, value) in [("--trace", trace), ("--span", span), ("--parent", parent)] where value.isEmpty {
                throw ValidationError("\(flag) must name a field")
            }
            if let duration, TraceFields.parseDuration(duration) == nil {
                throw ValidationError("--duration: \"\(duration)\" is not FIELD or FIELD:UNIT with UNIT ms, us, ns or s (e.g. Duration:us)")
            }
        }

        func run() throws {
            var fields: TraceFields?
            if !reset, let trace, let span, let parent {
                let d = duration.flatMap(TraceFields.parseDuration)
                fields = TraceFields(trace: trace, span: span, parent: parent, duration: d?.field, durationUnit: d?.unit ?? "ms")
            }
            let metadata = try store.metadata(command: "datasets set-trace-fields")
            do {
                try metadata.setTraceFields(fields, dataset: name, now: Clock.nowNanos())
            } catch {
                printError("kiln datasets set-trace-fields: \(error)")
                throw ExitCode(2)
            }
            print("trace fields of \(Sanitize.line(name)): " + Sanitize.line((fields ?? .standard).description))
        }
    }

    /// `kiln datasets rm NAME`.
    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rm",
            abstract: "Remove a dataset and all its events from the store.",
            discussion: """
            The space is reused by later writes; the file does not shrink. On ClickHouse the dataset \
            leaves every list at once and its events are deleted by a mutation on every shard, \
            which this waits up to a minute for. Exit status: 0 removed, 2 no such dataset or \
            store, or the store could not be written.

            Example: kiln datasets rm --db kiln.db web
            """
        )

        @OptionGroup var store: StoreOptions
        @Argument(help: "The dataset to remove.") var name: String

        func run() throws {
            let metadata = try store.metadata(command: "datasets rm")
            do {
                let removal = try metadata.removeDataset(name)
                print("removed dataset \(Sanitize.line(name)) (\(Text.grouped(removal.events)) events) from \(store.dbForDisplay)"
                      + (removal.finished ? "" : "; ClickHouse is still deleting its events in the background"))
            } catch {
                printError("kiln datasets rm: \(error)")
                throw ExitCode(2)
            }
        }
    }
}
