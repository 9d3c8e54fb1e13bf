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

    /// - Parameter repeated: whether many selections will be run (then numeric fields keep a
    ///   bucket per row, which makes each run cheaper and the preparation dearer).
    init(table: EventTable, scope: Scope, scopeRows: RowSet, options: BubbleUpOptions, repeated: Bool = true) {
        self.table = table
        self.scope = scope
        self.scopeRows = scopeRows
        self.options = options
        scopeWeight = CodeCounter.totalWeight(scopeRows, rates: table.sampleRates)
        fields = Parallel.map(table.columns.count) { i in
            PreparedField(table: table, column: i, scopeRows: scopeRows, options: options, bucketRows: repeated)
        }
    }

    /// Compares the events in scope that pass every filter of `selection` with the rest of the
    /// scope. Fields that `selection` filters on are ranked after the others.
    /// - Complexity: O(counted side × fields + distinct values), in parallel over fields; the
    ///   counted side is the selection, or the baseline when that is under a third of the scope.
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
        // Count the smaller side; the rest comes from the scope totals. The baseline is only
        // worth listing (one pass over the scope) when it is well below the selection.
        let wide = selected.count > 2 * (scopeRows.count - selected.count)
        let side = wide ? scopeRows.subtracting(selected) : selected
        let sideWeight = CodeCounter.totalWeight(side, rates: rates)
        let selWeight = wide ? scopeWeight - sideWeight : sideWeight
        let groups = GroupTotals(selWeight: selWeight, baseWeight: scopeWeight - selWeight,
                                 selRows: Int64(selected.count), baseRows: Int64(scopeRows.count - selected.count))
        let options = self.options
        let table = self.table
        let analyses: [FieldAnalysis] = Parallel.map(fields.count) { i in
            let field = fields[i]
            return field.analysis(groups: groups, column: table.columns[field.column], options: options,
                                  selectedOn: selectedFields.contains(field.name)) {
                SplitCounts(total: field.totals, side: CodeCounter.count(field.job(table), rows: side, rates: table.sampleRates),
                            sideIsSelection: !wide)
            }
        }
        let combinations = Combinations.find(analyses: analyses, fields: fields, table: table, scopeRows: scopeRows,
                                             selected: selected, groups: groups, options: options)
        return Self.assemble(analyses, groups: groups, combinations: combinations)
    }

    /// The result from each field's outcome: fields ranked by score (those the selection
    /// filters on last), ID-like fields by name.
    static func assemble(_ analyses: [FieldAnalysis], groups: GroupTotals, combinations: [BubbleUpCombination]) -> BubbleUpResult {
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
        return BubbleUpResult(selectionCount: groups.selWeight, baselineCount: groups.baseWeight,
                              selectionRows: Int(groups.selRows), baselineRows: Int(groups.baseRows),
                              weighted: groups.selWeight + groups.baseWeight != groups.selRows + groups.baseRows,
                              dimensions: dimensions, idLike: idLike, combinations: combinations)
    }
}
