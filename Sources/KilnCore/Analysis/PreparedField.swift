/// One field of a prepared scope: how it is bucketed and its scope totals per bucket.
struct PreparedField: Sendable {
    let name: String
    let column: Int
    let dictionaryCount: Int
    /// Bins of a numeric field; nil for a categorical one.
    let bins: NumericBins?
    /// Numeric fields: code → bucket (0 absent, 1 + bin), `dictionaryCount + 2` entries.
    let codeToBucket: [UInt32]?
    /// Numeric fields: the bucket of every row in scope (one byte per table row), so that runs
    /// count a narrow column instead of looking up a code table as large as the dictionary.
    let rowBuckets: CodeArray?
    /// Buckets counted: codes 0...dictionaryCount, or 0 (absent) plus one per bin.
    let buckets: Int
    /// Scope totals per bucket.
    let totals: CodeCounter.Counts
    /// Distinct values in scope.
    let distinct: Int
    /// True when every event in scope has the field and no two share a value (a key such as
    /// a request id): then any selection decides ID-likeness without counting.
    let uniqueKey: Bool

    init(table: EventTable, column: Int, scopeRows: RowSet, options: BubbleUpOptions, bucketRows: Bool = true) {
        let col = table.columns[column]
        let d = col.valueCount
        let perCode = CodeCounter.count(col.codes, rows: scopeRows, dictionaryCount: d, buckets: d + 1, rates: table.sampleRates)
        self.init(column: column, of: col, perCode: perCode, scopeRows: bucketRows ? scopeRows : nil, options: options)
    }

    /// A field from its scope counts per code (`valueCount + 1` buckets, 0 absent) — counted
    /// here from a table, or summed over batches by ``BubbleUpAccumulator``. With `scopeRows`,
    /// numeric fields keep each row's bucket for faster runs.
    init(column: Int, of col: Column, perCode: CodeCounter.Counts, scopeRows: RowSet?, options: BubbleUpOptions) {
        let d = col.valueCount
        name = col.name
        self.column = column
        dictionaryCount = d
        let scopeCount = scopeRows.map { Int64($0.count) } ?? perCode.raw.reduce(Int64(0)) { $0 + Int64($1) }
        var distinct = 0
        var present: Int64 = 0
        perCode.raw.withUnsafeBufferPointer { raw in
            for c in stride(from: 1, through: d, by: 1) {
                distinct &+= raw[c] > 0 ? 1 : 0
                present &+= Int64(raw[c])
            }
        }
        self.distinct = distinct
        uniqueKey = d > 0 && perCode.raw[0] == 0 && Int64(distinct) == present && present == scopeCount
        var numeric = distinct > options.numericThreshold && col.hasNumbers
        // Only numeric fields need their values here (a deferred column of strings loads none).
        let dictionary = numeric ? col.dictionary : ValueDictionary()
        var low = Double.infinity, high = -Double.infinity, lowPositive = Double.infinity
        var integers = true
        if numeric {
            perCode.raw.withUnsafeBufferPointer { raw in
                dictionary.kinds.withUnsafeBufferPointer { kinds in
                    dictionary.payloads.withUnsafeBufferPointer { payloads in
                        for c in stride(from: 1, through: d, by: 1) where raw[c] > 0 {
                            let x = ValueAxis.number(kinds, payloads, c)
                            guard x.isFinite else { numeric = false; break }
                            if kinds[c] != ValueKind.int.rawValue { integers = false }
                            low = min(low, x)
                            high = max(high, x)
                            if x > 0 { lowPositive = min(lowPositive, x) }
                        }
                    }
                }
            }
            // Integer fields that are nearly unique or named like ids (`user.id`, `user_id`,
            // `userId`) stay categorical so that ID detection and heavy single values work on them.
            if integers, Double(distinct) > options.idLikeRatio * Double(present) || Self.namedLikeID(col.name) { numeric = false }
        }
        guard numeric else {
            bins = nil
            codeToBucket = nil
            rowBuckets = nil
            buckets = d + 1
            totals = perCode
            return
        }
        let bins = NumericBins.make(min: low, max: high, minPositive: lowPositive.isFinite ? lowPositive : nil,
                                    integers: integers, maxBins: options.maxBins)
        let drop = UInt32(bins.count + 1)
        var map = [UInt32](repeating: drop, count: d + 2)
        map[0] = 0
        map.withUnsafeMutableBufferPointer { m in
            bins.edges.withUnsafeBufferPointer { edges in
                dictionary.kinds.withUnsafeBufferPointer { kinds in
                    dictionary.payloads.withUnsafeBufferPointer { payloads in
                        for c in stride(from: 1, through: d, by: 1) {
                            if let b = NumericBins.bin(of: ValueAxis.number(kinds, payloads, c), in: edges) { m[c] = UInt32(b + 1) }
                        }
                    }
                }
            }
        }
        var raw = [UInt32](repeating: 0, count: bins.count + 1)
        var weighted: [Int64]? = perCode.weighted == nil ? nil : [Int64](repeating: 0, count: bins.count + 1)
        for c in 0...d where perCode.raw[c] > 0 {
            let b = Int(map[c])
            guard b < raw.count else { continue }
            raw[b] &+= perCode.raw[c]
            if weighted != nil { weighted?[b] += perCode.weight(c) }
        }
        self.bins = bins
        codeToBucket = map
        buckets = bins.count + 1
        totals = CodeCounter.Counts(raw: raw, weighted: weighted)
        // A sparse column keeps its codes: a byte per row would cost what sparseness saves.
        if let scopeRows, bins.count + 1 < Int(UInt8.max), !col.codes.isSparse {
            rowBuckets = .u8(Self.rowBuckets(col.codes, map: map, rows: scopeRows, drop: UInt8(bins.count + 1)))
        } else {
            rowBuckets = nil
        }
    }

