/// Pass 1 of a ``BubbleUpAccumulator`` straight from a store's chunk columns, without building
/// a table: the codes are counted where they lie, so a scope costs one read of its bytes
/// and a few counters, not a table of every field's codes (whose first writes alone cost
/// more than the counting).
///
/// ```swift
/// let groups = acc.begin(values) { load the fields filtered on }   // every field's values, no rows
/// for chunk in chunks { acc.count(chunk) }  // ``StoredChunk``: the chunk's groups and columns
/// acc.finishCounting()
/// ```
extension BubbleUpAccumulator {
    /// Makes a tally for every field of `values` (a table holding the fields' values; its
    /// rows are not read), in its column order (the order a table of the scope would have),
    /// while `work` runs on the other core: the counters' first writes overlap a load.
    /// Returns what `work` returns.
    public mutating func begin<T>(_ values: EventTable, while work: () -> T) -> T {
        let both = Parallel.map(2) { i -> Any in i == 0 ? counters(for: values.columns) as Any : work() as Any }
        adopt(both[0] as! [Tally])
        return both[1] as! T
    }

    /// Pass 1 over one stored chunk. Fields of earlier chunks missing from it are absent
    /// from its rows. False when a column does not fit (a code beyond its field's values,
    /// a row id out of the chunk, a field ``begin(_:)`` did not get): the store is corrupt.
    public mutating func count(_ chunk: StoredChunk) -> Bool {
        let batch = chunk.totals()
        var seen = Set<String>()
        var work: [(Tally, StoredCodes)] = []
        for (name, codes) in chunk.columns {
            guard let t = tallies[name], seen.insert(name).inserted else { return false }
            work.append((t, codes))
        }
        for name in names where !seen.contains(name) { tallies[name]?.addAbsent(batch) }
        let maxDistinct = self.maxDistinct
        // Every event in scope and few selected (a box around outliers): the scope is counted
        // without reading groups, the selection from a list of its events.
        var selectedRows: [UInt32]?
        if chunk.rates.isEmpty, batch.selRows + batch.baseRows == Int64(chunk.groups.count), batch.selRows * 8 < Int64(chunk.groups.count) {
            var list: [UInt32] = []
            list.reserveCapacity(Int(batch.selRows))
            for i in 0..<chunk.groups.count where chunk.groups[i] == 2 { list.append(UInt32(i)) }
            selectedRows = list
        }
        let ok = Parallel.map(work.count) { i in
            Self.add(work[i].0, stored: work[i].1, chunk: chunk, selectedRows: selectedRows, batch: batch, maxDistinct: maxDistinct)
        }
        add(batch)
        return !ok.contains(false)
    }

