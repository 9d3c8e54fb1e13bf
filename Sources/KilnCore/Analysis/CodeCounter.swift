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

    /// One column to count: its codes, per-code bucket map (`dictionaryCount + 2` entries, the
    /// last for out-of-range codes) or none (the code is the bucket), and the buckets wanted.
    struct Job {
        var codes: CodeArray
        var dictionaryCount: Int
        var map: [UInt32]?
        var buckets: Int
    }

    /// Counts the rows of `rows` per bucket: `map[code]` when a map is given (a map has
    /// `dictionaryCount + 2` entries, the last for out-of-range codes), else the code itself.
    /// Returns `buckets` counts.
    /// - Complexity: O(rows.count + buckets)
    static func count(_ codes: CodeArray, rows: RowSet, dictionaryCount: Int, map: [UInt32]? = nil,
                      buckets: Int, rates: [UInt32]) -> Counts {
        count(Job(codes: codes, dictionaryCount: dictionaryCount, map: map, buckets: buckets), rows: rows, rates: rates)
    }

    /// Counts the rows of `rows` per bucket of `job`.
    /// - Complexity: O(rows.count + buckets)
    static func count(_ job: Job, rows: RowSet, rates: [UInt32]) -> Counts {
        if case .sparse(let sparse) = job.codes { return count(sparse, job: job, rows: rows, rates: rates) }
        return rows.withIDs { ids in
            // Consecutive rows (a time window over rows in arrival order) need no id list:
            // the kernel then streams through the column from the first row.
            var ids = ids
            var base = 0
            if let list = ids, let first = list.first, let last = list.last, Int(last) - Int(first) + 1 == list.count {
                base = Int(first)
                ids = nil
            }
            var histogram = Histogram(job: job, weighted: !rates.isEmpty)
            rates.withUnsafeBufferPointer { w in
                histogram.add(job, ids: ids, range: base..<(base + rows.count), weights: rates.isEmpty ? nil : w)
            }
            return histogram.counts(buckets: job.buckets)
        }
    }

    /// Counts of one job while they accumulate: `lanes` interleaved copies of the slots.
    private struct Histogram {
        let slots: Int
        let lanes: Int
        let limit: Int
        var raw: [UInt32]
        var weighted: [Int64]?

        init(job: Job, weighted: Bool) {
            if case .u8 = job.codes, job.map == nil {
                // A slot for every byte: codes need no clamping (those beyond the dictionary,
                // in a damaged table, land past `buckets` and are dropped with the rest).
                limit = Int(UInt8.max)
            } else {
                limit = job.dictionaryCount + 1 // codes above this are clamped to it
            }
            slots = job.map == nil ? limit + 1 : job.buckets + 1
            lanes = weighted || slots > 4096 ? 1 : 4
            raw = [UInt32](repeating: 0, count: slots * lanes)
            self.weighted = weighted ? [Int64](repeating: 0, count: slots) : nil
        }

        /// Adds rows `ids` (or the consecutive `range` when nil); `weights` indexed by row.
        mutating func add(_ job: Job, ids: UnsafeBufferPointer<UInt32>?, range: Range<Int>, weights: UnsafeBufferPointer<UInt32>?) {
            let count = ids?.count ?? range.count
            guard count > 0 else { return }
            func go<C: FixedWidthInteger & UnsignedInteger>(_ codes: UnsafeBufferPointer<C>) {
                if let map = job.map {
                    map.withUnsafeBufferPointer { m in kernel(codes, ids: ids, range: range, map: m, weights: weights) }
                } else {
                    kernel(codes, ids: ids, range: range, map: nil, weights: weights)
                }
            }
            switch job.codes {
            case .u8(let a): a.withUnsafeBufferPointer { go($0) }
            case .u16(let a): a.withUnsafeBufferPointer { go($0) }
            case .u32(let a): a.withUnsafeBufferPointer { go($0) }
            case .sparse(let s): s.denseCodes.withUnsafeBufferPointer { go($0) } // counted by `count(_:job:rows:rates:)` instead
            }
        }

        @inline(__always)
        private mutating func kernel<C: FixedWidthInteger & UnsignedInteger>(
            _ codes: UnsafeBufferPointer<C>, ids: UnsafeBufferPointer<UInt32>?, range: Range<Int>,
            map: UnsafeBufferPointer<UInt32>?, weights: UnsafeBufferPointer<UInt32>?
        ) {
            let lim = UInt32(truncatingIfNeeded: limit)
            let drop = UInt32(truncatingIfNeeded: slots - 1)
            // Rows past the column's end (a damaged table) are skipped.
            let rowEnd = codes.count
            let unclamped = map == nil && lim >= UInt32(truncatingIfNeeded: C.max)
            @inline(__always) func bucket(_ row: Int) -> Int {
                if unclamped { return Int(codes[row]) }
                let c = min(UInt32(truncatingIfNeeded: codes[row]), lim)
                if let map { return Int(min(map[Int(c)], drop)) }
                return Int(c)
            }
            let lanes = self.lanes, slots = self.slots
            raw.withUnsafeMutableBufferPointer { h in
                if let weights, weighted != nil {
                    weighted!.withUnsafeMutableBufferPointer { s in
                        if let ids {
                            for id in ids where Int(id) < rowEnd {
                                let b = bucket(Int(id))
                                h[b] &+= 1
                                s[b] &+= Int64(weights[Int(id)])
                            }
                        } else {
                            for row in range where row < rowEnd {
                                let b = bucket(row)
                                h[b] &+= 1
                                s[b] &+= Int64(weights[row])
                            }
                        }
                    }
                    return
                }
                // Four interleaved histograms break the store-to-load chain on repeated codes
                // (a boolean field increments the same two slots all the time).
                if lanes == 4 {
                    let h1 = slots, h2 = 2 * slots, h3 = 3 * slots
                    if let ids {
                        let n = ids.count
                        var i = 0
                        if let last = ids.last, Int(last) < rowEnd {
                            while i + 4 <= n {
                                h[bucket(Int(ids[i]))] &+= 1
                                h[h1 + bucket(Int(ids[i + 1]))] &+= 1
                                h[h2 + bucket(Int(ids[i + 2]))] &+= 1
                                h[h3 + bucket(Int(ids[i + 3]))] &+= 1
                                i += 4
                            }
                        }
                        while i < n {
                            if Int(ids[i]) < rowEnd { h[bucket(Int(ids[i]))] &+= 1 }
                            i += 1
                        }
                    } else {
                        var row = range.lowerBound
                        let end = min(range.upperBound, rowEnd)
                        while row + 4 <= end {
                            h[bucket(row)] &+= 1
                            h[h1 + bucket(row + 1)] &+= 1
                            h[h2 + bucket(row + 2)] &+= 1
                            h[h3 + bucket(row + 3)] &+= 1
                            row += 4
                        }
                        while row < end { h[bucket(row)] &+= 1; row += 1 }
                    }
                } else if let ids {
                    for id in ids where Int(id) < rowEnd { h[bucket(Int(id))] &+= 1 }
                } else {
                    for row in range.lowerBound..<min(range.upperBound, rowEnd) { h[bucket(row)] &+= 1 }
                }
            }
        }

        /// The totals per bucket, lanes summed, trimmed or padded to `buckets`.
        consuming func counts(buckets: Int) -> Counts {
            func fit<T: FixedWidthInteger>(_ a: inout [T]) {
                if a.count > buckets { a.removeLast(a.count - buckets) } else if a.count < buckets { a.append(contentsOf: repeatElement(0, count: buckets - a.count)) }
            }
            var out = raw
            raw = []
            if lanes > 1 {
                out.withUnsafeMutableBufferPointer { h in
                    for lane in 1..<lanes {
                        let base = lane * slots
                        for b in 0..<slots { h[b] &+= h[base + b] }
                    }
                }
                out.removeLast(out.count - slots)
            }
            // One lane: the histogram itself becomes the result, with no copy of a counts
            // array as large as the dictionary.
            fit(&out)
            var w = weighted
            weighted = nil
            if w != nil { fit(&w!) }
            return Counts(raw: out, weighted: w)
        }
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
