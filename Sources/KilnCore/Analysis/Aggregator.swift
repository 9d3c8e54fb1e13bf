/// Computes calculations per cell (a group, or a time bucket × group) over rows in scope.
///
/// Every row position `i` (its place in the scope's row list) belongs to cell `cellOf[i]`, or
/// to none when that is `UInt32.max`. Each calculation is one pass over the positions.
struct Aggregator {
    let table: EventTable
    let rows: RowSet
    let calculations: [Calculation]
    let heatmapBuckets: Int
    /// Value edges of each HEATMAP calculation, computed once over the whole scope.
    private(set) var heatmapEdges: [String: [Double]] = [:]
    private var gathered: [String: [UInt32]] = [:]
    private let weights: [UInt32]

    init(table: EventTable, rows: RowSet, calculations: [Calculation], heatmapBuckets: Int) {
        self.table = table
        self.rows = rows
        self.calculations = calculations
        self.heatmapBuckets = max(1, min(heatmapBuckets, 1000))
        if table.isSampled {
            var w = [UInt32]()
            w.reserveCapacity(rows.count)
            table.sampleRates.withUnsafeBufferPointer { rates in rows.forEachID { w.append(rates[Int($0)]) } }
            weights = w
        } else {
            weights = []
        }
    }

    /// Values per calculation, then per cell.
    mutating func run(cellOf: [UInt32], cells: Int) -> [[CalculationValue]] {
        var out: [[CalculationValue]] = []
        var percentiles: [String: [Percentile: [CalculationValue]]] = [:]
        for calc in calculations {
            switch calc {
            case .count: out.append(count(cellOf, cells))
            case .countDistinct(let f): out.append(countDistinct(f, cellOf, cells))
            case .sum(let f): out.append(sum(f, cellOf, cells, average: false))
            case .avg(let f): out.append(sum(f, cellOf, cells, average: true))
            case .min(let f): out.append(extreme(f, cellOf, cells, largest: false))
            case .max(let f): out.append(extreme(f, cellOf, cells, largest: true))
            case .heatmap(let f): out.append(heatmap(f, cellOf, cells))
            case .percentile(let p, let f):
                if percentiles[f] == nil {
                    let wanted = Set(calculations.compactMap { c -> Percentile? in
                        if case .percentile(let q, let g) = c, g == f { return q }
                        return nil
                    })
                    percentiles[f] = percentile(f, wanted, cellOf, cells)
                }
                out.append(percentiles[f]?[p] ?? [CalculationValue](repeating: .null, count: cells))
            }
        }
        return out
    }

    /// True when some event in scope stands for more than one (the answer is weighted).
    var isWeighted: Bool { weights.contains { $0 > 1 } }

    @inline(__always) private func weight(_ i: Int) -> Int64 { weights.isEmpty ? 1 : Int64(weights[i]) }

    /// Codes of `field` per row position, clamped to `dictionary count + 1` (0 when the
    /// table lacks the field).
    private mutating func codes(_ field: String) -> [UInt32] {
        if let c = gathered[field] { return c }
        var out = [UInt32]()
        out.reserveCapacity(rows.count)
        if let column = table.column(field) {
            let limit = UInt32(column.valueCount + 1)
            func take<C: FixedWidthInteger & UnsignedInteger>(_ c: UnsafeBufferPointer<C>) {
                rows.forEachID { out.append(min(UInt32(truncatingIfNeeded: c[Int($0)]), limit)) }
            }
            switch column.codes {
            case .u8(let a): a.withUnsafeBufferPointer { take($0) }
            case .u16(let a): a.withUnsafeBufferPointer { take($0) }
            case .u32(let a): a.withUnsafeBufferPointer { take($0) }
            case .sparse(let s): s.denseCodes.withUnsafeBufferPointer { take($0) }
            }
        } else {
            out = [UInt32](repeating: 0, count: rows.count)
        }
        gathered[field] = out
        return out
    }

    /// Number per code (NaN for absent, non-numbers and out-of-range codes), `count + 2` entries.
    private func numbers(_ field: String) -> [Double] {
        guard let column = table.column(field) else { return [.nan, .nan] }
        guard column.hasNumbers else { return [Double](repeating: .nan, count: column.valueCount + 2) }
        return column.dictionary.numberTable() + [.nan]
    }

