import KilnCore

/// SQL expressions over one field of the events table's key/value arrays.
///
/// A field's value in an event sits in the arrays of its type; `kind` is 0 when the event lacks
/// it, else its `ValueKind` raw value (1 string, 2 int, 3 float, 4 bool).
struct FieldSQL {
    let name: String
    private let key: String

    init(_ name: String) {
        self.name = name
        key = SQL.quote(name)
    }

    var hasString: String { "has(s_keys, \(key))" }
    var hasInt: String { "has(i_keys, \(key))" }
    var hasFloat: String { "has(f_keys, \(key))" }
    var hasBool: String { "has(b_keys, \(key))" }
    var string: String { "s_values[indexOf(s_keys, \(key))]" }
    var int: String { "i_values[indexOf(i_keys, \(key))]" }
    var float: String { "f_values[indexOf(f_keys, \(key))]" }
    var bool: String { "b_values[indexOf(b_keys, \(key))]" }
    var kind: String { "multiIf(\(hasString), 1, \(hasInt), 2, \(hasFloat), 3, \(hasBool), 4, 0)" }
    var exists: String { "(\(hasString) OR \(hasInt) OR \(hasFloat) OR \(hasBool))" }

    /// True where the value is a number Kiln computes with (an int, or a float that is not NaN).
    var isNumber: String { "(\(hasInt) OR (\(hasFloat) AND NOT isNaN(\(float))))" }
    /// The value as Float64 (where ``isNumber``).
    var number: String { "if(\(hasInt), toFloat64(\(int)), \(float))" }

    /// The five columns that carry a typed value: kind, string, int, float, bool.
    var valueColumns: [String] { [kind, string, int, float, bool] }

    /// The value from the five columns of ``valueColumns`` as TSV text (unescaped).
    static func value(kind: String, string: String, int: String, float: String, bool: String) -> Value? {
        switch kind {
        case "1": return .string(string)
        case "2": return Int64(int).map(Value.int)
        case "3": return Double(float).map(Value.float)
        case "4": return .bool(bool == "1")
        default: return nil
        }
    }
}

/// Filters and scopes as SQL conditions, with the semantics of `KilnCore`'s `FilterMatcher`.
enum FilterSQL {
    /// The condition of every event of `dataset` in `scope`.
    static func scope(_ scope: Scope, dataset: String) -> String {
        var parts = ["dataset = \(SQL.quote(dataset))"]
        if let from = scope.from {
            parts.append("timestamp_ns >= \(SQL.int(from))")
            parts.append("time >= toDateTime(\(max(0, from / 1_000_000_000)))")
        }
        if let to = scope.to {
            parts.append("timestamp_ns < \(SQL.int(to))")
            parts.append("time <= toDateTime(\(max(0, to / 1_000_000_000 + 1)))")
        }
        parts += scope.filters.map(condition)
        return parts.joined(separator: " AND ")
    }

    /// The condition of one filter.
    static func condition(_ filter: Filter) -> String {
        if filter.field == FieldName.timestamp { return timestamp(filter) }
        let f = FieldSQL(filter.field)
        switch filter.op {
        case .exists: return f.exists
        case .notExists: return "NOT \(f.exists)"
        case .equal:
            guard let v = filter.values.first else { return "0" }
            // One trace by id: the real column `trace_id` (the sharding key) narrows the scan; the
            // typed condition keeps the exact semantics.
            if filter.field == FieldName.traceID, case .string(let s) = v, Double(s) == nil {
                return "(trace_id = \(SQL.quote(s)) AND \(equal(f, v)))"
            }
            return equal(f, v)
        case .notEqual: return "NOT (\(filter.values.first.map { equal(f, $0) } ?? "0"))"
        case .in: return filter.values.isEmpty ? "0" : "(" + filter.values.map { equal(f, $0) }.joined(separator: " OR ") + ")"
        case .contains: return contains(f, filter.values.first)
        case .notContains: return "NOT (\(contains(f, filter.values.first)))"
        case .startsWith:
            guard let v = filter.values.first else { return "0" }
            let t = v.text
            return "(" + texts(f).map { "(\($0.0) AND substring(\($0.1), 1, \(t.utf8.count)) = \(SQL.quote(t)))" }.joined(separator: " OR ") + ")"
        case .greater, .greaterOrEqual, .less, .lessOrEqual:
            guard let v = filter.values.first else { return "0" }
            let op = filter.op.rawValue
            switch v {
            case .int(let i):
                return "((\(f.hasInt) AND \(f.int) \(op) \(SQL.int(i))) OR (\(f.hasFloat) AND \(f.float) \(op) \(SQL.float(Double(i)))))"
            case .float(let d):
                return "((\(f.hasInt) AND toFloat64(\(f.int)) \(op) \(SQL.float(d))) OR (\(f.hasFloat) AND \(f.float) \(op) \(SQL.float(d))))"
            case .string(let s):
                return "(\(f.hasString) AND \(f.string) \(op) \(SQL.quote(s)))"
            case .bool:
                return "0"
            }
        }
    }

