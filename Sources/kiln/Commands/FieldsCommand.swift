import ArgumentParser
import KilnCore
import KilnStore

struct FieldsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fields",
        abstract: "List a dataset's fields: type, distinct values and how often present.",
        discussion: """
        `distinct` is exact (the size of the field's dictionary). The event time is the \
        field `timestamp` and is not listed. Fields dropped by the dataset's field limits \
        (--max-fields, names over 1,024 bytes) are counted after the list: distinct names \
        dropped, events that lost a field, and values dropped.

        JSON form: {"dataset":"web","events":1000,"fields":[{"name":"http.status_code","types":["int"],"distinct":5,"present":950,"present_pct":95.0}],\
        "dropped_field_names":0,"dropped_field_events":0,"dropped_field_values":0}

        Example: kiln fields --dataset web --format json
        """
    )

    @OptionGroup var store: StoreOptions
    @Option(help: "Dataset to describe.") var dataset: String
    @Option(help: "Output format.") var format: ListFormat = .table

    func run() throws {
        let backend = try store.backend(command: "fields")
        let fields: [FieldInfo], events: Int64, dropped: DroppedFields
        do {
            fields = try backend.fields(dataset: dataset)
            dropped = try backend.droppedFields(dataset: dataset)
            events = try backend.datasets().first { $0.name == dataset }?.events ?? 0
        } catch {
            printError("kiln fields: \(error)")
            throw ExitCode(2)
        }
        func pct(_ present: Int64) -> Double { events == 0 ? 0 : Double(present) * 100 / Double(events) }
        switch format {
        case .json:
            var out = "{\"dataset\":"
            JSONText.appendString(dataset, to: &out)
            out += ",\"events\":\(events),\"fields\":["
            for (i, f) in fields.enumerated() {
                if i > 0 { out += "," }
                out += "{\"name\":"
                JSONText.appendString(f.name, to: &out)
                out += ",\"types\":[" + f.kinds.map { "\"\($0)\"" }.joined(separator: ",") + "]"
                out += ",\"distinct\":\(f.distinct),\"present\":\(f.present),\"present_pct\":\(Text.fixed(pct(f.present), 2))}"
            }
            out += "],\"dropped_field_names\":\(dropped.names),\"dropped_field_events\":\(dropped.events)"
            out += ",\"dropped_field_values\":\(dropped.values)"
            print(out + "}")
        case .table:
            let width = max(5, fields.map { $0.name.count }.max() ?? 0)
            print(Text.pad("FIELD", width) + "  " + Text.pad("TYPE", 12) + "  " + Text.pad("DISTINCT", 10, right: true) + "  " + Text.pad("PRESENT", 8, right: true))
            for f in fields {
                print(Text.pad(Sanitize.line(f.name), width) + "  " + Text.pad(f.kinds.map(\.description).joined(separator: "|"), 12) + "  "
                      + Text.pad(Text.grouped(f.distinct), 10, right: true) + "  " + Text.pad(Text.fixed(pct(f.present), 1) + "%", 8, right: true))
            }
            if dropped.values > 0 {
                print("dropped by the field limits: \(Text.grouped(dropped.names)) field names, \(Text.grouped(dropped.values)) values "
                      + "in \(Text.grouped(dropped.events)) events")
            }
        }
    }
}
