/// BubbleUp from counts made elsewhere: a SQL backend counts each field's values in the
/// selection and the baseline (`GROUP BY field, value`), and Kiln ranks them exactly as it
/// ranks its own counts, so both backends give the same answer for the same events.
extension BubbleUp {
    /// The sizes of the two groups.
    public struct GroupCounts: Sendable, Equatable {
        /// Weighted and raw events in the selection.
        public var selectionWeight: Int64, selectionRows: Int64
        /// Weighted and raw events in the baseline.
        public var baselineWeight: Int64, baselineRows: Int64

        /// Makes the sizes.
        public init(selectionWeight: Int64, selectionRows: Int64, baselineWeight: Int64, baselineRows: Int64) {
            self.selectionWeight = selectionWeight
            self.selectionRows = selectionRows
            self.baselineWeight = baselineWeight
            self.baselineRows = baselineRows
        }
    }

    /// Weighted and raw counts of one bucket in both groups.
    public struct BucketCount: Sendable, Equatable {
        public var selectionWeight: Int64 = 0, selectionRows: Int64 = 0, baselineWeight: Int64 = 0, baselineRows: Int64 = 0

        /// Makes a count.
        public init(selectionWeight: Int64 = 0, selectionRows: Int64 = 0, baselineWeight: Int64 = 0, baselineRows: Int64 = 0) {
            self.selectionWeight = selectionWeight
            self.selectionRows = selectionRows
            self.baselineWeight = baselineWeight
            self.baselineRows = baselineRows
        }
    }

    /// What a backend knows of a field before counting its values: enough to decide, as the
    /// embedded store does, whether it is ID-like (then its values are never fetched) or numeric
    /// (then it is counted per bin of ``bins(min:max:minPositive:integers:options:)``).
    public struct FieldStatistics: Sendable, Equatable {
        public var field: String
        /// Distinct values in scope, in the selection and in the baseline.
        public var distinct: Int, distinctSelection: Int, distinctBaseline: Int
        /// Events having the field, in the selection and in the baseline (raw).
        public var presentSelection: Int64, presentBaseline: Int64
        /// True when every value in scope is a finite int or float.
        public var allFiniteNumbers: Bool
        /// True when every value in scope is an int.
        public var integers: Bool

        /// Makes statistics.
        public init(field: String, distinct: Int, distinctSelection: Int, distinctBaseline: Int, presentSelection: Int64,
                    presentBaseline: Int64, allFiniteNumbers: Bool, integers: Bool) {
            self.field = field
            self.distinct = distinct
            self.distinctSelection = distinctSelection
            self.distinctBaseline = distinctBaseline
            self.presentSelection = presentSelection
            self.presentBaseline = presentBaseline
            self.allFiniteNumbers = allFiniteNumbers
            self.integers = integers
        }

        /// True when the field is binned as a number.
        public func isNumeric(options: BubbleUpOptions) -> Bool {
            PreparedField.isNumeric(name: field, distinct: distinct, present: presentSelection + presentBaseline,
                                    allFiniteNumbers: allFiniteNumbers, integers: integers, options: options)
        }

        /// True when nearly every event has its own value in both groups (an id): it goes to
        /// `id_like` without its values being counted.
        public func isIDLike(options: BubbleUpOptions) -> Bool {
            guard !isNumeric(options: options) else { return false }
            let support = Int64(options.minSupport)
            return presentSelection >= support && presentBaseline >= support
                && Double(distinctSelection) > options.idLikeRatio * Double(presentSelection)
                && Double(distinctBaseline) > options.idLikeRatio * Double(presentBaseline)
        }
    }

    /// One field's counts: per value (categorical) or per bin (numeric), plus absent.
    public struct FieldCounts: Sendable {
        public var field: String
        /// Distinct values in scope.
        public var distinct: Int
        /// Bins of a numeric field (counts are per bin); nil for a categorical one.
        public var bins: NumericBins?
        /// Categorical: the values counted, in any order.
        public var values: [Value]
        /// Counts of absent, then of each value (or bin) in order.
        public var counts: [BucketCount]
        /// True for an ID-like field (nothing else is read).
        public var idLike: Bool

        /// Makes counts.
        public init(field: String, distinct: Int, bins: NumericBins?, values: [Value], counts: [BucketCount], idLike: Bool = false) {
            self.field = field
            self.distinct = distinct
            self.bins = bins
            self.values = values
            self.counts = counts
            self.idLike = idLike
        }
    }

