import Foundation
import Testing

/// A dataset whose spans keep their ids under names Kiln does not recognise: `kiln datasets
/// set-trace-fields` names them once, `kiln datasets` shows it, and the explorer's `t`,
/// `--trace ID` and trace view follow it.
struct TraceFieldsCLITests {
    /// 20 traces of three spans (root, child, grandchild); ids under `req_trace`, `req_span`,
    /// `req_parent`, durations in microseconds under `took`.
    static func store(_ dir: TempDir) throws -> String {
        let db = dir.path("k.db")
        var lines: [String] = []
        let start: Int64 = 1_764_460_800
        for i in 0..<20 {
            let trace = String(format: "tr%04d", i)
            for (j, (name, service)) in [("GET /checkout", "frontend"), ("charge", "payment"), ("INSERT", "db")].enumerated() {
                let parent = j == 0 ? "" : #","req_parent":"\#(trace)-\#(j - 1)""#
                lines.append(#"{"time":"\#(start + Int64(i) * 60 + Int64(j))","data":{"req_trace":"\#(trace)","req_span":"\#(trace)-\#(j)"\#(parent),"name":"\#(name)","service.name":"\#(service)","took":\#(250_000 / (j + 1))}}"#)
            }
        }
        let ingest = try KilnBinary.run(["ingest", "--db", db, "--dataset", "spans", "--format", "jsonl", "-"], stdin: Data(lines.joined(separator: "\n").utf8))
        #expect(ingest.status == 0, "\(ingest.stderr)")
        return db
    }

    @Test func setShowAndReset() throws {
        let dir = try TempDir()
        let db = try Self.store(dir)
        let set = try KilnBinary.run(["datasets", "set-trace-fields", "--db", db, "spans", "--trace", "req_trace", "--span", "req_span",
                                      "--parent", "req_parent", "--duration", "took:us"])
        #expect(set.status == 0, "\(set.stderr)")
        #expect(set.stdout.contains("trace fields of spans: req_trace,req_span,req_parent,took:us"), "\(set.stdout)")
        let table = try KilnBinary.run(["datasets", "--db", db])
        #expect(table.stdout.contains("TRACE FIELDS"), "\(table.stdout)")
        #expect(table.stdout.contains("req_trace,req_span,req_parent,took:us"), "\(table.stdout)")
        let json = try KilnBinary.json(try KilnBinary.run(["datasets", "--db", db, "--format", "json"]))
        let first = try #require((json["datasets"] as? [[String: Any]])?.first)
        let fields = try #require(first["trace_fields"] as? [String: Any])
        #expect(fields["trace"] as? String == "req_trace" && fields["span"] as? String == "req_span" && fields["parent"] as? String == "req_parent")
        #expect(fields["duration"] as? String == "took" && fields["duration_unit"] as? String == "us")
        // It survives reopening and resets to the standard fields.
        #expect(try KilnBinary.run(["datasets", "set-trace-fields", "--db", db, "spans", "--reset"]).status == 0)
        let after = try KilnBinary.json(try KilnBinary.run(["datasets", "--db", db, "--format", "json"]))
        let reset = try #require((after["datasets"] as? [[String: Any]])?.first)
        #expect(reset["trace_fields"] is NSNull, "\(reset)")
        #expect(!(try KilnBinary.run(["datasets", "--db", db]).stdout.contains("TRACE FIELDS")))
    }

    @Test(arguments: [
        (["--trace", "a", "--span", "b"], "give --trace, --span and --parent"),
        (["--trace", "a", "--span", "b", "--parent", "c", "--duration", "took:minutes"], "is not FIELD or FIELD:UNIT"),
        (["--reset", "--trace", "a"], "either --reset or the fields"),
        (["--trace", "a", "--span", "a", "--parent", "c"], "three different fields"),
    ])
    func badArgumentsSayWhy(_ arguments: [String], _ message: String) throws {
        let dir = try TempDir()
        let db = try Self.store(dir)
        let result = try KilnBinary.run(["datasets", "set-trace-fields", "--db", db, "spans"] + arguments)
        #expect(result.status == 64 || result.status == 2, "\(result.status) \(result.stderr)")
        #expect(result.stderr.contains(message), "\(result.stderr)")
        #expect(result.stderr.contains("set-trace-fields"), "names the subcommand: \(result.stderr)")
    }
}

/// The explorer follows the setting: `--trace ID` and `t` from an event open the tree, with
/// the microseconds shown as milliseconds. At 80x24.
@Suite(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/tmux"), "needs tmux"))
struct TraceFieldsE2ETests {
    @Test func traceOpensByTheDatasetsOwnFields() throws {
        let dir = try TempDir()
        let db = try TraceFieldsCLITests.store(dir)
        // Before the setting: the event has no trace id to follow.
        var tmux = try Tmux(width: 80, height: 24, command: ExplorerE2ETests.shell("\(KilnBinary.path) explore --db \(db) --view events"))
        tmux.wait("the events") { $0.contains("❭ events") }
        try tmux.send("Enter")
        tmux.wait("an event") { $0.contains("❭ event") && $0.contains("req_trace") }
        try tmux.send("t")
        tmux.wait("no trace without the setting") { $0.contains("this event has no trace.trace_id") }
        try tmux.send("Q")
        tmux.wait("exit") { $0.contains("EXIT=0") }
        #expect(try KilnBinary.run(["datasets", "set-trace-fields", "--db", db, "spans", "--trace", "req_trace", "--span", "req_span",
                                    "--parent", "req_parent", "--duration", "took:us"]).status == 0)
        tmux = try Tmux(width: 80, height: 24, command: ExplorerE2ETests.shell("\(KilnBinary.path) explore --db \(db) --trace tr0007"))
        var screen = tmux.wait("the trace") { $0.contains("trace tr0007") && $0.contains("3 spans") }
        #expect(screen.contains("GET /checkout") && screen.contains("charge") && screen.contains("INSERT"), "\(screen)")
        #expect(screen.contains("250ms") || screen.contains("250.0ms") || screen.contains("250 ms"), "took 250,000 µs = 250 ms: \(screen)")
        #expect(screen.contains("└─ charge") && screen.contains("   └─ INSERT"), "parents resolve by req_parent: \(screen)")
        #expect(!screen.contains("? GET") && !screen.contains("? charge"), "no orphans: \(screen)")
        #expect(screen.contains("took (log scale)") || !screen.contains("no duration here"), "the heatmap shows the duration field: \(screen)")
        try tmux.send("Q")
        tmux.wait("exit") { $0.contains("EXIT=0") }
        tmux = try Tmux(width: 80, height: 24, command: ExplorerE2ETests.shell("\(KilnBinary.path) explore --db \(db) --view events"))
        tmux.wait("the events") { $0.contains("❭ events") }
        try tmux.send("Enter")
        tmux.wait("an event") { $0.contains("❭ event") && $0.contains("req_trace") }
        try tmux.send("t")
        screen = tmux.wait("its trace") { $0.contains("❭ trace") && $0.contains("3 spans") }
        try tmux.send("Q")
        tmux.wait("exit") { $0.contains("EXIT=0") }
    }
}

