import KilnCore

/// The heatmap pushed down: one statement finds the extent of the times and numbers in scope,
/// Kiln makes the axes from it (as the embedded store does), and one `GROUP BY` counts the
/// weighted events per (time bucket, value bucket), out-of-axis events per time bucket.
extension ClickHouseBackend {
    public func heatmap(dataset: String, scope: Scope, field: String, options: HeatmapOptions) throws -> Answer<Heatmap> {
        var options = options
        if options.from == nil { options.from = scope.from }
        if options.to == nil { options.to = scope.to }
        let known = try fieldNames(dataset: dataset)
        let inScope = FilterSQL.scope(scope, dataset: dataset)
        let f = FieldSQL(field)
        let r = try rows("SELECT count(), min(timestamp_ns), max(timestamp_ns), \(f.numberExtentColumns.joined(separator: ", ")) FROM \(events) WHERE \(inScope)").first ?? []
        guard r.count == 8 else { throw ClickHouseError(code: .protocolError, message: "ClickHouse at \(store.url.address): unexpected answer to a heatmap extent") }
        let times: (lo: Int64, hi: Int64)? = (Int64(r[0]) ?? 0) > 0 ? (Int64(r[1]) ?? 0, Int64(r[2]) ?? 0) : nil
        let values = FieldSQL.numberExtent(r[3...])
        let axes = Heatmap.axes(extent: Heatmap.Extent(times: times, values: values), options: options)
        let nt = axes.time.count - 1
        guard nt > 0 else { return Answer(Heatmap.absentField(field, options: options, timeEdges: axes.time, outside: [])) }
        let t0 = axes.time[0], t1 = axes.time[nt], width = axes.time[1] - axes.time[0]
        let exists = known.contains(field)
        let valueBucket = exists ? f.valueBucket(edges: axes.value) : "-1"
        let cells = try rows("SELECT intDiv(timestamp_ns - \(SQL.int(t0)), \(width)) AS _t, \(valueBucket) AS _v, sum(sample_rate) FROM \(events) WHERE \(inScope) AND timestamp_ns >= \(SQL.int(t0)) AND timestamp_ns < \(SQL.int(t1)) GROUP BY _t, _v")
            .compactMap { c -> (time: Int, value: Int?, weight: Int64)? in
                guard c.count == 3, let t = Int(c[0]), let v = Int(c[1]), let w = Int64(c[2]) else { return nil }
                return (t, v < 0 ? nil : v, w)
            }
        guard exists else {
            var outside = [Int64](repeating: 0, count: nt)
            for c in cells where c.time >= 0 && c.time < nt { outside[c.time] += c.weight }
            return Answer(Heatmap.absentField(field, options: options, timeEdges: axes.time, outside: outside))
        }
        return Answer(Heatmap.fromCells(field: field, options: options, timeEdges: axes.time, valueEdges: axes.value, cells: cells))
    }
}
