import ArgumentParser
import Foundation
import KilnCore
import KilnStore

/// `--db PATH` and `--memory SIZE`, shared by every command that touches the store.
struct StoreOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Path of the store file (default: $KILN_DB, else kiln.db).", valueName: "path"))
    var db: String = ProcessInfo.processInfo.environment["KILN_DB"].flatMap { $0.isEmpty ? nil : $0 } ?? EventStore.defaultPath
    @Option(name: .long, help: ArgumentHelp("Memory budget for answers, e.g. 512MB or 2GB (default: $KILN_MEMORY, else a quarter of RAM); bigger scopes are streamed.", valueName: "size"))
    var memory: String?

    func validate() throws {
        if let memory, ByteSize.parse(memory) == nil { throw ValidationError("--memory: \"\(memory)\" is not a size like 512MB or 2GB") }
    }

    /// The memory budget in bytes.
    var memoryBudget: Int64 {
        if let memory, let bytes = ByteSize.parse(memory) { return bytes }
        if let env = ProcessInfo.processInfo.environment["KILN_MEMORY"], let bytes = ByteSize.parse(env) { return bytes }
        return MemoryBudget.defaultBytes
    }

    /// Opens the backend that answers for the store, turning failures into exit status 2.
    func backend(command: String) throws -> EmbeddedBackend {
        do {
            return try EmbeddedBackend(path: db, memoryBudget: memoryBudget)
        } catch {
            printError("kiln \(command): \(error)")
            throw ExitCode(2)
        }
    }
}

/// `--format table|json` for listing commands.
enum ListFormat: String, ExpressibleByArgument, CaseIterable {
    case table, json
}
