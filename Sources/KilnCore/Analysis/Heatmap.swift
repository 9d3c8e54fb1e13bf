/// How to lay out a ``Heatmap``.
public struct HeatmapOptions: Sendable, Equatable {
    /// Value axis scale.
    public enum Scale: String, Sendable {
        /// Bucket edges grow geometrically (latency is skewed).
        case log
        /// Equal-width buckets.
        case linear
    }

    /// Number of time buckets (columns), when `granularity` is nil.
    public var timeBuckets = 60
    /// Fixed time bucket width in nanoseconds; buckets then start at multiples of it.
    public var granularity: Int64?
    /// Number of value buckets (rows).
    public var valueBuckets = 20
    /// Value axis scale.
    public var scale = Scale.log
    /// Start of the time axis (inclusive, ns); default: the scope's `from`, else the earliest event.
    public var from: Int64?
    /// End of the time axis (exclusive, ns); default: the scope's `to`, else just after the latest event.
    public var to: Int64?
    /// Value axis range; default: the smallest and largest value in scope (the smallest positive
    /// one on a log scale).
    public var valueRange: ClosedRange<Double>?

    /// The defaults: 60 × 20 buckets, log scale, range from the data.
    public init(timeBuckets: Int = 60, valueBuckets: Int = 20, scale: Scale = .log) {
        self.timeBuckets = timeBuckets
        self.valueBuckets = valueBuckets
        self.scale = scale
    }
}

/// Event counts per (time bucket, value bucket) of a numeric field, weighted by sample rate.
///
/// Buckets are half-open: time bucket `t` is `timeEdges[t] ..< timeEdges[t+1]`, value bucket
/// `v` is `valueEdges[v] ..< valueEdges[v+1]`, so a box reads back exactly as the filters of
/// ``boxFilters(time:value:)``. On a log scale the edges grow geometrically from the smallest
/// positive value; when the scope also holds zeros the first edge is 0, so they land in the
/// first bucket. The top edge lies just above the largest value.
public struct Heatmap: Sendable, Equatable {
    /// The numeric field on the value axis.
    public let field: String
    /// Value axis scale.
    public let scale: HeatmapOptions.Scale
    /// Time bucket edges, ns; `timeBuckets + 1` of them.
    public let timeEdges: [Int64]
    /// Value bucket edges; `valueBuckets + 1` of them.
    public let valueEdges: [Double]
    /// Weighted counts, `counts[t * valueBuckets + v]`.
    public let counts: [Int64]
    /// Weighted events per time bucket that are drawn (sum of the column).
    public let totals: [Int64]
    /// Weighted events per time bucket that are not drawn: the field is absent, not a number,
    /// or outside the value edges.
    public let outside: [Int64]

    /// Number of time buckets.
    public var timeBuckets: Int { max(0, timeEdges.count - 1) }
    /// Number of value buckets.
    public var valueBuckets: Int { max(0, valueEdges.count - 1) }

    /// The count of one cell.
    public func count(time t: Int, value v: Int) -> Int64 {
        guard t >= 0, t < timeBuckets, v >= 0, v < valueBuckets else { return 0 }
        return counts[t * valueBuckets + v]
    }

    /// The largest cell count.
    public var maxCount: Int64 { counts.max() ?? 0 }

    /// The selection filters of a box of buckets: `timestamp >= a`, `timestamp < b`,
    /// `field >= lo`, `field < hi`.
    public func boxFilters(time: Range<Int>, value: Range<Int>) -> [Filter] {
        let t0 = max(0, min(time.lowerBound, timeBuckets)), t1 = max(t0, min(time.upperBound, timeBuckets))
        let v0 = max(0, min(value.lowerBound, valueBuckets)), v1 = max(v0, min(value.upperBound, valueBuckets))
        guard !timeEdges.isEmpty, !valueEdges.isEmpty else { return [] }
        return [Filter.time(.greaterOrEqual, timeEdges[t0]), Filter.time(.less, timeEdges[t1]),
                Filter(field, .greaterOrEqual, .float(valueEdges[v0])), Filter(field, .less, .float(valueEdges[v1]))]
    }

