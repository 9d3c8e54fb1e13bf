import Foundation
import Testing

/// The real `kiln explore` in tmux on a regressing rollout: deploy markers with their labels,
/// `c` at a marker, `M`, the compare view, Enter on a `where` row, `:versions` and `:compare`.
@Suite(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/tmux"), "needs tmux"))
struct ExplorerCompareE2ETests {
    @Test func markerCompareAndWhereRow() throws {
        let dir = try TempDir()
        let db = try CompareCLITests.generated("regressing-rollout", in: dir, events: 30_000)
        let tmux = try Tmux(width: 120, height: 36, command: ExplorerE2ETests.shell("\(KilnBinary.path) explore --db \(db) --dataset shop"))
        var screen = tmux.wait("the heatmap") { $0.contains("duration_ms (log scale)") }
        // Every marker is drawn with its label, not only the newest.
        #expect(screen.contains("deploy: cart 3.6.0"))
        #expect(screen.contains("┊ cart 3.5.0"), "\(screen)")
        #expect(screen.contains("┊ cart 3.6.0"))

        // `c` on the first column, where the cart 3.5.0 canary appeared: that version against 3.4.0.
        try tmux.send("g")
        try tmux.send("c")
        screen = tmux.wait("the compare view of the canary") { $0.contains("❭ compare") }
        #expect(screen.contains("compare service.version 3.4.0 → 3.5.0 (service.name = cart)"), "\(screen)")
        #expect(screen.contains("verdict: NO CHANGE"))
        try tmux.send("q")
        tmux.wait("back on the heatmap") { !$0.contains("❭ compare") }

        // `M` lists the markers; `c` on the rollout's compares it.
        try tmux.send("M")
        screen = tmux.wait("the markers") { $0.contains("❭ markers") }
        #expect(screen.contains("cart 3.5.0") && screen.contains("cart 3.6.0"))
        try tmux.send("j")
        try tmux.send("c")
        screen = tmux.wait("the compare view") { $0.contains("❭ compare") && $0.contains("verdict:") }
        #expect(screen.contains("3.4.0 → 3.6.0"))
        #expect(screen.contains("verdict: REGRESSION"), "\(screen)")
        let lines = screen.components(separatedBy: "\n")
        #expect(lines.contains { $0.hasPrefix(" P95(duration_ms)") && $0.contains("yes, worse") })
        let header = try #require(lines.firstIndex { $0.hasPrefix(" GROUP") })
        #expect(lines[header + 1].hasPrefix(" http.route=/cart "), "the route leads where: \(lines[header + 1])")

        // Enter on the where row: the heatmap of the group, new version only; BubbleUp works there.
        try tmux.send("Enter")
        screen = tmux.wait("the group heatmap") { $0.contains("❭ compare ❭ heatmap") }
        #expect(screen.contains("http.route = /cart"))
        #expect(screen.contains("service.version = 3.6.0"))
        #expect(screen.contains("duration_ms (log scale)"))
        try tmux.send("Enter")
        screen = tmux.wait("BubbleUp in the group") { $0.contains("❭ BubbleUp") }
        // Back twice: the comparison again, with the scope it had.
        try tmux.send("q")
        tmux.wait("the group heatmap again") { $0.contains("❭ compare ❭ heatmap ") && !$0.contains("❭ BubbleUp") }
        try tmux.send("q")
        screen = tmux.wait("the comparison again") { $0.contains("❭ compare") && !$0.contains("❭ heatmap ❭") && $0.contains("verdict:") }
        #expect(screen.contains("30,000 of 30,000 events"), "the group's filters are gone: \(screen.components(separatedBy: "\n").first ?? "")")

        // :versions, Enter compares a version with the one before it.
        try tmux.send("Q")
        let again = try Tmux(width: 120, height: 36, command: ExplorerE2ETests.shell("\(KilnBinary.path) explore --db \(db) --dataset shop"))
        again.wait("the heatmap") { $0.contains("duration_ms (log scale)") }
        try again.type(":versions")
        try again.send("Enter")
        screen = again.wait("the versions") { $0.contains("❭ versions") }
        #expect(screen.contains("FIRST SEEN") && screen.contains("3.6.0"))
        try again.send("G")
        try again.send("Enter")
        screen = again.wait("a compare from the versions") { $0.contains("❭ versions ❭ compare") }
        #expect(screen.contains("3.4.0 → 3.6.0"))
        try again.send("q")
        again.wait("the versions again") { $0.contains("❭ versions") && !$0.contains("❭ compare") }
        try again.send("q")
        again.wait("the heatmap again") { !$0.contains("❭ versions") }
        try again.type(":compare service.version 3.4.0 3.5.0")
        try again.send("Enter")
        screen = again.wait("a compare from the prompt") { $0.contains("❭ compare") && $0.contains("3.4.0 → 3.5.0") }
        #expect(screen.contains("verdict: NO CHANGE"))
        try again.send("Q")
        screen = again.wait("the explorer to end") { $0.contains("EXIT=") }
        #expect(screen.contains("EXIT=0"))
    }
}

/// Markers added and a version field set while the explorer is open reach it without a restart.
@Suite(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/tmux"), "needs tmux"))
struct ExplorerMarkerRefreshE2ETests {
    @Test func markersAndTheVersionFieldFollowTheStore() throws {
        let dir = try TempDir()
        let db = try CompareCLITests.generated("regressing-rollout", in: dir, events: 8_000)
        let tmux = try Tmux(width: 120, height: 36, command: ExplorerE2ETests.shell("\(KilnBinary.path) explore --db \(db) --dataset shop"))
        tmux.wait("the heatmap") { $0.contains("duration_ms (log scale)") }
        let add = try KilnBinary.run(["marker", "add", "--db", db, "--dataset", "shop", "hotfix 42"])
        #expect(add.status == 0, "\(add.stderr)")
        #expect(try KilnBinary.run(["marker", "version-field", "--db", db, "--dataset", "shop", "availability_zone"]).status == 0)
        // Within a few polls the marker is listed.
        let deadline = Date().addingTimeInterval(15)
        var screen = ""
        repeat {
            try tmux.send("M")
            screen = tmux.wait("the markers") { $0.contains("❭ markers") }
            if screen.contains("hotfix 42") { break }
            try tmux.send("q")
            tmux.wait("the heatmap again") { !$0.contains("❭ markers") }
            usleep(500_000)
        } while Date() < deadline
        #expect(screen.contains("hotfix 42"), "\(screen)")
        try tmux.send("q")
        tmux.wait("the heatmap again") { !$0.contains("❭ markers") }
        // :compare now compares values of the dataset's version field.
        try tmux.type(":compare")
        try tmux.send("Enter")
        screen = tmux.wait("the comparison or why not") { $0.contains("availability_zone") }
        try tmux.send("Q")
    }
}
