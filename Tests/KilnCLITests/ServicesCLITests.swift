import Foundation
import Testing

/// `kiln services` and `kiln services --map` through the real binary on a real store of
/// generated traces, against the same figures computed directly from the generated lines.
struct ServicesCLITests {
    /// 2026-01-01T00:00:00Z
    static let end: Int64 = 1_767_225_600_000_000_000

    struct Span {
        var time: Int64
        var rate: Int64
        var trace: String
        var span: String
        var parent: String?
        var service: String
        var duration: Double?
        var error: Bool
    }

    /// Generated spans over 1 h, each trace given sample rate 1, 2 or 5 (from its id), ingested
    /// as Honeycomb envelopes; the spans as written.
    static func makeStore(_ dir: TempDir, events: Int = 6_000) throws -> (db: String, spans: [Span]) {
        let gen = try KilnBinary.run(["generate", "--events", String(events), "--seed", "5", "--end", String(end / 1_000_000_000)])
        #expect(gen.status == 0, "\(gen.stderr)")
        var spans: [Span] = []
        var envelopes: [String] = []
        for line in gen.stdout.split(separator: "\n") {
            var object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let time = try #require(object.removeValue(forKey: "timestamp") as? String)
            let trace = try #require(object["trace.trace_id"] as? String)
            let rate = Int64([1, 2, 5][Int(trace.utf8.last! % 3)])
            let data = try JSONSerialization.data(withJSONObject: ["time": time, "samplerate": rate, "data": object])
            envelopes.append(String(decoding: data, as: UTF8.self))
            let status = (object["http.status_code"] as? NSNumber)?.intValue ?? 0
            spans.append(Span(time: try nanoseconds(time), rate: rate, trace: trace,
                              span: try #require(object["trace.span_id"] as? String), parent: object["trace.parent_id"] as? String,
                              service: try #require(object["service.name"] as? String), duration: (object["duration_ms"] as? NSNumber)?.doubleValue,
                              error: (object["error"] as? Bool) == true || status >= 500))
        }
        let db = dir.path("k.db")
        let ingest = try KilnBinary.run(["ingest", "--db", db, "--dataset", "shop", "--format", "jsonl", "-"], stdin: Data(envelopes.joined(separator: "\n").utf8))
        #expect(ingest.status == 0, "\(ingest.stderr)")
        return (db, spans)
    }

    /// `2025-12-31T23:59:58.000431Z` in ns, exactly.
    static func nanoseconds(_ text: String) throws -> Int64 {
        let parts = text.dropLast().split(separator: ".", maxSplits: 1)
        let seconds = try #require(ISO8601DateFormatter().date(from: String(parts[0]) + "Z"))
        let fraction = parts.count > 1 ? String(parts[1]).padding(toLength: 9, withPad: "0", startingAt: 0) : "0"
        return Int64(seconds.timeIntervalSince1970) * 1_000_000_000 + (Int64(fraction) ?? 0)
    }

    /// Weighted nearest-rank percentile, as `kiln query` defines it.
    static func percentile(_ values: [(Double, Int64)], _ perMille: Int64) -> Double? {
        let sorted = values.sorted { $0.0 < $1.0 }
        let total = sorted.reduce(0) { $0 + $1.1 }
        guard total > 0 else { return nil }
        let target = max(1, (perMille * total + 999) / 1000)
        var cumulative: Int64 = 0
        for (v, w) in sorted {
            cumulative += w
            if cumulative >= target { return v }
        }
        return sorted.last?.0
    }

    static func close(_ a: Any?, _ b: Double?) -> Bool {
        guard let b else { return a is NSNull }
        guard let a = (a as? NSNumber)?.doubleValue else { return false }
        return abs(a - b) <= 1e-9 * max(1, abs(b))
    }

