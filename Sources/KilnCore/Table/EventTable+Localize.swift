extension EventTable {
    /// A copy whose large dictionaries hold only the values its rows use.
    ///
    /// A table loaded for a time window shares its dictionaries with the whole dataset, so a
    /// week of distinct durations or span ids weighs on an answer about two hours: counting
    /// arrays, code maps and scans sized by the dictionary. Columns whose dictionary has more
    /// than `minimumValues` values and more than twice as many values as the table has rows
    /// are coded again against only the values present, in the same order (so ties broken by
    /// code break the same way). Answers about the rows do not change.
    /// - Complexity: O(rows + dictionary size / 64) per column re-coded, columns in parallel.
    public func localized(minimumValues: Int = 4_096) -> EventTable {
        let wanted = columns.indices.filter { columns[$0].valueCount > minimumValues && columns[$0].valueCount > 2 * count }
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
    /// - Complexity: O(rows + limit / 64)
    static func recode(_ codes: CodeArray, rows: Int, limit: Int) -> (unique: [UInt32], recoded: [UInt32]) {
        let words = limit / 64 + 1
        var bits = [UInt64](repeating: 0, count: words)
        func code<C: FixedWidthInteger & UnsignedInteger>(_ c: UnsafeBufferPointer<C>, _ r: Int) -> Int {
            let v = Int(truncatingIfNeeded: c[r])
            return v <= limit ? v : 0
        }
        func withCodes<R>(_ body: (_ code: (Int) -> Int) -> R) -> R {
            switch codes {
            case .u8(let a): return a.withUnsafeBufferPointer { p in body { code(p, $0) } }
            case .u16(let a): return a.withUnsafeBufferPointer { p in body { code(p, $0) } }
            case .u32(let a): return a.withUnsafeBufferPointer { p in body { code(p, $0) } }
            case .sparse(let s): return s.denseCodes.withUnsafeBufferPointer { p in body { code(p, $0) } }
            }
        }
        let n = min(rows, codes.count)
        withCodes { code in
            bits.withUnsafeMutableBufferPointer { b in
                for r in 0..<n {
                    let c = code(r)
                    b[c >> 6] |= 1 << UInt64(c & 63)
                }
            }
        }
        bits[0] &= ~1 // code 0 is absence, never a value
        // Ranks before each word, and the codes present in order.
        var before = [UInt32](repeating: 0, count: words)
        var unique: [UInt32] = []
        var total: UInt32 = 0
        for w in 0..<words {
            before[w] = total
            var word = bits[w]
            total &+= UInt32(word.nonzeroBitCount)
            while word != 0 {
                unique.append(UInt32(w * 64 + word.trailingZeroBitCount))
                word &= word - 1
            }
        }
        var recoded = [UInt32](repeating: 0, count: rows)
        withCodes { code in
            bits.withUnsafeBufferPointer { b in
                before.withUnsafeBufferPointer { rank in
                    recoded.withUnsafeMutableBufferPointer { out in
                        for r in 0..<n {
                            let c = code(r)
                            guard c != 0 else { continue }
                            let mask = (UInt64(1) << UInt64(c & 63)) &- 1
                            out[r] = rank[c >> 6] &+ UInt32((b[c >> 6] & mask).nonzeroBitCount) &+ 1
                        }
                    }
                }
            }
        }
        return (unique, recoded)
    }
}

extension EventTable {
    /// ``recode(_:rows:limit:)`` of sparse codes: the distinct codes from 1 to `limit`,
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
            var values = ValueDictionary()
            for c in unique { if let v = dictionary.value(Int(c)) { values.append(v) } }
            guard values.count == unique.count else { return nil }
            return Column(name: name, codes: codes, dictionary: values)
        case .deferred(let deferred):
            guard let restricted = deferred.restricted(to: unique) else { return nil }
            return Column(name: name, codes: codes, deferred: restricted)
        }
    }
}
