import Foundation
import Testing

/// The explorer's SLO list in tmux: `S` and `:slo` open it, it shows the SLI against the
/// target, the budget, burn rates with the firing alerts marked, and Enter scopes the heatmap.
@Suite(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/tmux"), "needs tmux"))
struct SLOExplorerE2ETests {
    @Test func sloListShowsBudgetsBurnRatesAndFiringAlerts() throws {
        let dir = try TempDir()
        let db = try SLOCLITests.makeStore(dir)
        let tmux = try Tmux(width: 120, height: 30, command: ExplorerE2ETests.shell("\(KilnBinary.path) explore --db \(db) --dataset api"))
        // The api dataset has no duration: its root view is the count histogram.
        tmux.wait("the counts") { $0.contains("events") && $0.contains("counts") }
        try tmux.send("S")
        var screen = tmux.wait("the SLO list") { $0.contains("api-availability") && $0.contains("burn") }
        #expect(screen.contains("counts ❭ SLOs"), "\(screen)")
        #expect(screen.contains("/ 99.5%"), "SLI against its target: \(screen)")
        #expect(screen.contains("FIRING page 1h+5m"), "the incident pages: \(screen)")
        #expect(screen.contains("5m ") && screen.contains("3d "), "\(screen)")
        #expect(screen.contains("!"), "burn rates of firing alerts are marked: \(screen)")
        #expect(screen.contains("budget over 30d"), "\(screen)")
        try tmux.send("Enter")
        screen = tmux.wait("the heatmap of its eligible events") { $0.contains("SLO api-availability: bad events") }
        #expect(screen.contains("counts ❭ SLOs ❭ counts"), "\(screen)")
        try tmux.send("q")
        tmux.wait("q comes back to the list") { $0.contains("api-availability") && $0.contains("burn") }
        try tmux.send("q")
        tmux.wait("and to the first view") { !$0.contains("❭ SLOs") && $0.contains("counts") }
        try tmux.send(":")
        try tmux.type("slo")
        try tmux.send("Enter")
        tmux.wait("the SLO list again") { $0.contains("❭ SLOs") && $0.contains("api-availability") }
        try tmux.send("Q")
        tmux.wait("exit") { $0.contains("EXIT=0") }
    }
}

/// Enter on an SLO: its heatmap with the bad events in red and the moment it starts paging
/// marked; `b`: BubbleUp of its bad events against its good ones, the counts `kiln slo
/// bubbleup` gives; then their events. At 80x24.
@Suite(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/tmux"), "needs tmux"))
struct SLOHeatmapE2ETests {
    @Test func badEventsAlertsAndTheirBubbleUp() throws {
        let dir = try TempDir()
        let db = try SLOCLITests.makeStore(dir)
        let end = SLOCLITests.end
        func iso(_ ns: Int64) -> String { ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: Double(ns / 1_000_000_000))) }
        let from = iso(end - 120 * SLOCLITests.minute), to = iso(end)
        let cli = try KilnBinary.run(["slo", "bubbleup", "api-availability", "--db", db, "--from", from, "--to", to, "--format", "json"])
        #expect(cli.status == 0, "\(cli.stderr)")
        let json = try KilnBinary.json(cli)
        let bad = try #require((json["selection"] as? [String: Any])?["count"] as? Int)
        let good = try #require((json["baseline"] as? [String: Any])?["count"] as? Int)
        #expect(bad > 0 && good > 0)
        let tmux = try Tmux(width: 80, height: 24, command: ExplorerE2ETests.shell("\(KilnBinary.path) explore --db \(db) --dataset api --from \(from) --to \(to)"))
        // The api dataset has no duration: its root view is the count histogram.
        tmux.wait("the counts") { $0.contains("events") && $0.contains("counts") }
        try tmux.send("S")
        tmux.wait("the SLO list") { $0.contains("api-availability") && $0.contains("burn") }
        try tmux.send("Enter")
        var screen = tmux.wait("the SLO's heatmap, bad events marked") { $0.contains(" bad (") && $0.contains("in red") }
        #expect(screen.contains("\(grouped(bad)) bad ("), "as many bad events as kiln slo bubbleup counts: \(screen)")
        screen = tmux.wait("the page alert's onset") { $0.contains("page 1h/5m") }
        // The bad cells are drawn in another colour than the good ones of the same column.
        let coloured = tmux.capture(escapes: true)
        #expect(coloured.contains("\u{1b}["), "colours in the capture")
        try tmux.send("b")
        screen = tmux.wait("BubbleUp of the bad events") { $0.contains("SLO api-availability bad events") && $0.contains("baseline") }
        #expect(screen.contains("selection \(grouped(bad)) ("), "selection = kiln slo bubbleup's: \(screen)")
        #expect(screen.contains("baseline \(grouped(good))"), "baseline = kiln slo bubbleup's: \(screen)")
        #expect(screen.contains("host"), "the incident's host ranks: \(screen)")
        try tmux.send("Enter")
        try tmux.send("Enter")
        screen = tmux.wait("the events of the highlighted value") { $0.contains("❭ events") }
        #expect(screen.contains("503"), "bad events: \(screen)")
        try tmux.send("Q")
        tmux.wait("exit") { $0.contains("EXIT=0") }
    }

    func grouped(_ n: Int) -> String {
        let f = NumberFormatter()
        f.numberStyle = .decimal
        f.groupingSeparator = ","
        f.usesGroupingSeparator = true
        return f.string(from: NSNumber(value: n)) ?? String(n)
    }
}

