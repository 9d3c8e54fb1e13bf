import Foundation
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `kiln serve --alert-webhook/--alert-command`: a real receiver on loopback gets "firing" while
/// events stream in, then "resolved"; secrets in the URL never reach the logs; a dead receiver
/// never slows ingestion.
@Suite(.serialized) struct SLOAlertCLITests {
    /// A Python http.server on loopback that answers the first POST with 503 (so that the
    /// sender must retry) and every later one with 200, appending each body as one line to a file.
    final class Receiver {
        let process = Process()
        let port: Int
        let log: String

        init(dir: TempDir) throws {
            log = dir.path("received.jsonl")
            let portFile = dir.path("port")
            let script = """
            import http.server, os, sys
            log, port_file = sys.argv[1], sys.argv[2]
            seen = [0]
            class H(http.server.BaseHTTPRequestHandler):
                def do_POST(self):
                    body = self.rfile.read(int(self.headers.get('Content-Length', 0)))
                    seen[0] += 1
                    if seen[0] == 1:
                        self.send_response(503); self.send_header('Content-Length', '0'); self.end_headers(); return
                    with open(log, 'ab') as f:
                        f.write(body.replace(b'\\n', b' ') + b'\\n')
                    self.send_response(200); self.send_header('Content-Length', '0'); self.end_headers()
                def log_message(self, *args):
                    pass
            server = http.server.HTTPServer(('127.0.0.1', 0), H)
            with open(port_file + '.tmp', 'w') as f:
                f.write(str(server.server_port))
            os.rename(port_file + '.tmp', port_file)
            server.serve_forever()
            """
            FileManager.default.createFile(atPath: log, contents: nil)
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["python3", "-c", script, log, portFile]
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            var found: Int?
            for _ in 0..<200 where found == nil {
                Thread.sleep(forTimeInterval: 0.05)
                found = (try? String(contentsOfFile: portFile, encoding: .utf8)).flatMap { Int($0) }
            }
            guard let found else {
                kill(process.processIdentifier, SIGKILL)
                throw ServeError("the webhook receiver did not start")
            }
            port = found
        }