    /// A value (nil: absent) that combinations may use; the backend counts events by which of
    /// them they have.
    public struct CombinationValue: Sendable, Equatable {
        public var field: String
        public var value: Value?
    }

    /// Events with exactly the candidate values of `mask` (bit i: candidate i), in scope and in
    /// the selection.
    public struct MaskCount: Sendable, Equatable {
        public var mask: Int
        public var scopeRows: Int64, scopeWeight: Int64, selectionRows: Int64, selectionWeight: Int64

        /// Makes a count.
        public init(mask: Int, scopeRows: Int64, scopeWeight: Int64, selectionRows: Int64, selectionWeight: Int64) {
            self.mask = mask
            self.scopeRows = scopeRows
            self.scopeWeight = scopeWeight
            self.selectionRows = selectionRows
            self.selectionWeight = selectionWeight
        }
    }

    /// The bins a numeric field gets for the range of its values in scope.
    public static func bins(min: Double, max: Double, minPositive: Double?, integers: Bool, options: BubbleUpOptions) -> NumericBins {
        NumericBins.make(min: min, max: max, minPositive: minPositive, integers: integers, maxBins: options.maxBins)
    }

    /// Ranks fields from their counts, then asks `countMasks` for the combinations of the best
    /// candidate values (at most 16) and ranks those.
    /// - Complexity: O(counted values × log top values) plus one `countMasks` call.
    public static func run(groups g: GroupCounts, fields: [FieldCounts], selectedFields: Set<String>, options: BubbleUpOptions = BubbleUpOptions(),
                           countMasks: ([CombinationValue]) throws -> [MaskCount]) rethrows -> BubbleUpResult {
        let groups = GroupTotals(selWeight: g.selectionWeight, baseWeight: g.baselineWeight, selRows: g.selectionRows, baseRows: g.baselineRows)
        var analyses: [FieldAnalysis] = []
        for (index, field) in fields.enumerated() {
            let selectedOn = selectedFields.contains(field.field)
            if field.idLike {
                analyses.append(FieldAnalysis(dimension: BubbleUpDimension(field: field.field, kind: .categorical, score: 0, pValue: 1, isNoise: true,
                                                                           selectedOn: selectedOn, distinct: field.distinct, bins: nil, values: []),
                                              idLike: true, candidates: []))
                continue
            }
            let total = CodeCounter.Counts(raw: field.counts.map { UInt32(clamping: $0.selectionRows + $0.baselineRows) },
                                           weighted: field.counts.map { $0.selectionWeight + $0.baselineWeight })
            let side = CodeCounter.Counts(raw: field.counts.map { UInt32(clamping: $0.selectionRows) }, weighted: field.counts.map(\.selectionWeight))
            var encoder = DictionaryEncoder()
            for v in field.values { _ = encoder.code(for: v) }
            let column = Column(name: field.field, codes: CodeArray(capacityFor: 0), dictionary: encoder.dictionary)
            let prepared = PreparedField(name: field.field, column: index, bins: field.bins, totals: total, distinct: field.distinct)
            analyses.append(prepared.analyze(SplitCounts(total: total, side: side, sideIsSelection: true), groups: groups, column: column,
                                             options: options, selectedOn: selectedOn))
        }
        let candidates = Combinations.candidates(analyses, groups: groups, options: options)
        var combinations: [BubbleUpCombination] = []
        if !candidates.isEmpty {
            let masks = try countMasks(candidates.map { CombinationValue(field: $0.field, value: $0.value) })
            let size = 1 << candidates.count
            var hist = Combinations.Histogram(scopeRows: [UInt32](repeating: 0, count: size), selRows: [UInt32](repeating: 0, count: size),
                                              scopeWeights: [Int64](repeating: 0, count: size), selWeights: [Int64](repeating: 0, count: size))
            for m in masks where m.mask > 0 && m.mask < size {
                hist.scopeRows[m.mask] = UInt32(clamping: m.scopeRows)
                hist.selRows[m.mask] = UInt32(clamping: m.selectionRows)
                hist.scopeWeights?[m.mask] = m.scopeWeight
                hist.selWeights?[m.mask] = m.selectionWeight
            }
            combinations = Combinations.evaluate(candidates, hist: hist, groups: groups, options: options)
        }
        return PreparedBubbleUp.assemble(analyses, groups: groups, combinations: combinations)
    }
}
