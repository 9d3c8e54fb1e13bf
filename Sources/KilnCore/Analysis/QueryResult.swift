/// The value of one calculation for one group.
public enum CalculationValue: Sendable, Equatable {
    /// No value: no event of the group has a numeric value of the field.
    case null
    /// A number (or, for MIN/MAX, the value itself).
    case value(Value)
    /// HEATMAP: weighted counts per value bucket (edges in ``QueryResult/heatmapEdges``).
    case histogram([Int64])

    /// The value as a number for sorting (a histogram sorts by its total).
    var sortNumber: Double? {
        switch self {
        case .null: return nil
        case .value(let v): return v.number
        case .histogram(let h): return Double(h.reduce(0, &+))
        }
    }
}

/// One group of a query result.
public struct QueryRow: Sendable, Equatable {
    /// The GROUP BY values, in `groupBy` order; nil where absent.
    public var group: [Value?]
    /// The calculation values, in `calculations` order.
    public var values: [CalculationValue]

    /// Makes a row.
    public init(group: [Value?], values: [CalculationValue]) {
        self.group = group
        self.values = values
    }
}

/// One (time bucket, group) of a query's time series.
public struct QuerySeriesPoint: Sendable, Equatable {
    /// Start of the time bucket, ns.
    public var time: Int64
    /// The GROUP BY values.
    public var group: [Value?]
    /// The calculation values.
    public var values: [CalculationValue]

    /// Makes a point.
    public init(time: Int64, group: [Value?], values: [CalculationValue]) {
        self.time = time
        self.group = group
        self.values = values
    }
}

/// What a query returned; render with ``json()``, ``table(width:ascii:)`` or ``csv()``.
public struct QueryResult: Sendable, Equatable {
    /// The GROUP BY fields.
    public var groupBy: [String]
    /// The calculations.
    public var calculations: [Calculation]
    /// Groups, ordered and limited.
    public var rows: [QueryRow]
    /// With a granularity: one point per non-empty (time bucket, group) of the returned groups,
    /// by time, then in row order; nil without a granularity.
    public var series: [QuerySeriesPoint]?
    /// The time bucket width of `series`, ns.
    public var granularity: Int64?
    /// Value bucket edges of each HEATMAP calculation, by its canonical text.
    public var heatmapEdges: [String: [Double]]
    /// True when counts are weighted by sample rates above 1.
    public var weighted: Bool

    /// Makes a result from its parts (for tests and previews).
    public init(groupBy: [String], calculations: [Calculation], rows: [QueryRow], series: [QuerySeriesPoint]? = nil,
                granularity: Int64? = nil, heatmapEdges: [String: [Double]] = [:], weighted: Bool = false) {
        self.groupBy = groupBy
        self.calculations = calculations
        self.rows = rows
        self.series = series
        self.granularity = granularity
        self.heatmapEdges = heatmapEdges
        self.weighted = weighted
    }
}