    @Test func servicesMatchADirectComputation() throws {
        let dir = try TempDir()
        let (db, spans) = try Self.makeStore(dir)
        // The last 20 minutes against the 20 before.
        let from = Self.end - 20 * 60_000_000_000, to = Self.end + 1
        let result = try KilnBinary.run(["services", "--db", db, "--dataset", "shop", "--from", String(from), "--to", String(to), "--format", "json"])
        #expect(result.status == 0, "\(result.stderr)")
        let json = try KilnBinary.json(result)
        let listed = try #require(json["services"] as? [[String: Any]])
        let previousFrom = from - (to - from)
        let names = Set(spans.filter { $0.time >= previousFrom && $0.time < to }.map(\.service))
        #expect(listed.count == names.count && names.count >= 5)
        for entry in listed {
            let name = try #require(entry["name"] as? String)
            let now = spans.filter { $0.service == name && $0.time >= from && $0.time < to }
            let before = spans.filter { $0.service == name && $0.time >= previousFrom && $0.time < from }
            let count = Double(now.reduce(0) { $0 + $1.rate }), errors = Double(now.filter(\.error).reduce(0) { $0 + $1.rate })
            let seconds = Double(to - from) / 1e9
            #expect(Self.close(entry["rate"], count / seconds), "\(name) rate")
            #expect(Self.close(entry["error_rate"], count > 0 ? errors / count : nil), "\(name) error rate")
            let durations = now.compactMap { s in s.duration.map { ($0, s.rate) } }
            #expect(Self.close(entry["p50"], Self.percentile(durations, 500)), "\(name) p50")
            #expect(Self.close(entry["p95"], Self.percentile(durations, 950)), "\(name) p95")
            #expect(Self.close(entry["p99"], Self.percentile(durations, 990)), "\(name) p99")
            let change = try #require(entry["change"] as? [String: Any])
            let previousCount = Double(before.reduce(0) { $0 + $1.rate })
            #expect(previousCount > 0)
            #expect(Self.close(change["rate"], (count - previousCount) / previousCount), "\(name) rate change")
            let previousP99 = Self.percentile(before.compactMap { s in s.duration.map { ($0, s.rate) } }, 990)
            let p99 = Self.percentile(durations, 990)
            #expect(Self.close(change["p99"], previousP99.flatMap { b in p99.map { ($0 - b) / b } }), "\(name) p99 change")
        }
        // A filter narrows the spans counted; an unknown field is refused with the flag named.
        let filtered = try KilnBinary.json(try KilnBinary.run(["services", "--db", db, "--dataset", "shop", "--from", String(from), "--to", String(to),
                                                                "--where", "service.name = cart", "--format", "json"]))
        #expect((filtered["services"] as? [[String: Any]])?.compactMap { $0["name"] as? String } == ["cart"])
        let bad = try KilnBinary.run(["services", "--db", db, "--dataset", "shop", "--where", "nope = 1"])
        #expect(bad.status == 64 && bad.stderr.contains("--where") && bad.stderr.contains("nope"))
        let table = try KilnBinary.run(["services", "--db", db, "--dataset", "shop", "--from", String(from), "--to", String(to)])
        #expect(table.status == 0 && table.stdout.contains("SERVICE") && table.stdout.contains("checkout"))
    }

    @Test func mapHasExactEdgesAndCounts() throws {
        let dir = try TempDir()
        let (db, spans) = try Self.makeStore(dir)
        let result = try KilnBinary.run(["services", "--db", db, "--dataset", "shop", "--map", "--format", "json"])
        #expect(result.status == 0, "\(result.stderr)")
        let edges = try #require(try KilnBinary.json(result)["edges"] as? [[String: Any]])
        // Directly: each span's parent found by (trace, span id).
        var byID: [String: Span] = [:]
        for s in spans { byID[s.trace + "/" + s.span] = s }
        var expected: [String: (calls: Int64, errors: Int64, durations: [(Double, Int64)])] = [:]
        for s in spans {
            guard let p = s.parent, let parent = byID[s.trace + "/" + p], parent.service != s.service else { continue }
            var e = expected[parent.service + " -> " + s.service] ?? (0, 0, [])
            e.calls += s.rate
            if s.error { e.errors += s.rate }
            if let d = s.duration { e.durations.append((d, s.rate)) }
            expected[parent.service + " -> " + s.service] = e
        }
        #expect(expected.count >= 5)
        #expect(edges.count == expected.count)
        for edge in edges {
            let key = "\(edge["from"] as? String ?? "?") -> \(edge["to"] as? String ?? "?")"
            let e = try #require(expected[key], "unexpected edge \(key)")
            #expect((edge["calls"] as? NSNumber)?.int64Value == e.calls, "\(key) calls")
            #expect(Self.close(edge["error_rate"], Double(e.errors) / Double(e.calls)), "\(key) error rate")
            #expect(Self.close(edge["p50"], Self.percentile(e.durations, 500)), "\(key) p50")
            #expect(Self.close(edge["p99"], Self.percentile(e.durations, 990)), "\(key) p99")
        }
        let table = try KilnBinary.run(["services", "--db", db, "--dataset", "shop", "--map"])
        #expect(table.status == 0 && table.stdout.contains("FROM") && table.stdout.contains("entry services: frontend"))
    }
}

