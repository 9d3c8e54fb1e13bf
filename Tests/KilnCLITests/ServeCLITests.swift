import Foundation
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `kiln serve` as a child process: durability across `kill -9`, draining on SIGTERM, running
/// beside `kiln ingest`, refusing unsafe options.
@Suite(.serialized) struct ServeCLITests {
    static let hasPython: Bool = {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", "import sqlite3"]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        guard (try? p.run()) != nil else { return false }
        p.waitUntilExit()
        return p.terminationStatus == 0
    }()

    @Test(.enabled(if: hasPython, "python3 with sqlite3 reads the stored event times"))
    func killDashNineLosesNoAcknowledgedEvent() throws {
        let dir = try TempDir()
        let db = dir.path("k.db")
        let server = try ServeProcess(db: db)
        for _ in 0..<100 where !server.stderr().contains("OTLP/gRPC on 127.0.0.1:") { Thread.sleep(forTimeInterval: 0.05) }
        #expect(server.stderr().contains("OTLP/gRPC on 127.0.0.1:"), "the gRPC listener reports its port: \(server.stderr())")
        let load = SequencedLoad(port: server.port, dataset: "dur", connections: 4, batch: 50)
        load.start()
        load.waitForAcknowledged(1000, seconds: 20)
        Thread.sleep(forTimeInterval: 0.2)
        kill(server.process.processIdentifier, SIGKILL)
        server.process.waitUntilExit()
        load.stop()
        #expect(server.process.terminationReason == .uncaughtSignal)
        let acknowledged = load.acknowledged
        #expect(acknowledged.count >= 500, "the load should have been acknowledged for a while before the kill")
        // The store opens again and serves.
        let restarted = try ServeProcess(db: db)
        #expect(try ServeHTTP.request(port: restarted.port, method: "GET", path: "/healthz").status == 200)
        restarted.stop()
        let stored = try Self.storedSequence(db: db, dataset: "dur")
        let missing = acknowledged.subtracting(stored)
        #expect(missing.isEmpty, "\(missing.count) acknowledged events lost, e.g. \(missing.sorted().prefix(5))")
        #expect(stored.count <= load.sent, "only events that were sent are stored")
        #expect(stored.count - acknowledged.count <= 4 * 50, "at most the requests in flight at the kill are stored unacknowledged")
    }

    @Test(.enabled(if: hasPython, "python3 with sqlite3 reads the stored event times"))
    func sigtermDrainsRequestsInFlight() throws {
        let dir = try TempDir()
        let db = dir.path("k.db")
        let server = try ServeProcess(db: db)
        let load = SequencedLoad(port: server.port, dataset: "drain", connections: 4, batch: 400)
        load.start()
        load.waitForAcknowledged(1600, seconds: 20)
        kill(server.process.processIdentifier, SIGTERM)
        server.process.waitUntilExit()
        load.stop()
        #expect(server.process.terminationReason == .exit)
        #expect(server.process.terminationStatus == 0)
        #expect(server.stderr().contains("kiln serve: stopped"))
        #expect(load.failedReplies == 0, "every request answered before the exit was answered with success")
        let stored = try Self.storedSequence(db: db, dataset: "drain")
        #expect(!load.acknowledged.isEmpty)
        #expect(load.acknowledged.isSubset(of: stored))
    }

