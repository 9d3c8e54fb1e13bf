/// Counting a column held sparsely: the cost follows the values present, not the rows.
extension CodeCounter {
    /// The counts ``count(_:rows:rates:)`` gives for `job`, whose codes are `sparse`: the rows
    /// of `rows` with a value are found among the values present (a galloping search through
    /// the row ids), and the rest, absent, go to the bucket of code 0 all at once.
    /// - Complexity: O(values present × log(rows.count / values present)), plus O(rows.count)
    ///   for the total weight when the table is sampled
    static func count(_ sparse: SparseCodes, job: Job, rows: RowSet, rates: [UInt32]) -> Counts {
        let buckets = job.buckets
        var raw = [UInt32](repeating: 0, count: buckets)
        var weighted: [Int64]? = rates.isEmpty ? nil : [Int64](repeating: 0, count: buckets)
        // As the dense kernel: codes past the dictionary are clamped to one past it, a map
        // sends them to its last entry, and buckets past `buckets` are dropped.
        let limit = UInt32(truncatingIfNeeded: job.dictionaryCount + 1)
        let drop = UInt32(truncatingIfNeeded: buckets)
        @inline(__always) func bucket(_ code: UInt32) -> Int {
            let c = min(code, limit)
            guard let map = job.map else { return Int(c) }
            return Int(min(map[Int(c)], drop))
        }
        let end = sparse.count
        var presentRows: UInt32 = 0
        var presentWeight: Int64 = 0
        rows.withIDs { ids in
            @inline(__always) func add(_ k: Int) {
                let r = Int(sparse.rows[k])
                let b = bucket(sparse.codes[k])
                presentRows &+= 1
                let w = rates.isEmpty ? 1 : Int64(rates[r])
                presentWeight &+= w
                guard b < buckets else { return }
                raw[b] &+= 1
                if weighted != nil { weighted![b] &+= w }
            }
            guard let ids else {
                for k in 0..<sparse.rows.count where Int(sparse.rows[k]) < rows.universe { add(k) }
                return
            }
            // Both lists ascend: for each row with a value, gallop forward through `ids`.
            var j = 0
            for k in 0..<sparse.rows.count {
                let r = sparse.rows[k]
                guard j < ids.count else { break }
                if ids[j] < r {
                    var step = 1, lo = j
                    while lo + step < ids.count, ids[lo + step] < r { lo += step; step <<= 1 }
                    var hi = min(lo + step, ids.count)
                    lo += 1
                    while lo < hi {
                        let mid = (lo + hi) / 2
                        if ids[mid] < r { lo = mid + 1 } else { hi = mid }
                    }
                    j = lo
                }
                if j < ids.count, ids[j] == r { add(k) }
            }
        }
        // Rows of the set within the column (a damaged table may have fewer codes than rows).
        let inColumn: Int
        let inColumnWeight: Int64
        if rows.universe <= end {
            inColumn = rows.count
            inColumnWeight = CodeCounter.totalWeight(rows, rates: rates)
        } else {
            var n = 0
            var w: Int64 = 0
            rows.forEachID { r in
                guard Int(r) < end else { return }
                n += 1
                w &+= rates.isEmpty ? 1 : Int64(rates[Int(r)])
            }
            inColumn = n
            inColumnWeight = w
        }
        let absent = bucket(0)
        if absent < buckets {
            raw[absent] &+= UInt32(truncatingIfNeeded: inColumn) &- presentRows
            if weighted != nil { weighted![absent] &+= inColumnWeight &- presentWeight }
        }
        return Counts(raw: raw, weighted: weighted)
    }
}
