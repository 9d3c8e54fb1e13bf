import KilnCore
import KilnTerminal

/// How `:map` lays out a ``ServiceMap`` in a given width: one screen row per edge, so the
/// cursor moves from edge to edge.
///
/// - Layered: services in columns by depth from the entry services (the longest chain of calls
///   leading to them; calls that close a loop are drawn back with `↺`). On each row, the
///   caller's name in its column, an arrow labelled with the calls, error rate and P99 running
///   right to the callee's column, and the callee's name.
/// - Call tree, when the columns do not fit: per entry service, its callees indented under it,
///   each line an edge with the same label; a service met again on the same path is not opened twice.
struct ServiceMapLayout: Equatable {
    enum Kind: Equatable { case layered, tree }

    struct Row: Equatable {
        /// The edge of the row (index into the map's edges); nil for a title row.
        var edge: Int?
        /// Text runs placed at columns.
        var runs: [(x: Int, text: StyledText)]

        static func == (a: Row, b: Row) -> Bool {
            a.edge == b.edge && a.runs.map(\.x) == b.runs.map(\.x) && a.runs.map(\.text) == b.runs.map(\.text)
        }
    }

    var kind: Kind
    var rows: [Row]

    /// The edge's label: calls, error rate, P99.
    static func label(_ e: ServiceEdge) -> String {
        var s = Format.compact(e.calls) + " " + Format.percent(e.errorRate * 100)
        if let p99 = e.p99 { s += " p99 " + Format.milliseconds(p99) }
        return s
    }

    /// Services' depths: entries (and services nobody calls) at 0, each callee one past its
    /// deepest caller, ignoring the calls that close a loop (returned as `back`).
    static func layers(_ map: ServiceMap) -> (depth: [String: Int], back: Set<Int>) {
        var out: [String: [Int]] = [:]
        var names: [String] = []
        var seen = Set<String>()
        func note(_ n: String) { if seen.insert(n).inserted { names.append(n) } }
        for n in map.entries { note(n) }
        for (i, e) in map.edges.enumerated() {
            out[e.from, default: []].append(i)
            note(e.from)
            note(e.to)
        }
        let called = Set(map.edges.map(\.to))
        // Depth-first from the entries, then from the rest: an edge to a service still on the
        // path closes a loop.
        var state: [String: Int] = [:]  // 1 on the path, 2 done
        var back = Set<Int>()
        var order: [String] = []
        let roots = map.entries + names.filter { !called.contains($0) } + names
        for root in roots where state[root] == nil {
            var stack: [(String, Int)] = [(root, 0)]
            state[root] = 1
            while let (node, next) = stack.last {
                let edges = out[node] ?? []
                if next < edges.count {
                    stack[stack.count - 1].1 += 1
                    let to = map.edges[edges[next]].to
                    switch state[to] {
                    case 1?: back.insert(edges[next])
                    case nil:
                        state[to] = 1
                        stack.append((to, 0))
                    default: break
                    }
                } else {
                    state[node] = 2
                    order.append(node)
                    stack.removeLast()
                }
            }
        }
        var depth: [String: Int] = [:]
        for n in names { depth[n] = 0 }
        for node in order.reversed() {
            for i in out[node] ?? [] where !back.contains(i) {
                let to = map.edges[i].to
                depth[to] = max(depth[to] ?? 0, (depth[node] ?? 0) + 1)
            }
        }
        return (depth, back)
    }

    /// The layout of `map` in `width` columns.
    static func make(_ map: ServiceMap, width: Int, glyphs: GlyphSet) -> ServiceMapLayout {
        guard !map.edges.isEmpty else { return ServiceMapLayout(kind: .layered, rows: []) }
        let (depth, back) = layers(map)
        let layerCount = (depth.values.max() ?? 0) + 1
        let nameWidth = min(18, max(8, depth.keys.map { Columns.width($0) }.max() ?? 8))
        let labelWidth = map.edges.map { Columns.width(label($0)) }.max() ?? 10
        let gap = labelWidth + 6
        if 1 + layerCount * nameWidth + (layerCount - 1) * gap <= width {
            return layered(map, depth: depth, back: back, nameWidth: nameWidth, gap: gap, glyphs: glyphs)
        }
        return tree(map, glyphs: glyphs)
    }

