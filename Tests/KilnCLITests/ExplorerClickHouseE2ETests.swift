import Foundation
import Testing

extension ClickHouseSerial {
    /// The real `kiln explore` in tmux on a real two-shard ClickHouse cluster: the same views as
    /// on the embedded store, answers in the background, a lost shard in the status line, LIVE
    /// by polling, Esc stopping a slow load, and the password never on screen.
    @Suite(.enabled(if: ClickHouseCluster.available && FileManager.default.isExecutableFile(atPath: "/usr/bin/tmux"),
                    "needs clickhouse-server and tmux"))
    struct ExplorerClickHouseE2ETests {
        /// The weighted COUNT `kiln query` gives.
        static func count(_ url: String) throws -> Int {
            let json = try KilnBinary.json(try KilnBinary.run(["query", "--db", url, "--dataset", "shop", "--since", "all", "--calc", "COUNT", "--format", "json"]))
            let rows = try #require(json["rows"] as? [[String: Any]])
            return try #require(rows.first?["COUNT"] as? Int)
        }

        /// `12,345`.
        static func grouped(_ n: Int) -> String {
            let digits = Array(String(n))
            var out = ""
            for (i, d) in digits.enumerated() {
                if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
                out.append(d)
            }
            return out
        }

        /// A cluster holding `events` generated shop spans (a third with a sample rate) and its URL with a password.
        static func cluster(events: Int, dir: TempDir) throws -> (ClickHouseCluster, String) {
            let cluster = try ClickHouseCluster()
            let file = try ClickHouseCLITests.events(dir, count: events, seed: 7)
            let url = cluster.url("user=kiln&password=kiln-secret")
            let r = try KilnBinary.run(["ingest", "--db", url, "--dataset", "shop", file])
            #expect(r.status == 0, "\(r.stderr)")
            return (cluster, url)
        }

        @Test func heatmapBoxBubbleUpEventsEventTraceWithTheQueryCounts() throws {
            let dir = try TempDir()
            let (cluster, url) = try Self.cluster(events: 6_000, dir: dir)
            let total = try Self.count(url)
            #expect(total > 6_000, "weighted")
            let tmux = try Tmux(width: 120, height: 32, command: ExplorerE2ETests.shell("\(KilnBinary.path) explore --db \"\(url)\""))
            var screen = tmux.wait("the heatmap", seconds: 20) { $0.contains("duration_ms (log scale)") && $0.contains(" events") && !$0.contains("loading") }
            #expect(screen.contains("\(Self.grouped(total)) of \(Self.grouped(total)) events (weighted by sample rate)"), "the query's COUNT:\n\(screen)")
            #expect(screen.contains("all data"))

            // A box in the top right corner, then BubbleUp, its events, one event, its trace.
            try tmux.send("Space")
            for _ in 0..<5 { try tmux.send("Left") }
            for _ in 0..<4 { try tmux.send("Up") }
            screen = tmux.wait("the box") { $0.contains(" box ") }
            try tmux.send("Enter")
            screen = tmux.wait("BubbleUp") { $0.contains("❭ BubbleUp") }
            let ranked = screen.components(separatedBy: "\n").dropFirst(4).prefix(3).map { $0.split(separator: " ").first.map(String.init) ?? "" }
            #expect(ranked.filter { !$0.isEmpty }.count == 3, "BubbleUp ranks fields:\n\(screen)")
            try tmux.send("Tab", "Enter")
            screen = tmux.wait("the events") { $0.contains("❭ events") && $0.contains("TIME") }
            try tmux.send("Enter")
            screen = tmux.wait("one event") { $0.contains("❭ event") && $0.contains("trace.trace_id") }
            try tmux.send("t")
            screen = tmux.wait("the trace", seconds: 15) { $0.contains("❭ trace") && $0.contains("SPAN") && $0.contains("spans") && !$0.contains("searching") }
            #expect(!screen.contains("no span of trace"), "\(screen)")

            // The SLOs kept in the cluster's own table are listed, with their budget.
            let slo = try KilnBinary.run(["slo", "add", "fast", "--db", url, "--dataset", "shop", "--good", "duration_ms < 1000", "--target", "99"])
            #expect(slo.status == 0, "\(slo.stderr)")
            try tmux.send(":")
            try tmux.type("slo")
            try tmux.send("Enter")
            screen = tmux.wait("the SLO list", seconds: 15) { $0.contains("❭ SLOs") && $0.contains("fast") && $0.contains("burn") }
            #expect(screen.contains("/ 99"), "SLI against its target:\n\(screen)")

            #expect(!tmux.capture().contains("kiln-secret"), "the password never shows")
            try tmux.send("Q")
            screen = tmux.wait("exit", seconds: 5) { $0.contains("EXIT=") && $0.contains("icanon") }
            #expect(screen.contains("EXIT=0"))
            #expect(screen.contains("icanon echo"))
            _ = cluster
        }

