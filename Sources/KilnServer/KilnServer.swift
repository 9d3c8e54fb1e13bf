import KilnIngest
import Foundation
import Hummingbird
import HummingbirdCore
import KilnCore
import KilnStore

/// What `kiln serve` is told.
public struct ServerConfiguration: Sendable {
    /// The store file.
    public var storePath: String
    /// Address to listen on (`127.0.0.1`, `::1`, `localhost`, or any address when keys are set).
    public var host: String
    /// Port; 0 picks a free one.
    public var port: Int
    /// Keys clients must show; none means no key (loopback only).
    public var apiKeys: APIKeys
    /// What to keep.
    public var retention: RetentionPolicy
    /// Request limits.
    public var limits: IngestLimits
    /// Most distinct fields per dataset; new fields past it are dropped and counted.
    public var maxFields: Int
    /// Where OTLP/gRPC listens (host, port; port 0 picks a free one); nil: no gRPC listener.
    public var grpc: (host: String, port: Int)?
    /// Where events go instead of the store file (ClickHouse); nil for the file at `storePath`.
    public var sinks: EventSinkFactory?
    /// The store as messages and `/healthz` show it (never a password).
    public var storeName: String
    /// Where `/1/markers` keeps markers when not in the store file (ClickHouse); nil: the file.
    public var markers: MarkerAccess?
    /// How ``retention`` is applied when events go to ``sinks`` (ClickHouse drops whole day
    /// partitions): given the policy and the time (ns), what one pass did. Run every
    /// ``RetentionPolicy/interval`` seconds off the commit thread, one pass at a time; nil:
    /// no retention there.
    public var retentionPass: (@Sendable (RetentionPolicy, Int64) -> RetentionPolicy.Outcome)?

    /// Makes a configuration; the defaults listen on 127.0.0.1:4318 (OTLP/HTTP's port).
    public init(storePath: String, host: String = "127.0.0.1", port: Int = 4318, apiKeys: APIKeys = APIKeys([]),
                retention: RetentionPolicy = RetentionPolicy(), limits: IngestLimits = IngestLimits(),
                maxFields: Int = StoreWriter.defaultMaxFields, grpc: (host: String, port: Int)? = nil) {
        self.maxFields = maxFields
        self.grpc = grpc
        self.storePath = storePath
        storeName = storePath
        self.host = host
        self.port = port
        self.apiKeys = apiKeys
        self.retention = retention
        self.limits = limits
    }

    /// Parses `HOST:PORT`, `[IPv6]:PORT`, `:PORT` (loopback) or `HOST` (port `defaultPort`);
    /// errors name `flag`.
    public static func parseListen(_ text: String, defaultPort: Int = 4318, flag: String = "--listen") throws(ServerError) -> (host: String, port: Int) {
        let t = text.trimmingSpaces()
        var host = t
        var portText: Substring?
        if t.hasPrefix("[") {
            guard let close = t.firstIndex(of: "]") else { throw ServerError(code: .invalidArgument, message: "\(flag) \(t): missing ']'") }
            host = String(t[t.index(after: t.startIndex)..<close])
            let rest = t[t.index(after: close)...]
            if rest.hasPrefix(":") { portText = rest.dropFirst() } else if !rest.isEmpty {
                throw ServerError(code: .invalidArgument, message: "\(flag) \(t): expected :PORT after ']'")
            }
        } else if let colon = t.lastIndex(of: ":"), t.firstIndex(of: ":") == colon {
            host = String(t[..<colon])
            portText = t[t.index(after: colon)...]
        }
        if host.isEmpty { host = "127.0.0.1" }
        var port = defaultPort
        if let portText {
            guard let p = Int(portText), (0...65535).contains(p) else {
                throw ServerError(code: .invalidArgument, message: "\(flag) \(t): the port must be 0 to 65535")
            }
            port = p
        }
        return (host, port)
    }

    /// True when every address `host` resolves to is one only this machine can reach
    /// (127.0.0.0/8, ::1); false when any is not or the name does not resolve.
    public static func isLoopback(_ host: String) -> Bool {
        guard let addresses = try? ListenAddress.resolve(host) else { return false }
        return addresses.allSatisfy(ListenAddress.isLoopback)
    }
}

/// The HTTP ingest server: Honeycomb Events API, OTLP/HTTP (traces, logs) and Zipkin v2 into
/// the store, with group commit, API keys, limits, retention and graceful shutdown.
public final class KilnServer: Sendable {
    /// The configuration it runs with.
    public let configuration: ServerConfiguration
    private let queue: CommitQueue
    private let service: IngestService
    /// The numeric address bound: the one `host` resolved to, checked before binding.
    private let bindAddress: String
    /// The numeric address the gRPC listener binds, when there is one.
    private let grpcBindAddress: String?