    /// Computes the heatmap of `field` over the events in `scope`.
    /// - Complexity: O(rows in scope + distinct values of the field)
    public static func compute(_ table: EventTable, scope: Scope, field: String, options: HeatmapOptions = HeatmapOptions()) -> Heatmap {
        var options = options
        if options.from == nil { options.from = scope.from }
        if options.to == nil { options.to = scope.to }
        return compute(table, rows: scope.rows(in: table), field: field, options: options)
    }

    /// Computes the heatmap of `field` over `rows`; rows outside the time axis are skipped.
    /// - Complexity: O(rows + distinct values of the field); about 5 ms for 1M events on 2 cores.
    public static func compute(_ table: EventTable, rows: RowSet, field: String, options: HeatmapOptions = HeatmapOptions()) -> Heatmap {
        let rows = rows.limited(to: table.count)
        let timeEdges = TimeAxis.edges(table, rows: rows, from: options.from, to: options.to,
                                       buckets: options.timeBuckets, granularity: options.granularity)
        let nt = max(0, timeEdges.count - 1)
        guard let column = table.column(field), nt > 0 else {
            let outside = TimeAxis.count(table, rows: rows, edges: timeEdges)
            let edges = options.scale == .log ? [1.0, 2.0] : [0.0, 1.0]
            return Heatmap(field: field, scale: options.scale, timeEdges: timeEdges, valueEdges: edges,
                           counts: [Int64](repeating: 0, count: nt), totals: [Int64](repeating: 0, count: nt), outside: outside)
        }
        let valueEdges = ValueAxis.edges(column.dictionary, codes: column.codes, rows: rows, range: options.valueRange,
                                         buckets: max(1, min(options.valueBuckets, 10_000)), scale: options.scale)
        let nv = valueEdges.count - 1
        let codeBucket = ValueAxis.codeBuckets(column.dictionary, edges: valueEdges)
        let grid = TimeAxis.grid(table, rows: rows, timeEdges: timeEdges, codes: column.codes,
                                 codeBucket: codeBucket, valueBuckets: nv)
        var totals = [Int64](repeating: 0, count: nt)
        for t in 0..<nt {
            var s: Int64 = 0
            for v in 0..<nv { s &+= grid.counts[t * nv + v] }
            totals[t] = s
        }
        return Heatmap(field: field, scale: options.scale, timeEdges: timeEdges, valueEdges: valueEdges,
                       counts: grid.counts, totals: totals, outside: grid.outside)
    }

    /// The heatmap as JSON: `{"field":"duration_ms","scale":"log","time_edges":["RFC3339",...],
    /// "value_edges":[...],"counts":[[...per value bucket...] per time bucket],"totals":[...],
    /// "outside":[...]}`.
    public func json() -> String {
        var out = "{\"field\":"
        JSONText.appendString(field, to: &out)
        out += ",\"scale\":\"" + scale.rawValue + "\",\"time_edges\":["
        out += timeEdges.map { "\"" + Timestamp.format($0) + "\"" }.joined(separator: ",")
        out += "],\"value_edges\":[" + valueEdges.map { Value.format($0) }.joined(separator: ",") + "],\"counts\":["
        let nv = valueBuckets
        for t in 0..<timeBuckets {
            if t > 0 { out += "," }
            out += "[" + counts[(t * nv)..<((t + 1) * nv)].map { String($0) }.joined(separator: ",") + "]"
        }
        out += "],\"totals\":[" + totals.map { String($0) }.joined(separator: ",")
        out += "],\"outside\":[" + outside.map { String($0) }.joined(separator: ",") + "]}"
        return out
    }
}