    private static func add(_ t: Tally, stored: StoredCodes, chunk: StoredChunk, selectedRows: [UInt32]?, batch: GroupTotals, maxDistinct: Int) -> Bool {
        guard !t.capped else { return true }
        let d = t.column.valueCount
        let groups = chunk.groups, rates = chunk.rates
        if !rates.isEmpty { t.weigh() }
        switch stored {
        case let .dense(bytes, width):
            guard bytes.count == groups.count * width else { return false }
            if t.dense, let selectedRows {
                switch width {
                case 1: return countAll(bytes, UInt8.self, t, selected: selectedRows, limit: d)
                case 2: return countAll(bytes, UInt16.self, t, selected: selectedRows, limit: d)
                case 4: return countAll(bytes, UInt32.self, t, selected: selectedRows, limit: d)
                default: return false
                }
            }
            if t.dense {
                switch width {
                case 1: return countDense(bytes, UInt8.self, t, groups: groups, rates: rates, limit: d)
                case 2: return countDense(bytes, UInt16.self, t, groups: groups, rates: rates, limit: d)
                case 4: return countDense(bytes, UInt32.self, t, groups: groups, rates: rates, limit: d)
                default: return false
                }
            }
            for i in 0..<groups.count where groups[i] != 0 {
                let c = code(bytes, i, width)
                guard c <= d else { return false }
                t.addSparse(UInt32(c), selected: groups[i] == 2, weight: rates.isEmpty ? 1 : Int64(rates[i]))
            }
        case let .sparse(rowIDs, codes, width, first):
            let present = rowIDs.count / 4
            guard rowIDs.count % 4 == 0, codes.count == present * width else { return false }
            // The events with a value, then code 0 for the rest of the chunk's events.
            var seen = GroupTotals(selWeight: 0, baseWeight: 0, selRows: 0, baseRows: 0)
            var ok = true
            func visit(_ add: (Int, UInt8, Int64) -> Void) {
                for k in 0..<present {
                    let r = Int(UInt32(littleEndian: rowIDs.loadUnaligned(fromByteOffset: k &* 4, as: UInt32.self))) &- first
                    guard r >= 0, r < groups.count else { continue }
                    let g = groups[r]
                    guard g != 0 else { continue }
                    let c = code(codes, k, width), w = rates.isEmpty ? Int64(1) : Int64(rates[r])
                    guard c >= 1, c <= d else {
                        ok = false
                        return
                    }
                    if g == 2 {
                        seen.selRows &+= 1
                        seen.selWeight &+= w
                    } else {
                        seen.baseRows &+= 1
                        seen.baseWeight &+= w
                    }
                    add(c, g, w)
                }
            }
            if t.dense {
                t.raw.withUnsafeMutableBufferPointer { raw in
                    t.weights.withUnsafeMutableBufferPointer { weights in
                        visit { c, g, w in
                            raw[2 &* c] &+= 1
                            raw[2 &* c &+ 1] &+= UInt32(g >> 1)
                            if !weights.isEmpty {
                                weights[2 &* c] &+= w
                                weights[2 &* c &+ 1] &+= g == 2 ? w : 0
                            }
                        }
                    }
                }
            } else {
                visit { c, g, w in t.addSparse(UInt32(c), selected: g == 2, weight: w) }
            }
            guard ok else { return false }
            t.addAbsent(GroupTotals(selWeight: batch.selWeight - seen.selWeight, baseWeight: batch.baseWeight - seen.baseWeight,
                                    selRows: batch.selRows - seen.selRows, baseRows: batch.baseRows - seen.baseRows))
        }
        if !t.dense, t.sparse.count > maxDistinct + 1 {
            t.capped = true
            t.sparse = [:]
        }
        return true
    }

    /// Pass 2 over one stored chunk (after ``finishCounting()``, with the columns of
    /// ``combinationFields`` at least): each event's mask of candidate values (bit i: it has
    /// candidate i's value), counted per mask in scope and in the selection. False when a
    /// column does not fit.
    public mutating func countCombinations(_ chunk: StoredChunk) -> Bool {
        guard histogram != nil else { return true }
        let n = chunk.groups.count
        // Per field with candidates, dataset code → bits (code 0: absent).
        if combinationBits == nil {
            var bitsOf: [String: [UInt16]] = [:]
            for (bit, c) in candidates.enumerated() {
                let name = names[c.column]
                if bitsOf[name] == nil { bitsOf[name] = [UInt16](repeating: 0, count: tallies[name]!.column.valueCount + 1) }
                let code = c.code == 0 ? 0 : Int(unique[c.column][c.code - 1])
                guard code < bitsOf[name]!.count else { return false }
                bitsOf[name]![code] |= UInt16(1) << UInt16(bit)
            }
            combinationBits = bitsOf
        }
        let bitsOf = combinationBits!
        var masks = [UInt16](repeating: 0, count: n)
        let columns = chunk.columns.filter { bitsOf[$0.name] != nil }
        let lacking = bitsOf.filter { entry in entry.value[0] != 0 && !columns.contains { $0.name == entry.key } }.map(\.value[0])
        let halves = Parallel.ranges(n, parts: 2, minimum: 16_384)
        let ok = masks.withUnsafeMutableBufferPointer { masks in
            let shared = SendablePointer(masks)
            return Parallel.map(halves.count) { h in
                Self.orMasks(columns, bitsOf: bitsOf, lacking: lacking, rows: halves[h], into: shared.pointer)
            }
        }
        guard !ok.contains(false) else { return false }
        let groups = chunk.groups, rates = chunk.rates
        if !rates.isEmpty, histogram!.scopeWeights == nil {
            histogram!.scopeWeights = histogram!.scopeRows.map(Int64.init)
            histogram!.selWeights = histogram!.selRows.map(Int64.init)
        }
        var h = histogram!
        histogram = nil
        h.scopeRows.withUnsafeMutableBufferPointer { scope in
            h.selRows.withUnsafeMutableBufferPointer { sel in
                for i in 0..<n where groups[i] != 0 {
                    let m = Int(masks[i]), g = UInt32(groups[i])
                    scope[m] &+= 1
                    sel[m] &+= g >> 1
                }
            }
        }
        if !rates.isEmpty {
            for i in 0..<n where groups[i] != 0 {
                let m = Int(masks[i]), w = Int64(rates[i])
                h.scopeWeights![m] &+= w
                if groups[i] == 2 { h.selWeights![m] &+= w }
            }
        }
        histogram = h
        return true
    }

