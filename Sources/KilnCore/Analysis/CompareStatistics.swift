#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A value and how many events it stands for (its sample rate).
public struct WeightedValue: Sendable, Equatable {
    /// The value.
    public var value: Double
    /// How many events it stands for.
    public var weight: Double

    /// Makes a weighted value.
    public init(_ value: Double, weight: Double = 1) {
        self.value = value
        self.weight = weight
    }
}

/// The statistics `kiln compare` judges with: exact weighted percentiles, the Mann-Whitney U
/// test with tie correction on weighted data, and the two-proportion z-test.
///
/// Weights are sample rates: an event with rate N counts as N events in every count,
/// percentile and rank. Significance, though, is computed on the *effective* number of
/// events (Kish: (Σw)² / Σw²), because N copies of one sampled event are not N independent
/// observations; with all weights 1 the tests are the textbook ones.
public enum CompareStatistics {
    /// The exact weighted percentile of `sorted` (ascending) by nearest rank: the smallest value
    /// at which the cumulative weight reaches ⌈q × total⌉, as `kiln query` computes `P95`.
    /// nil when empty.
    /// - Complexity: O(n)
    public static func percentile(_ sorted: [WeightedValue], _ q: Double) -> Double? {
        let total = sorted.reduce(0) { $0 + $1.weight }
        guard total > 0 else { return nil }
        let target = max(1, (q * total).rounded(.up))
        var cumulative = 0.0
        for v in sorted {
            cumulative += v.weight
            if cumulative >= target - 1e-9 * target { return v.value }
        }
        return sorted.last?.value
    }

    /// The effective number of independent events of weighted data: (Σw)² / Σw².
    public static func effectiveCount(_ values: [WeightedValue]) -> Double {
        var s = 0.0, s2 = 0.0
        for v in values { s += v.weight; s2 += v.weight * v.weight }
        return s2 > 0 ? s * s / s2 : 0
    }

    /// The result of a two-sample test.
    public struct TestResult: Sendable, Equatable {
        /// z score, positive when the second sample is larger.
        public var z: Double
        /// Two-sided p-value.
        public var p: Double
        /// Effect: for Mann-Whitney P(after > before) + ½ P(tie) (0.5 means no shift); for the
        /// proportion test the difference of proportions.
        public var effect: Double
    }

    /// The Mann-Whitney U test of `before` against `after`, both sorted ascending, on weighted
    /// data with mid-ranks for ties and the tie correction of the variance.
    ///
    /// U counts, over every pair (before, after) of weighted events, after > before as 1 and a
    /// tie as ½; the effect is U / (n₁ n₂). Under no difference its variance is
    /// (n₁ + n₂ + 1) / (12 n₁ n₂) × (1 − Σ(t³ − t) / (N³ − N)) with n the effective counts and t
    /// the weighted size of each group of ties. The normal approximation is used (the smallest
    /// side judged has 100 events).
    /// - Complexity: O(n₁ + n₂)
    public static func mannWhitney(before: [WeightedValue], after: [WeightedValue]) -> TestResult {
        let n1 = before.reduce(0) { $0 + $1.weight }, n2 = after.reduce(0) { $0 + $1.weight }
        guard n1 > 0, n2 > 0 else { return TestResult(z: 0, p: 1, effect: 0.5) }
        var i = 0, j = 0
        var rank = 0.0, rankSumAfter = 0.0, ties = 0.0
        while i < before.count || j < after.count {
            let v = min(i < before.count ? before[i].value : .infinity, j < after.count ? after[j].value : .infinity)
            var tb = 0.0, ta = 0.0
            while i < before.count && before[i].value == v { tb += before[i].weight; i += 1 }
            while j < after.count && after[j].value == v { ta += after[j].weight; j += 1 }
            let t = tb + ta
            guard t > 0 else { break }
            rankSumAfter += ta * (rank + (t + 1) / 2)
            ties += t * t * t - t
            rank += t
        }
        let n = n1 + n2
        let u = rankSumAfter - n2 * (n2 + 1) / 2
        let effect = u / (n1 * n2)
        let e1 = effectiveCount(before), e2 = effectiveCount(after)
        let tieFactor = n > 1 ? max(0, 1 - ties / (n * n * n - n)) : 0
        let variance = (e1 + e2 + 1) / (12 * e1 * e2) * tieFactor
        guard variance > 0 else { return TestResult(z: 0, p: 1, effect: effect) }
        let z = (effect - 0.5) / variance.squareRoot()
        return TestResult(z: z, p: twoSidedP(z), effect: effect)
    }

    /// The two-proportion z-test: `x₁` of `n₁` against `x₂` of `n₂` (weighted counts), with
    /// the pooled proportion and the effective counts `e₁`, `e₂` for the standard error.
    public static func twoProportion(_ x1: Double, _ n1: Double, _ x2: Double, _ n2: Double, effective e1: Double, _ e2: Double) -> TestResult {
        guard n1 > 0, n2 > 0, e1 > 0, e2 > 0 else { return TestResult(z: 0, p: 1, effect: 0) }
        let p1 = x1 / n1, p2 = x2 / n2, pooled = (x1 + x2) / (n1 + n2)
        let se = (pooled * (1 - pooled) * (1 / e1 + 1 / e2)).squareRoot()
        guard se > 0 else { return TestResult(z: 0, p: 1, effect: p2 - p1) }
        let z = (p2 - p1) / se
        return TestResult(z: z, p: twoSidedP(z), effect: p2 - p1)
    }

    /// P(|Z| ≥ |z|) for a standard normal Z, at least ``StatMath/minimumP``.
    public static func twoSidedP(_ z: Double) -> Double {
        guard z.isFinite else { return z.isNaN ? 1 : StatMath.minimumP }
        return max(StatMath.minimumP, min(1, erfc(abs(z) / 2.0.squareRoot())))
    }
}
