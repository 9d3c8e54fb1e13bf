import KilnCore
@testable import KilnExplorer
import KilnTerminal
import Testing

/// A dataset without a duration (an access log) opens on a count histogram, events per round
/// time bucket with the failed ones marked, instead of a heatmap of `bytes`.
struct HistogramTests {
    static let hour: Int64 = 3_600_000_000_000
    /// 2015-05-17T10:00:00Z.
    static let start: Int64 = 1_431_856_800_000_000_000

    /// Two days of access-log events, more by day than by night, 500s in a burst on the second
    /// afternoon and a few scattered.
    static func table() -> EventTable {
        var events: [Event] = []
        var seed: UInt64 = 11
        func next() -> UInt64 {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return seed >> 33
        }
        for h in 0..<48 {
            let perHour = 20 + Int(next() % 60)
            for i in 0..<perHour {
                let t = start + Int64(h) * hour + Int64(i) * hour / Int64(perHour)
                let burst = h == 30 && i % 3 == 0
                let status: Int64 = burst || next() % 200 == 0 ? 500 : 200
                events.append(Event(timestamp: t, fields: [
                    Field("request.path", .string(["/", "/blog", "/feed"][Int(next() % 3)])),
                    Field("status", .int(status)),
                    Field("bytes", .int(Int64(100 + next() % 50_000))),
                    Field("remote_addr", .string("10.0.0.\(next() % 50)")),
                ]))
            }
        }
        var b = EventTableBuilder()
        b.append(events)
        return b.table
    }

    static func open(size: TerminalSize = Shop.size80) -> (ExplorerState, ExplorerModel) {
        let model = ExplorerModel(table: table())
        let state = Explorer.makeState(size: size, glyphs: .unicode, dataset: "access", model: model, query: QueryState(),
                                       requestedRange: .all, now: start + 49 * hour)
        return (state, model)
    }

    /// Weighted events and 500s in [from, to), read row by row.
    static func direct(_ table: EventTable, from: Int64, to: Int64) -> (events: Int64, errors: Int64) {
        var n: Int64 = 0, e: Int64 = 0
        for r in 0..<table.count where table.timestamps[r] >= from && table.timestamps[r] < to {
            n += table.sampleRate(r)
            if (table.column("status")?.value(at: r)?.number ?? 0) >= 500 { e += table.sampleRate(r) }
        }
        return (n, e)
    }

    @Test func anAccessLogOpensOnHourlyCountsWithErrorsMarked() throws {
        var (state, model) = Self.open()
        #expect(state.query.histogram, "no duration: a histogram, not a heatmap of bytes")
        #expect(state.message?.text.contains(":field bytes shows a heatmap") == true)
        let map = try #require(state.heat.map)
        let step = map.timeEdges[1] - map.timeEdges[0]
        #expect(step == Self.hour, "two days in 71 columns: hourly buckets")
        #expect(map.timeEdges.allSatisfy { $0 % step == 0 })
        // Every bucket's events and errors, against the rows.
        for t in 0..<map.timeBuckets {
            let d = Self.direct(model.table, from: map.timeEdges[t], to: map.timeEdges[t + 1])
            #expect(HistogramView.count(map, t) == d.events)
            #expect(state.heat.errors[t] == d.errors)
        }
        // Drawn as bars, the tallest reaching the top, the burst's foot in red.
        let grid = state.frame(model)
        let plot = Layout.plot(state.size)
        let w = HistogramView.columnWidth(map, plot: plot)
        #expect(grid.rowText(2).contains("events per 1h"))
        #expect(grid.rowText(1).contains("counts") && !grid.rowText(1).contains("heatmap"), "the breadcrumb names the view: \(grid.rowText(1))")
        let errors = state.heat.errors.reduce(0, +)
        #expect(grid.rowText(2).contains("\(errors) errors"), "\(grid.rowText(2))")
        let tallest = try #require((0..<map.timeBuckets).max { HistogramView.count(map, $0) < HistogramView.count(map, $1) })
        #expect(grid[plot.x + tallest * w, plot.y].text != " ", "the tallest bar fills the plot")
        let burst = try #require(HeatmapView.bucket(Self.start + 30 * Self.hour, map.timeEdges))
        let foot = plot.y + plot.height - 1
        #expect(grid[plot.x + burst * w, foot].role == .error)
        let quiet = try #require((0..<map.timeBuckets).first { state.heat.errors[$0] == 0 && HistogramView.count(map, $0) > 0 && $0 != state.heat.cursor.t })
        #expect(grid[plot.x + quiet * w, foot].role == .info)
        #expect(grid.textDump().contains("05-17 10:00") || grid.textDump().contains("05-17"), "dates on a range across days")

        // Enter: BubbleUp of the bucket under the cursor against the rest.
        state.press([.char("g")], model)
        for _ in 0..<burst { state.press([.char("l")], model) }
        #expect(state.heat.cursor.t == burst)
        state.press([.enter], model)
        guard case .bubbleUp(let b) = state.top else {
            Issue.record("Enter should open BubbleUp: \(state.stack)")
            return
        }
        let d = Self.direct(model.table, from: map.timeEdges[burst], to: map.timeEdges[burst + 1])
        #expect(b.result.selectionCount == d.events)
        #expect(b.result.dimensions.first?.field == "status", "the burst's 500s stand out: \(b.result.dimensions.map(\.field))")
        state.press([.char("q")], model)

        // :field bytes shows the heatmap, :counts comes back.
        state.command("field bytes", model)
        #expect(!state.query.histogram)
        #expect(state.frame(model).rowText(2).contains("bytes"))
        state.command("counts", model)
        #expect(state.query.histogram)
        #expect(state.frame(model).rowText(2).contains("events per 1h"))
    }

