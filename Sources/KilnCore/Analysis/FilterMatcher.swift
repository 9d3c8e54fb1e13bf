/// Decides a filter once per distinct value of a field: a match byte per dictionary code.
///
/// String values are compared as UTF-8 bytes straight from the dictionary's pool, so a field
/// with a million distinct strings costs no `String` allocations.
struct FilterMatcher {
    let op: FilterOperator
    private let operands: [Operand]

    private struct Operand {
        let value: Value
        /// The operand's text form as UTF-8 (what string values and `contains` compare with).
        let text: [UInt8]
    }

    init(_ filter: Filter) {
        op = filter.op
        operands = filter.values.map { Operand(value: $0, text: Array($0.text.utf8)) }
    }

    /// A match byte (0 or 1) per code of `dictionary`; code 0 (absent) matches per the operator.
    /// - Complexity: O(number of codes × operand length)
    func matchTable(_ dictionary: ValueDictionary) -> [UInt8] {
        let n = dictionary.count + 1
        var out = [UInt8](repeating: 0, count: n)
        out[0] = op.matchesAbsent ? 1 : 0
        guard n > 1 else { return out }
        // Numbers against a number operand are decided inline (a latency column has a code per
        // event); everything else goes through `matches`.
        let numeric = numericOperand
        dictionary.pool.withUnsafeBufferPointer { pool in
            dictionary.kinds.withUnsafeBufferPointer { kinds in
                dictionary.payloads.withUnsafeBufferPointer { payloads in
                    out.withUnsafeMutableBufferPointer { m in
                        for code in 1..<n {
                            let k = kinds[code]
                            if let numeric, k == ValueKind.int.rawValue || k == ValueKind.float.rawValue {
                                m[code] = numeric.matches(kind: k, payload: payloads[code], op: op) ? 1 : 0
                            } else {
                                m[code] = matches(ValueView(kind: k, payload: payloads[code], pool: pool)) ? 1 : 0
                            }
                        }
                    }
                }
            }
        }
        return out
    }

    /// The single number operand of `=`, `!=`, `>`, `>=`, `<`, `<=`.
    private var numericOperand: NumberOperand? {
        guard operands.count == 1, op.isOrdering || op == .equal || op == .notEqual else { return nil }
        switch operands[0].value {
        case .int(let i): return NumberOperand(int: i, double: Double(i))
        case .float(let d): return NumberOperand(int: nil, double: d)
        default: return nil
        }
    }

    private struct NumberOperand {
        let int: Int64?
        let double: Double

        /// Whether an int or float value (kind and payload) passes `op` against the operand.
        @inline(__always) func matches(kind: UInt8, payload: UInt64, op: FilterOperator) -> Bool {
            var c: Int // -1, 0, 1, or 2 when unordered (NaN)
            if kind == ValueKind.int.rawValue, let int {
                let v = Int64(bitPattern: payload)
                c = v < int ? -1 : (v > int ? 1 : 0)
            } else {
                let v = kind == ValueKind.int.rawValue ? Double(Int64(bitPattern: payload)) : Double(bitPattern: payload)
                c = v < double ? -1 : (v > double ? 1 : (v == double ? 0 : 2))
            }
            switch op {
            case .equal: return c == 0
            case .notEqual: return c != 0
            case .greater: return c == 1
            case .greaterOrEqual: return c == 1 || c == 0
            case .less: return c == -1
            case .lessOrEqual: return c == -1 || c == 0
            default: return false
            }
        }
    }

    /// Whether a present value matches.
    func matches(_ v: ValueView) -> Bool {
        switch op {
        case .exists: return true
        case .notExists: return false
        case .equal: return operands.first.map { equal(v, $0) } ?? false
        case .notEqual: return !(operands.first.map { equal(v, $0) } ?? false)
        case .in: return operands.contains { equal(v, $0) }
        case .contains: return contains(v)
        case .notContains: return !contains(v)
        case .startsWith:
            guard let o = operands.first else { return false }
            return v.withText { ByteText.hasPrefix($0, o.text) }
        case .greater, .greaterOrEqual, .less, .lessOrEqual:
            guard let o = operands.first, let c = compare(v, o) else { return false }
            switch op {
            case .greater: return c > 0
            case .greaterOrEqual: return c >= 0
            case .less: return c < 0
            default: return c <= 0
            }
        }
    }

    private func contains(_ v: ValueView) -> Bool {
        guard let o = operands.first else { return false }
        return v.withText { ByteText.contains($0, o.text) }
    }

    private func equal(_ v: ValueView, _ o: Operand) -> Bool {
        switch o.value {
        case .int(let oi):
            switch v.kind {
            case ValueKind.int.rawValue: return v.int == oi
            case ValueKind.float.rawValue: return v.float == Double(oi)
            case ValueKind.string.rawValue: return v.withText { ByteText.equal($0, o.text) }
            default: return false
            }
        case .float(let od):
            switch v.kind {
            case ValueKind.int.rawValue: return Double(v.int) == od
            case ValueKind.float.rawValue: return v.float == od
            case ValueKind.string.rawValue: return v.withText { ByteText.equal($0, o.text) }
            default: return false
            }
        case .bool(let ob):
            switch v.kind {
            case ValueKind.bool.rawValue: return v.bool == ob
            case ValueKind.string.rawValue: return v.withText { ByteText.equal($0, o.text) }
            default: return false
            }
        case .string:
            return v.withText { ByteText.equal($0, o.text) }
        }
    }

    /// -1, 0, 1 comparing the value with the operand, or nil when they do not order.
    private func compare(_ v: ValueView, _ o: Operand) -> Int? {
        switch o.value {
        case .int(let oi):
            switch v.kind {
            case ValueKind.int.rawValue: let i = v.int; return i < oi ? -1 : (i > oi ? 1 : 0)
            case ValueKind.float.rawValue: return Self.compare(v.float, Double(oi))
            default: return nil
            }
        case .float(let od):
            switch v.kind {
            case ValueKind.int.rawValue: return Self.compare(Double(v.int), od)
            case ValueKind.float.rawValue: return Self.compare(v.float, od)
            default: return nil
            }
        case .string:
            guard v.kind == ValueKind.string.rawValue else { return nil }
            return v.withText { ByteText.compare($0, o.text) }
        case .bool:
            return nil
        }
    }

    private static func compare(_ a: Double, _ b: Double) -> Int? {
        if a < b { return -1 }
        if a > b { return 1 }
        if a == b { return 0 }
        return nil
    }
}
