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
        tmux.wait("the heatmap") { $0.contains("events") && $0.contains("heatmap") }
        try tmux.send("S")
        var screen = tmux.wait("the SLO list") { $0.contains("api-availability") && $0.contains("burn") }
        #expect(screen.contains("heatmap ❭ SLOs"), "\(screen)")
        #expect(screen.contains("/ 99.5%"), "SLI against its target: \(screen)")
        #expect(screen.contains("FIRING page 1h+5m"), "the incident pages: \(screen)")
        #expect(screen.contains("5m ") && screen.contains("3d "), "\(screen)")
        #expect(screen.contains("!"), "burn rates of firing alerts are marked: \(screen)")
        #expect(screen.contains("budget over 30d"), "\(screen)")
        try tmux.send("Enter")
        screen = tmux.wait("the heatmap of its eligible events") { $0.contains("SLO api-availability: its eligible events") }
        #expect(!screen.contains("❭ SLOs"))
        try tmux.send(":")
        try tmux.type("slo")
        try tmux.send("Enter")
        tmux.wait("the SLO list again") { $0.contains("❭ SLOs") && $0.contains("api-availability") }
        try tmux.send("Q")
        tmux.wait("exit") { $0.contains("EXIT=0") }
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
        tmux.wait("the heatmap") { $0.contains("events") && $0.contains("heatmap") }
        try tmux.send("S")
        let screen = tmux.wait("the SLO list") { $0.contains("avail") && $0.contains("burn") }
        let shown = String(format: "SLI %.3f%%", sli * (sli <= 1 ? 100 : 1))
        #expect(screen.contains(shown), "expected \(shown) as kiln slo status says: \(screen)")
        try tmux.send("Q")
    }
}