    /// ORs into the masks of events `rows` the bits of their values of `columns` (each with
    /// a map in `bitsOf`), and `lacking` (the bits of absent of candidate fields the chunk
    /// does not hold). False when a column does not fit.
    private static func orMasks(_ columns: [(name: String, codes: StoredCodes)], bitsOf: [String: [UInt16]], lacking: [UInt16],
                                rows: Range<Int>, into all: UnsafeMutableBufferPointer<UInt16>) -> Bool {
        let masks = UnsafeMutableBufferPointer(rebasing: all[rows])
        for bits in lacking { for i in masks.indices { masks[i] |= bits } }
        for (name, codes) in columns {
            let ok = bitsOf[name]!.withUnsafeBufferPointer { map -> Bool in
                switch codes {
                case let .dense(bytes, width):
                    guard bytes.count == all.count * width else { return false }
                    let part = UnsafeRawBufferPointer(rebasing: bytes[(rows.lowerBound * width)..<(rows.upperBound * width)])
                    switch width {
                    case 1: return orBits(part, UInt8.self, map: map, into: masks)
                    case 2: return orBits(part, UInt16.self, map: map, into: masks)
                    case 4: return orBits(part, UInt32.self, map: map, into: masks)
                    default: return false
                    }
                case let .sparse(rowIDs, codes, width, first):
                    let present = rowIDs.count / 4
                    guard rowIDs.count % 4 == 0, codes.count == present * width else { return false }
                    // Absent everywhere, then the events with a value swap the bits of absent
                    // for those of their value (no other field has these bits).
                    let absent = map[0]
                    if absent != 0 { for i in masks.indices { masks[i] |= absent } }
                    for k in 0..<present {
                        let r = Int(UInt32(littleEndian: rowIDs.loadUnaligned(fromByteOffset: k &* 4, as: UInt32.self))) &- first
                        guard rows.contains(r) else { continue }
                        let c = code(codes, k, width)
                        guard c < map.count else { return false }
                        all[r] = (all[r] & ~absent) | map[c]
                    }
                    return true
                }
            }
            guard ok else { return false }
        }
        return true
    }

    /// ORs `map[code]` into each event's mask, for a dense column of codes `T`; false when a
    /// code has no entry in `map`.
    private static func orBits<T: FixedWidthInteger & UnsignedInteger>(_ bytes: UnsafeRawBufferPointer, _: T.Type, map: UnsafeBufferPointer<UInt16>,
                                                                        into masks: UnsafeMutableBufferPointer<UInt16>) -> Bool {
        let n = min(masks.count, bytes.count / MemoryLayout<T>.size)
        var largest: T = 0
        for i in 0..<n {
            let c = T(littleEndian: bytes.loadUnaligned(fromByteOffset: i &* MemoryLayout<T>.size, as: T.self))
            largest = max(largest, c)
            masks[i] |= map[min(Int(c), map.count - 1)]
        }
        return Int(largest) < map.count
    }

