/// Tuning knobs of BubbleUp; the defaults are what `kiln bubbleup` uses.
public struct BubbleUpOptions: Sendable, Equatable {
    /// Values shown per categorical field before "other (N values)".
    public var topValues = 6
    /// Raw events a value needs, on the side where its share is larger, to count toward the
    /// score (and selected events a combination needs).
    public var minSupport = 5
    /// A field is ID-like when distinct values / events having it exceed this in both groups.
    public var idLikeRatio = 0.9
    /// p-values at or above this mark a field as noise (0.02 / 20 fields, Bonferroni-style).
    public var significance = 0.001
    /// All-numeric fields with more distinct values in scope than this are binned.
    public var numericThreshold = 32
    /// Bins per numeric field, at most.
    public var maxBins = 16
    /// Single values considered for combinations (at most 16).
    public var combinationCandidates = 16
    /// Combinations reported, at most.
    public var maxCombinations = 10
    /// Share of the selection a combination (and each of its values) must cover, 0...1.
    public var minCoverage = 0.1
    /// Risk ratio a combination (and each of its values) must reach.
    public var minRiskRatio = 1.5
    /// Largest combination size (2 or 3).
    public var maxCombinationSize = 3

    /// The defaults.
    public init() {}
}

/// BubbleUp: which fields are distributed differently in a selection than in the rest of the
/// scope (the baseline), and which value combinations single the selection out.
///
/// ```swift
/// let prepared = BubbleUp.prepare(table, scope: Scope(from: t0, to: t1))   // once per scope
/// let result = prepared.run(selection: [try Filter.parse("duration_ms >= 800")])
/// print(result.table(width: 80)); print(result.json())
/// ```
///
/// **Counting.** Every value of every field is counted exactly in both groups, weighted by
/// sample rate; absent is a value of its own (`null`). Per-value totals of the scope are
/// counted once by ``prepare(_:scope:options:)``; each run counts only the smaller side
/// (the selection, or the rest of the scope when the selection is wider than half) and gets
/// the other as totals minus counts. Fields are counted in parallel.
///
/// **Buckets.** A field whose values in scope are all finite numbers, with more than
/// ``BubbleUpOptions/numericThreshold`` distinct values, is `numeric`: binned with
/// ``NumericBins`` (log bins for skewed data), the same bins for both groups and for every run.
/// Other fields (strings, booleans, status codes) are `categorical`: the
/// ``BubbleUpOptions/topValues`` values with the largest difference of shares, absent (`null`)
/// whenever present, and the rest as "other (N values)".
///
/// **Score.** For each value v: pS(v) = its share of the selection, pB(v) = its share of the
/// baseline; score = max |pS(v) − pB(v)| over values with minimum support (at least
/// ``BubbleUpOptions/minSupport`` raw events on the side where its share is larger), the
/// measure of Grafana's and HyperDX's comparisons. A heavy value of a high-cardinality field
/// (one tenant taking 40% of the selection) therefore scores 0.4 whatever the other thousands
/// of values do. The p-value is a G-test over the buckets shown, on raw counts; a field is
/// noise when p ≥ ``BubbleUpOptions/significance`` or no value has support.
///
/// **ID-like fields.** A field whose events nearly all have distinct values in both groups
/// (distinct/present > ``BubbleUpOptions/idLikeRatio``, with support in each) says nothing by
/// its values and goes to `id_like` instead of `dimensions`. One heavy value breaks that
/// condition, so such a field ranks normally.
///
/// **Combinations.** Candidates are single values (of categorical, non-ID, non-selected
/// fields, absent included) over-represented in the selection: pS > pB, support, coverage
/// pS ≥ ``BubbleUpOptions/minCoverage`` and risk ratio ≥ ``BubbleUpOptions/minRiskRatio``;
/// the best 16 by pS − pB (at most 4 per field). Every pair and triple of them from different
/// fields is counted exactly in both groups. A combination is reported when it has support,
/// coverage and risk ratio and its pS − pB beats every part of it (each value, each pair) by at
/// least 0.01; ranked by pS − pB, then risk ratio. Risk ratio = pS / pB (a MacroBase-style
/// ratio of the shares; a baseline count of 0 counts as 0.5 event).
///
/// Ties are broken by field name and value, so a run is deterministic.
public enum BubbleUp {
    /// Counts the scope once so that many selections can be compared against it.
    /// - Complexity: O(rows in scope × fields), in parallel over fields.
    public static func prepare(_ table: EventTable, scope: Scope = Scope(), options: BubbleUpOptions = BubbleUpOptions()) -> PreparedBubbleUp {
        PreparedBubbleUp(table: table, scope: scope, scopeRows: scope.rows(in: table), options: options)
    }

