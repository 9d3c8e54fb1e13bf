import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `kiln serve` and `kiln ingest` probed as an attacker or an unlucky operator would: names that
/// resolve somewhere unexpected, batches with one bad element, stores that fill up.
@Suite(.serialized) struct HostileInputCLITests {
    /// Runs `command` through `sh -c` inside a new mount namespace, with `/etc/hosts` replaced by
    /// `hosts` there only; nil when mount namespaces are not available.
    static func runWithHosts(_ hosts: String, _ command: String, seconds: Double = 20) throws -> KilnBinary.Result? {
        guard StoreSafetyCLITests.canUnshareMounts else { return nil }
        let dir = try TempDir()
        let hostsPath = dir.path("hosts")
        try hosts.write(toFile: hostsPath, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/unshare")
        process.arguments = ["-m", "sh", "-c", "mount --bind '\(hostsPath)' /etc/hosts && \(command)"]
        let outURL = URL(fileURLWithPath: dir.path("out")), errURL = URL(fileURLWithPath: dir.path("err"))
        FileManager.default.createFile(atPath: outURL.path, contents: nil)
        FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let out = try FileHandle(forWritingTo: outURL), err = try FileHandle(forWritingTo: errURL)
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if process.isRunning {
            process.terminate()
        }
        process.waitUntilExit()
        try? out.close()
        try? err.close()
        return KilnBinary.Result(status: process.terminationStatus, stdout: String(decoding: try Data(contentsOf: outURL), as: UTF8.self),
                                 stderr: String(decoding: try Data(contentsOf: errURL), as: UTF8.self))
    }

    @Test(.enabled(if: StoreSafetyCLITests.canUnshareMounts, "needs root and mount namespaces to give the test its own /etc/hosts"),
          .timeLimit(.minutes(1)))
    func aNameThatLooksLocalButResolvesToAllInterfacesIsRefused() throws {
        let dir = try TempDir()
        let db = dir.path("k.db")
        let hosts = "127.0.0.1 localhost\n0.0.0.0 127.attacker.test\n127.0.0.9 local.kiln.test\n"
        let kiln = KilnBinary.path
        let refused = try #require(try Self.runWithHosts(hosts, "exec '\(kiln)' serve --db '\(db)' --listen 127.attacker.test:0"))
        #expect(refused.status == 64, "\(refused.stderr)")
        #expect(refused.stderr.contains("refusing to listen on 127.attacker.test (it resolves to 0.0.0.0) without API keys"), "\(refused.stderr)")
        #expect(!refused.stderr.contains("loopback only"))

        // With a key it may listen there, and says what it bound.
        let keyed = try #require(try Self.runWithHosts(hosts, "exec '\(kiln)' serve --db '\(db)' --listen 127.attacker.test:0 --api-key k", seconds: 3))
        #expect(keyed.stderr.contains("listening on 0.0.0.0:"), "\(keyed.stderr)")
        #expect(keyed.stderr.contains("1 API key required"), "\(keyed.stderr)")

        // A name that resolves to loopback only is fine without keys, and the bound address is shown.
        let local = try #require(try Self.runWithHosts(hosts, "exec '\(kiln)' serve --db '\(db)' --listen local.kiln.test:0", seconds: 3))
        #expect(local.stderr.contains("listening on 127.0.0.9:"), "\(local.stderr)")
        #expect(local.stderr.contains("(loopback only)"), "\(local.stderr)")
    }

    @Test(.timeLimit(.minutes(1)))
    func oneBadBatchElementSpoilsOnlyItself() throws {
        let dir = try TempDir()
        let server = try ServeProcess(db: dir.path("k.db"))
        defer { server.stop() }
        let bad = [
            #"{"time":true,"data":{"n":1}}"#,
            #"{"time":{"at":1},"data":{"n":2}}"#,
            #"{"time":[1,2],"data":{"n":3}}"#,
            #"{"samplerate":true,"data":{"n":4}}"#,
            #"{"samplerate":{"x":[]},"data":{"n":5}}"#,
            #"{"samplerate":[2],"data":{"n":6}}"#,
        ]
        let good = (0..<3).map { #"{"time":1700000000,"samplerate":4,"data":{"n":\#(100 + $0)}}"# }
        let body = "[" + (good[0...0] + bad + good[1...]).joined(separator: ",") + "]"
        let reply = try ServeHTTP.request(port: server.port, method: "POST", path: "/1/batch/mixed",
                                          headers: ["Content-Type": "application/json"], body: Array(body.utf8))
        #expect(reply.status == 200, "\(String(decoding: reply.body, as: UTF8.self))")
        let answers = try #require(try JSONSerialization.jsonObject(with: Data(reply.body)) as? [[String: Any]])
        #expect(answers.map { $0["status"] as? Int } == [202, 400, 400, 400, 400, 400, 400, 202, 202])
        let reasons = answers.compactMap { $0["error"] as? String }
        #expect(reasons.count == 6)
        #expect(reasons[0].contains("\"time\" must be") && reasons[0].contains("boolean"), "\(reasons)")
        #expect(reasons[1].contains("object") && reasons[2].contains("array"), "\(reasons)")
        #expect(reasons[3].contains("\"samplerate\" must be a number"), "\(reasons)")

        let query = try KilnBinary.run(["query", "--db", dir.path("k.db"), "--dataset", "mixed", "--calc", "COUNT", "--format", "json"])
        let rows = try #require(try KilnBinary.json(query)["rows"] as? [[String: Any]])
        #expect(rows.first?["COUNT"] as? Int == 12, "three good events of sample rate 4: \(query.stdout)")

        // Malformed JSON still rejects the whole body.
        let broken = try ServeHTTP.request(port: server.port, method: "POST", path: "/1/batch/mixed",
                                           headers: ["Content-Type": "application/json"], body: Array(#"[{"time":tru,"data":{}}]"#.utf8))
        #expect(broken.status == 400)
    }

    @Test(.enabled(if: StoreSafetyCLITests.canUnshareMounts, "needs root and mount namespaces for a small tmpfs"),
          .timeLimit(.minutes(2)))
    func ingestOnAFullDiskReportsWhatWasStored() throws {
        let dir = try TempDir()
        let input = dir.path("ids.jsonl")
        var generator = SystemRandomNumberGenerator()
        let lines = (0..<200_000).map { n in
            #"{"n":\#(n),"id":"\#(String(generator.next(), radix: 16))\#(String(generator.next(), radix: 16))"}"#
        }
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: input))
        let mount = dir.path("full")
        try FileManager.default.createDirectory(atPath: mount, withIntermediateDirectories: true)
        let kiln = KilnBinary.path, db = mount + "/k.db"
        // The tmpfs exists only in the namespace: ingest and read back inside it.
        let script = "mount -t tmpfs -o size=12m tmpfs '\(mount)' && '\(kiln)' ingest --db '\(db)' --dataset d --format jsonl '\(input)'; "
            + "echo status=$?; '\(kiln)' datasets --db '\(db)' --format json"
        let result = try #require(try Self.runWithHosts("127.0.0.1 localhost\n", script, seconds: 90))
        #expect(result.stdout.contains("status=2"), "\(result.stdout) \(result.stderr)")
        #expect(result.stderr.contains("disk is full"), "\(result.stderr)")
        let json = try #require(result.stdout.split(separator: "\n").last.map(String.init))
        let datasets = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let stored = try #require((datasets["datasets"] as? [[String: Any]])?.first?["events"] as? Int)
        #expect(stored < 200_000, "the disk filled before the end")
        let digits = Array(String(stored))
        let grouped = String(digits.enumerated().flatMap { i, c in i > 0 && (digits.count - i) % 3 == 0 ? [",", c] : [c] })
        #expect(result.stderr.contains("ingested \(grouped) events"), "stored \(stored): \(result.stderr)")
        #expect(result.stderr.contains("events read were not stored"), "\(result.stderr)")
    }

    @Test(.timeLimit(.minutes(1)))
    func fieldsPastTheDatasetLimitAreDroppedAndCounted() throws {
        let dir = try TempDir()
        let db = dir.path("k.db")
        let server = try ServeProcess(db: db, extra: ["--max-fields", "50"])
        defer { server.stop() }
        // 10 events of 20 new names each: the first 50 names are kept, 150 values dropped.
        let events = (0..<10).map { e in
            let fields = (0..<20).map { #""f\#(e)_\#($0)":\#($0)"# }.joined(separator: ",")
            return #"{"data":{\#(fields)}}"#
        }
        let reply = try ServeHTTP.request(port: server.port, method: "POST", path: "/1/batch/wide",
                                          headers: ["Content-Type": "application/json"], body: Array("[\(events.joined(separator: ","))]".utf8))
        #expect(reply.status == 200)
        // The answer says which events lost fields: events 0 and 1 kept theirs (40 names),
        // event 2 kept 10 of 20, the rest lost all 20.
        let answers = try #require(try JSONSerialization.jsonObject(with: Data(reply.body)) as? [[String: Any]])
        #expect(answers.map { $0["status"] as? Int } == Array(repeating: 202, count: 10))
        #expect(answers.map { $0["dropped_fields"] as? Int ?? 0 } == [0, 0, 10, 20, 20, 20, 20, 20, 20, 20])
        // A 2,000-byte name is dropped too; the event keeps its other field.
        let long = String(repeating: "n", count: 2_000)
        let single = try ServeHTTP.request(port: server.port, method: "POST", path: "/1/batch/long",
                                           headers: ["Content-Type": "application/json"], body: Array(#"[{"data":{"\#(long)":1,"ok":2}}]"#.utf8))
        #expect(single.status == 200)
        #expect(String(decoding: single.body, as: UTF8.self) == #"[{"status":202,"dropped_fields":1}]"#)
        let health = try ServeHTTP.request(port: server.port, method: "GET", path: "/healthz")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(health.body)) as? [String: Any])
        let dropped = try #require(json["dropped_field_values"] as? [String: Any], "\(String(decoding: health.body, as: UTF8.self))")
        #expect(dropped["wide"] as? Int == 150)
        #expect(dropped["long"] as? Int == 1)
        // The same batch again: the names dropped are the same ones, the events and values new.
        let again = try ServeHTTP.request(port: server.port, method: "POST", path: "/1/batch/wide",
                                          headers: ["Content-Type": "application/json"], body: Array("[\(events.joined(separator: ","))]".utf8))
        #expect(again.status == 200)
        server.stop()

        // `kiln fields` says what the limits dropped, in JSON and in the table.
        let wideFields = try KilnBinary.json(try KilnBinary.run(["fields", "--db", db, "--dataset", "wide", "--format", "json"]))
        #expect(wideFields["dropped_field_names"] as? Int == 150, "\(wideFields.filter { $0.key.hasPrefix("dropped") })")
        #expect(wideFields["dropped_field_events"] as? Int == 16, "8 events lost fields in each batch")
        #expect(wideFields["dropped_field_values"] as? Int == 300)
        let table = try KilnBinary.run(["fields", "--db", db, "--dataset", "wide"])
        #expect(table.stdout.contains("dropped by the field limits: 150 field names, 300 values in 16 events"), "\(table.stdout.suffix(300))")
        let longFields = try KilnBinary.json(try KilnBinary.run(["fields", "--db", db, "--dataset", "long", "--format", "json"]))
        #expect(longFields["dropped_field_names"] as? Int == 1)
        let clean = try KilnBinary.run(["fields", "--db", db, "--dataset", "long"])
        #expect(clean.status == 0)

        let datasets = try KilnBinary.json(try KilnBinary.run(["datasets", "--db", db, "--format", "json"]))
        let wide = (datasets["datasets"] as? [[String: Any]])?.first { $0["name"] as? String == "wide" }
        #expect(wide?["fields"] as? Int == 50)
        #expect(wide?["events"] as? Int == 20, "every event of both batches is kept")
        let fields = try KilnBinary.run(["fields", "--db", db, "--dataset", "long", "--format", "json"])
        #expect(fields.stdout.contains("\"ok\"") && !fields.stdout.contains(long), "\(fields.stdout.prefix(300))")

        // `kiln ingest` holds the same limit and says what it dropped.
        let lines = "{\"ok\":1,\"\(long)\":2}\n"
        let ingest = try KilnBinary.run(["ingest", "--db", db, "--dataset", "long", "--format", "jsonl", "-"], stdin: Data(lines.utf8))
        #expect(ingest.status == 0, "\(ingest.stderr)")
        #expect(ingest.stderr.contains("1 field values dropped"), "\(ingest.stderr)")
    }

    @Test(.timeLimit(.minutes(1)))
    func aNulInAKeyDoesNotTruncateItToAnotherName() throws {
        let dir = try TempDir()
        let db = dir.path("k.db")
        let server = try ServeProcess(db: db)
        defer { server.stop() }
        let body = #"[{"data":{"a":1,"a\u0000b":2}},{"data":{"a\u0000b":3}}]"#
        let reply = try ServeHTTP.request(port: server.port, method: "POST", path: "/1/batch/nul",
                                          headers: ["Content-Type": "application/json"], body: Array(body.utf8))
        #expect(reply.status == 200, "\(String(decoding: reply.body, as: UTF8.self))")
        #expect(String(decoding: reply.body, as: UTF8.self) == #"[{"status":202},{"status":202}]"#)
        server.stop()
        let fields = try KilnBinary.json(try KilnBinary.run(["fields", "--db", db, "--dataset", "nul", "--format", "json"]))
        let names = ((fields["fields"] as? [[String: Any]]) ?? []).compactMap { $0["name"] as? String }
        #expect(names.count == 2, "\(names)")
        #expect(names.contains("a"))
        #expect(names.contains { $0.hasPrefix("a") && $0.count > 1 }, "the NUL name is its own field: \(names)")
        let sum = try KilnBinary.json(try KilnBinary.run(["query", "--db", db, "--dataset", "nul", "--calc", "SUM(a)", "--format", "json"]))
        #expect(((sum["rows"] as? [[String: Any]])?.first?["SUM(a)"] as? Int) == 1, "the values of a\\0b are not summed into a")
    }

    @Test(.timeLimit(.minutes(1)))
    func aSizeLimitBelowTheDictionariesKeepsTheNewestEventsAndSaysSo() throws {
        let dir = try TempDir()
        let db = dir.path("k.db")
        var generator = SystemRandomNumberGenerator()
        let lines = (0..<100_000).map { n in
            #"{"time":\#(1_700_000_000 + n),"id":"\#(String(generator.next() | 1 << 63, radix: 16))\#(String(generator.next() | 1 << 63, radix: 16))"}"#
        }
        let ingest = try KilnBinary.run(["ingest", "--db", db, "--dataset", "ids", "--format", "jsonl", "-"], stdin: Data(lines.joined(separator: "\n").utf8))
        #expect(ingest.status == 0, "\(ingest.stderr)")
        let server = try ServeProcess(db: db, extra: ["--max-db-size", "1MB"])
        defer { server.stop() }
        var retention: [String: Any] = [:]
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            let health = try ServeHTTP.request(port: server.port, method: "GET", path: "/healthz")
            retention = ((try JSONSerialization.jsonObject(with: Data(health.body)) as? [String: Any])?["retention"] as? [String: Any]) ?? [:]
            if retention["error"] != nil { break }
            Thread.sleep(forTimeInterval: 0.1)
        }
        #expect((retention["error"] as? String)?.contains("over --max-db-size") == true, "/healthz reports the limit it cannot hold: \(retention)")
        server.stop()
        let datasets = try KilnBinary.json(try KilnBinary.run(["datasets", "--db", db, "--format", "json"]))
        let ids = try #require((datasets["datasets"] as? [[String: Any]])?.first)
        let kept = try #require(ids["events"] as? Int)
        #expect(kept > 0 && kept < 100_000, "the oldest chunk went, the newest stayed: \(kept)")
        #expect(ids["to"] as? String == "2023-11-16T01:59:59Z", "the newest event is kept: \(ids)")
    }

    @Test(.timeLimit(.minutes(1)), arguments: [["--format", "csv"], []])
    func aCSVHeaderThatIsNotUTF8IsRefusedNotReplacedByTheFirstRow(format: [String]) throws {
        let dir = try TempDir()
        let db = dir.path("k.db")
        let file = dir.path("bad.csv")
        var bytes = Array("status,ro".utf8) + [0xFF, 0xFE] + Array("te,duration_ms\n".utf8)
        bytes += Array("200,/a,12\n500,/b,30\n".utf8)
        FileManager.default.createFile(atPath: file, contents: Data(bytes))
        let r = try KilnBinary.run(["ingest", "--db", db, "--dataset", "bad"] + format + [file])
        if format.isEmpty {
            // Format detection already refuses the file, naming it and the byte.
            #expect(r.status == 2, "\(r.stderr)")
            #expect(r.stderr.contains("bad.csv: binary data, not UTF-8 text (byte 10)"), "\(r.stderr)")
            return
        }
        #expect(r.status == 1, "\(r.stderr)")
        #expect(r.stderr.contains("bad.csv:1: the header row is not valid UTF-8 (column 10)"), "\(r.stderr)")
        #expect(r.stderr.contains("bad.csv:2: not read: the header (line 1) is not valid UTF-8"), "\(r.stderr)")
        #expect(!r.stderr.contains("ingested 1 event"), "the first row did not become the header: \(r.stderr)")
        let fields = try KilnBinary.run(["fields", "--db", db, "--dataset", "bad", "--format", "json"])
        #expect(!fields.stdout.contains("\"200\""), "no field is named after a row's value: \(fields.stdout)")
    }

    @Test(.timeLimit(.minutes(1)))
    func rawEventsOfADatasetWithManySparseFieldsReadBackWhole() throws {
        let dir = try TempDir()
        let db = dir.path("k.db")
        // 2,000 events, each with 2 of 1,500 attribute names: more fields than raw events load.
        var generator = SystemRandomNumberGenerator()
        var expected: [Int: [String: String]] = [:]
        let lines = (0..<2_000).map { n -> String in
            let a = Int.random(in: 0..<1_500, using: &generator)
            let b = (a + 1 + Int.random(in: 0..<1_499, using: &generator)) % 1_500
            expected[n] = ["attr_\(a)": "v\(n)_\(a)", "attr_\(b)": "v\(n)_\(b)"]
            return #"{"time":\#(1_700_000_000 + n),"n":\#(n),"parity":"\#(n % 2 == 0 ? "even" : "odd")","attr_\#(a)":"v\#(n)_\#(a)","attr_\#(b)":"v\#(n)_\#(b)"}"#
        }
        let ingest = try KilnBinary.run(["ingest", "--db", db, "--dataset", "wide", "--max-fields", "2000", "--format", "jsonl", "-"],
                                        stdin: Data(lines.joined(separator: "\n").utf8))
        #expect(ingest.status == 0, "\(ingest.stderr)")
        let raw = try KilnBinary.json(try KilnBinary.run(["query", "--db", db, "--dataset", "wide", "--since", "all",
                                                          "--where", "parity = odd", "--limit", "5", "--format", "json"]))
        let events = try #require(raw["events"] as? [[String: Any]])
        #expect(events.compactMap { $0["n"] as? Int } == [1_999, 1_997, 1_995, 1_993, 1_991])
        for event in events {
            let n = try #require(event["n"] as? Int)
            var attrs: [String: String] = [:]
            for (k, v) in event where k.hasPrefix("attr_") { attrs[k] = v as? String }
            #expect(attrs == expected[n], "event \(n): \(event)")
            #expect(event["parity"] as? String == "odd")
        }
    }

    /// A TCP connection to 127.0.0.1:`port`, or -1.
    static func connectLoopback(_ port: Int) -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return -1 }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        if rc != 0 { close(fd); return -1 }
        return fd
    }

