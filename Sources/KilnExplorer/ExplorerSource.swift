import KilnCore
import KilnStore

/// Where the explorer's events come from: the one seam its run loop asks for data.
///
/// The explorer holds a time window of one dataset in memory and computes every view from it;
/// a source loads that window (its newest part within a memory budget, with progress and a
/// way to stop), says what else is known about the dataset (markers, version field, trace
/// fields, SLOs), and finds the spans of a trace in the other datasets. ``StoreSource`` reads
/// the embedded store file; ``BackendSource`` asks any ``WindowPaging`` backend (ClickHouse)
/// through the analysis interface, newest events first, page by page.
///
/// Calls may be slow: when ``isRemote`` is true the run loop makes them only on background
/// threads, so that keys never wait on the network.
public protocol ExplorerSource: AnyObject, Sendable {
    /// Where the events are, for messages (a path, or a URL without its password).
    var location: String { get }
    /// True when answers come over a network: the run loop then asks from background threads.
    var isRemote: Bool { get }
    /// The embedded store, when the events are in one: the run loop refreshes the window held
    /// and searches traces in place through it (chunk by chunk, indexed); nil otherwise.
    var reader: StoreReader? { get }

    /// Every dataset, newest data first.
    func datasets() throws -> [DatasetInfo]
    /// When the events were last written (ns since the epoch), when it can be told cheaply.
    func lastWrite() -> Int64?
    /// The events of `window` of `dataset` as a model: all of them, or the newest part that
    /// fits `budget` bytes. `progress(loaded, total)` is called as events arrive; returning
    /// false stops the load, which then throws ``ExplorerSourceError/cancelled``.
    func load(dataset: String, window: TimeWindow, budget: Int64, progress: @escaping (Int, Int) -> Bool) throws -> ExplorerModel
    /// Events of `dataset` from `since` on (ns, inclusive; nil: from the first) and before `to`, newest first, at most `limit`.
    func newest(dataset: String, since: Int64?, to: Int64?, limit: Int) throws -> [Event]
    /// The spans of trace `id` that `dataset` holds in `window` (its own trace field names).
    func spans(trace id: String, dataset: String, window: TimeWindow, fields: TraceFields, limit: Int) throws -> [Event]
    /// The markers of `dataset` in time order.
    func markers(dataset: String) throws -> [Marker]
    /// The field whose new values mark deploys in `dataset`.
    func versionField(dataset: String) throws -> String
    /// The fields `dataset`'s spans keep their trace, span, parent and duration in.
    func traceFields(dataset: String) throws -> TraceFields
    /// The SLOs defined (none when the source keeps none).
    func slos() throws -> [SLODefinition]
    /// SLO counts over `windows` (see ``EventBackend/goodCounts(dataset:eligible:good:windows:)``);
    /// nil when the source cannot count them (the explorer counts the events it holds).
    func goodCounts(dataset: String, eligible: [Filter], good: [Filter], windows: [TimeWindow]) throws -> [GoodCount]?
}

/// A failure of an ``ExplorerSource`` of its own (not of the store or server behind it).
public struct ExplorerSourceError: Error, CustomStringConvertible, Sendable, Equatable {
    /// What a user reads.
    public var message: String

    /// The load was stopped (Esc).
    public static let cancelled = ExplorerSourceError(message: "cancelled")

    public var description: String { message }
}
