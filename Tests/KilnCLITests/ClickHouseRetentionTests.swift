import Foundation
import Testing

extension ClickHouseSerial {
    /// `kiln serve --db clickhouse://... --retention AGE --max-db-size SIZE` on a real two-shard
    /// cluster: whole day partitions dropped on every shard, the newest day kept, and the
    /// statements run on current ClickHouse (chdb) with the same answers as on 18.16.
    @Suite(.serialized, .enabled(if: ClickHouseCluster.available, "needs clickhouse-server (apt-get install clickhouse-server clickhouse-client)"))
    struct ClickHouseRetentionTests {
        static let day: Int64 = 86_400

        /// The start of the UTC day `days` days from today's, in seconds.
        static func dayStart(_ days: Int64) -> Int64 {
            let now = Int64(Date().timeIntervalSince1970)
            return (now / day + days) * day
        }

        /// `seconds` as the partition id ClickHouse gives its day (`toYYYYMMDD`, UTC).
        static func partition(_ seconds: Int64) -> String {
            let f = DateFormatter()
            f.timeZone = TimeZone(identifier: "UTC")
            f.locale = Locale(identifier: "en_US_POSIX")
            f.dateFormat = "yyyyMMdd"
            return f.string(from: Date(timeIntervalSince1970: TimeInterval(seconds)))
        }

        /// JSON lines of `count` events at `times(i)` (seconds), spread over many trace ids (and so shards).
        static func lines(_ count: Int, label: String, time: (Int) -> Int64) -> String {
            let f = ISO8601DateFormatter()
            var out = ""
            for i in 0..<count {
                let t = f.string(from: Date(timeIntervalSince1970: TimeInterval(time(i))))
                out += #"{"timestamp":"\#(t)","duration_ms":\#(i % 97),"trace.trace_id":"\#(label)-\#(i)","day":"\#(label)","n":\#(i),"path":"/a/\#(i % 13)"}"# + "\n"
            }
            return out
        }

        /// Runs `sql` on the server at HTTP `port` and returns its TSV rows.
        static func sql(_ sql: String, port: Int) throws -> [[String]] {
            let r = try ClickHouseCluster.shell(["-c", "curl -sS --fail --data-binary \"$0\" http://127.0.0.1:\(port)/", sql + " FORMAT TSV"])
            #expect(r.status == 0, "\(sql): \(r.stderr)")
            return r.stdout.split(separator: "\n").map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
        }

        /// The events partitions of every shard: partition id → (events, bytes on disk).
        static func partitions(_ cluster: ClickHouseCluster) throws -> [String: (events: Int, bytes: Int)] {
            var out: [String: (events: Int, bytes: Int)] = [:]
            for port in [cluster.base, cluster.base + 10] {
                let rows = try sql("SELECT partition_id, sum(rows), sum(bytes_on_disk) FROM system.parts WHERE database = 'kiln' AND table = 'events_local' AND active GROUP BY partition_id", port: port)
                for r in rows where r.count == 3 {
                    let old = out[r[0]] ?? (0, 0)
                    out[r[0]] = (old.events + (Int(r[1]) ?? 0), old.bytes + (Int(r[2]) ?? 0))
                }
            }
            return out
        }

        /// Bytes on disk of every active part of the database, on both shards.
        static func databaseBytes(_ cluster: ClickHouseCluster) throws -> Int {
            try [cluster.base, cluster.base + 10].reduce(0) { total, port in
                total + (Int(try sql("SELECT sum(bytes_on_disk) FROM system.parts WHERE database = 'kiln' AND active", port: port).first?.first ?? "") ?? 0)
            }
        }

        static func count(_ url: String) throws -> Int {
            let r = try KilnBinary.json(try KilnBinary.run(["query", "--db", url, "--dataset", "r", "--since", "all", "--calc", "COUNT", "--format", "json"]))
            return (r["rows"] as? [[String: Any]])?.first?["COUNT"] as? Int ?? -1
        }

        static func retention(_ server: ServeProcess) throws -> [String: Any] {
            let health = try ServeHTTP.request(port: server.port, method: "GET", path: "/healthz")
            let json = try #require(try JSONSerialization.jsonObject(with: Data(health.body)) as? [String: Any])
            return try #require(json["retention"] as? [String: Any], "\(json)")
        }

