#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The few statistics BubbleUp needs: the G-test of independence and the chi-square tail.
enum StatMath {
    /// The smallest p-value reported; smaller ones are shown as this (JSON has no denormals).
    static let minimumP = 1e-300

    /// Natural logarithm.
    @inline(__always) static func ln(_ x: Double) -> Double { log(x) }
    /// e^x.
    @inline(__always) static func exponential(_ x: Double) -> Double { exp(x) }
    /// log10.
    @inline(__always) static func log10(_ x: Double) -> Double { log(x) / log(10.0) }
    /// x^y.
    @inline(__always) static func power(_ x: Double, _ y: Double) -> Double { pow(x, y) }

    /// The G statistic of a 2×k contingency table (counts of k values in two groups) and its
    /// degrees of freedom (non-empty columns − 1).
    ///
    /// G = 2 Σ O ln(O/E), E = row total × column total / N. Columns with no events are skipped.
    /// - Complexity: O(k)
    static func gStatistic(_ a: [Double], _ b: [Double]) -> (g: Double, df: Int) {
        var ta = 0.0, tb = 0.0
        var columns = 0
        for i in a.indices {
            ta += a[i]
            tb += b[i]
            if a[i] + b[i] > 0 { columns += 1 }
        }
        let n = ta + tb
        guard ta > 0, tb > 0, columns > 1 else { return (0, 0) }
        var g = 0.0
        for i in a.indices {
            let col = a[i] + b[i]
            guard col > 0 else { continue }
            if a[i] > 0 { g += a[i] * log(a[i] / (col * ta / n)) }
            if b[i] > 0 { g += b[i] * log(b[i] / (col * tb / n)) }
        }
        return (max(0, 2 * g), columns - 1)
    }

    /// The p-value of a G-test on a 2×k table (chi-square with k−1 degrees of freedom),
    /// at least ``minimumP``; 1 when the table has fewer than two non-empty columns or an empty row.
    static func gTestP(_ a: [Double], _ b: [Double]) -> Double {
        let (g, df) = gStatistic(a, b)
        guard df > 0 else { return 1 }
        return max(minimumP, chiSquareSurvival(g, degreesOfFreedom: df))
    }

    /// P(X ≥ x) for X chi-square with `k` degrees of freedom: Q(k/2, x/2).
    static func chiSquareSurvival(_ x: Double, degreesOfFreedom k: Int) -> Double {
        guard x > 0, k > 0 else { return 1 }
        return exp(logUpperGamma(Double(k) / 2, x / 2))
    }

    /// ln Q(a, x), the regularized upper incomplete gamma function, by the series for
    /// x < a + 1 and Lentz's continued fraction otherwise (Numerical Recipes 6.2).
    static func logUpperGamma(_ a: Double, _ x: Double) -> Double {
        let logPrefix = -x + a * log(x) - lgamma(a)
        if x < a + 1 {
            var sum = 1 / a, term = 1 / a, ap = a
            for _ in 0..<1000 {
                ap += 1
                term *= x / ap
                sum += term
                if abs(term) < abs(sum) * 1e-15 { break }
            }
            let p = exp(logPrefix) * sum
            return log(max(0, 1 - p)) // p < 1 - tiny here, Q is not small
        }
        let tiny = 1e-300
        var b = x + 1 - a, c = 1 / tiny, d = 1 / b, h = d
        for i in 1..<1000 {
            let an = -Double(i) * (Double(i) - a)
            b += 2
            d = an * d + b
            if abs(d) < tiny { d = tiny }
            c = b + an / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            h *= delta
            if abs(delta - 1) < 1e-15 { break }
        }
        return logPrefix + log(h)
    }
}
