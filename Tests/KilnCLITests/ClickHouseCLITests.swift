import Foundation
import Testing

extension ClickHouseSerial {
    /// `kiln` on a real two-shard ClickHouse cluster on loopback: the same answers as the embedded
    /// store, a lost shard reported as such, passwords kept out of output.
    @Suite(.enabled(if: ClickHouseCluster.available, "needs clickhouse-server (apt-get install clickhouse-server clickhouse-client)"))
    struct ClickHouseCLITests {
        /// Generated shop spans, every third one wrapped in Honeycomb's envelope with a sample rate,
        /// so that weighting is exercised.
        static func events(_ dir: TempDir, count: Int, seed: Int) throws -> String {
            let raw = dir.path("raw.jsonl"), path = dir.path("events.jsonl")
            let generated = try KilnBinary.run(["generate", "--scenario", "bad-deploy", "--events", String(count), "--seed", String(seed),
                                                "--end", "2026-12-01T00:00:00Z", "-o", raw])
            #expect(generated.status == 0, "\(generated.stderr)")
            var out = ""
            for (i, line) in try String(contentsOfFile: raw, encoding: .utf8).split(separator: "\n").enumerated() {
                if i % 3 == 0, let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], let time = object["timestamp"] ?? object["time"] {
                    var data = object
                    data.removeValue(forKey: "timestamp")
                    data.removeValue(forKey: "time")
                    let wrapped: [String: Any] = ["time": time, "samplerate": 1 + i % 7, "data": data]
                    out += String(decoding: try JSONSerialization.data(withJSONObject: wrapped, options: [.sortedKeys]), as: UTF8.self) + "\n"
                } else {
                    out += line + "\n"
                }
            }
            try out.write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }

        @Test func queryAndBubbleUpGiveTheEmbeddedStoresJSON() throws {
            let cluster = try ClickHouseCluster()
            let dir = try TempDir()
            let file = try Self.events(dir, count: 12_000, seed: 11)
            let embedded = dir.path("shop.db")
            for db in [embedded, cluster.url] {
                let r = try KilnBinary.run(["ingest", "--db", db, "--dataset", "shop", file])
                #expect(r.status == 0, "\(r.stderr)")
            }
            let queries: [[String]] = [
                ["query", "--calc", "COUNT", "--calc", "P99(duration_ms)", "--calc", "P50(duration_ms)", "--group-by", "service.name"],
                ["query", "--calc", "COUNT", "--calc", "SUM(http.status_code)", "--calc", "MIN(duration_ms)", "--calc", "MAX(duration_ms)",
                 "--calc", "COUNT_DISTINCT(user.id)", "--calc", "P999(duration_ms)", "--group-by", "http.route", "--order-by", "COUNT desc"],
                ["query", "--calc", "P90(duration_ms)", "--where", "http.status_code >= 400", "--group-by", "service.version", "--group-by", "region", "--limit", "5"],
                ["query", "--calc", "COUNT", "--where", "service.name in cart,checkout", "--where", "duration_ms > 50", "--where", "error = false", "--where", "flags.search_v2 !exists"],
                ["query", "--calc", "COUNT", "--calc", "P75(duration_ms)", "--where", "name starts-with GET", "--where", "http.route contains api", "--group-by", "customer.plan"],
                ["query", "--limit", "3", "--calc", "COUNT", "--group-by", "host.name", "--order-by", "host.name desc"],
                ["bubbleup", "--select", "duration_ms >= 1000"],
                ["bubbleup", "--select", "service.version = 4.18.0", "--where", "service.name = checkout"],
                ["bubbleup", "--select", "customer.plan = enterprise", "--select", "duration_ms > 300"],
            ]
            for q in queries {
                let common = ["--dataset", "shop", "--since", "all", "--format", "json"]
                let a = try KilnBinary.run(q + common + ["--db", embedded])
                let b = try KilnBinary.run(q + common + ["--db", cluster.url])
                #expect(a.status == 0 && b.status == 0, "\(q): \(a.stderr) \(b.stderr)")
                #expect(a.stdout.count > 40, "\(q): empty answer \(a.stdout)")
                #expect(a.stdout == b.stdout, "\(q) differs:\nembedded:   \(a.stdout.prefix(400))\nclickhouse: \(b.stdout.prefix(400))")
            }
            // The JSON counts weighted events.
            let count = try KilnBinary.json(try KilnBinary.run(["query", "--db", cluster.url, "--dataset", "shop", "--since", "all", "--calc", "COUNT", "--format", "json"]))
            let rows = try #require(count["rows"] as? [[String: Any]])
            #expect((rows.first?["COUNT"] as? Int ?? 0) > 12_000)
        }

