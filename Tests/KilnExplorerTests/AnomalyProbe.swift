import Foundation
import KilnCore
@testable import KilnExplorer
import KilnStore
import KilnTerminal
import Testing

/// How well the anomaly key's box matches scenarios' ground truth on real stores, at several
/// terminal sizes and time ranges: `KILN_PROBE="a.db|a.truth.json;b.db|b.truth.json" swift test
/// --filter AnomalyProbe`, where each store holds dataset `shop` made by `kiln generate` and the
/// truth file is `kiln generate --truth` of the same run. Prints one line per case and expects
/// the boxes to hold the incidents (latency scenarios only: bad-deploy, heavy-tenant): on
/// average 95% of an incident's events, with 90% of a box's events the incident's.
@Suite struct AnomalyProbe {
    @Test(.enabled(if: ProcessInfo.processInfo.environment["KILN_PROBE"] != nil))
    func probe() throws {
        let spec = ProcessInfo.processInfo.environment["KILN_PROBE"] ?? ""
        var recalls: [Double] = [], precisions: [Double] = []
        for item in spec.split(separator: ";") {
            let parts = item.split(separator: "|").map(String.init)
            let reader = try StoreReader(path: parts[0])
            let model = ExplorerModel(loaded: try reader.load(dataset: "shop"))
            let truthJSON = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: parts[1]))) as? [String: Any] ?? [:]
            let selection = try ((truthJSON["selection"] as? [String]) ?? []).map { try Filter.parse($0) }
            let table = model.table
            let truth = RowSet.all(table.count).filtered(by: selection, in: table)
            let newest = table.timestamps.max() ?? 0
            let latency = truthJSON["scenario"] as? String != "dependency-errors"
            for size in [TerminalSize(width: 80, height: 24), TerminalSize(width: 100, height: 30), TerminalSize(width: 120, height: 40), TerminalSize(width: 200, height: 50)] {
                for (label, range, now) in [("all", TimeRange.all, newest + 1), ("2h", TimeRange.last(7_200_000_000_000), newest + 60_000_000_000)] {
                    var state = Explorer.makeState(size: size, glyphs: .unicode, dataset: "shop", model: model, query: QueryState(), requestedRange: range, now: now)
                    state.press([.char("a")], model)
                    guard let map = state.heat.map, state.heat.anchor != nil, let key = state.heat.key else {
                        if latency { Issue.record("no box on \(parts[0]) \(size) \(label)") }
                        print("probe \(parts[0]) \(size.width)x\(size.height) \(label): no box (\(state.message?.text ?? ""))")
                        continue
                    }
                    let box = state.heat.box
                    let filters = map.boxFilters(time: box.time, value: box.value)
                    let scope = model.scopeRows(filters: [], from: key.from, to: key.to, visibleRows: state.visibleRows)
                    let sel = scope.filtered(by: filters, in: table)
                    let hit = sel.rows.filter { truth.contains(Int($0)) }.count
                    if latency {
                        #expect(hit > 0, "\(parts[0]) \(size) \(label): the box misses the incident")
                        recalls.append(Double(hit) / Double(max(1, truth.count)))
                        precisions.append(Double(hit) / Double(max(1, sel.count)))
                    }
                    print("probe \(parts[0].split(separator: "/").last ?? "") \(size.width)x\(size.height) \(label): box \(sel.count) events, \(hit) of \(truth.count) truth, precision \(String(format: "%.2f", Double(hit) / Double(max(1, sel.count)))) · \(filters.map(\.description).joined(separator: ", "))")
                }
            }
        }
        guard !recalls.isEmpty else { return }
        let recall = recalls.reduce(0, +) / Double(recalls.count), precision = precisions.reduce(0, +) / Double(precisions.count)
        print("probe \(recalls.count) cases: mean recall \(String(format: "%.3f", recall)), mean precision \(String(format: "%.3f", precision))")
        #expect(recall >= 0.95 && precision >= 0.9)
    }
}
