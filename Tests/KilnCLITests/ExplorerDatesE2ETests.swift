import Foundation
import Testing

/// The real explorer in tmux on data that crosses days: the header, the time axis, the cursor
/// and the events' TIME column keep their dates.
@Suite(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/tmux"), "needs tmux"))
struct ExplorerDatesE2ETests {
    /// 600 events from 2024-05-01T04:27:00Z to 2024-05-02T17:00:00Z.
    static func store(_ dir: TempDir) throws -> String {
        let db = dir.path("k.db")
        let start = 1_714_537_620 // 2024-05-01T04:27:00Z
        let end = 1_714_669_200 // 2024-05-02T17:00:00Z
        let lines = (0..<600).map { k -> String in
            let t = start + (end - start) * k / 599
            return #"{"time":\#(t),"duration_ms":\#(10 + k % 90),"service":"s\#(k % 3)"}"#
        }.joined(separator: "\n")
        let ingest = try KilnBinary.run(["ingest", "--db", db, "--dataset", "days", "-"], stdin: Data(lines.utf8))
        #expect(ingest.status == 0, "\(ingest.stderr)")
        return db
    }

    @Test func datesStayOnRangesLongerThanADay() throws {
        let dir = try TempDir()
        let db = try Self.store(dir)
        let tmux = try Tmux(width: 120, height: 30, command: ExplorerE2ETests.shell("\(KilnBinary.path) explore --db \(db)"))
        // Wide enough for the command line with the store's path. Wait for the whole first frame (a loaded machine may show it mid-draw): the axis
        // labels and the cursor line are drawn last.
        var screen = tmux.wait("the heatmap") { $0.contains("duration_ms (log scale)") && $0.contains(" cursor ") && $0.contains("events ") }
        #expect(screen.contains("all data (05-01 04:27–05-02 17:00 UTC)"), "\(screen)")
        let axis = screen.components(separatedBy: "\n").first { $0.contains("05-02 ") && !$0.contains("all data") } ?? ""
        #expect(!axis.isEmpty, "a time-axis label carries its date: \(screen)")
        #expect(screen.contains(" cursor 05-02 "), "the cursor's range carries the date: \(screen)")

        // The box's BubbleUp names its time range with the date.
        try tmux.send("Space")
        for _ in 0..<10 { try tmux.send("h") }
        for _ in 0..<20 { try tmux.send("j") }
        screen = tmux.wait("the box") { $0.contains(" box 05-0") }
        try tmux.send("Enter")
        screen = tmux.wait("BubbleUp") { $0.contains("❭ BubbleUp") }
        #expect(screen.contains("events · 05-02 "), "\(screen)")
        try tmux.send("Q")

        // The events view: the TIME column carries the date.
        let events = try Tmux(width: 120, height: 30, command: ExplorerE2ETests.shell(
            "\(KilnBinary.path) explore --db \(db) --select \"duration_ms >= 50\" --view events"))
        screen = events.wait("the events") { $0.contains("❭ events") }
        let rows = screen.components(separatedBy: "\n").filter { $0.hasPrefix(" 05-02 ") || $0.hasPrefix(" 05-01 ") }
        #expect(rows.count >= 10, "event rows start with their date: \(screen)")
        try events.send("Q")
    }
}

/// `kiln explore --view events` without `--select`: every event, newest first.
@Suite(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/tmux"), "needs tmux"))
struct ExplorerAllEventsE2ETests {
    @Test func eventsViewOpensWithoutASelection() throws {
        let dir = try TempDir()
        let db = try ExplorerDatesE2ETests.store(dir)
        let tmux = try Tmux(width: 120, height: 30, command: ExplorerE2ETests.shell("\(KilnBinary.path) explore --db \(db) --view events"))
        let screen = tmux.wait("the events") { $0.contains("❭ events") }
        #expect(screen.contains("600 events"), "\(screen)")
        #expect(!screen.contains("needs a selection"))
        let rows = screen.components(separatedBy: "\n").filter { $0.hasPrefix(" 05-0") }
        #expect(rows.first?.hasPrefix(" 05-02 17:00:00") == true, "newest first: \(rows.prefix(3))")
        try tmux.send("Q")
    }
}

/// `z` zooms, `y` shows a command line, and that command line opens the same view.
@Suite(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/tmux"), "needs tmux"))
struct ExplorerZoomAndShareE2ETests {
    static func header(_ screen: String) -> String { screen.components(separatedBy: "\n").first ?? "" }

    @Test func zoomThenShareOpensTheSameView() throws {
        let dir = try TempDir()
        let db = try ExplorerDatesE2ETests.store(dir)
        let tmux = try Tmux(width: 220, height: 30, command: ExplorerE2ETests.shell("\(KilnBinary.path) explore --db \(db) --where \"service = s1\""))
        // Wide enough for the command line with the store's path. Wait for the whole first frame (a loaded machine may show it mid-draw): the axis
        // labels and the cursor line are drawn last.
        var screen = tmux.wait("the heatmap") { $0.contains("duration_ms (log scale)") && $0.contains(" cursor ") && $0.contains("events ") }
        try tmux.send("y")
        screen = tmux.wait("the command line") { $0.contains("kiln explore --db \(db) --dataset days --since all --where 'service = s1'") }
        for _ in 0..<5 { try tmux.send("h") }
        try tmux.send("z")
        screen = tmux.wait("the zoom") { $0.contains("zoomed to ") }
        let zoomedHeader = Self.header(screen)
        #expect(!zoomedHeader.contains("all data"), "\(zoomedHeader)")
        try tmux.send("y")
        screen = tmux.wait("the zoomed command line") { $0.contains("kiln explore --db \(db) --dataset days --from ") }
        let line = try #require(screen.components(separatedBy: "\n").first { $0.contains("kiln explore --db \(db) --dataset days --from ") })
        let start = try #require(line.range(of: "kiln explore"))
        let command = String(line[start.lowerBound...]).trimmingCharacters(in: .whitespaces)
        #expect(command.contains("--where 'service = s1'"), "\(command)")
        try tmux.send("Z")
        screen = tmux.wait("zoomed out") { $0.contains("zoomed out") }
        #expect(Self.header(screen).contains("all data"))
        try tmux.send("Q")

        // The shared command line, run as it is (it names the store), opens the zoomed view.
        let shared = command.replacingOccurrences(of: "kiln explore", with: "\(KilnBinary.path) explore")
        let again = try Tmux(width: 160, height: 30, command: ExplorerE2ETests.shell(shared.replacingOccurrences(of: "'", with: "\"")))
        screen = again.wait("the shared view") { $0.contains("duration_ms (log scale)") }
        let sharedHeader = Self.header(screen)
        let rangeText = try #require(zoomedHeader.components(separatedBy: " · ").first { $0.hasSuffix(" UTC") })
        #expect(sharedHeader.contains(rangeText), "\(sharedHeader) vs \(zoomedHeader)")
        #expect(screen.contains("service = s1"), "\(screen)")
        try again.send("Q")
    }
}

/// `kiln demo` opens on the span its sample fills (an hour), not on a half-empty default.
@Suite(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/tmux"), "needs tmux"))
struct DemoRangeE2ETests {
    @Test func demoOpensOnTheRangeItsDataFills() throws {
        let dir = try TempDir()
        let sample = KilnBinary.packageRoot.appendingPathComponent("sample-data/shop.jsonl.gz").path
        let tmux = try Tmux(width: 120, height: 30, command: ExplorerE2ETests.shell(
            "\(KilnBinary.path) demo --db \(dir.path("demo.db")) --sample \(sample)"))
        let screen = tmux.wait("the demo's heatmap", seconds: 60) { $0.contains("duration_ms (log scale)") }
        let header = screen.components(separatedBy: "\n").first ?? ""
        #expect(header.contains("last 1h ("), "\(header)")
        // The first columns of the plot hold events: the data fills the range from its start.
        let plotRows = screen.components(separatedBy: "\n").filter { $0.contains("┤") || $0.contains("│") }
        let firstColumns = plotRows.map { row -> String in
            guard let axis = row.firstIndex(where: { $0 == "┤" || $0 == "│" }) else { return "" }
            return String(row[row.index(after: axis)...].prefix(3))
        }
        #expect(firstColumns.contains { $0.contains { "░▒▓█".contains($0) } }, "\(screen)")
        try tmux.send("Q")
    }
}
