import KilnCore

/// A query pushed down: at most three statements, each one scan of the scope.
///
/// 1. The extent, when the query needs one: per calculation field whether it has floats in
///    scope (int or float results, as the embedded store decides by the column's kinds), per
///    HEATMAP field the extent of its numbers (Kiln makes the value axis from it, as for the
///    explorer's heatmap), and with a granularity the events and their earliest and latest time.
/// 2. One `GROUP BY` of the group fields with every calculation; Kiln orders and limits the
///    groups (``Query/shownGroups(groups:values:)``).
/// 3. With a granularity, one `GROUP BY` time bucket and group fields: the bucket is
///    `intDiv(timestamp_ns - first edge, granularity)`, the edges aligned to multiples of the
///    granularity as the embedded store aligns them (``Query/seriesEdges(times:groupsShown:)``).
///    When the limit leaves groups out, only the shown ones are counted (by a hash of their
///    values, checked again against the values themselves).
///
/// HEATMAP counts the weight per value bucket with `sumMap`. Counts, sums of ints, MIN, MAX,
/// COUNT_DISTINCT and the percentiles (`quantileExactWeighted`) are exact.
extension ClickHouseBackend {
    public func query(_ query: Query, dataset: String) throws -> Answer<QueryResult> {
        try requireDataset(dataset)
        let condition = FilterSQL.scope(query.scope, dataset: dataset)
        let extent = try self.extent(of: query, dataset: dataset, condition: condition)

        var groupColumns: [String] = []
        var groupAliases: [String] = []
        for (i, g) in query.groupBy.enumerated() {
            for (j, column) in FieldSQL(g).valueColumns.enumerated() {
                groupColumns.append(column)
                groupAliases.append("_g\(i)_\(j)")
            }
        }
        let groupSelect = zip(groupColumns, groupAliases).map { "\($0) AS \($1)" }
        var plans: [CalculationPlan] = []
        var next = groupColumns.count
        for calc in query.calculations {
            var heatmapEdges: [Double]?
            if case .heatmap(let f) = calc, !extent.absent.contains(f) { heatmapEdges = extent.heatmapEdges[calc.description] }
            let plan = CalculationPlan(calc, firstColumn: next, integers: !(calc.field.map { extent.floats.contains($0) } ?? false),
                                       heatmapEdges: heatmapEdges)
            plans.append(plan)
            next += plan.columns.count
        }
        let calcColumns = plans.flatMap(\.columns)
        // With a series of some of the groups, each group's hash picks its events out.
        let hashGroups = query.granularity != nil && !groupColumns.isEmpty
        var select = groupSelect + calcColumns + ["max(sample_rate)"]
        if hashGroups { select.append("cityHash64(\(groupAliases.joined(separator: ", ")))") }
        var sql = "SELECT \(select.joined(separator: ", ")) FROM \(events) WHERE \(condition)"
        if !groupAliases.isEmpty { sql += " GROUP BY \(groupAliases.joined(separator: ", "))" }

        var groups: [[Value?]] = []
        var keys: [[String]: Int] = [:]
        var hashes: [String] = []
        var values = [[CalculationValue]](repeating: [], count: plans.count)
        var weighted = false
        let weightColumn = groupColumns.count + calcColumns.count
        for r in try rows(sql) where r.count == select.count {
            keys[Array(r[0..<groupColumns.count])] = groups.count
            groups.append(Self.groupValues(r, from: 0, fields: query.groupBy.count))
            for (k, plan) in plans.enumerated() { values[k].append(plan.value(r)) }
            if (UInt64(r[weightColumn]) ?? 1) > 1 { weighted = true }
            if hashGroups { hashes.append(r[weightColumn + 1]) }
        }

        var edges: [Int64] = []
        var cells: [Query.SeriesCell] = []
        if query.granularity != nil {
            let shown = try query.shownGroups(groups: groups, values: values)
            edges = try query.seriesEdges(times: extent.times, groupsShown: shown.count)
            if edges.count > 1, !shown.isEmpty {
                let first = edges[0], last = edges[edges.count - 1], width = edges[1] - edges[0]
                let seriesPlans = plans.map { $0.at($0.first + 1) }
                var where_ = "\(condition) AND timestamp_ns >= \(SQL.int(first)) AND timestamp_ns < \(SQL.int(last))"
                if hashGroups, shown.count < groups.count {
                    where_ += " AND cityHash64(\(groupColumns.joined(separator: ", "))) IN (\(shown.map { hashes[$0] }.joined(separator: ", ")))"
                }
                let seriesSelect = ["intDiv(timestamp_ns - \(SQL.int(first)), \(width)) AS _t"] + groupSelect + calcColumns
                let sql = "SELECT \(seriesSelect.joined(separator: ", ")) FROM \(events) WHERE \(where_) GROUP BY \((["_t"] + groupAliases).joined(separator: ", "))"
                for r in try rows(sql) where r.count == seriesSelect.count {
                    guard let bucket = Int(r[0]), let group = keys[Array(r[1..<(1 + groupColumns.count)])] else { continue }
                    cells.append(Query.SeriesCell(bucket: bucket, group: group, values: seriesPlans.map { $0.value(r) }))
                }
            }
        }
        return Answer(try query.result(groups: groups, values: values, weighted: weighted, heatmapEdges: extent.heatmapEdges,
                                       seriesEdges: edges, seriesCells: cells))
    }

