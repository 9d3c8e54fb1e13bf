import Foundation
import Testing

/// `w` shows a long value whole, wrapped, escapes visible, in the event view (BubbleUp and the
/// events table: ValueOverlayTests).
/// At 80x24.
@Suite(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/tmux"), "needs tmux"))
struct ValueOverlayE2ETests {
    @Test func wShowsTheWholeValue() throws {
        let dir = try TempDir()
        let db = dir.path("k.db")
        let long = "https://example.com/search?q=" + String(repeating: "abcdefghij", count: 40) + "\\u001b[31mred\\nEND-OF-VALUE"
        var lines: [String] = []
        for i in 0..<30 {
            let url = i % 2 == 0 ? long : "/short"
            lines.append(#"{"time":"\#(1_764_460_800 + i * 60)","data":{"duration_ms":\#(i % 2 == 0 ? 900 : 10),"url":"\#(url)"}}"#)
        }
        let ingest = try KilnBinary.run(["ingest", "--db", db, "--dataset", "web", "--format", "jsonl", "-"], stdin: Data(lines.joined(separator: "\n").utf8))
        #expect(ingest.status == 0, "\(ingest.stderr)")
        let tmux = try Tmux(width: 80, height: 24, command: ExplorerE2ETests.shell(
            "\(KilnBinary.path) explore --db \(db) --select \"duration_ms >= 500\" --view events"))
        var screen = tmux.wait("the selection's events") { $0.contains("❭ events") }
        #expect(!screen.contains("END-OF-VALUE"), "cut in the table: \(screen)")
        // The url column's cell, whole.
        try tmux.send("Right")
        try tmux.send("Right")
        try tmux.send("w")
        screen = tmux.wait("the whole value") { $0.contains("any key closes") }
        #expect(screen.contains("END-OF-VALUE"), "\(screen)")
        #expect(screen.contains("\\x1b[31mred\\n"), "control characters visible: \(screen)")
        try tmux.send("x")
        screen = tmux.wait("closed") { !$0.contains("any key closes") }
        #expect(screen.contains("❭ events"))
        // The event's url field, whole.
        try tmux.send("Enter")
        tmux.wait("the event") { $0.contains("❭ event") && $0.contains("url") }
        try tmux.send("Down")
        try tmux.send("Down")
        try tmux.send("w")
        screen = tmux.wait("the whole value again") { $0.contains("any key closes") && $0.contains("url") }
        #expect(screen.contains("END-OF-VALUE"), "\(screen)")
        try tmux.send("Q")
        tmux.wait("exit") { $0.contains("EXIT=0") }
    }
}
