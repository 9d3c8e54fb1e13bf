/// Value bins shared by both sides of a comparison: doubling (or ×4, ×10, ...) bins from a
/// round number for skewed data such as latency, round linear steps otherwise.
///
/// Bin `i` holds values in `edges[i] ..< edges[i+1]`; the top edge is always above the
/// largest value, so every bin is half-open and a bin reads back as the two filters
/// `field >= lo` and `field < hi`.
public struct NumericBins: Sendable, Equatable {
    /// How the edges grow.
    public enum Scale: String, Sendable {
        /// Each edge a fixed multiple of the previous one (a first bin may start at 0).
        case log
        /// Equal steps of 1, 2 or 5 × 10^k.
        case linear
    }

    /// How the edges grow.
    public let scale: Scale
    /// Bin edges, ascending; `count + 1` of them.
    public let edges: [Double]

    /// Number of bins.
    public var count: Int { max(0, edges.count - 1) }

    /// Makes bins from explicit edges (ascending).
    public init(scale: Scale, edges: [Double]) {
        self.scale = scale
        self.edges = edges
    }

    /// The bin holding `v`, or nil when `v` is outside every bin (or NaN).
    /// - Complexity: O(log count)
    public func bin(of v: Double) -> Int? {
        edges.withUnsafeBufferPointer { Self.bin(of: v, in: $0) }
    }

    /// Branch-free search: the `i` with `edges[i] <= v < edges[i+1]`, nil outside.
    @inline(__always)
    static func bin(of v: Double, in edges: UnsafeBufferPointer<Double>) -> Int? {
        let n = edges.count - 1
        guard n > 0, v >= edges[0], v < edges[n] else { return nil }
        var step = 1
        while step * 2 <= n { step *= 2 }
        var lo = 0
        while step > 0 {
            let probe = lo + step
            lo = probe < n && edges[probe] <= v ? probe : lo
            step >>= 1
        }
        return lo
    }

    /// `lo..hi` of bin `i` (`800..1600`, `0.5..1`).
    public func label(_ i: Int) -> String {
        guard i >= 0, i < count else { return "" }
        return NumberText.compact(edges[i]) + ".." + NumberText.compact(edges[i + 1])
    }

    /// Bins for values in `min...max`: log-scaled when every value is >= 0 and the largest is
    /// at least 20 times the smallest positive one, linear otherwise; about `maxBins` bins.
    ///
    /// Log bins start at the round number (1, 2 or 5 × 10^k) at or below the smallest positive
    /// value and grow by 2, 4, 10, 100, ... whichever first fits in `maxBins`; zeros get a first
    /// bin `0..start`. Linear bins step by the smallest round number that fits (at least 1 for
    /// integer fields).
    public static func make(min: Double, max: Double, minPositive: Double?, integers: Bool, maxBins: Int) -> NumericBins {
        let maxBins = Swift.max(2, Swift.min(maxBins, 1000))
        guard min.isFinite, max.isFinite, min <= max else { return NumericBins(scale: .linear, edges: [0, 1]) }
        // Round numbers need normal magnitudes; extreme data gets plain equal bins.
        let sane: (Double) -> Bool = { $0 == 0 || (abs($0) >= 1e-290 && abs($0) <= 1e290) }
        guard sane(min), sane(max), max - min == 0 || sane(max - min) else { return plain(min: min, max: max, bins: maxBins) }
        if min >= 0, let minPositive, minPositive >= 1e-290, max / minPositive >= 20 {
            for ratio in [2.0, 4.0, 10.0, 100.0, 1000.0, 1e4, 1e6, 1e9] {
                let base = ratio < 10 ? niceFloor(minPositive) : powerOfTenFloor(minPositive)
                var edges: [Double] = min < base ? [0] : []
                var e = base
                edges.append(e)
                while e <= max, edges.count <= maxBins + 1 {
                    e *= ratio
                    edges.append(e)
                }
                if e > max, edges.count <= maxBins + 1 { return NumericBins(scale: .log, edges: edges) }
            }
        }
        let range = max - min
        guard range == 0 || range / Double(maxBins) >= 1e-290 else { return plain(min: min, max: max, bins: maxBins) }
        var (step, mantissa, exponent) = niceCeil(range > 0 ? range / Double(maxBins) : 1)
        if integers, step < 1 { (step, mantissa, exponent) = (1, 1, 0) }
        func edge(_ index: Int64) -> Double {
            // Exact decimal edges: 0.3 rather than 3 × 0.1 = 0.30000000000000004.
            exponent < 0 ? Double(index * mantissa) / StatMath.power(10, Double(-exponent)) : Double(index) * step
        }
        let first = Int64((min / step).rounded(.down))
        var edges: [Double] = []
        var i = first
        repeat {
            edges.append(edge(i))
            i += 1
        } while edges.count < maxBins + 3 && (edges.count < 2 || edges[edges.count - 1] <= max)
        while edges.count > 2, edges[edges.count - 2] > max { edges.removeLast() }
        if edges[0] > min { edges.insert(min, at: 0) }
        if edges[edges.count - 1] <= max { edges.append(max + step) }
        return NumericBins(scale: .linear, edges: edges)
    }

    /// `bins` equal bins from `min` to just above `max` (for data too extreme for round numbers).
    static func plain(min: Double, max: Double, bins: Int) -> NumericBins {
        guard max > min else { return NumericBins(scale: .linear, edges: [min, min.nextUp]) }
        // Interpolated without `max - min`, which overflows for ±1e308.
        var edges = (0..<bins).map { i -> Double in
            let f = Double(i) / Double(bins)
            return min * (1 - f) + max * f
        }
        edges.append(max.nextUp)
        var increasing: [Double] = []
        for e in edges where increasing.last.map({ e > $0 }) ?? true { increasing.append(e) }
        return NumericBins(scale: .linear, edges: increasing)
    }

    /// The largest 1, 2 or 5 × 10^k at or below `x` (> 0).
    static func niceFloor(_ x: Double) -> Double {
        let (p, e) = decade(x)
        let m = x / p
        let mantissa: Double = m >= 5 ? 5 : (m >= 2 ? 2 : 1)
        return e < 0 ? mantissa / StatMath.power(10, Double(-e)) : mantissa * p
    }

    /// The largest 10^k at or below `x` (> 0).
    static func powerOfTenFloor(_ x: Double) -> Double {
        let (p, e) = decade(x)
        return e < 0 ? 1 / StatMath.power(10, Double(-e)) : p
    }

    /// The smallest 1, 2 or 5 × 10^k at or above `x` (> 0), with its mantissa and exponent.
    static func niceCeil(_ x: Double) -> (Double, Int64, Int) {
        var (p, e) = decade(x)
        let m = x / p
        var mantissa: Int64 = m <= 1 ? 1 : (m <= 2 ? 2 : (m <= 5 ? 5 : 10))
        if mantissa == 10 { mantissa = 1; e += 1; p *= 10 }
        let step = e < 0 ? Double(mantissa) / StatMath.power(10, Double(-e)) : Double(mantissa) * p
        return (step, mantissa, e)
    }

    /// 10^k and k with 10^k <= x < 10^(k+1).
    private static func decade(_ x: Double) -> (Double, Int) {
        var e = Int(StatMath.log10(x).rounded(.down))
        var p = StatMath.power(10, Double(e))
        if x / p >= 10 { e += 1; p *= 10 }
        if x / p < 1 { e -= 1; p /= 10 }
        return (p, e)
    }
}
