/// What counts as "bad" for a metric when localising its change.
enum Exceedance {
    /// An error.
    case errors
    /// A value above the pooled percentile; `better` when the change to explain is a drop.
    case above(Double, better: Bool)
}

/// Per group: weighted events, weighted bad events, their sums of squared weights, stored events.
struct GroupTally {
    var weightBefore = 0.0, hitsBefore = 0.0, squaresBefore = 0.0, eventsBefore = 0
    var weightAfter = 0.0, hitsAfter = 0.0, squaresAfter = 0.0, eventsAfter = 0
}

/// A group found to explain part of a change, before it is described.
struct WhereCandidate {
    var fields: [(field: Int, value: Int)]
    var metric: String
    var tally: GroupTally
    var pValue: Double
    var explained: Double
    /// Explained share over share of the new side's events: how concentrated the change is.
    var lift: Double
}

extension Compare {
    /// The groups (one value of a low-cardinality field, or a pair of them) that explain the
    /// change of `metric`, by *excess*: the bad events after (errors, or events above the
    /// pooled percentile) beyond what the group's own rate before predicts. A group's share of
    /// the whole excess is what it explains; counting events rather than percent changes keeps
    /// a small group with a huge change from outranking the group that carries the regression.
    /// - Complexity: O(events × (fields + pairs of the 8 most explaining fields))
    static func localise(_ samples: CompareSamples, metric: String, exceed: Exceedance, options: CompareOptions) -> [CompareGroup] {
        let b = samples.before, a = samples.after
        let better: Bool
        let hitsB: [Bool], hitsA: [Bool]
        switch exceed {
        case .errors:
            better = false
            hitsB = b.isError
            hitsA = a.isError
        case .above(let t, let flag):
            better = flag
            hitsB = b.metric.map { !$0.isNaN && $0 > t }
            hitsA = a.metric.map { !$0.isNaN && $0 > t }
        }
        var all = GroupTally()
        tally(&all, b, hitsB, after: false) { _ in true }
        tally(&all, a, hitsA, after: true) { _ in true }
        let rateBefore = all.weightBefore > 0 ? all.hitsBefore / all.weightBefore : 0
        var total = all.hitsAfter - all.weightAfter * rateBefore
        if better { total = -total }
        guard total > 0 else { return [] }

        func judge(_ fields: [(field: Int, value: Int)], _ t: GroupTally) -> WhereCandidate? {
            guard t.eventsAfter >= options.minimumGroupEvents else { return nil }
            // A group holding (nearly) every event says nothing about where.
            if t.weightAfter >= 0.95 * all.weightAfter && t.weightBefore >= 0.95 * all.weightBefore { return nil }
            let rate = t.weightBefore > 0 && t.eventsBefore >= options.minimumGroupEvents ? t.hitsBefore / t.weightBefore : rateBefore
            var excess = t.hitsAfter - t.weightAfter * rate
            if better { excess = -excess }
            let explained = excess / total
            guard explained >= options.minimumExplained else { return nil }
            let test: CompareStatistics.TestResult
            if t.weightBefore > 0 && t.eventsBefore >= options.minimumGroupEvents {
                test = CompareStatistics.twoProportion(t.hitsBefore, t.weightBefore, t.hitsAfter, t.weightAfter,
                                                       effective: t.weightBefore * t.weightBefore / t.squaresBefore,
                                                       t.weightAfter * t.weightAfter / t.squaresAfter)
            } else {
                test = CompareStatistics.twoProportion(all.hitsBefore, all.weightBefore, t.hitsAfter, t.weightAfter,
                                                       effective: all.weightBefore * all.weightBefore / max(all.squaresBefore, 1e-300),
                                                       t.weightAfter * t.weightAfter / t.squaresAfter)
            }
            guard test.p < options.alpha else { return nil }
            let share = t.weightAfter / all.weightAfter
            return WhereCandidate(fields: fields, metric: metric, tally: t, pValue: test.p, explained: explained,
                                  lift: share > 0 ? explained / share : 0)
        }

        var found: [WhereCandidate] = []
        var bestOfField: [Int: Double] = [:]
        for f in samples.groupFields.indices {
            let n = samples.groupValues[f].count
            var tallies = [GroupTally](repeating: GroupTally(), count: n + 1)
            tallyBy(&tallies, b, hitsB, after: false) { Int(b.groups[f][$0]) }
            tallyBy(&tallies, a, hitsA, after: true) { Int(a.groups[f][$0]) }
            for v in 1...max(1, n) where v <= n {
                if let c = judge([(f, v)], tallies[v]) {
                    found.append(c)
                    bestOfField[f] = max(bestOfField[f] ?? 0, c.explained)
                }
            }
        }
        let singles = Dictionary(found.map { (Self.key($0.fields), $0.tally.weightAfter) }, uniquingKeysWith: { x, _ in x })
        let pairFields = bestOfField.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.prefix(8).map(\.key).sorted()
        for (i, f) in pairFields.enumerated() {
            for g in pairFields[(i + 1)...] {
                let ng = samples.groupValues[g].count + 1
                var tallies = [GroupTally](repeating: GroupTally(), count: (samples.groupValues[f].count + 1) * ng)
                tallyBy(&tallies, b, hitsB, after: false) { Int(b.groups[f][$0]) * ng + Int(b.groups[g][$0]) }
                tallyBy(&tallies, a, hitsA, after: true) { Int(a.groups[f][$0]) * ng + Int(a.groups[g][$0]) }
                for k in tallies.indices where tallies[k].eventsAfter > 0 {
                    let vf = k / ng, vg = k % ng
                    guard vf > 0, vg > 0 else { continue }
                    // A pair that is (nearly) one of its values alone adds nothing to it.
                    let parentF = singles[Self.key([(f, vf)])] ?? .infinity, parentG = singles[Self.key([(g, vg)])] ?? .infinity
                    let w = tallies[k].weightAfter
                    if w >= 0.95 * parentF || w >= 0.95 * parentG { continue }
                    if let c = judge([(f, vf), (g, vg)], tallies[k]) { found.append(c) }
                }
            }
        }
        return found.map { c in
            var g = CompareGroup(fields: c.fields.map { (samples.groupFields[$0.field], samples.groupValues[$0.field][$0.value - 1]) },
                                 metric: c.metric, before: nil, after: nil, changePercent: nil, beforeCount: c.tally.weightBefore,
                                 afterCount: c.tally.weightAfter, pValue: c.pValue, explained: c.explained)
            g.concentration = c.lift
            return g
        }
    }

