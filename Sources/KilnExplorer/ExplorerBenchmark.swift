import KilnCore
import KilnTerminal

/// Timings of the explorer's hot paths on an in-memory table, for `kiln bench`.
public enum ExplorerBenchmark {
    /// Times, in milliseconds, at 120x40: the first frame (heatmap computed and drawn), a
    /// cursor move (update and redraw), BubbleUp of a box (update, including preparing the
    /// scope the first time, and redraw), BubbleUp of another box in the same scope, and
    /// opening the box's events.
    /// - Returns: `(name, milliseconds)` pairs in that order.
    public static func measure(table: EventTable, field: String = FieldName.duration) -> [(String, Double)] {
        let clock = ContinuousClock()
        var results: [(String, Double)] = []
        func ms(_ d: Duration) -> Double {
            let (s, a) = d.components
            return Double(s) * 1000 + Double(a) / 1e15
        }
        let size = TerminalSize(width: 120, height: 40)
        let model = ExplorerModel(table: table)
        let now = (table.timestamps.max() ?? 0) &+ 3_600_000_000_000
        var state = ExplorerState(size: size, glyphs: .unicode, dataset: "bench", query: QueryState(field: field), now: now)
        var grid = ScreenGrid(size: size)
        var t0 = clock.now
        state = Explorer.makeState(size: size, glyphs: .unicode, dataset: "bench", model: model, query: QueryState(field: field),
                                   requestedRange: .all, now: now)
        Explorer.render(state, model: model, into: &grid)
        results.append(("first frame", ms(t0.duration(to: clock.now))))

        t0 = clock.now
        _ = Explorer.update(&state, .keyPressed(.left), model: model)
        Explorer.render(state, model: model, into: &grid)
        results.append(("cursor move", ms(t0.duration(to: clock.now))))

        // A box over the upper half of the last third of the time axis.
        let nt = state.heat.map?.timeBuckets ?? 1, nv = state.heat.map?.valueBuckets ?? 1
        state.heat.anchor = GridPoint(t: nt * 2 / 3, v: nv - 1)
        state.heat.cursor = GridPoint(t: nt - 1, v: nv / 2)
        t0 = clock.now
        _ = Explorer.update(&state, .keyPressed(.enter), model: model)
        Explorer.render(state, model: model, into: &grid)
        results.append(("BubbleUp (prepare + run)", ms(t0.duration(to: clock.now))))

        _ = Explorer.update(&state, .keyPressed(.char("q")), model: model)
        state.heat.anchor = GridPoint(t: nt / 3, v: nv - 1)
        state.heat.cursor = GridPoint(t: nt / 2, v: nv * 3 / 4)
        t0 = clock.now
        _ = Explorer.update(&state, .keyPressed(.enter), model: model)
        Explorer.render(state, model: model, into: &grid)
        results.append(("BubbleUp (prepared scope)", ms(t0.duration(to: clock.now))))

        t0 = clock.now
        _ = Explorer.update(&state, .keyPressed(.tab), model: model)
        _ = Explorer.update(&state, .keyPressed(.enter), model: model)
        Explorer.render(state, model: model, into: &grid)
        results.append(("events of a value", ms(t0.duration(to: clock.now))))
        return results
    }
}