    @Test func anSLOWithoutDurationShowsItsBadEventsAndAlertsOnTheCounts() throws {
        var (state, model) = Self.open()
        let slo = SLODefinition(name: "up", dataset: "access", good: [try Filter.parse("status < 500")], target: try #require(SLODecimal("99.9")))
        state.press([.char("S")], model)
        _ = Explorer.update(&state, .slosLoaded([slo]), model: model)
        let effects = state.press([.enter], model)
        #expect(state.query.histogram)
        let map = try #require(state.heat.map)
        for t in 0..<map.timeBuckets {
            #expect(state.heat.errors[t] == Self.direct(model.table, from: map.timeEdges[t], to: map.timeEdges[t + 1]).errors)
        }
        guard case .countSLOAlerts(_, let times)? = effects.first else {
            Issue.record("no alert counts asked for: \(effects)")
            return
        }
        let counts = GoodCount.count(model.table, eligible: slo.eligible, good: slo.good, windows: SLOAlertOnset.windows(at: times))
        _ = Explorer.update(&state, .sloAlertsCounted(name: slo.name, times: times, counts: counts), model: model)
        let onsets = try #require(state.heat.slo?.onsets)
        #expect(!onsets.isEmpty, "the burst of 500s pages")
        let grid = state.frame(model)
        let bad = state.heat.slo?.badTotal ?? 0
        #expect(grid.rowText(2).contains("\(bad) bad ("), "\(grid.rowText(2))")
        let first = try #require(onsets.min { $0.at < $1.at })
        #expect(grid.textDump().contains(first.label), "\(grid.textDump())")
    }

    @Test func aDurationKeepsTheHeatmap() {
        let (state, _) = Shop.start()
        #expect(!state.query.histogram)
    }

    @Test(arguments: [(Int64(3_600_000_000_000) * 48, 71, Int64(3_600_000_000_000)),
                      (Int64(3_600_000_000_000) * 96, 71, Int64(3 * 3_600_000_000_000)),
                      (Int64(3_600_000_000_000) * 96, 111, Int64(3_600_000_000_000)),
                      (Int64(60_000_000_000) * 60, 71, Int64(60_000_000_000))])
    func bucketsAreRoundAndFit(span: Int64, columns: Int, expected: Int64) {
        let step = HistogramView.step(from: Self.start, to: Self.start + span, columns: columns)
        #expect(step == expected)
        #expect(span / step + 2 <= Int64(columns))
    }
}
