import KilnCore
import KilnTerminal

extension HeatmapView {
    /// Writes each marker's label (`cart 3.6.0`) beside its line, in the highest empty cells
    /// where it fits without covering heat, the box or another label; a label with no room
    /// is left out (`M` lists every marker).
    static func drawMarkerLabels(_ markers: [Marker], map: Heatmap, plot: Rect, box: (time: Range<Int>, value: Range<Int>)?,
                                 glyphs: GlyphSet, _ grid: inout ScreenGrid) {
        let nt = map.timeBuckets, nv = map.valueBuckets
        let bottom = plot.y + nv - 1
        var taken = Set<Int>()
        for m in markers.sorted(by: { $0.start < $1.start }) {
            guard let t = bucket(m.start, map.timeEdges) else { continue }
            let label = " " + Columns.fit(m.message.isEmpty ? m.type : m.message, 24, ellipsis: glyphs.ellipsis)
            let length = Columns.width(label)
            guard t + 1 + length <= nt else { continue }
            for v in stride(from: nv - 1, through: 0, by: -1) {
                let cells = (t + 1)..<(t + 1 + length)
                let free = cells.allSatisfy { c in
                    map.count(time: c, value: v) == 0 && !taken.contains(v * nt + c)
                        && !(box?.time.contains(c) == true && box?.value.contains(v) == true)
                }
                guard free else { continue }
                grid.put(label, x: plot.x + t + 1, y: bottom - v, role: .marker)
                for c in (t..<(t + 1 + length)) { taken.insert(v * nt + c) }
                break
            }
        }
    }
}
