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
        """,
        subcommands: [List.self, Remove.self],
        defaultSubcommand: List.self
    )

    /// `kiln datasets [list]`.
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list",
            abstract: "List the datasets in the store: events, time span and size.",
            discussion: """
            JSON form: {"datasets":[{"name":"web","events":120000,"from":"RFC3339","to":"RFC3339","bytes":5242880,"fields":24}]}

            Example: kiln datasets --db kiln.db --format json
            """
        )

        @OptionGroup var store: StoreOptions
        @Option(help: "Output format.") var format: ListFormat = .table

        func run() throws {
            let backend = try store.backend(command: "datasets")
            let datasets: [DatasetInfo]
            do { datasets = try backend.datasets() } catch {
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
                    out += ",\"bytes\":\(d.bytes),\"fields\":\(d.fieldCount)}"
                }
                print(out + "]}")
            case .table:
                if datasets.isEmpty {
                    print("no datasets in \(store.dbForDisplay) yet (try `kiln ingest FILE` or `kiln demo`)")
                    return
                }
                print(Self.table(datasets), terminator: "")
            }
        }

        /// The table: every column as wide as its widest cell, so no number is ever cut.
        static func table(_ datasets: [DatasetInfo]) -> String {
            let rows = datasets.map { d in
                [Sanitize.line(d.name), Text.grouped(d.events), Text.grouped(Int64(d.fieldCount)), Text.bytes(d.bytes),
                 d.minTime.map { Timestamp.format($0, fractionDigits: 0) } ?? "-",
                 d.maxTime.map { Timestamp.format($0, fractionDigits: 0) } ?? "-"]
            }
            let header = ["DATASET", "EVENTS", "FIELDS", "SIZE", "FROM", "TO"]
            let rightAligned = [false, true, true, true, false, false]
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

    /// `kiln datasets rm NAME`.
    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rm",
            abstract: "Remove a dataset and all its events from the store.",
            discussion: """
            The space is reused by later writes; the file does not shrink. Exit status: 0 removed, \
            2 no such dataset or store, or the store could not be written.

            Example: kiln datasets rm --db kiln.db web
            """
        )

        @OptionGroup var store: StoreOptions
        @Argument(help: "The dataset to remove.") var name: String

        func run() throws {
            try store.requireEmbedded(command: "datasets rm")
            do {
                let events = try EventStore.dropDataset(name, path: store.db)
                print("removed dataset \(Sanitize.line(name)) (\(Text.grouped(events)) events) from \(store.db)")
            } catch {
                printError("kiln datasets rm: \(error)")
                throw ExitCode(2)
            }
        }
    }
}
