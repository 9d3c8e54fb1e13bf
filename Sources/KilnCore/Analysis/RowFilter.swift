/// Filters compiled against one table: a time window plus a match byte per dictionary code
/// for every other filter, applied to a ``RowSet`` one pass per filter.
struct RowFilter {
    /// Inclusive bounds on the event time (from `from`/`to` and ordering filters on `timestamp`).
    private var timeLow = Int64.min
    private var timeHigh = Int64.max
    /// `timestamp =`/`!=`/`in` filters that are not ranges.
    private var timeSets: [(times: Set<Int64>, negate: Bool)] = []
    /// Per-code match tables, one per filter on a field column.
    private var codeFilters: [(codes: CodeArray, match: [UInt8])] = []
    /// True when some filter can match no row at all.
    private var matchesNothing = false

    /// Compiles `filters` and the half-open time window `from..<to` against `table`.
    /// - Complexity: O(sum of the filtered fields' dictionary sizes)
    init(_ filters: [Filter], table: EventTable, from: Int64? = nil, to: Int64? = nil) {
        if let from { timeLow = max(timeLow, from) }
        if let to {
            if to == Int64.min { matchesNothing = true } else { timeHigh = min(timeHigh, to - 1) }
        }
        for filter in filters {
            if filter.isTimestamp { addTimeFilter(filter) } else { addFieldFilter(filter, table: table) }
        }
        if timeLow > timeHigh { matchesNothing = true }
    }

    /// True when applying the filter changes nothing.
    var isEmpty: Bool {
        !matchesNothing && timeLow == .min && timeHigh == .max && timeSets.isEmpty && codeFilters.isEmpty
    }

    private mutating func addFieldFilter(_ filter: Filter, table: EventTable) {
        guard let column = table.column(filter.field) else {
            // Every event lacks the field.
            if !filter.op.matchesAbsent { matchesNothing = true }
            return
        }
        var match = FilterMatcher(filter).matchTable(column.dictionary)
        var any = false, all = true
        for m in match {
            if m != 0 { any = true } else { all = false }
        }
        if !any { matchesNothing = true; return }
        if all { return }
        match.append(0) // codes beyond the dictionary (a damaged table) match nothing
        codeFilters.append((column.codes, match))
    }

    private static func nanoseconds(_ v: Value) -> Int64? {
        switch v {
        case .int(let i): return i
        case .float(let d): return d.isFinite && abs(d) < 9.2e18 ? Int64(d.rounded()) : nil
        case .string(let s): return Timestamp.parse(s)
        case .bool: return nil
        }
    }

    private mutating func addTimeFilter(_ filter: Filter) {
        let times = filter.values.compactMap(Self.nanoseconds)
        switch filter.op {
        case .exists, .notContains: return
        case .notExists, .contains, .startsWith: matchesNothing = true
        case .greater:
            guard let t = times.first, t < Int64.max else { matchesNothing = true; return }
            timeLow = max(timeLow, t + 1)
        case .greaterOrEqual:
            guard let t = times.first else { matchesNothing = true; return }
            timeLow = max(timeLow, t)
        case .less:
            guard let t = times.first, t > Int64.min else { matchesNothing = true; return }
            timeHigh = min(timeHigh, t - 1)
        case .lessOrEqual:
            guard let t = times.first else { matchesNothing = true; return }
            timeHigh = min(timeHigh, t)
        case .equal:
            guard let t = times.first else { matchesNothing = true; return }
            timeLow = max(timeLow, t)
            timeHigh = min(timeHigh, t)
        case .notEqual:
            guard let t = times.first else { return }
            timeSets.append(([t], true))
        case .in:
            guard !times.isEmpty else { matchesNothing = true; return }
            timeSets.append((Set(times), false))
        }
    }

