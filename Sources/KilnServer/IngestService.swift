import KilnIngest
import Foundation
import KilnCore
import KilnStore

/// A request as the ingest service sees it: the HTTP layer has routed it and decoded its body.
struct IngestRequest {
    /// Header values by lowercase name.
    var headers: [String: String]
    /// The body after `Content-Encoding` was undone.
    var body: [UInt8]

    func header(_ name: String) -> String? { headers[name] }
}

/// A reply: status, content type, extra headers and body.
struct IngestReply: Equatable {
    var status: Int
    var contentType: String
    var headers: [(String, String)] = []
    var body: [UInt8]

    static func == (a: IngestReply, b: IngestReply) -> Bool {
        a.status == b.status && a.contentType == b.contentType && a.body == b.body
            && a.headers.map(\.0) == b.headers.map(\.0) && a.headers.map(\.1) == b.headers.map(\.1)
    }

    static func json(_ status: Int, _ text: String) -> IngestReply {
        IngestReply(status: status, contentType: "application/json", body: Array(text.utf8))
    }

    /// `{"error": message}` with the error's status (and `Retry-After` for 503).
    static func error(_ e: ServerError) -> IngestReply {
        var text = "{\"error\":"
        JSONText.appendString(e.message, to: &text)
        text += "}"
        var reply = json(e.status, text)
        if let after = e.retryAfter { reply.headers.append(("Retry-After", String(after))) }
        return reply
    }
}

/// The ingest endpoints without the HTTP server: decodes bodies, hands events to the
/// ``CommitQueue`` and answers each protocol the way its clients expect.
final class IngestService: Sendable {
    let limits: IngestLimits
    /// Gives large bodies' memory back after a burst.
    let memoryRelease = MemoryRelease()
    let keys: APIKeys
    let storePath: String
    let queue: CommitQueue
    let clock: @Sendable () -> Int64

    /// The store as `/healthz` shows it.
    let storeName: String
    /// Where `/1/markers` adds and lists markers.
    let markers: MarkerAccess

    init(storePath: String, storeName: String? = nil, markers: MarkerAccess? = nil, limits: IngestLimits, keys: APIKeys, queue: CommitQueue,
         clock: @escaping @Sendable () -> Int64) {
        self.storePath = storePath
        self.storeName = storeName ?? storePath
        self.markers = markers ?? .file(storePath)
        self.limits = limits
        self.keys = keys
        self.queue = queue
        self.clock = clock
    }

    /// Checks the request's API key (when keys are configured); 401 otherwise.
    func authorize(_ header: (String) -> String?) throws(ServerError) {
        guard keys.isRequired else { return }
        guard let candidate = APIKeys.candidate(header) else {
            throw ServerError(code: .unauthorized, message: "an API key is required: send it in X-Honeycomb-Team or Authorization: Bearer")
        }
        guard keys.accepts(candidate) else { throw ServerError(code: .unauthorized, message: "unknown API key") }
    }

    /// The error reply for `route` (OTLP errors are `google.rpc.Status` in the request's format).
    func errorReply(_ e: ServerError, route: IngestRoute?, contentType: String?) -> IngestReply {
        guard let route, route.isOTLP else { return .error(e) }
        let json = Self.mediaType(contentType) == "application/json"
        let body = OTLPResponse.status(code: OTLPResponse.grpcCode(httpStatus: e.status), message: e.message, json: json)
        var reply = IngestReply(status: e.status, contentType: json ? "application/json" : "application/x-protobuf", body: body)
        if let after = e.retryAfter { reply.headers.append(("Retry-After", String(after))) }
        return reply
    }

    /// Checks the content type before the body is read (415 for one the route cannot take).
    func checkContentType(_ route: IngestRoute, _ contentType: String?) throws(ServerError) {
        let type = Self.mediaType(contentType)
        switch route {
        case .otlpTraces, .otlpLogs:
            guard type == "application/x-protobuf" || type == "application/protobuf" || type == "application/json" else {
                throw ServerError(code: .unsupportedMediaType,
                                  message: "OTLP/HTTP takes Content-Type application/x-protobuf or application/json, not \"\(type.prefix(60))\"")
            }
        case .honeycombBatch, .honeycombEvent, .addMarker, .zipkinSpans:
            guard type.isEmpty || type == "application/json" || type == "text/plain" || type == "text/json" else {
                throw ServerError(code: .unsupportedMediaType, message: "this endpoint takes Content-Type application/json, not \"\(type.prefix(60))\"")
            }
        case .listMarkers, .health:
            break
        }
    }