        /// Waits up to `seconds` for `done`.
        static func wait(seconds: Double, _ done: () throws -> Bool) rethrows -> Bool {
            let deadline = Date().addingTimeInterval(seconds)
            while Date() < deadline {
                if try done() { return true }
                Thread.sleep(forTimeInterval: 0.2)
            }
            return try done()
        }

        @Test func retentionDropsTheOldDaysOnEveryShardAndKeepsTheNewEvents() throws {
            let cluster = try ClickHouseCluster()
            let dir = try TempDir()
            let now = Int64(Date().timeIntervalSince1970)
            let old10 = Self.dayStart(-10) + 3_600, old9 = Self.dayStart(-9) + 7_200
            let file = dir.path("events.jsonl")
            try (Self.lines(300, label: "d10") { old10 + Int64($0) } + Self.lines(200, label: "d9") { old9 + Int64($0) }
                 + Self.lines(100, label: "now") { now - Int64($0) }).write(toFile: file, atomically: true, encoding: .utf8)
            let ingest = try KilnBinary.run(["ingest", "--db", cluster.url, "--dataset", "r", file])
            #expect(ingest.status == 0, "\(ingest.stderr)")
            let before = try Self.partitions(cluster)
            #expect(before[Self.partition(old10)]?.events == 300 && before[Self.partition(old9)]?.events == 200, "\(before)")
            // Both shards hold part of each old day.
            for port in [cluster.base, cluster.base + 10] {
                let days = try Self.sql("SELECT DISTINCT partition_id FROM system.parts WHERE database = 'kiln' AND table = 'events_local' AND active", port: port).map { $0[0] }
                #expect(days.contains(Self.partition(old10)) && days.contains(Self.partition(old9)), "\(port): \(days)")
            }

            let server = try ServeProcess(db: cluster.url, extra: ["--retention", "7d", "--retention-interval", "0.2"])
            let dropped = try Self.wait(seconds: 20) { try Self.count(cluster.url) == 100 }
            let after = try Self.partitions(cluster)
            #expect(dropped, "the old days were not dropped: \(after)")
            #expect(after[Self.partition(old10)] == nil && after[Self.partition(old9)] == nil, "\(after)")
            #expect(after.values.reduce(0) { $0 + $1.events } == 100)
            let retention = try Self.retention(server)
            #expect(retention["deleted_chunks"] as? Int == 2 && retention["deleted_events"] as? Int == 500, "\(retention)")
            #expect(retention["error"] == nil, "\(retention)")

            // Periodically: an old event sent now goes with the next pass, a new one stays.
            let oldTime = Self.dayStart(-12) + 60
            let body = #"[{"time":\#(oldTime),"data":{"n":1,"trace.trace_id":"late"}},{"time":\#(now),"data":{"n":2,"trace.trace_id":"fresh"}}]"#
            let sent = try ServeHTTP.request(port: server.port, method: "POST", path: "/1/batch/r", headers: ["Content-Type": "application/json"],
                                             body: Array(body.utf8))
            #expect(sent.status == 200, "\(String(decoding: sent.body, as: UTF8.self))")
            let droppedLate = try Self.wait(seconds: 20) { try Self.count(cluster.url) == 101 && Self.partitions(cluster)[Self.partition(oldTime)] == nil }
            let afterLate = try Self.partitions(cluster)
            #expect(droppedLate, "\(afterLate)")
            let one = try KilnBinary.run(["query", "--db", cluster.url, "--dataset", "r", "--since", "all", "--where", "n = 2", "--where", "trace.trace_id = fresh",
                                          "--calc", "COUNT", "--format", "json"])
            #expect(one.stdout.contains(#""COUNT":1"#), "\(one.stdout) \(one.stderr)")
            server.stop()
        }

