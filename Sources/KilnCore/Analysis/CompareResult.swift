/// What a comparison concludes.
public enum CompareVerdict: String, Sendable, Equatable {
    /// Some metric got significantly and materially worse.
    case regression
    /// None got worse, some got significantly and materially better.
    case improvement
    /// Nothing changed enough to matter.
    case noChange = "no_change"
    /// Too few events on a side to judge.
    case inconclusive
}

/// The thresholds a comparison judges with (see the README's "How compare judges").
public struct CompareOptions: Sendable, Equatable {
    /// A change is significant when its test's p-value is below this.
    public var alpha = 0.01
    /// Fewer stored events than this on either side: inconclusive.
    public var minimumEvents = 100
    /// A percentile must move by at least this fraction (0.10 = 10%) to matter...
    public var percentileChange = 0.10
    /// ...and by at least this much in the metric's unit (1 ms for `duration_ms`).
    public var minimumAbsoluteChange = 1.0
    /// A percentile is judged only when each side has this many events above it.
    public var minimumTailEvents = 10
    /// The error rate must move by at least this much (0.005 = half a percentage point)...
    public var errorRateChange = 0.005
    /// ...and by at least this fraction of the old rate.
    public var errorRateRelativeChange = 0.20
    /// A group needs this many stored events on its new side to be listed under `where`.
    public var minimumGroupEvents = 20
    /// A group must explain at least this fraction of the change to be listed.
    public var minimumExplained = 0.05
    /// The most groups listed under `where`.
    public var whereLimit = 10

    /// The defaults.
    public init() {}
}

/// One side as reported.
public struct CompareSideSummary: Sendable, Equatable {
    /// The value of the compared field (nil when the side is a time window of any value).
    public var value: Value?
    /// Events, weighted by sample rate.
    public var count: Double
    /// Stored events.
    public var events: Int

    /// Makes a summary.
    public init(value: Value?, count: Double, events: Int) {
        self.value = value
        self.count = count
        self.events = events
    }
}

/// Which way a metric moved, judged by its thresholds.
public enum CompareDirection: String, Sendable, Equatable {
    /// Significantly and materially worse.
    case worse
    /// Significantly and materially better.
    case better
    /// Neither.
    case unchanged
    /// Too few events to judge.
    case notJudged = "not_judged"
}

/// One metric before and after.
public struct CompareMetric: Sendable, Equatable {
    /// `P50(duration_ms)`, `P95(…)`, `P99(…)` or `error_rate`.
    public var name: String
    /// Value before (nil without data).
    public var before: Double?
    /// Value after.
    public var after: Double?
    /// (after − before) / before × 100; nil when before is 0 or missing.
    public var changePercent: Double?
    /// The test's p-value; nil when not judged.
    public var pValue: Double?
    /// True when the change is both significant and large enough to matter.
    public var significant: Bool
    /// The judgement.
    public var direction: CompareDirection
    /// The test used.
    public var test: String

    /// Makes a metric row.
    public init(name: String, before: Double?, after: Double?, changePercent: Double?, pValue: Double?, significant: Bool,
                direction: CompareDirection, test: String) {
        self.name = name
        self.before = before
        self.after = after
        self.changePercent = changePercent
        self.pValue = pValue
        self.significant = significant
        self.direction = direction
        self.test = test
    }
}

/// A group of events (one value of a field, or a pair) and how much of a change it explains.
public struct CompareGroup: Sendable, Equatable {
    /// The field values defining the group, in field order.
    public var fields: [(String, Value)]
    /// The metric this row is about.
    public var metric: String
    /// The metric within the group before.
    public var before: Double?
    /// The metric within the group after.
    public var after: Double?
    /// Its change in percent.
    public var changePercent: Double?
    /// Weighted events before.
    public var beforeCount: Double
    /// Weighted events after.
    public var afterCount: Double
    /// The p-value of the change within the group.
    public var pValue: Double
    /// The fraction of the whole change the group accounts for (0...1, can exceed 1 slightly).
    public var explained: Double
    /// Explained over the group's share of the new side's events: how concentrated the change is.
    public var concentration: Double = 0
    /// Other names of the same events (`http.method=GET` when every GET is `/cart`).
    public var aliases: [[(String, Value)]] = []

    /// Makes a group row.
    public init(fields: [(String, Value)], metric: String, before: Double?, after: Double?, changePercent: Double?,
                beforeCount: Double, afterCount: Double, pValue: Double, explained: Double) {
        self.fields = fields
        self.metric = metric
        self.before = before
        self.after = after
        self.changePercent = changePercent
        self.beforeCount = beforeCount
        self.afterCount = afterCount
        self.pValue = pValue
        self.explained = explained
    }

    public static func == (a: CompareGroup, b: CompareGroup) -> Bool {
        a.fields.map(\.0) == b.fields.map(\.0) && a.fields.map(\.1) == b.fields.map(\.1) && a.metric == b.metric
            && a.before == b.before && a.after == b.after && a.beforeCount == b.beforeCount && a.afterCount == b.afterCount
            && a.pValue == b.pValue && a.explained == b.explained
    }
}

/// The answer of `kiln compare`.
public struct CompareResult: Sendable, Equatable {
    /// The field telling the versions apart.
    public var field: String
    /// The metric field (e.g. `duration_ms`).
    public var metricField: String
    /// The old side.
    public var before: CompareSideSummary
    /// The new side.
    public var after: CompareSideSummary
    /// The verdict.
    public var verdict: CompareVerdict
    /// P50, P95, P99 of the metric and the error rate.
    public var metrics: [CompareMetric]
    /// Where the change is, most explaining first.
    public var groups: [CompareGroup]
    /// Why the verdict is inconclusive, or what was not judged.
    public var notes: [String]
    /// True when some event has a sample rate above 1.
    public var weighted: Bool

    /// Makes a result.
    public init(field: String, metricField: String, before: CompareSideSummary, after: CompareSideSummary, verdict: CompareVerdict,
                metrics: [CompareMetric], groups: [CompareGroup], notes: [String], weighted: Bool) {
        self.field = field
        self.metricField = metricField
        self.before = before
        self.after = after
        self.verdict = verdict
        self.metrics = metrics
        self.groups = groups
        self.notes = notes
        self.weighted = weighted
    }
}
