import ArgumentParser
import KilnCore
import KilnStore

struct DatasetsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "datasets",
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
                print("no datasets in \(store.db) yet (try `kiln ingest FILE` or `kiln demo`)")
                return
            }
            let nameWidth = max(7, datasets.map { $0.name.count }.max() ?? 0)
            print(Text.pad("DATASET", nameWidth) + "  " + Text.pad("EVENTS", 12, right: true) + "  " + Text.pad("FIELDS", 6, right: true)
                  + "  " + Text.pad("SIZE", 9, right: true) + "  FROM                  TO")
            for d in datasets {
                let from = d.minTime.map { Timestamp.format($0, fractionDigits: 0) } ?? "-"
                let to = d.maxTime.map { Timestamp.format($0, fractionDigits: 0) } ?? "-"
                print(Text.pad(Sanitize.line(d.name), nameWidth) + "  " + Text.pad(Text.grouped(d.events), 12, right: true) + "  "
                      + Text.pad(String(d.fieldCount), 6, right: true) + "  " + Text.pad(Text.bytes(d.bytes), 9, right: true)
                      + "  " + from + "  " + to)
            }
        }
    }
}
