import Foundation
import Testing

extension ClickHouseSerial {
    /// `kiln slo`, `kiln marker`, `kiln compare` and `kiln datasets rm` on a real two-shard
    /// ClickHouse cluster: the embedded store's JSON for the same events, definitions and
    /// markers seen from either shard by other processes, removals that really remove.
    @Suite(.enabled(if: ClickHouseCluster.available, "needs clickhouse-server (apt-get install clickhouse-server clickhouse-client)"))
    struct ClickHouseMetadataCLITests {
        /// The cluster's URL, entering through shard 1 instead of shard 0.
        static func otherEntry(_ cluster: ClickHouseCluster) -> String {
            cluster.url.replacingOccurrences(of: "clickhouse://127.0.0.1:\(cluster.base)/", with: "clickhouse://127.0.0.1:\(cluster.base + 10)/")
        }

        /// The SLO tests' two days of weighted API requests with an incident, as JSON lines.
        static func sloEvents(_ dir: TempDir) throws -> String {
            let path = dir.path("api.jsonl")
            let text = SLOCLITests.lines().map { e in
                #"{"time":"\#(e.time / 1_000_000_000)","samplerate":\#(e.rate),"data":{"http.route":"\#(e.route)","status":\#(e.status),"host":"\#(e.host)"}}"#
            }.joined(separator: "\n")
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }

