import KilnCore
import KilnTerminal
@testable import KilnExplorer
import Testing

/// The heatmap's value axis names the unit when the field's name says it.
struct FieldUnitTests {
    @Test(arguments: [
        ("duration_ms", 864_000.0, "14.4m"), ("duration_us", 864_000.0, "864ms"), ("latency_µs", 1500.0, "1.5ms"),
        ("elapsed_ns", 2_500_000.0, "2.5ms"), ("request_time_s", 1.5, "1.5s"), ("Duration", 864_000.0, "864k"), ("bytes", 1200.0, "1.2k"),
    ])
    func axisValuesCarryTheUnit(field: String, value: Double, expected: String) {
        #expect(Format.fieldValue(value, field: field) == expected)
    }
}

/// Times keep their dates when the range crosses a day, and their years when it crosses a year.
struct DateRangeTests {
    static func ns(_ text: String) -> Int64 { Timestamp.parse(text) ?? 0 }

    @Test func rangesWithinADayHaveNoDate() {
        #expect(Format.timeRange(Self.ns("2024-05-01T06:31:00Z"), Self.ns("2024-05-01T07:01:00Z"), dash: "–") == "06:31–07:01")
    }

    @Test func rangesAcrossDaysShowTheDate() {
        #expect(Format.timeRange(Self.ns("2024-05-01T04:27:00Z"), Self.ns("2024-05-02T17:00:00Z"), dash: "–") == "05-01 04:27–05-02 17:00")
        #expect(Format.timeRange(Self.ns("2026-12-04T20:50:00Z"), Self.ns("2026-12-06T20:50:00Z"), dash: "–") == "12-04 20:50–12-06 20:50")
        #expect(Format.time(Self.ns("2024-05-02T03:00:00Z"), from: Self.ns("2024-05-01T22:00:00Z"), to: Self.ns("2024-05-02T04:00:00Z")) == "05-02 03:00")
    }

    @Test func rangesAcrossYearsShowTheYear() {
        #expect(Format.timeRange(Self.ns("2023-12-31T23:00:00Z"), Self.ns("2024-01-01T01:00:00Z"), dash: "–") == "2023-12-31 23:00–2024-01-01 01:00")
    }

    @Test func cursorRangesCarryTheWindowsDate() {
        let window = (Self.ns("2024-05-01T04:27:00Z"), Self.ns("2024-05-02T17:00:00Z"))
        #expect(Format.preciseRange(Self.ns("2024-05-02T10:00:00Z"), Self.ns("2024-05-02T10:30:00Z"), dash: "–", window: window)
                == "05-02 10:00:00–05-02 10:30:00")
        #expect(Format.preciseRange(Self.ns("2024-05-02T10:00:00Z"), Self.ns("2024-05-02T10:30:00Z"), dash: "–") == "10:00:00–10:30:00")
        #expect(Format.eventTime(Self.ns("2024-05-02T10:00:00.5Z"), .day) == "05-02 10:00:00.500")
    }
}

/// A burst in a few cells does not wash out the colours of every other cell.
struct HeatScaleTests {
    @Test func aBurstDoesNotWashOutTheRest() throws {
        var events = Shop.events()
        for k in 0..<20_000 {
            events.append(Event(timestamp: Shop.start + 30 * Shop.minute + Int64(k), fields: [Field("duration_ms", .float(3000))]))
        }
        var builder = EventTableBuilder()
        builder.append(events)
        let model = ExplorerModel(table: builder.table)
        let state = Explorer.makeState(size: Shop.size80, glyphs: .unicode, dataset: "shop", model: model,
                                       query: QueryState(), requestedRange: .all, now: Shop.now)
        let map = try #require(state.heat.map)
        let top = HeatmapView.scaleTop(map)
        #expect(top < map.maxCount / 100, "the burst's cell (\(map.maxCount)) does not set the scale (\(top))")
        var counts: [Int64] = []
        for t in 0..<map.timeBuckets { for v in 0..<map.valueBuckets where map.count(time: t, value: v) > 0 { counts.append(map.count(time: t, value: v)) } }
        counts.sort()
        let median = counts[counts.count / 2]
        #expect(HeatmapView.level(median, max: top) >= 5, "a typical cell keeps a middle colour")
        #expect(HeatmapView.level(median, max: map.maxCount) <= 3, "against the burst's count it would fade")
        #expect(HeatmapView.level(map.maxCount, max: top) == 9)
        #expect(state.frame(model).textDump().contains("+ per cell"))
    }
}

/// The heatmap cursor is marked on both axes.
struct CursorMarkTests {
    @Test func cursorIsMarkedOnBothAxes() throws {
        var (state, model) = Shop.start()
        state.press([.char("g"), .char("k"), .char("k")], model)
        let grid = state.frame(model)
        let marks = (0..<grid.height).flatMap { y in (0..<grid.width).compactMap { x in grid[x, y].role == .cursor ? grid[x, y].text : nil } }
        #expect(marks.contains("↑") && marks.contains("→"), "\(marks)")
        let column = try #require((0..<grid.height).first { grid.rowText($0).contains("↑") })
        #expect(grid[Layout.plot(state.size).x + state.heat.cursor.t, column].text == "↑")
    }
}

/// The events row under the heatmap marks the columns with failed events.
struct ErrorMarksTests {
    @Test func failedEventsAreCountedPerColumnAndMarked() throws {
        let (state, model) = Shop.start()
        let map = try #require(state.heat.map)
        let expected = (0..<model.table.count).map { model.table.event(at: $0) }.filter { $0["http.status_code"] == .int(500) || $0["error"] == .bool(true) }.count
        #expect(state.heat.errors.count == map.timeBuckets)
        #expect(state.heat.errors.reduce(0, +) == Int64(expected))
        let grid = state.frame(model)
        #expect(grid.rowText(2).contains("\(expected) errors"))
        let sparkRow = try #require((0..<grid.height).first { grid.rowText($0).contains("events") && $0 > 3 })
        let marked = (0..<grid.width).filter { grid[$0, sparkRow].role == .error }
        #expect(marked.count == state.heat.errors.filter { $0 > 0 }.count)
    }
}

@Suite struct ColumnsFitTests {
    @Test func runsTooWideEndInAnEllipsisAndKeepTheirRoles() {
        let runs = [StyledText(" kiln ", role: .title), StyledText("apache_logs", role: .statusBar),
                    StyledText(" · 10,000 of 10,000 events", role: .statusBar), StyledText(" · memory", role: .error)]
        let cut = Columns.fit(runs, 24, ellipsis: "…")
        #expect(cut.map(\.text) == [" kiln ", "apache_logs", " · 10,…"])
        #expect(cut.map(\.role) == [.title, .statusBar, .statusBar])
        #expect(cut.reduce(0) { $0 + Columns.width($1.text) } == 24)
        // Runs that fit are left as they are.
        #expect(Columns.fit(runs, 200, ellipsis: "…") == runs)
        // A cut at a run's boundary drops the rest without an empty run.
        #expect(Columns.fit(runs, 17, ellipsis: "...").map(\.text) == [" kiln ", "apache_logs"])
    }
}
