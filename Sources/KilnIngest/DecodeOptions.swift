/// Options shared by every decoder.
public struct DecodeOptions: Sendable {
    /// The one field to read the event time from; nil means the first present of
    /// ``defaultTimeFields``.
    public var timestampField: String?
    /// Ingest time in nanoseconds since the epoch: the time of events without a usable time.
    /// The caller sets it (and may update it between chunks); decoders never read the clock.
    public var now: Int64

    /// The time fields looked for, in this order, when no `timestampField` is given.
    public static let defaultTimeFields = ["time", "timestamp", "@timestamp", "ts", "Timestamp"]

    /// Makes options.
    public init(timestampField: String? = nil, now: Int64) {
        self.timestampField = timestampField
        self.now = now
    }

    /// The candidate time-field names, most preferred first.
    var timeFields: [String] {
        if let field = timestampField { return [field] }
        return Self.defaultTimeFields
    }
}
