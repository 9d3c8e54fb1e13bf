import ArgumentParser
import KilnStore

/// `--db PATH`, shared by every command that touches the store.
struct StoreOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Path of the store file.", valueName: "path"))
    var db: String = EventStore.defaultPath
}

/// `--format table|json` for listing commands.
enum ListFormat: String, ExpressibleByArgument, CaseIterable {
    case table, json
}
