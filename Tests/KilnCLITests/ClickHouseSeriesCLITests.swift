import Foundation
import Testing

extension ClickHouseSerial {
    /// `kiln query --granularity` (a time series) and `HEATMAP(f)` on a real two-shard ClickHouse
    /// cluster give the embedded store's output byte for byte, and their SQL runs on current
    /// ClickHouse (chdb) with the same answers as on 18.16.
    @Suite(.enabled(if: ClickHouseCluster.available, "needs clickhouse-server (apt-get install clickhouse-server clickhouse-client)"))
    struct ClickHouseSeriesCLITests {
        /// Over the generated spans of 2026-11-30 23:00 to 2026-12-01 00:00 (bad-deploy, every
        /// third event weighted, see ``ClickHouseCLITests/events(_:count:seed:)``).
        static let queries: [[String]] = [
            ["--since", "all", "--calc", "COUNT", "--granularity", "5m"],
            ["--since", "all", "--calc", "COUNT", "--calc", "P99(duration_ms)", "--calc", "P50(duration_ms)", "--calc", "SUM(http.status_code)",
             "--calc", "MIN(duration_ms)", "--calc", "MAX(duration_ms)", "--calc", "COUNT_DISTINCT(user.id)", "--group-by", "service.name",
             "--granularity", "10m"],
            // The limit leaves groups out: only the shown ones are in the series.
            ["--since", "all", "--calc", "COUNT", "--calc", "P90(duration_ms)", "--group-by", "http.route", "--group-by", "region",
             "--order-by", "COUNT desc", "--limit", "3", "--granularity", "7m"],
            // A window whose start is not a multiple of the granularity, groups with absent values.
            ["--from", "2026-11-30T23:20:30Z", "--to", "2026-11-30T23:31:10Z", "--calc", "COUNT", "--group-by", "http.status_code",
             "--granularity", "1m"],
            ["--since", "all", "--calc", "COUNT", "--where", "duration_ms > 1000000000", "--granularity", "1m"],
            ["--since", "all", "--calc", "HEATMAP(duration_ms)"],
            ["--since", "all", "--calc", "HEATMAP(duration_ms)", "--calc", "COUNT", "--group-by", "service.name"],
            ["--since", "all", "--calc", "HEATMAP(http.status_code)", "--calc", "HEATMAP(duration_ms)", "--calc", "COUNT", "--group-by", "region",
             "--limit", "2", "--granularity", "15m"],
            ["--from", "2026-11-30T23:40:00Z", "--to", "2026-11-30T23:50:00Z", "--calc", "HEATMAP(duration_ms)", "--where", "service.name = checkout",
             "--granularity", "2m"],
        ]

        @Test func seriesAndHeatmapQueriesGiveTheEmbeddedStoresOutput() throws {
            let cluster = try ClickHouseCluster()
            let dir = try TempDir()
            let file = try ClickHouseCLITests.events(dir, count: 12_000, seed: 19)
            let embedded = dir.path("shop.db")
            for db in [embedded, cluster.url] {
                let r = try KilnBinary.run(["ingest", "--db", db, "--dataset", "shop", file])
                #expect(r.status == 0, "\(r.stderr)")
            }
            for q in Self.queries {
                for format in ["json", "table"] {
                    let command = ["query", "--dataset", "shop", "--format", format] + q
                    let a = try KilnBinary.run(command + ["--db", embedded])
                    let b = try KilnBinary.run(command + ["--db", cluster.url])
                    #expect(a.status == 0 && b.status == 0, "\(q): \(a.stderr) \(b.stderr)")
                    #expect(a.stdout == b.stdout, "\(q) \(format) differs:\nembedded:   \(a.stdout.prefix(600))\nclickhouse: \(b.stdout.prefix(600))")
                }
            }
            // The comparisons cover real series and histograms: the counts per bucket add up to
            // the weighted count, and a limited series holds only the groups shown.
            let all = try KilnBinary.json(try KilnBinary.run(["query", "--dataset", "shop", "--format", "json", "--db", cluster.url] + Self.queries[0]))
            let total = try #require((all["rows"] as? [[String: Any]])?.first?["COUNT"] as? Int)
            let series = try #require(all["series"] as? [[String: Any]])
            #expect(total > 12_000 && series.count == 12)
            #expect(series.reduce(0) { $0 + ($1["COUNT"] as? Int ?? 0) } == total)
            let limited = try KilnBinary.json(try KilnBinary.run(["query", "--dataset", "shop", "--format", "json", "--db", cluster.url] + Self.queries[2]))
            let shown = Set((limited["rows"] as? [[String: Any]] ?? []).map { "\($0["http.route"] ?? "-")|\($0["region"] ?? "-")" })
            let inSeries = Set((limited["series"] as? [[String: Any]] ?? []).map { "\($0["http.route"] ?? "-")|\($0["region"] ?? "-")" })
            #expect(shown.count == 3 && inSeries == shown, "\(shown) \(inSeries)")
            let heatmap = try KilnBinary.json(try KilnBinary.run(["query", "--dataset", "shop", "--format", "json", "--db", cluster.url] + Self.queries[6]))
            for row in heatmap["rows"] as? [[String: Any]] ?? [] {
                let counts = row["HEATMAP(duration_ms)"] as? [Int] ?? []
                #expect(counts.count == 20 && counts.reduce(0, +) == row["COUNT"] as? Int, "\(row)")
            }
            #expect(((heatmap["heatmaps"] as? [String: Any])?["HEATMAP(duration_ms)"] as? [String: Any])?["edges"] is [Double])
        }

        @Test(.enabled(if: Chdb.available, "python3 -c 'import chdb' fails: pip install chdb-core"))
        func theirSQLRunsOnCurrentClickHouseWithTheSameAnswers() throws {
            let cluster = try ClickHouseCluster()
            let dir = try TempDir()
            let file = try ClickHouseCLITests.events(dir, count: 1_500, seed: 23)
            let url = "clickhouse://127.0.0.1:\(cluster.base)/shapes"
            let log = dir.path("sql.jsonl")
            let env = ["KILN_CLICKHOUSE_SQL_LOG": log]
            let ingest = try KilnBinary.run(["ingest", "--dataset", "shop", file, "--db", url], environment: env)
            #expect(ingest.status == 0, "\(ingest.stderr)")
            for q in Self.queries {
                let r = try KilnBinary.run(["query", "--dataset", "shop", "--format", "json", "--db", url] + q, environment: env)
                #expect(r.status == 0, "\(q): \(r.stderr)")
            }
            let logged = try String(contentsOfFile: log, encoding: .utf8)
            for shape in ["intDiv(timestamp_ns - ", "sumMap([toInt32(", "cityHash64(", "arrayCount(e -> e <= "] {
                #expect(logged.contains(shape), "no statement with \(shape) was logged")
            }
            try ClickHouseSQLShapeTests.expectSameAnswers(log: log, base: cluster.base, reads: 20)
        }
    }
}
