extension CompareSamples {
    /// The samples of `request` taken from an in-memory table (the embedded backend's answer).
    /// - Complexity: O(rows of both sides × fields) to choose the group fields.
    public static func extract(from table: EventTable, request: CompareRequest) -> CompareSamples {
        let beforeRows = rows(of: request.before, request: request, table: table)
        let afterRows = rows(of: request.after, request: request, table: table)
        var out = CompareSamples()
        let excluded = excludedFields(request)
        // Per chosen field, each code's group value (0: absent or not a group), by array so a
        // million rows cost no hashing.
        var chosen: [(column: Column, codes: [UInt16], values: [Value])] = []
        for column in table.columns where !excluded.contains(column.name) && !column.isDeferred && !Self.isIDLike(column.name)
            && column.valueCount >= 2 {
            var slot = [UInt16](repeating: 0, count: column.valueCount + 1)
            var values: [Value] = []
            var tooMany = false
            let codes = column.codes
            for rows in [beforeRows, afterRows] where !tooMany {
                for r in rows {
                    let c = Int(codes[Int(r)])
                    guard c != 0, slot[c] == 0 else { continue }
                    guard values.count < request.maxGroupValues, let v = column.value(code: c) else { tooMany = true; break }
                    values.append(v)
                    slot[c] = UInt16(values.count)
                }
            }
            guard !tooMany, values.count >= 2 else { continue }
            chosen.append((column, slot, values))
        }
        chosen.sort { $0.column.name < $1.column.name }
        out.groupFields = chosen.map(\.column.name)
        out.groupValues = chosen.map(\.values)
        let metric = table.column(request.metric)
        let metricNumbers = metric.map { $0.hasNumbers ? $0.dictionary.numberTable() : [] } ?? []
        func side(_ rows: [UInt32]) -> SideSamples {
            var s = SideSamples()
            s.events = rows.count
            s.weight = rows.map { Double(table.sampleRate(Int($0))) }
            if let metric, !metricNumbers.isEmpty {
                s.metric = rows.map { metricNumbers[Int(metric.codes[Int($0)])] }
            } else {
                s.metric = [Double](repeating: .nan, count: rows.count)
            }
            let errors = request.error.isEmpty ? [] : RowSet(universe: table.count, ids: rows).filtered(by: request.error, in: table).rows
            var isError = [Bool](repeating: false, count: rows.count)
            var k = 0
            for (i, r) in rows.enumerated() {
                while k < errors.count && errors[k] < r { k += 1 }
                if k < errors.count && errors[k] == r { isError[i] = true }
            }
            s.isError = isError
            s.groups = chosen.map { c in rows.map { c.codes[Int(c.column.codes[Int($0)])] } }
            if let field = table.column(request.field) {
                var counts: [UInt32: Double] = [:]
                for (i, r) in rows.enumerated() { counts[field.codes[Int(r)], default: 0] += s.weight[i] }
                if let top = counts.filter({ $0.key != 0 }).max(by: { ($0.value, $1.key) < ($1.value, $0.key) }) {
                    s.commonValue = field.value(code: Int(top.key))
                }
            }
            return s
        }
        out.before = side(beforeRows)
        out.after = side(afterRows)
        return out
    }

    /// The rows of one side: the scope, the side's window, and the compared field's value.
    static func rows(of side: CompareSide, request: CompareRequest, table: EventTable) -> [UInt32] {
        var filters = request.scope.filters
        if let value = side.value { filters.append(Filter(request.field, .equal, [value])) }
        let from = [request.scope.from, side.from].compactMap { $0 }.max()
        let to = [request.scope.to, side.to].compactMap { $0 }.min()
        return Scope(from: from, to: to, filters: filters).rows(in: table).rows
    }

    /// Fields never grouped on: the compared field, the metric, what defines an error, and
    /// fields the scope pins to one value.
    public static func excludedFields(_ request: CompareRequest) -> Set<String> {
        var out: Set<String> = [request.field, request.metric, "timestamp"]
        for f in request.error { out.insert(f.field) }
        for f in request.scope.filters where f.op == .equal { out.insert(f.field) }
        return out
    }

