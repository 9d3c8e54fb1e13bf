/// A total order on optional values, used to break ties so that results are deterministic:
/// numbers (ints and floats together, numerically; an int before an equal float), then
/// strings (by UTF-8 bytes), then booleans (false first), then absent.
enum ValueOrder {
    static func rank(_ v: Value?) -> Int {
        switch v {
        case .int, .float: return 0
        case .string: return 1
        case .bool: return 2
        case nil: return 3
        }
    }

    /// True when `a` sorts before `b`.
    static func less(_ a: Value?, _ b: Value?) -> Bool {
        let ra = rank(a), rb = rank(b)
        if ra != rb { return ra < rb }
        switch (a, b) {
        case (.int(let x), .int(let y)): return x < y
        case (.string(let x), .string(let y)): return Array(x.utf8).lexicographicallyPrecedes(Array(y.utf8))
        case (.bool(let x), .bool(let y)): return !x && y
        default:
            let x = a?.number ?? 0, y = b?.number ?? 0
            if x != y { return x < y || (x.isNaN && !y.isNaN) }
            if case .int = a, case .float = b { return true }
            return false
        }
    }
}
