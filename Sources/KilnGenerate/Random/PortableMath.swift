/// Elementary functions from plain IEEE-754 arithmetic, so that a seed gives the same bytes on
/// every platform: the C libraries' `exp` and `log` may differ in the last bit.
enum PortableMath {
    static let ln2Hi = 6.93147180369123816490e-01
    static let ln2Lo = 1.90821492927058770002e-10
    static let ln2 = 0.69314718055994530942
    static let sqrt2 = 1.4142135623730951
    static let twoPi = 6.283185307179586

    /// Natural logarithm: `2·atanh((m-1)/(m+1))` on the significand plus the exponent's share.
    /// Nan below zero, -infinity at zero.
    static func log(_ x: Double) -> Double {
        if x.isNaN || x < 0 { return .nan }
        if x == 0 { return -.infinity }
        if x.isInfinite { return x }
        var e = Double(x.exponent)
        var m = x.significand
        if m > sqrt2 {
            m *= 0.5
            e += 1
        }
        // |s| <= 0.172, so eleven odd terms reach double precision.
        let s = (m - 1) / (m + 1)
        let z = s * s
        var p = 0.0
        for k in stride(from: 10, through: 0, by: -1) {
            p = p * z + 1.0 / Double(2 * k + 1)
        }
        return e * ln2Hi + (2 * s * p + e * ln2Lo)
    }

    /// `e` to the power `x`: range reduction by ln 2 and a Taylor polynomial.
    static func exp(_ x: Double) -> Double {
        if x.isNaN { return x }
        if x > 709.78 { return .infinity }
        if x < -745.2 { return 0 }
        let k = (x / ln2).rounded()
        let r = (x - k * ln2Hi) - k * ln2Lo
        var t = 1.0
        for i in stride(from: 14, through: 1, by: -1) {
            t = 1 + t * r / Double(i)
        }
        return Double(sign: .plus, exponent: Int(k), significand: t)
    }

    /// Sine: reduction to [-π/2, π/2] and a Taylor polynomial (about 1e-14 absolute error).
    static func sin(_ x: Double) -> Double {
        guard x.isFinite else { return .nan }
        var r = x - (x / twoPi).rounded() * twoPi
        if r > .pi / 2 {
            r = .pi - r
        } else if r < -.pi / 2 {
            r = -.pi - r
        }
        let z = r * r
        var t = 1.0
        for i in stride(from: 19, through: 3, by: -2) {
            t = 1 - t * z / Double(i * (i - 1))
        }
        return r * t
    }
}