    /// What a query needs to know of its scope before its `GROUP BY` (see the first statement above).
    struct QueryExtent {
        /// The calculation fields with a float in scope.
        var floats: Set<String> = []
        /// Value edges of each HEATMAP calculation, by its canonical text.
        var heatmapEdges: [String: [Double]] = [:]
        /// The HEATMAP fields the dataset does not have.
        var absent: Set<String> = []
        /// The earliest and latest event time in scope (asked with a granularity); nil without events.
        var times: (lo: Int64, hi: Int64)?
    }

    /// The first statement: floats, HEATMAP extents and the time extent, in one scan (none
    /// when the query needs none of them).
    func extent(of query: Query, dataset: String, condition: String) throws -> QueryExtent {
        var extent = QueryExtent()
        let calcFields = Array(Set(query.calculations.compactMap(\.field))).sorted()
        var heatmapFields: [String] = []
        for case .heatmap(let f) in query.calculations where !heatmapFields.contains(f) { heatmapFields.append(f) }
        if !heatmapFields.isEmpty {
            let known = Set(try fieldNames(dataset: dataset))
            for f in heatmapFields where !known.contains(f) {
                extent.absent.insert(f)
                extent.heatmapEdges[Calculation.heatmap(f).description] = Query.absentFieldHeatmapEdges
            }
            heatmapFields.removeAll(where: extent.absent.contains)
        }
        var columns = calcFields.map { "countIf(\(FieldSQL($0).hasFloat))" }
        for f in heatmapFields { columns += FieldSQL(f).numberExtentColumns }
        if query.granularity != nil { columns += ["count()", "min(timestamp_ns)", "max(timestamp_ns)"] }
        guard !columns.isEmpty else { return extent }
        let r = try rows("SELECT \(columns.joined(separator: ", ")) FROM \(events) WHERE \(condition)").first ?? []
        guard r.count == columns.count else {
            throw ClickHouseError(code: .protocolError, message: "ClickHouse at \(store.url.address): unexpected answer to a query's extent")
        }
        for (i, f) in calcFields.enumerated() where (Int64(r[i]) ?? 0) > 0 { extent.floats.insert(f) }
        var at = calcFields.count
        for f in heatmapFields {
            extent.heatmapEdges[Calculation.heatmap(f).description] = query.heatmapEdges(values: FieldSQL.numberExtent(r[at..<(at + 5)]))
            at += 5
        }
        if query.granularity != nil, (Int64(r[at]) ?? 0) > 0, let lo = Int64(r[at + 1]), let hi = Int64(r[at + 2]) {
            extent.times = (lo, hi)
        }
        return extent
    }

    /// The values of `fields` group fields from their five columns each, starting at `from`.
    static func groupValues(_ r: [String], from: Int, fields: Int) -> [Value?] {
        (0..<fields).map { i in
            let b = from + i * 5
            return FieldSQL.value(kind: r[b], string: r[b + 1], int: r[b + 2], float: r[b + 3], bool: r[b + 4])
        }
    }
}
