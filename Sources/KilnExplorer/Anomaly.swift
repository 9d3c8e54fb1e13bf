#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import KilnCore

/// Finds the heatmap region that stands out most: the `a` key's proposed box.
///
/// Looks at the slow tail only: bands of value rows from some row at or above the scope's
/// 95th-percentile row up to the top row ("at least this slow"). Within a band each column
/// counts its *occupied cells* (cells holding any event), not its events: the spans of one slow
/// trace, or a burst of traffic, pile many events into a few cells, while an incident's
/// independent slow requests land in cells of their own. Counting events instead let a few
/// slow traces (four spans each) or a busy minute outscore a handful of slow checkouts spread
/// over half an hour. Bands up to the top keep a narrow band that happens to be empty
/// elsewhere from winning by luck.
///
/// A run of columns in a band is scored with Kulldorff's scan statistic: of the N occupied
/// cells of the band, O fall inside the run where E = N × (its columns / all columns) would if
/// the band's density were the same over time; the score is the log-likelihood ratio
/// O·ln(O/E) + (N−O)·ln((N−O)/(N−E)) when O > E. Only columns that hold any event count as
/// time, so an empty stretch of the window neither helps nor hurts. Nothing is proposed unless
/// some box holds at least 3 occupied cells, twice as many as expected, with a score of at
/// least 4. Of the boxes that contain the best one and score at least 80% as well, the one
/// holding the most cells is proposed (the whole incident rather than its densest part),
/// trimmed to the rows that hold its events.
///
/// Checked against the ground truth of `kiln generate` (see `AnomalyProbe` in the tests): on
/// bad-deploy with 20,000 events (5-13 slow checkouts) and 100,000, heavy-tenant and the
/// sample data, at 80x24 to 200x50, the box holds 99.5% of the incident's events on average.
enum Anomaly {
    /// A proposed box and how much it stands out.
    struct Proposal: Equatable {
        /// Time buckets (columns).
        var time: Range<Int>
        /// Value buckets (rows).
        var value: Range<Int>
        /// Events in the box.
        var events: Int64
        /// Occupied cells in the box, and how many its band would hold over that time by chance.
        var cells: Int
        /// The expected number of occupied cells.
        var expected: Double
        /// The scan statistic.
        var score: Double
        /// How many times as often the band's cells are occupied inside the box's columns as
        /// outside them; nil when none is outside.
        var ratio: Double?
    }

    /// The proposed box, or nil when nothing stands out.
    /// - Complexity: O(tailRows × timeBuckets²), twice
    static func find(_ map: Heatmap) -> Proposal? {
        let nt = map.timeBuckets, nv = map.valueBuckets
        guard nt > 0, nv > 0 else { return nil }
        var rowEvents = [Double](repeating: 0, count: nv)
        var activeColumn = [Bool](repeating: false, count: nt)
        var total = 0.0
        for t in 0..<nt {
            for v in 0..<nv {
                let c = map.count(time: t, value: v)
                guard c > 0 else { continue }
                rowEvents[v] += Double(c)
                total += Double(c)
                activeColumn[t] = true
            }
        }
        let activeTotal = activeColumn.filter { $0 }.count
        guard activeTotal > 1, total > 0 else { return nil }
        var cumulative = 0.0
        var p95 = nv - 1
        for v in 0..<nv {
            cumulative += rowEvents[v]
            if cumulative >= 0.95 * total { p95 = v; break }
        }
        // Active columns before t.
        var activePrefix = [Int](repeating: 0, count: nt + 1)
        for t in 0..<nt { activePrefix[t + 1] = activePrefix[t] + (activeColumn[t] ? 1 : 0) }
        // One pass scores every run of columns of every band; `visit` sees each candidate.
        func scan(_ visit: (_ t0: Int, _ t1: Int, _ v0: Int, _ observed: Double, _ expected: Double, _ bandCells: Double,
                            _ inside: Int, _ score: Double) -> Void) {
            // Occupied cells per column of the band [v0, top], grown one row downwards at a time.
            var columnCells = [Double](repeating: 0, count: nt)
            var prefix = [Double](repeating: 0, count: nt + 1)
            var bandCells = 0.0
            for v0 in stride(from: nv - 1, through: p95, by: -1) {
                for t in 0..<nt where map.count(time: t, value: v0) > 0 {
                    columnCells[t] += 1
                    bandCells += 1
                }
                guard bandCells >= 3 else { continue }
                for t in 0..<nt { prefix[t + 1] = prefix[t] + columnCells[t] }
                for t0 in 0..<nt where columnCells[t0] > 0 {
                    for t1 in t0..<nt where columnCells[t1] > 0 {
                        let observed = prefix[t1 + 1] - prefix[t0]
                        guard observed >= 3 else { continue }
                        let inside = activePrefix[t1 + 1] - activePrefix[t0]
                        guard inside < activeTotal else { continue }
                        let expected = bandCells * Double(inside) / Double(activeTotal)
                        guard observed >= 2 * expected else { continue }
                        let rest = bandCells - observed, restExpected = bandCells - expected
                        let score = observed * log(observed / expected) + (rest > 0 ? rest * log(rest / restExpected) : 0)
                        visit(t0, t1, v0, observed, expected, bandCells, inside, score)
                    }
                }
            }
        }
        var best = 0.0
        var core: (t0: Int, t1: Int, v0: Int)?
        scan { t0, t1, v0, _, _, _, _, score in
            if score > best {
                best = score
                core = (t0, t1, v0)
            }
        }
        guard let core, best >= 4 else { return nil }
        // The likeliest box can be the densest part of an incident only (three of its six slow
        // requests in ten minutes). Of the boxes holding it that score nearly as well, take the
        // one holding the most: the whole incident.
        let keep = 0.8
        var bestBox: (time: Range<Int>, value: Range<Int>, cells: Double, expected: Double, ratio: Double?)?
        var bestCells = 0.0, bestScore = 0.0
        scan { t0, t1, v0, observed, expected, bandCells, inside, score in
            guard t0 <= core.t0, t1 >= core.t1, v0 <= core.v0, score >= keep * best else { return }
            guard observed > bestCells || (observed == bestCells && score > bestScore) else { return }
            bestCells = observed
            bestScore = score
            let rest = bandCells - observed
            let ratio: Double? = rest > 0 ? (observed / Double(inside)) / (rest / Double(activeTotal - inside)) : nil
            bestBox = ((t0..<(t1 + 1)), v0..<nv, observed, expected, ratio)
        }
        guard let box = bestBox else { return nil }
        // Trim rows that hold nothing in the box.
        var rows = box.value
        func rowCount(_ v: Int) -> Int64 { box.time.reduce(Int64(0)) { $0 &+ map.count(time: $1, value: v) } }
        while rows.count > 1, rowCount(rows.lowerBound) == 0 { rows = (rows.lowerBound + 1)..<rows.upperBound }
        while rows.count > 1, rowCount(rows.upperBound - 1) == 0 { rows = rows.lowerBound..<(rows.upperBound - 1) }
        let events = rows.reduce(Int64(0)) { $0 &+ rowCount($1) }
        return Proposal(time: box.time, value: rows, events: events, cells: Int(box.cells), expected: box.expected, score: bestScore,
                        ratio: box.ratio)
    }
}