/// Time buckets over rows.
enum TimeAxis {
    /// Most time buckets a heatmap or series may have.
    static let maxBuckets = 100_000

    /// Edges from `from` (or the earliest row) to `to` (or just after the latest row): `buckets`
    /// equal buckets, or buckets of `granularity` aligned to its multiples.
    static func edges(_ table: EventTable, rows: RowSet, from: Int64?, to: Int64?, buckets: Int, granularity: Int64?) -> [Int64] {
        var start = from, end = to
        if start == nil || end == nil {
            var lo = Int64.max, hi = Int64.min
            table.timestamps.withUnsafeBufferPointer { ts in
                rows.withIDs { ids in
                    if let ids { for r in ids { let t = ts[Int(r)]; lo = min(lo, t); hi = max(hi, t) } } else { for t in ts { lo = min(lo, t); hi = max(hi, t) } }
                }
            }
            if lo > hi { return [] }
            if start == nil { start = lo }
            if end == nil { end = hi == Int64.max ? hi : hi + 1 }
        }
        guard let s = start, let e = end, e > s else { return [] }
        let (span, overflow) = e.subtractingReportingOverflow(s)
        guard !overflow else { return [] }
        var first = s, width: Int64, count: Int64
        if let g = granularity, g > 0 {
            // Buckets start at multiples of the granularity.
            let r = s % g
            if r >= 0 {
                first = s - r
            } else {
                let (f, o) = (s - r).subtractingReportingOverflow(g)
                guard !o else { return [] }
                first = f
            }
            let (whole, o1) = e.subtractingReportingOverflow(first)
            guard !o1 else { return [] }
            width = g
            count = whole / g + (whole % g == 0 ? 0 : 1)
            guard count <= Int64(maxBuckets) else { return [] }
        } else {
            let n = Int64(max(1, min(buckets, maxBuckets)))
            width = max(1, span / n + (span % n == 0 ? 0 : 1))
            count = span / width + (span % width == 0 ? 0 : 1)
        }
        var edges: [Int64] = []
        edges.reserveCapacity(Int(count) + 1)
        for k in 0...count {
            let (offset, o1) = k.multipliedReportingOverflow(by: width)
            let (edge, o2) = first.addingReportingOverflow(offset)
            guard !o1, !o2 else { return [] }
            edges.append(edge)
        }
        return edges
    }

    /// Weighted rows per time bucket (for rows that are all "outside").
    static func count(_ table: EventTable, rows: RowSet, edges: [Int64]) -> [Int64] {
        let nt = max(0, edges.count - 1)
        var out = [Int64](repeating: 0, count: nt)
        guard nt > 0 else { return out }
        rows.forEachID { r in
            if let b = bucket(table.timestamps[Int(r)], edges) { out[b] &+= table.sampleRate(Int(r)) }
        }
        return out
    }

    /// The bucket of time `t`, nil outside the edges.
    static func bucket(_ t: Int64, _ edges: [Int64]) -> Int? {
        guard let first = edges.first, let last = edges.last, t >= first, t < last else { return nil }
        var lo = 0, hi = edges.count - 1
        while hi - lo > 1 {
            let mid = (lo + hi) / 2
            if edges[mid] <= t { lo = mid } else { hi = mid }
        }
        return lo
    }

    struct Grid {
        var counts: [Int64]
        var outside: [Int64]
    }

