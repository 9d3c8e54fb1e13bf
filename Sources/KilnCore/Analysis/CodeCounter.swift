/// Counting rows per dictionary code (or per bucket of codes): the inner loop of BubbleUp,
/// GROUP BY and the heatmap.
///
/// Codes are read at their stored width; a code beyond the dictionary (a damaged table) lands
/// in a drop slot instead of indexing out of bounds.
enum CodeCounter {
    /// Row counts per bucket, and sample-rate-weighted counts when the table is sampled.
    struct Counts: Sendable {
        /// Rows per bucket.
        var raw: [UInt32]
        /// Events per bucket weighted by sample rate; nil when every rate is 1 (then `raw` is it).
        var weighted: [Int64]?

        /// Weighted count of bucket `i`.
        @inline(__always) func weight(_ i: Int) -> Int64 { weighted?[i] ?? Int64(raw[i]) }
        /// Row count of bucket `i`.
        @inline(__always) func rows(_ i: Int) -> Int64 { Int64(raw[i]) }
    }

    /// Counts the rows of `rows` per bucket: `map[code]` when a map is given (a map has
    /// `dictionaryCount + 2` entries, the last for out-of-range codes), else the code itself.
    /// Returns `buckets` counts.
    /// - Complexity: O(rows.count + buckets)
    static func count(_ codes: CodeArray, rows: RowSet, dictionaryCount: Int, map: [UInt32]? = nil,
                      buckets: Int, rates: [UInt32]) -> Counts {
        let limit = dictionaryCount + 1 // codes above this are clamped to it
        let slots = map == nil ? limit + 1 : buckets + 1
        return rows.withIDs { ids in
            // Consecutive rows (a time window over rows in arrival order) need no id list:
            // the kernel then streams through the column from the first row.
            var ids = ids
            var base = 0
            if let list = ids, let first = list.first, let last = list.last, Int(last) - Int(first) + 1 == list.count {
                base = Int(first)
                ids = nil
            }
            return rates.withUnsafeBufferPointer { w in
                let weights: UnsafeBufferPointer<UInt32>? = rates.isEmpty ? nil : UnsafeBufferPointer(rebasing: w[min(base, w.count)...])
                func go<C: FixedWidthInteger & UnsignedInteger>(_ all: UnsafeBufferPointer<C>) -> Counts {
                    let c = UnsafeBufferPointer(rebasing: all[min(base, all.count)...])
                    let n = ids == nil ? min(rows.count, c.count) : rows.count
                    if let map {
                        return map.withUnsafeBufferPointer { m in
                            kernel(c, ids: ids, n: n, limit: limit, map: m, slots: slots, weights: weights)
                        }
                    }
                    return kernel(c, ids: ids, n: n, limit: limit, map: nil, slots: slots, weights: weights)
                }
                var counts: Counts
                switch codes {
                case .u8(let a): counts = a.withUnsafeBufferPointer { go($0) }
                case .u16(let a): counts = a.withUnsafeBufferPointer { go($0) }
                case .u32(let a): counts = a.withUnsafeBufferPointer { go($0) }
                }
                counts.raw.removeLast(counts.raw.count - min(counts.raw.count, buckets))
                if counts.raw.count < buckets { counts.raw.append(contentsOf: repeatElement(0, count: buckets - counts.raw.count)) }
                if var wt = counts.weighted {
                    counts.weighted = nil
                    wt.removeLast(wt.count - min(wt.count, buckets))
                    if wt.count < buckets { wt.append(contentsOf: repeatElement(0, count: buckets - wt.count)) }
                    counts.weighted = wt
                }
                return counts
            }
        }
    }

    /// Rows are `ids[0..<n]`, or `0..<n` when `ids` is nil; the count is in `slots` buckets.
    @inline(__always)
    private static func kernel<C: FixedWidthInteger & UnsignedInteger>(
        _ codes: UnsafeBufferPointer<C>, ids: UnsafeBufferPointer<UInt32>?, n: Int, limit: Int,
        map: UnsafeBufferPointer<UInt32>?, slots: Int, weights: UnsafeBufferPointer<UInt32>?
    ) -> Counts {
        let lim = UInt32(truncatingIfNeeded: limit)
        let drop = UInt32(truncatingIfNeeded: slots - 1)
        @inline(__always) func bucket(_ row: Int) -> Int {
            let c = min(UInt32(truncatingIfNeeded: codes[row]), lim)
            if let map { return Int(min(map[Int(c)], drop)) }
            return Int(c)
        }
        if let weights {
            var raw = [UInt32](repeating: 0, count: slots)
            var wt = [Int64](repeating: 0, count: slots)
            raw.withUnsafeMutableBufferPointer { r in
                wt.withUnsafeMutableBufferPointer { s in
                    if let ids {
                        for i in 0..<n {
                            let row = Int(ids[i])
                            let b = bucket(row)
                            r[b] &+= 1
                            s[b] &+= Int64(weights[row])
                        }
                    } else {
                        for row in 0..<n {
                            let b = bucket(row)
                            r[b] &+= 1
                            s[b] &+= Int64(weights[row])
                        }
                    }
                }
            }
            return Counts(raw: raw, weighted: wt)
        }
        // Unweighted: four interleaved histograms break the store-to-load chain on repeated
        // codes (a boolean field increments the same two slots all the time).
        let lanes = slots <= 4096 ? 4 : 1
        var hist = [UInt32](repeating: 0, count: slots * lanes)
        hist.withUnsafeMutableBufferPointer { h in
            if lanes == 4 {
                let h1 = slots, h2 = 2 * slots, h3 = 3 * slots
                var i = 0
                if let ids {
                    while i + 4 <= n {
                        h[bucket(Int(ids[i]))] &+= 1
                        h[h1 + bucket(Int(ids[i + 1]))] &+= 1
                        h[h2 + bucket(Int(ids[i + 2]))] &+= 1
                        h[h3 + bucket(Int(ids[i + 3]))] &+= 1
                        i += 4
                    }
                    while i < n { h[bucket(Int(ids[i]))] &+= 1; i += 1 }
                } else {
                    while i + 4 <= n {
                        h[bucket(i)] &+= 1
                        h[h1 + bucket(i + 1)] &+= 1
                        h[h2 + bucket(i + 2)] &+= 1
                        h[h3 + bucket(i + 3)] &+= 1
                        i += 4
                    }
                    while i < n { h[bucket(i)] &+= 1; i += 1 }
                }
                for b in 0..<slots { h[b] = h[b] &+ h[h1 + b] &+ h[h2 + b] &+ h[h3 + b] }
            } else if let ids {
                for i in 0..<n { h[bucket(Int(ids[i]))] &+= 1 }
            } else {
                for i in 0..<n { h[bucket(i)] &+= 1 }
            }
        }
        if lanes > 1 { hist.removeLast(hist.count - slots) }
        return Counts(raw: hist, weighted: nil)
    }

    /// Total weight of `rows` (the row count when unsampled).
    /// - Complexity: O(rows.count) when sampled, O(1) otherwise
    static func totalWeight(_ rows: RowSet, rates: [UInt32]) -> Int64 {
        guard !rates.isEmpty else { return Int64(rows.count) }
        var total: Int64 = 0
        rates.withUnsafeBufferPointer { w in
            rows.withIDs { ids in
                if let ids { for r in ids { total &+= Int64(w[Int(r)]) } } else { for r in w { total &+= Int64(r) } }
            }
        }
        return total
    }
}
