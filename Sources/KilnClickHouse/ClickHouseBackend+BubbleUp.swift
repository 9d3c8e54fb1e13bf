import KilnCore

/// BubbleUp pushed down: the cluster counts every field's values (or numeric bins) in the
/// selection and the baseline, and the events per combination of the candidate values; Kiln
/// ranks the counts with `KilnCore`'s BubbleUp, so the answer is the embedded store's.
///
/// Four statements: the two groups' sizes; per field its distinct values and presence in each
/// group (which decides, before any value is shipped, that a field is ID-like: its values are
/// never fetched) and its numeric range; the counts per value of the categorical fields and per
/// bin of the numeric ones; the counts per mask of the combination candidates.
extension ClickHouseBackend {
    public func bubbleUp(dataset: String, scope: Scope, selection: [Filter], options: BubbleUpOptions) throws -> Answer<BubbleUpResult> {
        let selected = selection.isEmpty ? "1" : "(" + selection.map(FilterSQL.condition).joined(separator: " AND ") + ")"
        return try bubbleUp(dataset: dataset, scope: scope, selected: selected,
                            selectedFields: Set(selection.map(\.field).filter { $0 != FieldName.timestamp }), options: options)
    }

    /// BubbleUp of the events in `scope` matching the SQL condition `selected` against the rest;
    /// `selectedFields` are the fields the selection is defined on.
    func bubbleUp(dataset: String, scope: Scope, selected: String, selectedFields on: Set<String>, options: BubbleUpOptions) throws -> Answer<BubbleUpResult> {
        try requireDataset(dataset)
        let names = try fieldNames(dataset: dataset)
        let inScope = FilterSQL.scope(scope, dataset: dataset)

        let sizes = try rows("SELECT countIf(\(selected)), sumIf(sample_rate, \(selected)), countIf(NOT \(selected)), sumIf(sample_rate, NOT \(selected)) FROM \(events) WHERE \(inScope)").first ?? []
        guard sizes.count == 4 else { throw ClickHouseError(code: .protocolError, message: "ClickHouse at \(store.url.address): unexpected answer to a count") }
        let groups = BubbleUp.GroupCounts(selectionWeight: Int64(sizes[1]) ?? 0, selectionRows: Int64(sizes[0]) ?? 0,
                                          baselineWeight: Int64(sizes[3]) ?? 0, baselineRows: Int64(sizes[2]) ?? 0)

        // Per field and kind: distinct values (all, selection, baseline), presence, numeric range.
        struct Stats {
            var distinct = 0, distinctS = 0, distinctB = 0
            var presentS: Int64 = 0, presentB: Int64 = 0, weightS: Int64 = 0, weightB: Int64 = 0
            var nonNumbers: Int64 = 0, finite: Int64 = 0, floats: Int64 = 0
            var low = Double.infinity, high = -Double.infinity, lowPositive = Double.infinity
        }
        var stats: [String: Stats] = [:]
        var parts: [String] = []
        for kind in Kind.all {
            let num = kind.isNumber ? "toFloat64(v)" : "toFloat64(0)"
            let finite = kind.isNumber ? "isFinite(\(num))" : "0"
            parts.append("""
                SELECT key, \(kind.code), uniqExact(v), uniqExactIf(v, \(selected)), uniqExactIf(v, NOT \(selected)), \
                countIf(\(selected)), countIf(NOT \(selected)), sumIf(sample_rate, \(selected)), sumIf(sample_rate, NOT \(selected)), \
                countIf(\(finite)), minIf(\(num), \(finite)), maxIf(\(num), \(finite)), minIf(\(num), \(finite) AND \(num) > 0), countIf(\(finite) AND \(num) > 0) \
                FROM \(events) ARRAY JOIN \(kind.prefix)_keys AS key, \(kind.prefix)_values AS v WHERE \(inScope) GROUP BY key
                """)
        }
        for r in try rows(parts.joined(separator: " UNION ALL ")) where r.count == 14 {
            guard let code = Int(r[1]), let kind = Kind.all.first(where: { $0.code == code }) else { continue }
            var s = stats[r[0]] ?? Stats()
            s.distinct += Int(r[2]) ?? 0
            s.distinctS += Int(r[3]) ?? 0
            s.distinctB += Int(r[4]) ?? 0
            let pS = Int64(r[5]) ?? 0, pB = Int64(r[6]) ?? 0
            s.presentS += pS
            s.presentB += pB
            s.weightS += Int64(r[7]) ?? 0
            s.weightB += Int64(r[8]) ?? 0
            if kind.isNumber {
                let finite = Int64(r[9]) ?? 0
                s.finite += finite
                if kind.code == 3 { s.floats += pS + pB }
                if finite > 0 {
                    s.low = min(s.low, Double(r[10]) ?? .infinity)
                    s.high = max(s.high, Double(r[11]) ?? -.infinity)
                    if (Int64(r[13]) ?? 0) > 0 { s.lowPositive = min(s.lowPositive, Double(r[12]) ?? .infinity) }
                }
            } else {
                s.nonNumbers += pS + pB
            }
            stats[r[0]] = s
        }

        // Decide each field's buckets; fetch values only for the categorical, non-ID ones.
        var fields: [BubbleUp.FieldCounts] = []
        var categorical: [String] = []
        var numeric: [(name: String, bins: NumericBins)] = []
        for name in names {
            let s = stats[name] ?? Stats()
            let present = s.presentS + s.presentB
            let info = BubbleUp.FieldStatistics(field: name, distinct: s.distinct, distinctSelection: s.distinctS, distinctBaseline: s.distinctB,
                                                presentSelection: s.presentS, presentBaseline: s.presentB,
                                                allFiniteNumbers: present > 0 && s.nonNumbers == 0 && s.finite == present, integers: s.floats == 0)
            let absent = BubbleUp.BucketCount(selectionWeight: groups.selectionWeight - s.weightS, selectionRows: groups.selectionRows - s.presentS,
                                              baselineWeight: groups.baselineWeight - s.weightB, baselineRows: groups.baselineRows - s.presentB)
            if info.isIDLike(options: options) {
                fields.append(BubbleUp.FieldCounts(field: name, distinct: s.distinct, bins: nil, values: [], counts: [absent], idLike: true))
            } else if info.isNumeric(options: options) {
                let bins = BubbleUp.bins(min: s.low, max: s.high, minPositive: s.lowPositive.isFinite ? s.lowPositive : nil,
                                         integers: info.integers, options: options)
                numeric.append((name, bins))
                fields.append(BubbleUp.FieldCounts(field: name, distinct: s.distinct, bins: bins, values: [],
                                                   counts: [absent] + [BubbleUp.BucketCount](repeating: .init(), count: bins.count)))
            } else {
                categorical.append(name)
                fields.append(BubbleUp.FieldCounts(field: name, distinct: s.distinct, bins: nil, values: [], counts: [absent]))
            }
        }
        let slot = Dictionary(fields.enumerated().map { ($1.field, $0) }, uniquingKeysWith: { a, _ in a })
        func counts(_ r: ArraySlice<String>) -> BubbleUp.BucketCount {
            let a = Array(r)
            return BubbleUp.BucketCount(selectionWeight: Int64(a[1]) ?? 0, selectionRows: Int64(a[0]) ?? 0,
                                        baselineWeight: Int64(a[3]) ?? 0, baselineRows: Int64(a[2]) ?? 0)
        }
        let tally = "countIf(\(selected)), sumIf(sample_rate, \(selected)), countIf(NOT \(selected)), sumIf(sample_rate, NOT \(selected))"
        var statements: [String] = []
        if !categorical.isEmpty {
            let list = categorical.map(SQL.quote).joined(separator: ", ")
            for kind in Kind.all {
                statements.append("SELECT key, \(kind.code), toString(v), \(tally) FROM \(events) ARRAY JOIN \(kind.prefix)_keys AS key, \(kind.prefix)_values AS v WHERE \(inScope) AND key IN (\(list)) GROUP BY key, v")
            }
        }
        for (name, bins) in numeric {
            let inner = bins.edges.dropFirst().dropLast().map(SQL.float).joined(separator: ", ")
            let lo = SQL.float(bins.edges.first ?? 0), hi = SQL.float(bins.edges.last ?? 1)
            for kind in Kind.all where kind.isNumber {
                let num = "toFloat64(v)"
                let bin = inner.isEmpty ? "0" : "arrayCount(e -> e <= \(num), [\(inner)])"
                statements.append("SELECT key, 0, toString(\(bin)), \(tally) FROM \(events) ARRAY JOIN \(kind.prefix)_keys AS key, \(kind.prefix)_values AS v WHERE \(inScope) AND key = \(SQL.quote(name)) AND \(num) >= \(lo) AND \(num) < \(hi) GROUP BY key, \(bin)")
            }
        }
        if !statements.isEmpty {
            for r in try rows(statements.joined(separator: " UNION ALL ")) where r.count == 7 {
                guard let i = slot[r[0]] else { continue }
                let c = counts(r[3...6])
                if fields[i].bins != nil {
                    guard let b = Int(r[2]), b + 1 < fields[i].counts.count else { continue }
                    let old = fields[i].counts[b + 1]
                    fields[i].counts[b + 1] = BubbleUp.BucketCount(selectionWeight: old.selectionWeight + c.selectionWeight, selectionRows: old.selectionRows + c.selectionRows,
                                                                   baselineWeight: old.baselineWeight + c.baselineWeight, baselineRows: old.baselineRows + c.baselineRows)
                } else {
                    let value: Value?
                    switch r[1] {
                    case "1": value = .string(r[2])
                    case "2": value = Int64(r[2]).map(Value.int)
                    case "3": value = Double(r[2]).map(Value.float)
                    case "4": value = .bool(r[2] == "1")
                    default: value = nil
                    }
                    guard let value else { continue }
                    fields[i].values.append(value)
                    fields[i].counts.append(c)
                }
            }
        }

        let result = try BubbleUp.run(groups: groups, fields: fields, selectedFields: on, options: options) { candidates in
            let mask = candidates.enumerated().map { "if(\(Self.has($1)), \(1 << $0), 0)" }.joined(separator: " + ")
            return try rows("SELECT \(mask) AS _mask, count(), sum(sample_rate), countIf(\(selected)), sumIf(sample_rate, \(selected)) FROM \(events) WHERE \(inScope) GROUP BY _mask")
                .compactMap { r in
                    guard r.count == 5, let m = Int(r[0]) else { return nil }
                    return BubbleUp.MaskCount(mask: m, scopeRows: Int64(r[1]) ?? 0, scopeWeight: Int64(r[2]) ?? 0,
                                              selectionRows: Int64(r[3]) ?? 0, selectionWeight: Int64(r[4]) ?? 0)
                }
        }
        return Answer(result)
    }

    /// The condition "the event has exactly this value" (typed; nil: the field is absent).
    static func has(_ c: BubbleUp.CombinationValue) -> String {
        let f = FieldSQL(c.field)
        switch c.value {
        case nil: return "NOT \(f.exists)"
        case .string(let s)?: return "(\(f.hasString) AND \(f.string) = \(SQL.quote(s)))"
        case .int(let i)?: return "(\(f.hasInt) AND \(f.int) = \(SQL.int(i)))"
        case .float(let d)?: return "(\(f.hasFloat) AND \(f.float) = \(SQL.float(d)))"
        case .bool(let b)?: return "(\(f.hasBool) AND \(f.bool) = \(b ? 1 : 0))"
        }
    }
}

/// The typed key/value arrays of the events table.
struct Kind {
    let code: Int
    let prefix: String
    var isNumber: Bool { code == 2 || code == 3 }
    static let all = [Kind(code: 1, prefix: "s"), Kind(code: 2, prefix: "i"), Kind(code: 3, prefix: "f"), Kind(code: 4, prefix: "b")]
}
