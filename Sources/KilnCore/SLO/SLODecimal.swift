/// A non-negative decimal number held exactly, as an integer over a power of ten: SLO targets
/// (`99.9`) and burn-rate thresholds (`14.4`), so that comparisons at their edges are exact.
public struct SLODecimal: Sendable, Hashable, CustomStringConvertible {
    /// The digits without the decimal point (`999` for `99.9`).
    public var units: Int64
    /// The power of ten dividing ``units`` (`10` for `99.9`).
    public var scale: Int64

    /// Makes `units / scale`; `scale` must be a power of ten.
    public init(units: Int64, scale: Int64) {
        self.units = units
        self.scale = scale
    }

    /// Parses `99.9`, `99`, `14.4`: digits with at most 6 after the point; nil otherwise.
    public init?(_ text: String) {
        let parts = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard let whole = parts.first, !whole.isEmpty, whole.count <= 9, whole.allSatisfy(\.isASCIIDigit) else { return nil }
        var units = Int64(whole)!, scale: Int64 = 1
        if parts.count == 2 {
            let frac = parts[1]
            guard !frac.isEmpty, frac.count <= 6, frac.allSatisfy(\.isASCIIDigit) else { return nil }
            for d in frac {
                units = units * 10 + Int64(d.asciiValue! - 48)
                scale *= 10
            }
        }
        self.init(units: units, scale: scale)
    }

    /// The nearest double.
    public var double: Double { Double(units) / Double(scale) }

    /// The shortest text that reads back to the same number (`99.9`, `99`).
    public var description: String {
        var whole = String(units / scale), frac = String(units % scale)
        guard scale > 1 else { return whole }
        let digits = String(scale).count - 1
        frac = String(repeating: "0", count: digits - frac.count) + frac
        while frac.hasSuffix("0") { frac.removeLast() }
        if !frac.isEmpty { whole += "." + frac }
        return whole
    }
}

extension Character {
    var isASCIIDigit: Bool { asciiValue.map { $0 >= 48 && $0 <= 57 } ?? false }
}
