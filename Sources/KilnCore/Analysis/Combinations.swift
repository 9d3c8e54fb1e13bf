/// Pairs and triples of over-represented values, counted exactly in both groups.
enum Combinations {
    /// Improvement in pS − pB a combination needs over each of its parts.
    static let minimumGain = 0.01

    static func find(analyses: [FieldAnalysis], fields: [PreparedField], table: EventTable, scopeRows: RowSet,
                     selected: RowSet, groups: GroupTotals, options: BubbleUpOptions) -> [BubbleUpCombination] {
        let candidates = Self.candidates(analyses, groups: groups, options: options)
        guard !candidates.isEmpty else { return [] }
        let maps = Self.maps(candidates, in: table) { ($0.column, $0.code) }
        let hist = histogram(maps: maps, bits: candidates.count, scopeRows: scopeRows, selected: selected, rates: table.sampleRates)
        return evaluate(candidates, hist: hist, groups: groups, options: options)
    }

    /// The best over-represented single values (at most 16), from at least two fields; empty
    /// when no combination can be found.
    static func candidates(_ analyses: [FieldAnalysis], groups: GroupTotals, options: BubbleUpOptions) -> [Candidate] {
        guard groups.selWeight > 0, groups.baseWeight > 0, options.maxCombinationSize >= 2, options.maxCombinations > 0 else { return [] }
        var pool = analyses.flatMap(\.candidates)
        pool.sort { Candidate.before($0, $1) }
        let candidates = Array(pool.prefix(max(0, min(16, options.combinationCandidates))))
        var columns: Set<Int> = []
        for c in candidates { columns.insert(c.column) }
        return columns.count >= 2 ? candidates : []
    }

    /// Per candidate column of `table`: code → bits of the candidates with that code.
    /// `locate` gives a candidate's column in `table` and its code there.
    static func maps(_ candidates: [Candidate], in table: EventTable,
                     locate: (Candidate) -> (column: Int, code: Int)?) -> [(codes: CodeArray, map: [UInt16], limit: Int)] {
        var columns: [Int] = []
        var located: [(column: Int, code: Int)?] = []
        for c in candidates {
            let at = locate(c)
            located.append(at)
            if let at, !columns.contains(at.column) { columns.append(at.column) }
        }
        var maps: [(codes: CodeArray, map: [UInt16], limit: Int)] = []
        for column in columns {
            let d = table.columns[column].valueCount
            // One-byte codes get a map entry for every byte, so the scan needs no clamping.
            let entries = table.columns[column].codes.width == 1 ? max(d + 2, 256) : d + 2
            var map = [UInt16](repeating: 0, count: entries)
            for (bit, at) in located.enumerated() {
                guard let at, at.column == column, at.code <= d else { continue }
                map[at.code] |= UInt16(1) << UInt16(bit)
            }
            maps.append((table.columns[column].codes, map, entries - 1))
        }
        return maps
    }