    /// A field prepared from per-bucket scope totals counted elsewhere (a SQL backend): buckets
    /// are 0 (absent) then one per value (categorical) or per bin of `bins` (numeric).
    init(name: String, column: Int, bins: NumericBins?, totals: CodeCounter.Counts, distinct: Int) {
        self.name = name
        self.column = column
        dictionaryCount = totals.raw.count - 1
        self.bins = bins
        codeToBucket = nil
        rowBuckets = nil
        buckets = totals.raw.count
        self.totals = totals
        self.distinct = distinct
        uniqueKey = false
    }

    /// Whether a field is binned as numeric: more than `numericThreshold` distinct values in
    /// scope, all finite numbers, and not integers that are nearly unique or named like ids.
    static func isNumeric(name: String, distinct: Int, present: Int64, allFiniteNumbers: Bool, integers: Bool, options: BubbleUpOptions) -> Bool {
        guard distinct > options.numericThreshold, allFiniteNumbers else { return false }
        if integers, Double(distinct) > options.idLikeRatio * Double(present) || namedLikeID(name) { return false }
        return true
    }

    /// `map[code]` of every row in `rows`, `drop` elsewhere; one byte per table row.
    private static func rowBuckets(_ codes: CodeArray, map: [UInt32], rows: RowSet, drop: UInt8) -> [UInt8] {
        var out = [UInt8](repeating: drop, count: codes.count)
        let limit = map.count - 1
        out.withUnsafeMutableBufferPointer { o in
            map.withUnsafeBufferPointer { m in
                rows.withIDs { ids in
                    func fill<C: FixedWidthInteger & UnsignedInteger>(_ c: UnsafeBufferPointer<C>) {
                        @inline(__always) func set(_ r: Int) { o[r] = UInt8(truncatingIfNeeded: min(m[min(Int(c[r]), limit)], UInt32(drop))) }
                        if let ids { for r in ids where Int(r) < c.count { set(Int(r)) } } else { for r in 0..<c.count { set(r) } }
                    }
                    switch codes {
                    case .u8(let a): a.withUnsafeBufferPointer { fill($0) }
                    case .u16(let a): a.withUnsafeBufferPointer { fill($0) }
                    case .u32(let a): a.withUnsafeBufferPointer { fill($0) }
                    case .sparse(let s): s.denseCodes.withUnsafeBufferPointer { fill($0) }
                    }
                }
            }
        }
        return out
    }

    /// True for names like `id`, `user.id`, `user_id`, `user-id`, `userId`, `userID`.
    static func namedLikeID(_ name: String) -> Bool {
        let lower = name.lowercased()
        return lower == "id" || lower.hasSuffix(".id") || lower.hasSuffix("_id") || lower.hasSuffix("-id")
            || name.hasSuffix("Id") || name.hasSuffix("ID")
    }

