extension EventTable {
    /// A copy whose large dictionaries hold only the values its rows use.
    ///
    /// A table loaded for a time window shares its dictionaries with the whole dataset, so a
    /// week of distinct durations or span ids weighs on an answer about two hours: counting
    /// arrays, code maps and scans sized by the dictionary. Columns whose dictionary has more
    /// than `minimumValues` values and more than half as many values as the table has rows
    /// are coded again against only the values present, in the same order (so ties broken by
    /// code break the same way): a pass over the rows, instead of passes over the dictionary
    /// in every analysis. Answers about the rows do not change.
    /// - Complexity: O(rows + range of the codes present) per column re-coded, columns in parallel.
    public func localized(minimumValues: Int = 4_096) -> EventTable {
        let wanted = columns.indices.filter { columns[$0].valueCount > minimumValues && 2 * columns[$0].valueCount > count }
        guard !wanted.isEmpty else { return self }
        let table = self
        let local: [Column?] = Parallel.map(wanted.count) { k in
            let column = table.columns[wanted[k]]
            // The codes present, as a bitset over the dictionary; a code's new number is its
            // rank among them (a popcount per 64 codes, so no sort of the rows is needed).
            if case .sparse(let sparse) = column.codes {
                let (unique, recoded) = Self.recode(sparse, limit: column.valueCount)
                return column.restricted(to: unique, codes: .sparse(recoded))
            }
            let (unique, recoded) = Self.recode(column.codes, rows: table.count, limit: column.valueCount)
            return column.restricted(to: unique, codes: CodeArray.from(recoded, maxCode: unique.count))
        }
        var out = self
        for (k, i) in wanted.enumerated() {
            if let column = local[k] { out.columns[i] = column }
        }
        return out
    }

    /// The distinct codes from 1 to `limit` in the first `rows` rows, ascending, and each row's
    /// rank among them (1-based; 0 for absent or out-of-range codes).
    ///
    /// Codes are given in order of first appearance, so a time window's codes mostly sit in a
    /// narrow range (its new values) with a few older ones. When the range between the lowest
    /// and highest code present is at most `denseFactor` times the rows, ranks go in an array
    /// over that range (one lookup per row); otherwise through a bitset over the range with a
    /// popcount per row.
    /// - Complexity: O(rows + range of the codes present)
    static func recode(_ codes: CodeArray, rows: Int, limit: Int, denseFactor: Int = 8) -> (unique: [UInt32], recoded: [UInt32]) {
        switch codes {
        case .u8(let a): return a.withUnsafeBufferPointer { recode($0, rows: rows, limit: limit, denseFactor: denseFactor) }
        case .u16(let a): return a.withUnsafeBufferPointer { recode($0, rows: rows, limit: limit, denseFactor: denseFactor) }
        case .u32(let a): return a.withUnsafeBufferPointer { recode($0, rows: rows, limit: limit, denseFactor: denseFactor) }
        case .sparse(let s): return s.denseCodes.withUnsafeBufferPointer { recode($0, rows: rows, limit: limit, denseFactor: denseFactor) }
        }
    }