    private func hasFloats(_ field: String) -> Bool {
        guard let column = table.column(field) else { return false }
        return column.kindCounts[Int(ValueKind.float.rawValue)] > 0
    }

    private func count(_ cellOf: [UInt32], _ cells: Int) -> [CalculationValue] {
        var counts = [Int64](repeating: 0, count: cells)
        for i in 0..<cellOf.count where cellOf[i] != UInt32.max { counts[Int(cellOf[i])] &+= weight(i) }
        return counts.map { .value(.int($0)) }
    }

    private mutating func countDistinct(_ field: String, _ cellOf: [UInt32], _ cells: Int) -> [CalculationValue] {
        let codes = self.codes(field)
        let width = (table.column(field)?.valueCount ?? 0) + 2
        var distinct = [Int64](repeating: 0, count: cells)
        if cells * width <= 1 << 26 {
            var seen = [Bool](repeating: false, count: cells * width)
            for i in 0..<cellOf.count where cellOf[i] != UInt32.max && codes[i] != 0 && Int(codes[i]) < width - 1 {
                let k = Int(cellOf[i]) * width + Int(codes[i])
                if !seen[k] { seen[k] = true; distinct[Int(cellOf[i])] += 1 }
            }
        } else {
            var pairs: [UInt64] = []
            for i in 0..<cellOf.count where cellOf[i] != UInt32.max && codes[i] != 0 && Int(codes[i]) < width - 1 {
                pairs.append(UInt64(cellOf[i]) << 32 | UInt64(codes[i]))
            }
            pairs.sort()
            var previous = UInt64.max
            for p in pairs where p != previous {
                distinct[Int(p >> 32)] += 1
                previous = p
            }
        }
        return distinct.map { .value(.int($0)) }
    }

    private mutating func sum(_ field: String, _ cellOf: [UInt32], _ cells: Int, average: Bool) -> [CalculationValue] {
        let codes = self.codes(field)
        let numbers = self.numbers(field)
        let integers = !hasFloats(field)
        var ints: [Int64] = []
        if integers, !average, let column = table.column(field), column.hasNumbers {
            let dictionary = column.dictionary
            ints = (0...dictionary.count).map { c in
                dictionary.kinds[c] == ValueKind.int.rawValue ? Int64(bitPattern: dictionary.payloads[c]) : 0
            } + [0]
        }
        var total = [Double](repeating: 0, count: cells)
        var weightSum = [Int64](repeating: 0, count: cells)
        var intTotal = [Int64](repeating: 0, count: cells)
        var overflow = [Bool](repeating: false, count: cells)
        for i in 0..<cellOf.count where cellOf[i] != UInt32.max {
            let x = numbers[Int(codes[i])]
            guard !x.isNaN else { continue }
            let cell = Int(cellOf[i]), w = weight(i)
            total[cell] += x * Double(w)
            weightSum[cell] &+= w
            if !ints.isEmpty, !overflow[cell] {
                let (p, o1) = ints[Int(codes[i])].multipliedReportingOverflow(by: w)
                let (s, o2) = intTotal[cell].addingReportingOverflow(p)
                if o1 || o2 { overflow[cell] = true } else { intTotal[cell] = s }
            }
        }
        return (0..<cells).map { c in
            guard weightSum[c] > 0 else { return .null }
            if average { return .value(.float(total[c] / Double(weightSum[c]))) }
            if !ints.isEmpty, !overflow[c] { return .value(.int(intTotal[c])) }
            return .value(.float(total[c]))
        }
    }

    private mutating func extreme(_ field: String, _ cellOf: [UInt32], _ cells: Int, largest: Bool) -> [CalculationValue] {
        let codes = self.codes(field)
        let numbers = self.numbers(field)
        var best = [Double](repeating: largest ? -.infinity : .infinity, count: cells)
        var bestCode = [UInt32](repeating: 0, count: cells)
        for i in 0..<cellOf.count where cellOf[i] != UInt32.max {
            let x = numbers[Int(codes[i])]
            guard !x.isNaN else { continue }
            let cell = Int(cellOf[i])
            if bestCode[cell] == 0 || (largest ? x > best[cell] : x < best[cell]) {
                best[cell] = x
                bestCode[cell] = codes[i]
            }
        }
        let column = table.column(field)
        return (0..<cells).map { c in
            guard bestCode[c] != 0, let v = column?.value(code: Int(bestCode[c])) else { return .null }
            return .value(v)
        }
    }