    static func layered(_ map: ServiceMap, depth: [String: Int], back: Set<Int>, nameWidth: Int, gap: Int, glyphs: GlyphSet) -> ServiceMapLayout {
        let ellipsis = glyphs.ellipsis
        let line = String(glyphs.box.horizontal), arrow = String(glyphs.arrowRight)
        func column(_ layer: Int) -> Int { 1 + layer * (nameWidth + gap) }
        // Callers in layer order, then by calls; each caller's edges by calls.
        let order = map.edges.indices.sorted { a, b in
            let ea = map.edges[a], eb = map.edges[b]
            let da = depth[ea.from] ?? 0, db = depth[eb.from] ?? 0
            if da != db { return da < db }
            if ea.from != eb.from { return ea.from < eb.from }
            return a < b
        }
        var rows: [Row] = []
        var lastCaller: String?
        for i in order {
            let e = map.edges[i]
            let from = depth[e.from] ?? 0, to = depth[e.to] ?? 0
            var runs: [(x: Int, text: StyledText)] = []
            let x0 = column(from)
            if e.from != lastCaller {
                runs.append((x0, StyledText(Columns.fit(e.from, nameWidth, ellipsis: ellipsis), role: TraceView.serviceRole(e.from))))
            } else {
                runs.append((x0, StyledText(String(glyphs.box.vertical), role: .dim)))
            }
            lastCaller = e.from
            let start = x0 + nameWidth + 1
            let errRole: Role = e.errorRate > 0.01 ? .error : .dim
            if back.contains(i) || to <= from {
                runs.append((start, StyledText("↺ " + label(e) + " ", role: errRole)))
                runs.append((start + Columns.width("↺ " + label(e) + " "), StyledText(Columns.fit(e.to, nameWidth, ellipsis: ellipsis), role: TraceView.serviceRole(e.to))))
            } else {
                let end = column(to) - 2
                let text = " " + label(e) + " "
                let total = max(Columns.width(text) + 2, end - start)
                let left = 1, right = max(1, total - Columns.width(text) - left)
                runs.append((start, StyledText(String(repeating: line, count: left), role: .border)))
                runs.append((start + left, StyledText(text, role: errRole)))
                runs.append((start + left + Columns.width(text), StyledText(String(repeating: line, count: right - 1) + arrow, role: .border)))
                runs.append((column(to), StyledText(Columns.fit(e.to, nameWidth, ellipsis: ellipsis), role: TraceView.serviceRole(e.to))))
            }
            rows.append(Row(edge: i, runs: runs))
        }
        return ServiceMapLayout(kind: .layered, rows: rows)
    }

    static func tree(_ map: ServiceMap, glyphs: GlyphSet) -> ServiceMapLayout {
        var out: [String: [Int]] = [:]
        for (i, e) in map.edges.enumerated() { out[e.from, default: []].append(i) }
        let called = Set(map.edges.map(\.to))
        var roots = map.entries.filter { out[$0] != nil }
        for e in map.edges where !called.contains(e.from) && !roots.contains(e.from) { roots.append(e.from) }
        var rows: [Row] = []
        var shown = Set<Int>()
        func walk(_ node: String, prefix: String, path: Set<String>) {
            let edges = out[node] ?? []
            for (k, i) in edges.enumerated() {
                let e = map.edges[i], last = k == edges.count - 1
                shown.insert(i)
                let branch = prefix + (last ? glyphs.treeLastBranch : glyphs.treeBranch)
                var runs: [(x: Int, text: StyledText)] = [(1, StyledText(branch, role: .dim))]
                var x = 1 + Columns.width(branch)
                let loops = path.contains(e.to)
                let name = (loops ? "↺ " : "") + e.to
                runs.append((x, StyledText(name, role: TraceView.serviceRole(e.to))))
                x += Columns.width(name) + 2
                runs.append((x, StyledText(label(e), role: e.errorRate > 0.01 ? .error : .dim)))
                rows.append(Row(edge: i, runs: runs))
                if !loops && rows.count < 10_000 {
                    walk(e.to, prefix: prefix + (last ? glyphs.treeSpace : glyphs.treeVertical), path: path.union([e.to]))
                }
            }
        }
        for root in roots {
            rows.append(Row(edge: nil, runs: [(1, StyledText(root, role: TraceView.serviceRole(root)))]))
            walk(root, prefix: "", path: [root])
        }
        // Calls not reached from any entry (inside loops only).
        let rest = map.edges.indices.filter { !shown.contains($0) }
        if !rest.isEmpty {
            rows.append(Row(edge: nil, runs: [(1, StyledText("other calls", role: .dim))]))
            for i in rest {
                let e = map.edges[i]
                let text = e.from + " " + String(glyphs.arrowRight) + " " + e.to
                rows.append(Row(edge: i, runs: [(3, StyledText(text, role: .normal)), (5 + Columns.width(text), StyledText(label(e), role: .dim))]))
            }
        }
        return ServiceMapLayout(kind: .tree, rows: rows)
    }
}