        @Test func datasetsFieldsAndRawEventsWork() throws {
            let cluster = try ClickHouseCluster()
            let dir = try TempDir()
            let file = try Self.events(dir, count: 2_000, seed: 3)
            let r = try KilnBinary.run(["ingest", "--db", cluster.url, "--dataset", "shop", file])
            #expect(r.status == 0, "\(r.stderr)")
            let datasets = try KilnBinary.json(try KilnBinary.run(["datasets", "--db", cluster.url, "--format", "json"]))
            let list = try #require(datasets["datasets"] as? [[String: Any]])
            #expect(list.first?["name"] as? String == "shop")
            #expect(list.first?["events"] as? Int == 2_000)
            let fields = try KilnBinary.json(try KilnBinary.run(["fields", "--db", cluster.url, "--dataset", "shop", "--format", "json"]))
            let names = (fields["fields"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
            #expect(names.contains("duration_ms") && names.contains("service.name"))
            let events = try KilnBinary.run(["query", "--db", cluster.url, "--dataset", "shop", "--since", "all", "--limit", "3", "--format", "json"])
            let list2 = try #require(try KilnBinary.json(events)["events"] as? [[String: Any]])
            #expect(list2.count == 3)
            // KILN_DB sets the default --db.
            let viaEnvironment = try KilnBinary.run(["datasets", "--format", "json"], environment: ["KILN_DB": cluster.url])
            #expect(viaEnvironment.stdout == (try KilnBinary.run(["datasets", "--db", cluster.url, "--format", "json"])).stdout)
            // Every command takes the URL for a URL, never for a file name; a wrong password
            // is refused without being shown.
            for command in [["slo", "list"], ["marker", "list", "--dataset", "shop"]] {
                let r = try KilnBinary.run(command + ["--db", cluster.url("user=kiln&password=hunter2")], cwd: dir.url)
                #expect(r.status == 2, "\(command): \(r.stderr)")
                #expect(!r.stderr.contains("hunter2") && !r.stdout.contains("hunter2"))
            }
            #expect(!FileManager.default.fileExists(atPath: dir.path("clickhouse:")))
            let missing = try KilnBinary.run(["query", "--db", cluster.url, "--dataset", "nope", "--since", "all", "--calc", "COUNT"])
            #expect(missing.status == 2)
            #expect(missing.stderr.contains("no dataset named \"nope\""))
            let misspelt = try KilnBinary.run(["query", "--db", cluster.url, "--dataset", "shop", "--since", "all", "--group-by", "servce.name"])
            #expect(misspelt.status == 64)
            #expect(misspelt.stderr.contains("did you mean service.name?"))
        }

        @Test func aLostShardIsAClearErrorNamingItAndNeverAPartialAnswer() throws {
            let cluster = try ClickHouseCluster()
            let dir = try TempDir()
            let file = try Self.events(dir, count: 3_000, seed: 5)
            let url = cluster.url("user=kiln&password=kiln-secret")
            let r = try KilnBinary.run(["ingest", "--db", url, "--dataset", "shop", file])
            #expect(r.status == 0, "\(r.stderr)")
            try cluster.kill(shard: 1)
            for command in [["query", "--calc", "COUNT"], ["bubbleup", "--select", "duration_ms >= 1000"], ["query", "--limit", "5"]] {
                let started = Date()
                let answer = try KilnBinary.run(command + ["--db", url, "--dataset", "shop", "--since", "all", "--format", "json"])
                #expect(Date().timeIntervalSince(started) < 15)
                #expect(answer.status == 2, "\(command): \(answer.stdout.prefix(200))")
                #expect(answer.stdout.isEmpty, "\(command) printed a partial answer: \(answer.stdout.prefix(200))")
                #expect(answer.stderr.contains("shard 127.0.0.1:\(cluster.tcpPort(shard: 1)) is unreachable"), "\(answer.stderr)")
                #expect(!answer.stderr.contains("kiln-secret") && !answer.stdout.contains("kiln-secret"))
            }
            let ingest = try KilnBinary.run(["ingest", "--db", url, "--dataset", "shop", file])
            #expect(ingest.status == 2)
            #expect(ingest.stderr.contains("unreachable"), "\(ingest.stderr)")
            #expect(!ingest.stderr.contains("kiln-secret"))
        }

        @Test func aWrongPasswordIsRefusedWithoutShowingIt() throws {
            let cluster = try ClickHouseCluster()
            let r = try KilnBinary.run(["datasets", "--db", cluster.url("user=kiln&password=wrong-secret")])
            #expect(r.status == 2)
            #expect(r.stderr.contains("kiln datasets:"))
            #expect(!r.stderr.contains("wrong-secret") && !r.stdout.contains("wrong-secret"))
        }
    }
}