        @Test func aKilledShardShowsInTheStatusLineAndTheExplorerStaysUp() throws {
            let dir = try TempDir()
            let (cluster, url) = try Self.cluster(events: 2_000, dir: dir)
            let tmux = try Tmux(width: 140, height: 30, command: ExplorerE2ETests.shell("\(KilnBinary.path) explore --db \"\(url)\""))
            tmux.wait("the heatmap", seconds: 20) { $0.contains("duration_ms (log scale)") && !$0.contains("loading") }
            try cluster.kill(shard: 1)
            let started = Date()
            var screen = tmux.wait("the error", seconds: 15) { $0.contains("is unreachable") }
            #expect(Date().timeIntervalSince(started) < 15)
            #expect(screen.contains("shard 127.0.0.1:\(cluster.tcpPort(shard: 1)) is unreachable"), "\(screen)")
            #expect(!screen.contains("kiln-secret"))
            // Still up: the views answer keys from the events held.
            try tmux.send("?")
            tmux.wait("help") { $0.contains("keys · heatmap") }
            try tmux.send("x")
            try tmux.send("Space", "Left", "Left", "Up", "Enter")
            screen = tmux.wait("BubbleUp") { $0.contains("❭ BubbleUp") }
            try tmux.send("Q")
            screen = tmux.wait("exit", seconds: 5) { $0.contains("EXIT=") && $0.contains("icanon") }
            #expect(screen.contains("EXIT=0"), "\(screen)")
            #expect(screen.contains("icanon echo"))
        }

        @Test func liveEventsArriveByPolling() throws {
            let cluster = try ClickHouseCluster()
            let dir = try TempDir()
            let url = cluster.url
            let formatter = ISO8601DateFormatter()
            let file = dir.path("shop.jsonl")
            let gen = try KilnBinary.run(["generate", "--scenario", "bad-deploy", "--events", "2000", "--seed", "3",
                                          "--end", formatter.string(from: Date().addingTimeInterval(-600)), "-o", file])
            #expect(gen.status == 0, "\(gen.stderr)")
            #expect(try KilnBinary.run(["ingest", "--db", url, "--dataset", "shop", file]).status == 0)
            let tmux = try Tmux(width: 120, height: 30, command: ExplorerE2ETests.shell("\(KilnBinary.path) explore --db \"\(url)\""))
            var screen = tmux.wait("the heatmap", seconds: 20) { $0.contains("duration_ms (log scale)") && !$0.contains("loading") }
            #expect(screen.contains("2,000 of 2,000 events"), "\(screen)")
            for round in 1...2 {
                let stamp = formatter.string(from: Date())
                let batch = (0..<300).map { "{\"time\":\"\(stamp)\",\"duration_ms\":\($0 + 1),\"service.name\":\"live\"}\n" }.joined()
                let more = dir.path("more\(round).jsonl")
                try batch.write(toFile: more, atomically: true, encoding: .utf8)
                #expect(try KilnBinary.run(["ingest", "--db", url, "--dataset", "shop", more]).status == 0)
                let expected = Self.grouped(2_000 + 300 * round)
                let started = Date()
                screen = tmux.wait("the new events", seconds: 10) { $0.contains("\(expected) of \(expected) events") }
                #expect(Date().timeIntervalSince(started) < 5, "visible after \(Date().timeIntervalSince(started)) s")
                #expect(screen.contains("LIVE"), "\(screen)")
            }
            #expect(try Self.count(url) == 2_600, "as many as the query counts")
            try tmux.send("Q")
            screen = tmux.wait("exit", seconds: 5) { $0.contains("EXIT=") }
            #expect(screen.contains("EXIT=0"))
        }

