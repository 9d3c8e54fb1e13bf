/// Events reduced to the distinct combinations of a few fields' values, each with the sum of
/// its events' weights: how a scope bigger than memory is answered, part by part.
///
/// A query needs only its GROUP BY, calculation and time-bucket values of each event, and every
/// calculation Kiln has is a function of the *weighted multiset* of those values: COUNT and SUM
/// add weights, percentiles select by cumulative weight, MIN, MAX and COUNT_DISTINCT look at the
/// values present, HEATMAP counts weights per bucket. So parts of a scope (chunks of the store,
/// read one batch at a time) can each be folded into a rollup, and the query run once over the
/// rollup's table, whose rows are the combinations and whose sample rates are their weights,
/// gives the answer the whole scope gives in memory. Its size follows the distinct combinations,
/// never the number of events.
///
/// Codes are the dataset's own (dictionaries are dataset-wide), so parts read separately fold
/// together without looking at any value.
public struct Rollup: Sendable {
    /// The fields kept, in order.
    public let fields: [String]
    /// Width of a time bucket (ns) for series and heatmaps; nil to keep no time.
    public let granularity: Int64?
    /// Where time buckets start counting from (a bucket is `[origin + k × g, origin + (k+1) × g)`).
    public let origin: Int64
    /// The time given to every row when no time is kept, and the earliest one otherwise (a
    /// time inside the scope, so the scope's time filter keeps every row).
    public let floor: Int64

    private var index: [[UInt32]: Int] = [:]
    /// Combinations by packed key (the fast path; see `addPacked`).
    private var packedIndex: [UInt64: Int]?
    /// The number of the first time bucket seen, from which packed keys count buckets.
    private var bucketBase: Int64?
    private var keys: [[UInt32]] = []
    private var times: [Int64] = []
    private var weights: [UInt64] = []
    private var dictionaries: [String: ValueDictionary] = [:]
    /// Whether any event folded in stands for more than one.
    public private(set) var sampled = false
    /// Events folded in (rows, not weights).
    public private(set) var events = 0

    /// A rollup of `fields` (duplicates and `timestamp` are dropped).
    /// - Parameters:
    ///   - granularity: keep time in buckets of this width starting at `origin`; nil for none.
    ///   - floor: a time inside the scope, given to rows (see ``floor``).
    public init(fields: [String], granularity: Int64? = nil, origin: Int64 = 0, floor: Int64) {
        var seen = Set<String>()
        self.fields = fields.filter { $0 != "timestamp" && seen.insert($0).inserted }
        self.granularity = granularity.flatMap { $0 > 0 ? $0 : nil }
        self.origin = origin
        self.floor = floor
    }

    /// Distinct combinations so far.
    public var count: Int { keys.count }

    /// Folds in the rows `rows` of `table` (a part of the dataset, coded against its dictionaries).
    /// - Complexity: O(rows × fields), plus O(dictionary) per field to keep its values.
    public mutating func add(_ table: EventTable, rows: RowSet) {
        let columns = fields.map { table.column($0) }
        for (name, column) in zip(fields, columns) {
            guard let column else { continue }
            // Dictionaries only grow: the part read last holds every value of the earlier ones.
            if (dictionaries[name]?.count ?? 0) < column.valueCount { dictionaries[name] = column.dictionary }
        }
        if addPacked(table, rows: rows, columns: columns) { return }
        var key = [UInt32](repeating: 0, count: fields.count + (granularity == nil ? 0 : 2))
        rows.forEachID { id in
            let r = Int(id)
            let time = fillKey(&key, row: r, table: table, columns: columns)
            fold(key: key, time: time, weight: UInt64(table.sampleRate(r)))
        }
    }

    /// Writes row `r`'s codes (and time, when kept) into `key`; returns the row's time.
    @inline(__always) private func fillKey(_ key: inout [UInt32], row r: Int, table: EventTable, columns: [Column?]) -> Int64 {
        for k in columns.indices { key[k] = columns[k]?.codes[r] ?? 0 }
        let time = timeOf(table.timestamps[r])
        if granularity != nil {
            key[fields.count] = UInt32(truncatingIfNeeded: UInt64(bitPattern: time))
            key[fields.count + 1] = UInt32(truncatingIfNeeded: UInt64(bitPattern: time) >> 32)
        }
        return time
    }

    /// The time a row gets: the start of its bucket (not before ``floor``), or ``floor``.
    @inline(__always) private func timeOf(_ t: Int64) -> Int64 {
        guard let g = granularity else { return floor }
        return Swift.max(origin &+ bucketNumber(t, g) &* g, floor)
    }

    /// The number of the time bucket holding `t`, counted from ``origin``.
    @inline(__always) private func bucketNumber(_ t: Int64, _ g: Int64) -> Int64 {
        let d = t &- origin
        return d >= 0 ? d / g : (d &+ 1) / g &- 1
    }

    /// Adds weight `w` to combination `key`; returns its position.
    @discardableResult
    @inline(__always) private mutating func fold(key: [UInt32], time: Int64, weight w: UInt64) -> Int {
        if w > 1 { sampled = true }
        events += 1
        if let at = index[key] {
            weights[at] &+= w
            return at
        }
        index[key] = keys.count
        keys.append(key)
        times.append(time)
        weights.append(w)
        return keys.count - 1
    }

