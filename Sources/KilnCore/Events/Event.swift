/// One raw event: a time, a sample rate and any number of typed fields.
///
/// Nested input objects arrive here flattened to dotted names (`http.method`); the event time
/// is not among `fields` but is the field `timestamp` in every query.
public struct Event: Equatable, Sendable {
    /// Event time in nanoseconds since the Unix epoch.
    public var timestamp: Int64
    /// How many events this one stands for (Honeycomb's sample rate); at least 1.
    public var sampleRate: Int64
    /// The fields in input order; names are unique.
    public var fields: [Field]

    /// Makes an event.
    public init(timestamp: Int64, sampleRate: Int64 = 1, fields: [Field] = []) {
        self.timestamp = timestamp
        self.sampleRate = max(1, sampleRate)
        self.fields = fields
    }

    /// The value of the field `name`, or nil when it is absent.
    /// - Complexity: O(number of fields)
    public subscript(name: String) -> Value? {
        for field in fields where field.name == name { return field.value }
        return nil
    }
}

/// A named field of an event.
public struct Field: Equatable, Hashable, Sendable {
    /// The flattened field name, e.g. `http.method`.
    public var name: String
    /// The typed value.
    public var value: Value

    /// Makes a field.
    public init(_ name: String, _ value: Value) {
        self.name = name
        self.value = value
    }
}

/// The names Kiln gives to well-known fields.
public enum FieldName {
    /// The event time in queries and filters.
    public static let timestamp = "timestamp"
    /// Latency convention.
    public static let duration = "duration_ms"
    /// Trace id.
    public static let traceID = "trace.trace_id"
    /// Span id.
    public static let spanID = "trace.span_id"
    /// Parent span id.
    public static let parentID = "trace.parent_id"
    /// Service name.
    public static let serviceName = "service.name"
    /// Span or operation name.
    public static let name = "name"
}