        deinit {
            // SIGKILL: the child inherits the test runner's blocked signals, so SIGTERM waits.
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
            }
        }
    }

    /// The JSON objects in a file of one object per line.
    static func objects(_ path: String) -> [[String: Any]] {
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }

    static func waitFor(_ seconds: Double, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return condition()
    }

    /// Posts `count` events timed now with `status` and `sampleRate`; returns the HTTP status
    /// and the seconds the request took.
    @discardableResult
    static func send(port: Int, count: Int, status: Int, sampleRate: Int = 1) throws -> (status: Int, seconds: Double) {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let now = formatter.string(from: Date())
        let events = (0..<count).map { i in #"{"time":"\#(now)","samplerate":\#(sampleRate),"data":{"status":\#(status),"n":\#(i)}}"# }
        let started = Date()
        let reply = try ServeHTTP.request(port: port, method: "POST", path: "/1/batch/api", headers: ["Content-Type": "application/json"],
                                          body: Array("[\(events.joined(separator: ","))]".utf8))
        return (reply.status, Date().timeIntervalSince(started))
    }

    @Test(.enabled(if: ServeCLITests.hasPython, "python3 runs the webhook receiver"))
    func serveFiresThenResolvesToAWebhookAndACommand() throws {
        let dir = try TempDir()
        let db = dir.path("k.db")
        let add = try KilnBinary.run(["slo", "add", "api", "--db", db, "--dataset", "api", "--good", "status < 500", "--target", "99"])
        #expect(add.status == 0, "\(add.stderr)")
        let receiver = try Receiver(dir: dir)
        let commandLog = dir.path("command.jsonl")
        let webhook = "http://kiln:hunter2@127.0.0.1:\(receiver.port)/hooks/T0SECRETPATH?token=SECRETQUERY"
        let server = try ServeProcess(db: db, extra: ["--alert-webhook", webhook, "--alert-command", "cat >> '\(commandLog)'",
                                                      "--alert-interval", "0.2", "--alert-retry-delay", "0.2"])
        defer { server.stop() }
        // Good traffic streams in throughout.
        let stop = StopFlag()
        let finished = DispatchSemaphore(value: 0)
        let port = server.port
        let streamer = Thread {
            while !stop.isSet {
                _ = try? Self.send(port: port, count: 20, status: 200)
                Thread.sleep(forTimeInterval: 0.05)
            }
            finished.signal()
        }
        streamer.start()
        defer {
            stop.set()
            _ = finished.wait(timeout: .now() + 30)
        }
        Thread.sleep(forTimeInterval: 1)
        #expect(Self.objects(receiver.log).isEmpty, "nothing fires on good traffic")
        // An incident: as many failures as the good events so far, so every window burns ~50×.
        for _ in 0..<10 { #expect(try Self.send(port: server.port, count: 50, status: 503).status == 200) }
        let fired = Self.waitFor(20) { Self.objects(receiver.log).filter { $0["state"] as? String == "firing" }.count == 3 }
        #expect(fired, "three alerts fire: \(Self.objects(receiver.log)) \(server.stderr())")
        let firing = Self.objects(receiver.log).filter { $0["state"] as? String == "firing" }
        #expect(Set(firing.compactMap { $0["severity"] as? String }) == ["page", "ticket"])
        for event in firing {
            #expect(event["slo"] as? String == "api")
            #expect(event["dataset"] as? String == "api")
            let rates = event["burn_rates"] as? [String: Double] ?? [:]
            #expect(Set(rates.keys) == ["5m", "30m", "1h", "6h", "3d"])
            // Every alert needs its short window above 1 at least (the ticket's threshold).
            #expect((rates["6h"] ?? 0) > 1)
            #expect(Set((event["budget"] as? [String: Any] ?? [:]).keys) == ["allowed_bad", "used_pct", "remaining_pct"])
            #expect((event["at"] as? String)?.hasSuffix("Z") == true)
        }
        // The fast page fired with its 5-minute burn rate above 14.4 (the others may fire at a
        // later evaluation, once more good traffic has diluted that window).
        #expect(firing.contains { (($0["burn_rates"] as? [String: Double])?["5m"] ?? 0) > 14.4 })
        // Recovery: one good event standing for a million brings every window under its threshold.
        #expect(try Self.send(port: server.port, count: 1, status: 200, sampleRate: 1_000_000).status == 200)
        let resolved = Self.waitFor(20) { Self.objects(receiver.log).filter { $0["state"] as? String == "resolved" }.count == 3 }
        #expect(resolved, "three alerts resolve: \(Self.objects(receiver.log))")
        stop.set()
        #expect(Self.objects(receiver.log).count == 6, "each alert fires once and resolves once")
        // The command got the same notifications.
        #expect(Self.waitFor(5) { Self.objects(commandLog).count == 6 })
        #expect(Self.objects(commandLog).map { $0["state"] as? String }.filter { $0 == "firing" }.count == 3)
        // The first POST got 503 and was retried; no secret of the URL was logged.
        server.stop()
        let log = server.stderr()
        #expect(log.contains("retrying"), "\(log)")
        #expect(log.contains("127.0.0.1:\(receiver.port)"))
        for secret in ["hunter2", "SECRETPATH", "SECRETQUERY", "kiln:"] { #expect(!log.contains(secret), "\(secret) leaked: \(log)") }
    }

    @Test func aDeadReceiverNeverSlowsIngestion() throws {
        let dir = try TempDir()
        let db = dir.path("k.db")
        #expect(try KilnBinary.run(["slo", "add", "api", "--db", db, "--dataset", "api", "--good", "status < 500", "--target", "99"]).status == 0)
        // A socket that listens but never answers: every POST waits for its timeout.
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        listen(fd, 16)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        let port = Int(UInt16(bigEndian: address.sin_port))
        let server = try ServeProcess(db: db, extra: ["--alert-webhook", "http://127.0.0.1:\(port)/x", "--alert-interval", "0.1"])
        defer { server.stop() }
        #expect(try Self.send(port: server.port, count: 100, status: 503).status == 200)
        Thread.sleep(forTimeInterval: 0.5)
        #expect(Self.waitFor(5) { server.stderr().contains("alert: SLO api") }, "the alert fired: \(server.stderr())")
        var slowest = 0.0
        for _ in 0..<40 {
            let reply = try Self.send(port: server.port, count: 50, status: 200)
            #expect(reply.status == 200)
            slowest = max(slowest, reply.seconds)
        }
        #expect(slowest < 1, "ingestion waited \(slowest) s while the webhook hung")
    }
}

/// A flag one thread sets and another polls.
final class StopFlag: Sendable {
    private let value = Atomic<Bool>(false)
    var isSet: Bool { value.load(ordering: .relaxed) }
    func set() { value.store(true, ordering: .relaxed) }
}
