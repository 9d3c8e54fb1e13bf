/// The codes of a column that most rows lack: the rows that have a value, ascending, and a
/// code for each. What it costs follows the values present, not the rows.
///
/// A table of 100,000 events each with 2 of 20,000 attribute names holds 200,000 values; as
/// dense columns (a code per row per field) it would take 2 GB. ``CodeArray/sparse(_:)``
/// holds such a column; scans that run over every field (loading, BubbleUp, localizing,
/// an event's fields) go through the values present, and the rest see the dense codes
/// through ``CodeArray/densified(holding:)``.
public struct SparseCodes: Sendable {
    /// Rows in all, present or not.
    public internal(set) var count: Int
    /// The rows that have a code other than 0, ascending and distinct.
    public internal(set) var rows: [UInt32]
    /// The code of each of `rows`, never 0.
    public internal(set) var codes: [UInt32]
    /// False while a write out of row order awaits ``normalize()``.
    var ordered = true

    /// `count` rows, all absent.
    public init(count: Int = 0) {
        self.count = count
        rows = []
        codes = []
    }

    /// Rows `rows` (ascending, distinct, below `count`) with `codes` (non-zero), the others absent.
    public init(count: Int, rows: [UInt32], codes: [UInt32]) {
        precondition(rows.count == codes.count, "sparse codes: \(rows.count) rows, \(codes.count) codes")
        self.count = count
        self.rows = rows
        self.codes = codes
    }

    /// Number of rows with a code.
    @inlinable public var presentCount: Int { rows.count }

    /// Largest code held (0 when none).
    public var maxCode: UInt32 { codes.max() ?? 0 }