    /// What counting `rows` per bucket takes.
    func job(_ table: EventTable) -> CodeCounter.Job {
        if let rowBuckets {
            // Bucket `buckets` is the drop slot; the counter clamps to it.
            return CodeCounter.Job(codes: rowBuckets, dictionaryCount: buckets - 1, map: nil, buckets: buckets)
        }
        return CodeCounter.Job(codes: table.columns[column].codes, dictionaryCount: dictionaryCount, map: codeToBucket, buckets: buckets)
    }

    /// Compares the selection with the baseline on this field of `table`.
    func analyze(_ split: SplitCounts, groups: GroupTotals, table: EventTable, options: BubbleUpOptions,
                 selectedOn: Bool) -> FieldAnalysis {
        analyze(split, groups: groups, column: table.columns[column], options: options, selectedOn: selectedOn)
    }

    /// Compares the selection with the baseline on this field, whose values are `column`'s.
    func analyze(_ split: SplitCounts, groups: GroupTotals, column: Column, options: BubbleUpOptions,
                 selectedOn: Bool) -> FieldAnalysis {
        if let bins { return analyzeNumeric(split, bins: bins, groups: groups, options: options, selectedOn: selectedOn) }
        return analyzeCategorical(split, groups: groups, column: column, options: options, selectedOn: selectedOn)
    }

    /// The outcome for this field, given the groups' sizes and the counts of a side: every
    /// value occurring once in the scope (a key such as a request id) is ID-like whatever the
    /// selection, with nothing to count.
    func analysis(groups: GroupTotals, column: Column, options: BubbleUpOptions, selectedOn: Bool,
                  split: () -> SplitCounts) -> FieldAnalysis {
        let support = Int64(options.minSupport)
        if uniqueKey, groups.selRows >= support, groups.baseRows >= support {
            return FieldAnalysis(dimension: BubbleUpDimension(field: name, kind: .categorical, score: 0, pValue: 1, isNoise: true,
                                                              selectedOn: selectedOn, distinct: distinct, bins: nil, values: []),
                                 idLike: true, candidates: [])
        }
        return analyze(split(), groups: groups, column: column, options: options, selectedOn: selectedOn)
    }

    private func share(_ w: Int64, _ total: Int64) -> Double { total > 0 ? Double(w) / Double(total) : 0 }

    private func value(_ s: (w: Int64, r: Int64), _ b: (w: Int64, r: Int64), _ bucket: BubbleUpValue.Bucket, _ groups: GroupTotals) -> BubbleUpValue {
        BubbleUpValue(bucket: bucket, selection: s.w, baseline: b.w,
                      selectionPercent: 100 * share(s.w, groups.selWeight), baselinePercent: 100 * share(b.w, groups.baseWeight))
    }

    private func supported(_ s: (w: Int64, r: Int64), _ b: (w: Int64, r: Int64), _ groups: GroupTotals, _ options: BubbleUpOptions) -> Bool {
        let pS = share(s.w, groups.selWeight), pB = share(b.w, groups.baseWeight)
        return (pS >= pB ? s.r : b.r) >= Int64(options.minSupport)
    }

    private func analyzeNumeric(_ counts: SplitCounts, bins: NumericBins, groups: GroupTotals, options: BubbleUpOptions,
                                selectedOn: Bool) -> FieldAnalysis {
        counts.withView { split in analyzeNumeric(split, bins: bins, groups: groups, options: options, selectedOn: selectedOn) }
    }

    private func analyzeNumeric(_ split: SplitView, bins: NumericBins, groups: GroupTotals, options: BubbleUpOptions,
                                selectedOn: Bool) -> FieldAnalysis {
        var score = 0.0
        var anySupport = false
        var a: [Double] = [], b: [Double] = []
        var first = Int.max, last = -1
        for i in 0..<buckets {
            let s = split.selection(i), base = split.baseline(i)
            guard s.r + base.r > 0 else { continue }
            a.append(Double(s.r))
            b.append(Double(base.r))
            if i > 0 { first = min(first, i); last = max(last, i) }
            if groups.selWeight > 0, groups.baseWeight > 0, supported(s, base, groups, options) {
                anySupport = true
                score = max(score, abs(share(s.w, groups.selWeight) - share(base.w, groups.baseWeight)))
            }
        }
        var values: [BubbleUpValue] = []
        if last >= first {
            for i in first...last {
                values.append(value(split.selection(i), split.baseline(i), .range(lo: bins.edges[i - 1], hi: bins.edges[i]), groups))
            }
        }
        let sNull = split.selection(0), bNull = split.baseline(0)
        if sNull.r + bNull.r > 0 { values.append(value(sNull, bNull, .value(nil), groups)) }
        let p = StatMath.gTestP(a, b)
        let dimension = BubbleUpDimension(field: name, kind: .numeric, score: score, pValue: p,
                                          isNoise: !anySupport || p >= options.significance, selectedOn: selectedOn,
                                          distinct: distinct, bins: bins, values: values)
        return FieldAnalysis(dimension: dimension, idLike: false, candidates: [])
    }

