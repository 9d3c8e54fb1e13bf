import KilnCore
@testable import KilnExplorer
import KilnTerminal
import Testing

/// The `a` key on a tiny incident hidden among decoys that fooled counting events.
@Suite struct AnomalyTests {
    /// 20,000 ordinary spans over an hour (1-200 ms), with decoys in the first half: four slow
    /// checkout traces of four nested spans each at 420-800 ms (a slow leaf makes its ancestors
    /// about as slow; one instant per trace) and a minute of double traffic; and the incident in
    /// the second half: 7 requests at 1-3 s, spread out. Counting events, the decoys won.
    static func events() -> (events: [Event], incident: Set<String>) {
        var r = Shop.Random(state: 42)
        var out: [Event] = []
        func add(_ t: Int64, _ ms: Double, _ id: String, version: String = "1.0") {
            out.append(Event(timestamp: t, fields: [Field("duration_ms", .float(ms)), Field("id", .string(id)),
                                                    Field("service.version", .string(version))]))
        }
        let span = Shop.end - Shop.start
        for i in 0..<20_000 {
            let t = Shop.start + Int64(i) * span / 20_000
            add(t, 1 + 199 * r.unit() * r.unit() * r.unit(), "n\(i)")
        }
        // A busy minute at 10:12: twice as many extra ordinary events.
        for i in 0..<700 { add(Shop.start + 12 * Shop.minute + Int64(i) * Shop.minute / 700, 1 + 199 * r.unit() * r.unit(), "burst\(i)") }
        // Four slow traces, four spans each, all at one instant per trace.
        for (k, minute) in [9, 10, 14, 17].enumerated() {
            for s in 0..<4 { add(Shop.start + Int64(minute) * Shop.minute + Int64(s) * 1_000_000, 420 + 120 * Double(k) - 4 * Double(s), "decoy\(k)-\(s)") }
        }
        var incident: Set<String> = []
        for j in 0..<7 {
            let t = Shop.incident + Int64(j) * 4 * Shop.minute + 37_000_000_000
            add(t, 1000 + 2000 * r.unit(), "slow\(j)", version: "2.0")
            incident.insert("slow\(j)")
        }
        return (out, incident)
    }

    @Test(arguments: [Shop.size80, TerminalSize(width: 100, height: 30), Shop.size120, TerminalSize(width: 200, height: 50)])
    func tinyIncidentIsProposedNotTheDecoys(size: TerminalSize) throws {
        let (events, incident) = Self.events()
        var builder = EventTableBuilder()
        builder.append(events)
        let model = ExplorerModel(table: builder.table)
        var state = Explorer.makeState(size: size, glyphs: .unicode, dataset: "t", model: model, query: QueryState(),
                                       requestedRange: .all, now: Shop.now)
        state.press([.char("a")], model)
        let map = try #require(state.heat.map)
        #expect(state.heat.anchor != nil, "a box was proposed")
        let box = state.heat.box
        let filters = map.boxFilters(time: box.time, value: box.value)
        let rows = RowSet.all(model.table.count).filtered(by: filters, in: model.table)
        let ids = Set(rows.rows.compactMap { model.table.column("id")?.value(at: Int($0))?.text })
        #expect(ids == incident, "box holds \(ids.sorted())")
        let status = state.frame(model).rowText(size.height - 2)
        #expect(status.hasPrefix(" proposed box ") && status.contains("· 7 events · unseen elsewhere"), "\(status)")
        state.press([.enter], model)
        guard case .bubbleUp(let b) = state.top else {
            Issue.record("expected BubbleUp")
            return
        }
        let version = try #require(b.result.dimensions.first { $0.field == "service.version" })
        #expect(!version.isNoise)
        #expect(version.values.first { $0.label == "2.0" }?.selectionPercent == 100)
    }

    @Test func evenTailProposesNothing() throws {
        // Every column has the same slow tail: nothing stands out.
        var out: [Event] = []
        for i in 0..<6000 {
            let t = Shop.start + Int64(i) * (Shop.end - Shop.start) / 6000
            out.append(Event(timestamp: t, fields: [Field("duration_ms", .float(i % 20 == 0 ? 900 : Double(1 + i % 50)))]))
        }
        var builder = EventTableBuilder()
        builder.append(out)
        let model = ExplorerModel(table: builder.table)
        var state = Explorer.makeState(size: Shop.size80, glyphs: .unicode, dataset: "t", model: model, query: QueryState(),
                                       requestedRange: .all, now: Shop.now)
        state.press([.char("a")], model)
        #expect(state.heat.anchor == nil)
        #expect(state.message?.text.contains("nothing stands out") == true)
    }
}
