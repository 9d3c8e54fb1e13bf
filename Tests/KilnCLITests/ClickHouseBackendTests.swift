import Foundation
import KilnClickHouse
import KilnCore
import KilnStore
import Testing

extension ClickHouseSerial {
    /// The two backends side by side in process, over the same events ingested by the real binary:
    /// heatmaps and raw events are the same values.
    @Suite(.enabled(if: ClickHouseCluster.available, "needs clickhouse-server (apt-get install clickhouse-server clickhouse-client)"))
    struct ClickHouseBackendTests {
        @Test func heatmapsAndRawEventsEqualTheEmbeddedStores() throws {
            let cluster = try ClickHouseCluster()
            let dir = try TempDir()
            let file = try ClickHouseCLITests.events(dir, count: 6_000, seed: 17)
            let path = dir.path("shop.db")
            for db in [path, cluster.url] {
                let r = try KilnBinary.run(["ingest", "--db", db, "--dataset", "shop", file])
                #expect(r.status == 0, "\(r.stderr)")
            }
            let embedded = try EmbeddedBackend(path: path)
            let clickhouse = ClickHouseBackend(store: ClickHouseStore(url: try ClickHouseURL.parse(cluster.url)))
            let t0 = try #require(Timestamp.parse("2026-11-30T23:10:00Z")), t1 = try #require(Timestamp.parse("2026-11-30T23:40:00Z"))
            var linear = HeatmapOptions()
            linear.scale = .linear
            linear.timeBuckets = 17
            linear.valueBuckets = 9
            var ranged = HeatmapOptions()
            ranged.valueRange = 0...500
            let cases: [(Scope, String, HeatmapOptions)] = [
                (Scope(), "duration_ms", HeatmapOptions()),
                (Scope(from: t0, to: t1), "duration_ms", HeatmapOptions()),
                (Scope(filters: [try Filter.parse("service.name = checkout")]), "duration_ms", linear),
                (Scope(), "http.status_code", ranged),
                (Scope(), "service.name", HeatmapOptions()),
                (Scope(), "no.such.field", HeatmapOptions()),
                (Scope(filters: [try Filter.parse("duration_ms > 100000")]), "duration_ms", HeatmapOptions()),
            ]
            for (i, (scope, field, options)) in cases.enumerated() {
                let a = try embedded.heatmap(dataset: "shop", scope: scope, field: field, options: options).value
                let b = try clickhouse.heatmap(dataset: "shop", scope: scope, field: field, options: options).value
                #expect(a == b, "\(field) \(scope): embedded \(a.json().prefix(300)) clickhouse \(b.json().prefix(300))")
                #expect(i >= 4 || a.maxCount > 0, "case \(i) should have counts")
            }
            for scope in [Scope(), Scope(from: t0, to: t1, filters: [try Filter.parse("http.route starts-with /api")])] {
                let a = try embedded.events(dataset: "shop", scope: scope, limit: 25)
                let b = try clickhouse.events(dataset: "shop", scope: scope, limit: 25)
                #expect(a.count == 25)
                #expect(a.map(\.timestamp) == b.map(\.timestamp))
                // Events of one time may come in another order; those of the oldest time listed are a
                // cut through a tie (either store may pick others), the rest must be the same events.
                func byTime(_ list: [Event]) -> [Int64: [String]] {
                    let oldest = list.last?.timestamp
                    var out: [Int64: [String]] = [:]
                    for e in list where e.timestamp != oldest {
                        out[e.timestamp, default: []].append("\(e.sampleRate) " + e.fields.map { "\($0.name)=\($0.value)" }.sorted().joined(separator: " "))
                    }
                    return out.mapValues { $0.sorted() }
                }
                #expect(byTime(a) == byTime(b))
                #expect(!byTime(a).isEmpty)
            }
            // One trace by id: every span of it, from either store.
            let newest = try #require(try embedded.events(dataset: "shop", scope: Scope(), limit: 1).first)
            let trace = try #require(newest["trace.trace_id"])
            let byID = Scope(filters: [Filter("trace.trace_id", .equal, trace)])
            func spans(_ list: [Event]) -> [String] {
                list.map { e in "\(e.timestamp) " + e.fields.map { "\($0.name)=\($0.value)" }.sorted().joined(separator: " ") }.sorted()
            }
            let a = try embedded.events(dataset: "shop", scope: byID, limit: 10_000)
            let b = try clickhouse.events(dataset: "shop", scope: byID, limit: 10_000)
            #expect(a.count > 1)
            #expect(spans(a) == spans(b))
        }
    }
}