    /// Prepares a scope given as rows of `table` (for callers that already hold them).
    public static func prepare(_ table: EventTable, scopeRows: RowSet, options: BubbleUpOptions = BubbleUpOptions()) -> PreparedBubbleUp {
        PreparedBubbleUp(table: table, scope: Scope(), scopeRows: scopeRows.limited(to: table.count), options: options)
    }

    /// Prepares and runs once.
    public static func run(_ table: EventTable, scope: Scope = Scope(), selection: [Filter],
                           options: BubbleUpOptions = BubbleUpOptions()) -> BubbleUpResult {
        prepare(table, scope: scope, options: options).run(selection: selection)
    }
}

/// A scope counted once; ``run(selection:)`` compares selections against it.
///
/// Immutable and `Sendable`: runs may happen concurrently.
public final class PreparedBubbleUp: Sendable {
    /// The table.
    public let table: EventTable
    /// The scope as given.
    public let scope: Scope
    /// The rows in scope.
    public let scopeRows: RowSet
    /// The options every run uses.
    public let options: BubbleUpOptions
    /// Events in scope, weighted.
    public let scopeWeight: Int64
    let fields: [PreparedField]

    init(table: EventTable, scope: Scope, scopeRows: RowSet, options: BubbleUpOptions) {
        self.table = table
        self.scope = scope
        self.scopeRows = scopeRows
        self.options = options
        scopeWeight = CodeCounter.totalWeight(scopeRows, rates: table.sampleRates)
        fields = Parallel.map(table.columns.count) { i in
            PreparedField(table: table, column: i, scopeRows: scopeRows, options: options)
        }
    }

    /// Compares the events in scope that pass every filter of `selection` with the rest of the
    /// scope. Fields that `selection` filters on are ranked after the others.
    /// - Complexity: O(smaller side × fields + distinct values), in parallel over fields.
    public func run(selection: [Filter]) -> BubbleUpResult {
        let selected = scopeRows.filtered(by: selection, in: table)
        let on = Set(selection.map(\.field).filter { $0 != FieldName.timestamp })
        return compare(selected, selectedFields: on)
    }

    /// The rows of the selection and of the baseline (the rest of the scope), to list their raw
    /// events side by side.
    /// - Complexity: O(rows in scope) per filter
    public func split(selection: [Filter]) -> (selection: RowSet, baseline: RowSet) {
        let selected = scopeRows.filtered(by: selection, in: table)
        return (selected, scopeRows.subtracting(selected))
    }

    /// Compares the given rows (intersected with the scope) with the rest of the scope.
    public func run(selectionRows: RowSet, selectedFields: Set<String> = []) -> BubbleUpResult {
        compare(scopeRows.intersection(selectionRows.limited(to: table.count)), selectedFields: selectedFields)
    }

    private func compare(_ selected: RowSet, selectedFields: Set<String>) -> BubbleUpResult {
        let rates = table.sampleRates
        let wide = selected.count * 2 > scopeRows.count
        let side = wide ? scopeRows.subtracting(selected) : selected
        let sideWeight = CodeCounter.totalWeight(side, rates: rates)
        let selWeight = wide ? scopeWeight - sideWeight : sideWeight
        let groups = GroupTotals(selWeight: selWeight, baseWeight: scopeWeight - selWeight,
                                 selRows: Int64(selected.count), baseRows: Int64(scopeRows.count - selected.count))
        let options = self.options
        let table = self.table
        let support = Int64(options.minSupport)
        let analyses: [FieldAnalysis] = Parallel.map(fields.count) { i in
            let field = fields[i]
            if field.uniqueKey, groups.selRows >= support, groups.baseRows >= support {
                // Every value occurs once: distinct = present in both groups, nothing to count.
                return FieldAnalysis(dimension: BubbleUpDimension(field: field.name, kind: .categorical, score: 0, pValue: 1, isNoise: true,
                                                                  selectedOn: selectedFields.contains(field.name), distinct: field.distinct,
                                                                  bins: nil, values: []),
                                     idLike: true, candidates: [])
            }
            let counts = field.count(side, table: table)
            let split = SplitCounts(total: field.totals, side: counts, sideIsSelection: !wide)
            return field.analyze(split, groups: groups, table: table, options: options,
                                 selectedOn: selectedFields.contains(field.name))
        }
        var dimensions: [BubbleUpDimension] = []
        var idLike: [String] = []
        for a in analyses {
            if a.idLike { idLike.append(a.dimension.field) } else { dimensions.append(a.dimension) }
        }
        dimensions.sort { a, b in
            if a.selectedOn != b.selectedOn { return !a.selectedOn }
            if a.score != b.score { return a.score > b.score }
            return a.field < b.field
        }
        idLike.sort()
        let combinations = Combinations.find(analyses: analyses, fields: fields, table: table, scopeRows: scopeRows,
                                             selected: selected, groups: groups, options: options)
        return BubbleUpResult(selectionCount: groups.selWeight, baselineCount: groups.baseWeight,
                              selectionRows: selected.count, baselineRows: scopeRows.count - selected.count,
                              weighted: table.isSampled, dimensions: dimensions, idLike: idLike, combinations: combinations)
    }
}

