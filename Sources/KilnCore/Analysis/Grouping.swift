/// The group of every row in scope, from the GROUP BY fields' codes.
struct Grouping {
    /// Group per row position (position in the scope's row list).
    var rowGroup: [UInt32]
    /// Codes of the group fields per group, flattened: `keys[g * fields + k]`.
    var keys: [UInt32]
    /// Number of groups.
    var count: Int
    let fields: [String]

    init(table: EventTable, rows: RowSet, fields: [String]) {
        self.fields = fields
        let n = rows.count
        rowGroup = [UInt32](repeating: 0, count: n)
        keys = []
        count = 1
        var groupKeys: [[UInt32]] = [[]]
        for field in fields {
            guard let column = table.column(field) else {
                for k in groupKeys.indices { groupKeys[k].append(0) }
                continue
            }
            let width = column.valueCount + 2
            let limit = UInt32(width - 1)
            var next: [[UInt32]] = []
            let useDense = count * width <= 1 << 22
            var dense = [UInt32](repeating: UInt32.max, count: useDense ? count * width : 0)
            var sparse: [UInt64: UInt32] = [:]
            rowGroup.withUnsafeMutableBufferPointer { rg in
                dense.withUnsafeMutableBufferPointer { table in
                    var i = 0
                    func visit<C: FixedWidthInteger & UnsignedInteger>(_ c: UnsafeBufferPointer<C>) {
                        rows.forEachID { r in
                            let code = min(UInt32(truncatingIfNeeded: c[Int(r)]), limit)
                            let combined = Int(rg[i]) * width + Int(code)
                            if useDense {
                                var id = table[combined]
                                if id == UInt32.max {
                                    id = UInt32(next.count)
                                    next.append(groupKeys[Int(rg[i])] + [code])
                                    table[combined] = id
                                }
                                rg[i] = id
                            } else if let known = sparse[UInt64(combined)] {
                                rg[i] = known
                            } else {
                                let id = UInt32(next.count)
                                next.append(groupKeys[Int(rg[i])] + [code])
                                sparse[UInt64(combined)] = id
                                rg[i] = id
                            }
                            i += 1
                        }
                    }
                    switch column.codes {
                    case .u8(let a): a.withUnsafeBufferPointer { visit($0) }
                    case .u16(let a): a.withUnsafeBufferPointer { visit($0) }
                    case .u32(let a): a.withUnsafeBufferPointer { visit($0) }
                    case .sparse(let s): s.denseCodes.withUnsafeBufferPointer { visit($0) }
                    }
                }
            }
            groupKeys = next
            count = next.count
        }
        if !fields.isEmpty, n == 0 { count = 0; groupKeys = [] }
        keys = groupKeys.flatMap { $0 }
    }

    /// The GROUP BY values of group `g`.
    func values(_ g: Int, table: EventTable) -> [Value?] {
        fields.indices.map { k in
            let code = Int(keys[g * fields.count + k])
            guard code > 0, let column = table.column(fields[k]) else { return nil }
            return column.value(code: code)
        }
    }
}
