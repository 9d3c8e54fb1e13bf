/// One field of an ``EventTable``: a code per row and the values the codes point to.
///
/// The values are held in memory (a ``ValueDictionary``) or, for near-unique strings, left in
/// the store until used (``DeferredValues``). Scans read ``codes``, ``valueCount`` and
/// ``kindCounts``, which never load anything; ``value(code:)`` loads one stored segment;
/// ``dictionary`` loads them all.
public struct Column: Sendable, Equatable {
    /// Where the values are.
    enum Values: Sendable {
        case memory(ValueDictionary)
        case deferred(DeferredValues)
    }

    /// The flattened field name.
    public let name: String
    /// A code per row; 0 where the event lacks the field.
    public internal(set) var codes: CodeArray
    var values: Values

    /// Makes a column whose values are in memory.
    public init(name: String, codes: CodeArray, dictionary: ValueDictionary) {
        self.name = name
        self.codes = codes
        self.values = .memory(dictionary)
    }

    /// Makes a column whose values load on first use.
    public init(name: String, codes: CodeArray, deferred: DeferredValues) {
        self.name = name
        self.codes = codes
        self.values = .deferred(deferred)
    }

    /// Columns are equal when they hold the same codes for the same values.
    public static func == (a: Column, b: Column) -> Bool {
        a.name == b.name && a.codes == b.codes && a.dictionary == b.dictionary
    }

    /// The field's distinct values, all of them (a deferred column loads them here, once).
    public var dictionary: ValueDictionary {
        switch values {
        case .memory(let d): return d
        case .deferred(let d): return d.materialized()
        }
    }

    /// True when the values stay in the store until used.
    public var isDeferred: Bool {
        if case .deferred = values { return true }
        return false
    }

    /// Number of distinct values (the largest code), without loading any.
    public var valueCount: Int {
        switch values {
        case .memory(let d): return d.count
        case .deferred(let d): return d.count
        }
    }

    /// Values per kind, indexed by `ValueKind.rawValue`, without loading any.
    public var kindCounts: [Int] {
        switch values {
        case .memory(let d): return d.kindCounts
        case .deferred(let d): return d.kindCounts
        }
    }

    /// True when every value is an int or a float (and there is at least one).
    public var isNumeric: Bool {
        let k = kindCounts
        return valueCount > 0 && k[Int(ValueKind.int.rawValue)] + k[Int(ValueKind.float.rawValue)] == valueCount
    }

    /// True when some value is an int or a float.
    public var hasNumbers: Bool {
        let k = kindCounts
        return k[Int(ValueKind.int.rawValue)] + k[Int(ValueKind.float.rawValue)] > 0
    }

    /// The value with this code; nil for 0 (absent).
    public func value(code: Int) -> Value? {
        switch values {
        case .memory(let d): return code >= 1 && code <= d.count ? d.value(code) : nil
        case .deferred(let d): return d.value(code)
        }
    }

    /// The value at `row`, nil when absent.
    public func value(at row: Int) -> Value? {
        let c = Int(codes[row])
        return c == 0 ? nil : value(code: c)
    }

    /// Bytes of values held in memory.
    public var valueBytes: Int {
        switch values {
        case .memory(let d): return d.kinds.count * 9 + d.pool.count
        case .deferred(let d): return d.residentBytes
        }
    }

    /// Adds values after the last code (in memory, or to what the deferred source will load).
    mutating func appendValues(_ extra: ValueDictionary) {
        switch values {
        case .memory(var d):
            values = .memory(ValueDictionary())
            if d.count == 0 { d = extra } else { d.append(contentsOf: extra) }
            values = .memory(d)
        case .deferred(let d):
            // A deferred column only grows through its source; values handed in directly
            // (tests, the in-memory tail) turn it back into an in-memory one.
            var all = d.materialized()
            all.append(contentsOf: extra)
            values = .memory(all)
        }
    }

    /// The numeric value per row (NaN where absent or not a number).
    /// - Complexity: O(rows)
    public func numbers() -> [Double] {
        let table = hasNumbers ? dictionary.numberTable() : [Double](repeating: .nan, count: valueCount + 1)
        return table.withUnsafeBufferPointer { t -> [Double] in
            switch codes {
            case .u8(let a): return a.map { t[Int($0)] }
            case .u16(let a): return a.map { t[Int($0)] }
            case .u32(let a): return a.map { t[Int($0)] }
            case .sparse(let sparse):
                var out = [Double](repeating: t[0], count: sparse.count)
                for (i, r) in sparse.rows.enumerated() { out[Int(r)] = t[Int(sparse.codes[i])] }
                return out
            }
        }
    }

    /// How many rows have the field.
    /// - Complexity: O(rows), O(1) when sparse
    public var presentCount: Int {
        switch codes {
        case .u8(let a): return a.reduce(0) { $0 + ($1 == 0 ? 0 : 1) }
        case .u16(let a): return a.reduce(0) { $0 + ($1 == 0 ? 0 : 1) }
        case .u32(let a): return a.reduce(0) { $0 + ($1 == 0 ? 0 : 1) }
        case .sparse(let s): return s.presentCount
        }
    }
}
