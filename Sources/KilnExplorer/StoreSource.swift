import Foundation
import KilnCore
import KilnStore

/// The embedded store file as the explorer's source: windows are loaded chunk by chunk, LIVE
/// appends the chunks committed since (through ``reader``), answers come from the local disk.
public final class StoreSource: ExplorerSource, @unchecked Sendable {
    /// The store's reader (used on the run loop's thread only; loads open their own).
    public let reader: StoreReader?
    /// The store file.
    public let path: String

    /// Opens the store at `path`.
    public init(path: String) throws {
        self.path = path
        reader = try StoreReader(path: path)
    }

    /// The store `reader` reads.
    public init(reader: StoreReader) {
        path = reader.path
        self.reader = reader
    }

    public var location: String { path }
    public var isRemote: Bool { false }

    public func datasets() throws -> [DatasetInfo] { try reader?.datasets() ?? [] }

    public func lastWrite() -> Int64? { Explorer.storeLastWrite(path: path) }

    public func load(dataset: String, window: TimeWindow, budget: Int64, progress: @escaping (Int, Int) -> Bool) throws -> ExplorerModel {
        // Its own connection: a load may run on another thread than the loop's reader.
        do {
            return ExplorerModel(loaded: try StoreReader(path: path).load(dataset: dataset, window: window, budget: budget, progress: progress))
        } catch let error as StoreError where error.code == .cancelled {
            throw ExplorerSourceError.cancelled
        }
    }

    public func newest(dataset: String, since: Int64?, to: Int64?, limit: Int) throws -> [Event] {
        try EmbeddedBackend(path: path).events(dataset: dataset, scope: Scope(from: since, to: to), limit: limit)
    }

    public func spans(trace id: String, dataset: String, window: TimeWindow, fields: TraceFields, limit: Int) throws -> [Event] {
        try EmbeddedBackend(path: path).events(dataset: dataset, scope: Scope(from: window.from, to: window.to, filters: [Filter(fields.trace, .equal, .string(id))]),
                                               limit: limit)
    }

    public func markers(dataset: String) throws -> [Marker] { try reader?.markers(dataset: dataset) ?? [] }
    public func versionField(dataset: String) throws -> String { try reader?.versionField(dataset: dataset) ?? "service.version" }
    public func traceFields(dataset: String) throws -> TraceFields { try reader?.traceFields(dataset: dataset) ?? .standard }
    public func slos() throws -> [SLODefinition] { try EventStore.slos(path: path) }

    public func goodCounts(dataset: String, eligible: [Filter], good: [Filter], windows: [TimeWindow]) throws -> [GoodCount]? {
        try EmbeddedBackend(path: path).goodCounts(dataset: dataset, eligible: eligible, good: good, windows: windows)
    }
}
