#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import KilnCore

/// The embedded store behind the ``EventBackend`` seam.
///
/// Each answer reads only the chunks whose time range overlaps the scope asked about
/// (``StoreReader/load(dataset:window:)``) and runs the in-memory analyses of `KilnCore` over
/// them, so its cost follows the time window, not the size of the dataset.
public final class EmbeddedBackend: EventBackend {
    /// The store's reader.
    public let reader: StoreReader
    /// The most bytes of chunk data one answer may hold in memory at once.
    public let memoryBudget: Int64

    /// Opens the store at `path`.
    public init(path: String, memoryBudget: Int64 = MemoryBudget.defaultBytes) throws {
        reader = try StoreReader(path: path)
        self.memoryBudget = memoryBudget
    }

    public var location: String { reader.path }

    public func datasets() throws -> [DatasetInfo] { try reader.datasets() }

    public func fields(dataset: String) throws -> [FieldInfo] { try reader.fields(dataset: dataset) }

    public func markers(dataset: String) throws -> [Marker] { try reader.markers(dataset: dataset) }

    /// The events of `dataset` in the time window of `scope` (and some around it).
    public func load(dataset: String, scope: Scope) throws -> LoadedDataset {
        try reader.load(dataset: dataset, window: TimeWindow(scope))
    }

    public func query(_ query: Query, dataset: String) throws -> Answer<QueryResult> {
        Answer(try query.run(try load(dataset: dataset, scope: query.scope).table))
    }

    public func heatmap(dataset: String, scope: Scope, field: String, options: HeatmapOptions) throws -> Answer<Heatmap> {
        Answer(Heatmap.compute(try load(dataset: dataset, scope: scope).table, scope: scope, field: field, options: options))
    }

    public func bubbleUp(dataset: String, scope: Scope, selection: [Filter], options: BubbleUpOptions) throws -> Answer<BubbleUpResult> {
        Answer(BubbleUp.run(try load(dataset: dataset, scope: scope).table, scope: scope, selection: selection, options: options))
    }

    public func events(dataset: String, scope: Scope, limit: Int) throws -> [Event] {
        let table = try load(dataset: dataset, scope: scope).table
        return Query.newestRows(table, scope: scope, limit: limit).map { table.event(at: $0) }
    }

    public func versionField(dataset: String) throws -> String { try reader.versionField(dataset: dataset) }

    public func versions(dataset: String, scope: Scope, field: String, metric: String, error: [Filter]) throws -> Answer<[VersionSummary]> {
        let table = try load(dataset: dataset, scope: scope).table
        return Answer(VersionSummary.summarize(table, scope: scope, field: field, metric: metric, error: error))
    }

    public func compareSamples(dataset: String, request: CompareRequest) throws -> Answer<CompareSamples> {
        let table = try reader.load(dataset: dataset, window: request.window).table
        return Answer(CompareSamples.extract(from: table, request: request))
    }
}

/// The memory budget of one process's answers: `--memory SIZE`, `KILN_MEMORY`, or a quarter
/// of the machine's memory.
public enum MemoryBudget {
    /// A quarter of physical memory (1 GiB when it cannot be read).
    public static var defaultBytes: Int64 {
        let pages = Int64(sysconf(Int32(_SC_PHYS_PAGES))), size = Int64(sysconf(Int32(_SC_PAGESIZE)))
        return pages > 0 && size > 0 ? pages * size / 4 : 1 << 30
    }
}
