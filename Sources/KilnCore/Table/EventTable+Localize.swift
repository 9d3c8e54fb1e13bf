extension EventTable {
    /// A copy whose large dictionaries hold only the values its rows use.
    ///
    /// A table loaded for a time window shares its dictionaries with the whole dataset, so a
    /// week of distinct durations or span ids weighs on an answer about two hours: counting
    /// arrays, code maps and scans sized by the dictionary. Columns whose dictionary has more
    /// than `minimumValues` values and more than twice as many values as the table has rows
    /// are coded again against only the values present, in the same order (so ties broken by
    /// code break the same way). Answers about the rows do not change.
    /// - Complexity: O(rows × log rows) per column re-coded.
    public func localized(minimumValues: Int = 4_096) -> EventTable {
        var out = self
        for i in columns.indices {
            let column = columns[i]
            let d = column.valueCount
            guard d > minimumValues, d > 2 * count else { continue }
            // (code, row) pairs sorted: the distinct codes in order, and each row's new code.
            var pairs = Self.codeRowPairs(column.codes, rows: count, limit: UInt32(clamping: d))
            pairs.sort()
            var unique: [UInt32] = []
            var recoded = [UInt32](repeating: 0, count: count)
            for p in pairs {
                let code = UInt32(truncatingIfNeeded: p >> 32)
                if unique.last != code { unique.append(code) }
                recoded[Int(UInt32(truncatingIfNeeded: p))] = UInt32(unique.count)
            }
            pairs = []
            guard let local = column.restricted(to: unique, codes: CodeArray.from(recoded, maxCode: unique.count)) else { continue }
            out.columns[i] = local
        }
        return out
    }

    /// `code << 32 | row` for the first `rows` rows with a code from 1 to `limit`.
    private static func codeRowPairs(_ codes: CodeArray, rows: Int, limit: UInt32) -> [UInt64] {
        func take<C: FixedWidthInteger & UnsignedInteger>(_ c: UnsafeBufferPointer<C>) -> [UInt64] {
            var out: [UInt64] = []
            out.reserveCapacity(rows)
            for r in 0..<min(rows, c.count) {
                let code = UInt32(truncatingIfNeeded: c[r])
                if code != 0 && code <= limit { out.append(UInt64(code) << 32 | UInt64(r)) }
            }
            return out
        }
        switch codes {
        case .u8(let a): return a.withUnsafeBufferPointer { take($0) }
        case .u16(let a): return a.withUnsafeBufferPointer { take($0) }
        case .u32(let a): return a.withUnsafeBufferPointer { take($0) }
        }
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
