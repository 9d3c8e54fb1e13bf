import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

extension ClickHouseSerial {
    /// `kiln serve --db clickhouse://...` on a real two-shard cluster: a real libhoney client, an
    /// acknowledgement only for what ClickHouse confirmed (kill -9 loses nothing acknowledged), and
    /// 503 with Retry-After while the cluster is down.
    @Suite(.serialized, .enabled(if: ClickHouseCluster.available, "needs clickhouse-server (apt-get install clickhouse-server clickhouse-client)"))
    struct ClickHouseServeTests {
        static let hasLibhoney: Bool = {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            p.arguments = ["python3", "-c", "import libhoney"]
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            guard (try? p.run()) != nil else { return false }
            p.waitUntilExit()
            return p.terminationStatus == 0
        }()

        /// The event times (ns) stored for `dataset`, read from ClickHouse itself.
        static func storedTimes(_ cluster: ClickHouseCluster, dataset: String) throws -> [Int64] {
            let sql = "SELECT timestamp_ns FROM kiln.events WHERE dataset = '\(dataset)' FORMAT TSV"
            let r = try ClickHouseCluster.shell(["-c", "curl -sS --data-binary \"$0\" http://127.0.0.1:\(cluster.base)/", sql])
            #expect(r.status == 0, "\(r.stderr)")
            return r.stdout.split(separator: "\n").compactMap { Int64($0) }
        }

        @Test(.enabled(if: hasLibhoney, "python3 -c 'import libhoney' fails: pip install libhoney"))
        func libhoneyThroughServeLandsInTheCluster() throws {
            let cluster = try ClickHouseCluster()
            let server = try ServeProcess(db: cluster.url("user=kiln&password=kiln-secret"))
            let script = """
            import json, sys, libhoney
            n, port = int(sys.argv[1]), sys.argv[2]
            client = libhoney.Client(writekey="k", dataset="honey", api_host="http://127.0.0.1:" + port,
                                     max_batch_size=100, send_frequency=0.05, block_on_send=True, block_on_response=True)
            for i in range(n):
                ev = client.new_event()
                ev.add({"i": i, "name": "op-%d" % (i % 7), "duration_ms": i * 0.5, "ok": i % 3 == 0, "trace.trace_id": "t%d" % (i % 50)})
                ev.sample_rate = 1 + i % 2
                ev.send_presampled()
            client.flush()
            ok = failed = 0
            while ok + failed < n:
                r = client.responses().get(timeout=30)
                if r["status_code"] == 202 and not r["error"]:
                    ok += 1
                else:
                    failed += 1
            client.close()
            print(json.dumps({"ok": ok, "failed": failed}))
            """
            let python = Process()
            python.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            python.arguments = ["python3", "-c", script, "600", String(server.port)]
            let out = Pipe()
            python.standardOutput = out
            try python.run()
            let report = out.fileHandleForReading.readDataToEndOfFile()
            python.waitUntilExit()
            let json = try #require(try JSONSerialization.jsonObject(with: report) as? [String: Any], "\(String(decoding: report, as: UTF8.self))")
            #expect(json["ok"] as? Int == 600)
            #expect(try Self.storedTimes(cluster, dataset: "honey").count == 600)
            let count = try KilnBinary.run(["query", "--db", cluster.url, "--dataset", "honey", "--since", "all", "--calc", "COUNT", "--calc", "SUM(i)", "--format", "json"])
            #expect(count.stdout == #"{"rows":[{"COUNT":900,"SUM(i)":269700}],"weighted":true}"# + "\n", "\(count.stdout) \(count.stderr)")
            let one = try KilnBinary.run(["query", "--db", cluster.url, "--dataset", "honey", "--since", "all", "--where", "i = 5", "--format", "json"])
            #expect(one.stdout.contains(#""name":"op-5""#) && one.stdout.contains(#""duration_ms":2.5"#) && one.stdout.contains(#""ok":false"#), "\(one.stdout)")
            let health = try ServeHTTP.request(port: server.port, method: "GET", path: "/healthz")
            #expect(!String(decoding: health.body, as: UTF8.self).contains("kiln-secret"))
            server.stop()
            #expect(!server.stderr().contains("kiln-secret"))
        }

        @Test func killDashNineLosesNoAcknowledgedEvent() throws {
            let cluster = try ClickHouseCluster()
            let server = try ServeProcess(db: cluster.url)
            let load = SequencedLoad(port: server.port, dataset: "dur", connections: 4, batch: 50)
            load.start()
            load.waitForAcknowledged(1000, seconds: 30)
            Thread.sleep(forTimeInterval: 0.2)
            kill(server.process.processIdentifier, SIGKILL)
            server.process.waitUntilExit()
            load.stop()
            let acknowledged = load.acknowledged
            #expect(acknowledged.count >= 500, "the load should have been acknowledged for a while before the kill")
            let stored = Set(try Self.storedTimes(cluster, dataset: "dur").map { Int($0 - SequencedLoad.base) })
            let missing = acknowledged.subtracting(stored)
            #expect(missing.isEmpty, "\(missing.count) acknowledged events lost, e.g. \(missing.sorted().prefix(5))")
            #expect(stored.count - acknowledged.count <= 4 * 50, "at most the requests in flight at the kill are stored unacknowledged")
        }

        @Test func answers503WithRetryAfterWhileTheClusterIsDown() throws {
            let cluster = try ClickHouseCluster()
            let server = try ServeProcess(db: cluster.url)
            let body = Array(#"[{"time":"2026-12-01T00:00:00Z","data":{"n":1,"trace.trace_id":"a"}},{"data":{"n":2,"trace.trace_id":"b"}}]"#.utf8)
            let ok = try ServeHTTP.request(port: server.port, method: "POST", path: "/1/batch/down", headers: ["Content-Type": "application/json"], body: body)
            #expect(ok.status == 200)
            try cluster.kill(shard: 1)
            let started = Date()
            let refused = try ServeHTTP.request(port: server.port, method: "POST", path: "/1/batch/down", headers: ["Content-Type": "application/json"], body: body)
            #expect(Date().timeIntervalSince(started) < 15)
            #expect(refused.status == 503, "\(refused.head) \(String(decoding: refused.body, as: UTF8.self))")
            #expect(refused.head.lowercased().contains("retry-after:"), "\(refused.head)")
            try cluster.kill(shard: 0)
            let refused2 = try ServeHTTP.request(port: server.port, method: "POST", path: "/1/batch/down", headers: ["Content-Type": "application/json"], body: body)
            #expect(refused2.status == 503)
            #expect(refused2.head.lowercased().contains("retry-after:"))
            server.stop()
        }
    }
}
