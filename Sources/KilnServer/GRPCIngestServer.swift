import GRPCCore
import GRPCNIOTransportHTTP2Posix
import KilnCore
import KilnIngest
import Synchronization

/// OTLP over gRPC: `TraceService/Export` and `LogsService/Export` on HTTP/2 (plaintext), into
/// the same ingest path as OTLP/HTTP.
///
/// Messages stay raw bytes (``RawBytesCodec``): the request is decoded by KilnIngest's OTLP
/// protobuf decoder and the reply is encoded by ``OTLPResponse``, so no generated message types
/// are needed. gzip and deflate request messages are inflated by the transport. The API key is
/// read from the `x-honeycomb-team` or `authorization` metadata, the dataset from
/// `x-honeycomb-dataset`, as the HTTP headers are. Failures answer with the status codes of the
/// OTLP specification: INVALID_ARGUMENT for bad requests (not retried), UNAUTHENTICATED without
/// a valid key, and UNAVAILABLE with `RetryInfo` under overload (more than
/// ``IngestLimits/maxConcurrentCalls`` calls at once, a full commit queue, a busy or full store)
/// and when the store failed: the OTLP/gRPC throttling rule ("to signal backpressure the server
/// MUST return an error with code UNAVAILABLE"), which every exporter retries after the delay.
final class GRPCIngestServer: Sendable {
    static let traceService = "opentelemetry.proto.collector.trace.v1.TraceService"
    static let logsService = "opentelemetry.proto.collector.logs.v1.LogsService"

    private let server: GRPCServer<HTTP2ServerTransport.Posix>
    private let transport: HTTP2ServerTransport.Posix

    init(service: IngestService, host: String, port: Int, limits: IngestLimits) {
        let address: GRPCNIOTransportCore.SocketAddress = host.contains(":") ? .ipv6(host: host, port: port) : .ipv4(host: host, port: port)
        transport = HTTP2ServerTransport.Posix(
            address: address, transportSecurity: .plaintext,
            config: .defaults { config in
                config.compression.enabledAlgorithms = [.gzip, .deflate]
                // The limit applies to the message as inflated; the HTTP path's decoded-body limit.
                config.rpc.maxRequestPayloadSize = limits.maxDecodedBytes
                config.connection.maxIdleTime = .seconds(limits.idleTimeoutSeconds)
                // Bounds the streams of one connection, above the call limit: calls past that
                // limit must reach the server to be answered UNAVAILABLE with a retry delay.
                // At the limit itself, a client sharing one connection among its channels
                // (grpcio does) would queue them until their deadline instead.
                config.http2.maxConcurrentStreams = max(100, 2 * limits.maxConcurrentCalls)
            })
        server = GRPCServer(transport: transport, services: [OTLPExportService(service: service, gate: CallGate(limit: limits.maxConcurrentCalls))])
    }

    /// Serves until ``stop()``; `onListening` gets the bound host and port.
    func serve(onListening: @escaping @Sendable (String, Int) -> Void) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await self.server.serve() }
            group.addTask {
                let address = try await self.transport.listeningAddress
                if let v4 = address.ipv4 {
                    onListening(v4.host, v4.port)
                } else if let v6 = address.ipv6 {
                    onListening(v6.host, v6.port)
                }
            }
            try await group.waitForAll()
        }
    }

    /// Stops accepting calls; those in flight finish.
    func stop() {
        server.beginGracefulShutdown()
    }
}

/// Counts the calls being served, up to a limit.
final class CallGate: Sendable {
    let limit: Int
    private let inFlight = Atomic<Int>(0)

    init(limit: Int) { self.limit = max(1, limit) }

    /// Takes a place; false (having taken none) when all ``limit`` are taken.
    func enter() -> Bool {
        if inFlight.wrappingAdd(1, ordering: .acquiringAndReleasing).newValue <= limit { return true }
        inFlight.wrappingSubtract(1, ordering: .acquiringAndReleasing)
        return false
    }

    /// Gives a place back.
    func leave() { inFlight.wrappingSubtract(1, ordering: .acquiringAndReleasing) }
}

/// The two OTLP export methods, registered by hand on raw bytes.
struct OTLPExportService: RegistrableRPCService {
    let service: IngestService
    let gate: CallGate

