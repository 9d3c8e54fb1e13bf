/// A set of rows of one ``EventTable``: every row, or a sorted list of row numbers.
///
/// Sorted `UInt32` row ids keep a narrow selection (0.5% of 1M rows = 20 KB) cheap to count
/// field by field, and a wide one still streams through memory in order. "All rows" has no
/// list at all, so scans over an unfiltered scope run over plain column buffers.
/// Tables are limited to 2^32 rows.
public struct RowSet: Sendable, Equatable {
    /// The number of rows of the table the set is drawn from.
    public let universe: Int
    /// Sorted, distinct row ids; nil when the set is every row.
    let ids: [UInt32]?

    /// Every row of a table with `universe` rows.
    public static func all(_ universe: Int) -> RowSet { RowSet(universe: universe, ids: nil) }

    /// No rows.
    public static func empty(_ universe: Int) -> RowSet { RowSet(universe: universe, ids: []) }

    init(universe: Int, ids: [UInt32]?) {
        self.universe = max(0, universe)
        self.ids = ids
    }

    /// A set from row numbers in any order; duplicates and rows outside the table are dropped.
    /// - Complexity: O(n log n)
    public init<S: Sequence>(rows: S, universe: Int) where S.Element == Int {
        var list = rows.filter { $0 >= 0 && $0 < universe && $0 <= Int(UInt32.max) }.map { UInt32($0) }
        list.sort()
        var out: [UInt32] = []
        out.reserveCapacity(list.count)
        for r in list where out.last != r { out.append(r) }
        self.init(universe: universe, ids: out)
    }

    /// How many rows the set holds.
    public var count: Int { ids?.count ?? universe }

    /// True when the set holds every row of the table.
    public var isAll: Bool { count == universe }

    /// True when the set is empty.
    public var isEmpty: Bool { count == 0 }

    /// The row ids in ascending order (materialized for "all rows").
    /// - Complexity: O(count)
    public var rows: [UInt32] {
        if let ids { return ids }
        return (0..<universe).map { UInt32(truncatingIfNeeded: $0) }
    }

    /// True when `row` is in the set.
    /// - Complexity: O(log count)
    public func contains(_ row: Int) -> Bool {
        guard row >= 0, row < universe else { return false }
        guard let ids else { return true }
        var lo = 0, hi = ids.count
        let target = UInt32(truncatingIfNeeded: row)
        while lo < hi {
            let mid = (lo + hi) / 2
            if ids[mid] < target { lo = mid + 1 } else { hi = mid }
        }
        return lo < ids.count && ids[lo] == target
    }

    /// The rows of this set that are not in `other` (both from the same table).
    /// - Complexity: O(count + other.count)
    public func subtracting(_ other: RowSet) -> RowSet {
        if other.isEmpty { return self }
        if other.isAll { return .empty(universe) }
        let b = other.ids ?? []
        if ids == nil { return RowSet(universe: universe, ids: Self.complement(of: b, universe: universe)) }
        let out = b.withUnsafeBufferPointer { b in
            withIDs { a in
                [UInt32](unsafeUninitializedCapacity: count) { out, written in
                    // Branch-free merge: write every row, advance the output only when `other`
                    // does not hold it.
                    var j = 0, w = 0
                    @inline(__always) func visit(_ r: UInt32) {
                        while j < b.count, b[j] < r { j += 1 }
                        let hit = j < b.count && b[j] == r
                        out[w] = r
                        w &+= 1 &- Int(unsafeBitCast(hit, to: UInt8.self))
                        j &+= Int(unsafeBitCast(hit, to: UInt8.self))
                    }
                    if let a {
                        for r in a { visit(r) }
                    } else {
                        for r in 0..<universe { visit(UInt32(truncatingIfNeeded: r)) }
                    }
                    written = w
                }
            }
        }
        return RowSet(universe: universe, ids: out)
    }

    /// The rows of `0..<universe` not in the sorted, distinct list `b`.
    /// - Complexity: O(universe), branch-free: every row is written, the output advances past
    ///   it unless `b` holds it
    private static func complement(of b: [UInt32], universe: Int) -> [UInt32] {
        var inRange = b.count
        while inRange > 0, Int(b[inRange - 1]) >= universe { inRange -= 1 }
        return b.withUnsafeBufferPointer { b in
            [UInt32](unsafeUninitializedCapacity: universe - inRange) { out, written in
                var w = 0, j = 0
                // A sentinel past the last row keeps the loop free of bounds checks on `b`.
                let sentinel = UInt32(truncatingIfNeeded: universe)
                for r in 0..<universe {
                    let row = UInt32(truncatingIfNeeded: r)
                    let next = j < inRange ? b[j] : sentinel
                    let hit = Int(unsafeBitCast(next == row, to: UInt8.self))
                    if w < out.count { out[w] = row }
                    w &+= 1 &- hit
                    j &+= hit
                }
                written = w
            }
        }
    }

    /// Calls `body` with each row id in ascending order.
    func forEachID(_ body: (UInt32) -> Void) {
        if let ids {
            for r in ids { body(r) }
        } else {
            var r: UInt32 = 0
            for _ in 0..<universe {
                body(r)
                r &+= 1
            }
        }
    }

    /// Calls `body` with the row id buffer, or nil for "every row".
    func withIDs<R>(_ body: (UnsafeBufferPointer<UInt32>?) -> R) -> R {
        if let ids { return ids.withUnsafeBufferPointer { body($0) } }
        return body(nil)
    }
}
