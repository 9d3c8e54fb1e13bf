import KilnCore

/// SLO counts pushed down: one statement sums the sample rates of the eligible events, and of
/// the good ones among them, per window (`sumIf` with the window as condition), so the counts
/// are exact integers, as the embedded store's.
extension ClickHouseBackend {
    /// Windows per statement: two `sumIf` columns each.
    static let windowsPerStatement = 120

    public func goodCounts(dataset: String, eligible: [Filter], good: [Filter], windows: [TimeWindow]) throws -> [GoodCount] {
        guard !windows.isEmpty else { return [] }
        try requireDataset(dataset)
        // One scan of the time range covering every window.
        let from = windows.contains { $0.from == nil } ? nil : windows.compactMap(\.from).min()
        let to = windows.contains { $0.to == nil } ? nil : windows.compactMap(\.to).max()
        let inScope = FilterSQL.scope(Scope(from: from, to: to, filters: eligible), dataset: dataset)
        let isGood = good.isEmpty ? "1" : "(" + good.map(FilterSQL.condition).joined(separator: " AND ") + ")"
        var out: [GoodCount] = []
        var start = 0
        while start < windows.count {
            let part = windows[start..<min(windows.count, start + Self.windowsPerStatement)]
            var columns: [String] = []
            for w in part {
                var parts: [String] = []
                if let from = w.from { parts.append("timestamp_ns >= \(SQL.int(from))") }
                if let to = w.to { parts.append("timestamp_ns < \(SQL.int(to))") }
                let inWindow = parts.isEmpty ? "1" : parts.joined(separator: " AND ")
                columns.append("sumIf(sample_rate, \(inWindow))")
                columns.append("sumIf(sample_rate, \(inWindow) AND \(isGood))")
            }
            let r = try rows("SELECT \(columns.joined(separator: ", ")) FROM \(events) WHERE \(inScope)").first ?? []
            guard r.count == columns.count else {
                throw ClickHouseError(code: .protocolError, message: "ClickHouse at \(store.url.address): unexpected answer to the SLO counts")
            }
            for k in part.indices.map({ $0 - start }) {
                out.append(GoodCount(eligible: Int64(r[2 * k]) ?? 0, good: Int64(r[2 * k + 1]) ?? 0))
            }
            start += part.count
        }
        return out
    }

    public func bubbleUp(dataset: String, scope: Scope, failing good: [Filter], options: BubbleUpOptions) throws -> Answer<BubbleUpResult> {
        // The selection is the events failing some good filter; every event passes no filter.
        // `= 0` rather than NOT: 18.16 folds the baseline's NOT (NOT …) in one place of the
        // query but not in another, and then misses a column ("Not found column … in block").
        let passes = good.isEmpty ? "1" : "(" + good.map(FilterSQL.condition).joined(separator: " AND ") + ")"
        return try bubbleUp(dataset: dataset, scope: scope, selected: "(\(passes) = 0)",
                            selectedFields: Set(good.map(\.field).filter { $0 != FieldName.timestamp }), options: options)
    }
}