    /// Most explaining first, in steps of 5%; within a step the most concentrated change
    /// first (a pair that holds the whole change beats the wider value it belongs to).
    /// Groups of the same events (counts within 0.5% on both sides) are one row, named by a
    /// route-like field when one is among them, the others kept as aliases.
    static func rank(_ groups: [CompareGroup], limit: Int) -> [CompareGroup] {
        let sorted = groups.sorted { x, y in
            let bx = (x.explained * 20).rounded(.down), by = (y.explained * 20).rounded(.down)
            if bx != by { return bx > by }
            if x.concentration != y.concentration { return x.concentration > y.concentration }
            return nameKey(x.fields) < nameKey(y.fields)
        }
        var clusters: [[CompareGroup]] = []
        for g in sorted {
            if let i = clusters.firstIndex(where: { sameEvents($0[0], g) }) {
                if !clusters[i].contains(where: { nameKey($0.fields) == nameKey(g.fields) }) { clusters[i].append(g) }
            } else if clusters.count < limit {
                clusters.append([g])
            }
        }
        return clusters.map { cluster in
            let ordered = cluster.sorted { (namePreference($0.fields), nameKey($0.fields)) < (namePreference($1.fields), nameKey($1.fields)) }
            var primary = cluster[0]
            primary.fields = ordered[0].fields
            primary.aliases = ordered.dropFirst().map(\.fields)
            return primary
        }
    }

    static func sameEvents(_ a: CompareGroup, _ b: CompareGroup) -> Bool {
        func close(_ x: Double, _ y: Double) -> Bool { abs(x - y) <= 0.005 * max(x, y) }
        return a.fields.count == b.fields.count && close(a.beforeCount, b.beforeCount) && close(a.afterCount, b.afterCount)
    }

    /// Route-like fields name a group best, then span names, then anything else.
    static func namePreference(_ fields: [(String, Value)]) -> Int {
        fields.map { f -> Int in
            let last = f.0.lowercased().split(separator: ".").last.map(String.init) ?? ""
            if ["route", "path", "target", "endpoint"].contains(last) { return 0 }
            return last == "name" && f.0 != StoreNames.serviceField ? 1 : 2
        }.reduce(0, +)
    }

    static func nameKey(_ fields: [(String, Value)]) -> String {
        fields.map { $0.0 + "\u{0}" + $0.1.text }.joined(separator: "\u{1}")
    }

    /// Fills in a group's metric before and after (its own percentile or error rate).
    static func describe(_ group: CompareGroup, samples: CompareSamples) -> CompareGroup {
        var g = group
        let index = group.fields.map { f -> (Int, Int) in
            let fi = samples.groupFields.firstIndex(of: f.0) ?? 0
            return (fi, (samples.groupValues[fi].firstIndex(of: f.1) ?? -1) + 1)
        }
        func member(_ side: SideSamples) -> (Int) -> Bool {
            { i in index.allSatisfy { Int(side.groups[$0.0][i]) == $0.1 } }
        }
        if group.metric == "error_rate" {
            func rate(_ side: SideSamples) -> Double? {
                let keep = member(side)
                var e = 0.0, n = 0.0
                for i in side.weight.indices where keep(i) {
                    n += side.weight[i]
                    if side.isError[i] { e += side.weight[i] }
                }
                return n > 0 ? e / n : nil
            }
            g.before = rate(samples.before)
            g.after = rate(samples.after)
        } else {
            let q = quantiles.first { group.metric.hasPrefix($0.name + "(") }?.q ?? 0.5
            g.before = CompareStatistics.percentile(sortedValues(samples.before, member(samples.before)), q)
            g.after = CompareStatistics.percentile(sortedValues(samples.after, member(samples.after)), q)
        }
        g.changePercent = changePercent(g.before, g.after)
        return g
    }

    private static func key(_ fields: [(field: Int, value: Int)]) -> String {
        fields.map { "\($0.field):\($0.value)" }.joined(separator: ",")
    }

    private static func tally(_ t: inout GroupTally, _ side: SideSamples, _ hits: [Bool], after: Bool, _ keep: (Int) -> Bool) {
        for i in side.weight.indices where keep(i) {
            add(&t, side.weight[i], hits[i], after: after)
        }
    }

    private static func tallyBy(_ tallies: inout [GroupTally], _ side: SideSamples, _ hits: [Bool], after: Bool, _ group: (Int) -> Int) {
        for i in side.weight.indices {
            add(&tallies[group(i)], side.weight[i], hits[i], after: after)
        }
    }

    @inline(__always) private static func add(_ t: inout GroupTally, _ w: Double, _ hit: Bool, after: Bool) {
        if after {
            t.weightAfter += w
            t.squaresAfter += w * w
            t.eventsAfter += 1
            if hit { t.hitsAfter += w }
        } else {
            t.weightBefore += w
            t.squaresBefore += w * w
            t.eventsBefore += 1
            if hit { t.hitsBefore += w }
        }
    }
}
