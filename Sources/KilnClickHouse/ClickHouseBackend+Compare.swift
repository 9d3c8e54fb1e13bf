import KilnCore

/// `kiln compare` pushed down: the versions of a field with `GROUP BY` on its typed value, and
/// the two sides of a comparison as `GROUP BY side, group fields, metric, error, sample rate`
/// with a count, which Kiln expands back into one weighted entry per event, so the tests of
/// ``Compare`` see exactly what the embedded store hands them.
extension ClickHouseBackend {
    /// The level of `quantileExactWeighted` that gives the nearest-rank percentile `q` of
    /// ``CompareStatistics/percentile(_:_:)`` (see ``CalculationPlan``).
    static func level(_ q: Double) -> String { String(format: "%.17g", q - 1e-13) }

    public func versions(dataset: String, scope: Scope, field: String, metric: String, error: [Filter]) throws -> Answer<[VersionSummary]> {
        try requireDataset(dataset)
        let f = FieldSQL(field), m = FieldSQL(metric)
        let inScope = FilterSQL.scope(scope, dataset: dataset) + " AND " + f.exists
        let isError = Self.all(error)
        let values = f.valueColumns.enumerated().map { "\($1) AS _v\($0)" }.joined(separator: ", ")
        let sql = """
            SELECT \(values), min(timestamp_ns), max(timestamp_ns), count(), sum(sample_rate), sumIf(sample_rate, \(isError)), \
            quantileExactWeightedIf(\(Self.level(0.5)))(\(m.number), sample_rate, \(m.isNumber)), \
            quantileExactWeightedIf(\(Self.level(0.99)))(\(m.number), sample_rate, \(m.isNumber)), countIf(\(m.isNumber)) \
            FROM \(events) WHERE \(inScope) GROUP BY _v0, _v1, _v2, _v3, _v4
            """
        var out: [VersionSummary] = []
        var slot: [Value: Int] = [:]
        for r in try rows(sql) where r.count == 13 {
            guard let value = FieldSQL.value(kind: r[0], string: r[1], int: r[2], float: r[3], bool: r[4]) else { continue }
            let hasMetric = (Int64(r[12]) ?? 0) > 0
            slot[value] = out.count
            out.append(VersionSummary(value: value, service: nil, firstSeen: Int64(r[5]) ?? 0, lastSeen: Int64(r[6]) ?? 0,
                                      events: Int(r[7]) ?? 0, count: Double(r[8]) ?? 0, errors: Double(r[9]) ?? 0,
                                      p50: hasMetric ? Double(r[10]) : nil, p99: hasMetric ? Double(r[11]) : nil))
        }
        if field != StoreNames.serviceField, !out.isEmpty {
            // The most common service of each value (weighted; a tie goes to the service seen first).
            let s = FieldSQL(StoreNames.serviceField)
            let services = s.valueColumns.enumerated().map { "\($1) AS _s\($0)" }.joined(separator: ", ")
            var best: [Int: (weight: Int64, seq: UInt64, name: String)] = [:]
            for r in try rows("""
                SELECT \(values), \(services), sum(sample_rate), min(seq) FROM \(events) WHERE \(inScope) AND \(s.exists) \
                GROUP BY _v0, _v1, _v2, _v3, _v4, _s0, _s1, _s2, _s3, _s4
                """) where r.count == 12 {
                guard let value = FieldSQL.value(kind: r[0], string: r[1], int: r[2], float: r[3], bool: r[4]), let i = slot[value],
                      let service = FieldSQL.value(kind: r[5], string: r[6], int: r[7], float: r[8], bool: r[9]) else { continue }
                let weight = Int64(r[10]) ?? 0, seq = UInt64(r[11]) ?? .max
                if let b = best[i], b.weight > weight || (b.weight == weight && b.seq < seq) { continue }
                best[i] = (weight, seq, service.text)
            }
            for (i, b) in best { out[i].service = b.name }
        }
        return Answer(out.sorted { ($0.firstSeen, $0.value.text) < ($1.firstSeen, $1.value.text) })
    }

