import ArgumentParser
import Foundation
import KilnClickHouse
import KilnCore
import KilnStore

/// `--db PATH` and `--memory SIZE`, shared by every command that touches the store.
struct StoreOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Path of the store file, or clickhouse://HOST:PORT/DATABASE[?cluster=NAME&user=U&password=P] (default: $KILN_DB, else kiln.db).", valueName: "path|url"))
    var db: String = ProcessInfo.processInfo.environment["KILN_DB"].flatMap { $0.isEmpty ? nil : $0 } ?? EventStore.defaultPath
    @Option(name: .long, help: ArgumentHelp("Memory budget for answers, e.g. 512MB or 2GB (default: $KILN_MEMORY, else a quarter of RAM); bigger scopes are streamed.", valueName: "size"))
    var memory: String?

    func validate() throws {
        if ClickHouseURL.isURL(db) {
            do { _ = try ClickHouseURL.parse(db) } catch { throw ValidationError("--db: \(error)") }
        }
        if let memory, ByteSize.parse(memory) == nil { throw ValidationError("--memory: \"\(memory)\" is not a size like 512MB or 2GB") }
    }

    /// The memory budget in bytes.
    var memoryBudget: Int64 {
        if let memory, let bytes = ByteSize.parse(memory) { return bytes }
        if let env = ProcessInfo.processInfo.environment["KILN_MEMORY"], let bytes = ByteSize.parse(env) { return bytes }
        return MemoryBudget.defaultBytes
    }

    /// True when `--db` is a ClickHouse URL.
    var isClickHouse: Bool { ClickHouseURL.isURL(db) }

    /// `--db` as messages show it: a path, or the URL without its password.
    var dbForDisplay: String { (try? ClickHouseURL.parse(db))?.description ?? db }

    /// Fails with exit status 2 when `--db` is a ClickHouse URL and `command` does not work on
    /// ClickHouse yet (rather than taking the URL for a file name).
    func requireEmbedded(command: String) throws {
        guard isClickHouse else { return }
        printError("kiln \(command): a ClickHouse --db (\(dbForDisplay)) is not supported by this command yet; use a store file")
        throw ExitCode(2)
    }

    /// Opens what keeps SLOs, markers and dataset settings for the store, turning failures into
    /// exit status 2.
    func metadata(command: String) throws -> any MetadataStore {
        do {
            if isClickHouse { return ClickHouseMetadata(store: ClickHouseStore(url: try ClickHouseURL.parse(db))) }
            return EmbeddedMetadata(path: db)
        } catch {
            printError("kiln \(command): \(error)")
            throw ExitCode(2)
        }
    }

    /// Opens the backend that answers for the store, turning failures into exit status 2.
    func backend(command: String) throws -> any EventBackend {
        do {
            if isClickHouse { return ClickHouseBackend(store: ClickHouseStore(url: try ClickHouseURL.parse(db))) }
            return try EmbeddedBackend(path: db, memoryBudget: memoryBudget)
        } catch {
            printError("kiln \(command): \(error)")
            throw ExitCode(2)
        }
    }
}

/// Opens the sink that ingested events of `dataset` go to: the embedded store's writer, or
/// ClickHouse's.
func openSink(db: String, dataset: String, now: Int64) throws -> any EventSink {
    if ClickHouseURL.isURL(db) { return try ClickHouseWriter(store: ClickHouseStore(url: try ClickHouseURL.parse(db)), dataset: dataset, now: now) }
    return try StoreWriter(path: db, dataset: dataset, now: now)
}

/// `--format table|json` for listing commands.
enum ListFormat: String, ExpressibleByArgument, CaseIterable {
    case table, json
}
