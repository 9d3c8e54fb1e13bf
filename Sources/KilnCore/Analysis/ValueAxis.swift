/// Value buckets of a heatmap axis, computed straight from a dictionary's packed values.
enum ValueAxis {
    /// The number of a code (NaN for absent, text and booleans).
    @inline(__always)
    static func number(_ kinds: UnsafeBufferPointer<UInt8>, _ payloads: UnsafeBufferPointer<UInt64>, _ c: Int) -> Double {
        switch kinds[c] {
        case ValueKind.int.rawValue: return Double(Int64(bitPattern: payloads[c]))
        case ValueKind.float.rawValue: return Double(bitPattern: payloads[c])
        default: return .nan
        }
    }

    /// Smallest, smallest positive and largest number among the codes used by `rows`.
    /// - Complexity: O(codes), plus O(rows) when `rows` is not every row.
    static func range(_ dictionary: ValueDictionary, codes: CodeArray, rows: RowSet) -> (min: Double, minPositive: Double?, max: Double)? {
        let n = dictionary.count + 1
        // Only the values the rows hold, even for every row: a table may hold a time window of
        // a dataset whose dictionary holds values of other times too.
        var used = [Bool](repeating: false, count: n + 1)
        do {
            used.withUnsafeMutableBufferPointer { u in
                func mark<C: FixedWidthInteger & UnsignedInteger>(_ c: UnsafeBufferPointer<C>) {
                    rows.withIDs { ids in
                        if let ids {
                            for r in ids { u[min(Int(c[Int(r)]), n)] = true }
                        } else {
                            for r in 0..<min(rows.count, c.count) { u[min(Int(c[r]), n)] = true }
                        }
                    }
                }
                switch codes {
                case .u8(let a): a.withUnsafeBufferPointer { mark($0) }
                case .u16(let a): a.withUnsafeBufferPointer { mark($0) }
                case .u32(let a): a.withUnsafeBufferPointer { mark($0) }
                case .sparse(let s): s.denseCodes.withUnsafeBufferPointer { mark($0) }
                }
            }
        }
        typealias Extent = (lo: Double, hi: Double, lowPositive: Double)
        let parts: [Extent] = dictionary.kinds.withUnsafeBufferPointer { kinds in
            dictionary.payloads.withUnsafeBufferPointer { payloads in
                used.withUnsafeBufferPointer { u in
                    let shared = SendableBox((kinds, payloads, u))
                    let ranges = Parallel.ranges(n, parts: 2, minimum: 65_536)
                    return Parallel.map(ranges.count) { part -> Extent in
                        let (kinds, payloads, u) = shared.value
                        var lo = Double.infinity, hi = -Double.infinity, lowPositive = Double.infinity
                        let all = u.isEmpty
                        for c in ranges[part] where c > 0 && (all || u[c]) {
                            let x = number(kinds, payloads, c)
                            guard x.isFinite else { continue }
                            lo = min(lo, x)
                            hi = max(hi, x)
                            if x > 0 { lowPositive = min(lowPositive, x) }
                        }
                        return (lo, hi, lowPositive)
                    }
                }
            }
        }
        let lo = parts.map(\.lo).min() ?? .infinity, hi = parts.map(\.hi).max() ?? -.infinity
        let lowPositive = parts.map(\.lowPositive).min() ?? .infinity
        guard lo <= hi else { return nil }
        return (lo, lowPositive.isFinite ? lowPositive : nil, hi)
    }

    /// Edges for `buckets` value buckets over the data (or the given range).
    static func edges(_ dictionary: ValueDictionary, codes: CodeArray, rows: RowSet, range: ClosedRange<Double>?, buckets: Int,
                      scale: HeatmapOptions.Scale) -> [Double] {
        edges(range: range, extent: ValueAxis.range(dictionary, codes: codes, rows: rows), buckets: buckets, scale: scale)
    }