/// The explorer holds only its time window; an SLO's period reaches beyond it, and the list
/// still shows the SLO as `kiln slo status` does.
@Suite(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/tmux"), "needs tmux"))
struct SLOExplorerWindowE2ETests {
    @Test func theListCountsTheWholePeriodNotTheLoadedWindow() throws {
        let dir = try TempDir()
        let db = dir.path("k.db")
        // The two days ingested a day at a time: two chunks, and a window that reads one.
        let all = SLOCLITests.lines()
        let middle = SLOCLITests.start + 1440 * SLOCLITests.minute
        for day in [all.filter { $0.time < middle }, all.filter { $0.time >= middle }] {
            let text = day.map { e in
                #"{"time":"\#(e.time / 1_000_000_000)","samplerate":\#(e.rate),"data":{"http.route":"\#(e.route)","status":\#(e.status),"host":"\#(e.host)"}}"#
            }.joined(separator: "\n")
            let ingest = try KilnBinary.run(["ingest", "--db", db, "--dataset", "api", "--format", "jsonl", "-"], stdin: Data(text.utf8))
            #expect(ingest.status == 0, "\(ingest.stderr)")
        }
        #expect(try KilnBinary.run(["slo", "add", "avail", "--db", db, "--dataset", "api", "--where", "http.route starts-with /api",
                                    "--good", "status < 500", "--target", "99.5"]).status == 0)
        let end = SLOCLITests.end
        let status = try KilnBinary.run(["slo", "status", "avail", "--db", db, "--at", String(end - 1), "--format", "json"])
        let sli = try #require(try KilnBinary.json(status)["sli"] as? Double)
        let from = ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: Double(end / 1_000_000_000) - 3600))
        let to = ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: Double(end / 1_000_000_000)))
        let tmux = try Tmux(width: 120, height: 30, command: ExplorerE2ETests.shell("\(KilnBinary.path) explore --db \(db) --dataset api --from \(from) --to \(to)"))
        // The api dataset has no duration: its root view is the count histogram.
        tmux.wait("the counts") { $0.contains("events") && $0.contains("counts") }
        try tmux.send("S")
        let screen = tmux.wait("the SLO list") { $0.contains("avail") && $0.contains("burn") }
        let shown = String(format: "SLI %.3f%%", sli * (sli <= 1 ? 100 : 1))
        #expect(screen.contains(shown), "expected \(shown) as kiln slo status says: \(screen)")
        try tmux.send("Q")
    }
}

/// Generated access-log events without a duration open on hourly counts with the 500s marked,
/// at 80x24.
@Suite(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/tmux"), "needs tmux"))
struct HistogramE2ETests {
    @Test func generatedAccessLogOpensOnHourlyCounts() throws {
        let dir = try TempDir()
        let db = dir.path("k.db")
        // Two days, a request a minute; hour 30 answers 500 to every request.
        let start: Int64 = 1_764_460_800
        var lines: [String] = []
        var errors = 0
        for m in 0..<(48 * 60) {
            let status = m / 60 == 30 ? 500 : 200
            if status == 500 { errors += 1 }
            lines.append(#"{"time":"\#(start + Int64(m) * 60)","data":{"status":\#(status),"bytes":\#(100 + m % 977),"path":"/p\#(m % 7)"}}"#)
        }
        let ingest = try KilnBinary.run(["ingest", "--db", db, "--dataset", "web", "--format", "jsonl", "-"], stdin: Data(lines.joined(separator: "\n").utf8))
        #expect(ingest.status == 0, "\(ingest.stderr)")
        let tmux = try Tmux(width: 80, height: 24, command: ExplorerE2ETests.shell("\(KilnBinary.path) explore --db \(db) --dataset web"))
        let screen = tmux.wait("the histogram") { $0.contains("events per") }
        #expect(screen.contains("events per 1h"), "\(screen)")
        #expect(screen.contains("\(errors) errors"), "\(screen)")
        try tmux.send("h")
        tmux.wait("the cursor's hour in the status line") { $0.contains("60 events, 0 errors") }
        for _ in 0..<16 { try tmux.send("h") }
        tmux.wait("the failing hour") { $0.contains("60 events, 60 errors") }
        try tmux.send("Q")
        tmux.wait("exit") { $0.contains("EXIT=0") }
    }
}