    /// The little-endian code `k` of `width` bytes in `p`.
    @inline(__always) private static func code(_ p: UnsafeRawBufferPointer, _ k: Int, _ width: Int) -> Int {
        switch width {
        case 1: return Int(p[k])
        case 2: return Int(UInt16(littleEndian: p.loadUnaligned(fromByteOffset: k * 2, as: UInt16.self)))
        default: return Int(UInt32(littleEndian: p.loadUnaligned(fromByteOffset: k * 4, as: UInt32.self)))
        }
    }

    /// Counts a dense column of codes `T` into a dense tally when every event is in scope,
    /// none weighted: the scope per code, then the selection from its list of events. Small
    /// dictionaries count in four interleaved lanes, so that runs of one code (a boolean
    /// field) do not wait on their own increments. False when a code exceeds `limit`.
    private static func countAll<T: FixedWidthInteger & UnsignedInteger>(_ bytes: UnsafeRawBufferPointer, _: T.Type, _ t: Tally,
                                                                          selected: [UInt32], limit: Int) -> Bool {
        let n = bytes.count / MemoryLayout<T>.size
        var largest: T = 0
        @inline(__always) func at(_ i: Int) -> T { T(littleEndian: bytes.loadUnaligned(fromByteOffset: i &* MemoryLayout<T>.size, as: T.self)) }
        let slots = limit + 1
        if slots <= 4096 {
            var lanes = [UInt32](repeating: 0, count: 4 * slots)
            lanes.withUnsafeMutableBufferPointer { h in
                var i = 0
                while i + 4 <= n {
                    let a = at(i), b = at(i + 1), c = at(i + 2), e = at(i + 3)
                    largest = max(largest, max(max(a, b), max(c, e)))
                    guard Int(largest) <= limit else { return }
                    h[Int(a)] &+= 1
                    h[slots &+ Int(b)] &+= 1
                    h[2 &* slots &+ Int(c)] &+= 1
                    h[3 &* slots &+ Int(e)] &+= 1
                    i += 4
                }
                while i < n {
                    let a = at(i)
                    largest = max(largest, a)
                    guard Int(largest) <= limit else { return }
                    h[Int(a)] &+= 1
                    i += 1
                }
            }
            guard Int(largest) <= limit else { return false }
            t.raw.withUnsafeMutableBufferPointer { raw in
                for c in 0..<slots { raw[2 &* c] &+= lanes[c] &+ lanes[slots &+ c] &+ lanes[2 &* slots &+ c] &+ lanes[3 &* slots &+ c] }
            }
        } else {
            t.raw.withUnsafeMutableBufferPointer { raw in
                for i in 0..<n {
                    let c = at(i)
                    largest = max(largest, c)
                    guard Int(c) <= limit else { continue }
                    raw[2 &* Int(c)] &+= 1
                }
            }
            guard Int(largest) <= limit else { return false }
        }
        t.raw.withUnsafeMutableBufferPointer { raw in
            for i in selected where Int(i) < n { raw[2 &* Int(at(Int(i))) &+ 1] &+= 1 }
        }
        return true
    }

