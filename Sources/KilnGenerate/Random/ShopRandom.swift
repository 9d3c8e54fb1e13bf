/// xoshiro256** (Blackman and Vigna) seeded through SplitMix64: a fast generator whose output
/// depends on the seed only, never on the system's randomness.
struct ShopRandom: Sendable {
    private var s0: UInt64
    private var s1: UInt64
    private var s2: UInt64
    private var s3: UInt64

    /// Makes a generator; every seed, zero included, gives a usable state.
    init(seed: UInt64) {
        var x = seed
        s0 = ShopRandom.splitMix(&x)
        s1 = ShopRandom.splitMix(&x)
        s2 = ShopRandom.splitMix(&x)
        s3 = ShopRandom.splitMix(&x)
    }

    private static func splitMix(_ x: inout UInt64) -> UInt64 {
        x &+= 0x9E37_79B9_7F4A_7C15
        var z = x
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    @inline(__always)
    private static func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 {
        (x << k) | (x >> (64 - k))
    }

    /// The next 64 random bits.
    @inline(__always)
    mutating func next() -> UInt64 {
        let result = ShopRandom.rotl(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = ShopRandom.rotl(s3, 45)
        return result
    }

    /// A double in [0, 1) with 53 random bits.
    @inline(__always)
    mutating func unit() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// An integer in 0..<n (0 when n <= 1), by Lemire's multiply-high mapping.
    @inline(__always)
    mutating func below(_ n: Int) -> Int {
        guard n > 1 else { return 0 }
        return Int(truncatingIfNeeded: next().multipliedFullWidth(by: UInt64(n)).high)
    }

    /// An integer in `range`.
    mutating func int(in range: ClosedRange<Int>) -> Int {
        range.lowerBound + below(range.upperBound - range.lowerBound + 1)
    }

    /// True with probability `p`.
    @inline(__always)
    mutating func chance(_ p: Double) -> Bool {
        unit() < p
    }

    /// A standard normal variate, by Acklam's inverse of the normal distribution function.
    mutating func normal() -> Double {
        // p in (0, 1): never 0, never 1.
        let p = (Double(next() >> 11) + 0.5) * 0x1.0p-53
        let low = 0.02425
        if p < low {
            return ShopRandom.tail((-2 * PortableMath.log(p)).squareRoot())
        }
        if p > 1 - low {
            return -ShopRandom.tail((-2 * PortableMath.log(1 - p)).squareRoot())
        }
        let q = p - 0.5
        let r = q * q
        let num = (((((-3.969683028665376e+01 * r + 2.209460984245205e+02) * r - 2.759285104469687e+02) * r
            + 1.383577518672690e+02) * r - 3.066479806614716e+01) * r + 2.506628277459239e+00) * q
        let den = ((((-5.447609879822406e+01 * r + 1.615858368580409e+02) * r - 1.556989798598866e+02) * r
            + 6.680131188771972e+01) * r - 1.328068155288572e+01) * r + 1
        return num / den
    }

    private static func tail(_ q: Double) -> Double {
        let num = ((((-7.784894002430293e-03 * q - 3.223964580411365e-01) * q - 2.400758277161838e+00) * q
            - 2.549732539343734e+00) * q + 4.374664141464968e+00) * q + 2.938163982698783e+00
        let den = (((7.784695709041462e-03 * q + 3.224671290700398e-01) * q + 2.445134137142996e+00) * q
            + 3.754408661907416e+00) * q + 1
        return num / den
    }

    /// A log-normal variate with the given median and shape (`sigma` of the underlying normal):
    /// the right-skewed shape of request latencies.
    mutating func logNormal(median: Double, sigma: Double) -> Double {
        median * PortableMath.exp(sigma * normal())
    }

    /// An index drawn with the weights whose running sums are `cumulative` (ascending, last > 0).
    /// - Complexity: O(log n)
    mutating func pick(cumulative: [Double]) -> Int {
        guard let total = cumulative.last, total > 0 else { return 0 }
        let target = unit() * total
        var lo = 0
        var hi = cumulative.count - 1
        while lo < hi {
            let mid = (lo + hi) / 2
            if cumulative[mid] > target { hi = mid } else { lo = mid + 1 }
        }
        return lo
    }

    /// Shuffles `array` in place (Fisher-Yates).
    /// - Complexity: O(n)
    mutating func shuffle<T>(_ array: inout [T]) {
        guard array.count > 1 else { return }
        for i in stride(from: array.count - 1, to: 0, by: -1) {
            array.swapAt(i, below(i + 1))
        }
    }
}

/// Running sums of `weights`, for ``ShopRandom/pick(cumulative:)``.
func runningSums(_ weights: [Double]) -> [Double] {
    var sums: [Double] = []
    sums.reserveCapacity(weights.count)
    var total = 0.0
    for w in weights {
        total += w
        sums.append(total)
    }
    return sums
}
