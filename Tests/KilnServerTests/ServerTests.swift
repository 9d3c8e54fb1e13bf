import Foundation
import KilnCore
@testable import KilnStore
import Testing
@testable import KilnIngest
@testable import KilnServer

private let json = ["Content-Type": "application/json"]

@Suite(.serialized) struct ServerTests {
    @Test func honeycombBatchGzipAndSingleEvent() async throws {
        let server = try await TestServer()
        let body = try await gzipped(Array(#"[{"time":"2024-05-01T12:00:00Z","samplerate":2,"data":{"a":1,"b":"x"}},{"data":{"a":2.5}}, 7]"#.utf8))
        let reply = try await server.request("POST", "/1/batch/my%20dataset/x", headers: json.merging(["Content-Encoding": "gzip"]) { $1 }, body: body)
        #expect(reply.status == 200)
        let statuses = try #require(try reply.json() as? [[String: Any]]).map { $0["status"] as? Int }
        #expect(statuses == [202, 202, 400])
        let single = try await server.request("POST", "/1/events/my%20dataset/x",
                                        headers: json.merging(["X-Honeycomb-Event-Time": "1700000000", "X-Honeycomb-Samplerate": "5"]) { $1 },
                                        body: Array(#"{"c":true}"#.utf8))
        #expect(single.status == 200)
        let events = try server.events("my dataset/x")
        #expect(events.count == 3)
        #expect(events[0].timestamp == 1_714_564_800_000_000_000 && events[0].sampleRate == 2)
        #expect(Set(events[0].fields) == [Field("a", .int(1)), Field("b", .string("x"))])
        #expect(events[1]["a"] == .float(2.5))
        #expect(events[2] == Event(timestamp: 1_700_000_000_000_000_000, sampleRate: 5, fields: [Field("c", .bool(true))]))
        await server.stop()
    }

    @Test func badInputGetsClearErrorsAndServerKeepsServing() async throws {
        let server = try await TestServer()
        let cases: [(String, String, [String: String], [UInt8], Int, String)] = [
            ("POST", "/1/batch/d", json, Array("[{]".utf8), 400, "expected a string"),
            ("POST", "/1/batch/d", json, Array("{}".utf8), 400, "expected a JSON array"),
            ("POST", "/1/batch/d", ["Content-Type": "application/x-protobuf"], Array("[]".utf8), 415, "Content-Type application/json"),
            ("POST", "/1/batch/d", json.merging(["Content-Encoding": "gzip"]) { $1 }, Array("[]".utf8), 400, "corrupt"),
            ("POST", "/1/batch/d", json.merging(["Content-Encoding": "br"]) { $1 }, Array("[]".utf8), 415, "unsupported Content-Encoding"),
            ("POST", "/v1/traces", ["Content-Type": "application/json"], Array("{\"resourceSpans\":5}".utf8), 400, "must be an array"),
            ("POST", "/v1/traces", ["Content-Type": "text/html"], [], 415, "application/x-protobuf"),
            ("POST", "/api/v2/spans", json, Array("[1]".utf8), 400, "span 0 must be an object"),
            ("GET", "/nope", [:], [], 404, "no endpoint /nope"),
            ("GET", "/1/batch/d", [:], [], 405, "takes POST"),
            ("POST", "/v1/metrics", ["Content-Type": "application/json"], [], 404, "metrics are not supported"),
        ]
        for (method, path, headers, body, status, message) in cases {
            let reply = try await server.request(method, path, headers: headers, body: body)
            #expect(reply.status == status, "\(method) \(path)")
            #expect(reply.text.contains(message), "\(method) \(path): \(reply.text)")
        }
        // A gzip bomb: 200 MB of spaces in ~200 KB; refused once 32 MiB have been inflated.
        let bomb = try await gzipped(Array("[".utf8) + [UInt8](repeating: 0x20, count: 200 << 20) + Array("]".utf8))
        let bombReply = try await server.request("POST", "/1/batch/d", headers: json.merging(["Content-Encoding": "gzip"]) { $1 }, body: bomb)
        #expect(bombReply.status == 413)
        #expect(bombReply.text.contains("decompressed request body is larger than the limit"))
        // Broken protobuf: the reply is a google.rpc.Status in protobuf.
        let proto = try await server.request("POST", "/v1/traces", headers: ["Content-Type": "application/x-protobuf"], body: [0x0A, 0x09, 0x01])
        #expect(proto.status == 400)
        #expect(proto.headers["content-type"] == "application/x-protobuf")
        #expect(proto.body.prefix(2) == [0x08, 0x03])
        #expect(try await server.request("GET", "/healthz").status == 200)
        await server.stop()
    }

    @Test func partialSuccessIsReported() async throws {
        let server = try await TestServer()
        let otlp = #"""
        {"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"p"}}]},"scopeSpans":[{"spans":[
          {"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174","name":"good"},
          {"traceId":"00000000000000000000000000000000","spanId":"eee19b7ec3c1b175","name":"zero trace id"}]}]}]}
        """#
        let reply = try await server.request("POST", "/v1/traces", headers: ["Content-Type": "application/json"], body: Array(otlp.utf8))
        #expect(reply.status == 200)
        let partial = try #require((try reply.json() as? [String: Any])?["partialSuccess"] as? [String: Any])
        #expect(partial["rejectedSpans"] as? String == "1")
        #expect((partial["errorMessage"] as? String)?.contains("all zeros") == true)
        let zipkin = #"[{"traceId":"a03ee8fff1dcd9b9","id":"15fc03927f0f68df","name":"ok"},{"traceId":"nothex","id":"1"}]"#
        let z = try await server.request("POST", "/api/v2/spans", headers: json, body: Array(zipkin.utf8))
        #expect(z.status == 202)
        #expect((try z.json() as? [String: Any])?["rejected"] as? Int == 1)
        #expect(try server.events("p").count == 1)
        #expect(try server.events("unknown_service").count == 1)
        await server.stop()
    }

    @Test func apiKeys() async throws {
        let server = try await TestServer(keys: ["k1", "k2"])
        let body = Array(#"[{"data":{"a":1}}]"#.utf8)
        #expect(try await server.request("POST", "/1/batch/d", headers: json, body: body).status == 401)
        #expect(try await server.request("POST", "/1/batch/d", headers: json.merging(["X-Honeycomb-Team": "nope"]) { $1 }, body: body).status == 401)
        #expect(try await server.request("GET", "/healthz").status == 401)
        #expect(try await server.request("POST", "/1/batch/d", headers: json.merging(["X-Honeycomb-Team": "k2"]) { $1 }, body: body).status == 200)
        #expect(try await server.request("POST", "/1/batch/d", headers: json.merging(["Authorization": "Bearer k1"]) { $1 }, body: body).status == 200)
        #expect(try server.events("d").count == 2)
        await server.stop()
    }

    @Test func nonLoopbackNeedsKeys() throws {
        let dir = try TempDir()
        #expect {
            _ = try KilnServer(configuration: ServerConfiguration(storePath: dir.path("a.db"), host: "0.0.0.0", port: 0))
        } throws: { ($0 as? ServerError)?.message.contains("without API keys") == true }
        _ = try KilnServer(configuration: ServerConfiguration(storePath: dir.path("a.db"), host: "0.0.0.0", port: 0, apiKeys: APIKeys(["k"])))
    }

    @Test func idleAndSlowClientsAreCutOff() async throws {
        var limits = IngestLimits()
        limits.idleTimeoutSeconds = 1
        limits.bodyTimeoutSeconds = 1
        let server = try await TestServer(limits: limits)
        // Half a request head, then nothing: closed after the idle timeout.
        let idle = try RawHTTP(port: server.port)
        try idle.send("POST /1/batch/d HTTP/1.1\r\nHost: x\r\n")
        let started = Date()
        #expect(try await offPool { idle.isClosed() })
        #expect(Date().timeIntervalSince(started) < 5)
        // A body trickling in: 408 once the body deadline has passed.
        let slow = try RawHTTP(port: server.port)
        try slow.send("POST /1/batch/d HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n[")
        var reply: HTTPReply?
        for _ in 0..<8 {
            try await Task.sleep(for: .milliseconds(400))
            try? slow.send(" ")
        }
        reply = try await offPool { try slow.readReply() }
        #expect(reply == nil || reply?.status == 408)
        #expect(try await server.request("GET", "/healthz").status == 200)
        await server.stop()
    }

    @Test(.enabled(if: Python.hasSQLite, "python3 with sqlite3 holds the store's lock from another process"))
    func overloadGives503WithRetryAfter() async throws {
        var limits = IngestLimits()
        limits.maxQueuedEvents = 3
        let server = try await TestServer(limits: limits)
        #expect(try await server.request("POST", "/1/batch/d", headers: json, body: Array(#"[{"data":{"a":0}}]"#.utf8)).status == 200)
        // Another process holds the store's write lock, so commits wait.
        let lock = Process()
        lock.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        lock.arguments = ["python3", "-c", """
        import sqlite3, sys, time
        c = sqlite3.connect(sys.argv[1], isolation_level=None); c.execute("BEGIN EXCLUSIVE"); print("locked", flush=True)
        sys.stdin.readline(); c.execute("COMMIT")
        """, server.storePath]
        let pipe = Pipe(), release = Pipe()
        lock.standardOutput = pipe
        lock.standardInput = release
        try lock.run()
        _ = try await offPool { pipe.fileHandleForReading.availableData }
        let port = server.port
        let first = Task { try await offPool { try RawHTTP.request(port: port, method: "POST", path: "/1/batch/d", headers: json, body: Array(#"[{"data":{"a":1}},{"data":{"a":2}}]"#.utf8)) } }
        // Wait until the first request's two events are queued behind the lock.
        for _ in 0..<100 {
            let health = try await server.request("GET", "/healthz").json() as? [String: Any]
            if health?["queued_events"] as? Int == 2 { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        let refused = try await server.request("POST", "/1/batch/d", headers: json, body: Array(#"[{"data":{"a":3}},{"data":{"a":4}}]"#.utf8))
        #expect(refused.status == 503)
        #expect(refused.headers["retry-after"] == "1")
        #expect(refused.text.contains("not keeping up"))
        // Release the lock: the waiting request is committed and answered.
        release.fileHandleForWriting.write(Data("go\n".utf8))
        let accepted = try await first.value
        #expect(accepted.status == 200)
        try await offPool { lock.waitUntilExit() }
        #expect(try server.events("d").count == 3)
        await server.stop()
    }

    @Test func storeErrorsMapToReplies() {
        #expect(CommitQueue.serverError(StoreError(code: .full, message: "disk full")).status == 503)
        #expect(CommitQueue.serverError(StoreError(code: .full, message: "disk full")).retryAfter == 30)
        #expect(CommitQueue.serverError(StoreError(code: .busy, message: "locked")).status == 503)
        #expect(CommitQueue.serverError(StoreError(code: .corrupt, message: "bad")).status == 500)
        #expect(CommitQueue.serverError(StoreError(code: .sqlite, message: "k.db: step failed: disk I/O error (SQLite code 778)")).status == 503)
        #expect(CommitQueue.serverError(StoreError(code: .sqlite, message: "k.db: step failed: constraint (SQLite code 19)")).status == 500)
    }

    @Test func markers() async throws {
        let server = try await TestServer()
        let added = try await server.request("POST", "/1/markers/web", headers: json,
                                       body: Array(#"{"start_time":1700000000,"end_time":1700000060,"message":"deploy v2","type":"deploy","url":"http://x"}"#.utf8))
        #expect(added.status == 201)
        #expect(try await server.request("POST", "/1/markers/web", headers: json, body: Array(#"{"message":"now"}"#.utf8)).status == 201)
        #expect(try await server.request("POST", "/1/markers/web", headers: json, body: Array(#"{"start_time":"x"}"#.utf8)).status == 400)
        let list = try #require(try await server.request("GET", "/1/markers/web").json() as? [[String: Any]])
        #expect(list.count == 2)
        #expect(list[0]["start_time"] as? Int == 1_700_000_000)
        #expect(list[0]["end_time"] as? Int == 1_700_000_060)
        #expect(list[0]["message"] as? String == "deploy v2")
        #expect(list[0]["url"] as? String == "http://x")
        let stored = try StoreReader(path: server.storePath).markers(dataset: "web")
        // The reader gives each marker its id, the one the HTTP listing shows.
        #expect(stored.first?.id.map(String.init) == list[0]["id"] as? String)
        #expect(stored.first == Marker(start: 1_700_000_000_000_000_000, end: 1_700_000_060_000_000_000, message: "deploy v2", type: "deploy", url: "http://x",
                                       id: stored.first?.id))
        await server.stop()
    }

    @Test func concurrentRequestsShareCommits() async throws {
        let server = try await TestServer()
        let port = server.port
        try await withThrowingTaskGroup(of: Int.self) { group in
            for k in 0..<40 {
                group.addTask {
                    let events = (0..<50).map { #"{"data":{"k":\#(k),"i":\#($0)}}"# }.joined(separator: ",")
                    return try await offPool { try RawHTTP.request(port: port, method: "POST", path: "/1/batch/c", headers: json, body: Array("[\(events)]".utf8)) }.status
                }
            }
            for try await status in group { #expect(status == 200) }
        }
        #expect(try server.events("c").count == 2000)
        let health = try #require(try await server.request("GET", "/healthz").json() as? [String: Any])
        #expect(health["committed_events"] as? Int == 2000)
        #expect((health["commits"] as? Int ?? 0) <= 40)
        await server.stop()
    }

    @Test func aReaderFollowsWhileTheServerWrites() async throws {
        let server = try await TestServer()
        #expect(try await server.request("POST", "/1/batch/live", headers: json, body: Array(#"[{"data":{"n":0}}]"#.utf8)).status == 200)
        let reader = try StoreReader(path: server.storePath)
        var loaded = try reader.load(dataset: "live")
        #expect(loaded.table.count == 1)
        for round in 1...5 {
            let events = (0..<10).map { #"{"data":{"n":\#(round * 10 + $0)}}"# }.joined(separator: ",")
            #expect(try await server.request("POST", "/1/batch/live", headers: json, body: Array("[\(events)]".utf8)).status == 200)
            #expect(try reader.refresh(&loaded) == 10)
        }
        #expect(loaded.table.count == 51)
        await server.stop()
    }

    @Test func retentionDropsOldChunksWhileServing() async throws {
        let server = try await TestServer(retention: RetentionPolicy(maxAge: 86_400_000_000_000, interval: 0.2))
        let now = KilnServer.nowNanos()
        let old = (0..<20).map { #"{"time":\#((now - 3 * 86_400_000_000_000) / 1_000_000_000),"data":{"old":\#($0)}}"# }.joined(separator: ",")
        #expect(try await server.request("POST", "/1/batch/r", headers: json, body: Array("[\(old)]".utf8)).status == 200)
        #expect(try await server.request("POST", "/1/batch/r", headers: json, body: Array(#"[{"data":{"new":1}}]"#.utf8)).status == 200)
        var remaining = -1
        for _ in 0..<50 {
            try await Task.sleep(for: .milliseconds(100))
            remaining = try server.events("r").count
            if remaining == 1 { break }
        }
        #expect(remaining == 1)
        #expect(try server.events("r").first?["new"] == .int(1))
        #expect(try server.datasets().first { $0.name == "r" }?.events == 1)
        await server.stop()
    }
}

@Suite struct RetentionStoreTests {
    @Test func wholeChunksGoAndReadersKeepRefreshing() throws {
        let dir = try TempDir()
        let path = dir.path("r.db")
        let writer = try StoreWriter(path: path, dataset: "d", now: 0)
        let day: Int64 = 86_400_000_000_000
        for (chunk, t) in [Int64(1), 2, 10].enumerated() {
            writer.append((0..<100).map { Event(timestamp: t * day + Int64($0), fields: [Field("c", .int(Int64(chunk))), Field("pad", .string(String(repeating: "x", count: 200) + "\($0)"))]) })
            try writer.commit()
        }
        let reader = try StoreReader(path: path)
        var loaded = try reader.load(dataset: "d")
        #expect(loaded.table.count == 300)
        // A chunk straddling the cutoff stays whole.
        let removed = try EventStore.dropChunks(olderThan: 2 * day + 50, path: path)
        #expect(removed.chunks == 1 && removed.events == 100)
        #expect(try StoreReader(path: path).load(dataset: "d").table.count == 200)
        writer.append([Event(timestamp: 11 * day, fields: [Field("c", .int(3))])])
        try writer.commit()
        #expect(try reader.refresh(&loaded) == 1)
        let info = try #require(try reader.datasets().first)
        #expect(info.events == 201)
        #expect(info.minTime == 2 * day)
        // Size limit: drop oldest chunks until the data fits.
        let before = try EventStore.usedBytes(path: path)
        let shrunk = try EventStore.shrink(toBytes: before - 20_000, path: path)
        #expect(shrunk.chunks >= 1)
        let left = try StoreReader(path: path).load(dataset: "d").table
        #expect(left.count % 100 == 1)
        #expect(try EventStore.usedBytes(path: path) <= before)
    }

    @Test func markersRoundTrip() throws {
        let dir = try TempDir()
        let path = dir.path("m.db")
        #expect(try StoreWriter.markers(dataset: "x", path: path).isEmpty)
        let id = try StoreWriter.addMarker(Marker(start: 5, message: "m", type: "deploy"), dataset: "x", path: path, now: 0)
        #expect(try StoreWriter.markers(dataset: "x", path: path) == [StoredMarker(id: id, marker: Marker(start: 5, message: "m", type: "deploy"))])
    }
}
