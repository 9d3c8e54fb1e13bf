/// What `kiln services` is asked: a window with bounds, filters, and how many sparkline buckets.
public struct ServicesRequest: Sendable, Hashable {
    /// Inclusive start, ns.
    public var from: Int64
    /// Exclusive end, ns (after `from`).
    public var to: Int64
    /// Filters every span counted passes (AND).
    public var filters: [Filter]
    /// Buckets of each service's sparkline over the window (0 for none).
    public var buckets: Int

    /// Makes a request; `to` is moved after `from` when it is not.
    public init(from: Int64, to: Int64, filters: [Filter] = [], buckets: Int = 0) {
        self.from = from
        self.to = max(to, from &+ 1)
        self.filters = filters
        self.buckets = max(0, buckets)
    }

    /// The start of the previous window of the same length.
    public var previousFrom: Int64 { from &- (to &- from) }
    /// The window's length in seconds.
    public var seconds: Double { Double(to &- from) / 1e9 }
    /// The window read to answer: the previous window and this one.
    public var readWindow: TimeWindow { TimeWindow(from: previousFrom, to: to) }
}

/// One service over one window: spans, errors and duration percentiles, weighted by sample rate.
public struct ServiceStats: Sendable, Equatable {
    /// Stored spans.
    public var spans = 0
    /// Spans weighted by sample rate.
    public var count = 0.0
    /// Errors weighted by sample rate.
    public var errors = 0.0
    /// P50 of the duration, ms (nil without durations).
    public var p50: Double?
    /// P95 of the duration, ms.
    public var p95: Double?
    /// P99 of the duration, ms.
    public var p99: Double?

    /// Makes stats.
    public init(spans: Int = 0, count: Double = 0, errors: Double = 0, p50: Double? = nil, p95: Double? = nil, p99: Double? = nil) {
        self.spans = spans
        self.count = count
        self.errors = errors
        self.p50 = p50
        self.p95 = p95
        self.p99 = p99
    }

    /// Errors over spans (weighted); nil without spans.
    public var errorRate: Double? { count > 0 ? errors / count : nil }
}

/// One service: this window, the previous one of the same length, and its rate over time.
public struct ServiceSummary: Sendable, Equatable {
    /// The `service.name`.
    public var name: String
    /// This window.
    public var current: ServiceStats
    /// The previous window of the same length.
    public var previous: ServiceStats
    /// Weighted spans per bucket of this window (``ServicesRequest/buckets`` of them).
    public var series: [Double]

    /// Makes a summary.
    public init(name: String, current: ServiceStats, previous: ServiceStats, series: [Double] = []) {
        self.name = name
        self.current = current
        self.previous = previous
        self.series = series
    }
}

/// The answer of `kiln services`: every service in scope, busiest first.
public struct ServicesReport: Sendable, Equatable {
    /// What was asked.
    public var request: ServicesRequest
    /// The services, by rate (descending), then name.
    public var services: [ServiceSummary]

    /// Makes a report.
    public init(request: ServicesRequest, services: [ServiceSummary]) {
        self.request = request
        self.services = services
    }

    /// Weighted spans per second of `stats` over a window of this report's length.
    public func rate(_ stats: ServiceStats) -> Double { stats.count / request.seconds }
}

/// The per-service summary of spans (`kiln services`, the explorer's `:services`).
public enum Services {
    /// Summarizes the spans of `table` in `request`'s window and the previous one of the same
    /// length, per value of the service field. Spans without a service are left out.
    /// - Complexity: O(rows) plus expected O(spans) for the percentiles.
    public static func summarize(_ table: EventTable, fields: SpanFields, request: ServicesRequest) -> ServicesReport {
        var accumulator = ServicesAccumulator(fields: fields, request: request)
        accumulator.add(table, rows: accumulator.scope.rows(in: table))
        return accumulator.report()
    }
}
