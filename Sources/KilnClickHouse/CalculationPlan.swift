import KilnCore

/// The SQL aggregates of one calculation and how to read its value back, weighted by sample
/// rate as the embedded store computes it.
struct CalculationPlan {
    let calculation: Calculation
    let first: Int
    let integers: Bool
    let columns: [String]
    /// The value axis of a HEATMAP calculation; nil for others, and for the HEATMAP of a field
    /// the dataset does not have (one empty bucket, as the embedded store answers).
    let heatmapEdges: [Double]?

    /// The plan of `calculation` whose columns start at `firstColumn` of the statement;
    /// `integers` when the field has no float in scope; `heatmapEdges` the value axis of a
    /// HEATMAP calculation.
    init(_ calculation: Calculation, firstColumn: Int, integers: Bool, heatmapEdges: [Double]? = nil) {
        self.calculation = calculation
        first = firstColumn
        self.integers = integers
        self.heatmapEdges = heatmapEdges
        guard let name = calculation.field else {
            columns = ["sum(sample_rate)"]
            return
        }
        let f = FieldSQL(name)
        switch calculation {
        case .count:
            columns = ["sum(sample_rate)"]
        case .heatmap:
            // The weight per value bucket, as (buckets, weights) arrays; -1 is off the axis.
            columns = heatmapEdges.map { ["sumMap([toInt32(\(f.valueBucket(edges: $0)))], [sample_rate])"] } ?? []
        case .countDistinct:
            columns = ["uniqExactIf(\(f.kind), \(f.string), \(f.int), \(f.float), \(f.bool), \(f.exists))"]
        case .sum, .avg:
            columns = ["sumIf(\(f.number) * sample_rate, \(f.isNumber))", "sumIf(sample_rate, \(f.isNumber))",
                       "sumIf(\(f.int) * toInt64(sample_rate), \(f.hasInt))"]
        case .min, .max:
            let agg = calculation.name.lowercased()
            columns = ["\(agg)If(\(f.int), \(f.hasInt))", "countIf(\(f.hasInt))",
                       "\(agg)If(\(f.float), \(f.hasFloat) AND NOT isNaN(\(f.float)))", "countIf(\(f.hasFloat) AND NOT isNaN(\(f.float)))"]
        case .percentile(let p, _):
            // Nearest rank as the embedded store: the smallest value whose cumulative weight
            // reaches ceil(p × total). quantileExactWeighted takes ceil(total × level); a level a
            // hair under p makes that equal for any total below 10^10.
            let level = String(format: "%.17g", Double(p.perMille) / 1000 - 1e-13)
            columns = ["quantileExactWeightedIf(\(level))(\(f.number), sample_rate, \(f.isNumber))", "sumIf(sample_rate, \(f.isNumber))"]
        }
    }

    /// The same plan with its columns starting at `firstColumn` (of another statement).
    func at(_ firstColumn: Int) -> CalculationPlan {
        CalculationPlan(calculation, firstColumn: firstColumn, integers: integers, heatmapEdges: heatmapEdges)
    }

    func value(_ r: [String]) -> CalculationValue {
        func int(_ i: Int) -> Int64 { Int64(r[first + i]) ?? 0 }
        func double(_ i: Int) -> Double { Double(r[first + i]) ?? .nan }
        switch calculation {
        case .count, .countDistinct:
            return .value(.int(int(0)))
        case .heatmap:
            guard let edges = heatmapEdges else { return .histogram([0]) }
            return .histogram(Self.histogram(r[first], buckets: edges.count - 1))
        case .sum:
            guard int(1) > 0 else { return .null }
            return integers ? .value(.int(int(2))) : .value(.float(double(0)))
        case .avg:
            guard int(1) > 0 else { return .null }
            return .value(.float(double(0) / Double(int(1))))
        case .min, .max:
            let hasInt = int(1) > 0, hasFloat = int(3) > 0
            let i = int(0), d = double(2)
            switch (hasInt, hasFloat) {
            case (false, false): return .null
            case (true, false): return .value(.int(i))
            case (false, true): return .value(.float(d))
            case (true, true):
                let largest = { if case .max = calculation { return true } else { return false } }()
                let intWins = largest ? Double(i) >= d : Double(i) <= d
                return intWins ? .value(.int(i)) : .value(.float(d))
            }
        case .percentile:
            guard int(1) > 0 else { return .null }
            let x = double(0)
            return .value(integers && x == x.rounded() && abs(x) < 9e18 ? .int(Int64(x)) : .float(x))
        }
    }

    /// The weight per bucket from `sumMap`'s answer `([bucket, ...],[weight, ...])`; buckets
    /// off the axis (-1) are left out.
    static func histogram(_ text: String, buckets: Int) -> [Int64] {
        var out = [Int64](repeating: 0, count: max(0, buckets))
        guard text.hasPrefix("(["), text.hasSuffix("])"), let middle = text.range(of: "],[") else { return out }
        let keys = text[text.index(text.startIndex, offsetBy: 2)..<middle.lowerBound].split(separator: ",")
        let weights = text[middle.upperBound..<text.index(text.endIndex, offsetBy: -2)].split(separator: ",")
        for (k, w) in zip(keys, weights) {
            guard let k = Int(k), let w = Int64(w), k >= 0, k < out.count else { continue }
            out[k] &+= w
        }
        return out
    }
}
