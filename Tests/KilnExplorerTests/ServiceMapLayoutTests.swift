import Testing
import KilnCore
import KilnTerminal
@testable import KilnExplorer

/// How `:map` lays out edges: columns by depth when they fit, a call tree otherwise, loops drawn back.
struct ServiceMapLayoutTests {
    static func edge(_ from: String, _ to: String, _ calls: Double) -> ServiceEdge {
        ServiceEdge(from: from, to: to, spans: Int(calls), calls: calls, errors: 0, p50: 1, p99: 2)
    }

    @Test func layersFollowTheLongestChainAndLoopsGoBack() {
        // web → api → db, web → db directly, and db → api closing a loop.
        let map = ServiceMap(edges: [Self.edge("web", "api", 10), Self.edge("api", "db", 8), Self.edge("web", "db", 3), Self.edge("db", "api", 1)],
                             entries: ["web"], orphans: 0)
        let (depth, back) = ServiceMapLayout.layers(map)
        #expect(depth == ["web": 0, "api": 1, "db": 2])
        #expect(back == [3])
        let wide = ServiceMapLayout.make(map, width: 200, glyphs: .unicode)
        #expect(wide.kind == .layered)
        #expect(Set(wide.rows.compactMap(\.edge)) == [0, 1, 2, 3], "one row per edge")
        let narrow = ServiceMapLayout.make(map, width: 40, glyphs: .unicode)
        #expect(narrow.kind == .tree)
        // Under web: api (then db under it, whose call back to api is marked and not opened), db.
        let texts = narrow.rows.map { $0.runs.map(\.text.text).joined(separator: " ") }
        #expect(texts.first == "web")
        #expect(texts.contains { $0.contains("↺ api") })
        #expect(Set(narrow.rows.compactMap(\.edge)) == [0, 1, 2, 3])
    }
}
