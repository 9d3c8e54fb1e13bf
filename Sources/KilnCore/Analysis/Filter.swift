/// The operators of a filter expression `FIELD OP VALUE`.
public enum FilterOperator: String, CaseIterable, Sendable {
    /// Equal: numbers compare numerically (`500` matches `.int(500)` and `.float(500.0)`).
    case equal = "="
    /// Not equal; also matches events that lack the field (as Honeycomb does).
    case notEqual = "!="
    /// Greater than: numerically for numbers and times, by UTF-8 bytes for text.
    case greater = ">"
    /// Greater than or equal.
    case greaterOrEqual = ">="
    /// Less than.
    case less = "<"
    /// Less than or equal.
    case lessOrEqual = "<="
    /// The value's text contains the operand (case-sensitive).
    case contains = "contains"
    /// The value's text does not contain the operand; also matches absent.
    case notContains = "!contains"
    /// The value's text starts with the operand.
    case startsWith = "starts-with"
    /// The event has the field (no operand).
    case exists = "exists"
    /// The event lacks the field (no operand).
    case notExists = "!exists"
    /// Equal to one of a comma-separated list (`status in 500,502,"x y"`).
    case `in` = "in"

    /// True for operators written as words, which need a space before their operand.
    public var isWord: Bool {
        switch self {
        case .contains, .notContains, .startsWith, .exists, .notExists, .in: return true
        default: return false
        }
    }

    /// True when the operator takes no operand.
    public var takesNoValue: Bool { self == .exists || self == .notExists }

    /// True for `>`, `>=`, `<`, `<=`.
    public var isOrdering: Bool {
        switch self {
        case .greater, .greaterOrEqual, .less, .lessOrEqual: return true
        default: return false
        }
    }

    /// Whether an event that lacks the field matches: true only for `!=`, `!contains`, `!exists`.
    public var matchesAbsent: Bool { self == .notEqual || self == .notContains || self == .notExists }
}

/// One filter `FIELD OP VALUE`, e.g. `status >= 500`, `db.replica = pg-r6`,
/// `timestamp >= 2024-05-01T12:00:00Z`, `status in 500,502`, `error exists`.
///
/// Several filters combine with AND (see ``Scope``). The field `timestamp` is the event time;
/// its operands are nanoseconds since the epoch held as `.int`.
///
/// Syntax: `FIELD OP VALUE`, spaces optional around `=`, `!=`, `>`, `>=`, `<`, `<=` (`==` reads
/// as `=`) and required around the word operators (`contains`, `!contains`, `starts-with`,
/// `exists`, `!exists`, `in`; any case). A bare field name is any run of non-space characters
/// up to the operator; one holding spaces, quotes, `=`, `<` or `>` is double-quoted. A value is
/// a double-quoted string (escapes `\"` and `\\` only) or a bare word up to the next space:
/// `true`/`false` are booleans, a JSON number (`500`, `-2.5`, `1e3`; not `007`) is a number,
/// anything else is text. `in` takes a comma-separated list. Timestamp values are RFC 3339 or
/// epoch seconds, milliseconds, microseconds or nanoseconds (``Timestamp/parse(_:)``).
///
/// Semantics, per value of the field (a dictionary value, decided once per distinct value):
/// - An event that lacks the field matches only `!=`, `!contains` and `!exists`.
/// - A number operand (`500`, `2.5`, `-1e3`) matches ints and floats numerically; against a
///   string value it compares the operand's text (`500` matches `"500"`); it never matches a
///   boolean (except through `!=`). `>`/`<` with a number match only numeric values.
/// - `true`/`false` match booleans (and the strings `"true"`/`"false"`).
/// - A text operand (a bare word or a quoted string, even `"500"`) is compared with the value's
///   text form: strings as they are, numbers as written by ``Value/text``, booleans as
///   `true`/`false`. `>`/`<` with text compare string values by their UTF-8 bytes (code point
///   order) and match no numbers.
/// - `contains`, `!contains` and `starts-with` look at the text form of any value,
///   case-sensitively, byte by byte.
/// - `!=` and `!contains` are the exact negations of `=` and `contains`.
public struct Filter: Hashable, Sendable, CustomStringConvertible {
    /// The field name (dotted, as flattened at ingest), or `timestamp` for the event time.
    public var field: String
    /// The operator.
    public var op: FilterOperator
    /// The operands: none for `exists`/`!exists`, one for most operators, any number for `in`.
    public var values: [Value]

    /// Makes a filter from its parts.
    public init(_ field: String, _ op: FilterOperator, _ values: [Value] = []) {
        self.field = field
        self.op = op
        self.values = values
    }

    /// Makes a filter with one operand.
    public init(_ field: String, _ op: FilterOperator, _ value: Value) {
        self.init(field, op, [value])
    }

    /// The filter selecting one group of a GROUP BY or one BubbleUp value: `field = value`,
    /// or `field !exists` for the absent (null) group.
    public static func equal(_ field: String, _ value: Value?) -> Filter {
        guard let value else { return Filter(field, .notExists) }
        return Filter(field, .equal, value)
    }

    /// A filter on the event time: `timestamp OP t` with `t` in nanoseconds since the epoch.
    public static func time(_ op: FilterOperator, _ nanoseconds: Int64) -> Filter {
        Filter(FieldName.timestamp, op, .int(nanoseconds))
    }

    /// True when the filter is on the event time.
    public var isTimestamp: Bool { field == FieldName.timestamp }

    /// Canonical text that ``parse(_:)`` reads back to an equal filter (permalinks use it).
    ///
    /// Field names and text values are written bare when that is unambiguous and double-quoted
    /// otherwise; numbers as ints or shortest round-trip doubles; times in RFC 3339 UTC.
    public var description: String {
        var out = Filter.quoteFieldIfNeeded(field)
        out += " " + op.rawValue
        if op.takesNoValue { return out }
        out += " "
        out += values.map { operandText($0) }.joined(separator: ",")
        return out
    }

    private func operandText(_ v: Value) -> String {
        if isTimestamp, case .int(let ns) = v { return Timestamp.format(ns) }
        switch v {
        case .int(let i): return String(i)
        case .float(let d): return d.isFinite ? Value.format(d) : Filter.quote(d.isNaN ? "nan" : (d > 0 ? "inf" : "-inf"))
        case .bool(let b): return b ? "true" : "false"
        case .string(let s):
            return FilterParser.isSafeBareValue(s) ? s : Filter.quote(s)
        }
    }

    static func quoteFieldIfNeeded(_ name: String) -> String {
        FilterParser.isSafeBareField(name) ? name : quote(name)
    }

    static func quote(_ s: String) -> String {
        var out = "\""
        for ch in s {
            if ch == "\"" || ch == "\\" { out.append("\\") }
            out.append(ch)
        }
        out.append("\"")
        return out
    }

    /// Parses one expression `FIELD OP VALUE`; see ``Filter`` for the syntax and semantics.
    ///
    /// - Throws: ``AnalysisError`` with code `.badFilter`, the expression and the character
    ///   position where it went wrong, e.g. `expected a value after ">="`.
    /// - Complexity: O(length of text)
    public static func parse(_ text: String) throws(AnalysisError) -> Filter {
        var parser = FilterParser(text)
        return try parser.parseFilter()
    }

    /// Parses several expressions (combined with AND by a ``Scope``).
    public static func parseAll(_ texts: [String]) throws(AnalysisError) -> [Filter] {
        var out: [Filter] = []
        for t in texts { out.append(try parse(t)) }
        return out
    }
}
