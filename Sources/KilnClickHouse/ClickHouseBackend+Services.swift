import KilnCore

/// `kiln services` and its map pushed down to ClickHouse: per-service (and per-edge) counts,
/// errors and exact weighted percentiles come back as a few rows per service, computed where
/// the events are. The SQL runs on ClickHouse 18.16 and current ClickHouse.
///
/// The service is the string `service.name` (its real column); trace, span and parent ids are
/// the string fields `trace.trace_id` (real column), `trace.span_id` and `trace.parent_id`.
extension ClickHouseBackend {
    /// SQL expressions of a dataset's span fields, as ``SpanFields`` reads them.
    struct SpanSQL {
        let fields: SpanFields

        /// True where the event has a (string) service.
        var hasService: String { FieldSQL(fields.service).hasString }

        /// True on errors: the error flag true, or a status of 500 and above.
        var isError: String {
            let flag = FieldSQL(fields.errorFlag)
            var parts = ["(\(flag.hasBool) AND \(flag.bool) = 1)"]
            for name in fields.errorStatus {
                let f = FieldSQL(name)
                parts.append("(\(f.isNumber) AND \(f.number) >= 500)")
            }
            return "(" + parts.joined(separator: " OR ") + ")"
        }

        /// True where the event has a numeric duration.
        var hasDuration: String { fields.duration.map { FieldSQL($0).isNumber } ?? "0" }

        /// The duration in milliseconds (where ``hasDuration``).
        var milliseconds: String {
            guard let d = fields.duration else { return "0" }
            return "(\(FieldSQL(d).number) * \(SQL.float(fields.millisecondsPerUnit)))"
        }

        /// The weighted nearest-rank percentile `perMille` of the duration over the events where
        /// `condition` holds (see ``CalculationPlan``).
        func percentile(_ perMille: Int64, _ condition: String) -> String {
            let level = String(format: "%.17g", Double(perMille) / 1000 - 1e-13)
            return "quantileExactWeightedIf(\(level))(if(\(hasDuration), \(milliseconds), 0), sample_rate, \(condition) AND \(hasDuration))"
        }
    }

    /// The MergeTree table of events on each server: `events_local` on the shards of a cluster
    /// (a query over the Distributed `events` runs on every shard with it), else `events`.
    var localEvents: String { store.url.cluster == nil ? events : "\(database).events_local" }

    public func services(dataset: String, request: ServicesRequest) throws -> Answer<ServicesReport> {
        try requireDataset(dataset)
        let span = SpanSQL(fields: SpanFields.resolve(try fieldNames(dataset: dataset)))
        let from = SQL.int(request.from)
        let scope = FilterSQL.scope(Scope(from: request.previousFrom, to: request.to, filters: request.filters), dataset: dataset)
        // Aggregated on each shard, merged by the server asked: a few rows per service come back.
        var select = ["service_name"]
        for side in ["timestamp_ns >= \(from)", "timestamp_ns < \(from)"] {
            select += ["countIf(\(side))", "sumIf(sample_rate, \(side))", "sumIf(sample_rate, \(side) AND \(span.isError))"]
            select += [500, 950, 990].map { span.percentile($0, side) }
            select.append("sumIf(sample_rate, \(side) AND \(span.hasDuration))")
        }
        let sql = "SELECT \(select.joined(separator: ", ")) FROM \(events) WHERE \(scope) AND \(span.hasService) GROUP BY service_name"
        var series: [String: [Double]] = [:]
        let buckets = request.buckets
        if buckets > 0 {
            // The bucket as `ServicesAccumulator` computes it, in the same floating-point steps.
            let bucket = "least(\(buckets - 1), greatest(0, toInt64(toFloat64(timestamp_ns - \(from)) / \(SQL.float(Double(request.to &- request.from))) * \(buckets))))"
            let current = FilterSQL.scope(Scope(from: request.from, to: request.to, filters: request.filters), dataset: dataset)
            for r in try rows("SELECT service_name, \(bucket) AS b, sum(sample_rate) FROM \(events) WHERE \(current) AND \(span.hasService) GROUP BY service_name, b")
            where r.count == 3 {
                guard let b = Int(r[1]), b >= 0, b < buckets, let w = Double(r[2]) else { continue }
                series[r[0], default: [Double](repeating: 0, count: buckets)][b] += w
            }
        }
        var out: [ServiceSummary] = []
        for r in try rows(sql) where r.count == 1 + 2 * 7 {
            func stats(_ at: Int) -> ServiceStats {
                let weighted = (Double(r[at + 6]) ?? 0) > 0
                let p = { (k: Int) in weighted ? Double(r[at + 3 + k]) : nil }
                return ServiceStats(spans: Int(r[at]) ?? 0, count: Double(r[at + 1]) ?? 0, errors: Double(r[at + 2]) ?? 0,
                                    p50: p(0), p95: p(1), p99: p(2))
            }
            out.append(ServiceSummary(name: r[0], current: stats(1), previous: stats(8),
                                      series: buckets > 0 ? series[r[0]] ?? [Double](repeating: 0, count: buckets) : []))
        }
        out.sort { a, b in a.current.count != b.current.count ? a.current.count > b.current.count : a.name < b.name }
        return Answer(ServicesReport(request: request, services: out))
    }

