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

    var names: [String] = []
    var tallies: [String: Tally] = [:]
    var groups = GroupTotals(selWeight: 0, baseWeight: 0, selRows: 0, baseRows: 0)
    private var analyses: [FieldAnalysis] = []
    var candidates: [Candidate] = []
    /// Per field (by index in `names`): the dataset code of each local code (local code k is `unique[k - 1]`).
    var unique: [[UInt32]] = []
    var histogram: Combinations.Histogram?
    /// Pass 2 from stored chunks: per field with candidates, dataset code → candidate bits.
    var combinationBits: [String: [UInt16]]?

    let maxDistinct: Int
    let denseLimit: Int

    public init(options: BubbleUpOptions = BubbleUpOptions(), selectedFields: Set<String> = [],
                maxDistinct: Int = Self.maxDistinct, denseLimit: Int = Self.denseLimit) {
        self.options = options
        self.selectedFields = selectedFields
        self.maxDistinct = maxDistinct
        self.denseLimit = denseLimit
    }

    /// Events of scope and selection per code of one field. A class: batches update every
    /// field's tally in place, in parallel over fields (each worker its own tallies).
    final class Tally: @unchecked Sendable {
        var column: Column
        var capped = false
        let dense: Bool
        /// Dense, index 2 × code: events of the scope; 2 × code + 1: of the selection.
        var raw: [UInt32] = []
        /// Dense: the weights of `raw`, laid out alike; empty while every event counted had
        /// sample rate 1 (the weights are then `raw`).
        var weights: [Int64] = []
        /// Sparse: code → (scope rows, scope weight, selection rows, selection weight).
        var sparse: [UInt32: (UInt32, Int64, UInt32, Int64)] = [:]

        init(column: Column, absent: GroupTotals, denseLimit: Int) {
            self.column = column
            dense = column.valueCount <= denseLimit
            if dense { raw = [UInt32](repeating: 0, count: 2 * (column.valueCount + 1)) }
            addAbsent(absent)
        }

        /// Makes room for codes up to `d` (a dictionary can grow between batches of one snapshot).
        func grow(to d: Int) {
            guard dense, raw.count < 2 * (d + 1) else { return }
            let more = 2 * (d + 1) - raw.count
            raw += [UInt32](repeating: 0, count: more)
            if !weights.isEmpty { weights += [Int64](repeating: 0, count: more) }
        }

        /// Keeps weights apart from counts from now on (an event with a sample rate came).
        func weigh() {
            guard dense, weights.isEmpty else { return }
            weights = raw.map { Int64($0) }
        }

        /// Rows of earlier batches (or of a batch without this field) lack it: code 0.
        func addAbsent(_ g: GroupTotals) {
            let rows = UInt32(truncatingIfNeeded: g.selRows + g.baseRows), sel = UInt32(truncatingIfNeeded: g.selRows)
            guard rows > 0 else { return }
            if dense {
                if g.selWeight != g.selRows || g.baseWeight != g.baseRows { weigh() }
                raw[0] &+= rows
                raw[1] &+= sel
                if !weights.isEmpty {
                    weights[0] &+= g.selWeight + g.baseWeight
                    weights[1] &+= g.selWeight
                }
            } else if !capped {
                var t = sparse[0] ?? (0, 0, 0, 0)
                t.0 &+= rows
                t.1 &+= g.selWeight + g.baseWeight
                t.2 &+= sel
                t.3 &+= g.selWeight
                sparse[0] = t
            }
        }

        /// Adds one event of scope (selected or not) with `code` to a sparse tally.
        @inline(__always) func addSparse(_ code: UInt32, selected: Bool, weight: Int64) {
            var e = sparse[code] ?? (0, 0, 0, 0)
            if selected {
                e.2 &+= 1
                e.3 &+= weight
            } else {
                e.0 &+= 1
                e.1 &+= weight
            }
            sparse[code] = e
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
        register(table.columns, batch: batch)
        let columns = table.columns
        let tallies = columns.map { self.tallies[$0.name]! }
        let maxDistinct = self.maxDistinct
        _ = Parallel.map(columns.count) { i in
            let t = tallies[i]
            // The values only: the batch's codes go with the batch.
            t.column = columns[i]
            t.column.codes = .u8([])
            Self.add(t, codes: columns[i].codes, scopeRows: scopeRows, selected: selected, rates: rates, maxDistinct: maxDistinct)
        }
        add(batch)
    }

    /// Makes tallies for the fields of `columns` not seen before, and counts the rows of
    /// `batch` as absent in the fields seen before that `columns` lacks.
    mutating func register(_ columns: [Column], batch: GroupTotals) {
        let seen = Set(columns.map(\.name))
        for name in names where !seen.contains(name) { tallies[name]?.addAbsent(batch) }
        adopt(counters(for: columns))
    }

    /// Counters for the fields of `columns` that have none yet (each once), made in parallel:
    /// as many as a field's values, their first writes cost.
    func counters(for columns: [Column]) -> [Tally] {
        var fresh: [Column] = [], named: Set<String> = []
        for column in columns where tallies[column.name] == nil && named.insert(column.name).inserted {
            var values = column
            values.codes = .u8([])
            fresh.append(values)
        }
        let groups = self.groups, denseLimit = self.denseLimit
        // The largest first, as in ``finishCounting()``.
        let order = fresh.indices.sorted { fresh[$0].valueCount > fresh[$1].valueCount }
        let made = Parallel.map(order.count) { k in Tally(column: fresh[order[k]], absent: groups, denseLimit: denseLimit) }
        var slots = [Tally?](repeating: nil, count: fresh.count)
        for (k, i) in order.enumerated() { slots[i] = made[k] }
        return slots.map { $0! }
    }

    /// Takes counters made by ``counters(for:)``, in their order.
    mutating func adopt(_ made: [Tally]) {
        for t in made where tallies[t.column.name] == nil {
            names.append(t.column.name)
            tallies[t.column.name] = t
        }
    }

    /// Adds a batch's events to the totals of both groups.
    mutating func add(_ batch: GroupTotals) {
        groups.selWeight += batch.selWeight
        groups.baseWeight += batch.baseWeight
        groups.selRows += batch.selRows
        groups.baseRows += batch.baseRows
    }

    private static func add(_ t: Tally, codes: CodeArray, scopeRows: RowSet, selected: RowSet, rates: [UInt32], maxDistinct: Int) {
        guard !t.capped else { return }
        let d = t.column.valueCount
        if t.dense {
            t.grow(to: d)
            if !rates.isEmpty { t.weigh() }
            let scope = CodeCounter.count(codes, rows: scopeRows, dictionaryCount: d, buckets: d + 1, rates: rates)
            let sel = CodeCounter.count(codes, rows: selected, dictionaryCount: d, buckets: d + 1, rates: rates)
            let weighted = !t.weights.isEmpty
            for c in 0...d {
                t.raw[2 * c] &+= scope.raw[c]
                t.raw[2 * c + 1] &+= sel.raw[c]
                if weighted {
                    t.weights[2 * c] &+= scope.weight(c)
                    t.weights[2 * c + 1] &+= sel.weight(c)
                }
            }
            return
        }
        func visit(_ rows: RowSet, selection: Bool) {
            rows.withIDs { ids in
                let n = ids?.count ?? rows.count
                for i in 0..<n {
                    let r = ids.map { Int($0[i]) } ?? i
                    t.addSparse(r < codes.count ? codes[r] : 0, selected: selection, weight: rates.isEmpty ? 1 : Int64(rates[r]))
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
        let groups = self.groups, options = self.options, maxDistinct = self.maxDistinct
        let tallies = names.map { self.tallies[$0]! }, selectedFields = self.selectedFields
        // Fields apart, in parallel: (analysis, local codes' dataset codes, capped). The
        // fields of most values first: cores take fields in turn, and one of a million values
        // started last would leave the other core idle while it finishes.
        let order = tallies.indices.sorted { tallies[$0].column.valueCount > tallies[$1].column.valueCount }
        let analysed = Parallel.map(order.count) { k in
            let i = order[k]
            return Self.analyze(tallies[i], column: i, groups: groups, options: options, selectedOn: selectedFields.contains(tallies[i].column.name),
                                maxDistinct: maxDistinct)
        }
        var slots = [(FieldAnalysis, [UInt32], Bool)?](repeating: nil, count: tallies.count)
        for (k, i) in order.enumerated() { slots[i] = analysed[k] }
        let done = slots.map { $0! }
        analyses = done.map(\.0)
        unique = done.map(\.1)
        cappedFields = zip(names, done).filter { $0.1.2 }.map(\.0)
        candidates = Combinations.candidates(analyses, groups: groups, options: options)
        var fields: [String] = []
        for c in candidates where !fields.contains(names[c.column]) { fields.append(names[c.column]) }
        combinationFields = fields
        if !candidates.isEmpty { histogram = Combinations.Histogram(bits: candidates.count) }
    }

    /// One field's outcome from its tally: its analysis, the dataset code of each local code,
    /// and whether it was capped (too many values to count).
    private static func analyze(_ t: Tally, column i: Int, groups: GroupTotals, options: BubbleUpOptions, selectedOn: Bool,
                                maxDistinct: Int) -> (FieldAnalysis, [UInt32], Bool) {
        let name = t.column.name
        func capped(distinct: Int) -> (FieldAnalysis, [UInt32], Bool) {
            (FieldAnalysis(dimension: BubbleUpDimension(field: name, kind: .categorical, score: 0, pValue: 1, isNoise: true,
                                                        selectedOn: selectedOn, distinct: distinct, bins: nil, values: []),
                           idLike: true, candidates: []), [], true)
        }
        guard !t.capped else { return capped(distinct: maxDistinct) }
        if t.dense, !t.column.hasNumbers, let idLike = idLikeStrings(t, groups: groups, options: options, selectedOn: selectedOn) {
            return (idLike, [], false)
        }
        // The codes present, ascending, become local codes 1...k (ties by code break alike);
        // local code 0 is absent. (Plain loops on local arrays: a nested function capturing
        // them would box them, with an access check per append.)
        var codes: [UInt32] = [], scopeRaw: [UInt32] = [], selRaw: [UInt32] = [], scopeW: [Int64] = [], selW: [Int64] = []
        if t.dense {
            let raw = t.raw, w = t.weights, n = raw.count / 2
            var present = 0
            for c in 1..<max(1, n) where raw[2 * c] > 0 { present += 1 }
            codes.reserveCapacity(present)
            scopeRaw.reserveCapacity(present + 1)
            selRaw.reserveCapacity(present + 1)
            if !w.isEmpty {
                scopeW.reserveCapacity(present + 1)
                selW.reserveCapacity(present + 1)
            }
            for c in 0..<n where c == 0 || raw[2 * c] > 0 {
                if c > 0 { codes.append(UInt32(c)) }
                scopeRaw.append(raw[2 * c])
                selRaw.append(raw[2 * c + 1])
                if !w.isEmpty {
                    scopeW.append(w[2 * c])
                    selW.append(w[2 * c + 1])
                }
            }
        } else {
            if t.sparse[0] == nil {
                scopeRaw.append(0); scopeW.append(0); selRaw.append(0); selW.append(0)
            }
            for c in t.sparse.keys.sorted() {
                let e = t.sparse[c]!
                guard c == 0 || e.0 > 0 else { continue }
                if c > 0 { codes.append(c) }
                scopeRaw.append(e.0); scopeW.append(e.1); selRaw.append(e.2); selW.append(e.3)
            }
        }
        // No weights kept: every event counted had sample rate 1, weights are the counts.
        let weighted = !scopeW.isEmpty
        guard let local = t.column.restricted(to: codes, codes: .u8([])) else { return capped(distinct: codes.count) }
        let scope = CodeCounter.Counts(raw: scopeRaw, weighted: weighted ? scopeW : nil), sel = CodeCounter.Counts(raw: selRaw, weighted: weighted ? selW : nil)
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
        let analysis = field.analysis(groups: groups, column: local, options: options, selectedOn: selectedOn) {
            SplitCounts(total: field.totals, side: side, sideIsSelection: true)
        }
        return (analysis, codes, false)
    }

    /// A field of strings whose events nearly all have distinct values, told from its dense
    /// tally in one pass without building its counts per value: the outcome
    /// ``PreparedField`` reaches for it (a unique key, or ID-like in both groups), or nil when
    /// it is not ID-like and needs the whole analysis. (Span and request ids hold as many
    /// values as events; building their counts cost more than counting them.)
    private static func idLikeStrings(_ t: Tally, groups: GroupTotals, options: BubbleUpOptions, selectedOn: Bool) -> FieldAnalysis? {
        let n = t.raw.count / 2
        guard n > 1 else { return nil }
        var distinct = 0, distinctS = 0, distinctB = 0
        var present: Int64 = 0
        t.raw.withUnsafeBufferPointer { raw in
            for c in 1..<n {
                let s = raw[2 &* c], u = raw[2 &* c &+ 1]
                distinct &+= s > 0 ? 1 : 0
                distinctS &+= u > 0 ? 1 : 0
                distinctB &+= s > u ? 1 : 0
                present &+= Int64(s)
            }
        }
        let support = Int64(options.minSupport)
        let absent = Int64(t.raw[0]), absentS = Int64(t.raw[1])
        func idLike() -> FieldAnalysis {
            FieldAnalysis(dimension: BubbleUpDimension(field: t.column.name, kind: .categorical, score: 0, pValue: 1, isNoise: true,
                                                       selectedOn: selectedOn, distinct: distinct, bins: nil, values: []),
                          idLike: true, candidates: [])
        }
        // As `PreparedField.analysis`: every value once, none absent.
        if absent == 0, Int64(distinct) == present, distinct > 0, groups.selRows >= support, groups.baseRows >= support { return idLike() }
        // As `PreparedField.analyzeCategorical`: nearly unique on both sides.
        let presentS = groups.selRows - absentS, presentB = groups.baseRows - (absent - absentS)
        if presentS >= support, presentB >= support, Double(distinctS) > options.idLikeRatio * Double(presentS),
           Double(distinctB) > options.idLikeRatio * Double(presentB) { return idLike() }
        return nil
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
