/// A query over an ``EventTable``: calculations per group of GROUP BY values, ordered and
/// limited, optionally as a time series.
///
/// ```swift
/// var q = Query(scope: Scope(from: t0, to: t1, filters: [try Filter.parse("status >= 500")]))
/// q.calculations = [.count, try Calculation.parse("P99(duration_ms)")]
/// q.groupBy = ["service.name"]
/// q.orderBy = [try QueryOrder.parse("P99(duration_ms) desc")]
/// q.limit = 10
/// let result = try q.run(table)   // result.json(), result.table(width: 80), result.csv()
/// ```
///
/// Each combination of GROUP BY values present in scope is a group; absent is a value of its
/// own (shown as null). Without ORDER BY, groups sort by the first calculation descending.
/// Ties fall back to the GROUP BY values ascending, so results are deterministic. With no
/// calculation, list raw events with ``newestRows(_:scope:limit:)`` instead.
public struct Query: Sendable, Hashable {
    /// The events looked at.
    public var scope: Scope
    /// What to compute per group.
    public var calculations: [Calculation]
    /// Fields whose value combinations form the groups.
    public var groupBy: [String]
    /// Sort terms, first one first.
    public var orderBy: [QueryOrder]
    /// Most groups returned; nil for all.
    public var limit: Int?
    /// Time bucket width in nanoseconds for a time series per group (buckets start at
    /// multiples of it); nil for none.
    public var granularity: Int64?
    /// Value buckets of HEATMAP calculations.
    public var heatmapBuckets: Int

    /// Makes a query.
    public init(scope: Scope = Scope(), calculations: [Calculation] = [.count], groupBy: [String] = [],
                orderBy: [QueryOrder] = [], limit: Int? = nil, granularity: Int64? = nil, heatmapBuckets: Int = 20) {
        self.scope = scope
        self.calculations = calculations
        self.groupBy = groupBy
        self.orderBy = orderBy
        self.limit = limit
        self.granularity = granularity
        self.heatmapBuckets = heatmapBuckets
    }

    /// Runs the query.
    /// - Throws: ``AnalysisError`` (`.badOrder`) when an ORDER BY term names neither a
    ///   calculation nor a GROUP BY field of the query; (`.badQuery`) for a granularity giving
    ///   more than 100,000 time buckets or a negative limit.
    /// - Complexity: O(rows in scope × (group fields + calculations)); percentiles add an
    ///   expected O(rows) selection per group.
    public func run(_ table: EventTable) throws(AnalysisError) -> QueryResult {
        try QueryEngine(query: self, table: table).run()
    }

    /// Rows of the events in scope, newest first (ties: later row first), at most `limit`.
    /// - Complexity: O(rows in scope × log limit)
    public static func newestRows(_ table: EventTable, scope: Scope = Scope(), limit: Int) -> [Int] {
        newestRows(table, rows: scope.rows(in: table), limit: limit)
    }

    /// Rows of `rows` newest first (ties: later row first), at most `limit`; e.g. the raw events
    /// of a BubbleUp selection or baseline (``PreparedBubbleUp/split(selection:)``).
    /// - Complexity: O(rows × log limit), about O(rows) when rows arrive in time order
    public static func newestRows(_ table: EventTable, rows: RowSet, limit: Int) -> [Int] {
        guard limit > 0 else { return [] }
        let rows = rows.limited(to: table.count)
        // A min-heap of the `limit` newest (time, row) pairs.
        var heap: [(Int64, UInt32)] = []
        heap.reserveCapacity(min(limit, rows.count))
        @inline(__always) func older(_ a: (Int64, UInt32), _ b: (Int64, UInt32)) -> Bool { a.0 != b.0 ? a.0 < b.0 : a.1 < b.1 }
        @inline(__always) func offer(_ item: (Int64, UInt32)) {
            if heap.count < limit {
                heap.append(item)
                var i = heap.count - 1
                while i > 0 {
                    let p = (i - 1) / 2
                    guard older(heap[i], heap[p]) else { break }
                    heap.swapAt(i, p)
                    i = p
                }
            } else if older(heap[0], item) {
                heap[0] = item
                var i = 0
                while true {
                    let l = 2 * i + 1, r = l + 1
                    var m = i
                    if l < heap.count, older(heap[l], heap[m]) { m = l }
                    if r < heap.count, older(heap[r], heap[m]) { m = r }
                    if m == i { break }
                    heap.swapAt(i, m)
                    i = m
                }
            }
        }
        table.timestamps.withUnsafeBufferPointer { ts in
            rows.withIDs { ids in
                // Newest rows are usually last (arrival order): walking backwards fills the heap
                // with them first, and older rows then fail the first comparison.
                if let ids {
                    for r in ids.reversed() where heap.count < limit || ts[Int(r)] >= heap[0].0 { offer((ts[Int(r)], r)) }
                } else {
                    for r in (0..<ts.count).reversed() where heap.count < limit || ts[r] >= heap[0].0 {
                        offer((ts[r], UInt32(truncatingIfNeeded: r)))
                    }
                }
            }
        }
        heap.sort { older($1, $0) }
        return heap.map { Int($0.1) }
    }
}

