/// A heatmap from counts made elsewhere: a SQL backend asks for the axes (from the extent of
/// the times and values in scope), counts events per (time bucket, value bucket) with
/// `GROUP BY`, and assembles the same heatmap the embedded store computes.
extension Heatmap {
    /// The earliest and latest event time in scope, and the smallest, smallest positive and
    /// largest finite number of the field (nil when there is none).
    public struct Extent: Sendable, Equatable {
        public var times: (lo: Int64, hi: Int64)?
        public var values: (min: Double, minPositive: Double?, max: Double)?

        /// Makes an extent.
        public init(times: (lo: Int64, hi: Int64)?, values: (min: Double, minPositive: Double?, max: Double)?) {
            self.times = times
            self.values = values
        }

        public static func == (a: Extent, b: Extent) -> Bool {
            a.times?.lo == b.times?.lo && a.times?.hi == b.times?.hi && a.values?.min == b.values?.min
                && a.values?.minPositive == b.values?.minPositive && a.values?.max == b.values?.max
        }
    }

    /// The time and value edges of the heatmap of events spanning `extent` (times are equally
    /// wide buckets: bucket k is `[time[0] + k × width, time[0] + (k+1) × width)`).
    public static func axes(extent: Extent, options: HeatmapOptions) -> (time: [Int64], value: [Double]) {
        let time = TimeAxis.edges(from: options.from, to: options.to, buckets: options.timeBuckets, granularity: options.granularity) { extent.times }
        let value = ValueAxis.edges(range: options.valueRange, extent: extent.values, buckets: max(1, min(options.valueBuckets, 10_000)),
                                    scale: options.scale)
        return (time, value)
    }

    /// The heatmap of a field the dataset does not have: every event in scope is outside.
    public static func absentField(_ field: String, options: HeatmapOptions, timeEdges: [Int64], outside: [Int64]) -> Heatmap {
        let nt = max(0, timeEdges.count - 1)
        return Heatmap(field: field, scale: options.scale, timeEdges: timeEdges, valueEdges: options.scale == .log ? [1.0, 2.0] : [0.0, 1.0],
                       counts: [Int64](repeating: 0, count: nt), totals: [Int64](repeating: 0, count: nt), outside: outside)
    }

    /// The heatmap from weighted counts per cell: `value` nil counts the events of time bucket
    /// `time` without a number in the value axis (outside).
    public static func fromCells(field: String, options: HeatmapOptions, timeEdges: [Int64], valueEdges: [Double],
                                 cells: [(time: Int, value: Int?, weight: Int64)]) -> Heatmap {
        let nt = max(0, timeEdges.count - 1), nv = max(0, valueEdges.count - 1)
        var counts = [Int64](repeating: 0, count: nt * nv), outside = [Int64](repeating: 0, count: nt)
        for c in cells where c.time >= 0 && c.time < nt {
            if let v = c.value, v >= 0, v < nv { counts[c.time * nv + v] &+= c.weight } else { outside[c.time] &+= c.weight }
        }
        var totals = [Int64](repeating: 0, count: nt)
        for t in 0..<nt { for v in 0..<nv { totals[t] &+= counts[t * nv + v] } }
        return Heatmap(field: field, scale: options.scale, timeEdges: timeEdges, valueEdges: valueEdges, counts: counts, totals: totals, outside: outside)
    }
}