/// Sizes of the two groups.
struct GroupTotals: Sendable {
    var selWeight: Int64
    var baseWeight: Int64
    var selRows: Int64
    var baseRows: Int64
}

/// Scope totals and side counts per bucket, read as selection and baseline counts.
struct SplitCounts {
    let total: CodeCounter.Counts
    let side: CodeCounter.Counts
    let sideIsSelection: Bool

    /// Calls `body` with a view over raw buffers (no array bounds checks in the scans).
    func withView<R>(_ body: (SplitView) -> R) -> R {
        total.raw.withUnsafeBufferPointer { tr in
            side.raw.withUnsafeBufferPointer { sr in
                (total.weighted ?? []).withUnsafeBufferPointer { tw in
                    (side.weighted ?? []).withUnsafeBufferPointer { sw in
                        body(SplitView(totalRaw: tr, totalWeight: total.weighted == nil ? nil : tw, sideRaw: sr,
                                       sideWeight: side.weighted == nil ? nil : sw, sideIsSelection: sideIsSelection))
                    }
                }
            }
        }
    }
}

/// Selection and baseline counts of one bucket from scope totals minus the counted side.
struct SplitView {
    let totalRaw: UnsafeBufferPointer<UInt32>
    let totalWeight: UnsafeBufferPointer<Int64>?
    let sideRaw: UnsafeBufferPointer<UInt32>
    let sideWeight: UnsafeBufferPointer<Int64>?
    let sideIsSelection: Bool

    @inline(__always) private func sideCount(_ i: Int) -> (w: Int64, r: Int64) {
        let r = Int64(sideRaw[i])
        if let sideWeight { return (sideWeight[i], r) }
        return (r, r)
    }

    @inline(__always) private func otherCount(_ i: Int) -> (w: Int64, r: Int64) {
        let r = Int64(totalRaw[i])
        let s = sideCount(i)
        if let totalWeight { return (totalWeight[i] - s.w, r - s.r) }
        return (r - s.r, r - s.r)
    }

    /// Weighted and raw selection count of bucket `i`.
    @inline(__always) func selection(_ i: Int) -> (w: Int64, r: Int64) { sideIsSelection ? sideCount(i) : otherCount(i) }
    /// Weighted and raw baseline count of bucket `i`.
    @inline(__always) func baseline(_ i: Int) -> (w: Int64, r: Int64) { sideIsSelection ? otherCount(i) : sideCount(i) }
}

extension RowSet {
    /// The rows present in both sets.
    /// - Complexity: O(count + other.count)
    func intersection(_ other: RowSet) -> RowSet {
        if other.isAll { return self }
        if isAll { return RowSet(universe: universe, ids: other.ids) }
        let a = ids ?? [], b = other.ids ?? []
        var out: [UInt32] = []
        var i = 0, j = 0
        while i < a.count, j < b.count {
            if a[i] < b[j] { i += 1 } else if a[i] > b[j] { j += 1 } else { out.append(a[i]); i += 1; j += 1 }
        }
        return RowSet(universe: universe, ids: out)
    }

    /// The set re-based on a table of `count` rows: rows beyond it are dropped.
    func limited(to count: Int) -> RowSet {
        if universe == count { return self }
        guard let ids else { return universe < count ? RowSet(rows: 0..<universe, universe: count) : .all(count) }
        return RowSet(universe: count, ids: ids.filter { Int($0) < count })
    }
}
