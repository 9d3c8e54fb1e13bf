import Foundation
import Testing

/// The real `kiln explore` in tmux: the services table and the service map, at 80x24 and 160x50,
/// against `kiln services` and `kiln query` on the same store.
@Suite(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/tmux"), "needs tmux"))
struct ExplorerServicesE2ETests {
    /// "N of 20,000 events" in the header, as N.
    static func shownEvents(_ screen: String) -> Int? {
        guard let header = screen.components(separatedBy: "\n").first, let range = header.range(of: " of 20,000 events") else { return nil }
        let before = header[..<range.lowerBound].split(separator: " ").last.map(String.init) ?? ""
        return Int(before.replacingOccurrences(of: ",", with: ""))
    }

    static func cursorLine(_ screen: String) -> String? {
        screen.components(separatedBy: "\n").first { $0.hasPrefix("▶") }
    }

    @Test(arguments: [(80, 24), (160, 50)])
    func servicesThenMapThenTheCallsOfAnEdge(size: (Int, Int)) throws {
        let dir = try TempDir()
        let (db, _) = try ExplorerE2ETests.store(dir, events: 20_000)
        let services = try #require(try KilnBinary.json(try KilnBinary.run(["services", "--db", db, "--dataset", "shop", "--format", "json"]))["services"] as? [[String: Any]])
        let names = services.compactMap { $0["name"] as? String }
        let edges = try #require(try KilnBinary.json(try KilnBinary.run(["services", "--db", db, "--dataset", "shop", "--map", "--format", "json"]))["edges"] as? [[String: Any]])
        let intoPayment = edges.filter { $0["to"] as? String == "payment" }
        try #require(intoPayment.count == 1, "the generated shop has one caller of payment")
        let calls = try #require((intoPayment[0]["calls"] as? NSNumber)?.intValue)
        let caller = try #require(intoPayment[0]["from"] as? String)

        let tmux = try Tmux(width: size.0, height: size.1, command: ExplorerE2ETests.shell("\(KilnBinary.path) explore --db \(db)"))
        tmux.wait("the heatmap") { $0.contains("duration_ms (log scale)") }

        // `s`: every service, busiest first, each with a sparkline.
        try tmux.send("s")
        var screen = tmux.wait("the services table") { $0.contains("services, ") && $0.contains("SERVICE") }
        let rows = screen.components(separatedBy: "\n").dropFirst(4).prefix(names.count)
        #expect(rows.map { $0.split(separator: " ").first.map(String.init) ?? "" } == names)
        #expect(rows.allSatisfy { $0.filter { "▁▂▃▄▅▆▇█".contains($0) }.count >= 8 }, "a sparkline per service:\n\(screen)")

        // Enter: the busiest service's heatmap, exactly its events.
        try tmux.send("Enter")
        screen = tmux.wait("the service's heatmap") { $0.contains("services ❭ heatmap") && Self.shownEvents($0) != nil }
        let count = try KilnBinary.json(try KilnBinary.run(["query", "--db", db, "--dataset", "shop", "--where", "service.name = \(names[0])",
                                                            "--calc", "COUNT", "--format", "json"]))
        let expected = ((count["rows"] as? [[String: Any]])?.first?["COUNT"] as? NSNumber)?.intValue
        #expect(Self.shownEvents(screen) == expected)
        try tmux.send("q")
        tmux.wait("the services again") { $0.contains("SERVICE") && !$0.contains("services ❭ heatmap") }

        // :map, laid out as columns when wide, as a call tree when narrow.
        try tmux.send(":")
        try tmux.type("map")
        try tmux.send("Enter")
        screen = tmux.wait("the service map") { $0.contains("\(edges.count) calls between services") }
        #expect(screen.contains(size.0 >= 160 ? "callers → callees" : "call tree per entry service"), "\(screen)")
        var presses = 0
        while Self.cursorLine(screen)?.contains("payment") != true && presses < 40 {
            let before = Self.cursorLine(screen)
            try tmux.send("j")
            screen = tmux.wait("the cursor to move") { Self.cursorLine($0) != before }
            presses += 1
        }
        #expect(Self.cursorLine(screen)?.contains("payment") == true)

        // Enter on the call: the heatmap of exactly the payment spans called by the caller.
        try tmux.send("Enter")
        screen = tmux.wait("the heatmap of the calls") { $0.contains("service map ❭ heatmap") && Self.shownEvents($0) != nil }
        #expect(Self.shownEvents(screen) == calls, "\(caller) → payment has \(calls) calls:\n\(screen)")
        if size.0 >= 160 { #expect(screen.contains("where service.name = payment, parent.service.name = \(caller)")) }

        // box → BubbleUp → events → event → trace from there.
        try tmux.send("Space")
        for _ in 0..<12 { try tmux.send("h") }
        for _ in 0..<12 { try tmux.send("k") }
        try tmux.send("Enter")
        screen = tmux.wait("BubbleUp") { $0.contains("❭ BubbleUp") && $0.contains("baseline") }
        let summary = try #require(screen.components(separatedBy: "\n").first { $0.hasPrefix(" selection ") })
        let numbers = summary.components(separatedBy: " ").compactMap { Int($0.replacingOccurrences(of: ",", with: "")) }
        #expect(numbers.count >= 2 && numbers[0] + numbers[1] == calls, "selection + baseline are the calls: \(summary)")
        try tmux.send("Enter")
        try tmux.send("Enter")
        screen = tmux.wait("events") { $0.contains("❭ events") && $0.contains(" events · ") }
        if screen.contains(" · 0 events · ") {
            try tmux.send("b")
            tmux.wait("baseline events") { $0.contains("baseline events") && !$0.contains(" · 0 events · ") }
        }
        try tmux.send("Enter")
        tmux.wait("the event") { $0.contains(" t trace ") && $0.contains("shop row") }
        try tmux.send("t")
        screen = tmux.wait("the trace") { $0.contains(" spans · ") && $0.contains("SPAN ") }
        #expect(screen.contains("payment") && screen.contains(caller), "the trace holds both services:\n\(screen)")
        try tmux.send("Q")
        tmux.wait("exit") { $0.contains("EXIT=0") }
    }
}