/// Collapse and expand in the trace view, at 80x24.
@Suite(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/tmux"), "needs tmux"))
struct TraceCollapseE2ETests {
    @Test func minusHidesASubtreeAndPlusShowsIt() throws {
        let dir = try TempDir()
        let db = try TraceFieldsCLITests.store(dir)
        #expect(try KilnBinary.run(["datasets", "set-trace-fields", "--db", db, "spans", "--trace", "req_trace", "--span", "req_span",
                                    "--parent", "req_parent"]).status == 0)
        let tmux = try Tmux(width: 80, height: 24, command: ExplorerE2ETests.shell("\(KilnBinary.path) explore --db \(db) --trace tr0003"))
        tmux.wait("the trace") { $0.contains("3 spans") && $0.contains("INSERT") }
        try tmux.send("Down")
        try tmux.send("-")
        var screen = tmux.wait("charge folded") { $0.contains("charge [+1]") }
        #expect(screen.contains("3 spans (1 hidden)"), "\(screen)")
        #expect(!screen.contains("└─ INSERT"), "\(screen)")
        try tmux.send("Up")
        try tmux.send("Left")
        screen = tmux.wait("all folded under the root") { $0.contains("GET /checkout [+2]") }
        #expect(!screen.contains("charge"), "\(screen)")
        try tmux.send("+")
        screen = tmux.wait("the root open again, charge still folded") { $0.contains("charge [+1]") && !$0.contains("[+2]") }
        try tmux.send("Down")
        try tmux.send("Right")
        tmux.wait("all open") { $0.contains("└─ INSERT") && !$0.contains("hidden") }
        try tmux.send("Q")
        tmux.wait("exit") { $0.contains("EXIT=0") }
    }
}
