/// How to lay out a ``Heatmap``.
public struct HeatmapOptions: Sendable, Equatable {
    /// Value axis scale.
    public enum Scale: String, Sendable {
        /// Bucket edges grow geometrically (latency is skewed).
        case log
        /// Equal-width buckets.
        case linear
    }

    /// Number of time buckets (columns), when `granularity` is nil.
    public var timeBuckets = 60
    /// Fixed time bucket width in nanoseconds; buckets then start at multiples of it.
    public var granularity: Int64?
    /// Number of value buckets (rows).
    public var valueBuckets = 20
    /// Value axis scale.
    public var scale = Scale.log
    /// Start of the time axis (inclusive, ns); default: the scope's `from`, else the earliest event.
    public var from: Int64?
    /// End of the time axis (exclusive, ns); default: the scope's `to`, else just after the latest event.
    public var to: Int64?
    /// Value axis range; default: the smallest and largest value in scope (the smallest positive
    /// one on a log scale).
    public var valueRange: ClosedRange<Double>?

    /// The defaults: 60 × 20 buckets, log scale, range from the data.
    public init(timeBuckets: Int = 60, valueBuckets: Int = 20, scale: Scale = .log) {
        self.timeBuckets = timeBuckets
        self.valueBuckets = valueBuckets
        self.scale = scale
    }
}

/// Event counts per (time bucket, value bucket) of a numeric field, weighted by sample rate.
///
/// Buckets are half-open: time bucket `t` is `timeEdges[t] ..< timeEdges[t+1]`, value bucket
/// `v` is `valueEdges[v] ..< valueEdges[v+1]`, so a box reads back exactly as the filters of
/// ``boxFilters(time:value:)``. On a log scale the edges grow geometrically from the smallest
/// positive value; when the scope also holds zeros the first edge is 0, so they land in the
/// first bucket. The top edge lies just above the largest value.
public struct Heatmap: Sendable, Equatable {
    /// The numeric field on the value axis.
    public let field: String
    /// Value axis scale.
    public let scale: HeatmapOptions.Scale
    /// Time bucket edges, ns; `timeBuckets + 1` of them.
    public let timeEdges: [Int64]
    /// Value bucket edges; `valueBuckets + 1` of them.
    public let valueEdges: [Double]
    /// Weighted counts, `counts[t * valueBuckets + v]`.
    public let counts: [Int64]
    /// Weighted events per time bucket that are drawn (sum of the column).
    public let totals: [Int64]
    /// Weighted events per time bucket that are not drawn: the field is absent, not a number,
    /// or outside the value edges.
    public let outside: [Int64]

    /// Makes a heatmap from its parts (for tests and previews); `counts` has
    /// `timeBuckets × valueBuckets` entries, the other arrays one per time bucket.
    public init(field: String, scale: HeatmapOptions.Scale, timeEdges: [Int64], valueEdges: [Double], counts: [Int64],
                totals: [Int64], outside: [Int64]) {
        self.field = field
        self.scale = scale
        self.timeEdges = timeEdges
        self.valueEdges = valueEdges
        self.counts = counts
        self.totals = totals
        self.outside = outside
    }

    /// Number of time buckets.
    public var timeBuckets: Int { max(0, timeEdges.count - 1) }
    /// Number of value buckets.
    public var valueBuckets: Int { max(0, valueEdges.count - 1) }

    /// The count of one cell.
    public func count(time t: Int, value v: Int) -> Int64 {
        guard t >= 0, t < timeBuckets, v >= 0, v < valueBuckets else { return 0 }
        let i = t * valueBuckets + v
        return i < counts.count ? counts[i] : 0
    }

    /// The largest cell count.
    public var maxCount: Int64 { counts.max() ?? 0 }

    /// The selection filters of a box of buckets: `timestamp >= a`, `timestamp < b`,
    /// `field >= lo`, `field < hi`.
    public func boxFilters(time: Range<Int>, value: Range<Int>) -> [Filter] {
        let t0 = max(0, min(time.lowerBound, timeBuckets)), t1 = max(t0, min(time.upperBound, timeBuckets))
        let v0 = max(0, min(value.lowerBound, valueBuckets)), v1 = max(v0, min(value.upperBound, valueBuckets))
        guard !timeEdges.isEmpty, !valueEdges.isEmpty else { return [] }
        return [Filter.time(.greaterOrEqual, timeEdges[t0]), Filter.time(.less, timeEdges[t1]),
                Filter(field, .greaterOrEqual, .float(valueEdges[v0])), Filter(field, .less, .float(valueEdges[v1]))]
    }

