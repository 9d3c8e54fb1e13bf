/// The one seam between what Kiln asks and where the events are.
///
/// Commands and the explorer ask a backend for *answers* (a query result, a heatmap, a
/// BubbleUp, the newest raw events, one trace), never for whole datasets, so that each backend
/// can push the work to where the data is: the embedded store (`KilnStore.EmbeddedBackend`)
/// reads only the chunks of the time window asked about and answers from memory, streaming
/// chunk by chunk when the window is bigger than its memory budget; a SQL engine would answer
/// with SQL. Every answer is a plain value of `KilnCore`.
///
/// Calls are synchronous and may be slow (disk, network): the explorer makes them from a
/// background job and receives the answers as actions, so keys never wait on them.
public protocol EventBackend: AnyObject {
    /// Where the events are, for messages (a path, or a URL without its password).
    var location: String { get }

    /// Every dataset with its size, newest data first.
    func datasets() throws -> [DatasetInfo]

    /// The fields of `dataset`, most often present first.
    func fields(dataset: String) throws -> [FieldInfo]

    /// What the field limits dropped from `dataset`'s events.
    func droppedFields(dataset: String) throws -> DroppedFields

    /// The names of the fields of `dataset` (cheap: no counts), in first-seen order.
    func fieldNames(dataset: String) throws -> [String]

    /// The markers of `dataset` in time order.
    func markers(dataset: String) throws -> [Marker]

    /// Runs `query` over the events of `dataset` in `query.scope`.
    func query(_ query: Query, dataset: String) throws -> Answer<QueryResult>

    /// The heatmap of `field` over time for the events of `dataset` in `scope`.
    func heatmap(dataset: String, scope: Scope, field: String, options: HeatmapOptions) throws -> Answer<Heatmap>

    /// BubbleUp: the events in `scope` matching every `selection` filter against the rest.
    func bubbleUp(dataset: String, scope: Scope, selection: [Filter], options: BubbleUpOptions) throws -> Answer<BubbleUpResult>

    /// The newest events of `dataset` in `scope`, newest first, at most `limit`.
    func events(dataset: String, scope: Scope, limit: Int) throws -> [Event]

    /// SLO counts: for each of `windows`, the weighted count of the events of `dataset`
    /// matching every `eligible` filter, and of those also matching every `good` filter.
    /// (In SQL: one `SUM(samplerate)` per window and per side, with the filters as conditions.)
    func goodCounts(dataset: String, eligible: [Filter], good: [Filter], windows: [TimeWindow]) throws -> [GoodCount]

    /// BubbleUp of the events in `scope` that fail some `good` filter (the selection) against
    /// those that pass every one (the baseline): an SLO's bad events against its good ones.
    func bubbleUp(dataset: String, scope: Scope, failing good: [Filter], options: BubbleUpOptions) throws -> Answer<BubbleUpResult>

    /// The field whose new values mark deploys in `dataset` (`service.version` unless set).
    func versionField(dataset: String) throws -> String

    /// The fields `dataset`'s spans keep their trace, span, parent and duration in
    /// (``TraceFields/standard`` unless set).
    func traceFields(dataset: String) throws -> TraceFields

    /// Every value of `field` among the events of `dataset` in `scope`, first seen first: its
    /// first and last event, events and errors (weighted), and P50 and P99 of `metric`
    /// (`GROUP BY field` in SQL).
    func versions(dataset: String, scope: Scope, field: String, metric: String, error: [Filter]) throws -> Answer<[VersionSummary]>

    /// The two sides of a comparison reduced to what ``Compare`` judges: per event (or per
    /// `GROUP BY side, group fields, metric, error`) its weight, metric, error flag and the
    /// values of the low-cardinality fields.
    func compareSamples(dataset: String, request: CompareRequest) throws -> Answer<CompareSamples>

    /// Per `service.name` of the spans of `dataset` matching `request.filters`: weighted spans,
    /// errors and duration percentiles in `request`'s window and in the previous window of the
    /// same length, and spans per sparkline bucket (`GROUP BY service.name, window` in SQL).
    func services(dataset: String, request: ServicesRequest) throws -> Answer<ServicesReport>

    /// The service map of the spans of `dataset` in `scope`: parent span's service → child
    /// span's service, joined on the span id within each trace (a self-join in SQL).
    func serviceMap(dataset: String, scope: Scope) throws -> Answer<ServiceMap>
}

/// An answer and how it was obtained.
public struct Answer<Value: Sendable>: Sendable {
    /// The answer.
    public var value: Value
    /// How it was obtained (streamed, approximate), for the status line and table footers.
    public var notes: AnswerNotes

    /// Makes an answer.
    public init(_ value: Value, notes: AnswerNotes = []) {
        self.value = value
        self.notes = notes
    }
}

extension Answer: Equatable where Value: Equatable {}

/// How an answer was obtained, when it matters to the reader of it.
public struct AnswerNotes: OptionSet, Sendable, Hashable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }

    /// The scope was bigger than the memory budget: read chunk by chunk, never held whole.
    public static let streamed = AnswerNotes(rawValue: 1)
    /// Percentiles were estimated by the backend rather than computed exactly.
    public static let approximatePercentiles = AnswerNotes(rawValue: 2)
    /// Fields with more distinct values than could be counted were taken as ID-like.
    public static let cappedDistinct = AnswerNotes(rawValue: 4)

    /// One line for a table footer or a status line; empty when there is nothing to say.
    public var text: String {
        var parts: [String] = []
        if contains(.streamed) { parts.append("streamed: the scope is larger than the memory budget") }
        if contains(.approximatePercentiles) { parts.append("percentiles are approximate") }
        if contains(.cappedDistinct) { parts.append("fields with more distinct values than the budget allows counting are listed as ID-like") }
        return parts.joined(separator: "; ")
    }
}
