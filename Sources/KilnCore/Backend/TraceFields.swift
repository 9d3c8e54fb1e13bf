/// The fields in which a dataset's spans keep their trace id, span id, parent span id and
/// duration: the standard `trace.trace_id`, `trace.span_id`, `trace.parent_id` and
/// `duration_ms`, unless the dataset names its own (`kiln datasets set-trace-fields`).
public struct TraceFields: Sendable, Hashable, CustomStringConvertible {
    /// The field holding the trace id.
    public var trace: String
    /// The field holding the span id.
    public var span: String
    /// The field holding the parent span id.
    public var parent: String
    /// The field holding the span's duration; nil: `duration_ms` (or a `duration_UNIT` field).
    public var duration: String?
    /// The unit of ``duration``: `ms`, `us`, `ns` or `s`.
    public var durationUnit: String

    /// The units a duration may be given in, with milliseconds per unit.
    public static let units: [String: Double] = ["ms": 1, "us": 1e-3, "ns": 1e-6, "s": 1000]

    /// The standard fields (OpenTelemetry as Honeycomb stores it).
    public static let standard = TraceFields(trace: FieldName.traceID, span: FieldName.spanID, parent: FieldName.parentID)

    /// Makes a set of trace fields.
    public init(trace: String, span: String, parent: String, duration: String? = nil, durationUnit: String = "ms") {
        self.trace = trace
        self.span = span
        self.parent = parent
        self.duration = duration
        self.durationUnit = durationUnit
    }

    /// Milliseconds per unit of ``duration``.
    public var millisecondsPerUnit: Double { Self.units[durationUnit] ?? 1 }

    /// `TraceID,SpanID,ParentID` and `,Duration:us` when a duration field is set.
    public var description: String {
        [trace, span, parent].joined(separator: ",") + (duration.map { "," + $0 + ":" + durationUnit } ?? "")
    }

    /// A field and its unit from `Duration:us` (`Duration` alone: milliseconds); nil when the
    /// unit is not one of ``units`` or the name is empty.
    public static func parseDuration(_ text: String) -> (field: String, unit: String)? {
        guard let colon = text.lastIndex(of: ":") else { return text.isEmpty ? nil : (text, "ms") }
        let field = String(text[..<colon]), unit = String(text[text.index(after: colon)...])
        guard !field.isEmpty, units[unit] != nil else { return nil }
        return (field, unit)
    }
}
