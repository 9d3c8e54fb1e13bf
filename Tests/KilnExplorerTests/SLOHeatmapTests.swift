import KilnCore
@testable import KilnExplorer
import KilnTerminal
import Testing

/// An SLO on the heatmap (Enter or `b` on the SLO list): its bad events told apart cell by cell,
/// BubbleUp of the bad events against the good ones, and the moments its alerts start firing;
/// every count checked against a direct pass over the shop's events.
struct SLOHeatmapTests {
    /// Checkouts and the other API calls answer within a second, 99.9% of the time. The shop's
    /// incident (slow enterprise checkouts on 2.0.0 from 10:30) burns it.
    static func slo() throws -> SLODefinition {
        SLODefinition(name: "api-fast", dataset: "shop", eligible: [try Filter.parse("http.route starts-with /api")],
                      good: [try Filter.parse("duration_ms < 1000")], target: try #require(SLODecimal("99.9")))
    }

    /// Weighted (eligible, bad) events of the shop in [from, to), by reading every row.
    static func direct(_ model: ExplorerModel, from: Int64, to: Int64) -> (eligible: Int64, bad: Int64) {
        let t = model.table
        var eligible: Int64 = 0, bad: Int64 = 0
        for r in 0..<t.count where t.timestamps[r] >= from && t.timestamps[r] < to {
            guard case .string(let route)? = t.column("http.route")?.value(at: r), route.hasPrefix("/api") else { continue }
            eligible += t.sampleRate(r)
            if (t.column("duration_ms")?.value(at: r)?.number ?? 0) >= 1000 { bad += t.sampleRate(r) }
        }
        return (eligible, bad)
    }

    /// The SLO list with the SLO in it, as `S` and the store's answer leave it.
    static func sloList() throws -> (ExplorerState, ExplorerModel, SLODefinition) {
        var (state, model) = Shop.start()
        let slo = try slo()
        let effects = state.press([.char("S")], model)
        #expect(effects == [.loadSLOs])
        _ = Explorer.update(&state, .slosLoaded([slo]), model: model)
        guard case .slo(let list) = state.top else {
            Issue.record("no SLO list: \(state.stack)")
            return (state, model, slo)
        }
        #expect(list.rows?.count == 1)
        return (state, model, slo)
    }

    @Test func enterShowsTheBadEventsCellByCellAndQComesBack() throws {
        var (state, model, slo) = try Self.sloList()
        let effects = state.press([.enter], model)
        #expect(state.stack.count == 3, "heatmap ❭ SLOs ❭ heatmap: \(state.stack)")
        #expect(state.query.filters == slo.eligible)
        let overlay = try #require(state.heat.slo)
        let map = try #require(state.heat.map)
        let key = try #require(state.heat.key)
        // It asks for the counts of its alert windows at the column edges.
        #expect(effects == [.countSLOAlerts(slo, times: map.timeEdges.map { $0 - 1 })])
        let expected = Self.direct(model, from: key.from, to: key.to)
        #expect(expected.bad > 0)
        #expect(overlay.badTotal == expected.bad)
        #expect(overlay.bad.reduce(0, +) == expected.bad, "every bad event has a duration, so each is in a cell")
        #expect(state.heat.scopeEvents == expected.eligible)
        // Each cell's bad count, read back from the rows in that cell.
        let nv = map.valueBuckets
        for t in 0..<map.timeBuckets {
            for v in 0..<nv where overlay.bad[t * nv + v] > 0 {
                #expect(map.timeEdges[t + 1] > Shop.incident, "bad events only after the incident starts")
                #expect(map.valueEdges[v + 1] > 1000, "bad events are the slow ones")
            }
        }
        // Drawn in the error colour, with a legend saying so.
        let grid = state.frame(model)
        let plot = Layout.plot(state.size)
        var red = 0
        for t in 0..<map.timeBuckets {
            for v in 0..<nv {
                let cell = grid[plot.x + t, plot.y + nv - 1 - v]
                let isBad = overlay.bad[t * nv + v] > 0
                if cell.role == .error { red += 1 }
                if state.heat.cursor != GridPoint(t: t, v: v) {
                    #expect((cell.role == .error) == isBad, "cell \(t),\(v): \(cell.role)")
                }
            }
        }
        #expect(red > 0)
        #expect(grid.rowText(2).contains(Format.grouped(expected.bad) + " bad ("), "\(grid.rowText(2))")
        #expect(grid.rowText(2).contains("in red"))
        // q: back to the SLO list, the scope and the plain heatmap as they were.
        state.press([.char("q")], model)
        guard case .slo = state.top else {
            Issue.record("q should come back to the SLO list: \(state.stack)")
            return
        }
        #expect(state.query.filters.isEmpty)
        #expect(state.heat.slo == nil)
    }

    @Test func alertOnsetsAreWhereTheRulesStartFiring() throws {
        var (state, model, slo) = try Self.sloList()
        let effects = state.press([.enter], model)
        guard case .countSLOAlerts(_, let times)? = effects.first else {
            Issue.record("no alert counts asked for: \(effects)")
            return
        }
        // The run loop's answer without a store: the counts of the table in memory.
        let counts = GoodCount.count(model.table, eligible: slo.eligible, good: slo.good, windows: SLOAlertOnset.windows(at: times))
        _ = Explorer.update(&state, .sloAlertsCounted(name: slo.name, times: times, counts: counts), model: model)
        let onsets = try #require(state.heat.slo?.onsets)
        // Directly: a rule fires when both windows burn above its threshold; an onset is a
        // moment where it fires and did not at the moment before.
        var expected: [SLOAlertOnset] = []
        func fires(_ rule: SLOAlertRule, at t: Int64) -> Bool {
            let threshold = Double(rule.threshold.units) / Double(rule.threshold.scale)
            return [rule.longWindow, rule.shortWindow].allSatisfy { w in
                let c = Self.direct(model, from: t - w.length + 1, to: t + 1)
                return c.eligible > 0 && Double(c.bad) / Double(c.eligible) / 0.001 > threshold
            }
        }
        for rule in SLOAlertRule.workbook {
            for i in 1..<times.count where fires(rule, at: times[i]) && !fires(rule, at: times[i - 1]) {
                expected.append(SLOAlertOnset(at: times[i], rule: rule))
            }
        }
        #expect(Set(onsets) == Set(expected))
        #expect(onsets.contains { $0.rule.key == "page 1h/5m" }, "the incident pages: \(onsets)")
        #expect(onsets.allSatisfy { $0.at > Shop.incident })
        #expect(state.heat.slo?.firingAtStart == [])
        // Labelled on the heatmap, and marked under the time axis in the error colour.
        let grid = state.frame(model)
        let text = grid.textDump()
        #expect(text.contains("page 1h/5m"), "\(text)")
        let map = try #require(state.heat.map)
        let plot = Layout.plot(state.size)
        let page = try #require(onsets.first { $0.rule.key == "page 1h/5m" })
        let column = try #require(HeatmapView.bucket(page.at, map.timeEdges))
        #expect(grid[plot.x + column, plot.y + map.valueBuckets].role == .error || state.heat.cursor.t == column)
        // The same counts again change nothing; other moments are asked for after a resize.
        #expect(Explorer.update(&state, .sloAlertsCounted(name: slo.name, times: times, counts: counts), model: model).isEmpty)
        let resized = Explorer.update(&state, .resized(TerminalSize(width: 100, height: 30)), model: model)
        #expect(resized.count == 1)
        #expect(state.heat.slo?.onsets == nil)
    }

    @Test func bOpensBubbleUpOfBadAgainstGoodThenEventsAndTraces() throws {
        var (state, model, slo) = try Self.sloList()
        state.press([.enter], model)
        let key = try #require(state.heat.key)
        state.press([.char("b")], model)
        guard case .bubbleUp(let b) = state.top else {
            Issue.record("b should open BubbleUp: \(state.stack)")
            return
        }
        let expected = Self.direct(model, from: key.from, to: key.to)
        #expect(b.selection == EventSelection.not(slo.good))
        #expect(b.result.selectionCount == expected.bad)
        #expect(b.result.baselineCount == expected.eligible - expected.bad)
        // What the bad events have in common: the incident's version, plan and route.
        let top = b.result.dimensions.filter { !$0.selectedOn }.prefix(4).map(\.field)
        #expect(top.contains("service.version") || top.contains("customer.plan") || top.contains("http.route"), "\(top)")
        #expect(state.frame(model).rowText(1).contains("SLO api-fast bad events"), "\(state.frame(model).rowText(1))")
        // Enter twice: the values, then the events with the highlighted value; all bad.
        state.press([.enter, .enter], model)
        guard case .events(let events) = state.top else {
            Issue.record("Enter on a value should list events: \(state.stack)")
            return
        }
        #expect(!events.rows.isEmpty)
        let durations = model.table.column("duration_ms")
        #expect(events.rows.allSatisfy { (durations?.value(at: Int($0))?.number ?? 0) >= 1000 })
        // b: the baseline side, all good.
        state.press([.char("b")], model)
        guard case .events(let baseline) = state.top else { return }
        #expect(baseline.showingBaseline)
        #expect(baseline.rows.allSatisfy { (durations?.value(at: Int($0))?.number ?? 0) < 1000 })
        state.press([.char("b"), .enter], model)
        guard case .event = state.top else {
            Issue.record("Enter should open the event: \(state.stack)")
            return
        }
        state.press([.char("t")], model)
        guard case .trace(let trace) = state.top else {
            Issue.record("t should open the trace: \(state.stack)")
            return
        }
        #expect(!trace.spans.isEmpty)
        // Back out to the SLO heatmap, its overlay still there.
        state.press([.char("q"), .char("q"), .char("q"), .char("q")], model)
        #expect(state.heat.slo != nil)
        if case .heatmap = state.top {} else { Issue.record("back on the SLO's heatmap: \(state.stack)") }
    }

    @Test func bOnTheListOpensTheBubbleUpStraightAway() throws {
        var (state, model, slo) = try Self.sloList()
        state.press([.char("b")], model)
        guard case .bubbleUp(let b) = state.top else {
            Issue.record("b on the list should open BubbleUp: \(state.stack)")
            return
        }
        #expect(b.selection.negated && b.selection.filters == slo.good)
        state.press([.char("q")], model)
        #expect(state.heat.slo?.definition == slo, "q from it shows the SLO's heatmap")
    }

    @Test func bOnAPlainHeatmapSaysWhatItIsFor() {
        var (state, model) = Shop.start()
        state.press([.char("b")], model)
        #expect(state.stack.count == 1)
        #expect(state.message?.text.contains("open an SLO first") == true)
    }

    @Test func aNegatedSelectionIsTheScopeLessTheRowsPassingEveryFilter() throws {
        let table = Shop.table()
        let scope = Scope(filters: [try Filter.parse("http.route starts-with /api")]).rows(in: table)
        let good = [try Filter.parse("duration_ms < 1000"), try Filter.parse("http.status_code < 500")]
        let bad = EventSelection.not(good).rows(in: scope, table: table)
        var direct = 0
        for r in 0..<table.count {
            guard case .string(let route)? = table.column("http.route")?.value(at: r), route.hasPrefix("/api") else { continue }
            let slow = (table.column("duration_ms")?.value(at: r)?.number ?? 0) >= 1000
            let failed = (table.column("http.status_code")?.value(at: r)?.number ?? 0) >= 500
            if slow || failed { direct += 1 }
        }
        #expect(bad.count == direct)
        #expect(EventSelection.not(good).description == "NOT (duration_ms < 1000 AND http.status_code < 500)")
        #expect(EventSelection(good).rows(in: scope, table: table).count == scope.count - direct)
    }
}
