/// Time buckets over rows.
enum TimeAxis {
    /// Most time buckets a heatmap or series may have.
    static let maxBuckets = 100_000

    /// Edges from `from` (or the earliest row) to `to` (or just after the latest row): `buckets`
    /// equal buckets, or buckets of `granularity` aligned to its multiples.
    static func edges(_ table: EventTable, rows: RowSet, from: Int64?, to: Int64?, buckets: Int, granularity: Int64?) -> [Int64] {
        edges(from: from, to: to, buckets: buckets, granularity: granularity) { extent(table, rows: rows) }
    }

    /// The earliest and latest time of `rows`; nil when there is none.
    static func extent(_ table: EventTable, rows: RowSet) -> (lo: Int64, hi: Int64)? {
        var lo = Int64.max, hi = Int64.min
        table.timestamps.withUnsafeBufferPointer { ts in
            rows.withIDs { ids in
                if let ids { for r in ids { let t = ts[Int(r)]; lo = min(lo, t); hi = max(hi, t) } } else { for t in ts { lo = min(lo, t); hi = max(hi, t) } }
            }
        }
        return lo > hi ? nil : (lo, hi)
    }

    /// Edges over `from..<to`, or the times `extent` gives (earliest, latest event) where those are nil.
    static func edges(from: Int64?, to: Int64?, buckets: Int, granularity: Int64?, extent: () -> (lo: Int64, hi: Int64)?) -> [Int64] {
        var start = from, end = to
        if start == nil || end == nil {
            guard let (lo, hi) = extent() else { return [] }
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
        let codes = codes.densified() // once, not per part
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
                                        case .sparse(let s): s.denseCodes.withUnsafeBufferPointer { run($0) }
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
