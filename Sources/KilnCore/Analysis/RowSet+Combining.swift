extension RowSet {
    /// The rows present in both sets.
    /// - Complexity: O(count + other.count)
    func intersection(_ other: RowSet) -> RowSet {
        if other.isAll { return self }
        if isAll { return RowSet(universe: universe, ids: other.ids) }
        let a = ids ?? [], b = other.ids ?? []
        var out: [UInt32] = []
        var i = 0, j = 0
        while i < a.count, j < b.count {
            if a[i] < b[j] { i += 1 } else if a[i] > b[j] { j += 1 } else { out.append(a[i]); i += 1; j += 1 }
        }
        return RowSet(universe: universe, ids: out)
    }

    /// The set re-based on a table of `count` rows: rows beyond it are dropped.
    func limited(to count: Int) -> RowSet {
        if universe == count { return self }
        guard let ids else { return universe < count ? RowSet(rows: 0..<universe, universe: count) : .all(count) }
        return RowSet(universe: count, ids: ids.filter { Int($0) < count })
    }
}
