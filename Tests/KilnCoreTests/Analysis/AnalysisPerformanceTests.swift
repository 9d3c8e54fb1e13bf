#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Testing
@testable import KilnCore

/// Whether the timings run: always in release builds, in debug only with `KILN_PERF_EVENTS`.
enum PerformanceGate {
    static var enabled: Bool {
        #if DEBUG
        return getenv("KILN_PERF_EVENTS") != nil
        #else
        return true
        #endif
    }
}

/// Timings for 1M events of 20 fields, printed, not asserted (a benchmark is not a test).
/// Run in release: `swift test -c release --filter AnalysisPerformance`. Debug builds skip it
/// unless `KILN_PERF_EVENTS` is set (e.g. 50000). `KILN_PERF_EVENTS=10000000` sets the size;
/// `KILN_PERF_SAMPLED=0` skips the sampled variant.
@Suite(.serialized, .enabled(if: PerformanceGate.enabled)) struct AnalysisPerformanceTests {
    static var size: Int {
        if let text = getenv("KILN_PERF_EVENTS"), let n = Int(String(cString: text)), n > 0 { return n }
        #if DEBUG
        return 50_000
        #else
        return 1_000_000
        #endif
    }

    static let base: Int64 = 1_714_566_896_000_000_000

    /// A web shop's request events: 20 fields of every kind, ids, a skewed latency.
    static func build(_ n: Int, sampled: Bool) -> EventTable {
        var rng = SplitMix64(seed: 99)
        var builder = EventTableBuilder()
        let services = (0..<12).map { "svc-\($0)" }, routes = (0..<60).map { "/api/v1/route\($0)" }
        let methods = ["GET", "GET", "GET", "POST", "PUT", "DELETE"], statuses: [Int64] = [200, 200, 200, 200, 201, 204, 301, 304, 400, 404, 500, 503]
        let replicas = (1...8).map { "pg-r\($0)" }, regions = ["eu-west-1", "eu-central-1", "us-east-1", "us-west-2", "ap-south-1", "ap-east-1"]
        let platforms = ["android", "ios", "web", "desktop"], tiers = ["free", "pro", "team", "enterprise"]
        var start = 0
        while start < n {
            let end = min(n, start + 100_000)
            var chunk: [Event] = []
            chunk.reserveCapacity(end - start)
            for i in start..<end {
                let region = Int.random(in: 0..<6, using: &rng)
                let replica = Int.random(in: 0..<8, using: &rng)
                var duration = 5 * Double.random(in: 0.5..<1.5, using: &rng) * Double(1 << Int.random(in: 0..<7, using: &rng))
                if replica == 5, rng.chance(0.5) { duration *= 8 }
                var fields = [
                    Field("service.name", .string(services[Int.random(in: 0..<12, using: &rng)])),
                    Field("http.method", .string(methods[Int.random(in: 0..<6, using: &rng)])),
                    Field("http.route", .string(routes[Int.random(in: 0..<60, using: &rng)])),
                    Field("http.status_code", .int(statuses[Int.random(in: 0..<12, using: &rng)])),
                    Field("duration_ms", .float((duration * 1000).rounded() / 1000)),
                    Field("db.replica", .string(replicas[replica])),
                    Field("region", .string(regions[region])),
                    Field("az", .string(regions[region] + "abc".map { String($0) }[Int.random(in: 0..<3, using: &rng)])),
                    Field("client.platform", .string(platforms[Int.random(in: 0..<4, using: &rng)])),
                    Field("client.version", .string("3.\(Int.random(in: 0..<40, using: &rng)).0")),
                    Field("flags.new_pricing", .bool(rng.chance(0.3))),
                    Field("user.tier", .string(tiers[Int.random(in: 0..<4, using: &rng)])),
                    Field("tenant.id", .string("tenant-\(Int.random(in: 0..<5000, using: &rng))")),
                    Field("user.id", .int(Int64.random(in: 0..<100_000, using: &rng))),
                    Field("request.id", .string("req-\(i)-\(rng.next() % 100_000)")),
                    Field("trace.trace_id", .string("trace-\(i / 5)")),
                    Field("host", .string("host-\(Int.random(in: 0..<200, using: &rng))")),
                    Field("bytes", .int(Int64.random(in: 0..<1_000_000, using: &rng))),
                    Field("k8s.pod", .string("pod-\(Int.random(in: 0..<500, using: &rng))")),
                ]
                if rng.chance(0.2) { fields.append(Field("error", .bool(rng.chance(0.3)))) }
                let rate: Int64 = sampled ? [1, 1, 2, 10][Int.random(in: 0..<4, using: &rng)] : 1
                chunk.append(Event(timestamp: base + Int64(Double(i) / Double(n) * 3.6e12) + Int64.random(in: 0..<1_000_000, using: &rng),
                                   sampleRate: rate, fields: fields))
            }
            builder.append(chunk)
            start = end
        }
        return builder.table
    }

    /// Runs `body` `times` times; prints the fastest and the median in milliseconds.
    @discardableResult
    static func measure<T>(_ label: String, times: Int = 7, _ body: () throws -> T) rethrows -> T {
        var durations: [Duration] = []
        var result: T?
        for _ in 0..<times {
            let clock = ContinuousClock()
            let start = clock.now
            result = try body()
            durations.append(clock.now - start)
        }
        durations.sort()
        func ms(_ d: Duration) -> String {
            let c = d.components
            let v = Double(c.seconds) * 1000 + Double(c.attoseconds) / 1e15
            return NumberText.decimal(v, places: 2)
        }
        print("perf \(label): min \(ms(durations[0])) ms, median \(ms(durations[durations.count / 2])) ms")
        return result!
    }

    @Test(arguments: [false, true])
    func timings(sampled: Bool) throws {
        if sampled, let text = getenv("KILN_PERF_SAMPLED"), String(cString: text) == "0" { return }
        let n = Self.size
        let clock = ContinuousClock()
        let t0 = clock.now
        let table = Self.build(n, sampled: sampled)
        print("perf building \(n) events x \(table.columns.count) fields (sampled: \(sampled)): \(clock.now - t0)")
        let label = "\(n / 1000)k\(sampled ? " sampled" : "")"
        let hour: Int64 = 3_600_000_000_000

        let heatmap = Self.measure("\(label) heatmap 60x20 log") {
            Heatmap.compute(table, scope: Scope(from: Self.base, to: Self.base + hour), field: "duration_ms")
        }
        #expect(heatmap.totals.reduce(0, +) > 0)

        let prepared = Self.measure("\(label) BubbleUp prepare (scope = all)", times: 3) { BubbleUp.prepare(table) }
        // A heatmap box of ~0.5%: the middle half of the hour, the slowest latencies.
        let narrow = [Filter.time(.greaterOrEqual, Self.base + hour / 4), Filter.time(.less, Self.base + 3 * hour / 4),
                      Filter("duration_ms", .greaterOrEqual, .float(800)), Filter("duration_ms", .less, .float(100_000))]
        let wide = [Filter.time(.less, Self.base + hour / 2)]
        let narrowResult = Self.measure("\(label) BubbleUp narrow box") { prepared.run(selection: narrow) }
        let wideResult = Self.measure("\(label) BubbleUp wide 50% (first half hour: consecutive rows)") { prepared.run(selection: wide) }
        let scattered = [Filter.equal("http.method", .string("GET"))]
        let scatteredResult = Self.measure("\(label) BubbleUp wide 50% scattered (http.method = GET)") { prepared.run(selection: scattered) }
        print("perf \(label) scattered selection \(scatteredResult.selectionRows) rows")
        print("perf \(label) narrow selection \(narrowResult.selectionRows) rows (\(NumberText.decimal(100 * Double(narrowResult.selectionRows) / Double(n), places: 2))%), top \(narrowResult.dimensions.first?.field ?? "-"), id_like \(narrowResult.idLike)")
        print("perf \(label) wide selection \(wideResult.selectionRows) rows")
        #expect(narrowResult.dimensions.first?.field == "db.replica")
        Self.measure("\(label) BubbleUp narrow, prepare included", times: 3) { BubbleUp.run(table, selection: narrow) }

        let scopeFilter = [try Filter.parse("http.status_code >= 500")]
        Self.measure("\(label) scope filter status >= 500") { Scope(filters: scopeFilter).rows(in: table) }
        let p99 = Query(calculations: [.count, .percentile(.p99, "duration_ms")], groupBy: ["service.name"])
        let grouped = try Self.measure("\(label) GROUP BY service.name COUNT, P99(duration_ms)") { try p99.run(table) }
        #expect(grouped.rows.count == 12)
        let two = Query(calculations: [.count, .avg("duration_ms")], groupBy: ["region", "http.route"], limit: 10)
        try Self.measure("\(label) GROUP BY region, http.route COUNT, AVG", times: 3) { try two.run(table) }
        let series = Query(calculations: [.count, .percentile(.p99, "duration_ms")], groupBy: ["db.replica"], granularity: 60_000_000_000)
        try Self.measure("\(label) series per minute x db.replica COUNT, P99", times: 3) { try series.run(table) }
        Self.measure("\(label) newest 100 rows", times: 3) { Query.newestRows(table, limit: 100) }
        if !sampled { print(narrowResult.table(width: 80)) }
    }
}