        @Test func maxDbSizeDropsTheOldestDaysAndKeepsTheNewest() throws {
            let cluster = try ClickHouseCluster()
            let dir = try TempDir()
            let days: [Int64] = [-3, -2, -1, 0]
            let file = dir.path("events.jsonl")
            var text = ""
            for d in days { text += Self.lines(3_000, label: "d\(-d)") { Self.dayStart(d) + 600 + Int64($0) } }
            try text.write(toFile: file, atomically: true, encoding: .utf8)
            let ingest = try KilnBinary.run(["ingest", "--db", cluster.url, "--dataset", "r", file])
            #expect(ingest.status == 0, "\(ingest.stderr)")
            let ids = days.map { Self.partition(Self.dayStart($0)) }
            let before = try Self.partitions(cluster)
            #expect(ids.allSatisfy { before[$0]?.events == 3_000 }, "\(before)")
            // Room for the two newest days and half of another: the two oldest must go.
            let limit = try Self.databaseBytes(cluster) - (before[ids[0]]?.bytes ?? 0) - (before[ids[1]]?.bytes ?? 0) + (before[ids[2]]?.bytes ?? 0) / 2

            let server = try ServeProcess(db: cluster.url, extra: ["--max-db-size", String(limit), "--retention-interval", "0.2"])
            let dropped = try Self.wait(seconds: 20) { try Self.count(cluster.url) == 6_000 }
            let after = try Self.partitions(cluster)
            #expect(dropped, "\(after), limit \(limit)")
            #expect(after[ids[0]] == nil && after[ids[1]] == nil && after[ids[2]]?.events == 3_000 && after[ids[3]]?.events == 3_000, "\(after)")
            let retention = try Self.retention(server)
            #expect(retention["deleted_chunks"] as? Int == 2 && retention["deleted_events"] as? Int == 6_000, "\(retention)")
            #expect((retention["store_data_bytes"] as? Int ?? .max) <= limit && retention["error"] == nil, "\(retention)")
            server.stop()

            // A limit the newest day alone passes: every other day goes, the newest stays, and
            // /healthz says so.
            let tiny = try ServeProcess(db: cluster.url, extra: ["--max-db-size", "1KB", "--retention-interval", "0.2"])
            let newestLeft = try Self.wait(seconds: 20) { try Self.count(cluster.url) == 3_000 }
            let left = try Self.partitions(cluster)
            #expect(newestLeft && left.keys.sorted() == [ids[3]], "\(left)")
            let reported = try Self.wait(seconds: 5) { (try Self.retention(tiny)["error"] as? String)?.contains("over --max-db-size 1000: the newest day is kept") == true }
            let health = try Self.retention(tiny)
            #expect(reported, "\(health)")
            tiny.stop()
        }

        @Test(.enabled(if: Chdb.available, "python3 -c 'import chdb' fails: pip install chdb-core"))
        func itsSQLRunsOnCurrentClickHouseWithTheSameAnswers() throws {
            let cluster = try ClickHouseCluster()
            let dir = try TempDir()
            let url = "clickhouse://127.0.0.1:\(cluster.base)/shapes"
            let log = dir.path("sql.jsonl")
            let env = ["KILN_CLICKHOUSE_SQL_LOG": log]
            let file = dir.path("events.jsonl")
            var text = ""
            for d: Int64 in [-10, -9, -2, -1, 0] { text += Self.lines(400, label: "d\(-d)") { Self.dayStart(d) + 300 + Int64($0) } }
            try text.write(toFile: file, atomically: true, encoding: .utf8)
            let ingest = try KilnBinary.run(["ingest", "--db", url, "--dataset", "r", file], environment: env)
            #expect(ingest.status == 0, "\(ingest.stderr)")
            // Age drops the two oldest days, size all but the newest.
            let server = try ServeProcess(db: url, extra: ["--retention", "7d", "--max-db-size", "1KB", "--retention-interval", "0.2"], environment: env)
            let days = { try Self.sql("SELECT DISTINCT partition_id FROM system.parts WHERE database = 'shapes' AND table = 'events' AND active", port: cluster.base).map { $0[0] } }
            let newestLeft = try Self.wait(seconds: 20) { try days() == [Self.partition(Self.dayStart(0))] }
            let left = try days()
            #expect(newestLeft, "\(left)")
            server.stop()
            let logged = try String(contentsOfFile: log, encoding: .utf8)
            for shape in ["DROP PARTITION ID", "FROM system.parts"] {
                #expect(logged.contains(shape), "no statement with \(shape) was logged")
            }
            try ClickHouseSQLShapeTests.expectSameAnswers(log: log, base: cluster.base, reads: 2)
        }
    }
}
