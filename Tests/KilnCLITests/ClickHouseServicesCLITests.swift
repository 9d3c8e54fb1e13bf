import Foundation
import Testing

extension ClickHouseSerial {
    /// `kiln services` and `kiln services --map` on a real two-shard ClickHouse cluster give the
    /// embedded store's output byte for byte, and their SQL runs on current ClickHouse (chdb)
    /// with the same answers as on 18.16.
    @Suite(.enabled(if: ClickHouseCluster.available, "needs clickhouse-server (apt-get install clickhouse-server clickhouse-client)"))
    struct ClickHouseServicesCLITests {
        /// Windows and filters over the generated spans of 2026-11-30 23:00 to 2026-12-01 00:00
        /// (dependency-errors: payment fails for a few minutes, see ``events(_:count:seed:)``).
        static let commands: [[String]] = [
            ["services", "--since", "all", "--format", "json"],
            ["services", "--from", "2026-11-30T23:30:00Z", "--to", "2026-12-01T00:00:00Z", "--format", "json"],
            ["services", "--from", "2026-11-30T23:40:00Z", "--to", "2026-11-30T23:50:00Z", "--where", "http.status_code >= 200", "--format", "json"],
            ["services", "--from", "2026-11-30T23:30:00Z", "--to", "2026-12-01T00:00:00Z"],
            ["services", "--map", "--since", "all", "--format", "json"],
            ["services", "--map", "--from", "2026-11-30T23:30:00Z", "--to", "2026-12-01T00:00:00Z", "--format", "json"],
            ["services", "--map", "--since", "all", "--where", "service.name in checkout,payment,cart", "--format", "json"],
            ["services", "--map", "--since", "all"],
        ]

        /// Generated shop spans of the dependency-errors scenario (errors on a few edges), every
        /// third one in Honeycomb's envelope with a sample rate, so that weighting is exercised.
        static func events(_ dir: TempDir, count: Int, seed: Int) throws -> String {
            let raw = dir.path("raw.jsonl"), path = dir.path("events.jsonl")
            let generated = try KilnBinary.run(["generate", "--scenario", "dependency-errors", "--events", String(count), "--seed", String(seed),
                                                "--end", "2026-12-01T00:00:00Z", "-o", raw])
            #expect(generated.status == 0, "\(generated.stderr)")
            var out = ""
            for (i, line) in try String(contentsOfFile: raw, encoding: .utf8).split(separator: "\n").enumerated() {
                guard i % 3 == 0, var data = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                      let time = data.removeValue(forKey: "timestamp") else {
                    out += line + "\n"
                    continue
                }
                let wrapped: [String: Any] = ["time": time, "samplerate": 1 + i % 7, "data": data]
                out += String(decoding: try JSONSerialization.data(withJSONObject: wrapped, options: [.sortedKeys]), as: UTF8.self) + "\n"
            }
            try out.write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }

        @Test func servicesAndMapGiveTheEmbeddedStoresOutput() throws {
            let cluster = try ClickHouseCluster()
            let dir = try TempDir()
            let file = try Self.events(dir, count: 12_000, seed: 13)
            let embedded = dir.path("shop.db")
            for db in [embedded, cluster.url] {
                let r = try KilnBinary.run(["ingest", "--db", db, "--dataset", "shop", file])
                #expect(r.status == 0, "\(r.stderr)")
            }
            for c in Self.commands {
                let a = try KilnBinary.run(c + ["--dataset", "shop", "--db", embedded])
                let b = try KilnBinary.run(c + ["--dataset", "shop", "--db", cluster.url])
                #expect(a.status == 0 && b.status == 0, "\(c): \(a.stderr) \(b.stderr)")
                #expect(a.stdout.count > 200, "\(c): a small answer \(a.stdout)")
                #expect(a.stdout == b.stdout, "\(c) differs:\nembedded:   \(a.stdout.prefix(600))\nclickhouse: \(b.stdout.prefix(600))")
            }
            // The comparison covers errors, a previous window and weighted calls.
            let all = try KilnBinary.json(try KilnBinary.run(Self.commands[1] + ["--dataset", "shop", "--db", embedded]))
            let services = try #require(all["services"] as? [[String: Any]])
            #expect(services.contains { ($0["error_rate"] as? Double ?? 0) > 0 })
            #expect(services.contains { ($0["change"] as? [String: Any])?["rate"] is Double })
            let map = try KilnBinary.json(try KilnBinary.run(Self.commands[4] + ["--dataset", "shop", "--db", embedded]))
            let edges = try #require(map["edges"] as? [[String: Any]])
            #expect(edges.count >= 5 && edges.contains { ($0["error_rate"] as? Double ?? 0) > 0 })
        }

        @Test(.enabled(if: Chdb.available, "python3 -c 'import chdb' fails: pip install chdb-core"))
        func theirSQLRunsOnCurrentClickHouseWithTheSameAnswers() throws {
            let cluster = try ClickHouseCluster()
            let dir = try TempDir()
            let file = try Self.events(dir, count: 1_500, seed: 17)
            let url = "clickhouse://127.0.0.1:\(cluster.base)/shapes"
            let log = dir.path("sql.jsonl")
            let env = ["KILN_CLICKHOUSE_SQL_LOG": log]
            let ingest = try KilnBinary.run(["ingest", "--dataset", "shop", file, "--db", url], environment: env)
            #expect(ingest.status == 0, "\(ingest.stderr)")
            for c in Self.commands {
                let r = try KilnBinary.run(c + ["--dataset", "shop", "--db", url], environment: env)
                #expect(r.status == 0, "\(c): \(r.stderr)")
            }
            try ClickHouseSQLShapeTests.expectSameAnswers(log: log, base: cluster.base, reads: 8)
        }
    }
}
