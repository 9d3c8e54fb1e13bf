import KilnCore

/// How a window's events spread over time, for the explorer that reads a window page by page
/// (newest first, within its memory budget): two small statements, counts only.
extension ClickHouseBackend: WindowPaging {
    public func eventTimeline(dataset: String, window: TimeWindow, buckets: Int) throws -> EventTimeline {
        let inScope = FilterSQL.scope(Scope(from: window.from, to: window.to), dataset: dataset)
        let extent = try rows("SELECT count(), min(timestamp_ns), max(timestamp_ns) FROM \(events) WHERE \(inScope)").first ?? []
        guard extent.count == 3, let count = Int(extent[0]), count > 0, let lo = Int64(extent[1]), let hi = Int64(extent[2]), hi >= lo else {
            return .empty
        }
        let n = Int64(max(1, buckets))
        // Overflow-safe span / n, plus one so that the newest event falls in the last bucket.
        let step = (hi / n - lo / n) + 2
        let slots = Int((hi - lo) / step) + 1
        var counts = [Int](repeating: 0, count: slots)
        for r in try rows("SELECT intDiv(timestamp_ns - \(SQL.int(lo)), \(step)) AS _b, count() FROM \(events) WHERE \(inScope) GROUP BY _b") {
            guard r.count == 2, let b = Int(r[0]), let c = Int(r[1]), counts.indices.contains(b) else { continue }
            counts[b] = c
        }
        return EventTimeline(start: lo, step: step, counts: counts)
    }
}