    private func analyzeCategorical(_ counts: SplitCounts, groups: GroupTotals, column: Column,
                                    options: BubbleUpOptions, selectedOn: Bool) -> FieldAnalysis {
        guard case .memory(let dictionary) = column.values else {
            // Values still in the store: ties rank by code (first seen first), and only the
            // values shown are loaded.
            return counts.withView { split in
                analyzeCategorical(split, groups: groups, values: nil, column: column, options: options, selectedOn: selectedOn)
            }
        }
        return dictionary.kinds.withUnsafeBufferPointer { kinds in
            dictionary.payloads.withUnsafeBufferPointer { payloads in
                dictionary.pool.withUnsafeBufferPointer { pool in
                    counts.withView { split in
                        analyzeCategorical(split, groups: groups, values: DictionaryView(kinds: kinds, payloads: payloads, pool: pool),
                                           column: column, options: options, selectedOn: selectedOn)
                    }
                }
            }
        }
    }

    /// Two passes over the codes: the first counts distinct values and finds the score (and
    /// stops there for an ID-like field), the second keeps the top values.
    private func analyzeCategorical(_ split: SplitView, groups: GroupTotals, values: DictionaryView?, column col: Column,
                                    options: BubbleUpOptions, selectedOn: Bool) -> FieldAnalysis {
        let k = max(1, options.topValues)
        let sW = groups.selWeight, bW = groups.baseWeight
        let comparable = sW > 0 && bW > 0
        let inverseS = sW > 0 ? 1 / Double(sW) : 0, inverseB = bW > 0 ? 1 / Double(bW) : 0
        let support = Int64(options.minSupport)
        var distinctS = 0, distinctB = 0, seen = 0
        var score = 0.0
        var anySupport = false
        var candidates: [Candidate] = []

        func visit(_ code: Int, _ s: (w: Int64, r: Int64), _ b: (w: Int64, r: Int64)) {
            let pS = Double(s.w) * inverseS, pB = Double(b.w) * inverseB
            let d = pS - pB
            guard comparable else { return }
            if (pS >= pB ? s.r : b.r) >= support {
                anySupport = true
                score = max(score, abs(d))
            }
            if !selectedOn, d > 0, s.r >= support, pS >= options.minCoverage, pS / max(pB, 0.5 * inverseB) >= options.minRiskRatio {
                candidates.append(Candidate(column: column, field: name, code: code, value: col.value(code: code), pS: pS, pB: pB,
                                            selW: s.w, baseW: b.w, selRows: s.r))
            }
        }
        func rank(_ code: Int, _ s: (w: Int64, r: Int64), _ b: (w: Int64, r: Int64)) -> Ranked {
            let pS = Double(s.w) * inverseS, pB = Double(b.w) * inverseB
            return Ranked(code: code, magnitude: abs(pS - pB), mass: pS + pB)
        }
        var top: [Ranked] = []
        top.reserveCapacity(k + 1)
        @inline(__always) func offer(_ c: Int, _ s: (w: Int64, r: Int64), _ b: (w: Int64, r: Int64)) {
            let r = rank(c, s, b)
            if top.count == k {
                guard let last = top.last, r.magnitude >= last.magnitude, Ranked.before(r, last, values) else { return }
            }
            var at = top.count
            while at > 0, Ranked.before(r, top[at - 1], values) { at -= 1 }
            top.insert(r, at: at)
            if top.count > k { top.removeLast() }
        }
        // Values still in the store break ties by code, which is cheap: their top values are
        // kept in the same pass. In memory, ties compare values, so that waits until the field
        // is known not to be ID-like.
        let rankInFirstPass = values == nil
        // The common case inline: a value with too few events on either side cannot score or
        // be a candidate; it only counts toward distinct values.
        for c in stride(from: 1, to: buckets, by: 1) {
            let s = split.selection(c), b = split.baseline(c)
            distinctS &+= s.r > 0 ? 1 : 0
            distinctB &+= b.r > 0 ? 1 : 0
            seen &+= s.r + b.r > 0 ? 1 : 0
            if s.r >= support || b.r >= support { visit(c, s, b) }
            if rankInFirstPass, s.r + b.r > 0 { offer(c, s, b) }
        }
        let sNull = split.selection(0), bNull = split.baseline(0)
        if sNull.r + bNull.r > 0 { visit(0, sNull, bNull) }
        let presentS = groups.selRows - sNull.r, presentB = groups.baseRows - bNull.r
        let idLike = presentS >= support && presentB >= support
            && Double(distinctS) > options.idLikeRatio * Double(presentS)
            && Double(distinctB) > options.idLikeRatio * Double(presentB)
        if idLike {
            let dimension = BubbleUpDimension(field: name, kind: .categorical, score: score, pValue: 1, isNoise: true,
                                              selectedOn: selectedOn, distinct: distinct, bins: nil, values: [])
            return FieldAnalysis(dimension: dimension, idLike: true, candidates: [])
        }
        if !rankInFirstPass {
            for c in stride(from: 1, to: buckets, by: 1) {
                let s = split.selection(c), b = split.baseline(c)
                guard s.r + b.r > 0 else { continue }
                offer(c, s, b)
            }
        }
        var shown = top
        if sNull.r + bNull.r > 0 {
            let r = rank(0, sNull, bNull)
            var at = shown.count
            while at > 0, Ranked.before(r, shown[at - 1], values) { at -= 1 }
            shown.insert(r, at: at)
        }

        var list: [BubbleUpValue] = []
        var a: [Double] = [], b: [Double] = []
        var restS = (w: sW, r: groups.selRows), restB = (w: bW, r: groups.baseRows)
        for r in shown {
            let s = split.selection(r.code), base = split.baseline(r.code)
            list.append(value(s, base, .value(r.code == 0 ? nil : col.value(code: r.code)), groups))
            a.append(Double(s.r))
            b.append(Double(base.r))
            restS = (restS.w - s.w, restS.r - s.r)
            restB = (restB.w - base.w, restB.r - base.r)
        }
        let others = seen - top.count
        if others > 0 {
            list.append(value(restS, restB, .other(count: others), groups))
            a.append(Double(restS.r))
            b.append(Double(restB.r))
        }
        let p = StatMath.gTestP(a, b)
        candidates.sort { Candidate.before($0, $1) }
        let dimension = BubbleUpDimension(field: name, kind: .categorical, score: score, pValue: p,
                                          isNoise: !anySupport || p >= options.significance, selectedOn: selectedOn,
                                          distinct: distinct, bins: nil, values: list)
        return FieldAnalysis(dimension: dimension, idLike: false, candidates: Array(candidates.prefix(4)))
    }
}

