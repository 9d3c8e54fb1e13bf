/// BubbleUp over a scope read in batches, for scopes larger than the memory budget.
///
/// The batches must come from one snapshot of a store, so that a field's codes mean the same
/// value in every batch (codes are the dataset's own, never re-coded per batch).
///
/// ```swift
/// var acc = BubbleUpAccumulator(options: options, selectedFields: ["duration_ms"])
/// for batch in batches { acc.count(batch, scopeRows: rows, selected: selectedRows) }   // pass 1
/// acc.finishCounting()
/// for batch in batches { acc.countCombinations(batch, ...) }   // pass 2: only acc.combinationFields
/// let result = acc.result()
/// ```
///
/// Pass 1 sums, per field and code, the events of the scope and of the selection: the same
/// counts ``PreparedBubbleUp`` takes from a table in memory, so every field's score, bins,
/// values and ID-likeness come out the same. Pass 2 counts the masks of the chosen candidate
/// values, as ``Combinations`` does. A field with more than ``maxDistinct`` distinct values in
/// scope stops being counted and is listed as ID-like (``cappedFields``): only then can the
/// answer differ from the one in memory.
public struct BubbleUpAccumulator {
    /// Distinct values counted per field before it is taken as ID-like (by default).
    public static let maxDistinct = 1 << 20
    /// Fields with at most this many values are counted in arrays indexed by code; larger
    /// dictionaries (a dataset's span ids) are counted in a hash table of the codes present.
    public static let denseLimit = 1 << 18

    public let options: BubbleUpOptions
    /// Fields the selection filters on (ranked last, never combination candidates).
    public let selectedFields: Set<String>
    /// Fields that had more than ``maxDistinct`` distinct values in scope.
    public private(set) var cappedFields: [String] = []
    /// Fields whose columns pass 2 needs (empty: no pass 2).
    public private(set) var combinationFields: [String] = []

    private var names: [String] = []
    private var tallies: [String: Tally] = [:]
    private var groups = GroupTotals(selWeight: 0, baseWeight: 0, selRows: 0, baseRows: 0)
    private var analyses: [FieldAnalysis] = []
    private var candidates: [Candidate] = []
    /// Per field (by index in `names`): the dataset code of each local code (local code k is `unique[k - 1]`).
    private var unique: [[UInt32]] = []
    private var histogram: Combinations.Histogram?

    private let maxDistinct: Int
    private let denseLimit: Int

    public init(options: BubbleUpOptions = BubbleUpOptions(), selectedFields: Set<String> = [],
                maxDistinct: Int = Self.maxDistinct, denseLimit: Int = Self.denseLimit) {
        self.options = options
        self.selectedFields = selectedFields
        self.maxDistinct = maxDistinct
        self.denseLimit = denseLimit
    }

    /// Events of scope and selection per code of one field.
    private struct Tally {
        var column: Column
        var capped = false
        let dense: Bool
        // Dense: index = code.
        var scopeRaw: [UInt32] = []
        var scopeW: [Int64] = []
        var selRaw: [UInt32] = []
        var selW: [Int64] = []
        // Sparse: code → (scope rows, scope weight, selection rows, selection weight).
        var sparse: [UInt32: (UInt32, Int64, UInt32, Int64)] = [:]

        init(column: Column, absent: GroupTotals, denseLimit: Int) {
            self.column = column
            dense = column.valueCount <= denseLimit
            if dense {
                let n = column.valueCount + 1
                scopeRaw = [UInt32](repeating: 0, count: n)
                scopeW = [Int64](repeating: 0, count: n)
                selRaw = scopeRaw
                selW = scopeW
            }
            addAbsent(absent)
        }

        /// Rows of earlier batches (or of a batch without this field) lack it: code 0.
        mutating func addAbsent(_ g: GroupTotals) {
            let rows = UInt32(truncatingIfNeeded: g.selRows + g.baseRows), sel = UInt32(truncatingIfNeeded: g.selRows)
            guard rows > 0 else { return }
            if dense {
                scopeRaw[0] &+= rows
                scopeW[0] &+= g.selWeight + g.baseWeight
                selRaw[0] &+= sel
                selW[0] &+= g.selWeight
            } else if !capped {
                var t = sparse[0] ?? (0, 0, 0, 0)
                t.0 &+= rows
                t.1 &+= g.selWeight + g.baseWeight
                t.2 &+= sel
                t.3 &+= g.selWeight
                sparse[0] = t
            }
        }
    }