    /// Counts rows per (time bucket, value bucket); `codeBucket` maps codes to value buckets
    /// (`UInt16.max` = not drawn) and has `dictionary count + 2` entries.
    static func grid(_ table: EventTable, rows: RowSet, timeEdges: [Int64], codes: CodeArray,
                     codeBucket: [UInt16], valueBuckets nv: Int) -> Grid {
        let nt = timeEdges.count - 1
        let t0 = timeEdges[0], t1 = timeEdges[nt]
        let inverse = Double(nt) / Double(UInt64(bitPattern: t1 &- t0))
        let limit = codeBucket.count - 1
        let ranges = Parallel.ranges(rows.count, parts: 2, minimum: 131_072)
        let parts: [Grid] = rows.withIDs { ids in
            let shared = SendableBox(ids)
            return Parallel.map(ranges.count) { part in
                var counts = [Int64](repeating: 0, count: nt * nv)
                var outside = [Int64](repeating: 0, count: nt)
                let range = ranges[part]
                let ids = shared.value
                table.timestamps.withUnsafeBufferPointer { ts in
                    table.sampleRates.withUnsafeBufferPointer { rates in
                        timeEdges.withUnsafeBufferPointer { edges in
                            codeBucket.withUnsafeBufferPointer { cb in
                                counts.withUnsafeMutableBufferPointer { grid in
                                    outside.withUnsafeMutableBufferPointer { out in
                                        func run<C: FixedWidthInteger & UnsignedInteger>(_ c: UnsafeBufferPointer<C>) {
                                            let weighted = rates.count > 0
                                            @inline(__always) func add(_ r: Int) {
                                                let t = ts[r]
                                                guard t >= t0, t < t1 else { return }
                                                var b = min(nt - 1, Int(Double(UInt64(bitPattern: t &- t0)) * inverse))
                                                while b > 0, t < edges[b] { b -= 1 }
                                                while b < nt - 1, t >= edges[b + 1] { b += 1 }
                                                let w: Int64 = weighted ? Int64(rates[r]) : 1
                                                let v = cb[min(Int(c[r]), limit)]
                                                if v == UInt16.max { out[b] &+= w } else { grid[b * nv + Int(v)] &+= w }
                                            }
                                            if let ids {
                                                for i in range { add(Int(ids[i])) }
                                            } else {
                                                for r in range { add(r) }
                                            }
                                        }
                                        switch codes {
                                        case .u8(let a): a.withUnsafeBufferPointer { run($0) }
                                        case .u16(let a): a.withUnsafeBufferPointer { run($0) }
                                        case .u32(let a): a.withUnsafeBufferPointer { run($0) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                return Grid(counts: counts, outside: outside)
            }
        }
        guard var total = parts.first else {
            return Grid(counts: [Int64](repeating: 0, count: nt * nv), outside: [Int64](repeating: 0, count: nt))
        }
        for p in parts.dropFirst() {
            for i in 0..<total.counts.count { total.counts[i] &+= p.counts[i] }
            for i in 0..<nt { total.outside[i] &+= p.outside[i] }
        }
        return total
    }
}

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
        var used: [Bool] = []
        if !rows.isAll {
            used = [Bool](repeating: false, count: n + 1)
            used.withUnsafeMutableBufferPointer { u in
                func mark<C: FixedWidthInteger & UnsignedInteger>(_ c: UnsafeBufferPointer<C>) {
                    rows.withIDs { ids in
                        guard let ids else { return }
                        for r in ids { u[min(Int(c[Int(r)]), n)] = true }
                    }
                }
                switch codes {
                case .u8(let a): a.withUnsafeBufferPointer { mark($0) }
                case .u16(let a): a.withUnsafeBufferPointer { mark($0) }
                case .u32(let a): a.withUnsafeBufferPointer { mark($0) }
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
        if let range, range.lowerBound.isFinite, range.upperBound.isFinite {
            let lo = range.lowerBound, hi = range.upperBound
            var lowPositive: Double? = lo > 0 ? lo : nil
            if scale == .log, lo <= 0 {
                // An explicit range through zero: start the geometric part at a thousandth of the top.
                lowPositive = hi > 0 ? hi / 1000 : nil
            }
            return make(lo: lo, hi: hi, lowPositive: lowPositive, zeros: lo == 0, buckets: buckets, scale: scale, inclusiveTop: false)
        }
        guard let r = ValueAxis.range(dictionary, codes: codes, rows: rows) else {
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