    /// The fast path: each row's codes (and time bucket) packed into one 64-bit key, column by
    /// column. False, having done nothing, when they do not fit in 64 bits.
    private mutating func addPacked(_ table: EventTable, rows: RowSet, columns: [Column?]) -> Bool {
        let widths = columns.map { c -> Int in
            let n = UInt64((c?.valueCount ?? 0) + 1)
            return 64 - n.leadingZeroBitCount
        }
        let fieldBits = widths.reduce(0, +)
        let timeBits = granularity == nil ? 0 : 64 - fieldBits
        guard fieldBits <= 64, granularity == nil || timeBits >= 16 else { return false }
        let n = rows.count
        var packed = [UInt64](repeating: 0, count: n)
        var ok = true
        packed.withUnsafeMutableBufferPointer { keys in
            rows.withIDs { ids in
                for (k, column) in columns.enumerated() {
                    let shift = UInt64(widths[k])
                    func pack<C: FixedWidthInteger & UnsignedInteger>(_ c: UnsafeBufferPointer<C>) {
                        if let ids {
                            for i in 0..<n { keys[i] = keys[i] << shift | UInt64(c[Int(ids[i])]) }
                        } else {
                            for i in 0..<n { keys[i] = keys[i] << shift | UInt64(c[i]) }
                        }
                    }
                    guard let column else {
                        for i in 0..<n { keys[i] <<= shift }
                        continue
                    }
                    switch column.codes {
                    case .u8(let a): a.withUnsafeBufferPointer { pack($0) }
                    case .u16(let a): a.withUnsafeBufferPointer { pack($0) }
                    case .u32(let a): a.withUnsafeBufferPointer { pack($0) }
                    case .sparse(let s): s.denseCodes.withUnsafeBufferPointer { pack($0) }
                    }
                }
                guard let g = granularity else { return }
                // Time buckets counted from the first one seen (half the range either side),
                // in the bits left.
                table.timestamps.withUnsafeBufferPointer { ts in
                    let bits = min(timeBits, 62)
                    let half = Int64(1) << (bits - 1), limit = (Int64(1) << bits) - 1
                    for i in 0..<n {
                        let number = bucketNumber(ts[Int(ids.map { $0[i] } ?? UInt32(i))], g)
                        if bucketBase == nil { bucketBase = number }
                        let (d, overflow) = number.subtractingReportingOverflow(bucketBase!)
                        let b = d &+ half
                        guard !overflow, b >= 0, b <= limit else { ok = false; return }
                        keys[i] |= UInt64(b) << UInt64(fieldBits)
                    }
                }
            }
        }
        guard ok else { return false }
        if packedIndex == nil { packedIndex = [:] }
        var key = [UInt32](repeating: 0, count: fields.count + (granularity == nil ? 0 : 2))
        rows.withIDs { ids in
            for i in 0..<n {
                let r = ids.map { Int($0[i]) } ?? i
                let w = UInt64(table.sampleRate(r))
                if let at = packedIndex![packed[i]] {
                    if w > 1 { sampled = true }
                    weights[at] &+= w
                    events += 1
                    continue
                }
                let time = fillKey(&key, row: r, table: table, columns: columns)
                packedIndex![packed[i]] = fold(key: key, time: time, weight: w)
            }
        }
        return true
    }

    /// The rollup as a table: a row per combination (more when a weight passes `UInt32.max`),
    /// its sample rate the combination's weight, coded against the dataset's dictionaries.
    public func table() -> EventTable {
        var codes = [[UInt32]](repeating: [], count: fields.count)
        var rowTimes: [Int64] = []
        var rates: [UInt32] = []
        for (k, key) in keys.enumerated() {
            var left = weights[k]
            repeat {
                let w = Swift.min(left, UInt64(UInt32.max))
                for f in fields.indices { codes[f].append(key[f]) }
                rowTimes.append(times[k])
                rates.append(UInt32(w))
                left -= w
            } while left > 0
        }
        var columns: [String: CodeArray] = [:]
        for (f, name) in fields.enumerated() {
            let maxCode = Int(codes[f].max() ?? 0)
            var array = CodeArray(capacityFor: maxCode)
            array.reserveCapacity(codes[f].count)
            for c in codes[f] { array.append(c) }
            columns[name] = array
        }
        var table = EventTable()
        table.appendBlock(timestamps: rowTimes, sampleRates: rates, dictionaries: dictionaries.filter { columns[$0.key] != nil },
                          columns: columns)
        return table
    }
}

extension Query {
    /// The fields a query reads: its filters', GROUP BY and calculations' fields.
    public var fieldsRead: [String] {
        var out: [String] = scope.filters.map(\.field)
        out += groupBy
        for c in calculations { if let f = c.field { out.append(f) } }
        var seen = Set<String>()
        return out.filter { $0 != "timestamp" && seen.insert($0).inserted }
    }

    /// Runs the query over a scope folded part by part into `rollup` (see ``Rollup``), with
    /// the answer the whole scope gives in memory: the rollup's rows already passed the scope's
    /// filters, so only its time range is applied again.
    public func run(rollup: Rollup) throws(AnalysisError) -> QueryResult {
        var q = self
        q.scope.filters = []
        var result = try q.run(rollup.table())
        result.weighted = rollup.sampled
        return result
    }

    /// The rollup that ``run(rollup:)`` needs for this query.
    public func makeRollup() -> Rollup {
        // Series buckets start at multiples of the granularity (see `TimeAxis`); without a
        // series, any time inside the scope will do.
        Rollup(fields: groupBy + calculations.compactMap(\.field), granularity: granularity, origin: 0,
               floor: granularity != nil ? (scope.from ?? .min) : (scope.from ?? scope.to.map { $0 &- 1 } ?? 0))
    }
}