    /// The combinations of `candidates` worth reporting, from the counts of every mask of them
    /// (bit i set: the event has candidate i's value) in the scope and the selection.
    static func evaluate(_ candidates: [Candidate], hist: Histogram, groups: GroupTotals, options: BubbleUpOptions) -> [BubbleUpCombination] {
        let m = candidates.count
        guard m >= 2 else { return [] }
        // Sum the histogram into every pair and triple of candidate bits.
        let size = 1 << m
        var pairs = [Totals](repeating: Totals(), count: m * m)
        var triples = [Totals](repeating: Totals(), count: options.maxCombinationSize >= 3 ? m * m * m : 0)
        for mask in 1..<size where hist.scopeRows[mask] > 0 && mask.nonzeroBitCount >= 2 {
            let t = Totals(selW: hist.selWeight(mask), scopeW: hist.scopeWeight(mask), selRows: Int64(hist.selRows[mask]))
            var bits: [Int] = []
            for b in 0..<m where mask & (1 << b) != 0 { bits.append(b) }
            for x in 0..<bits.count {
                for y in (x + 1)..<bits.count {
                    pairs[bits[x] * m + bits[y]].add(t)
                    if !triples.isEmpty {
                        for z in (y + 1)..<bits.count { triples[(bits[x] * m + bits[y]) * m + bits[z]].add(t) }
                    }
                }
            }
        }

        let sW = Double(groups.selWeight), bW = Double(groups.baseWeight)
        func stats(_ t: Totals) -> (pS: Double, pB: Double, d: Double) {
            let pS = Double(t.selW) / sW, pB = Double(t.scopeW - t.selW) / bW
            return (pS, pB, pS - pB)
        }
        func passes(_ t: Totals) -> Bool {
            let (pS, pB, d) = stats(t)
            return d > 0 && t.selRows >= Int64(options.minSupport) && pS >= options.minCoverage
                && pS / max(pB, 0.5 / bW) >= options.minRiskRatio
        }
        func make(_ bits: [Int], _ t: Totals) -> BubbleUpCombination {
            let (pS, pB, d) = stats(t)
            var members = bits.map { (name: candidates[$0].field, value: candidates[$0].value) }
            members.sort { $0.name < $1.name }
            return BubbleUpCombination(fields: members, selection: t.selW, baseline: t.scopeW - t.selW,
                                       selectionPercent: 100 * pS, baselinePercent: 100 * pB,
                                       riskRatio: pS / max(pB, 0.5 / bW), score: d)
        }
        var found: [BubbleUpCombination] = []
        for a in 0..<m {
            for b in (a + 1)..<m where candidates[a].column != candidates[b].column {
                let t = pairs[a * m + b]
                guard passes(t) else { continue }
                let d = stats(t).d
                guard d >= max(candidates[a].difference, candidates[b].difference) + minimumGain else { continue }
                found.append(make([a, b], t))
            }
        }
        if !triples.isEmpty {
            for a in 0..<m {
                for b in (a + 1)..<m where candidates[a].column != candidates[b].column {
                    for c in (b + 1)..<m where candidates[c].column != candidates[a].column && candidates[c].column != candidates[b].column {
                        let t = triples[(a * m + b) * m + c]
                        guard passes(t) else { continue }
                        let d = stats(t).d
                        let parts = [candidates[a].difference, candidates[b].difference, candidates[c].difference,
                                     stats(pairs[a * m + b]).d, stats(pairs[a * m + c]).d, stats(pairs[b * m + c]).d]
                        guard d >= (parts.max() ?? 0) + minimumGain else { continue }
                        found.append(make([a, b, c], t))
                    }
                }
            }
        }
        found.sort { x, y in
            if x.score != y.score { return x.score > y.score }
            if x.riskRatio != y.riskRatio { return x.riskRatio > y.riskRatio }
            return key(x) < key(y)
        }
        return Array(found.prefix(options.maxCombinations))
    }

    private static func key(_ c: BubbleUpCombination) -> String {
        c.fields.map { $0.name + "=" + ($0.value.map { v in
            var out = ""
            JSONText.appendValue(v, to: &out)
            return out
        } ?? "null") }.joined(separator: "&")
    }

    struct Totals {
        var selW: Int64 = 0
        var scopeW: Int64 = 0
        var selRows: Int64 = 0
        mutating func add(_ t: Totals) {
            selW &+= t.selW
            scopeW &+= t.scopeW
            selRows &+= t.selRows
        }
    }

    struct Histogram {
        var scopeRows: [UInt32]
        var selRows: [UInt32]
        var scopeWeights: [Int64]?
        var selWeights: [Int64]?
        func scopeWeight(_ i: Int) -> Int64 { scopeWeights?[i] ?? Int64(scopeRows[i]) }
        func selWeight(_ i: Int) -> Int64 { selWeights?[i] ?? Int64(selRows[i]) }

        /// No rows, over `bits` candidates.
        init(bits: Int) {
            scopeRows = [UInt32](repeating: 0, count: 1 << bits)
            selRows = scopeRows
        }

        init(scopeRows: [UInt32], selRows: [UInt32], scopeWeights: [Int64]?, selWeights: [Int64]?) {
            self.scopeRows = scopeRows
            self.selRows = selRows
            self.scopeWeights = scopeWeights
            self.selWeights = selWeights
        }