    public func compareSamples(dataset: String, request: CompareRequest) throws -> Answer<CompareSamples> {
        try requireDataset(dataset)
        let sides = [request.before, request.after].map { side(dataset: dataset, $0, request: request) }
        let either = "((\(sides[0])) OR (\(sides[1])))"

        // Group fields: every field but the excluded and ID-like ones with 2 to maxGroupValues
        // distinct values over both sides, and those values.
        let excluded = CompareSamples.excludedFields(request)
        let candidates = try fieldNames(dataset: dataset).filter { !excluded.contains($0) && !CompareSamples.isIDLike($0) }
        var out = CompareSamples()
        var chosen: [String] = []
        if !candidates.isEmpty {
            let list = candidates.map(SQL.quote).joined(separator: ", ")
            var distinct: [String: Int] = [:]
            let counting = Kind.all.map { kind in
                "SELECT key, uniqExact(v) FROM \(events) ARRAY JOIN \(kind.prefix)_keys AS key, \(kind.prefix)_values AS v WHERE \(either) AND key IN (\(list)) GROUP BY key"
            }
            for r in try rows(counting.joined(separator: " UNION ALL ")) where r.count == 2 { distinct[r[0], default: 0] += Int(r[1]) ?? 0 }
            chosen = candidates.filter { (2...max(2, request.maxGroupValues)).contains(distinct[$0] ?? 0) }.sorted()
        }
        var index: [[String: UInt16]] = chosen.map { _ in [:] }
        if !chosen.isEmpty {
            let list = chosen.map(SQL.quote).joined(separator: ", ")
            let listing = Kind.all.map { kind in
                "SELECT key, \(kind.code), toString(v), min(seq) FROM \(events) ARRAY JOIN \(kind.prefix)_keys AS key, \(kind.prefix)_values AS v WHERE \(either) AND key IN (\(list)) GROUP BY key, v"
            }
            var found: [String: [(key: String, value: Value, seq: UInt64)]] = [:]
            for r in try rows(listing.joined(separator: " UNION ALL ")) where r.count == 4 {
                let value: Value?
                switch r[1] {
                case "1": value = .string(r[2])
                case "2": value = Int64(r[2]).map(Value.int)
                case "3": value = Double(r[2]).map(Value.float)
                case "4": value = .bool(r[2] == "1")
                default: value = nil
                }
                guard let value else { continue }
                found[r[0], default: []].append((r[1] + r[2], value, UInt64(r[3]) ?? .max))
            }
            for (i, name) in chosen.enumerated() {
                // First seen first, as the embedded store numbers them.
                let values = (found[name] ?? []).sorted { ($0.seq, $0.key) < ($1.seq, $1.key) }
                out.groupValues.append(values.map(\.value))
                for (k, v) in values.enumerated() { index[i][v.key] = UInt16(k + 1) }
            }
            out.groupFields = chosen
        }

        // Per side: one row per distinct (group values, metric, error, sample rate), with its count.
        let m = FieldSQL(request.metric)
        var columns = chosen.map { name -> String in
            let f = FieldSQL(name)
            return "multiIf(\(f.hasString), concat('1', \(f.string)), \(f.hasInt), concat('2', toString(\(f.int))), \(f.hasFloat), concat('3', toString(\(f.float))), \(f.hasBool), concat('4', toString(\(f.bool))), '')"
        }
        columns += ["if(\(m.isNumber), \(m.number), nan)", Self.all(request.error), "sample_rate"]
        let group = columns.indices.map { "_c\($0)" }.joined(separator: ", ")
        let select = columns.enumerated().map { "\($1) AS _c\($0)" }.joined(separator: ", ")
        let statements = sides.enumerated().map { i, condition in
            "SELECT \(i), \(select), count() FROM \(events) WHERE \(condition) GROUP BY \(group)"
        }
        var result = [SideSamples(), SideSamples()]
        for i in 0..<2 { result[i].groups = chosen.map { _ in [] } }
        let k = chosen.count
        for r in try rows(statements.joined(separator: " UNION ALL ")) where r.count == k + 5 {
            guard let side = Int(r[0]), side < 2, let n = Int(r[k + 4]), n > 0 else { continue }
            let metric = Double(r[k + 1]) ?? .nan, isError = r[k + 2] == "1", weight = Double(r[k + 3]) ?? 1
            result[side].events += n
            result[side].weight += repeatElement(weight, count: n)
            result[side].metric += repeatElement(metric, count: n)
            result[side].isError += repeatElement(isError, count: n)
            for g in 0..<k { result[side].groups[g] += repeatElement(index[g][r[1 + g]] ?? 0, count: n) }
        }
        // The most common value of the compared field on each side.
        let f = FieldSQL(request.field)
        let values = f.valueColumns.enumerated().map { "\($1) AS _v\($0)" }.joined(separator: ", ")
        for (i, side) in [request.before, request.after].enumerated() {
            if let value = side.value {
                result[i].commonValue = result[i].events > 0 ? value : nil
                continue
            }
            let top = try rows("""
                SELECT \(values), sum(sample_rate) AS _w, min(seq) AS _q FROM \(events) WHERE \(sides[i]) AND \(f.exists) \
                GROUP BY _v0, _v1, _v2, _v3, _v4 ORDER BY _w DESC, _q LIMIT 1
                """).first
            if let r = top, r.count == 7 { result[i].commonValue = FieldSQL.value(kind: r[0], string: r[1], int: r[2], float: r[3], bool: r[4]) }
        }
        out.before = result[0]
        out.after = result[1]
        return Answer(out)
    }

    /// The condition of one side's events: the scope, the side's window, the compared value.
    private func side(dataset: String, _ side: CompareSide, request: CompareRequest) -> String {
        var filters = request.scope.filters
        if let value = side.value { filters.append(Filter(request.field, .equal, [value])) }
        let from = [request.scope.from, side.from].compactMap { $0 }.max()
        let to = [request.scope.to, side.to].compactMap { $0 }.min()
        return FilterSQL.scope(Scope(from: from, to: to, filters: filters), dataset: dataset)
    }

    /// Every filter of `filters` (false for none: no event is an error without a definition).
    static func all(_ filters: [Filter]) -> String {
        filters.isEmpty ? "0" : "(" + filters.map(FilterSQL.condition).joined(separator: " AND ") + ")"
    }
}