    @Test func servesWhileIngestWritesTheSameDataset() throws {
        let dir = try TempDir()
        let db = dir.path("k.db")
        let server = try ServeProcess(db: db)
        let load = SequencedLoad(port: server.port, dataset: "shared", connections: 2, batch: 100)
        load.start()
        let lines = (0..<20_000).map { #"{"time":"2024-05-01T12:00:00Z","from":"ingest","n":\#($0)}"# }.joined(separator: "\n")
        let ingest = try KilnBinary.run(["ingest", "--db", db, "--dataset", "shared", "--format", "jsonl", "-"], stdin: Data(lines.utf8))
        Thread.sleep(forTimeInterval: 0.3)
        load.stop()
        server.stop()
        #expect(ingest.status == 0, "\(ingest.stderr)")
        #expect(load.failedReplies == 0)
        let datasets = try KilnBinary.json(try KilnBinary.run(["datasets", "--db", db, "--format", "json"]))
        let shared = (datasets["datasets"] as? [[String: Any]])?.first { $0["name"] as? String == "shared" }
        #expect(shared?["events"] as? Int == 20_000 + load.acknowledged.count)
    }

    @Test func refusesUnsafeOrBadOptions() throws {
        let dir = try TempDir()
        let open = try KilnBinary.run(["serve", "--db", dir.path("k.db"), "--listen", "0.0.0.0:0", "--grpc-listen", "off"])
        #expect(open.status == 64)
        #expect(open.stderr.contains("without API keys"))
        // The gRPC listener follows the same rule, and its address is checked like --listen's.
        let grpcOpen = try KilnBinary.run(["serve", "--db", dir.path("k.db"), "--listen", "127.0.0.1:0", "--grpc-listen", "0.0.0.0:0"])
        #expect(grpcOpen.status == 64 && grpcOpen.stderr.contains("refusing to listen on 0.0.0.0"), "\(grpcOpen.stderr)")
        let grpcBad = try KilnBinary.run(["serve", "--db", dir.path("k.db"), "--listen", "127.0.0.1:0", "--grpc-listen", "127.0.0.1:99999"])
        #expect(grpcBad.status == 64 && grpcBad.stderr.contains("--grpc-listen 127.0.0.1:99999"), "\(grpcBad.stderr)")
        let retention = try KilnBinary.run(["serve", "--db", dir.path("k.db"), "--retention", "soon"])
        #expect(retention.status == 64)
        #expect(retention.stderr.contains("--retention soon"))
        let size = try KilnBinary.run(["serve", "--db", dir.path("k.db"), "--max-db-size", "big"])
        #expect(size.status == 64)
        let keys = try KilnBinary.run(["serve", "--db", dir.path("k.db"), "--api-keys-file", dir.path("missing.txt")])
        #expect(keys.status == 64)
        #expect(keys.stderr.contains("cannot read --api-keys-file"))
    }

    @Test func apiKeysFromFile() throws {
        let dir = try TempDir()
        try "# keys\nsecret-1\n".write(toFile: dir.path("keys.txt"), atomically: true, encoding: .utf8)
        let server = try ServeProcess(db: dir.path("k.db"), extra: ["--api-keys-file", dir.path("keys.txt")])
        defer { server.stop() }
        let body = Array(#"[{"data":{"a":1}}]"#.utf8)
        #expect(try ServeHTTP.request(port: server.port, method: "POST", path: "/1/batch/k", headers: ["Content-Type": "application/json"], body: body).status == 401)
        #expect(try ServeHTTP.request(port: server.port, method: "POST", path: "/1/batch/k",
                                      headers: ["Content-Type": "application/json", "X-Honeycomb-Team": "secret-1"], body: body).status == 200)
    }

    /// The event times (which the load sets to base + sequence number) of `dataset`, read from
    /// the store's chunk table with Python's sqlite3 (independent of Kiln's reader).
    static func storedSequence(db: String, dataset: String) throws -> Set<Int> {
        let script = """
        import sqlite3, struct, sys
        c = sqlite3.connect(sys.argv[1])
        out = []
        for (blob,) in c.execute("SELECT c.timestamps FROM chunks c JOIN datasets d ON d.id = c.dataset_id WHERE d.name = ?", (sys.argv[2],)):
            out.extend(t - \(SequencedLoad.base) for t in struct.unpack("<%dq" % (len(blob) // 8), blob))
        print("\\n".join(map(str, out)))
        """
        let result = try KilnBinary.run(["-c", script, db, dataset], pythonInsteadOfKiln: true)
        #expect(result.status == 0, "\(result.stderr)")
        return Set(result.stdout.split(separator: "\n").compactMap { Int($0) })
    }
}

extension KilnBinary {
    /// Runs `python3 arguments` (same plumbing as ``run(_:stdin:environment:cwd:)``).
    static func run(_ arguments: [String], pythonInsteadOfKiln: Bool) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        let dir = try TempDir()
        let outURL = URL(fileURLWithPath: dir.path("out")), errURL = URL(fileURLWithPath: dir.path("err"))
        FileManager.default.createFile(atPath: outURL.path, contents: nil)
        FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let out = try FileHandle(forWritingTo: outURL), err = try FileHandle(forWritingTo: errURL)
        process.standardOutput = out
        process.standardError = err
        try process.run()
        process.waitUntilExit()
        try? out.close()
        try? err.close()
        return Result(status: process.terminationStatus, stdout: String(decoding: try Data(contentsOf: outURL), as: UTF8.self),
                      stderr: String(decoding: try Data(contentsOf: errURL), as: UTF8.self))
    }
}

/// A `kiln serve` child on an ephemeral loopback port (read from its first stderr line).
final class ServeProcess: @unchecked Sendable {
    let process = Process()
    let port: Int
    private let errURL: URL
    private let dir: TempDir

    init(db: String, extra: [String] = [], environment: [String: String]? = nil) throws {
        dir = try TempDir()
        errURL = URL(fileURLWithPath: dir.path("serve.err"))
        FileManager.default.createFile(atPath: errURL.path, contents: nil)
        process.executableURL = URL(fileURLWithPath: KilnBinary.path)
        process.arguments = ["serve", "--db", db, "--listen", "127.0.0.1:0", "--grpc-listen", "127.0.0.1:0"] + extra
        if let environment { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        process.standardError = try FileHandle(forWritingTo: errURL)
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        var found: Int?
        for _ in 0..<300 where found == nil {
            Thread.sleep(forTimeInterval: 0.05)
            let text = String(decoding: (try? Data(contentsOf: errURL)) ?? Data(), as: UTF8.self)
            if let range = text.range(of: "listening on 127.0.0.1:") {
                found = Int(text[range.upperBound...].prefix { $0.isNumber })
            }
            if !process.isRunning { break }
        }
        guard let found else {
            process.terminate()
            throw ServeError("kiln serve did not start: \(String(decoding: (try? Data(contentsOf: errURL)) ?? Data(), as: UTF8.self))")
        }
        port = found
    }

    func stderr() -> String { String(decoding: (try? Data(contentsOf: errURL)) ?? Data(), as: UTF8.self) }

    /// The OTLP/gRPC port, read from its stderr line (nil when none within `seconds`).
    func grpcPort(seconds: Double) -> Int? {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            let text = stderr()
            if let range = text.range(of: "OTLP/gRPC on 127.0.0.1:") { return Int(text[range.upperBound...].prefix { $0.isNumber }) }
            if !process.isRunning { return nil }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return nil
    }

    /// SIGTERM and wait.
    func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
    }

