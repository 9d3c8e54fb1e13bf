import KilnIngest

/// The endpoints of the ingest server, read from a request's method and path.
public enum IngestRoute: Equatable, Sendable {
    /// `POST /1/batch/{dataset}`: Honeycomb batch.
    case honeycombBatch(dataset: String)
    /// `POST /1/events/{dataset}`: one Honeycomb event.
    case honeycombEvent(dataset: String)
    /// `POST /1/markers/{dataset}`: add a marker.
    case addMarker(dataset: String)
    /// `GET /1/markers/{dataset}`: list markers.
    case listMarkers(dataset: String)
    /// `POST /v1/traces`: OTLP/HTTP traces.
    case otlpTraces
    /// `POST /v1/logs`: OTLP/HTTP logs.
    case otlpLogs
    /// `POST /api/v2/spans`: Zipkin v2 spans.
    case zipkinSpans
    /// `GET /healthz`: liveness and store status.
    case health

    /// True for the OTLP endpoints, whose errors are `google.rpc.Status` messages.
    var isOTLP: Bool { self == .otlpTraces || self == .otlpLogs }

    static let endpointList = """
    POST /1/batch/{dataset}, POST /1/events/{dataset}, GET|POST /1/markers/{dataset}, \
    POST /v1/traces, POST /v1/logs, POST /api/v2/spans, GET /healthz
    """

    /// The route of `method` and `path` (the path as sent, percent-encoded, without the query).
    /// Dataset names are percent-decoded and may contain `/` (the rest of the path).
    public static func match(method: String, path: String) throws(ServerError) -> IngestRoute {
        let m = method.uppercased()
        var p = path
        if p.count > 1, p.hasSuffix("/"), !p.hasPrefix("/1/") { p.removeLast() }
        func only(_ allowed: String, _ route: IngestRoute) throws(ServerError) -> IngestRoute {
            guard m == allowed || (allowed == "GET" && m == "HEAD") else {
                throw ServerError(code: .methodNotAllowed, message: "\(path) takes \(allowed), not \(m)")
            }
            return route
        }
        switch p {
        case "/v1/traces": return try only("POST", .otlpTraces)
        case "/v1/logs": return try only("POST", .otlpLogs)
        case "/v1/metrics":
            throw ServerError(code: .notFound, message: "OTLP metrics are not supported; Kiln takes traces (/v1/traces) and logs (/v1/logs)")
        case "/api/v2/spans": return try only("POST", .zipkinSpans)
        case "/healthz", "/health": return try only("GET", .health)
        default: break
        }
        for (prefix, kind) in [("/1/batch/", 0), ("/1/events/", 1), ("/1/markers/", 2)] where p.hasPrefix(prefix) {
            let dataset = try datasetName(String(p.dropFirst(prefix.count)))
            switch kind {
            case 0: return try only("POST", .honeycombBatch(dataset: dataset))
            case 1: return try only("POST", .honeycombEvent(dataset: dataset))
            default:
                if m == "GET" || m == "HEAD" { return .listMarkers(dataset: dataset) }
                return try only("POST", .addMarker(dataset: dataset))
            }
        }
        if p == "/1/batch" || p == "/1/events" || p == "/1/markers" {
            throw ServerError(code: .notFound, message: "\(path): the dataset is missing; use \(p)/{dataset}")
        }
        throw ServerError(code: .notFound, message: "no endpoint \(path.prefix(200)); Kiln serves: \(endpointList)")
    }

    /// Percent-decodes a dataset name (`my%20dataset/x` gives `my dataset/x`) and checks it.
    static func datasetName(_ encoded: String) throws(ServerError) -> String {
        var trimmed = Substring(encoded)
        while trimmed.hasSuffix("/") { trimmed.removeLast() }
        guard let decoded = percentDecode(String(trimmed)) else {
            throw ServerError(code: .invalidArgument, message: "the dataset name \"\(encoded.prefix(80))\" has a bad %-escape or is not UTF-8")
        }
        guard !decoded.isEmpty else { throw ServerError(code: .notFound, message: "the dataset name is missing from the path") }
        guard decoded.utf8.count <= 255 else { throw ServerError(code: .invalidArgument, message: "dataset names are 1 to 255 bytes long") }
        guard !decoded.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
            throw ServerError(code: .invalidArgument, message: "the dataset name has control characters")
        }
        return decoded
    }

    /// Percent-decoding; nil for a bad escape or invalid UTF-8.
    static func percentDecode(_ s: String) -> String? {
        var out: [UInt8] = []
        let bytes = Array(s.utf8)
        var i = 0
        while i < bytes.count {
            if bytes[i] == UInt8(ascii: "%") {
                guard i + 2 < bytes.count, let hi = JSONSyntax.hexDigit(bytes[i + 1]), let lo = JSONSyntax.hexDigit(bytes[i + 2]) else { return nil }
                out.append(hi << 4 | lo)
                i += 3
            } else {
                out.append(bytes[i])
                i += 1
            }
        }
        let ok = out.withUnsafeBufferPointer { b in ByteClass.firstInvalidUTF8(b) == nil }
        return ok ? String(decoding: out, as: UTF8.self) : nil
    }
}
