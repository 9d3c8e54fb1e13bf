import Foundation
import KilnCore
@testable import KilnExplorer
import KilnTerminal
import Testing

/// The compare view, `:versions` and `M`, through update and render on the shop table, whose
/// version 2.0.0 makes enterprise checkouts slow from 10:30.
@Suite struct CompareViewTests {
    @Test func compareFindsTheRegressionAndWhereRowsOpenTheGroupHeatmap() throws {
        var (state, model) = Shop.start(size: Shop.size120)
        state.command("compare", model)
        guard case .compare(let c) = state.top else {
            Issue.record("no compare view: \(state.message?.text ?? "")")
            return
        }
        #expect(c.result.before.value == .string("1.9.4"))
        #expect(c.result.after.value == .string("2.0.0"))
        #expect(c.result.verdict == .regression)
        let first = try #require(c.result.groups.first)
        let names = Dictionary(uniqueKeysWithValues: first.fields.map { ($0.0, $0.1) })
        #expect(names == ["customer.plan": .string("enterprise"), "http.route": .string("/api/checkout")],
                "the pair carrying the regression leads: \(c.result.groups.prefix(3).map(\.fields))")
        assertSnapshot(state.frame(model).textDump(), named: "compare-120x40")

        let before = state.query
        state.press([.enter], model)
        #expect(state.top == .heatmap)
        #expect(state.stack.count == 3)
        #expect(state.query.filters.contains(Filter("service.version", .equal, [.string("2.0.0")])))
        #expect(state.query.filters.contains(Filter("customer.plan", .equal, [.string("enterprise")])))
        #expect(state.heat.scopeEvents > 0)
        // BubbleUp works there as usual, and q comes back to the comparison with the old scope.
        state.press([.enter], model)
        guard case .bubbleUp = state.top else {
            Issue.record("no BubbleUp from the group heatmap: \(state.message?.text ?? "")")
            return
        }
        state.press([.char("q"), .char("q")], model)
        guard case .compare = state.top else {
            Issue.record("not back on the comparison")
            return
        }
        #expect(state.query == before)
    }

    @Test func compareViewAt80Columns() {
        var (state, model) = Shop.start()
        state.command("compare service.version 1.9.4 2.0.0", model)
        assertSnapshot(state.frame(model).textDump(), named: "compare-80x24")
    }

    @Test func versionsListsEveryVersionAndEnterCompares() {
        var (state, model) = Shop.start(size: Shop.size120)
        state.command("versions", model)
        guard case .versions(let v) = state.top else {
            Issue.record("no versions view")
            return
        }
        #expect(v.versions.map(\.value.text) == ["1.9.4", "15.2", "2.0.0"])
        #expect(v.versions.last?.firstSeen ?? 0 >= Shop.incident)
        assertSnapshot(state.frame(model).textDump(), named: "versions-120x40")
        state.press([.char("G"), .enter], model)
        guard case .compare(let c) = state.top else {
            Issue.record("Enter did not compare")
            return
        }
        #expect(c.result.after.value == .string("2.0.0"))
        #expect(c.result.before.value == .string("1.9.4"))
    }

    @Test func markersAreListedAndLabelled() {
        var (state, model) = Shop.start(size: Shop.size120)
        state.markers = [Marker(start: Shop.start + 10 * Shop.minute, message: "search 7.1", type: "deploy"),
                         Marker(start: Shop.incident, message: "frontend 2.0.0", type: "deploy", id: 2, automatic: true)]
        let screen = state.frame(model).textDump()
        #expect(screen.contains(" search 7.1"), "every marker has its label")
        #expect(screen.contains(" frontend 2.0.0"))
        state.press([.char("M")], model)
        guard case .markers(let m) = state.top else {
            Issue.record("M did not list the markers")
            return
        }
        #expect(m.markers.map(\.message) == ["search 7.1", "frontend 2.0.0"])
        state.press([.char("j"), .char("c")], model)
        guard case .compare(let c) = state.top else {
            Issue.record("c did not compare: \(state.message?.text ?? "")")
            return
        }
        #expect(c.title.contains("(service.name = frontend)"))
        #expect(c.result.after.value == .string("2.0.0"))
        // A marker that is no deploy compares the windows around it.
        state.press([.char("q"), .char("k"), .enter], model)
        guard case .compare(let w) = state.top else {
            Issue.record("Enter did not compare the windows")
            return
        }
        #expect(w.windows != nil)
        #expect(w.result.before.value == nil)
    }

    @Test func cWithoutAMarkerSaysSo() {
        var (state, model) = Shop.start()
        state.press([.char("c")], model)
        #expect(state.top == .heatmap)
        #expect(state.message?.text.contains("no marker under the cursor") == true)
    }
}
