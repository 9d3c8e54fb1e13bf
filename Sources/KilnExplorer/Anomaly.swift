#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import KilnCore

/// Finds the heatmap region that stands out most: the `a` key's proposed box.
///
/// Only value buckets from the scope's 95th-percentile bucket upwards count (the slow tail,
/// for latency). A box of those rows over a run of columns is scored with Kulldorff's scan
/// statistic: of the N events in its rows, O fall inside the box where E = N × (its columns /
/// all columns) would if the rows' density were the same over time; the score is the
/// log-likelihood ratio O·ln(O/E) + (N−O)·ln((N−O)/(N−E)) when O > E. Only columns that hold
/// any event count as time, so an empty stretch of the window neither helps nor hurts. The best
/// box is trimmed to the rows that hold its events and proposed when it holds at least 3
/// events, twice as many as expected, with a score of at least 4.
enum Anomaly {
    /// The proposed box, or nil when nothing stands out.
    /// - Complexity: O(tailRows² × timeBuckets²)
    static func find(_ map: Heatmap) -> (time: Range<Int>, value: Range<Int>)? {
        let nt = map.timeBuckets, nv = map.valueBuckets
        guard nt > 0, nv > 0 else { return nil }
        var rowTotals = [Double](repeating: 0, count: nv)
        var activeColumn = [Bool](repeating: false, count: nt)
        var total = 0.0
        for t in 0..<nt {
            for v in 0..<nv {
                let c = Double(map.count(time: t, value: v))
                rowTotals[v] += c
                total += c
                if c > 0 { activeColumn[t] = true }
            }
        }
        let activeTotal = activeColumn.filter { $0 }.count
        guard activeTotal > 1, total > 0 else { return nil }
        var cumulative = 0.0
        var p95 = nv - 1
        for v in 0..<nv {
            cumulative += rowTotals[v]
            if cumulative >= 0.95 * total { p95 = v; break }
        }
        // Active columns before t.
        var activePrefix = [Int](repeating: 0, count: nt + 1)
        for t in 0..<nt { activePrefix[t + 1] = activePrefix[t] + (activeColumn[t] ? 1 : 0) }
        var best = 0.0
        var bestBox: (time: Range<Int>, value: Range<Int>)?
        var columnSums = [Double](repeating: 0, count: nt)
        var prefix = [Double](repeating: 0, count: nt + 1)
        for v0 in p95..<nv {
            for t in 0..<nt { columnSums[t] = 0 }
            var bandTotal = 0.0
            for v1 in v0..<nv {
                for t in 0..<nt { columnSums[t] += Double(map.count(time: t, value: v1)) }
                bandTotal += rowTotals[v1]
                guard bandTotal >= 3 else { continue }
                for t in 0..<nt { prefix[t + 1] = prefix[t] + columnSums[t] }
                for t0 in 0..<nt where columnSums[t0] > 0 {
                    for t1 in t0..<nt where columnSums[t1] > 0 {
                        let observed = prefix[t1 + 1] - prefix[t0]
                        guard observed >= 3 else { continue }
                        let inside = activePrefix[t1 + 1] - activePrefix[t0]
                        guard inside < activeTotal else { continue }
                        let expected = bandTotal * Double(inside) / Double(activeTotal)
                        guard observed >= 2 * expected else { continue }
                        let rest = bandTotal - observed, restExpected = bandTotal - expected
                        let score = observed * log(observed / expected) + (rest > 0 ? rest * log(rest / restExpected) : 0)
                        if score > best {
                            best = score
                            bestBox = (t0..<(t1 + 1), v0..<(v1 + 1))
                        }
                    }
                }
            }
        }
        guard let box = bestBox, best >= 4 else { return nil }
        // Trim rows that hold nothing in the box.
        var rows = box.value
        func rowCount(_ v: Int) -> Int64 { box.time.reduce(Int64(0)) { $0 &+ map.count(time: $1, value: v) } }
        while rows.count > 1, rowCount(rows.lowerBound) == 0 { rows = (rows.lowerBound + 1)..<rows.upperBound }
        while rows.count > 1, rowCount(rows.upperBound - 1) == 0 { rows = rows.lowerBound..<(rows.upperBound - 1) }
        return (box.time, rows)
    }
}
