import Foundation
import Testing

/// `kiln slo` through the real binary on a real store: definitions, status and its exit
/// statuses, BubbleUp of the bad events.
struct SLOCLITests {
    static let minute: Int64 = 60_000_000_000
    /// 2025-11-30T00:00:00Z
    static let start: Int64 = 1_764_460_800_000_000_000
    static var end: Int64 { start + 2 * 1440 * minute }

    /// Two days of API requests every 10 s, sample rates 1 to 10 (Honeycomb envelopes), health
    /// checks that are not eligible, and an incident in the last 30 minutes: host web-3 answers
    /// 503 to every request.
    static func lines() -> [(time: Int64, rate: Int64, route: String, status: Int, host: String)] {
        var out: [(Int64, Int64, String, Int, String)] = []
        var seed: UInt64 = 7
        func next() -> UInt64 {
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            return seed >> 33
        }
        var t = start
        while t < end {
            let route = next() % 10 == 0 ? "/health" : ["/api/cart", "/api/pay"][Int(next() % 2)]
            let host = "web-\(next() % 4)"
            let incident = t >= end - 30 * minute && host == "web-3"
            let status = incident ? 503 : (next() % 1000 == 0 ? 500 : 200)
            out.append((t, [1, 1, 2, 5, 10][Int(next() % 5)], route, status, host))
            t += 10_000_000_000
        }
        return out
    }

    static func makeStore(_ dir: TempDir) throws -> String {
        let db = dir.path("k.db")
        let text = lines().map { e in
            #"{"time":"\#(e.time / 1_000_000_000)","samplerate":\#(e.rate),"data":{"http.route":"\#(e.route)","status":\#(e.status),"host":"\#(e.host)"}}"#
        }.joined(separator: "\n")
        let ingest = try KilnBinary.run(["ingest", "--db", db, "--dataset", "api", "--format", "jsonl", "-"], stdin: Data(text.utf8))
        #expect(ingest.status == 0, "\(ingest.stderr)")
        let add = try KilnBinary.run(["slo", "add", "api-availability", "--db", db, "--dataset", "api", "--where", "http.route starts-with /api",
                                      "--good", "status < 500", "--target", "99.5", "--description", "API answers"])
        #expect(add.status == 0, "\(add.stderr)")
        return db
    }

    /// Weighted (eligible, bad) in (at − length, at], straight from the generated lines.
    static func direct(length: Int64, at: Int64) -> (eligible: Int64, bad: Int64) {
        direct(from: at - length + 1, to: at + 1)
    }

    /// Weighted (eligible, bad) in [from, to).
    static func direct(from: Int64, to: Int64) -> (eligible: Int64, bad: Int64) {
        var eligible: Int64 = 0, bad: Int64 = 0
        for e in lines() where e.time >= from && e.time < to && e.route.hasPrefix("/api") {
            eligible += e.rate
            if e.status >= 500 { bad += e.rate }
        }
        return (eligible, bad)
    }

    static func iso(_ ns: Int64) -> String {
        let f = ISO8601DateFormatter()
        return f.string(from: Date(timeIntervalSince1970: Double(ns / 1_000_000_000)))
    }

    @Test func statusCountsBurnRatesAndExitStatuses() throws {
        let dir = try TempDir()
        let db = try Self.makeStore(dir)
        let windows: [(String, Int64)] = [("5m", 5), ("30m", 30), ("1h", 60), ("6h", 360), ("3d", 4320)]
        // During the incident: pages (exit 1); the day before: quiet (exit 0).
        for (at, expectedExit) in [(Self.end, Int32(1)), (Self.end - 1440 * Self.minute, Int32(0))] {
            let run = try KilnBinary.run(["slo", "status", "api-availability", "--db", db, "--at", Self.iso(at), "--format", "json"])
            #expect(run.status == expectedExit, "\(run.stderr)")
            let json = try KilnBinary.json(run)
            let period = Self.direct(length: 30 * 1440 * Self.minute, at: at)
            #expect(json["eligible"] as? Int64 == period.eligible)
            #expect(json["bad"] as? Int64 == period.bad)
            #expect(json["good"] as? Int64 == period.eligible - period.bad)
            #expect(json["target"] as? Double == 99.5)
            #expect(json["period"] as? String == "30d")
            let rates = try #require(json["burn_rates"] as? [String: Double])
            for (name, minutes) in windows {
                let w = Self.direct(length: minutes * Self.minute, at: at)
                let expected = w.eligible == 0 ? 0 : Double(w.bad) / Double(w.eligible) / 0.005
                #expect(abs((rates[name] ?? -1) - expected) < 1e-9 * max(1, expected), "\(name) at \(Self.iso(at))")
            }
            let alerts = try #require(json["alerts"] as? [[String: Any]])
            #expect(alerts.count == 3)
            #expect(alerts.contains { $0["firing"] as? Bool == true } == (expectedExit == 1))
            let budget = try #require(json["budget"] as? [String: Double])
            #expect(abs((budget["allowed_bad"] ?? 0) - Double(period.eligible) * 0.005) < 1e-6)
        }
        // Table output says the same and exits the same.
        let table = try KilnBinary.run(["slo", "status", "api-availability", "--db", db, "--at", Self.iso(Self.end)])
        #expect(table.status == 1)
        #expect(table.stdout.contains("page 1h+5m > 14.4: FIRING"))
    }

