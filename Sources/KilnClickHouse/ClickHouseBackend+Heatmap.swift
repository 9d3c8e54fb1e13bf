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
        let x = f.number
        let ok = "(\(f.isNumber) AND isFinite(\(x)))"
        let r = try rows("SELECT count(), min(timestamp_ns), max(timestamp_ns), countIf(\(ok)), minIf(\(x), \(ok)), maxIf(\(x), \(ok)), countIf(\(ok) AND \(x) > 0), minIf(\(x), \(ok) AND \(x) > 0) FROM \(events) WHERE \(inScope)").first ?? []
        guard r.count == 8 else { throw ClickHouseError(code: .protocolError, message: "ClickHouse at \(store.url.address): unexpected answer to a heatmap extent") }
        let times: (lo: Int64, hi: Int64)? = (Int64(r[0]) ?? 0) > 0 ? (Int64(r[1]) ?? 0, Int64(r[2]) ?? 0) : nil
        var values: (min: Double, minPositive: Double?, max: Double)?
        if (Int64(r[3]) ?? 0) > 0, let lo = Double(r[4]), let hi = Double(r[5]) {
            values = (lo, (Int64(r[6]) ?? 0) > 0 ? Double(r[7]) : nil, hi)
        }
        let axes = Heatmap.axes(extent: Heatmap.Extent(times: times, values: values), options: options)
        let nt = axes.time.count - 1
        guard nt > 0 else { return Answer(Heatmap.absentField(field, options: options, timeEdges: axes.time, outside: [])) }
        let t0 = axes.time[0], t1 = axes.time[nt], width = axes.time[1] - axes.time[0]
        let exists = known.contains(field)
        let valueBucket: String
        if exists {
            let edges = axes.value
            let inner = edges.dropFirst().dropLast().map(SQL.float).joined(separator: ", ")
            let bucket = inner.isEmpty ? "0" : "arrayCount(e -> e <= \(x), [\(inner)])"
            valueBucket = "if(\(ok) AND \(x) >= \(SQL.float(edges.first ?? 0)) AND \(x) < \(SQL.float(edges.last ?? 1)), \(bucket), -1)"
        } else {
            valueBucket = "-1"
        }
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