    /// Waits up to `seconds` for bytes on `fd`.
    static func hasReply(_ fd: Int32, within seconds: Double) -> Bool {
        var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return poll(&poller, 1, Int32(seconds * 1000)) > 0
    }

    @Test(.timeLimit(.minutes(1)))
    func connectionsPastTheCapWaitUntilOneCloses() throws {
        let dir = try TempDir()
        let server = try ServeProcess(db: dir.path("k.db"))
        defer { server.stop() }
        // 64 connections that send nothing hold every slot.
        var idle = (0..<64).map { _ in Self.connectLoopback(server.port) }
        defer { for fd in idle where fd >= 0 { close(fd) } }
        #expect(idle.allSatisfy { $0 >= 0 })
        Thread.sleep(forTimeInterval: 0.5)
        let extra = Self.connectLoopback(server.port)
        #expect(extra >= 0, "the kernel's backlog still takes the connection")
        defer { close(extra) }
        let request = Array("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".utf8)
        #expect(request.withUnsafeBytes { send(extra, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) } == request.count)
        #expect(!Self.hasReply(extra, within: 1.5), "the 65th connection is not served while 64 are open")
        close(idle[0])
        idle[0] = -1
        #expect(Self.hasReply(extra, within: 10), "it is served once one closes")
        var buffer = [UInt8](repeating: 0, count: 512)
        let n = buffer.withUnsafeMutableBytes { recv(extra, $0.baseAddress, $0.count, 0) }
        #expect(n > 0 && String(decoding: buffer[0..<max(0, n)], as: UTF8.self).hasPrefix("HTTP/1.1 200"))
    }
}