    @Test func failuresAndBadArgumentsHaveTheirExitStatuses() throws {
        let dir = try TempDir()
        let db = try Self.makeStore(dir)
        let unknown = try KilnBinary.run(["slo", "status", "nope", "--db", db])
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("no SLO named \"nope\"") && unknown.stderr.contains("api-availability"))
        #expect(try KilnBinary.run(["slo", "status", "api-availability", "--db", dir.path("missing.db")]).status == 2)
        #expect(try KilnBinary.run(["slo", "status", "api-availability", "--db", db, "--at", "yesterday"]).status == 64)
        let badTarget = try KilnBinary.run(["slo", "add", "x", "--db", db, "--dataset", "api", "--good", "status < 500", "--target", "100"])
        #expect(badTarget.status == 64)
        #expect(badTarget.stderr.contains("--target 100 must be above 0 and below 100"))
        let badGood = try KilnBinary.run(["slo", "add", "x", "--db", db, "--dataset", "api", "--good", "status <", "--target", "99"])
        #expect(badGood.status == 64)
        #expect(badGood.stderr.contains("--good"))
        #expect(try KilnBinary.run(["slo", "add", "x", "--db", db, "--dataset", "api", "--target", "99"]).status == 64)
        let duplicate = try KilnBinary.run(["slo", "add", "api-availability", "--db", db, "--dataset", "api", "--good", "status < 500", "--target", "99"])
        #expect(duplicate.status == 2)
        #expect(duplicate.stderr.contains("already exists"))
        // A dataset the store lacks is a failure of status, not a crash.
        #expect(try KilnBinary.run(["slo", "add", "ghost", "--db", db, "--dataset", "nothing", "--good", "a = 1", "--target", "99"]).status == 0)
        let ghost = try KilnBinary.run(["slo", "status", "ghost", "--db", db])
        #expect(ghost.status == 2)
        #expect(ghost.stderr.contains("nothing"))
    }

    @Test func listAndRemove() throws {
        let dir = try TempDir()
        let db = try Self.makeStore(dir)
        #expect(try KilnBinary.run(["slo", "add", "latency", "--db", db, "--dataset", "api", "--good", "status = 200", "--good", "host != web-3",
                                    "--target", "99.95", "--period", "7d"]).status == 0)
        let list = try KilnBinary.json(try KilnBinary.run(["slo", "list", "--db", db, "--format", "json"]))
        let slos = try #require(list["slos"] as? [[String: Any]])
        #expect(slos.map { $0["name"] as? String } == ["api-availability", "latency"])
        #expect(slos[1]["good"] as? [String] == ["status = 200", "host != web-3"])
        #expect(slos[1]["target"] as? Double == 99.95)
        #expect(slos[1]["period"] as? String == "7d")
        #expect(slos[0]["where"] as? [String] == ["http.route starts-with /api"])
        #expect(try KilnBinary.run(["slo", "rm", "latency", "--db", db]).status == 0)
        #expect(try KilnBinary.run(["slo", "rm", "latency", "--db", db]).status == 2)
        let after = try KilnBinary.json(try KilnBinary.run(["slo", "list", "--db", db, "--format", "json"]))
        #expect((after["slos"] as? [[String: Any]])?.count == 1)
    }

    @Test func bubbleUpComparesBadEventsWithGoodOnes() throws {
        let dir = try TempDir()
        let db = try Self.makeStore(dir)
        let from = Self.iso(Self.end - 60 * Self.minute), to = Self.iso(Self.end + Self.minute)
        let slo = try KilnBinary.run(["slo", "bubbleup", "api-availability", "--db", db, "--from", from, "--to", to, "--format", "json"])
        #expect(slo.status == 0, "\(slo.stderr)")
        // The same as `kiln bubbleup` selecting the bad events among the eligible ones.
        let plain = try KilnBinary.run(["bubbleup", "--db", db, "--dataset", "api", "--from", from, "--to", to, "--where", "http.route starts-with /api",
                                        "--select", "status >= 500", "--format", "json"])
        #expect(plain.status == 0, "\(plain.stderr)")
        #expect(slo.stdout == plain.stdout)
        let json = try KilnBinary.json(slo)
        let bad = Self.direct(from: Self.end - 60 * Self.minute, to: Self.end + Self.minute)
        #expect((json["selection"] as? [String: Any])?["count"] as? Int64 == bad.bad)
        #expect((json["baseline"] as? [String: Any])?["count"] as? Int64 == bad.eligible - bad.bad)
        let top = try #require((json["dimensions"] as? [[String: Any]])?.first { $0["field"] as? String == "host" })
        let values = try #require(top["values"] as? [[String: Any]])
        #expect(values.first { $0["value"] as? String == "web-3" }?["selection_pct"] as? Double ?? 0 > 90)
    }
}
