import KilnCore
import KilnTerminal

extension HeatmapView {
    /// Writes each marker's label (`cart 3.6.0`) beside its line (right of it, or left near the right edge), in the highest empty cells
    /// where it fits without covering heat, the box or another label; failing that, in the top
    /// quarter's row where it covers the fewest cells (outliers are sparse there). A label that
    /// fits nowhere is left out (`M` lists every marker).
    static func drawMarkerLabels(_ markers: [Marker], map: Heatmap, plot: Rect, box: (time: Range<Int>, value: Range<Int>)?,
                                 glyphs: GlyphSet, _ grid: inout ScreenGrid) {
        let nt = map.timeBuckets, nv = map.valueBuckets
        let bottom = plot.y + nv - 1
        var taken = Set<Int>()
        for m in markers.sorted(by: { $0.start < $1.start }) {
            guard let t = bucket(m.start, map.timeEdges) else { continue }
            let text = Columns.fit(m.message.isEmpty ? m.type : m.message, 24, ellipsis: glyphs.ellipsis)
            let length = Columns.width(text) + 1
            // Right of the line, or left of it near the right edge.
            let right = t + 1 + length <= nt
            guard right || t - length >= 0 else { continue }
            let label = right ? " " + text : text + " "
            let cells = right ? (t + 1)..<(t + 1 + length) : (t - length)..<t
            func usable(_ v: Int) -> Bool {
                cells.allSatisfy { c in !taken.contains(v * nt + c) && !(box?.time.contains(c) == true && box?.value.contains(v) == true) }
            }
            func covered(_ v: Int) -> Int { cells.reduce(0) { $0 + (map.count(time: $1, value: v) == 0 ? 0 : 1) } }
            let top = stride(from: nv - 1, through: max(0, nv - 1 - nv / 4), by: -1).filter(usable)
            guard let v = stride(from: nv - 1, through: 0, by: -1).first(where: { usable($0) && covered($0) == 0 })
                    ?? top.min(by: { (covered($0), -$0) < (covered($1), -$1) }) else { continue }
            grid.put(label, x: plot.x + cells.lowerBound, y: bottom - v, role: m.type == "alert" ? .error : .marker)
            for c in min(t, cells.lowerBound)..<max(t + 1, cells.upperBound) { taken.insert(v * nt + c) }
        }
    }
}
