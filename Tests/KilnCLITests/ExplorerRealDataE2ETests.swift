import Foundation
import Testing

/// The real explorer in tmux on the Nezha CSVs (../shared/realdata): traces open under the
/// CSVs' own field names, and the heatmap's axis says the duration's unit.
@Suite(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/tmux") && KilnBinary.realData != nil,
                "needs tmux and ../shared/realdata"))
struct ExplorerRealDataE2ETests {
    static func nezha(_ dir: TempDir) throws -> (db: String, traceID: String) {
        let csv = try #require(KilnBinary.realData).appendingPathComponent("nezha-onlineboutique/fault_cartservice_network_delay/2022-08-22_04_28_trace.csv").path
        let db = dir.path("k.db")
        let ingest = try KilnBinary.run(["ingest", "--db", db, "--dataset", "nezha", "--timestamp-field", "StartTimeUnixNano",
                                         "--trace-fields", "TraceID,SpanID,ParentID,Duration:us", csv])
        #expect(ingest.status == 0, "\(ingest.stderr)")
        let firstRow = try String(contentsOfFile: csv, encoding: .utf8).split(separator: "\n")[1]
        return (db, String(firstRow.split(separator: ",")[0]))
    }

    @Test func traceOpensFromTheCSVsTraceID() throws {
        let dir = try TempDir()
        let (db, id) = try Self.nezha(dir)
        let tmux = try Tmux(width: 120, height: 30, command: ExplorerE2ETests.shell("\(KilnBinary.path) explore --db \(db) --trace \(id)"))
        let screen = tmux.wait("the trace") { $0.contains("trace \(id)") && $0.contains("spans") }
        #expect(!screen.contains("no trace.trace_id"), "\(screen)")
        #expect(screen.contains("48 spans"), "\(screen)")
        #expect(screen.contains("256ms"), "Duration in µs is shown in ms: \(screen)")
        try tmux.send("Q")
    }

    @Test func heatmapAxisSaysTheUnit() throws {
        let dir = try TempDir()
        let (db, _) = try Self.nezha(dir)
        let tmux = try Tmux(width: 120, height: 30, command: ExplorerE2ETests.shell("\(KilnBinary.path) explore --db \(db)"))
        let screen = tmux.wait("the heatmap") { $0.contains("duration_us (log scale)") }
        // Axis labels are the rows' first columns: durations (µs shown as ms or s), never bare
        // thousands such as 864k.
        let labels = screen.components(separatedBy: "\n").compactMap { line -> String? in
            let label = line.prefix(9).split(separator: " ").first.map(String.init) ?? ""
            return label.first?.isNumber == true && label != "0" ? label : nil
        }
        #expect(!labels.isEmpty, "\(screen)")
        #expect(labels.allSatisfy { $0.hasSuffix("ms") || $0.hasSuffix("s") || $0.hasSuffix("m") }, "\(labels)")
        #expect(!labels.contains { $0.hasSuffix("k") }, "\(labels)")
        try tmux.send("Q")
    }

    /// The Apache log has no duration: it opens on a count histogram (not a heatmap of
    /// `bytes`) with its three 500s marked; the multi-day range keeps its dates. At 80x24 the
    /// four days take 3-hour buckets, at 120 columns hourly ones (as lnav shows).
    @Test func apacheLogOpensOnCountsWithErrorsAndKeepsDates() throws {
        let log = try #require(KilnBinary.realData).appendingPathComponent("apache-access-log/apache_logs").path
        let dir = try TempDir()
        let db = dir.path("k.db")
        let ingest = try KilnBinary.run(["ingest", "--db", db, "--dataset", "apache", log])
        #expect(ingest.status == 0, "\(ingest.stderr)")
        let tmux = try Tmux(width: 80, height: 24, command: ExplorerE2ETests.shell("\(KilnBinary.path) explore --db \(db)"))
        var screen = tmux.wait("the histogram") { $0.contains("events per") }
        #expect(!screen.contains("(log scale)"), "\(screen)")
        #expect(screen.contains("events per 3h"), "\(screen)")
        #expect(screen.contains("3 errors"), "\(screen)")
        #expect(screen.contains("all data (05-17 "), "\(screen)")
        #expect(screen.contains("05-18 "), "dates on the time axis: \(screen)")
        try tmux.resize(120, 30)
        screen = tmux.wait("hourly buckets when wider") { $0.contains("events per 1h") }
        // The cursor's bucket and its counts in the status line; Enter: its BubbleUp.
        try tmux.send("h")
        tmux.wait("the cursor's bucket") { $0.contains("cursor 05-20") && $0.contains(" events, ") }
        try tmux.send("Enter")
        tmux.wait("BubbleUp of the bucket") { $0.contains("BubbleUp") && $0.contains("selection") }
        try tmux.send("q")
        try tmux.send(":")
        try tmux.type("field bytes")
        try tmux.send("Enter")
        tmux.wait("a heatmap of bytes on request") { $0.contains("bytes (log scale)") }
        try tmux.send("Q")
    }
}
