/// Traffic over the time range: a gently varying request rate (plus the heavy tenant's flood),
/// and the map from "share of events produced" to "position in time" that lays events out so
/// their density follows it.
struct LoadCurve: Sendable {
    private static let buckets = 480
    /// Running sums of the load per bucket, from 0 to 1.
    private let cumulative: [Double]
    /// Chance that a request in each bucket belongs to the heavy tenant's flood.
    private let flood: [Double]
    private var cursor = 0

    /// - Parameters:
    ///   - seed: varies the small bucket-to-bucket noise.
    ///   - floodRange: fractions of the range where the flood adds ``IncidentPlan/floodLoad``.
    init(seed: UInt64, floodRange: ClosedRange<Double>?) {
        var rng = ShopRandom(seed: seed ^ 0x6C6F_6164_6375_7276)
        let n = LoadCurve.buckets
        var sums = [0.0]
        var flood: [Double] = []
        var total = 0.0
        for b in 0..<n {
            let x = (Double(b) + 0.5) / Double(n)
            let wave = 1 + 0.10 * PortableMath.sin(PortableMath.twoPi * (0.8 * x + 0.15))
                + 0.04 * PortableMath.sin(PortableMath.twoPi * 5.3 * x + 1)
            let base = wave * (1 + 0.08 * (rng.unit() - 0.5))
            var extra = 0.0
            if let range = floodRange, x >= range.lowerBound, x < range.upperBound { extra = IncidentPlan.floodLoad }
            total += base + extra
            sums.append(total)
            flood.append(extra / (base + extra))
        }
        cumulative = sums.map { $0 / total }
        self.flood = flood
    }

    /// The position in time (0...1) by which a share `u` (0...1) of all events has happened.
    /// - Complexity: amortized O(1) when `u` moves forward, as the generator asks.
    mutating func position(at u: Double) -> Double {
        let n = LoadCurve.buckets
        let target = min(max(u, 0), 1)
        while cursor < n - 1 && cumulative[cursor + 1] <= target { cursor += 1 }
        while cursor > 0 && cumulative[cursor] > target { cursor -= 1 }
        let low = cumulative[cursor]
        let high = cumulative[cursor + 1]
        let within = high > low ? (target - low) / (high - low) : 0
        return min((Double(cursor) + min(within, 1)) / Double(n), 1)
    }

    /// The chance that a request at position `x` belongs to the flood.
    func floodChance(at x: Double) -> Double {
        let b = min(max(Int(x * Double(LoadCurve.buckets)), 0), LoadCurve.buckets - 1)
        return flood[b]
    }
}
