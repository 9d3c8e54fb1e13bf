/// One side of a comparison: the events whose compared field has `value` (any when nil), in
/// the time window `from..<to` (unbounded when nil), within the request's scope.
public struct CompareSide: Sendable, Hashable {
    /// The value of the compared field; nil for every value.
    public var value: Value?
    /// Inclusive start, ns.
    public var from: Int64?
    /// Exclusive end, ns.
    public var to: Int64?

    /// Makes a side.
    public init(value: Value? = nil, from: Int64? = nil, to: Int64? = nil) {
        self.value = value
        self.from = from
        self.to = to
    }
}

/// What a backend is asked for to compare two versions (or two time windows).
public struct CompareRequest: Sendable, Hashable {
    /// The scope both sides are taken from (time range and filters).
    public var scope: Scope
    /// The field telling the versions apart, e.g. `service.version`.
    public var field: String
    /// The old side.
    public var before: CompareSide
    /// The new side.
    public var after: CompareSide
    /// The numeric field compared, e.g. `duration_ms`.
    public var metric: String
    /// The filters (AND) that make an event an error.
    public var error: [Filter]
    /// Fields with more distinct values than this over both sides are not grouped on.
    public var maxGroupValues: Int

    /// Makes a request.
    public init(scope: Scope, field: String, before: CompareSide, after: CompareSide, metric: String, error: [Filter],
                maxGroupValues: Int = 30) {
        self.scope = scope
        self.field = field
        self.before = before
        self.after = after
        self.metric = metric
        self.error = error
        self.maxGroupValues = maxGroupValues
    }

    /// The time window holding both sides.
    public var window: TimeWindow {
        func lower(_ a: Int64?, _ b: Int64?) -> Int64? { a.flatMap { a in b.map { max(a, $0) } ?? a } ?? b }
        func upper(_ a: Int64?, _ b: Int64?) -> Int64? { a.flatMap { a in b.map { min(a, $0) } ?? a } ?? b }
        let froms = [before.from, after.from], tos = [before.to, after.to]
        let from = froms.contains(where: { $0 == nil }) ? scope.from : lower(scope.from, froms.compactMap { $0 }.min())
        let to = tos.contains(where: { $0 == nil }) ? scope.to : upper(scope.to, tos.compactMap { $0 }.max())
        return TimeWindow(from: from, to: to)
    }
}

/// The events of one side, one entry per stored event (or per group of equal events, for a
/// backend that answers with `GROUP BY group fields, metric, error`).
public struct SideSamples: Sendable, Equatable {
    /// Stored events (unweighted).
    public var events: Int = 0
    /// How many events each entry stands for (sample rate × duplicates).
    public var weight: [Double] = []
    /// The metric per entry; NaN when the event has none.
    public var metric: [Double] = []
    /// True when the entry is an error.
    public var isError: [Bool] = []
    /// Per group field, the entry's value: 0 when absent, k for `groupValues[field][k - 1]`.
    public var groups: [[UInt16]] = []
    /// The most common value of the compared field on this side (nil when none).
    public var commonValue: Value?

    /// An empty side.
    public init() {}

    /// Total weight.
    public var count: Double { weight.reduce(0, +) }
}

/// What a backend answers to a ``CompareRequest``: the two sides' events reduced to what the
/// comparison needs, and the low-cardinality fields to localise a change with.
///
/// A SQL backend answers it with one `GROUP BY side, g1, …, gk, metric, error` summing the
/// sample rates, after choosing g1…gk with a `COUNT(DISTINCT …)`.
public struct CompareSamples: Sendable, Equatable {
    /// Fields to group on, in a stable order.
    public var groupFields: [String] = []
    /// The values of each group field.
    public var groupValues: [[Value]] = []
    /// The old side.
    public var before = SideSamples()
    /// The new side.
    public var after = SideSamples()

    /// Empty samples.
    public init() {}
}

/// One value of the compared field: when it was first seen and how it did.
public struct VersionSummary: Sendable, Equatable {
    /// The value.
    public var value: Value
    /// The most common `service.name` of its events, if any.
    public var service: String?
    /// Its first event's time, ns.
    public var firstSeen: Int64
    /// Its last event's time, ns.
    public var lastSeen: Int64
    /// Stored events.
    public var events: Int
    /// Events, weighted by sample rate.
    public var count: Double
    /// Errors, weighted.
    public var errors: Double
    /// P50 of the metric (nil when no event has it).
    public var p50: Double?
    /// P99 of the metric.
    public var p99: Double?

    /// Makes a summary.
    public init(value: Value, service: String?, firstSeen: Int64, lastSeen: Int64, events: Int, count: Double, errors: Double,
                p50: Double?, p99: Double?) {
        self.value = value
        self.service = service
        self.firstSeen = firstSeen
        self.lastSeen = lastSeen
        self.events = events
        self.count = count
        self.errors = errors
        self.p50 = p50
        self.p99 = p99
    }

    /// Errors over events (weighted); 0 without events.
    public var errorRate: Double { count > 0 ? errors / count : 0 }
}
