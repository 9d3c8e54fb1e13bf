import Foundation
import KilnCore
import KilnStore
import Testing
@testable import KilnIngest
@testable import KilnServer

#if canImport(Glibc)
import Glibc
#endif

/// A temporary directory removed at the end of the test.
final class TempDir: @unchecked Sendable {
    let url: URL
    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("kiln-server-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    func path(_ name: String) -> String { url.appendingPathComponent(name).path }
    deinit { try? FileManager.default.removeItem(at: url) }
}

/// Where the shared real data lives, when it is there.
enum RealData {
    static let root: URL? = {
        let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let url = packageRoot.deletingLastPathComponent().appendingPathComponent("shared/realdata")
        return FileManager.default.fileExists(atPath: url.path) ? url : nil
    }()

    static func file(_ relative: String) throws -> URL {
        try #require(root).appendingPathComponent(relative)
    }
}

/// Python and the real client libraries, when installed.
enum Python {
    static func has(_ module: String) -> Bool {
        (try? run(["-c", "import \(module)"]).status == 0) ?? false
    }

    static let hasLibhoney = has("libhoney")
    static let hasOpenTelemetry = has("opentelemetry.sdk") && has("opentelemetry.exporter.otlp.proto.http")
    static let hasOTLPGRPCExporter = has("opentelemetry.sdk") && has("opentelemetry.exporter.otlp.proto.grpc") && has("grpc")
    static let hasOTLPProto = has("opentelemetry.proto.collector.trace.v1.trace_service_pb2")
    static let hasSQLite = has("sqlite3")

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs `python3 arguments` and waits.
    static func run(_ arguments: [String], environment: [String: String] = [:]) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let dir = try TempDir()
        let outURL = URL(fileURLWithPath: dir.path("out")), errURL = URL(fileURLWithPath: dir.path("err"))
        FileManager.default.createFile(atPath: outURL.path, contents: nil)
        FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let out = try FileHandle(forWritingTo: outURL), err = try FileHandle(forWritingTo: errURL)
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        try? out.close()
        try? err.close()
        return Result(status: process.terminationStatus,
                      stdout: String(decoding: try Data(contentsOf: outURL), as: UTF8.self),
                      stderr: String(decoding: try Data(contentsOf: errURL), as: UTF8.self))
    }

    /// Runs a script given as text, off the cooperative pool.
    static func script(_ source: String, arguments: [String] = [], environment: [String: String] = [:]) async throws -> Result {
        try await offPool { try scriptBlocking(source, arguments: arguments, environment: environment) }
    }

    static func scriptBlocking(_ source: String, arguments: [String] = [], environment: [String: String] = [:]) throws -> Result {
        let dir = try TempDir()
        let path = dir.path("script.py")
        try source.write(toFile: path, atomically: true, encoding: .utf8)
        return try run([path] + arguments, environment: environment)
    }
}

/// A real server on a loopback ephemeral port with its own temporary store.
final class TestServer: @unchecked Sendable {
    let dir: TempDir
    let storePath: String
    let server: KilnServer
    let port: Int
    private let task: Task<Void, Error>

    /// The OTLP/gRPC port (0 without `grpc`).
    let grpcPort: Int

    init(keys: [String] = [], limits: IngestLimits = IngestLimits(), retention: RetentionPolicy = RetentionPolicy(), grpc: Bool = false) async throws {
        // Stopping a test server cancels it; Hummingbird logs that as an error, which is noise here.
        setenv("LOG_LEVEL", "critical", 1)
        dir = try TempDir()
        storePath = dir.path("kiln.db")
        let configuration = ServerConfiguration(storePath: storePath, host: "127.0.0.1", port: 0, apiKeys: APIKeys(keys),
                                                retention: retention, limits: limits, grpc: grpc ? ("127.0.0.1", 0) : nil)
        let server = try KilnServer(configuration: configuration)
        self.server = server
        let (stream, continuation) = AsyncStream<Int>.makeStream()
        let (grpcStream, grpcContinuation) = AsyncStream<Int>.makeStream()
        // The server's tasks run on threads of their own: the other suites of this test process
        // (the CLI ones wait for child processes) can hold every thread of Swift's cooperative
        // pool, which starved the server for tens of seconds and made real clients time out
        // and send again.
        task = Task(executorPreference: ServerThreads.shared) {
            try await server.run(handleSignals: false, onListening: { _, port in continuation.yield(port) },
                                 onGRPCListening: { _, port in grpcContinuation.yield(port) })
        }
        var bound = 0
        for await p in stream {
            bound = p
            break
        }
        port = bound
        var grpcBound = 0
        if grpc {
            for await p in grpcStream {
                grpcBound = p
                break
            }
        }
        grpcPort = grpcBound
    }

    /// Stops the server (cancels its task).
    func stop() async {
        task.cancel()
        _ = try? await task.value
    }

    /// Sends one request on a new connection (on its own thread: see ``offPool(_:)``).
    func request(_ method: String, _ path: String, headers: [String: String] = [:], body: [UInt8] = []) async throws -> HTTPReply {
        let port = port
        return try await offPool { try RawHTTP.request(port: port, method: method, path: path, headers: headers, body: body) }
    }