    /// `timestamp OP value` on the real time column (operands are ns as ints).
    private static func timestamp(_ filter: Filter) -> String {
        func ns(_ v: Value) -> String {
            switch v {
            case .int(let i): return SQL.int(i)
            case .float(let d): return SQL.float(d)
            default: return "NULL"
            }
        }
        switch filter.op {
        case .exists: return "1"
        case .notExists: return "0"
        case .equal: return filter.values.first.map { "timestamp_ns = \(ns($0))" } ?? "0"
        case .notEqual: return filter.values.first.map { "timestamp_ns != \(ns($0))" } ?? "1"
        case .in: return "(" + filter.values.map { "timestamp_ns = \(ns($0))" }.joined(separator: " OR ") + ")"
        case .greater, .greaterOrEqual, .less, .lessOrEqual:
            return filter.values.first.map { "timestamp_ns \(filter.op.rawValue) \(ns($0))" } ?? "0"
        case .contains, .startsWith: return "0"
        case .notContains: return "1"
        }
    }

    /// (presence, text form) of each kind: strings as they are, ints as written, booleans as
    /// `true`/`false`. Floats are left out: their text form is Swift's, matched by number in
    /// ``equal(_:_:)``.
    private static func texts(_ f: FieldSQL) -> [(String, String)] {
        [(f.hasString, f.string), (f.hasInt, "toString(\(f.int))"), (f.hasBool, "if(\(f.bool) = 1, 'true', 'false')")]
    }

    private static func equal(_ f: FieldSQL, _ v: Value) -> String {
        switch v {
        case .int(let i):
            return "((\(f.hasInt) AND \(f.int) = \(SQL.int(i))) OR (\(f.hasFloat) AND \(f.float) = \(SQL.float(Double(i)))) OR (\(f.hasString) AND \(f.string) = \(SQL.quote(v.text))))"
        case .float(let d):
            return "((\(f.hasInt) AND toFloat64(\(f.int)) = \(SQL.float(d))) OR (\(f.hasFloat) AND \(f.float) = \(SQL.float(d))) OR (\(f.hasString) AND \(f.string) = \(SQL.quote(v.text))))"
        case .bool(let b):
            return "((\(f.hasBool) AND \(f.bool) = \(b ? 1 : 0)) OR (\(f.hasString) AND \(f.string) = \(SQL.quote(v.text))))"
        case .string(let s):
            var parts = texts(f).map { "(\($0.0) AND \($0.1) = \(SQL.quote(s)))" }
            // A float's text is Swift's shortest form: it equals `s` only for the double `s` reads as.
            if let d = Double(s), Value.format(d) == s { parts.append("(\(f.hasFloat) AND \(f.float) = \(SQL.float(d)))") }
            return "(" + parts.joined(separator: " OR ") + ")"
        }
    }

    private static func contains(_ f: FieldSQL, _ v: Value?) -> String {
        guard let v else { return "0" }
        let t = SQL.quote(v.text)
        return "(" + texts(f).map { "(\($0.0) AND position(\($0.1), \(t)) > 0)" }.joined(separator: " OR ") + ")"
    }
}