    public func serviceMap(dataset: String, scope: Scope) throws -> Answer<ServiceMap> {
        try requireDataset(dataset)
        let fields = SpanFields.resolve(try fieldNames(dataset: dataset))
        let span = SpanSQL(fields: fields)
        let parent = FieldSQL(fields.parent), spanID = FieldSQL(fields.span)
        // Children: the events in scope. Parents: the events of the time window, whatever the
        // filters, one per (trace, span id): the first to arrive. A trace stays on one shard
        // (the Distributed table is sharded by trace id), so each shard joins its own events.
        let window = FilterSQL.scope(Scope(from: scope.from, to: scope.to), dataset: dataset)
        let parents = """
            SELECT trace_id, \(spanID.string) AS span_key, argMin(service_name, seq) AS parent_service, \
            argMin(\(span.hasService), seq) AS parent_has_service, 1 AS found \
            FROM \(localEvents) WHERE \(window) AND \(spanID.hasString) GROUP BY trace_id, span_key
            """
        // The child's parent id joins as an ARRAY JOIN column, so that the outer FROM stays the
        // (Distributed) events table and the join runs on every shard.
        let sql = """
            SELECT multiIf(NOT \(parent.hasString), if(\(span.hasService), 0, 3), found = 1, 2, 1) AS kind, \
            if(kind = 2, parent_service, '') AS from_service, service_name, count(), sum(sample_rate), \
            sumIf(sample_rate, \(span.isError)), \(span.percentile(500, "1")), \(span.percentile(990, "1")), \
            sumIf(sample_rate, \(span.hasDuration)) \
            FROM \(events) ARRAY JOIN [\(parent.string)] AS span_key \
            ANY LEFT JOIN (\(parents)) AS parents USING (trace_id, span_key) \
            WHERE \(FilterSQL.scope(scope, dataset: dataset)) \
            AND (NOT (\(parent.hasString) AND found = 1) OR (\(span.hasService) AND parent_has_service = 1 AND parent_service != service_name)) \
            GROUP BY kind, from_service, service_name
            """
        var edges: [ServiceEdge] = []
        var roots: [(String, Double)] = []
        var orphans = 0
        for r in try rows(sql) where r.count == 9 {
            switch r[0] {
            case "0": roots.append((r[2], Double(r[4]) ?? 0))
            case "1": orphans += Int(r[3]) ?? 0
            case "2":
                let weighted = (Double(r[8]) ?? 0) > 0
                edges.append(ServiceEdge(from: r[1], to: r[2], spans: Int(r[3]) ?? 0, calls: Double(r[4]) ?? 0, errors: Double(r[5]) ?? 0,
                                         p50: weighted ? Double(r[6]) : nil, p99: weighted ? Double(r[7]) : nil))
            default: continue
            }
        }
        edges.sort { a, b in a.calls != b.calls ? a.calls > b.calls : (a.from, a.to) < (b.from, b.to) }
        roots.sort { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }
        return Answer(ServiceMap(edges: edges, entries: roots.filter { $0.1 > 0 }.map(\.0), orphans: orphans))
    }
}