    /// The events of `dataset` in the store.
    func events(_ dataset: String) throws -> [Event] {
        let loaded = try StoreReader(path: storePath).load(dataset: dataset)
        return (0..<loaded.table.count).map { loaded.table.event(at: $0) }
    }

    func datasets() throws -> [DatasetInfo] {
        try StoreReader(path: storePath).datasets()
    }
}

/// A reply read off the socket.
struct HTTPReply: Sendable {
    var status: Int
    var headers: [String: String]
    var body: [UInt8]
    var text: String { String(decoding: body, as: UTF8.self) }
    func json() throws -> Any { try JSONSerialization.jsonObject(with: Data(body)) }
}

/// A minimal HTTP/1.1 client over a blocking socket, so tests control every byte sent and
/// see every byte received (no client-side decompression or retries).
final class RawHTTP: @unchecked Sendable {
    let fd: Int32

    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestError("socket failed") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var timeout = timeval(tv_sec: 30, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0 else {
            close(fd)
            throw TestError("connect to port \(port) failed: errno \(errno)")
        }
    }

    deinit { close(fd) }

    func send(_ bytes: [UInt8]) throws {
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw TestError("send failed: errno \(errno)") }
            sent += n
        }
    }

    func send(_ text: String) throws { try send(Array(text.utf8)) }

    /// Reads until the peer closes or a whole reply is there; nil when closed with nothing read.
    func readReply() throws -> HTTPReply? {
        var buffer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            if let reply = Self.parse(buffer) { return reply }
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n == 0 { return buffer.isEmpty ? nil : Self.parse(buffer) }
            guard n > 0 else { throw TestError("recv failed: errno \(errno)") }
            buffer += chunk[0..<n]
        }
    }

    /// True when the server closed the connection (recv returns 0 or a reset).
    func isClosed() -> Bool {
        var byte: UInt8 = 0
        let n = recv(fd, &byte, 1, 0)
        return n == 0 || (n < 0 && errno == ECONNRESET)
    }

    static func parse(_ buffer: [UInt8]) -> HTTPReply? {
        let separator: [UInt8] = [13, 10, 13, 10]
        guard buffer.count >= 4, let end = (0...(buffer.count - 4)).first(where: { Array(buffer[$0..<($0 + 4)]) == separator }) else { return nil }
        let head = String(decoding: buffer[0..<end], as: UTF8.self)
        var lines = head.components(separatedBy: "\r\n")
        let statusLine = lines.removeFirst()
        let parts = statusLine.split(separator: " ")
        guard parts.count >= 2, let status = Int(parts[1]) else { return nil }
        var headers: [String: String] = [:]
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let length = Int(headers["content-length"] ?? "0") ?? 0
        let bodyStart = end + 4
        guard buffer.count >= bodyStart + length else { return nil }
        return HTTPReply(status: status, headers: headers, body: Array(buffer[bodyStart..<(bodyStart + length)]))
    }

    static func request(port: Int, method: String, path: String, headers: [String: String] = [:], body: [UInt8] = []) throws -> HTTPReply {
        let connection = try RawHTTP(port: port)
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        if method == "POST" || !body.isEmpty { head += "Content-Length: \(body.count)\r\n" }
        head += "\r\n"
        try connection.send(Array(head.utf8) + body)
        guard let reply = try connection.readReply() else { throw TestError("\(method) \(path): connection closed without a reply") }
        return reply
    }
}

/// A task executor with threads of its own, for the servers under test, so that suites that
/// block the cooperative pool (waiting for a child process) cannot starve them.
final class ServerThreads: TaskExecutor, @unchecked Sendable {
    static let shared = ServerThreads(threads: 4)

    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []

    init(threads: Int) {
        for i in 0..<threads {
            let thread = Thread { [unowned self] in self.work() }
            thread.name = "test-server-\(i)"
            thread.start()
        }
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    private func work() {
        while true {
            condition.lock()
            while jobs.isEmpty { condition.wait() }
            let job = jobs.removeFirst()
            condition.unlock()
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }
}

/// Runs blocking work (sockets, child processes) on a thread of its own, so the few threads of
/// Swift's cooperative pool stay free for the server under test in this same process.
func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { (c: CheckedContinuation<T, Error>) in
        let thread = Thread { c.resume(with: Result { try body() }) }
        thread.start()
    }
}

struct TestError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

/// gzip via the system's `gzip` (independent of the server's zlib use), off the cooperative pool.
func gzipped(_ bytes: [UInt8]) async throws -> [UInt8] {
    try await offPool { try gzippedBlocking(bytes) }
}

func gzippedBlocking(_ bytes: [UInt8]) throws -> [UInt8] {
    let dir = try TempDir()
    let path = dir.path("data")
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["gzip", "-n", "-f", path]
    try process.run()
    process.waitUntilExit()
    return Array(try Data(contentsOf: URL(fileURLWithPath: path + ".gz")))
}

extension Event {
    /// The string value of `name`, if it is a string.
    func string(_ name: String) -> String? {
        if case .string(let s)? = self[name] { return s }
        return nil
    }
}
