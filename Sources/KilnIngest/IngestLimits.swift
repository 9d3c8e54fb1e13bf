/// The limits every request is held to, so one client cannot exhaust the server's memory or
/// hold its connections.
public struct IngestLimits: Sendable, Equatable {
    /// Largest request body as sent (compressed or not), in bytes.
    public var maxBodyBytes: Int
    /// Largest body after decompression, in bytes: inflating stops here (a gzip bomb gets 413).
    public var maxDecodedBytes: Int
    /// Most events in one Honeycomb batch, spans in one OTLP or Zipkin request, or log records.
    public var maxEventsPerRequest: Int
    /// Most fields in one event (after flattening).
    public var maxFieldsPerEvent: Int
    /// Longest string value or field name, in bytes.
    public var maxValueBytes: Int
    /// Deepest nesting of JSON objects/arrays or OTLP values.
    public var maxDepth: Int
    /// Seconds a connection may stay idle (including while its request head is being sent).
    public var idleTimeoutSeconds: Int
    /// Seconds a request body may take to arrive in full.
    public var bodyTimeoutSeconds: Int
    /// Events waiting for the store beyond which requests get 503 with `Retry-After`.
    public var maxQueuedEvents: Int
    /// Connections served at once; further ones wait in the listen backlog until one closes, so
    /// a burst of large bodies holds at most this many bodies in memory.
    public var maxConnections: Int
    /// OTLP/gRPC calls served at once, over all connections; a call past it is answered
    /// UNAVAILABLE with `RetryInfo` before its message is read, so a burst holds at most this
    /// many messages in memory. One connection may open twice as many streams (at least 100).
    public var maxConcurrentCalls: Int

    /// Makes limits; the defaults suit a local collector.
    public init(
        maxBodyBytes: Int = 10 << 20, maxDecodedBytes: Int = 32 << 20, maxEventsPerRequest: Int = 100_000,
        maxFieldsPerEvent: Int = 2_000, maxValueBytes: Int = 1 << 20, maxDepth: Int = 64,
        idleTimeoutSeconds: Int = 30, bodyTimeoutSeconds: Int = 30, maxQueuedEvents: Int = 500_000,
        maxConnections: Int = 64, maxConcurrentCalls: Int = 64
    ) {
        self.maxConnections = maxConnections
        self.maxConcurrentCalls = maxConcurrentCalls
        self.maxBodyBytes = maxBodyBytes
        self.maxDecodedBytes = maxDecodedBytes
        self.maxEventsPerRequest = maxEventsPerRequest
        self.maxFieldsPerEvent = maxFieldsPerEvent
        self.maxValueBytes = maxValueBytes
        self.maxDepth = maxDepth
        self.idleTimeoutSeconds = idleTimeoutSeconds
        self.bodyTimeoutSeconds = bodyTimeoutSeconds
        self.maxQueuedEvents = maxQueuedEvents
    }
}