    func registerMethods<Transport: ServerTransport>(with router: inout RPCRouter<Transport>) {
        let methods: [(String, OTLPResponse.Signal)] = [(GRPCIngestServer.traceService, .traces), (GRPCIngestServer.logsService, .logs)]
        for (name, signal) in methods {
            router.registerHandler(forMethod: MethodDescriptor(fullyQualifiedService: name, method: "Export"),
                                   deserializer: RawBytesCodec(), serializer: RawBytesCodec()) { [gate] request, _ in
                // Refused before its message is read: a refused call holds no body.
                guard gate.enter() else {
                    return StreamingServerResponse(error: Self.rpcError(.overloaded("more than \(gate.limit) OTLP/gRPC calls at once; retry later")))
                }
                defer { gate.leave() }
                var body: [UInt8]?
                for try await message in request.messages {
                    guard body == nil else { throw RPCError(code: .invalidArgument, message: "Export takes one request message") }
                    body = message
                }
                let metadata = request.metadata
                let header: (String) -> String? = { name in metadata[stringValues: name].first { _ in true } }
                do throws(ServerError) {
                    try service.authorize(header)
                    let reply = try await service.exportOTLP(signal, body: body ?? [], json: false, dataset: try service.overrideDataset(header))
                    return StreamingServerResponse(single: ServerResponse(message: reply))
                } catch {
                    return StreamingServerResponse(error: Self.rpcError(error))
                }
            }
        }
    }

    /// The gRPC status for an ingest error, with `RetryInfo` when a retry may succeed.
    static func rpcError(_ e: ServerError) -> RPCError {
        let code: RPCError.Code
        var retry = false
        switch e.code {
        case .malformed, .invalidArgument, .tooLarge, .tooMany: code = .invalidArgument
        case .unauthorized: code = .unauthenticated
        case .unsupportedMediaType, .unsupportedEncoding, .notFound, .methodNotAllowed: code = .unimplemented
        case .timeout: code = .deadlineExceeded
        case .overloaded, .storeFailure:
            code = .unavailable
            retry = true
        }
        var metadata = Metadata()
        if retry {
            let delay = max(1, e.retryAfter ?? 1)
            metadata.addBinary(GRPCStatusDetails.status(code: code.rawValue, message: e.message, retryDelaySeconds: delay),
                               forKey: "grpc-status-details-bin")
            // Where OpenTelemetry's Python exporter looks for it.
            metadata.addBinary(GRPCStatusDetails.retryInfo(seconds: delay), forKey: "google.rpc.retryinfo-bin")
        }
        return RPCError(code: code, message: e.message, metadata: metadata)
    }
}

/// Messages as they travel: bytes in, bytes out.
struct RawBytesCodec: MessageSerializer, MessageDeserializer {
    typealias Message = [UInt8]

    func serialize<Bytes: GRPCContiguousBytes>(_ message: [UInt8]) throws -> Bytes { Bytes(message) }

    func deserialize<Bytes: GRPCContiguousBytes>(_ serializedMessageBytes: Bytes) throws -> [UInt8] {
        serializedMessageBytes.withUnsafeBytes { Array($0) }
    }
}

/// `google.rpc.Status` with a `google.rpc.RetryInfo` detail, encoded by hand (two small messages).
enum GRPCStatusDetails {
    /// `RetryInfo { retry_delay: Duration { seconds } }`.
    static func retryInfo(seconds: Int) -> [UInt8] {
        var duration: [UInt8] = []
        OTLPResponse.appendVarintField(1, UInt64(seconds), to: &duration)
        var out: [UInt8] = []
        OTLPResponse.appendBytesField(1, duration, to: &out)
        return out
    }

    /// `Status { code, message, details: [Any { type_url, value: RetryInfo }] }`.
    static func status(code: Int, message: String, retryDelaySeconds: Int) -> [UInt8] {
        var any: [UInt8] = []
        OTLPResponse.appendBytesField(1, Array("type.googleapis.com/google.rpc.RetryInfo".utf8), to: &any)
        OTLPResponse.appendBytesField(2, retryInfo(seconds: retryDelaySeconds), to: &any)
        var out = OTLPResponse.status(code: code, message: message, json: false)
        OTLPResponse.appendBytesField(3, any, to: &out)
        return out
    }
}
