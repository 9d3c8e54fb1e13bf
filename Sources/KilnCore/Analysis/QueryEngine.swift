/// Runs a ``Query``: rows in scope → a group per row → one pass per calculation.
struct QueryEngine {
    let query: Query
    let table: EventTable

    /// Largest number of (time bucket × group) cells a series may have.
    static let maxSeriesCells = 4_000_000

    func run() throws(AnalysisError) -> QueryResult {
        if let limit = query.limit, limit < 0 { throw .query("limit must be 0 or more, not \(limit)") }
        let orders = try resolveOrders()
        let rows = query.scope.rows(in: table)
        let grouping = Grouping(table: table, rows: rows, fields: query.groupBy)
        var aggregator = Aggregator(table: table, rows: rows, calculations: query.calculations, heatmapBuckets: query.heatmapBuckets)
        let values = aggregator.run(cellOf: grouping.rowGroup, cells: grouping.count)
        let groupValues = (0..<grouping.count).map { grouping.values($0, table: table) }

        var order = Self.order(groups: grouping.count, orders: orders, values: values, groupValues: groupValues, groupFields: query.groupBy.count)
        if let limit = query.limit, order.count > limit { order.removeLast(order.count - limit) }
        let resultRows = order.map { g in
            QueryRow(group: groupValues[g], values: values.indices.map { values[$0][g] })
        }
        var series: [QuerySeriesPoint]?
        if let g = query.granularity {
            series = try makeSeries(granularity: g, rows: rows, grouping: grouping, order: order, groupValues: groupValues, aggregator: &aggregator)
        }
        return QueryResult(groupBy: query.groupBy, calculations: query.calculations, rows: resultRows, series: series,
                           granularity: query.granularity, heatmapEdges: aggregator.heatmapEdges, weighted: aggregator.isWeighted)
    }

    enum Term { case calc(Int), group(Int) }

    /// Groups in result order: by the ORDER BY terms (nulls last whatever the direction), then
    /// by the GROUP BY values ascending, then by group number.
    static func order(groups: Int, orders: [(Term, Bool)], values: [[CalculationValue]], groupValues: [[Value?]], groupFields: Int) -> [Int] {
        var order = Array(0..<groups)
        order.sort { a, b in
            for (term, descending) in orders {
                let c: Int
                switch term {
                case .calc(let k): c = Self.compare(values[k][a], values[k][b])
                case .group(let k): c = Self.compare(groupValues[a][k], groupValues[b][k])
                }
                if c != 0 {
                    // Nulls stay last whatever the direction.
                    if c == 2 || c == -2 { return c < 0 }
                    return descending ? c > 0 : c < 0
                }
            }
            for k in 0..<groupFields {
                let c = Self.compare(groupValues[a][k], groupValues[b][k])
                if c != 0 { return c < 0 }
            }
            return a < b
        }
        return order
    }

    func resolveOrders() throws(AnalysisError) -> [(Term, Bool)] {
        var out: [(Term, Bool)] = []
        for o in query.orderBy {
            switch o.key {
            case .calculation(let c):
                if let k = query.calculations.firstIndex(of: c) { out.append((.calc(k), o.descending)); continue }
                // A GROUP BY field that happens to read as a calculation (`count`).
                let text = c.description
                if let k = query.groupBy.firstIndex(where: { $0 == text || $0.lowercased() == text.lowercased() }) {
                    out.append((.group(k), o.descending))
                    continue
                }
            case .field(let f):
                if let k = query.groupBy.firstIndex(of: f) { out.append((.group(k), o.descending)); continue }
            }
            let names = query.calculations.map(\.description) + query.groupBy
            throw .order("order by \(o.description): not one of this query's calculations or GROUP BY fields (\(names.joined(separator: ", ")))",
                         in: o.description, at: nil)
        }
        if out.isEmpty, !query.calculations.isEmpty { out.append((.calc(0), true)) }
        return out
    }

    /// -1/0/1 for ordinary order; -2 when only `a` is null-like (sorts last), 2 when only `b` is.
    static func compare(_ a: CalculationValue, _ b: CalculationValue) -> Int {
        switch (a.sortNumber, b.sortNumber) {
        case (nil, nil): return 0
        case (nil, _): return 2
        case (_, nil): return -2
        case (let x?, let y?): return x < y ? -1 : (x > y ? 1 : 0)
        }
    }

    static func compare(_ a: Value?, _ b: Value?) -> Int {
        if a == nil, b == nil { return 0 }
        if a == nil { return 2 }
        if b == nil { return -2 }
        if ValueOrder.less(a, b) { return -1 }
        if ValueOrder.less(b, a) { return 1 }
        return 0
    }

    /// The edges of a series of `granularity` over `scope` (see ``Query/seriesEdges(times:groupsShown:)``);
    /// `extent` gives the earliest and latest event time in scope, asked only when the scope
    /// leaves one open.
    static func seriesEdges(granularity g: Int64, scope: Scope, hasEvents: Bool, groupsShown: Int,
                            extent: () -> (lo: Int64, hi: Int64)?) throws(AnalysisError) -> [Int64] {
        guard g > 0 else { throw .query("granularity must be positive") }
        let edges = TimeAxis.edges(from: scope.from, to: scope.to, buckets: 1, granularity: g, extent: extent)
        if edges.isEmpty {
            if !hasEvents { return [] }
            let text = g < 1_000_000_000_000_000 ? DurationText.format(g) : "\(g)ns"
            throw .query("granularity \(text) gives more than \(TimeAxis.maxBuckets) time buckets (or times out of range); use a coarser one")
        }
        let nt = edges.count - 1
        guard nt * max(1, groupsShown) <= maxSeriesCells else {
            throw .query("series of \(nt) time buckets × \(groupsShown) groups is too large; use a coarser granularity or a smaller limit")
        }
        return edges
    }

    private func makeSeries(granularity g: Int64, rows: RowSet, grouping: Grouping, order: [Int], groupValues: [[Value?]],
                            aggregator: inout Aggregator) throws(AnalysisError) -> [QuerySeriesPoint] {
        let edges = try Self.seriesEdges(granularity: g, scope: query.scope, hasEvents: !rows.isEmpty, groupsShown: order.count) {
            TimeAxis.extent(table, rows: rows)
        }
        guard !edges.isEmpty else { return [] }
        let nt = edges.count - 1
        let groupsShown = order.count
        var rank = [UInt32](repeating: UInt32.max, count: grouping.count)
        for (i, gid) in order.enumerated() { rank[gid] = UInt32(i) }
        let first = edges[0], last = edges[nt]
        var cellOf = [UInt32](repeating: UInt32.max, count: rows.count)
        var filled = [Bool](repeating: false, count: nt * max(1, groupsShown))
        table.timestamps.withUnsafeBufferPointer { ts in
            var i = 0
            rows.forEachID { r in
                defer { i += 1 }
                let rk = rank[Int(grouping.rowGroup[i])]
                let t = ts[Int(r)]
                guard rk != UInt32.max, t >= first, t < last else { return }
                let cell = Int((t - first) / g) * groupsShown + Int(rk)
                cellOf[i] = UInt32(cell)
                filled[cell] = true
            }
        }
        let values = aggregator.run(cellOf: cellOf, cells: nt * groupsShown)
        var points: [QuerySeriesPoint] = []
        for cell in 0..<(nt * groupsShown) where filled[cell] {
            let t = cell / groupsShown, k = cell % groupsShown
            points.append(QuerySeriesPoint(time: edges[t], group: groupValues[order[k]], values: values.indices.map { values[$0][cell] }))
        }
        return points
    }
}