    /// Counts a dense column of codes `T` into a dense tally: per event, scope += (g + 1) / 2
    /// and selection += g / 2 for its group g (0 out of scope, 1 baseline, 2 selection), with
    /// no branch on the group. False when a code exceeds `limit`.
    private static func countDense<T: FixedWidthInteger & UnsignedInteger>(_ bytes: UnsafeRawBufferPointer, _: T.Type, _ t: Tally,
                                                                            groups: UnsafeBufferPointer<UInt8>,
                                                                            rates: UnsafeBufferPointer<UInt32>, limit: Int) -> Bool {
        let n = groups.count
        var largest: T = 0
        t.raw.withUnsafeMutableBufferPointer { raw in
            if rates.isEmpty {
                for i in 0..<n {
                    let c = T(littleEndian: bytes.loadUnaligned(fromByteOffset: i &* MemoryLayout<T>.size, as: T.self))
                    largest = max(largest, c)
                    guard Int(c) <= limit else { continue }
                    let g = UInt32(groups[i]), at = 2 &* Int(c)
                    raw[at] &+= (g &+ 1) >> 1
                    raw[at &+ 1] &+= g >> 1
                }
                return
            }
            t.weights.withUnsafeMutableBufferPointer { weights in
                for i in 0..<n {
                    let c = T(littleEndian: bytes.loadUnaligned(fromByteOffset: i &* MemoryLayout<T>.size, as: T.self))
                    largest = max(largest, c)
                    guard Int(c) <= limit else { continue }
                    let g = UInt32(groups[i]), at = 2 &* Int(c)
                    let inScope = (g &+ 1) >> 1, selected = g >> 1, w = Int64(rates[i])
                    raw[at] &+= inScope
                    raw[at &+ 1] &+= selected
                    weights[at] &+= w &* Int64(inScope)
                    weights[at &+ 1] &+= w &* Int64(selected)
                }
            }
        }
        return Int(largest) <= limit
    }
}

/// The codes of one field in one stored chunk, as the store keeps them (little-endian).
public enum StoredCodes {
    /// A code of `width` bytes (1, 2 or 4) per event of the chunk's rows read.
    case dense(UnsafeRawBufferPointer, width: Int)
    /// The events that have a value: their rows in the chunk (UInt32 each, ascending) and
    /// their codes of `width` bytes; `first` is the chunk row of the first event read (rows
    /// before it, or past the events read, are left out).
    case sparse(rows: UnsafeRawBufferPointer, codes: UnsafeRawBufferPointer, width: Int, first: Int)
}

/// One stored chunk's events as a BubbleUp counts them: per event its group (0 out of scope,
/// 1 baseline, 2 selection) and sample rate, and the codes of its fields.
public struct StoredChunk {
    /// Per event: 0 out of scope, 1 baseline, 2 selection.
    public var groups: UnsafeBufferPointer<UInt8>
    /// Per event its sample rate; empty when every rate is 1.
    public var rates: UnsafeBufferPointer<UInt32>
    /// The fields the chunk holds, each once.
    public var columns: [(name: String, codes: StoredCodes)]

    public init(groups: UnsafeBufferPointer<UInt8>, rates: UnsafeBufferPointer<UInt32>, columns: [(name: String, codes: StoredCodes)]) {
        self.groups = groups
        self.rates = rates
        self.columns = columns
    }

    /// Events and weights of both groups.
    func totals() -> GroupTotals {
        var g = GroupTotals(selWeight: 0, baseWeight: 0, selRows: 0, baseRows: 0)
        for i in 0..<groups.count where groups[i] != 0 {
            let w = rates.isEmpty ? Int64(1) : Int64(rates[i])
            if groups[i] == 2 {
                g.selRows += 1
                g.selWeight += w
            } else {
                g.baseRows += 1
                g.baseWeight += w
            }
        }
        return g
    }
}

extension StoredChunk {
    /// Per row of a table: 0 out of `scope`, 1 in it, 2 in `selected` too (rows of the scope).
    /// - Complexity: O(rows)
    public static func groups(scope: RowSet, selected: RowSet) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: scope.universe)
        out.withUnsafeMutableBufferPointer { g in
            scope.withIDs { ids in
                if let ids { for r in ids { g[Int(r)] = 1 } } else { g.update(repeating: 1) }
            }
            selected.withIDs { ids in
                if let ids { for r in ids where Int(r) < g.count && g[Int(r)] == 1 { g[Int(r)] = 2 } } else {
                    for i in g.indices where g[i] == 1 { g[i] = 2 }
                }
            }
        }
        return out
    }
}
