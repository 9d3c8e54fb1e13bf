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