        /// Runs `arguments` on both stores; expects the same exit status (`status` when given,
        /// else any but a failure) and stdout.
        static func same(_ arguments: [String], _ embedded: String, _ clickhouse: String, status: Int32? = 0,
                         sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
            let a = try KilnBinary.run(arguments + ["--db", embedded])
            let b = try KilnBinary.run(arguments + ["--db", clickhouse])
            #expect(a.status == b.status && a.status == (status ?? (a.status == 2 ? -1 : a.status)),
                    "\(arguments): \(a.status) \(a.stderr) / \(b.status) \(b.stderr)", sourceLocation: sourceLocation)
            #expect(a.stdout.count > 10, "\(arguments): empty answer \(a.stdout)", sourceLocation: sourceLocation)
            #expect(a.stdout == b.stdout, "\(arguments) differs:\nembedded:   \(a.stdout.prefix(600))\nclickhouse: \(b.stdout.prefix(600))",
                    sourceLocation: sourceLocation)
            return b.stdout
        }

        @Test func sloStatusBubbleUpAndListGiveTheEmbeddedStoresJSON() throws {
            let cluster = try ClickHouseCluster()
            let dir = try TempDir()
            let file = try Self.sloEvents(dir)
            let embedded = dir.path("api.db")
            for db in [embedded, cluster.url] {
                let r = try KilnBinary.run(["ingest", "--db", db, "--dataset", "api", "--format", "jsonl", file])
                #expect(r.status == 0, "\(r.stderr)")
                for slo in [["api-availability", "--where", "http.route starts-with /api", "--good", "status < 500", "--target", "99.5", "--description", "API answers"],
                            ["latency", "--good", "status = 200", "--good", "host != web-3", "--target", "99.95", "--period", "7d"]] {
                    let add = try KilnBinary.run(["slo", "add"] + slo + ["--db", db, "--dataset", "api"])
                    #expect(add.status == 0, "\(add.stderr)")
                }
            }
            _ = try Self.same(["slo", "list", "--format", "json"], embedded, cluster.url)
            // During the incident both page (exit 1); a day earlier, quiet (exit 0); counts exact.
            for (at, status) in [(SLOCLITests.end, Int32(1)), (SLOCLITests.end - 1440 * SLOCLITests.minute, Int32(0))] {
                for name in ["api-availability", "latency"] {
                    let out = try Self.same(["slo", "status", name, "--at", SLOCLITests.iso(at), "--format", "json"], embedded, cluster.url,
                                            status: name == "latency" ? nil : status)
                    if name == "api-availability" {
                        let json = try #require(try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any])
                        let period = SLOCLITests.direct(length: 30 * 1440 * SLOCLITests.minute, at: at)
                        #expect(json["eligible"] as? Int64 == period.eligible)
                        #expect(json["bad"] as? Int64 == period.bad)
                    }
                }
            }
            let from = SLOCLITests.iso(SLOCLITests.end - 60 * SLOCLITests.minute), to = SLOCLITests.iso(SLOCLITests.end + SLOCLITests.minute)
            for name in ["api-availability", "latency"] {
                _ = try Self.same(["slo", "bubbleup", name, "--from", from, "--to", to, "--format", "json"], embedded, cluster.url)
            }
            // Another process entering through the other shard sees the same SLOs; a removal is
            // seen from everywhere, and a second one fails.
            let other = Self.otherEntry(cluster)
            let seen = try KilnBinary.run(["slo", "list", "--db", other, "--format", "json"])
            #expect(seen.stdout == (try KilnBinary.run(["slo", "list", "--db", embedded, "--format", "json"])).stdout)
            #expect(try KilnBinary.run(["slo", "rm", "latency", "--db", other]).status == 0)
            let again = try KilnBinary.run(["slo", "rm", "latency", "--db", cluster.url])
            #expect(again.status == 2)
            #expect(again.stderr.contains("no SLO named \"latency\""))
            let left = try KilnBinary.json(try KilnBinary.run(["slo", "list", "--db", cluster.url, "--format", "json"]))
            #expect((left["slos"] as? [[String: Any]])?.compactMap { $0["name"] as? String } == ["api-availability"])
            let duplicate = try KilnBinary.run(["slo", "add", "api-availability", "--db", other, "--dataset", "api", "--good", "status < 500", "--target", "99"])
            #expect(duplicate.status == 2)
            #expect(duplicate.stderr.contains("already exists"))
            // A removed name can be defined again.
            #expect(try KilnBinary.run(["slo", "add", "latency", "--db", other, "--dataset", "api", "--good", "status = 200", "--target", "99"]).status == 0)
            let status = try KilnBinary.run(["slo", "status", "latency", "--db", cluster.url, "--at", SLOCLITests.iso(SLOCLITests.end), "--format", "json"])
            #expect(try KilnBinary.json(status)["target"] as? Double == 99)
        }

        @Test func compareAndMarkersGiveTheEmbeddedStoresJSON() throws {
            let cluster = try ClickHouseCluster()
            let dir = try TempDir()
            // Weighted events (sample rates 1 to 7) with a bad deploy.
            let file = try ClickHouseCLITests.events(dir, count: 12_000, seed: 13)
            let embedded = dir.path("shop.db")
            for db in [embedded, cluster.url] {
                let r = try KilnBinary.run(["ingest", "--db", db, "--dataset", "shop", file])
                #expect(r.status == 0, "\(r.stderr)")
            }
            let versions = try KilnBinary.json(try KilnBinary.run(["query", "--db", embedded, "--dataset", "shop", "--since", "all", "--calc", "COUNT",
                                                                   "--group-by", "service.version", "--format", "json"]))
            let names = (versions["rows"] as? [[String: Any]] ?? []).compactMap { $0["service.version"] as? String }.sorted()
            #expect(names.count >= 2, "\(versions)")
            var comparisons: [[String]] = [
                ["compare", "--dataset", "shop", "--since", "all"],
                ["compare", "--dataset", "shop", "--since", "all", "--where", "duration_ms > 1"],
                ["compare", "--dataset", "shop", "--since", "all", "--metric", "duration_ms", "--error", "http.status_code >= 400"],
            ]
            if names.count >= 2 {
                comparisons.append(["compare", "--dataset", "shop", "--since", "all", "--before", names[0], "--after", names[names.count - 1]])
            }
            for c in comparisons {
                let a = try KilnBinary.run(c + ["--format", "json", "--db", embedded])
                let b = try KilnBinary.run(c + ["--format", "json", "--db", cluster.url])
                #expect(a.status == b.status && a.status != 2, "\(c): \(a.stderr) / \(b.stderr)")
                #expect(a.stdout.contains("\"verdict\""), "\(c): \(a.stdout.prefix(300)) \(a.stderr)")
                #expect(a.stdout == b.stdout, "\(c) differs:\nembedded:   \(a.stdout.prefix(600))\nclickhouse: \(b.stdout.prefix(600))")
            }

            // Automatic deploy markers recorded at ingest, then manual ones through either shard:
            // the same list, ids included.
            _ = try Self.same(["marker", "list", "--dataset", "shop", "--format", "json"], embedded, cluster.url)
            let other = Self.otherEntry(cluster)
            var ids: [String: [String]] = [:]
            for (db, second) in [(embedded, embedded), (cluster.url, other)] {
                let one = try KilnBinary.run(["marker", "add", "--db", db, "--dataset", "shop", "--time", "2026-11-30T23:30:00Z", "--url", "https://ci/1", "deploy one"])
                let two = try KilnBinary.run(["marker", "add", "--db", second, "--dataset", "shop", "--type", "flag", "--time", "2026-11-30T23:40:00Z",
                                              "--end", "2026-11-30T23:45:00Z", "pricing \"v2\" on"])
                #expect(one.status == 0 && two.status == 0, "\(one.stderr) \(two.stderr)")
                ids[db] = [one.stdout, two.stdout].map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
            }
            #expect(Set(ids[cluster.url] ?? []).count == 2)
            func manual(_ db: String) throws -> [[String: String]] {
                let json = try KilnBinary.json(try KilnBinary.run(["marker", "list", "--db", db, "--dataset", "shop", "--format", "json"]))
                return (json["markers"] as? [[String: Any]] ?? []).filter { $0["automatic"] as? Bool == false }.map { m in
                    var out: [String: String] = [:]
                    for key in ["time", "end", "type", "message", "url"] { out[key] = m[key].map { "\($0)" } ?? "-" }
                    return out
                }
            }
            #expect(try manual(embedded) == manual(cluster.url))
            #expect(ids[embedded] == ids[cluster.url])
            _ = try Self.same(["marker", "list", "--dataset", "shop", "--format", "json"], embedded, cluster.url)
            _ = try Self.same(["compare", "--dataset", "shop", "--marker", "latest", "--format", "json"], embedded, cluster.url, status: nil)
            #expect(try manual(other) == manual(cluster.url))
            #expect(try manual(cluster.url).count == 2)
            // Comparing around a marker, by id on each store.
            let aroundE = try KilnBinary.run(["compare", "--db", embedded, "--dataset", "shop", "--marker", ids[embedded]?[0] ?? "", "--format", "json"])
            let aroundC = try KilnBinary.run(["compare", "--db", cluster.url, "--dataset", "shop", "--marker", ids[cluster.url]?[0] ?? "", "--format", "json"])
            #expect(aroundE.status == aroundC.status && aroundE.status != 2, "\(aroundE.stderr) / \(aroundC.stderr)")
            #expect(aroundE.stdout == aroundC.stdout, "around a marker:\nembedded:   \(aroundE.stdout.prefix(600))\nclickhouse: \(aroundC.stdout.prefix(600))")
            // Removal is seen from the other shard; a second removal fails.
            let first = ids[cluster.url]?[0] ?? ""
            #expect(try KilnBinary.run(["marker", "rm", "--db", other, first]).status == 0)
            #expect(try KilnBinary.run(["marker", "rm", "--db", cluster.url, first]).status == 2)
            #expect(try manual(cluster.url).map { $0["message"] } == ["pricing \"v2\" on"])
            // Markers added at the same moment by several processes, through both shards, get
            // distinct ids and are all kept.
            // (One shell starts them: Foundation's Process loses the output of children started
            // from several threads at once.)
            let racers = [cluster.url, other, cluster.url, other].enumerated().map { i, url in
                "'\(KilnBinary.path)' marker add --db '\(url)' --dataset shop --time 2026-11-30T23:50:00Z 'race \(i)' > '\(dir.path("race\(i)"))' 2>&1 &"
            }
            let race = try ClickHouseCluster.shell(["-c", racers.joined(separator: "\n") + "\nwait"])
            #expect(race.status == 0, "\(race.stderr)")
            let raced = try (0..<4).map { try String(contentsOfFile: dir.path("race\($0)"), encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines) }
            #expect(raced.allSatisfy { Int64($0) != nil } && Set(raced).count == 4, "\(raced)")
            #expect(try manual(other).filter { $0["message"]?.hasPrefix("race ") == true }.count == 4)
            // The version field is a dataset setting seen from every shard.
            #expect(try KilnBinary.run(["marker", "version-field", "--db", cluster.url, "--dataset", "shop"]).stdout == "service.version\n")
            #expect(try KilnBinary.run(["marker", "version-field", "--db", cluster.url, "--dataset", "shop", "app.build"]).status == 0)
            #expect(try KilnBinary.run(["marker", "version-field", "--db", other, "--dataset", "shop"]).stdout == "app.build\n")
        }

        @Test func datasetsRmRemovesEveryEventAndSettingsTravel() throws {
            let cluster = try ClickHouseCluster()
            let dir = try TempDir()
            let file = try ClickHouseCLITests.events(dir, count: 3_000, seed: 17)
            for dataset in ["shop", "gone"] {
                let r = try KilnBinary.run(["ingest", "--db", cluster.url, "--dataset", dataset, file])
                #expect(r.status == 0, "\(r.stderr)")
            }
            let other = Self.otherEntry(cluster)
            // Trace fields set through one shard show through the other.
            let set = try KilnBinary.run(["datasets", "set-trace-fields", "--db", cluster.url, "shop", "--trace", "TraceID", "--span", "SpanID",
                                          "--parent", "ParentID", "--duration", "Duration:us"])
            #expect(set.status == 0, "\(set.stderr)")
            let list = try KilnBinary.json(try KilnBinary.run(["datasets", "--db", other, "--format", "json"]))
            let shop = try #require((list["datasets"] as? [[String: Any]])?.first { $0["name"] as? String == "shop" })
            #expect((shop["trace_fields"] as? [String: Any])?["duration_unit"] as? String == "us")
            #expect((shop["trace_fields"] as? [String: Any])?["trace"] as? String == "TraceID")
            _ = try KilnBinary.run(["marker", "add", "--db", cluster.url, "--dataset", "gone", "a marker of a dataset that goes"])

            let rm = try KilnBinary.run(["datasets", "rm", "--db", cluster.url("user=kiln&password=kiln-secret"), "gone"])
            #expect(rm.status == 0, "\(rm.stderr)")
            #expect(rm.stdout.contains("removed dataset gone (3,000 events)"), "\(rm.stdout)")
            #expect(!rm.stdout.contains("kiln-secret") && !rm.stderr.contains("kiln-secret"))
            let names = try KilnBinary.json(try KilnBinary.run(["datasets", "--db", other, "--format", "json"]))
            #expect((names["datasets"] as? [[String: Any]])?.compactMap { $0["name"] as? String } == ["shop"])
            let query = try KilnBinary.run(["query", "--db", other, "--dataset", "gone", "--since", "all", "--calc", "COUNT"])
            #expect(query.status == 2)
            #expect(query.stderr.contains("no dataset named \"gone\""))
            // The events are gone from every shard's table, not only hidden.
            for shard in 0..<2 {
                let count = try ClickHouseCluster.shell(["-c", "curl -sS http://127.0.0.1:\(cluster.base + 10 * shard)/ --data-binary \"SELECT count() FROM kiln.events_local WHERE dataset = 'gone'\""])
                #expect(count.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "0", "shard \(shard): \(count.stdout) \(count.stderr)")
            }
            #expect(try KilnBinary.run(["datasets", "rm", "--db", cluster.url, "gone"]).status == 2)
            // The name starts afresh: no old markers, events or fields.
            let again = try KilnBinary.run(["ingest", "--db", other, "--dataset", "gone", file])
            #expect(again.status == 0, "\(again.stderr)")
            let count = try KilnBinary.json(try KilnBinary.run(["query", "--db", cluster.url, "--dataset", "gone", "--since", "all", "--calc", "COUNT", "--format", "json"]))
            #expect(((count["rows"] as? [[String: Any]])?.first?["COUNT"] as? Int ?? 0) > 3_000)
            let markers = try KilnBinary.json(try KilnBinary.run(["marker", "list", "--db", cluster.url, "--dataset", "gone", "--format", "json"]))
            // (Automatic deploy markers of the new events only.)
            let messages = (markers["markers"] as? [[String: Any]] ?? []).compactMap { $0["message"] as? String }
            #expect(!messages.contains("a marker of a dataset that goes"), "\(messages)")
            #expect((markers["markers"] as? [[String: Any]] ?? []).allSatisfy { $0["automatic"] as? Bool == true })
            // The other dataset kept everything.
            let kept = try KilnBinary.json(try KilnBinary.run(["datasets", "--db", cluster.url, "--format", "json"]))
            #expect((kept["datasets"] as? [[String: Any]])?.first { $0["name"] as? String == "shop" }?["events"] as? Int == 3_000)
            // A database made by an earlier Kiln (metadata tables without their history) is
            // refused with what to do, never read as if it were empty.
            for sql in ["CREATE DATABASE old", "CREATE TABLE old.datasets (name String, created Int64, version_field String) ENGINE = ReplacingMergeTree ORDER BY name"] {
                let r = try ClickHouseCluster.shell(["-c", "curl -sS http://127.0.0.1:\(cluster.base)/ --data-binary '\(sql)'"])
                #expect(r.status == 0, "\(r.stderr)")
            }
            let old = try KilnBinary.run(["slo", "list", "--db", "clickhouse://127.0.0.1:\(cluster.base)/old"])
            #expect(old.status == 2)
            #expect(old.stderr.contains("tables of an earlier Kiln (datasets without the column removed)"), "\(old.stderr)")
        }

        @Test func serveEvaluatesTheClustersSLOsAndKeepsMarkersThere() throws {
            let cluster = try ClickHouseCluster()
            let dir = try TempDir()
            // The dataset exists before the SLO (a first good event).
            let seed = try KilnBinary.run(["ingest", "--db", cluster.url, "--dataset", "api", "--format", "jsonl", "-"],
                                          stdin: Data(#"{"status":200}"#.utf8))
            #expect(seed.status == 0, "\(seed.stderr)")
            let add = try KilnBinary.run(["slo", "add", "api", "--db", Self.otherEntry(cluster), "--dataset", "api", "--good", "status < 500", "--target", "99"])
            #expect(add.status == 0, "\(add.stderr)")
            let commandLog = dir.path("alerts.jsonl")
            let server = try ServeProcess(db: cluster.url, extra: ["--alert-command", "cat >> '\(commandLog)'", "--alert-interval", "0.2"])
            defer { server.stop() }
            for _ in 0..<3 { #expect(try SLOAlertCLITests.send(port: server.port, count: 20, status: 200).status == 200) }
            Thread.sleep(forTimeInterval: 1)
            #expect(SLOAlertCLITests.objects(commandLog).isEmpty, "nothing fires on good traffic: \(server.stderr())")
            for _ in 0..<4 { #expect(try SLOAlertCLITests.send(port: server.port, count: 50, status: 503).status == 200) }
            let fired = SLOAlertCLITests.waitFor(20) { SLOAlertCLITests.objects(commandLog).contains { $0["state"] as? String == "firing" } }
            #expect(fired, "an alert fires: \(server.stderr())")
            #expect(SLOAlertCLITests.objects(commandLog).allSatisfy { $0["slo"] as? String == "api" && $0["dataset"] as? String == "api" })
            // Honeycomb's markers API keeps markers in the cluster.
            let posted = try ServeHTTP.request(port: server.port, method: "POST", path: "/1/markers/api", headers: ["Content-Type": "application/json"],
                                               body: Array(#"{"message":"deploy 42","type":"deploy","url":"https://ci/42"}"#.utf8))
            #expect(posted.status == 201, "\(posted)")
            let listed = try ServeHTTP.request(port: server.port, method: "GET", path: "/1/markers/api")
            #expect(listed.status == 200)
            #expect(String(decoding: listed.body, as: UTF8.self).contains("deploy 42"), "\(listed)")
            let markers = try KilnBinary.json(try KilnBinary.run(["marker", "list", "--db", Self.otherEntry(cluster), "--dataset", "api", "--format", "json"]))
            #expect((markers["markers"] as? [[String: Any]])?.contains { $0["message"] as? String == "deploy 42" && $0["url"] as? String == "https://ci/42" } == true)
        }
    }
}

