/// The SQL of a heatmap's value axis over one field: the extent of its numbers in scope (from
/// which Kiln makes the axis, as the embedded store does) and the bucket of each event's number.
/// Shared by the explorer's heatmap and the HEATMAP calculation of a query.
extension FieldSQL {
    /// True where the value is a finite number (the numbers a heatmap draws).
    var isFiniteNumber: String { "(\(isNumber) AND isFinite(\(number)))" }

    /// Five aggregates: the finite numbers, their smallest and largest, the positive ones and the
    /// smallest of those (read back by ``numberExtent(_:)``).
    var numberExtentColumns: [String] {
        let x = number, ok = isFiniteNumber
        return ["countIf(\(ok))", "minIf(\(x), \(ok))", "maxIf(\(x), \(ok))", "countIf(\(ok) AND \(x) > 0)", "minIf(\(x), \(ok) AND \(x) > 0)"]
    }

    /// The smallest, smallest positive and largest finite number from the five columns of
    /// ``numberExtentColumns``; nil when there is none.
    static func numberExtent(_ r: ArraySlice<String>) -> (min: Double, minPositive: Double?, max: Double)? {
        guard r.count == 5 else { return nil }
        let c = Array(r)
        guard (Int64(c[0]) ?? 0) > 0, let lo = Double(c[1]), let hi = Double(c[2]) else { return nil }
        return (lo, (Int64(c[3]) ?? 0) > 0 ? Double(c[4]) : nil, hi)
    }

    /// The value bucket of the event's number on the axis `edges` (bucket i holds
    /// `edges[i] ..< edges[i+1]`), -1 without a finite number or outside the axis.
    func valueBucket(edges: [Double]) -> String {
        let x = number
        let inner = edges.dropFirst().dropLast().map(SQL.float).joined(separator: ", ")
        let bucket = inner.isEmpty ? "0" : "arrayCount(e -> e <= \(x), [\(inner)])"
        return "if(\(isFiniteNumber) AND \(x) >= \(SQL.float(edges.first ?? 0)) AND \(x) < \(SQL.float(edges.last ?? 1)), \(bucket), -1)"
    }
}
