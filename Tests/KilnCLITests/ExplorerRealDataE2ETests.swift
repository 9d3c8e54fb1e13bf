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

    /// The Apache log has no duration: the heatmap falls back to `bytes`, and the events row
    /// marks the columns holding its three 500s; the multi-day range keeps its dates.
    @Test func apacheLogMarksErrorsAndKeepsDates() throws {
        let log = try #require(KilnBinary.realData).appendingPathComponent("apache-access-log/apache_logs").path
        let dir = try TempDir()
        let db = dir.path("k.db")
        let ingest = try KilnBinary.run(["ingest", "--db", db, "--dataset", "apache", log])
        #expect(ingest.status == 0, "\(ingest.stderr)")
        let tmux = try Tmux(width: 120, height: 30, command: ExplorerE2ETests.shell("\(KilnBinary.path) explore --db \(db)"))
        let screen = tmux.wait("the heatmap") { $0.contains("(log scale)") }
        #expect(screen.contains("3 errors in red below"), "\(screen)")
        #expect(screen.contains("all data (05-17 "), "\(screen)")
        try tmux.send("Q")
    }
}
