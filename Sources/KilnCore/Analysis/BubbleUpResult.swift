/// What BubbleUp found: for every field, how its values are spread in the selection and in
/// the baseline, ranked by how differently; plus ID-like fields and value combinations.
///
/// Counts are weighted by sample rate (an event with rate N counts N times); `weighted` says
/// whether any event had a rate above 1. Render with ``json()`` or ``table(width:ascii:)``.
public struct BubbleUpResult: Sendable, Equatable {
    /// Events in the selection (weighted).
    public var selectionCount: Int64
    /// Events in the baseline: in scope, not selected (weighted).
    public var baselineCount: Int64
    /// Stored rows in the selection (equals `selectionCount` when unsampled).
    public var selectionRows: Int
    /// Stored rows in the baseline.
    public var baselineRows: Int
    /// True when counts are weighted by sample rates above 1.
    public var weighted: Bool
    /// Fields ranked by ``BubbleUpDimension/score``, highest first; fields the selection itself
    /// filters on (explained by construction) come after all others, also by score.
    public var dimensions: [BubbleUpDimension]
    /// Fields whose values are nearly all distinct in both groups (ids), set apart by name.
    public var idLike: [String]
    /// Value combinations of two or three fields that single out the selection best.
    public var combinations: [BubbleUpCombination]

    /// Makes a result from its parts (for tests and previews of views that draw one).
    public init(selectionCount: Int64, baselineCount: Int64, selectionRows: Int, baselineRows: Int, weighted: Bool,
                dimensions: [BubbleUpDimension], idLike: [String], combinations: [BubbleUpCombination]) {
        self.selectionCount = selectionCount
        self.baselineCount = baselineCount
        self.selectionRows = selectionRows
        self.baselineRows = baselineRows
        self.weighted = weighted
        self.dimensions = dimensions
        self.idLike = idLike
        self.combinations = combinations
    }
}

/// One field compared between selection and baseline.
public struct BubbleUpDimension: Sendable, Equatable {
    /// How the field's values were bucketed.
    public enum Kind: String, Sendable {
        /// Each value its own bucket (top values plus "other").
        case categorical
        /// Shared value bins (a histogram).
        case numeric
    }

    /// The field name.
    public var field: String
    /// Categorical or numeric.
    public var kind: Kind
    /// The largest absolute difference between a value's share of the selection and its share
    /// of the baseline (0...1), over values with minimum support; see ``BubbleUp``.
    public var score: Double
    /// G-test p-value of "the field is spread the same way in both groups" (raw event counts
    /// over the buckets shown); at least 1e-300.
    public var pValue: Double
    /// True when the difference could be chance: p-value at or above the significance level,
    /// or no value has minimum support.
    public var isNoise: Bool
    /// True when the selection filters on this field itself.
    public var selectedOn: Bool
    /// Distinct values of the field in the scope (absent not counted).
    public var distinct: Int
    /// The bins of a numeric field.
    public var bins: NumericBins?
    /// Value buckets: categorical fields by difference of shares, then "other"; numeric fields
    /// by ascending bin, then absent.
    public var values: [BubbleUpValue]

    /// Makes a dimension from its parts.
    public init(field: String, kind: Kind, score: Double, pValue: Double, isNoise: Bool, selectedOn: Bool, distinct: Int,
                bins: NumericBins?, values: [BubbleUpValue]) {
        self.field = field
        self.kind = kind
        self.score = score
        self.pValue = pValue
        self.isNoise = isNoise
        self.selectedOn = selectedOn
        self.distinct = distinct
        self.bins = bins
        self.values = values
    }
}

/// One value (or bin, or the rest) of a field, in both groups.
public struct BubbleUpValue: Sendable, Equatable {
    /// What the bucket holds.
    public enum Bucket: Sendable, Equatable {
        /// One value; nil is "the field is absent".
        case value(Value?)
        /// The values not shown, with how many distinct values they are.
        case other(count: Int)
        /// A bin of a numeric field: `lo <= v < hi`.
        case range(lo: Double, hi: Double)
    }

    /// What the bucket holds.
    public var bucket: Bucket
    /// Events in the selection (weighted).
    public var selection: Int64
    /// Events in the baseline (weighted).
    public var baseline: Int64
    /// Share of the selection, 0...100.
    public var selectionPercent: Double
    /// Share of the baseline, 0...100.
    public var baselinePercent: Double

    /// Makes a bucket from its parts.
    public init(bucket: Bucket, selection: Int64, baseline: Int64, selectionPercent: Double, baselinePercent: Double) {
        self.bucket = bucket
        self.selection = selection
        self.baseline = baseline
        self.selectionPercent = selectionPercent
        self.baselinePercent = baselinePercent
    }

    /// The label: the value's text, `null`, `other (N values)` or `lo..hi`.
    public var label: String {
        switch bucket {
        case .value(let v): return v?.text ?? "null"
        case .other(let n): return "other (\(n) value\(n == 1 ? "" : "s"))"
        case .range(let lo, let hi): return NumberText.compact(lo) + ".." + NumberText.compact(hi)
        }
    }

    /// The filters that select this bucket in field `field` (`field = v`, `field !exists`,
    /// or `field >= lo` and `field < hi`); empty for "other".
    public func filters(field: String) -> [Filter] {
        switch bucket {
        case .value(let v): return [Filter.equal(field, v)]
        case .other: return []
        case .range(let lo, let hi):
            return [Filter(field, .greaterOrEqual, Self.number(lo)), Filter(field, .less, Self.number(hi))]
        }
    }

    private static func number(_ d: Double) -> Value {
        d == d.rounded() && abs(d) < 1e15 ? .int(Int64(d)) : .float(d)
    }
}

/// A combination of values of two or three fields that is over-represented in the selection.
public struct BubbleUpCombination: Sendable, Equatable {
    /// The field values, by field name; nil means the field is absent.
    public var fields: [(name: String, value: Value?)]
    /// Selected events having every value (weighted).
    public var selection: Int64
    /// Baseline events having every value (weighted).
    public var baseline: Int64
    /// Share of the selection covered (the combination's coverage), 0...100.
    public var selectionPercent: Double
    /// Share of the baseline, 0...100.
    public var baselinePercent: Double
    /// Selection share / baseline share; a baseline count of 0 counts as 0.5 event so the
    /// ratio stays finite.
    public var riskRatio: Double
    /// Selection share − baseline share (0...1), the ranking key.
    public var score: Double

    /// Makes a combination from its parts.
    public init(fields: [(name: String, value: Value?)], selection: Int64, baseline: Int64, selectionPercent: Double,
                baselinePercent: Double, riskRatio: Double, score: Double) {
        self.fields = fields
        self.selection = selection
        self.baseline = baseline
        self.selectionPercent = selectionPercent
        self.baselinePercent = baselinePercent
        self.riskRatio = riskRatio
        self.score = score
    }

    /// Filters selecting the combination (one `=` or `!exists` per field).
    public var filters: [Filter] { fields.map { Filter.equal($0.name, $0.value) } }

    /// Equal fields, counts and ratios.
    public static func == (a: BubbleUpCombination, b: BubbleUpCombination) -> Bool {
        a.fields.count == b.fields.count && zip(a.fields, b.fields).allSatisfy { $0.name == $1.name && $0.value == $1.value }
            && a.selection == b.selection && a.baseline == b.baseline && a.riskRatio == b.riskRatio
            && a.selectionPercent == b.selectionPercent && a.baselinePercent == b.baselinePercent && a.score == b.score
    }
}
