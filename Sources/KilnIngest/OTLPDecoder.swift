/// A decoder of OTLP/HTTP export request bodies: protobuf (``OTLPProtobufDecoder``) or JSON
/// (``OTLPJSONDecoder``), into ``Telemetry`` traces and logs.
package protocol OTLPDecoder {
    /// A decoder holding requests to `limits`.
    init(limits: IngestLimits)
    /// Decodes an `ExportTraceServiceRequest`.
    func decodeTraces(_ body: UnsafeBufferPointer<UInt8>) throws(ServerError) -> Telemetry.Traces
    /// Decodes an `ExportLogsServiceRequest`.
    func decodeLogs(_ body: UnsafeBufferPointer<UInt8>) throws(ServerError) -> Telemetry.Logs
}

/// Counts the spans or log records of one request against ``IngestLimits/maxEventsPerRequest``.
package struct TelemetryItemCounter {
    /// The most items a request may hold.
    package let limit: Int
    /// Items counted so far.
    private(set) var items = 0

    /// A counter for one request under `limits`.
    package init(limits: IngestLimits) {
        limit = limits.maxEventsPerRequest
    }

    /// Counts one more item; 413 once there are more than the limit.
    package mutating func count() throws(ServerError) {
        items += 1
        guard items <= limit else {
            throw ServerError.tooMany("request has too many spans or log records", limit: limit)
        }
    }
}