/// A value's rank key among the values of one field.
struct Ranked {
    var code: Int
    var magnitude: Double
    var mass: Double

    /// Larger difference first, then larger combined share, then value order (absent last;
    /// code order when the values are not in memory).
    static func before(_ a: Ranked, _ b: Ranked, _ values: DictionaryView?) -> Bool {
        if a.magnitude != b.magnitude { return a.magnitude > b.magnitude }
        if a.mass != b.mass { return a.mass > b.mass }
        guard let values else { return a.code != 0 && (b.code == 0 || a.code < b.code) }
        return values.less(a.code, b.code)
    }
}

/// A single value over-represented in the selection, a building block of combinations.
struct Candidate: Sendable {
    var column: Int
    var field: String
    var code: Int
    var value: Value?
    var pS: Double
    var pB: Double
    var selW: Int64
    var baseW: Int64
    var selRows: Int64

    var difference: Double { pS - pB }

    static func before(_ a: Candidate, _ b: Candidate) -> Bool {
        if a.difference != b.difference { return a.difference > b.difference }
        if a.field != b.field { return a.field < b.field }
        return ValueOrder.less(a.value, b.value)
    }
}

/// The outcome for one field.
struct FieldAnalysis: Sendable {
    var dimension: BubbleUpDimension
    var idLike: Bool
    var candidates: [Candidate]
}