    private mutating func heatmap(_ field: String, _ cellOf: [UInt32], _ cells: Int) -> [CalculationValue] {
        let key = Calculation.heatmap(field).description
        guard let column = table.column(field) else {
            heatmapEdges[key] = Query.absentFieldHeatmapEdges
            return [CalculationValue](repeating: .histogram([0]), count: cells)
        }
        if heatmapEdges[key] == nil {
            heatmapEdges[key] = ValueAxis.edges(column.dictionary, codes: column.codes, rows: rows, range: nil,
                                                buckets: heatmapBuckets, scale: .log)
        }
        let edges = heatmapEdges[key] ?? Query.absentFieldHeatmapEdges
        let nv = edges.count - 1
        let bucket = ValueAxis.codeBuckets(column.dictionary, edges: edges)
        let codes = self.codes(field)
        var grid = [Int64](repeating: 0, count: cells * nv)
        for i in 0..<cellOf.count where cellOf[i] != UInt32.max {
            let b = bucket[Int(codes[i])]
            guard b != UInt16.max else { continue }
            grid[Int(cellOf[i]) * nv + Int(b)] &+= weight(i)
        }
        return (0..<cells).map { .histogram(Array(grid[($0 * nv)..<(($0 + 1) * nv)])) }
    }

    private mutating func percentile(_ field: String, _ wanted: Set<Percentile>, _ cellOf: [UInt32], _ cells: Int) -> [Percentile: [CalculationValue]] {
        let codes = self.codes(field)
        let numbers = self.numbers(field)
        let integers = !hasFloats(field)
        // Counting sort of the numeric values by cell.
        var start = [Int](repeating: 0, count: cells + 1)
        for i in 0..<cellOf.count where cellOf[i] != UInt32.max && !numbers[Int(codes[i])].isNaN {
            start[Int(cellOf[i]) + 1] += 1
        }
        for c in 0..<cells { start[c + 1] += start[c] }
        var fill = start
        var values = [Double](repeating: 0, count: start[cells])
        let weighted = !weights.isEmpty
        var w = [UInt32](repeating: 1, count: weighted ? start[cells] : 0)
        for i in 0..<cellOf.count where cellOf[i] != UInt32.max {
            let x = numbers[Int(codes[i])]
            guard !x.isNaN else { continue }
            let cell = Int(cellOf[i])
            values[fill[cell]] = x
            if weighted { w[fill[cell]] = weights[i] }
            fill[cell] += 1
        }
        var out: [Percentile: [CalculationValue]] = [:]
        for p in wanted { out[p] = [CalculationValue](repeating: .null, count: cells) }
        values.withUnsafeMutableBufferPointer { vals in
            w.withUnsafeMutableBufferPointer { wts in
                for c in 0..<cells where start[c + 1] > start[c] {
                    let lo = start[c], hi = start[c + 1]
                    var total: Int64 = 0
                    if weighted { for k in lo..<hi { total &+= Int64(wts[k]) } } else { total = Int64(hi - lo) }
                    for p in wanted {
                        let target = Self.rankTarget(perMille: p.perMille, total: total)
                        let x = QuickSelect.select(vals, weighted ? wts : nil, lo, hi, target: target)
                        let v: Value = integers && x == x.rounded() && abs(x) < 9e18 ? .int(Int64(x)) : .float(x)
                        out[p]?[c] = .value(v)
                    }
                }
            }
        }
        return out
    }

    /// ceil(perMille × total / 1000), at least 1: the weight at which the percentile is reached.
    static func rankTarget(perMille: Int64, total: Int64) -> Int64 {
        let (product, overflow) = perMille.multipliedReportingOverflow(by: total)
        if overflow { return max(1, Int64((Double(perMille) * Double(total) / 1000).rounded(.up))) }
        return max(1, (product + 999) / 1000)
    }
}