    /// The address `host` resolves to, refused when any of its addresses is beyond loopback
    /// and no API key is configured.
    static func checkedAddress(_ host: String, keys: APIKeys) throws(ServerError) -> String {
        let addresses = try ListenAddress.resolve(host)
        let outside = addresses.filter { !ListenAddress.isLoopback($0) }
        guard keys.isRequired || outside.isEmpty else {
            let shown = outside.joined(separator: ", ")
            let resolved = shown == host ? "" : " (it resolves to \(shown))"
            throw ServerError(code: .invalidArgument, message: """
            refusing to listen on \(host)\(resolved) without API keys: anyone who can reach it could write to the store. \
            Pass --api-key KEY (or --api-keys-file FILE), or listen on 127.0.0.1
            """)
        }
        return addresses[0]
    }

    /// Checks the configuration and opens (creating when missing) the store.
    /// Throws when listening beyond loopback without API keys (judged on the addresses the host
    /// resolves to, the one bound among them), or when the store cannot be written.
    public init(configuration: ServerConfiguration) throws(ServerError) {
        bindAddress = try Self.checkedAddress(configuration.host, keys: configuration.apiKeys)
        grpcBindAddress = try configuration.grpc.map { g throws(ServerError) in try Self.checkedAddress(g.host, keys: configuration.apiKeys) }
        do {
            if configuration.sinks == nil { try EventStore.prepareForWriting(path: configuration.storePath) }
        } catch {
            throw ServerError(code: .storeFailure, message: "cannot open the store: \(error)")
        }
        self.configuration = configuration
        let clock: @Sendable () -> Int64 = { KilnServer.nowNanos() }
        queue = CommitQueue(path: configuration.storePath, maxQueuedEvents: configuration.limits.maxQueuedEvents,
                            retention: configuration.retention, maxFields: configuration.maxFields, sinks: configuration.sinks,
                            retentionPass: configuration.retentionPass, clock: clock)
        service = IngestService(storePath: configuration.storePath, storeName: configuration.storeName, markers: configuration.markers, limits: configuration.limits, keys: configuration.apiKeys,
                                queue: queue, clock: clock)
    }

    /// Serves until SIGTERM/SIGINT (when `handleSignals`) or until the task is cancelled. On a
    /// signal it stops accepting connections, lets requests in flight finish (their events are
    /// committed), then returns. `onListening` gets the bound host and port.
    /// `onGRPCListening` gets the gRPC listener's host and port, when there is one.
    public func run(handleSignals: Bool = true, onListening: @escaping @Sendable (String, Int) -> Void = { _, _ in },
                    onGRPCListening: @escaping @Sendable (String, Int) -> Void = { _, _ in }) async throws {
        // Hummingbird's own log lines (it reads LOG_LEVEL) only when asked for.
        setenv("LOG_LEVEL", "warning", 0)
        queue.start()
        defer { queue.stop() }
        let grpc = grpcBindAddress.map { address in
            GRPCIngestServer(service: service, host: address, port: configuration.grpc?.port ?? 4317, limits: configuration.limits)
        }
        let limits = configuration.limits
        let app = Application(
            responder: HTTPIngestResponder(service: service),
            server: .http1(configuration: .init(idleTimeout: .seconds(Int64(limits.idleTimeoutSeconds)))),
            configuration: .init(address: .hostname(bindAddress, port: configuration.port), serverName: "kiln", backlog: 1024,
                                 availableConnectionsDelegate: MaximumAvailableConnections(limits.maxConnections)),
            onServerRunning: { channel in
                let address = channel.localAddress
                onListening(address?.ipAddress ?? "", address?.port ?? 0)
            }
        )
        guard let grpc else {
            if handleSignals { try await app.runService(gracefulShutdownSignals: [.sigterm, .sigint]) } else { try await app.run() }
            return
        }
        // Both listeners: the HTTP one owns the signals; when it stops (or either fails), the
        // gRPC one stops accepting and finishes its calls in flight.
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await grpc.serve(onListening: onGRPCListening) }
            group.addTask {
                if handleSignals { try await app.runService(gracefulShutdownSignals: [.sigterm, .sigint]) } else { try await app.run() }
            }
            do {
                try await group.next()
            } catch {
                grpc.stop()
                group.cancelAll()
                throw error
            }
            grpc.stop()
            try await group.waitForAll()
        }
    }

    /// Runs ``run(handleSignals:onListening:)`` from synchronous code (a command's `run()`),
    /// blocking the calling thread until the server has stopped.
    public func runBlocking(onListening: @escaping @Sendable (String, Int) -> Void = { _, _ in },
                            onGRPCListening: @escaping @Sendable (String, Int) -> Void = { _, _ in }) throws {
        let done = DispatchSemaphore(value: 0)
        let failure = ErrorBox()
        Task.detached { [self] in
            do {
                try await run(handleSignals: true, onListening: onListening, onGRPCListening: onGRPCListening)
            } catch {
                failure.set(error)
            }
            done.signal()
        }
        done.wait()
        if let error = failure.get() { throw error }
    }

    static func nowNanos() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }
}

/// An error handed from a task to the thread waiting for it.
private final class ErrorBox: @unchecked Sendable {
    private let lock = NSLock()
    private var error: Error?

    func set(_ e: Error) {
        lock.lock()
        error = e
        lock.unlock()
    }

    func get() -> Error? {
        lock.lock()
        defer { lock.unlock() }
        return error
    }
}