    deinit { stop() }
}

/// Connections sending Honeycomb batches whose events carry sequence numbers in their times
/// (`base + n` ns), recording which numbers the server acknowledged with `{"status":202}`.
final class SequencedLoad: @unchecked Sendable {
    static let base: Int64 = 1_700_000_000_000_000_000
    let port: Int
    let dataset: String
    let connections: Int
    let batch: Int
    private let lock = NSLock()
    private var acked = Set<Int>()
    private var sentCount = 0
    private var failures = 0
    private let stopping = Atomic<Bool>(false)
    private var threads: [Thread] = []
    private let group = DispatchGroup()

    init(port: Int, dataset: String, connections: Int, batch: Int) {
        self.port = port
        self.dataset = dataset
        self.connections = connections
        self.batch = batch
    }

    var acknowledged: Set<Int> {
        lock.lock()
        defer { lock.unlock() }
        return acked
    }

    var sent: Int {
        lock.lock()
        defer { lock.unlock() }
        return sentCount
    }

    /// Replies that came back with anything but success (connection errors do not count).
    var failedReplies: Int {
        lock.lock()
        defer { lock.unlock() }
        return failures
    }

    /// Waits until `count` events were acknowledged (or `seconds` passed).
    func waitForAcknowledged(_ count: Int, seconds: Double) {
        let deadline = Date().addingTimeInterval(seconds)
        while acknowledged.count < count && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
    }

    func start() {
        for c in 0..<connections {
            group.enter()
            let thread = Thread { [self] in
                self.run(connection: c)
                self.group.leave()
            }
            thread.start()
        }
    }

    func stop() {
        stopping.store(true, ordering: .relaxed)
        group.wait()
    }

    private func run(connection c: Int) {
        var next = c * 10_000_000
        while !stopping.load(ordering: .relaxed) {
            let numbers = Array(next..<(next + batch))
            next += batch
            let events = numbers.map { #"{"time":\#(Self.base + Int64($0)),"data":{"n":\#($0),"conn":\#(c)}}"# }.joined(separator: ",")
            lock.lock()
            sentCount += numbers.count
            lock.unlock()
            guard let reply = try? ServeHTTP.request(port: port, method: "POST", path: "/1/batch/\(dataset)",
                                                     headers: ["Content-Type": "application/json"], body: Array("[\(events)]".utf8)) else {
                // Connection refused or cut: the server is gone (or going); nothing acknowledged.
                Thread.sleep(forTimeInterval: 0.02)
                continue
            }
            let statuses = (try? JSONSerialization.jsonObject(with: Data(reply.body)) as? [[String: Any]])?.map { $0["status"] as? Int }
            lock.lock()
            if reply.status == 200, let statuses, statuses.count == numbers.count {
                for (n, s) in zip(numbers, statuses) where s == 202 { acked.insert(n) }
            } else {
                failures += 1
            }
            lock.unlock()
        }
    }
}

struct ServeError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

/// One HTTP/1.1 request per connection over a blocking socket.
enum ServeHTTP {
    struct Reply {
        var status: Int
        var body: [UInt8]
        /// The status line and headers.
        var head = ""
    }

    static func request(port: Int, method: String, path: String, headers: [String: String] = [:], body: [UInt8] = []) throws -> Reply {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ServeError("socket failed") }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 20, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0 else { throw ServeError("connect failed: errno \(errno)") }
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: \(body.count)\r\n"
        for (k, v) in headers { head += "\(k): \(v)\r\n" }
        let bytes = Array((head + "\r\n").utf8) + body
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw ServeError("send failed: errno \(errno)") }
            sent += n
        }
        var buffer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            buffer += chunk[0..<n]
        }
        guard let end = (0..<max(0, buffer.count - 3)).first(where: { buffer[$0] == 13 && buffer[$0 + 1] == 10 && buffer[$0 + 2] == 13 && buffer[$0 + 3] == 10 }) else {
            throw ServeError("no reply")
        }
        let head2 = String(decoding: buffer[0..<end], as: UTF8.self)
        let parts = head2.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, let status = Int(parts[1]) else { throw ServeError("bad status line") }
        return Reply(status: status, body: Array(buffer[(end + 4)...]), head: head2)
    }
}