    /// `type/subtype` lowercased, without parameters.
    static func mediaType(_ contentType: String?) -> String {
        guard let contentType else { return "" }
        let base = contentType.split(separator: ";", maxSplits: 1).first.map(String.init) ?? ""
        return base.trimmingSpaces().lowercased()
    }

    /// Answers a routed request.
    func handle(_ route: IngestRoute, _ request: IngestRequest) async -> IngestReply {
        do throws(ServerError) {
            switch route {
            case .honeycombBatch(let dataset): return try await batch(dataset, request)
            case .honeycombEvent(let dataset): return try await event(dataset, request)
            case .addMarker(let dataset): return try await addMarker(dataset, request)
            case .listMarkers(let dataset): return try await listMarkers(dataset)
            case .otlpTraces, .otlpLogs: return try await otlp(route, request)
            case .zipkinSpans: return try await zipkin(request)
            case .health: return health()
            }
        } catch {
            return errorReply(error, route: route, contentType: request.header("content-type"))
        }
    }

    // MARK: Honeycomb

    private func batch(_ dataset: String, _ request: IngestRequest) async throws(ServerError) -> IngestReply {
        var decoder = HoneycombDecoder(limits: limits)
        var batch = RawBatch()
        let now = clock()
        let results = try request.body.withUnsafeBufferPointer { (b) throws(ServerError) -> [String?] in
            try decoder.decodeBatch(b, now: now, into: &batch)
        }
        let committed: CommitQueue.Committed
        switch await queue.submit([(dataset, batch)]) {
        case .failure(let e): throw e
        case .success(let c): committed = c
        }
        var text = "["
        text.reserveCapacity(results.count * 16)
        var row = 0
        for (k, result) in results.enumerated() {
            if k > 0 { text += "," }
            if let reason = result {
                text += "{\"status\":400,\"error\":"
                JSONText.appendString(reason, to: &text)
                text += "}"
            } else {
                // Accepted elements are the batch's rows in order.
                let dropped = row < committed.droppedFields.count ? committed.droppedFields[row] : 0
                row += 1
                text += dropped > 0 ? "{\"status\":202,\"dropped_fields\":\(dropped)}" : "{\"status\":202}"
            }
        }
        text += "]"
        return .json(200, text)
    }

    private func event(_ dataset: String, _ request: IngestRequest) async throws(ServerError) -> IngestReply {
        var timestamp = clock()
        if let header = request.header("x-honeycomb-event-time"), !header.trimmingSpaces().isEmpty {
            guard let t = TimeValue.parse(header) else {
                throw ServerError(code: .invalidArgument, message: "X-Honeycomb-Event-Time \"\(header.prefix(60))\" is not an RFC 3339 time or epoch number")
            }
            timestamp = t
        }
        let sampleRate = request.header("x-honeycomb-samplerate").map(HoneycombDecoder.sampleRate) ?? 1
        var decoder = HoneycombDecoder(limits: limits)
        var batch = RawBatch()
        try request.body.withUnsafeBufferPointer { (b) throws(ServerError) in
            try decoder.decodeEvent(b, timestamp: timestamp, sampleRate: sampleRate, into: &batch)
        }
        if case .failure(let e) = await queue.submit([(dataset, batch)]) { throw e }
        return IngestReply(status: 200, contentType: "text/plain", body: [])
    }

    // MARK: Markers