    /// Edges over the given range when it is finite, else over the data's `extent`.
    static func edges(range: ClosedRange<Double>?, extent: @autoclosure () -> (min: Double, minPositive: Double?, max: Double)?, buckets: Int,
                      scale: HeatmapOptions.Scale) -> [Double] {
        if let range, range.lowerBound.isFinite, range.upperBound.isFinite {
            let lo = range.lowerBound, hi = range.upperBound
            var lowPositive: Double? = lo > 0 ? lo : nil
            if scale == .log, lo <= 0 {
                // An explicit range through zero: start the geometric part at a thousandth of the top.
                lowPositive = hi > 0 ? hi / 1000 : nil
            }
            return make(lo: lo, hi: hi, lowPositive: lowPositive, zeros: lo == 0, buckets: buckets, scale: scale, inclusiveTop: false)
        }
        return edges(extent(), buckets: buckets, scale: scale)
    }

    /// Edges for `buckets` value buckets over values spanning `r` (nil: no number).
    static func edges(_ r: (min: Double, minPositive: Double?, max: Double)?, buckets: Int, scale: HeatmapOptions.Scale) -> [Double] {
        guard let r else {
            return make(lo: 0, hi: 1, lowPositive: nil, zeros: false, buckets: buckets, scale: scale, inclusiveTop: true)
        }
        return make(lo: r.min, hi: r.max, lowPositive: r.minPositive, zeros: r.min == 0, buckets: buckets, scale: scale, inclusiveTop: true)
    }

    static func make(lo: Double, hi: Double, lowPositive: Double?, zeros: Bool, buckets n: Int,
                     scale: HeatmapOptions.Scale, inclusiveTop: Bool) -> [Double] {
        // The top edge sits just above the largest value so that every bucket is half-open.
        func above(_ x: Double) -> Double { inclusiveTop ? x.nextUp : x }
        if scale == .log, lo >= 0, let p = lowPositive, p > 0, hi > p {
            let ratio = StatMath.power(hi / p, 1 / Double(n))
            var edges = (0..<n).map { p * StatMath.power(ratio, Double($0)) }
            edges.append(above(hi))
            if zeros { edges[0] = 0 }
            return edges
        }
        if scale == .log, lo >= 0, let p = lowPositive, p > 0 {
            // A single positive value (maybe with zeros): an octave either side of it.
            let base = p / 2, top = 2 * p
            let ratio = StatMath.power(top / base, 1 / Double(n))
            var edges = (0..<n).map { base * StatMath.power(ratio, Double($0)) }
            if zeros { edges[0] = 0 }
            edges.append(top)
            return edges
        }
        var low = lo, high = hi
        if !(high > low) { low = lo - 0.5; high = lo + 0.5 }
        // Interpolated without `high - low`, which overflows for ±1e308.
        var edges = (0..<n).map { i -> Double in
            let f = Double(i) / Double(n)
            return low * (1 - f) + high * f
        }
        edges.append(above(high))
        return edges
    }

    /// The value bucket of every code (`UInt16.max` when not drawn), `dictionary count + 2`
    /// entries (the last for codes beyond the dictionary).
    /// - Complexity: O(codes × log buckets), branch-free, split across cores.
    static func codeBuckets(_ dictionary: ValueDictionary, edges: [Double]) -> [UInt16] {
        let n = edges.count - 1
        let codes = dictionary.count + 1
        var out = [UInt16](repeating: UInt16.max, count: codes + 1)
        guard n > 0, n < Int(UInt16.max) else { return out }
        var top = 1
        while top * 2 <= n { top *= 2 }
        let first = edges[0], last = edges[n]
        let ranges = Parallel.ranges(codes, parts: 2, minimum: 65_536)
        out.withUnsafeMutableBufferPointer { o in
            dictionary.kinds.withUnsafeBufferPointer { kinds in
                dictionary.payloads.withUnsafeBufferPointer { payloads in
                    edges.withUnsafeBufferPointer { e in
                        let shared = SendableBox((o, kinds, payloads, e))
                        _ = Parallel.map(ranges.count) { part in
                            let (o, kinds, payloads, e) = shared.value
                            for c in ranges[part] where c > 0 {
                                let x = number(kinds, payloads, c)
                                guard x >= first, x < last else { continue }
                                var lo = 0
                                var step = top
                                while step > 0 {
                                    let probe = lo + step
                                    lo = probe < n && e[probe] <= x ? probe : lo
                                    step >>= 1
                                }
                                o[c] = UInt16(truncatingIfNeeded: lo)
                            }
                            return 0
                        }
                    }
                }
            }
        }
        return out
    }
}