    /// Pass 1: counts one batch. `scopeRows` are its rows in scope, `selected` those of them
    /// in the selection.
    public mutating func count(_ table: EventTable, scopeRows: RowSet, selected: RowSet) {
        let rates = table.sampleRates
        let selWeight = CodeCounter.totalWeight(selected, rates: rates)
        let scopeWeight = CodeCounter.totalWeight(scopeRows, rates: rates)
        let batch = GroupTotals(selWeight: selWeight, baseWeight: scopeWeight - selWeight,
                                selRows: Int64(selected.count), baseRows: Int64(scopeRows.count - selected.count))
        var seen: Set<String> = []
        for column in table.columns {
            seen.insert(column.name)
            if tallies[column.name] == nil {
                names.append(column.name)
                var values = column
                values.codes = .u8([])
                tallies[column.name] = Tally(column: values, absent: groups, denseLimit: denseLimit)
            }
        }
        // Fields in earlier batches that this one lacks: absent from all its rows.
        for name in names where !seen.contains(name) { tallies[name]?.addAbsent(batch) }
        let columns = table.columns
        let before = columns.map { tallies[$0.name]! }
        let maxDistinct = self.maxDistinct
        let after = Parallel.map(before.count) { i in
            var t = before[i]
            // The values only: the batch's codes go with the batch.
            t.column = columns[i]
            t.column.codes = .u8([])
            Self.add(&t, codes: columns[i].codes, scopeRows: scopeRows, selected: selected, rates: rates, maxDistinct: maxDistinct)
            return t
        }
        for t in after { tallies[t.column.name] = t }
        groups.selWeight += batch.selWeight
        groups.baseWeight += batch.baseWeight
        groups.selRows += batch.selRows
        groups.baseRows += batch.baseRows
    }

    private static func add(_ t: inout Tally, codes: CodeArray, scopeRows: RowSet, selected: RowSet, rates: [UInt32], maxDistinct: Int) {
        guard !t.capped else { return }
        let d = t.column.valueCount
        if t.dense {
            // The dictionary can only grow between batches of one snapshot; keep up if it did.
            if t.scopeRaw.count < d + 1 {
                let more = d + 1 - t.scopeRaw.count
                t.scopeRaw += [UInt32](repeating: 0, count: more)
                t.scopeW += [Int64](repeating: 0, count: more)
                t.selRaw += [UInt32](repeating: 0, count: more)
                t.selW += [Int64](repeating: 0, count: more)
            }
            let scope = CodeCounter.count(codes, rows: scopeRows, dictionaryCount: d, buckets: d + 1, rates: rates)
            let sel = CodeCounter.count(codes, rows: selected, dictionaryCount: d, buckets: d + 1, rates: rates)
            for c in 0...d {
                t.scopeRaw[c] &+= scope.raw[c]
                t.scopeW[c] &+= scope.weight(c)
                t.selRaw[c] &+= sel.raw[c]
                t.selW[c] &+= sel.weight(c)
            }
            return
        }
        func visit(_ rows: RowSet, selection: Bool) {
            rows.withIDs { ids in
                let n = ids?.count ?? rows.count
                for i in 0..<n {
                    let r = ids.map { Int($0[i]) } ?? i
                    let code = r < codes.count ? codes[r] : 0
                    let w = rates.isEmpty ? 1 : Int64(rates[r])
                    var e = t.sparse[code] ?? (0, 0, 0, 0)
                    if selection {
                        e.2 &+= 1
                        e.3 &+= w
                    } else {
                        e.0 &+= 1
                        e.1 &+= w
                    }
                    t.sparse[code] = e
                }
            }
        }
        visit(scopeRows, selection: false)
        if t.sparse.count > maxDistinct + 1 {
            t.capped = true
            t.sparse = [:]
            return
        }
        visit(selected, selection: true)
    }

