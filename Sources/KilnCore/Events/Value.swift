/// A typed field value. JSON null is not a value: an absent field has no `Value`.
public enum Value: Hashable, Sendable {
    case string(String)
    case int(Int64)
    case float(Double)
    case bool(Bool)

    /// The value as a number, when it is one (booleans are not numbers here).
    @inlinable
    public var number: Double? {
        switch self {
        case .int(let i): return Double(i)
        case .float(let d): return d
        case .string, .bool: return nil
        }
    }

    /// The kind of value, as `kiln fields` names it.
    public var kind: ValueKind {
        switch self {
        case .string: return .string
        case .int: return .int
        case .float: return .float
        case .bool: return .bool
        }
    }

    /// The value as plain text, as a table cell shows it (strings unquoted).
    public var text: String {
        switch self {
        case .string(let s): return s
        case .int(let i): return String(i)
        case .float(let d): return Value.format(d)
        case .bool(let b): return b ? "true" : "false"
        }
    }

    /// The shortest text that reads back as the same double, in JSON syntax (never `inf`/`nan`).
    public static func format(_ d: Double) -> String {
        if d.isNaN || d.isInfinite { return "null" }
        if d == d.rounded(), abs(d) < 1e15 {
            return String(Int64(d)) + ".0"
        }
        return "\(d)"
    }
}

/// The kinds of value a field can hold.
public enum ValueKind: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    case absent = 0
    case string = 1
    case int = 2
    case float = 3
    case bool = 4

    public var description: String {
        switch self {
        case .absent: return "absent"
        case .string: return "string"
        case .int: return "int"
        case .float: return "float"
        case .bool: return "bool"
        }
    }
}