        /// Adds the counts of another part (of the same candidates).
        mutating func add(_ other: Histogram) {
            if other.scopeWeights != nil, scopeWeights == nil {
                scopeWeights = scopeRows.map(Int64.init)
                selWeights = selRows.map(Int64.init)
            }
            for i in scopeRows.indices {
                if scopeWeights != nil {
                    scopeWeights![i] &+= other.scopeWeight(i)
                    selWeights![i] &+= other.selWeight(i)
                }
                scopeRows[i] &+= other.scopeRows[i]
                selRows[i] &+= other.selRows[i]
            }
        }
    }

    /// Counts candidate masks over the scope (and its selected part), in parallel chunks.
    /// Only masks of two or more candidates (the combinations) are counted exactly.
    static func histogram(maps: [(codes: CodeArray, map: [UInt16], limit: Int)], bits: Int, scopeRows: RowSet,
                          selected: RowSet, rates: [UInt32]) -> Histogram {
        let size = 1 << bits
        let n = scopeRows.count
        let ranges = Parallel.ranges(n, parts: 2, minimum: 131_072)
        let weighted = !rates.isEmpty
        let parts: [Histogram] = scopeRows.withIDs { scopeIDs in
            selected.withIDs { selIDs in
                let shared = SendableBox((scopeIDs, selIDs))
                return Parallel.map(ranges.count) { part in
                    let (scopeIDs, selIDs) = shared.value
                    let range = ranges[part]
                    @inline(__always) func row(_ i: Int) -> Int { scopeIDs.map { Int($0[i]) } ?? i }
                    var h: Histogram
                    // Walk the sorted selection alongside the sorted scope.
                    var j = 0
                    if let selIDs, range.lowerBound < range.upperBound {
                        let first = UInt32(truncatingIfNeeded: row(range.lowerBound))
                        var lo = 0, hi = selIDs.count
                        while lo < hi {
                            let mid = (lo + hi) / 2
                            if selIDs[mid] < first { lo = mid + 1 } else { hi = mid }
                        }
                        j = lo
                    }
                    var scopeRows = [UInt32](repeating: 0, count: size), selRows = [UInt32](repeating: 0, count: size)
                    var scopeWeights = [Int64](repeating: 0, count: weighted ? size : 0)
                    var selWeights = [Int64](repeating: 0, count: weighted ? size : 0)
                    // Rows go by blocks that stay in cache: each candidate column ORs its bits
                    // into the block's masks, then the block is counted.
                    // Columns of one-byte codes with a map entry for every byte go in pairs.
                    var paired: [([UInt8], [UInt16])] = [], rest: [(codes: CodeArray, map: [UInt16], limit: Int)] = []
                    for m in maps {
                        if scopeIDs == nil, case .u8(let a) = m.codes, m.limit >= Int(UInt8.max) { paired.append((a, m.map)) } else { rest.append(m) }
                    }
                    let blockSize = 4096
                    var masks = [UInt16](repeating: 0, count: blockSize)
                    // Unweighted counts: slot `mask << 1 | selected` per lane.
                    let laneSize = 2 * size
                    var lanes = [UInt32](repeating: 0, count: weighted ? 0 : 4 * laneSize)
                    masks.withUnsafeMutableBufferPointer { out in
                        scopeRows.withUnsafeMutableBufferPointer { sr in
                            selRows.withUnsafeMutableBufferPointer { lr in
                                scopeWeights.withUnsafeMutableBufferPointer { sw in
                                    selWeights.withUnsafeMutableBufferPointer { lw in
                                        var blockStart = range.lowerBound
                                        while blockStart < range.upperBound {
                                            let block = blockStart..<min(range.upperBound, blockStart + blockSize)
                                            for k in 0..<block.count { out[k] = 0 }
                                            // One-byte columns over every row, two per pass: half the
                                            // reads and writes of the block's masks.
                                            if scopeIDs == nil {
                                                var p = 0
                                                while p < paired.count {
                                                    let (ca, ma) = paired[p]
                                                    let (cb, mb) = p + 1 < paired.count ? paired[p + 1] : (ca, ma)
                                                    ca.withUnsafeBufferPointer { a in cb.withUnsafeBufferPointer { b in
                                                        ma.withUnsafeBufferPointer { x in mb.withUnsafeBufferPointer { y in
                                                            for i in block { out[i - block.lowerBound] |= x[Int(a[i])] | y[Int(b[i])] }
                                                        } }
                                                    } }
                                                    p += 2
                                                }
                                            }
                                            for (codes, map, limit) in rest {
                                                map.withUnsafeBufferPointer { mp in
                                                    func fill<C: FixedWidthInteger & UnsignedInteger>(_ c: UnsafeBufferPointer<C>) {
                                                        if let ids = scopeIDs {
                                                            for i in block { out[i - block.lowerBound] |= mp[min(Int(c[Int(ids[i])]), limit)] }
                                                        } else {
                                                            for i in block { out[i - block.lowerBound] |= mp[min(Int(c[i]), limit)] }
                                                        }
                                                    }
                                                    switch codes {
                                                    case .u8(let a): a.withUnsafeBufferPointer { fill($0) }
                                                    case .u16(let a): a.withUnsafeBufferPointer { fill($0) }
                                                    case .u32(let a): a.withUnsafeBufferPointer { fill($0) }
                                                    case .sparse(let s): s.denseCodes.withUnsafeBufferPointer { fill($0) }
                                                    }
                                                }
                                            }
                                            if weighted {
                                                for i in block {
                                                    let r = row(i)
                                                    let mask = Int(out[i - block.lowerBound])
                                                    var hit: UInt32 = 1
                                                    if let selIDs {
                                                        hit = UInt32(unsafeBitCast(j < selIDs.count && Int(selIDs[min(j, selIDs.count - 1)]) == r, to: UInt8.self))
                                                        j &+= Int(hit)
                                                    }
                                                    sr[mask] &+= 1
                                                    lr[mask] &+= hit
                                                    let w = Int64(rates[r])
                                                    sw[mask] &+= w
                                                    lw[mask] &+= w &* Int64(hit)
                                                }
                                            } else {
                                                lanes.withUnsafeMutableBufferPointer { h in
                                                    for i in block {
                                                        let mask = Int(out[i - block.lowerBound])
                                                        // Branch-free: a scattered selection would mispredict half the rows.
                                                        var hit = 1
                                                        if let selIDs {
                                                            let r = row(i)
                                                            hit = Int(unsafeBitCast(j < selIDs.count && Int(selIDs[min(j, selIDs.count - 1)]) == r, to: UInt8.self))
                                                            j &+= hit
                                                        }
                                                        // Only masks of two or more candidates matter; the rest share
                                                        // slots 0 and 1, spread over four lanes so that repeats of
                                                        // one slot do not wait on each other.
                                                        let several = mask & (mask &- 1) != 0
                                                        let slot = several ? (mask << 1 | hit) : hit
                                                        h[(i & 3) &* laneSize &+ slot] &+= 1
                                                    }
                                                }
                                            }
                                            blockStart = block.upperBound
                                        }
                                    }
                                }
                            }
                        }
                    }
                    if !weighted {
                        for mask in 0..<size {
                            var scope: UInt32 = 0, sel: UInt32 = 0
                            for lane in 0..<4 {
                                let base = lane * laneSize + (mask << 1)
                                scope &+= lanes[base] &+ lanes[base + 1]
                                sel &+= lanes[base + 1]
                            }
                            scopeRows[mask] = scope
                            selRows[mask] = sel
                        }
                    }
                    h = Histogram(scopeRows: scopeRows, selRows: selRows, scopeWeights: weighted ? scopeWeights : nil,
                                  selWeights: weighted ? selWeights : nil)
                    return h
                }
            }
        }
        guard var total = parts.first else {
            return Histogram(scopeRows: [UInt32](repeating: 0, count: size), selRows: [UInt32](repeating: 0, count: size),
                             scopeWeights: nil, selWeights: nil)
        }
        for p in parts.dropFirst() {
            for i in 0..<size {
                total.scopeRows[i] &+= p.scopeRows[i]
                total.selRows[i] &+= p.selRows[i]
                if weighted {
                    total.scopeWeights?[i] &+= p.scopeWeight(i)
                    total.selWeights?[i] &+= p.selWeight(i)
                }
            }
        }
        return total
    }
}
