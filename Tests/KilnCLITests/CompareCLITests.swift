import Foundation
import Testing

/// `kiln compare` and `kiln marker` through the real binary on real store files: the generated
/// rollouts, sample rates, automatic deploy markers and the exit status contract.
@Suite(.serialized) struct CompareCLITests {
    static let end = "2026-12-01T12:00:00Z"

    /// A store holding `kiln generate --scenario NAME`, ingested through a pipe.
    static func generated(_ scenario: String, in dir: TempDir, events: Int = 60_000) throws -> String {
        let db = dir.path("\(scenario).db")
        let gen = try KilnBinary.run(["generate", "--scenario", scenario, "--events", String(events), "--seed", "5", "--end", end])
        #expect(gen.status == 0, "\(gen.stderr)")
        let ingest = try KilnBinary.run(["ingest", "--db", db, "--dataset", "shop", "--format", "jsonl", "-"], stdin: Data(gen.stdout.utf8))
        #expect(ingest.status == 0, "\(ingest.stderr)")
        return db
    }

    @Test func regressingRolloutIsFoundWithItsRoute() throws {
        let dir = try TempDir()
        let db = try Self.generated("regressing-rollout", in: dir)
        let result = try KilnBinary.run(["compare", "--db", db, "--dataset", "shop", "--format", "json"])
        #expect(result.status == 1, "a regression exits 1; stderr: \(result.stderr)")
        let json = try KilnBinary.json(result)
        #expect(json["field"] as? String == "service.version")
        #expect((json["before"] as? [String: Any])?["value"] as? String == "3.4.0")
        #expect((json["after"] as? [String: Any])?["value"] as? String == "3.6.0")
        #expect(json["verdict"] as? String == "regression")
        let metrics = try #require(json["metrics"] as? [[String: Any]])
        #expect(metrics.compactMap { $0["name"] as? String } == ["P50(duration_ms)", "P95(duration_ms)", "P99(duration_ms)", "error_rate"])
        let p95 = try #require(metrics.first { $0["name"] as? String == "P95(duration_ms)" })
        #expect(p95["significant"] as? Bool == true)
        #expect((p95["after"] as? Double ?? 0) > (p95["before"] as? Double ?? .infinity))
        for m in metrics {
            for key in ["before", "after", "change_pct", "p_value", "significant"] { #expect(m[key] != nil, "metric lacks \(key)") }
        }
        let groups = try #require(json["where"] as? [[String: Any]])
        let first = try #require(groups.first)
        #expect(first["fields"] as? [String: String] == ["http.route": "/cart"], "where: \(groups.prefix(3))")
        for key in ["metric", "before", "after", "change_pct", "before_count", "after_count", "p_value"] { #expect(first[key] != nil, "where lacks \(key)") }
        for g in groups {
            let names = (g["fields"] as? [String: Any] ?? [:]).keys
            #expect(!names.contains("service.version"), "the compared field never localises")
            #expect(!names.contains { $0.hasSuffix("_id") || $0.hasSuffix(".id") }, "no ID-like field in where: \(names)")
        }
        // The table says the same for people.
        let table = try KilnBinary.run(["compare", "--db", db, "--dataset", "shop"])
        #expect(table.status == 1)
        #expect(table.stdout.contains("verdict: REGRESSION"))
        #expect(table.stdout.contains("1. http.route = /cart"))
    }

    @Test func cleanRolloutIsNoRegression() throws {
        let dir = try TempDir()
        let db = try Self.generated("clean-rollout", in: dir)
        let result = try KilnBinary.run(["compare", "--db", db, "--dataset", "shop", "--format", "json"])
        #expect(result.status == 0, "no regression exits 0; stderr: \(result.stderr)")
        let json = try KilnBinary.json(result)
        #expect((json["after"] as? [String: Any])?["value"] as? String == "3.6.0")
        #expect(json["verdict"] as? String == "no_change")
        #expect((json["where"] as? [Any])?.isEmpty == true)
    }

    @Test func rolloutsGetAutomaticDeployMarkersAndTheLatestComparesItsService() throws {
        let dir = try TempDir()
        let db = try Self.generated("regressing-rollout", in: dir)
        let list = try KilnBinary.json(try KilnBinary.run(["marker", "list", "--db", db, "--dataset", "shop", "--format", "json"]))
        let markers = try #require(list["markers"] as? [[String: Any]])
        let deploy = try #require(markers.first { $0["message"] as? String == "cart 3.6.0" }, "markers: \(markers)")
        #expect(deploy["automatic"] as? Bool == true)
        #expect(deploy["type"] as? String == "deploy")
        // The first versions of each service are where the data starts, not deploys.
        #expect(!markers.contains { $0["message"] as? String == "frontend 4.17.2" })
        // Its time is the first event of cart 3.6.0: when the rollout reaches the first host.
        let truth = try KilnBinary.json(try KilnBinary.run(["generate", "--scenario", "regressing-rollout", "--events", "60000", "--seed", "5",
                                                            "--end", Self.end, "--truth"]))
        let from = try #require((truth["window"] as? [String: Any])?["from"] as? String)
        let time = try #require(deploy["time"] as? String)
        let parse = { (text: String) -> Date? in
            let f = ISO8601DateFormatter()
            f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            return f.date(from: text) ?? ISO8601DateFormatter().date(from: text)
        }
        let at = try #require(parse(time)), start = try #require(parse(from))
        #expect(at >= start && at < start.addingTimeInterval(30), "marker at \(time), rollout from \(from)")
        let compare = try KilnBinary.run(["compare", "--db", db, "--dataset", "shop", "--marker", "latest", "--format", "json"])
        #expect(compare.status == 1, "\(compare.stderr)")
        let json = try KilnBinary.json(compare)
        #expect((json["after"] as? [String: Any])?["value"] as? String == "3.6.0")
        #expect((json["before"] as? [String: Any])?["value"] as? String == "3.4.0")
    }

    @Test func markersAreAddedListedAndRemoved() throws {
        let dir = try TempDir()
        let db = dir.path("m.db")
        let add = try KilnBinary.run(["marker", "add", "--db", db, "--dataset", "app", "--time", "2026-12-01T10:00:00Z",
                                      "--url", "https://ci.example/42", "api 2.0 \u{1b}[31m"])
        #expect(add.status == 0, "\(add.stderr)")
        let id = try #require(Int(add.stdout.trimmingCharacters(in: .whitespacesAndNewlines)))
        let json = try KilnBinary.json(try KilnBinary.run(["marker", "list", "--db", db, "--dataset", "app", "--format", "json"]))
        let markers = try #require(json["markers"] as? [[String: Any]])
        #expect(markers.count == 1)
        #expect(markers.first?["id"] as? Int == id)
        #expect(markers.first?["time"] as? String == "2026-12-01T10:00:00Z")
        #expect(markers.first?["type"] as? String == "deploy")
        #expect(markers.first?["url"] as? String == "https://ci.example/42")
        #expect(markers.first?["automatic"] as? Bool == false)
        let table = try KilnBinary.run(["marker", "list", "--db", db, "--dataset", "app"])
        #expect(table.stdout.contains("api 2.0 \\x1b[31m"), "control characters are made visible: \(table.stdout)")
        #expect(try KilnBinary.run(["marker", "rm", "--db", db, String(id)]).status == 0)
        let again = try KilnBinary.run(["marker", "rm", "--db", db, String(id)])
        #expect(again.status == 2)
        #expect(again.stderr.contains("no marker with id \(id)"))
        let empty = try KilnBinary.json(try KilnBinary.run(["marker", "list", "--db", db, "--dataset", "app", "--format", "json"]))
        #expect((empty["markers"] as? [Any])?.isEmpty == true)
        #expect(try KilnBinary.run(["marker", "add", "--db", db, "--dataset", "app", "--time", "yesterday", "x"]).status == 64)
    }

    /// Honeycomb envelopes: `n` events of `version` with `duration_ms` drawn around `median`.
    static func lines(version: String, start: Int, count: Int, median: Double, sampleRate: Int) -> [String] {
        (0..<count).map { i in
            let t = 1_764_583_200 + start + i
            let d = median * (0.8 + Double((i * 37) % 41) / 100)
            return #"{"time":\#(t),"samplerate":\#(sampleRate),"data":{"service.name":"api","service.version":"\#(version)","duration_ms":\#(d)}}"#
        }
    }

    @Test func sampleRatesChangeTheAnswer() throws {
        // Before: 5% slow. After: 20% of the stored events are slow; the fast ones carry a
        // sample rate of `rate`, so weighted, 4.8% are slow when rate is 5.
        func store(rate: Int) throws -> (KilnBinary.Result, [String: Any]) {
            let dir = try TempDir()
            let db = dir.path("s.db")
            let all = Self.lines(version: "1.0", start: 0, count: 950, median: 10, sampleRate: 1)
                + Self.lines(version: "1.0", start: 950, count: 50, median: 400, sampleRate: 1)
                + Self.lines(version: "1.1", start: 1000, count: 800, median: 10, sampleRate: rate)
                + Self.lines(version: "1.1", start: 1800, count: 200, median: 400, sampleRate: 1)
            let ingest = try KilnBinary.run(["ingest", "--db", db, "--dataset", "api", "--format", "jsonl", "-"],
                                            stdin: Data(all.joined(separator: "\n").utf8))
            #expect(ingest.status == 0, "\(ingest.stderr)")
            let result = try KilnBinary.run(["compare", "--db", db, "--dataset", "api", "--format", "json"])
            return (result, try KilnBinary.json(result))
        }
        let (plain, plainJSON) = try store(rate: 1)
        #expect(plain.status == 1)
        #expect(plainJSON["verdict"] as? String == "regression")
        #expect((plainJSON["after"] as? [String: Any])?["count"] as? Int == 1000)
        let (sampled, sampledJSON) = try store(rate: 5)
        #expect(sampled.status == 0, "\(sampled.stdout)")
        #expect(sampledJSON["verdict"] as? String == "no_change")
        #expect((sampledJSON["after"] as? [String: Any])?["count"] as? Int == 4200)
        #expect((sampledJSON["after"] as? [String: Any])?["events"] as? Int == 1000)
        #expect(sampledJSON["weighted"] as? Bool == true)
    }

    @Test func tooFewEventsIsInconclusiveAndExitsZero() throws {
        let dir = try TempDir()
        let db = dir.path("few.db")
        let all = Self.lines(version: "1.0", start: 0, count: 30, median: 10, sampleRate: 1)
            + Self.lines(version: "1.1", start: 30, count: 30, median: 100, sampleRate: 1)
        _ = try KilnBinary.run(["ingest", "--db", db, "--dataset", "api", "--format", "jsonl", "-"], stdin: Data(all.joined(separator: "\n").utf8))
        let result = try KilnBinary.run(["compare", "--db", db, "--dataset", "api", "--format", "json"])
        #expect(result.status == 0)
        #expect(try KilnBinary.json(result)["verdict"] as? String == "inconclusive")
    }

    @Test func badArgumentsAndFailuresHaveTheirExitStatus() throws {
        let dir = try TempDir()
        let db = dir.path("e.db")
        let all = Self.lines(version: "1.0", start: 0, count: 200, median: 10, sampleRate: 1)
            + Self.lines(version: "1.1", start: 200, count: 200, median: 10, sampleRate: 1)
        _ = try KilnBinary.run(["ingest", "--db", db, "--dataset", "api", "--format", "jsonl", "-"], stdin: Data(all.joined(separator: "\n").utf8))
        let bad = try KilnBinary.run(["compare", "--db", db, "--dataset", "api", "--marker", "soon"])
        #expect(bad.status == 64)
        #expect(bad.stderr.contains("--marker"))
        let same = try KilnBinary.run(["compare", "--db", db, "--dataset", "api", "--before", "1.0", "--after", "1.0"])
        #expect(same.status == 64)
        let unknown = try KilnBinary.run(["compare", "--db", db, "--dataset", "api", "--before", "0.9"])
        #expect(unknown.status == 64)
        #expect(unknown.stderr.contains("0.9"))
        let badError = try KilnBinary.run(["compare", "--db", db, "--dataset", "api", "--error", "status >"])
        #expect(badError.status == 64)
        let missing = try KilnBinary.run(["compare", "--db", dir.path("none.db"), "--dataset", "api"])
        #expect(missing.status == 2)
        let noField = try KilnBinary.run(["compare", "--db", db, "--dataset", "api", "--field", "build"])
        #expect(noField.status == 2)
        #expect(noField.stderr.contains("build"))
        let explicit = try KilnBinary.run(["compare", "--db", db, "--dataset", "api", "--before", "1.0", "--after", "1.1"])
        #expect(explicit.status == 0, "\(explicit.stderr)")
    }

    @Test func theVersionFieldIsSetPerDataset() throws {
        let dir = try TempDir()
        let db = dir.path("v.db")
        func ingest(_ build: String, at t: Int) throws {
            let line = #"{"time":\#(1_764_583_200 + t),"service.name":"api","build":"\#(build)","service.version":"x"}"#
            let r = try KilnBinary.run(["ingest", "--db", db, "--dataset", "api", "--format", "jsonl", "-"], stdin: Data(line.utf8))
            #expect(r.status == 0, "\(r.stderr)")
        }
        try ingest("b1", at: 0)
        try ingest("b2", at: 10)
        #expect(try KilnBinary.run(["marker", "version-field", "--db", db, "--dataset", "api"]).stdout == "service.version\n")
        #expect(try KilnBinary.run(["marker", "version-field", "--db", db, "--dataset", "api", "build"]).status == 0)
        #expect(try KilnBinary.run(["marker", "version-field", "--db", db, "--dataset", "api"]).stdout == "build\n")
        // b1 and b2 were there before the field was watched: only b3 is a deploy.
        try ingest("b2", at: 20)
        try ingest("b3", at: 30)
        let json = try KilnBinary.json(try KilnBinary.run(["marker", "list", "--db", db, "--dataset", "api", "--format", "json"]))
        let messages = (json["markers"] as? [[String: Any]] ?? []).compactMap { $0["message"] as? String }
        #expect(messages == ["api b3"])
    }

    @Test func serveRecordsDeployMarkersToo() throws {
        let dir = try TempDir()
        let db = dir.path("serve.db")
        let server = try ServeProcess(db: db)
        defer { server.stop() }
        func post(_ version: String, at seconds: Int) throws {
            let body = #"[{"time":"2026-12-01T10:00:\#(seconds)Z","samplerate":1,"data":{"service.name":"storefront","service.version":"\#(version)","duration_ms":5}}]"#
            let reply = try ServeHTTP.request(port: server.port, method: "POST", path: "/1/batch/web", headers: ["Content-Type": "application/json"],
                                              body: Array(body.utf8))
            #expect(reply.status == 200, "\(String(decoding: reply.body, as: UTF8.self))")
        }
        try post("8.4.0", at: 10)
        try post("8.5.0", at: 20)
        try post("8.5.0", at: 30)
        let json = try KilnBinary.json(try KilnBinary.run(["marker", "list", "--db", db, "--dataset", "web", "--format", "json"]))
        let markers = try #require(json["markers"] as? [[String: Any]])
        #expect(markers.count == 1, "\(markers)")
        #expect(markers.first?["message"] as? String == "storefront 8.5.0")
        #expect(markers.first?["time"] as? String == "2026-12-01T10:00:20Z")
        #expect(markers.first?["automatic"] as? Bool == true)
    }

    @Test func followRecordsDeployMarkersToo() throws {
        let dir = try TempDir()
        let db = dir.path("follow.db"), log = dir.path("app.jsonl")
        func line(_ version: String, _ second: Int) -> String {
            #"{"time":"2026-12-01T10:00:\#(second)Z","service.name":"api","service.version":"\#(version)"}"# + "\n"
        }
        #expect(FileManager.default.createFile(atPath: log, contents: Data(line("1.0", 10).utf8)))
        let follower = try Spawn.start([KilnBinary.path, "ingest", "--db", db, "--dataset", "app", "--format", "jsonl", "--follow", log])
        defer { Spawn.stop(follower) }
        func markers() throws -> [[String: Any]] {
            guard FileManager.default.fileExists(atPath: db) else { return [] }
            let json = try KilnBinary.json(try KilnBinary.run(["marker", "list", "--db", db, "--dataset", "app", "--format", "json"]))
            return json["markers"] as? [[String: Any]] ?? []
        }
        // Wait for the first version to be stored, then append a new one.
        var waited = 0
        while waited < 200, (try? KilnBinary.run(["datasets", "--db", db, "--format", "json"]).stdout.contains("\"events\":1")) != true {
            usleep(50_000)
            waited += 1
        }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data((line("1.0", 20) + line("1.1", 30)).utf8))
        try handle.close()
        var found: [[String: Any]] = []
        waited = 0
        while waited < 200, found.isEmpty {
            usleep(50_000)
            found = try markers()
            waited += 1
        }
        #expect(found.count == 1, "\(found)")
        #expect(found.first?["message"] as? String == "api 1.1")
        #expect(found.first?["time"] as? String == "2026-12-01T10:00:30Z")
        #expect(found.first?["automatic"] as? Bool == true)
    }
}
