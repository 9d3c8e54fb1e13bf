/// Weighted nearest-rank selection (quickselect with a three-way partition).
enum QuickSelect {
    /// The smallest value v in `vals[lo..<hi]` such that the values ≤ v weigh at least `target`
    /// (each weighs `wts[k]`, or 1 without weights). Reorders the range.
    /// - Complexity: expected O(hi − lo)
    static func select(_ vals: UnsafeMutableBufferPointer<Double>, _ wts: UnsafeMutableBufferPointer<UInt32>?,
                       _ lo: Int, _ hi: Int, target: Int64) -> Double {
        var lo = lo, hi = hi, target = target
        @inline(__always) func swap(_ a: Int, _ b: Int) {
            vals.swapAt(a, b)
            if let wts { wts.swapAt(a, b) }
        }
        @inline(__always) func weight(_ k: Int) -> Int64 { wts.map { Int64($0[k]) } ?? 1 }
        while hi - lo > 16 {
            let a = vals[lo], b = vals[(lo + hi) / 2], c = vals[hi - 1]
            let pivot = max(min(a, b), min(max(a, b), c))
            // [lo, lt) < pivot, [lt, i) == pivot, [gt, hi) > pivot
            var lt = lo, i = lo, gt = hi
            var below: Int64 = 0, equal: Int64 = 0
            while i < gt {
                let x = vals[i]
                if x < pivot {
                    below &+= weight(i)
                    swap(lt, i)
                    lt += 1
                    i += 1
                } else if x > pivot {
                    gt -= 1
                    swap(i, gt)
                } else {
                    equal &+= weight(i)
                    i += 1
                }
            }
            if target <= below {
                hi = lt
            } else if target <= below &+ equal {
                return pivot
            } else {
                target -= below &+ equal
                lo = gt
            }
        }
        // Small range: insertion sort, then walk the cumulative weight.
        if lo >= hi { return vals[max(0, hi - 1)] }
        for k in (lo + 1)..<hi {
            var j = k
            while j > lo, vals[j - 1] > vals[j] {
                swap(j - 1, j)
                j -= 1
            }
        }
        var cumulative: Int64 = 0
        for k in lo..<hi {
            cumulative &+= weight(k)
            if cumulative >= target { return vals[k] }
        }
        return vals[hi - 1]
    }
}