    private func addMarker(_ dataset: String, _ request: IngestRequest) async throws(ServerError) -> IngestReply {
        let root = try JSONValue.parse(request.body, maxDepth: limits.maxDepth)
        guard root.members != nil else { throw ServerError.malformed("expected a JSON object {\"start_time\", \"message\", \"type\", \"url\"}") }
        func seconds(_ key: String) throws(ServerError) -> Int64? {
            guard let v = root[key], v != .null else { return nil }
            guard let d = v.double, let ns = TimeValue.seconds(d) else {
                throw ServerError(code: .invalidArgument, message: "\(key) must be unix seconds")
            }
            return ns
        }
        func text(_ key: String) throws(ServerError) -> String? {
            guard let v = root[key], v != .null else { return nil }
            guard let s = v.string else { throw ServerError(code: .invalidArgument, message: "\(key) must be a string") }
            guard s.utf8.count <= 65_536 else { throw ServerError(code: .tooLarge, message: "\(key) is longer than 65536 bytes") }
            return s
        }
        let start = try seconds("start_time") ?? clock()
        let end = try seconds("end_time")
        if let end, end < start { throw ServerError(code: .invalidArgument, message: "end_time is before start_time") }
        let marker = Marker(start: start, end: end, message: try text("message") ?? "", type: try text("type") ?? "", url: try text("url"))
        let id: Int64
        do {
            let (add, now) = (markers.add, clock())
            id = try await BlockingWork.run { try add(marker, dataset, now) }
        } catch {
            throw CommitQueue.serverError(error)
        }
        return .json(201, Self.markerJSON(StoredMarker(id: id, marker: marker)))
    }

    private func listMarkers(_ dataset: String) async throws(ServerError) -> IngestReply {
        let markers: [StoredMarker]
        do {
            let list = self.markers.list
            markers = try await BlockingWork.run { try list(dataset).map { StoredMarker(id: $0.id ?? 0, marker: $0) } }
        } catch {
            throw CommitQueue.serverError(error)
        }
        return .json(200, "[" + markers.map(Self.markerJSON).joined(separator: ",") + "]")
    }

    /// A marker as Honeycomb writes it: times in unix seconds.
    static func markerJSON(_ stored: StoredMarker) -> String {
        let m = stored.marker
        var out = "{\"id\":\"\(stored.id)\",\"start_time\":\(m.start / 1_000_000_000)"
        if let end = m.end { out += ",\"end_time\":\(end / 1_000_000_000)" }
        out += ",\"message\":"
        JSONText.appendString(m.message, to: &out)
        out += ",\"type\":"
        JSONText.appendString(m.type, to: &out)
        if let url = m.url {
            out += ",\"url\":"
            JSONText.appendString(url, to: &out)
        }
        if m.automatic { out += ",\"automatic\":true" }
        out += "}"
        return out
    }

    // MARK: OTLP and Zipkin

    private func otlp(_ route: IngestRoute, _ request: IngestRequest) async throws(ServerError) -> IngestReply {
        let json = Self.mediaType(request.header("content-type")) == "application/json"
        let signal: OTLPResponse.Signal = route == .otlpTraces ? .traces : .logs
        let body = try await exportOTLP(signal, body: request.body, json: json, dataset: try overrideDataset(request))
        return IngestReply(status: 200, contentType: json ? "application/json" : "application/x-protobuf", body: body)
    }

    /// Decodes an OTLP export request (protobuf, or JSON when `json`), commits its events and
    /// returns the `Export…ServiceResponse` body: empty, or the partial success naming what was
    /// rejected and why. The one path of OTLP/HTTP and OTLP/gRPC.
    func exportOTLP(_ signal: OTLPResponse.Signal, body: [UInt8], json: Bool, dataset: String?) async throws(ServerError) -> [UInt8] {
        let mapper = TelemetryMapper(limits: limits, dataset: dataset, now: clock())
        let decoder: any OTLPDecoder = json ? OTLPJSONDecoder(limits: limits) : OTLPProtobufDecoder(limits: limits)
        let output = try body.withUnsafeBufferPointer { (b) throws(ServerError) -> TelemetryMapper.Output in
            signal == .traces ? mapper.map(try decoder.decodeTraces(b)) : mapper.map(try decoder.decodeLogs(b))
        }
        if case .failure(let e) = await queue.submit(output.datasets.compactMap { d in output.batches[d].map { (d, $0) } }) { throw e }
        return OTLPResponse.success(signal, rejected: output.rejected, message: output.reasons.joined(separator: "; "), json: json)
    }