    /// ``recode(_:rows:limit:denseFactor:)`` over codes of one width (specialized per width, so
    /// that each row costs a few instructions, not a call).
    @inline(__always)
    private static func recode<C: FixedWidthInteger & UnsignedInteger>(_ p: UnsafeBufferPointer<C>, rows: Int, limit: Int,
                                                                       denseFactor: Int) -> (unique: [UInt32], recoded: [UInt32]) {
        let n = min(rows, p.count)
        // A code past the dictionary (a damaged store) counts as absent.
        @inline(__always) func code(_ r: Int) -> Int {
            let v = Int(truncatingIfNeeded: p[r])
            return v <= limit ? v : 0
        }
        // The range of the codes present (0 is absence).
        var low = Int.max, high = 0
        for r in 0..<n {
            let c = code(r)
            if c != 0 {
                low = min(low, c)
                high = max(high, c)
            }
        }
        var recoded = [UInt32](repeating: 0, count: rows)
        guard high > 0 else { return ([], recoded) }
        let range = high - low + 1
        var unique: [UInt32] = []
        if range <= max(64, denseFactor * n) {
            // Mark, rank in code order, look up.
            var rank = [UInt32](repeating: 0, count: range)
            rank.withUnsafeMutableBufferPointer { m in
                for r in 0..<n {
                    let c = code(r)
                    if c != 0 { m[c - low] = 1 }
                }
                var total = 0
                for i in 0..<range where m[i] != 0 {
                    total &+= 1
                    m[i] = UInt32(truncatingIfNeeded: total)
                }
                unique = [UInt32](unsafeUninitializedCapacity: total) { u, written in
                    var k = 0
                    for i in 0..<range where m[i] != 0 {
                        u[k] = UInt32(truncatingIfNeeded: i + low)
                        k &+= 1
                    }
                    written = k
                }
                recoded.withUnsafeMutableBufferPointer { out in
                    for r in 0..<n {
                        let c = code(r)
                        if c != 0 { out[r] = m[c - low] }
                    }
                }
            }
            return (unique, recoded)
        }
        // A bitset over the range; a code's rank is the bits set before it.
        let base = low & ~63
        let words = (high - base) / 64 + 1
        var bits = [UInt64](repeating: 0, count: words)
        bits.withUnsafeMutableBufferPointer { b in
            for r in 0..<n {
                let c = code(r)
                guard c != 0 else { continue }
                let o = c - base
                b[o >> 6] |= 1 << UInt64(o & 63)
            }
        }
        var before = [UInt32](repeating: 0, count: words)
        var total: UInt32 = 0
        for w in 0..<words {
            before[w] = total
            var word = bits[w]
            total &+= UInt32(word.nonzeroBitCount)
            while word != 0 {
                unique.append(UInt32(base + w * 64 + word.trailingZeroBitCount))
                word &= word - 1
            }
        }
        bits.withUnsafeBufferPointer { b in
            before.withUnsafeBufferPointer { rank in
                recoded.withUnsafeMutableBufferPointer { out in
                    for r in 0..<n {
                        let c = code(r)
                        guard c != 0 else { continue }
                        let o = c - base
                        let mask = (UInt64(1) << UInt64(o & 63)) &- 1
                        out[r] = rank[o >> 6] &+ UInt32((b[o >> 6] & mask).nonzeroBitCount) &+ 1
                    }
                }
            }
        }
        return (unique, recoded)
    }
}

extension EventTable {
    /// ``recode(_:rows:limit:denseFactor:)`` of sparse codes: the distinct codes from 1 to `limit`,
    /// ascending, and the codes again as ranks among them (rows with a code beyond `limit`
    /// become absent).
    /// - Complexity: O(values present × log values present)
    static func recode(_ codes: SparseCodes, limit: Int) -> (unique: [UInt32], recoded: SparseCodes) {
        var unique = Array(Set(codes.codes.lazy.filter { Int($0) <= limit }))
        unique.sort()
        var rank: [UInt32: UInt32] = [:]
        rank.reserveCapacity(unique.count)
        for (i, c) in unique.enumerated() { rank[c] = UInt32(i + 1) }
        var out = SparseCodes(count: codes.count)
        for (i, r) in codes.rows.enumerated() {
            if let c = rank[codes.codes[i]] { out.set(Int(r), c) }
        }
        return (unique, out)
    }
}

extension CodeArray {
    /// `codes` at the narrowest width that holds `maxCode`.
    static func from(_ codes: [UInt32], maxCode: Int) -> CodeArray {
        if maxCode <= Int(UInt8.max) { return .u8(codes.map { UInt8(truncatingIfNeeded: $0) }) }
        if maxCode <= Int(UInt16.max) { return .u16(codes.map { UInt16(truncatingIfNeeded: $0) }) }
        return .u32(codes)
    }
}

extension Column {
    /// This field with only the values of codes `unique` (ascending), as codes
    /// 1...unique.count in that order, over `codes`; nil when its values cannot be restricted.
    func restricted(to unique: [UInt32], codes: CodeArray) -> Column? {
        switch values {
        case .memory(let dictionary):
            guard unique.allSatisfy({ $0 >= 1 && Int($0) <= dictionary.count }) else { return nil }
            return Column(name: name, codes: codes, dictionary: dictionary.restricted(to: unique))
        case .deferred(let deferred):
            guard let restricted = deferred.restricted(to: unique) else { return nil }
            return Column(name: name, codes: codes, deferred: restricted)
        }
    }
}