    /// True for names of identifiers (`trace.trace_id`, `request.id`, `userId`): never a group,
    /// even when a short window holds few of their values.
    public static func isIDLike(_ name: String) -> Bool {
        let lower = name.lowercased()
        let last = lower.split(separator: ".").last.map(String.init) ?? lower
        if last == "id" || last.hasSuffix("_id") || last.hasSuffix("-id") || last.hasSuffix("ids") { return true }
        if name.hasSuffix("Id") || name.hasSuffix("ID") { return true }
        return ["uuid", "guid", "trace", "span", "request", "session", "nonce"].contains(last)
    }
}

extension VersionSummary {
    /// Every value of `field` among the events of `table` in `scope`, first seen first.
    /// - Complexity: O(rows in scope + n log n per value for its percentiles)
    public static func summarize(_ table: EventTable, scope: Scope, field: String, metric: String, error: [Filter]) -> [VersionSummary] {
        guard let column = table.column(field) else { return [] }
        let rows = scope.rows(in: table).rows
        let errors = error.isEmpty ? [] : RowSet(universe: table.count, ids: rows).filtered(by: error, in: table).rows
        let metricColumn = table.column(metric)
        let numbers = metricColumn.map { $0.hasNumbers ? $0.dictionary.numberTable() : [] } ?? []
        let service = field == StoreNames.serviceField ? nil : table.column(StoreNames.serviceField)
        struct Acc {
            var first = Int64.max, last = Int64.min, events = 0, count = 0.0, errors = 0.0
            var values: [WeightedValue] = []
            var services: [UInt32: Double] = [:]
        }
        // One slot per code, filled in place (a dictionary of structs would copy each
        // version's value list on every append).
        var slotOf = [Int32](repeating: -1, count: column.valueCount + 1)
        var accs: [Acc] = []
        var codes: [UInt32] = []
        var k = 0
        for r in rows {
            let row = Int(r)
            let code = column.codes[row]
            guard code != 0 else { continue }
            var slot = Int(slotOf[Int(code)])
            if slot < 0 {
                slot = accs.count
                slotOf[Int(code)] = Int32(slot)
                accs.append(Acc())
                codes.append(code)
            }
            let w = Double(table.sampleRate(row)), t = table.timestamps[row]
            accs[slot].first = min(accs[slot].first, t)
            accs[slot].last = max(accs[slot].last, t)
            accs[slot].events += 1
            accs[slot].count += w
            while k < errors.count && errors[k] < r { k += 1 }
            if k < errors.count && errors[k] == r { accs[slot].errors += w }
            if let metricColumn, !numbers.isEmpty {
                let v = numbers[Int(metricColumn.codes[row])]
                if !v.isNaN { accs[slot].values.append(WeightedValue(v, weight: w)) }
            }
            if let service { accs[slot].services[service.codes[row], default: 0] += w }
        }
        var out: [VersionSummary] = []
        for (slot, var a) in accs.enumerated() {
            let code = codes[slot]
            guard let value = column.value(code: Int(code)) else { continue }
            a.values.sort { $0.value < $1.value }
            let topService = a.services.filter { $0.key != 0 }.max { ($0.value, $1.key) < ($1.value, $0.key) }
            out.append(VersionSummary(value: value, service: topService.flatMap { service?.value(code: Int($0.key))?.text },
                                      firstSeen: a.first, lastSeen: a.last, events: a.events, count: a.count, errors: a.errors,
                                      p50: CompareStatistics.percentile(a.values, 0.5), p99: CompareStatistics.percentile(a.values, 0.99)))
        }
        return out.sorted { ($0.firstSeen, $0.value.text) < ($1.firstSeen, $1.value.text) }
    }
}

/// Field names with a meaning across Kiln.
public enum StoreNames {
    /// The service an event comes from.
    public static let serviceField = "service.name"
    /// The version field unless a dataset sets another.
    public static let versionField = "service.version"
}
