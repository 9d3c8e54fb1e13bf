/// Options shared by every decoder.
public struct DecodeOptions: Sendable {
    /// The one field to read the event time from; nil means the first present of
    /// ``defaultTimeFields``.
    public var timestampField: String?
    /// Ingest time in nanoseconds since the epoch: the time of events without a usable time.
    /// The caller sets it (and may update it between chunks); decoders never read the clock.
    public var now: Int64
    /// Fields to rename on the way in, old name to new name (`kiln ingest --rename OLD=NEW`).
    public var renames: [String: String] = [:]
    /// Whether the common spellings of the trace fields (``FieldRules/traceAliases``: `TraceID`,
    /// `traceId`, `span_id`, `parentSpanId`, ...) become `trace.trace_id`, `trace.span_id` and
    /// `trace.parent_id`, so that traces open whatever the source called them.
    public var recognizesTraceFields = true

    /// The time fields looked for, in this order, when no `timestampField` is given.
    public static let defaultTimeFields = ["time", "timestamp", "@timestamp", "ts", "Timestamp"]

    /// Makes options.
    public init(timestampField: String? = nil, now: Int64) {
        self.timestampField = timestampField
        self.now = now
    }

    /// The renames in force: the trace aliases (unless turned off), then `renames`, which win.
    var rules: FieldRules {
        var all = recognizesTraceFields ? FieldRules.traceAliases : [:]
        for (old, new) in renames { all[old] = new }
        return FieldRules(renames: all)
    }

    /// The candidate time-field names, most preferred first.
    var timeFields: [String] {
        if let field = timestampField { return [field] }
        return Self.defaultTimeFields
    }
}