    /// The rows of `rows` that pass every filter.
    /// - Complexity: O(rows.count) per filter, each pass over the survivors of the previous.
    func apply(to rows: RowSet, table: EventTable) -> RowSet {
        if matchesNothing { return .empty(rows.universe) }
        var current = rows
        if timeLow != .min || timeHigh != .max {
            current = table.timestamps.withUnsafeBufferPointer { ts in
                RowFilter.select(current, TimeRange(times: ts, low: timeLow, span: UInt64(bitPattern: timeHigh &- timeLow)))
            }
        }
        for (times, negate) in timeSets where !current.isEmpty {
            current = table.timestamps.withUnsafeBufferPointer { ts in
                RowFilter.select(current, TimeSet(times: ts, set: times, negate: negate))
            }
        }
        for (codes, match) in codeFilters where !current.isEmpty {
            current = match.withUnsafeBufferPointer { m in
                switch codes {
                case .u8(let a): return a.withUnsafeBufferPointer { RowFilter.select(current, CodeMatch(codes: $0, match: m)) }
                case .u16(let a): return a.withUnsafeBufferPointer { RowFilter.select(current, CodeMatch(codes: $0, match: m)) }
                case .u32(let a): return a.withUnsafeBufferPointer { RowFilter.select(current, CodeMatch(codes: $0, match: m)) }
                case .sparse(let s):
                    // Absent rows failing the filter: only the values present need a look.
                    if m[0] == 0 { return current.keeping(s, match: m) }
                    return s.denseCodes.withUnsafeBufferPointer { RowFilter.select(current, CodeMatch(codes: $0, match: m)) }
                }
            }
        }
        return current
    }

    /// The rows of `rows` for which `predicate` holds, split across cores for big sets.
    private static func select<P: RowPredicate>(_ rows: RowSet, _ predicate: P) -> RowSet {
        let n = rows.count
        let ranges = Parallel.ranges(n, parts: 2, minimum: 131_072)
        let pieces: [[UInt32]] = rows.withIDs { ids in
            let shared = SendableBox((ids, predicate))
            return Parallel.map(ranges.count) { part in
                let (ids, predicate) = shared.value
                let range = ranges[part]
                return [UInt32](unsafeUninitializedCapacity: range.count) { out, written in
                    var w = 0
                    if let ids {
                        for i in range {
                            let r = ids[i]
                            out[w] = r
                            w &+= predicate.keep(Int(r))
                        }
                    } else {
                        for i in range {
                            out[w] = UInt32(truncatingIfNeeded: i)
                            w &+= predicate.keep(i)
                        }
                    }
                    written = w
                }
            }
        }
        let kept = pieces.reduce(0) { $0 + $1.count }
        if kept == rows.universe { return .all(rows.universe) }
        if pieces.count == 1 { return RowSet(universe: rows.universe, ids: pieces[0]) }
        var all: [UInt32] = []
        all.reserveCapacity(pieces.reduce(0) { $0 + $1.count })
        for p in pieces { all.append(contentsOf: p) }
        return RowSet(universe: rows.universe, ids: all)
    }
}

/// A test of one row, specialized per kind so that the selection loop inlines it. It answers
/// 1 or 0 rather than a `Bool` so that the loop adds it without a branch: a scattered 50%
/// selection would otherwise mispredict every other row.
private protocol RowPredicate {
    func keep(_ row: Int) -> Int
}

@inline(__always) private func bit(_ b: Bool) -> Int { Int(unsafeBitCast(b, to: UInt8.self)) }

private struct TimeRange: RowPredicate {
    let times: UnsafeBufferPointer<Int64>
    let low: Int64
    let span: UInt64
    @inline(__always) func keep(_ row: Int) -> Int { bit(UInt64(bitPattern: times[row] &- low) <= span) }
}

private struct TimeSet: RowPredicate {
    let times: UnsafeBufferPointer<Int64>
    let set: Set<Int64>
    let negate: Bool
    @inline(__always) func keep(_ row: Int) -> Int { bit(set.contains(times[row]) != negate) }
}

private struct CodeMatch<C: FixedWidthInteger & UnsignedInteger>: RowPredicate {
    let codes: UnsafeBufferPointer<C>
    let match: UnsafeBufferPointer<UInt8>
    @inline(__always) func keep(_ row: Int) -> Int { Int(match[min(Int(codes[row]), match.count - 1)]) }
}