    /// After pass 1: scores every field and chooses the combination candidates.
    public mutating func finishCounting() {
        let groups = self.groups
        let options = self.options
        var analyses: [FieldAnalysis] = []
        var unique: [[UInt32]] = []
        for (i, name) in names.enumerated() {
            let t = tallies[name]!
            let selectedOn = selectedFields.contains(name)
            guard !t.capped else {
                cappedFields.append(name)
                unique.append([])
                analyses.append(FieldAnalysis(dimension: BubbleUpDimension(field: name, kind: .categorical, score: 0, pValue: 1, isNoise: true,
                                                                           selectedOn: selectedOn, distinct: maxDistinct, bins: nil, values: []),
                                              idLike: true, candidates: []))
                continue
            }
            // The codes present, ascending, become local codes 1...k (ties by code break alike).
            var codes: [UInt32] = []
            var scope = CodeCounter.Counts(raw: [0], weighted: [0]), sel = CodeCounter.Counts(raw: [0], weighted: [0])
            func append(_ c: UInt32, _ e: (UInt32, Int64, UInt32, Int64)) {
                if c == 0 {
                    scope.raw[0] = e.0; scope.weighted![0] = e.1; sel.raw[0] = e.2; sel.weighted![0] = e.3
                    return
                }
                guard e.0 > 0 else { return }
                codes.append(c)
                scope.raw.append(e.0); scope.weighted!.append(e.1); sel.raw.append(e.2); sel.weighted!.append(e.3)
            }
            if t.dense {
                for c in t.scopeRaw.indices { append(UInt32(c), (t.scopeRaw[c], t.scopeW[c], t.selRaw[c], t.selW[c])) }
            } else {
                for c in t.sparse.keys.sorted() { append(c, t.sparse[c]!) }
            }
            guard let local = t.column.restricted(to: codes, codes: .u8([])) else {
                cappedFields.append(name)
                unique.append([])
                analyses.append(FieldAnalysis(dimension: BubbleUpDimension(field: name, kind: .categorical, score: 0, pValue: 1, isNoise: true,
                                                                           selectedOn: selectedOn, distinct: codes.count, bins: nil, values: []),
                                              idLike: true, candidates: []))
                continue
            }
            unique.append(codes)
            let field = PreparedField(column: i, of: local, perCode: scope, scopeRows: nil, options: options)
            var side = sel
            if let map = field.codeToBucket {
                var raw = [UInt32](repeating: 0, count: field.buckets), weighted = [Int64](repeating: 0, count: field.buckets)
                for c in sel.raw.indices {
                    let b = Int(map[c])
                    guard b < field.buckets else { continue }
                    raw[b] &+= sel.raw[c]
                    weighted[b] &+= sel.weight(c)
                }
                side = CodeCounter.Counts(raw: raw, weighted: weighted)
            }
            analyses.append(field.analysis(groups: groups, column: local, options: options, selectedOn: selectedOn) {
                SplitCounts(total: field.totals, side: side, sideIsSelection: true)
            })
        }
        self.analyses = analyses
        self.unique = unique
        candidates = Combinations.candidates(analyses, groups: groups, options: options)
        var fields: [String] = []
        for c in candidates where !fields.contains(names[c.column]) { fields.append(names[c.column]) }
        combinationFields = fields
        if !candidates.isEmpty { histogram = Combinations.Histogram(bits: candidates.count) }
    }

    /// Pass 2 (after ``finishCounting()``, only when ``combinationFields`` is not empty):
    /// counts the candidate combinations in one batch, which needs only those fields' columns.
    public mutating func countCombinations(_ table: EventTable, scopeRows: RowSet, selected: RowSet) {
        guard histogram != nil else { return }
        let names = self.names, unique = self.unique
        let maps = Combinations.maps(candidates, in: table) { c in
            guard let column = table.columns.firstIndex(where: { $0.name == names[c.column] }) else { return nil }
            return (column, c.code == 0 ? 0 : Int(unique[c.column][c.code - 1]))
        }
        // Without a candidate field in this batch, its rows match no mask of two or more.
        guard !maps.isEmpty else { return }
        histogram?.add(Combinations.histogram(maps: maps, bits: candidates.count, scopeRows: scopeRows, selected: selected,
                                              rates: table.sampleRates))
    }

    /// The answer, after both passes.
    public func result() -> BubbleUpResult {
        let combinations = histogram.map { Combinations.evaluate(candidates, hist: $0, groups: groups, options: options) } ?? []
        return PreparedBubbleUp.assemble(analyses, groups: groups, combinations: combinations)
    }
}