    private func zipkin(_ request: IngestRequest) async throws(ServerError) -> IngestReply {
        let traces = try request.body.withUnsafeBufferPointer { (b) throws(ServerError) in try ZipkinDecoder(limits: limits).decode(b) }
        let output = TelemetryMapper(limits: limits, dataset: try overrideDataset(request), now: clock()).map(traces)
        let total = traces.reduce(0) { $0 + $1.scopes.reduce(0) { $0 + $1.items.count } }
        if output.rejected > 0 && output.rejected == total {
            throw ServerError(code: .invalidArgument, message: "every span was rejected: " + output.reasons.joined(separator: "; "))
        }
        if case .failure(let e) = await queue.submit(output.datasets.compactMap { d in output.batches[d].map { (d, $0) } }) { throw e }
        guard output.rejected > 0 else { return IngestReply(status: 202, contentType: "text/plain", body: []) }
        var text = "{\"accepted\":\(total - output.rejected),\"rejected\":\(output.rejected),\"errors\":["
        text += output.reasons.map { r -> String in
            var s = ""
            JSONText.appendString(r, to: &s)
            return s
        }.joined(separator: ",")
        text += "]}"
        return .json(202, text)
    }

    /// The dataset named by `x-honeycomb-dataset`, if any.
    private func overrideDataset(_ request: IngestRequest) throws(ServerError) -> String? {
        try overrideDataset(request.header)
    }

    /// The dataset named by the header (or gRPC metadata) `x-honeycomb-dataset`, if any.
    func overrideDataset(_ header: (String) -> String?) throws(ServerError) -> String? {
        guard let raw = header("x-honeycomb-dataset")?.trimmingSpaces(), !raw.isEmpty else { return nil }
        guard raw.utf8.count <= 255, !raw.unicodeScalars.contains(where: { $0.value < 0x20 }) else {
            throw ServerError(code: .invalidArgument, message: "x-honeycomb-dataset must be 1 to 255 bytes without control characters")
        }
        return raw
    }

    // MARK: Health

    private func health() -> IngestReply {
        let s = queue.snapshot
        var out = "{\"status\":\"\(s.lastCommitFailed || s.diskError != nil ? "degraded" : "ok")\",\"store\":"
        JSONText.appendString(storeName, to: &out)
        out += ",\"queued_events\":\(s.queuedEvents),\"committed_events\":\(s.committedEvents),\"commits\":\(s.commits)"
        out += ",\"failed_commits\":\(s.failedCommits),\"refused_requests\":\(s.refusedRequests)"
        out += ",\"last_commit_ms\":\(Value.format((s.lastCommitMillis * 1000).rounded() / 1000))"
        out += ",\"retention\":{\"deleted_chunks\":\(s.retention.chunks),\"deleted_events\":\(s.retention.events)"
        out += ",\"deleted_dictionary_values\":\(s.retention.dictionaries.values)"
        if let used = s.usedBytes { out += ",\"store_data_bytes\":\(used)" }
        if let lowered = s.loweredMaxBytes { out += ",\"max_bytes_in_force\":\(lowered)" }
        out += ",\"disk_full\":\(s.diskError != nil)"
        if let e = s.diskError ?? s.retentionError {
            out += ",\"error\":"
            JSONText.appendString(e, to: &out)
        }
        out += "}"
        if !s.droppedValues.isEmpty {
            out += ",\"dropped_field_values\":{"
            out += s.droppedValues.keys.sorted().map { name -> String in
                var entry = ""
                JSONText.appendString(name, to: &entry)
                return entry + ":\(s.droppedValues[name] ?? 0)"
            }.joined(separator: ",")
            out += "}"
        }
        if let e = s.lastError {
            out += ",\"last_error\":"
            JSONText.appendString(e, to: &out)
        }
        out += "}"
        return .json(200, out)
    }
}

/// How the markers API (`/1/markers/DATASET`) adds and lists markers.
public struct MarkerAccess: Sendable {
    /// Adds a marker to a dataset at a time (ns); returns its id.
    public var add: @Sendable (Marker, String, Int64) throws -> Int64
    /// The markers of a dataset in time order, with their ids.
    public var list: @Sendable (String) throws -> [Marker]

    /// Makes an access from its two operations.
    public init(add: @escaping @Sendable (Marker, String, Int64) throws -> Int64, list: @escaping @Sendable (String) throws -> [Marker]) {
        self.add = add
        self.list = list
    }

    /// The markers of the store file at `path`.
    static func file(_ path: String) -> MarkerAccess {
        MarkerAccess(add: { marker, dataset, now in try StoreWriter.addMarker(marker, dataset: dataset, path: path, now: now) },
                     list: { dataset in
                         try StoreWriter.markers(dataset: dataset, path: path).map { stored in
                             var m = stored.marker
                             m.id = stored.id
                             return m
                         }
                     })
    }
}