extension Query {
    /// One (time bucket, group) of a series computed elsewhere (a SQL backend's `GROUP BY`
    /// time bucket, group fields).
    public struct SeriesCell: Sendable, Equatable {
        /// The time bucket: `[edges[bucket], edges[bucket + 1])` of ``Query/seriesEdges(times:groupsShown:)``.
        public var bucket: Int
        /// The group: an index into the `groups` given to ``Query/result(groups:values:weighted:heatmapEdges:seriesEdges:seriesCells:)``.
        public var group: Int
        /// The calculation values, in `calculations` order.
        public var values: [CalculationValue]

        /// Makes a cell.
        public init(bucket: Int, group: Int, values: [CalculationValue]) {
            self.bucket = bucket
            self.group = group
            self.values = values
        }
    }

    /// The groups a result shows, in its order: indices into `groups`, ordered and limited as
    /// ``run(_:)`` orders and limits them (`groups` and `values` as for
    /// ``result(groups:values:weighted:heatmapEdges:seriesEdges:seriesCells:)``).
    /// - Throws: ``AnalysisError`` as ``run(_:)`` for a bad ORDER BY or limit.
    /// - Complexity: O(groups × log groups)
    public func shownGroups(groups: [[Value?]], values: [[CalculationValue]]) throws(AnalysisError) -> [Int] {
        if let limit, limit < 0 { throw .query("limit must be 0 or more, not \(limit)") }
        let engine = QueryEngine(query: self, table: EventTable())
        var order = QueryEngine.order(groups: groups.count, orders: try engine.resolveOrders(), values: values, groupValues: groups,
                                      groupFields: groupBy.count)
        if let limit, order.count > limit { order.removeLast(order.count - limit) }
        return order
    }

    /// The time bucket edges of this query's series (with a granularity) over events in scope
    /// whose earliest and latest times are `times` (nil when there is none), as ``run(_:)``
    /// makes them: buckets start at multiples of the granularity, from the scope's start (or the
    /// earliest event) to its end (or just after the latest). Empty without events, or without
    /// a granularity.
    /// - Throws: ``AnalysisError`` (`.badQuery`) as ``run(_:)`` for a granularity giving more
    ///   than 100,000 buckets, or more than 4,000,000 buckets × `groupsShown`.
    public func seriesEdges(times: (lo: Int64, hi: Int64)?, groupsShown: Int) throws(AnalysisError) -> [Int64] {
        guard let granularity else { return [] }
        return try QueryEngine.seriesEdges(granularity: granularity, scope: scope, hasEvents: times != nil, groupsShown: groupsShown) { times }
    }

    /// The value bucket edges of a HEATMAP calculation over the numbers in scope spanning
    /// `values` (smallest, smallest positive, largest finite number; nil when there is none),
    /// as ``run(_:)`` makes them (``heatmapBuckets`` log-scale buckets).
    public func heatmapEdges(values: (min: Double, minPositive: Double?, max: Double)?) -> [Double] {
        ValueAxis.edges(values, buckets: max(1, min(heatmapBuckets, 1000)), scale: .log)
    }

    /// The value bucket edges of a HEATMAP calculation of a field the dataset does not have
    /// (its every cell is one empty bucket, as ``run(_:)`` answers).
    public static let absentFieldHeatmapEdges: [Double] = [1, 2]

    /// The result of this query from per-group values computed elsewhere (a SQL backend's
    /// GROUP BY): `groups[g]` are the GROUP BY values of group `g` and `values[k][g]` the value of
    /// calculation `k` for it. Orders and limits the groups exactly as ``run(_:)`` does; with a
    /// granularity, the series holds the `seriesCells` of the groups shown, by time bucket,
    /// then in row order (cells of other groups, or outside `seriesEdges`, are left out).
    /// - Throws: ``AnalysisError`` as ``run(_:)`` for a bad ORDER BY or limit.
    /// - Complexity: O(groups × log groups + cells × log cells)
    public func result(groups: [[Value?]], values: [[CalculationValue]], weighted: Bool, heatmapEdges: [String: [Double]] = [:],
                       seriesEdges: [Int64] = [], seriesCells: [SeriesCell] = []) throws(AnalysisError) -> QueryResult {
        let order = try shownGroups(groups: groups, values: values)
        let rows = order.map { g in QueryRow(group: groups[g], values: values.indices.map { values[$0][g] }) }
        var series: [QuerySeriesPoint]?
        if granularity != nil {
            var rank = [Int](repeating: -1, count: groups.count)
            for (i, g) in order.enumerated() { rank[g] = i }
            let nt = seriesEdges.count - 1
            let cells = seriesCells.filter { $0.bucket >= 0 && $0.bucket < nt && $0.group >= 0 && $0.group < groups.count && rank[$0.group] >= 0 }
                .sorted { ($0.bucket, rank[$0.group]) < ($1.bucket, rank[$1.group]) }
            series = cells.map { QuerySeriesPoint(time: seriesEdges[$0.bucket], group: groups[$0.group], values: $0.values) }
        }
        return QueryResult(groupBy: groupBy, calculations: calculations, rows: rows, series: series, granularity: granularity,
                           heatmapEdges: heatmapEdges, weighted: weighted)
    }
}
