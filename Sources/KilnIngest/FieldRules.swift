/// How field names and values are treated on the way in, beyond what the format says: names
/// renamed (`kiln ingest --rename OLD=NEW`, the trace-field spellings of ``traceAliases``) and
/// fields whose values all stay text.
///
/// CSV and logfmt carry no types, so their values are typed per field: a field named like an
/// id (``looksLikeID(_:)``) or one whose values are mostly not numbers keeps every value as
/// text, so hex ids such as `1783240385895e63` are never read as numbers.
public struct FieldRules: Sendable, Equatable {
    /// Old name to new name; applied to flattened names before anything else.
    public var renames: [String: String]
    /// Names (after renaming) whose values stay text.
    public var textNames: Set<String>

    /// Makes rules.
    public init(renames: [String: String] = [:], textNames: Set<String> = []) {
        self.renames = renames
        self.textNames = textNames
    }

    /// The common spellings of the trace fields, to Kiln's names (`trace.trace_id`,
    /// `trace.span_id`, `trace.parent_id`).
    public static let traceAliases: [String: String] = {
        var out: [String: String] = [:]
        for name in ["TraceID", "TraceId", "traceID", "traceId", "trace_id", "traceid", "trace.id"] { out[name] = "trace.trace_id" }
        for name in ["SpanID", "SpanId", "spanID", "spanId", "span_id", "spanid", "span.id"] { out[name] = "trace.span_id" }
        for name in ["ParentID", "ParentId", "parentID", "parentId", "parent_id", "parentid", "ParentSpanID", "ParentSpanId",
                     "parentSpanID", "parentSpanId", "parent_span_id", "parent.id"] {
            out[name] = "trace.parent_id"
        }
        return out
    }()

    /// True for names that hold identifiers: `id`, `uuid`, `guid`, and names ending in `_id`,
    /// `.id`, `-id`, `uuid`, `guid`, or in `Id`/`ID` after a lower-case letter or digit
    /// (`SpanID`, `traceId`; not `valid` or `PID`).
    /// - Complexity: O(length of the name)
    public static func looksLikeID(_ name: String) -> Bool {
        let lower = name.lowercased()
        if lower == "id" || lower.hasSuffix("_id") || lower.hasSuffix(".id") || lower.hasSuffix("-id") || lower.hasSuffix("uuid") || lower.hasSuffix("guid") {
            return true
        }
        guard name.hasSuffix("ID") || name.hasSuffix("Id") else { return false }
        let scalars = Array(name.unicodeScalars)
        guard scalars.count > 2 else { return false }
        let before = scalars[scalars.count - 3]
        return ("a"..."z").contains(before) || ("0"..."9").contains(before)
    }
}