    /// Computes the heatmap of `field` over the events in `scope`.
    /// - Complexity: O(rows in scope + distinct values of the field)
    public static func compute(_ table: EventTable, scope: Scope, field: String, options: HeatmapOptions = HeatmapOptions()) -> Heatmap {
        var options = options
        if options.from == nil { options.from = scope.from }
        if options.to == nil { options.to = scope.to }
        return compute(table, rows: scope.rows(in: table), field: field, options: options)
    }

    /// Computes the heatmap of `field` over `rows`; rows outside the time axis are skipped.
    /// - Complexity: O(rows + distinct values of the field); about 5 ms for 1M events on 2 cores.
    public static func compute(_ table: EventTable, rows: RowSet, field: String, options: HeatmapOptions = HeatmapOptions()) -> Heatmap {
        let rows = rows.limited(to: table.count)
        let timeEdges = TimeAxis.edges(table, rows: rows, from: options.from, to: options.to,
                                       buckets: options.timeBuckets, granularity: options.granularity)
        let nt = max(0, timeEdges.count - 1)
        guard let column = table.column(field), nt > 0 else {
            let outside = TimeAxis.count(table, rows: rows, edges: timeEdges)
            let edges = options.scale == .log ? [1.0, 2.0] : [0.0, 1.0]
            return Heatmap(field: field, scale: options.scale, timeEdges: timeEdges, valueEdges: edges,
                           counts: [Int64](repeating: 0, count: nt), totals: [Int64](repeating: 0, count: nt), outside: outside)
        }
        let valueEdges = ValueAxis.edges(column.dictionary, codes: column.codes, rows: rows, range: options.valueRange,
                                         buckets: max(1, min(options.valueBuckets, 10_000)), scale: options.scale)
        let nv = valueEdges.count - 1
        let codeBucket = ValueAxis.codeBuckets(column.dictionary, edges: valueEdges)
        let grid = TimeAxis.grid(table, rows: rows, timeEdges: timeEdges, codes: column.codes,
                                 codeBucket: codeBucket, valueBuckets: nv)
        var totals = [Int64](repeating: 0, count: nt)
        for t in 0..<nt {
            var s: Int64 = 0
            for v in 0..<nv { s &+= grid.counts[t * nv + v] }
            totals[t] = s
        }
        return Heatmap(field: field, scale: options.scale, timeEdges: timeEdges, valueEdges: valueEdges,
                       counts: grid.counts, totals: totals, outside: grid.outside)
    }

    /// The weighted counts of `rows` on this heatmap's grid (its edges, the same bucketing),
    /// `counts[t * valueBuckets + v]`: a part of the events drawn (an SLO's bad events) told
    /// apart cell by cell. `table` must be the one the heatmap was computed from.
    /// - Complexity: O(rows + distinct values of the field)
    public func cellCounts(of rows: RowSet, in table: EventTable) -> [Int64] {
        let nt = timeBuckets, nv = valueBuckets
        guard nt > 0, nv > 0, let column = table.column(field) else { return [Int64](repeating: 0, count: nt * nv) }
        let codeBucket = ValueAxis.codeBuckets(column.dictionary, edges: valueEdges)
        return TimeAxis.grid(table, rows: rows.limited(to: table.count), timeEdges: timeEdges, codes: column.codes,
                             codeBucket: codeBucket, valueBuckets: nv).counts
    }

    /// The heatmap as JSON: `{"field":"duration_ms","scale":"log","time_edges":["RFC3339",...],
    /// "value_edges":[...],"counts":[[...per value bucket...] per time bucket],"totals":[...],
    /// "outside":[...]}`.
    public func json() -> String {
        var out = "{\"field\":"
        JSONText.appendString(field, to: &out)
        out += ",\"scale\":\"" + scale.rawValue + "\",\"time_edges\":["
        out += timeEdges.map { "\"" + Timestamp.format($0) + "\"" }.joined(separator: ",")
        out += "],\"value_edges\":[" + valueEdges.map { Value.format($0) }.joined(separator: ",") + "],\"counts\":["
        let nv = valueBuckets
        for t in 0..<timeBuckets {
            if t > 0 { out += "," }
            out += "[" + (0..<nv).map { String(count(time: t, value: $0)) }.joined(separator: ",") + "]"
        }
        out += "],\"totals\":[" + totals.map { String($0) }.joined(separator: ",")
        out += "],\"outside\":[" + outside.map { String($0) }.joined(separator: ",") + "]}"
        return out
    }
}