        @Test func thePickerATraceAcrossDatasetsAndTheMemoryBudget() throws {
            let dir = try TempDir()
            let (cluster, url) = try Self.cluster(events: 4_000, dir: dir)
            // A span of a shop trace kept in another dataset, a second later than anything in shop.
            let first = try #require(try KilnBinary.json(try KilnBinary.run(["query", "--db", url, "--dataset", "shop", "--since", "all", "--limit", "1",
                                                                             "--where", "trace.parent_id !exists", "--format", "json"]))["events"] as? [[String: Any]])
            let root = try #require(first.first)
            let trace = try #require(root["trace.trace_id"] as? String), span = try #require(root["trace.span_id"] as? String)
            let ledger = dir.path("ledger.jsonl")
            try "{\"time\":\"2026-12-01T00:00:01Z\",\"duration_ms\":3,\"service.name\":\"ledger\",\"name\":\"ledger write\",\"trace.trace_id\":\"\(trace)\",\"trace.span_id\":\"ledger1\",\"trace.parent_id\":\"\(span)\"}\n"
                .write(toFile: ledger, atomically: true, encoding: .utf8)
            #expect(try KilnBinary.run(["ingest", "--db", url, "--dataset", "ledger", ledger]).status == 0)

            // Two datasets: the picker, then the one picked loads in the background.
            var tmux = try Tmux(width: 120, height: 30, command: ExplorerE2ETests.shell("\(KilnBinary.path) explore --db \"\(url)\""))
            var screen = tmux.wait("the picker", seconds: 20) { $0.contains("holds 2 datasets") }
            let pickerLines = screen.components(separatedBy: "\n")
            let ledgerFirst = (pickerLines.firstIndex { $0.contains("ledger") } ?? 0) < (pickerLines.firstIndex { $0.contains("shop") } ?? 0)
            if ledgerFirst { try tmux.send("Down") }
            try tmux.send("Enter")
            screen = tmux.wait("shop's heatmap", seconds: 20) { $0.contains("kiln shop") && $0.contains("duration_ms (log scale)") && !$0.contains("loading") }
            try tmux.send("Q")
            tmux.wait("exit", seconds: 5) { $0.contains("EXIT=0") }

            // The trace as a permalink: shop's spans, and the ledger's one found by trace id.
            tmux = try Tmux(width: 120, height: 30, command: ExplorerE2ETests.shell("\(KilnBinary.path) explore --db \"\(url)\" --dataset shop --trace \(trace)"))
            screen = tmux.wait("the trace", seconds: 20) { $0.contains("❭ trace") && $0.contains("SPAN") && !$0.contains("searching") }
            #expect(screen.contains("ledger write") && screen.contains("ledger"), "the other dataset's span:\n\(screen)")
            try tmux.send("Q")
            tmux.wait("exit", seconds: 5) { $0.contains("EXIT=0") }

            // A memory budget far below the range: its newest part is held, and the header says from when.
            tmux = try Tmux(width: 120, height: 30, command: ExplorerE2ETests.shell("\(KilnBinary.path) explore --db \"\(url)\" --dataset shop --memory 600KB"))
            screen = tmux.wait("the newest part", seconds: 20) { $0.contains("duration_ms (log scale)") && !$0.contains("loading ") && $0.contains("the memory budget holds the events from") }
            let header = screen.components(separatedBy: "\n").first ?? ""
            let total = try Self.count(url)
            #expect(!header.contains("of \(Self.grouped(total)) events"), "only a part is held: \(header)")
            try tmux.send("Q")
            tmux.wait("exit", seconds: 5) { $0.contains("EXIT=0") }
            _ = cluster
        }

        @Test(.enabled(if: Chdb.available, "python3 -c 'import chdb' fails: pip install chdb-core"))
        func theExplorersStatementsRunOnCurrentClickHouseWithTheSameAnswer() throws {
            let cluster = try ClickHouseCluster()
            let dir = try TempDir()
            let file = try ClickHouseCLITests.events(dir, count: 1_500, seed: 21)
            // One server, as ClickHouseSQLShapeTests: chdb has no cluster to replay a Distributed table on.
            let url = "clickhouse://127.0.0.1:\(cluster.base)/shapes"
            let log = dir.path("sql.jsonl")
            for dataset in ["shop", "copy"] {
                #expect(try KilnBinary.run(["ingest", "--db", url, "--dataset", dataset, file], environment: ["KILN_CLICKHOUSE_SQL_LOG": log]).status == 0)
            }
            let first = try #require(try KilnBinary.json(try KilnBinary.run(["query", "--db", url, "--dataset", "shop", "--since", "all", "--limit", "1",
                                                                             "--where", "trace.trace_id exists", "--format", "json"]))["events"] as? [[String: Any]])
            let trace = try #require(first.first?["trace.trace_id"] as? String)
            // The window's pages, LIVE polls, markers, and a trace searched for in the other dataset.
            let tmux = try Tmux(width: 120, height: 30, command: ExplorerE2ETests.shell(
                "KILN_CLICKHOUSE_SQL_LOG=\(log) \(KilnBinary.path) explore --db \(url) --dataset shop --trace \(trace)"))
            tmux.wait("the trace", seconds: 20) { $0.contains("❭ trace") && $0.contains("SPAN") && !$0.contains("searching") }
            sleep(5)
            try tmux.send("Q")
            tmux.wait("exit", seconds: 5) { $0.contains("EXIT=0") }
            // Pages come as RowBinary; both servers are compared on the same statement as TSV.
            let text = try String(contentsOfFile: log, encoding: .utf8)
            #expect(text.contains("FORMAT RowBinary") && text.contains("intDiv(timestamp_ns"), "the explorer's statements were logged")
            var lines: [String] = []
            for line in text.split(separator: "\n") {
                guard var entry = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], let sql = entry["sql"] as? String else { continue }
                if sql.hasPrefix("SELECT") { entry["sql"] = sql.replacingOccurrences(of: " FORMAT RowBinary", with: " FORMAT TabSeparated") }
                lines.append(String(decoding: try JSONSerialization.data(withJSONObject: entry), as: UTF8.self))
            }
            try (lines.joined(separator: "\n") + "\n").write(toFile: log, atomically: true, encoding: .utf8)
            try ClickHouseSQLShapeTests.expectSameAnswers(log: log, base: cluster.base, reads: 10)
        }

        @Test func escStopsASlowLoadAndKeysNeverWait() throws {
            let dir = try TempDir()
            let (cluster, url) = try Self.cluster(events: 6_000, dir: dir)
            // 1.5 s per page read: the load takes about ten seconds.
            let tmux = try Tmux(width: 120, height: 30,
                                command: ExplorerE2ETests.shell("KILN_TEST_LOAD_DELAY_MS=1500 \(KilnBinary.path) explore --db \"\(url)\""))
            var screen = tmux.wait("loading progress", seconds: 10) { $0.contains("loading") && $0.contains("Esc cancels") }
            // Keys are answered while the load runs.
            try tmux.send("?")
            tmux.wait("help while loading", seconds: 2) { $0.contains("keys · heatmap") }
            try tmux.send("x")
            screen = tmux.wait("help closed, still loading", seconds: 2) { !$0.contains("keys · heatmap") && $0.contains("Esc cancels") }
            try tmux.send("Escape")
            screen = tmux.wait("the load cancelled", seconds: 3) { $0.contains("loading cancelled") }
            #expect(!screen.contains("Esc cancels"))
            // A while later it has not come in after all.
            sleep(3)
            #expect(tmux.capture().contains(" 0 of 0 events"), "\(tmux.capture())")
            try tmux.send("Q")
            screen = tmux.wait("exit", seconds: 5) { $0.contains("EXIT=") }
            #expect(screen.contains("EXIT=0"))
            _ = cluster
        }
    }
}