    /// Position in ``rows`` of the first row at or after `row`.
    /// - Complexity: O(log presentCount)
    func lowerBound(_ row: Int) -> Int {
        var lo = 0, hi = rows.count
        let target = UInt32(truncatingIfNeeded: max(0, row))
        if row > Int(UInt32.max) { return rows.count }
        while lo < hi {
            let mid = (lo &+ hi) / 2
            if rows[mid] < target { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    /// The code at `row` (0 when absent).
    /// - Complexity: O(log presentCount)
    public subscript(row: Int) -> UInt32 {
        let i = lowerBound(row)
        return i < rows.count && Int(rows[i]) == row ? codes[i] : 0
    }

    /// Makes room for `present` values in all, growing geometrically (a reservation per chunk
    /// loaded must not copy the values each time).
    mutating func reserveCapacity(_ present: Int) {
        guard rows.capacity < present || codes.capacity < present else { return }
        let room = max(present, 2 * rows.count)
        rows.reserveCapacity(room)
        codes.reserveCapacity(room)
    }

    /// Adds a code at `row`, the last row written so far or later in the usual case; codes of
    /// 0 add nothing.
    mutating func set(_ row: Int, _ code: UInt32) {
        guard code != 0 else { return }
        if let last = rows.last, Int(last) >= row { ordered = false }
        rows.append(UInt32(truncatingIfNeeded: row))
        codes.append(code)
    }

    /// Sorts what was written out of order by row; of two codes written at one row, the later
    /// one stays (as a dense write would leave it).
    mutating func normalize() {
        guard !ordered else { return }
        let order = rows.indices.sorted { rows[$0] != rows[$1] ? rows[$0] < rows[$1] : $0 < $1 }
        var r: [UInt32] = [], c: [UInt32] = []
        r.reserveCapacity(order.count)
        c.reserveCapacity(order.count)
        for i in order {
            if r.last == rows[i] {
                c[c.count - 1] = codes[i]
            } else {
                r.append(rows[i])
                c.append(codes[i])
            }
        }
        rows = r
        codes = c
        ordered = true
    }

    /// Drops rows from `n` on.
    mutating func truncate(to n: Int) {
        guard n < count else { return }
        let keep = lowerBound(n)
        rows.removeLast(rows.count - keep)
        codes.removeLast(codes.count - keep)
        count = max(0, n)
    }

    /// Appends the rows of `other` after these.
    mutating func append(contentsOf other: SparseCodes) {
        let base = UInt32(truncatingIfNeeded: count)
        rows.append(contentsOf: other.rows.lazy.map { $0 &+ base })
        codes.append(contentsOf: other.codes)
        count += other.count
    }

    /// The codes of every row as one array.
    /// - Complexity: O(count)
    public var denseCodes: [UInt32] {
        var out = [UInt32](repeating: 0, count: count)
        out.withUnsafeMutableBufferPointer { o in
            for (i, r) in rows.enumerated() where Int(r) < o.count { o[Int(r)] = codes[i] }
        }
        return out
    }

    /// The codes of every row at the narrowest width that holds codes up to `maxCode`.
    /// - Complexity: O(count)
    func dense(holding maxCode: Int) -> CodeArray {
        func fill<T: FixedWidthInteger & UnsignedInteger>(_ type: T.Type) -> [T] {
            var out = [T](repeating: 0, count: count)
            out.withUnsafeMutableBufferPointer { o in
                for (i, r) in rows.enumerated() where Int(r) < o.count { o[Int(r)] = T(truncatingIfNeeded: codes[i]) }
            }
            return out
        }
        let top = max(maxCode, Int(self.maxCode))
        if top <= Int(UInt8.max) { return .u8(fill(UInt8.self)) }
        if top <= Int(UInt16.max) { return .u16(fill(UInt16.self)) }
        return .u32(fill(UInt32.self))
    }

    /// Bytes held: a row id and a code per value present.
    public var byteCount: Int { rows.count * 8 }

    /// True when `present` values among `rows` rows are few enough to hold sparsely: at most
    /// one row in ``density``. Dense codes take 1 to 4 bytes a row, sparse ones 8 bytes a value.
    @inlinable public static func fits(present: Int, rows: Int) -> Bool {
        present <= rows / density
    }

    /// A column is held sparsely while at most one row in this many has a value.
    public static let density = 16
}

extension CodeArray {
    /// True when the codes are held sparsely.
    public var isSparse: Bool {
        if case .sparse = self { return true }
        return false
    }

    /// Codes that equal these row for row, at the narrowest width holding `maxCode`, dense.
    public func densified(holding maxCode: Int = 0) -> CodeArray {
        if case .sparse(let s) = self { return s.dense(holding: maxCode) }
        return self
    }

    /// Bytes held by the codes.
    public var byteCount: Int {
        if case .sparse(let s) = self { return s.byteCount }
        return count * width
    }

    /// True when the two hold the same code at every row: dense arrays of different widths
    /// are different (as before sparse codes), sparse ones equal the dense ones they stand for.
    public static func == (a: CodeArray, b: CodeArray) -> Bool {
        switch (a, b) {
        case (.u8(let x), .u8(let y)): return x == y
        case (.u16(let x), .u16(let y)): return x == y
        case (.u32(let x), .u32(let y)): return x == y
        case (.sparse(let x), .sparse(let y)): return x.count == y.count && x.rows == y.rows && x.codes == y.codes
        case (.sparse(let s), let d), (let d, .sparse(let s)):
            guard s.count == d.count else { return false }
            var next = 0
            for row in 0..<d.count {
                let c = d[row]
                if next < s.rows.count, Int(s.rows[next]) == row {
                    guard c == s.codes[next] else { return false }
                    next += 1
                } else if c != 0 {
                    return false
                }
            }
            return true
        default: return false
        }
    }
}

extension CodeArray {
    /// Appends `other` when one of the two is sparse. Sparse codes stay sparse while the values
    /// present fit (``SparseCodes/fits(present:rows:)``); dense ones stay dense.
    /// - Complexity: O(other.count), or O(count + other.count) when sparse codes become dense
    mutating func appendSparse(_ other: CodeArray) {
        switch self {
        case .sparse(var s):
            if case .sparse(let b) = other {
                self = .u8([])
                s.append(contentsOf: b)
                self = .sparse(s)
                return
            }
            var present = 0
            for row in 0..<other.count where other[row] != 0 { present += 1 }
            guard SparseCodes.fits(present: s.presentCount + present, rows: s.count + other.count) else {
                var dense = s.dense(holding: 0)
                dense.append(contentsOf: other)
                self = dense
                return
            }
            self = .u8([])
            let base = s.count
            for row in 0..<other.count {
                let c = other[row]
                if c != 0 { s.set(base + row, c) }
            }
            s.count += other.count
            self = .sparse(s)
        default:
            append(contentsOf: other.densified())
        }
    }
}

extension RowSet {
    /// The rows of this set that have a value in `codes` whose `match` entry is not 0 (codes
    /// past the end of `match` take its last entry).
    /// - Complexity: O(values present × log count)
    func keeping(_ codes: SparseCodes, match: UnsafeBufferPointer<UInt8>) -> RowSet {
        var out: [UInt32] = []
        for (k, r) in codes.rows.enumerated() where match[min(Int(codes.codes[k]), match.count - 1)] != 0 && contains(Int(r)) {
            out.append(r)
        }
        if out.count == universe { return .all(universe) }
        return RowSet(universe: universe, ids: out)
    }
}

extension SparseCodes {
    /// The codes of `dense` that are not 0, held sparsely.
    /// - Complexity: O(dense.count)
    public init(_ dense: CodeArray) {
        if case .sparse(let s) = dense {
            self = s
            return
        }
        self.init(count: dense.count)
        for row in 0..<dense.count {
            let c = dense[row]
            if c != 0 { set(row, c) }
        }
    }
}
