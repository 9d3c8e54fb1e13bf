/// Compares two versions (or two time windows): percentiles and error rate, each tested and
/// held to a threshold on the size of its change, a verdict, and where the change is.
///
/// - P50 is tested with the Mann-Whitney U test (a shift of the whole distribution).
/// - P95 and P99 are tested on the tail: the share of events above the pooled percentile,
///   before against after, with the two-proportion test (Mood's median test generalised to
///   any quantile), so a slower tail counts even when most requests did not move.
/// - The error rate is tested with the two-proportion test.
/// A metric is worse or better only when its p-value is below ``CompareOptions/alpha`` and its
/// change passes the effect thresholds; fewer than ``CompareOptions/minimumEvents`` stored
/// events on a side give ``CompareVerdict/inconclusive``.
public enum Compare {
    /// The percentiles compared.
    public static let quantiles: [(name: String, q: Double)] = [("P50", 0.5), ("P95", 0.95), ("P99", 0.99)]

    /// Judges `samples` (see ``Compare``).
    /// - Complexity: O(n log n) in the events of both sides, plus O(n × groups) for `where`.
    public static func run(_ samples: CompareSamples, field: String, metric: String, before: Value?, after: Value?,
                           options: CompareOptions = CompareOptions()) -> CompareResult {
        let b = samples.before, a = samples.after
        let sortedBefore = sortedValues(b, nil), sortedAfter = sortedValues(a, nil)
        var metrics: [CompareMetric] = []
        var notes: [String] = []
        var thresholds: [String: Double] = [:]
        for (label, q) in quantiles {
            let name = "\(label)(\(metric))"
            let vb = CompareStatistics.percentile(sortedBefore, q), va = CompareStatistics.percentile(sortedAfter, q)
            let change = changePercent(vb, va)
            let tailNeeded = q == 0.5 ? 1 : Int((Double(options.minimumTailEvents) / (1 - q)).rounded(.up))
            guard let vb, let va, b.events >= max(options.minimumEvents, tailNeeded), a.events >= max(options.minimumEvents, tailNeeded) else {
                if b.events >= options.minimumEvents && a.events >= options.minimumEvents {
                    notes.append("\(name) not judged: it needs \(tailNeeded) events with \(metric) on each side")
                }
                metrics.append(CompareMetric(name: name, before: vb, after: va, changePercent: change, pValue: nil, significant: false,
                                             direction: .notJudged, test: q == 0.5 ? "mann_whitney_u" : "tail_proportion"))
                continue
            }
            let p: Double
            if q == 0.5 {
                p = CompareStatistics.mannWhitney(before: sortedBefore, after: sortedAfter).p
            } else {
                let pooled = CompareStatistics.percentile(merge(sortedBefore, sortedAfter), q) ?? vb
                thresholds[name] = pooled
                p = tailTest(sortedBefore, sortedAfter, above: pooled).p
            }
            thresholds[name] = thresholds[name] ?? (CompareStatistics.percentile(merge(sortedBefore, sortedAfter), q) ?? vb)
            let material = abs(va - vb) >= options.minimumAbsoluteChange && abs(va - vb) >= options.percentileChange * abs(vb)
            let significant = p < options.alpha && material
            metrics.append(CompareMetric(name: name, before: vb, after: va, changePercent: change, pValue: p, significant: significant,
                                         direction: significant ? (va > vb ? .worse : .better) : .unchanged,
                                         test: q == 0.5 ? "mann_whitney_u" : "tail_proportion"))
        }
        let (eb, nb) = errorCounts(b), (ea, na) = errorCounts(a)
        let rb = nb > 0 ? eb / nb : nil, ra = na > 0 ? ea / na : nil
        if b.events >= options.minimumEvents && a.events >= options.minimumEvents, let rb, let ra {
            let test = CompareStatistics.twoProportion(eb, nb, ea, na, effective: effective(b.weight), effective(a.weight))
            let material = abs(ra - rb) >= options.errorRateChange && abs(ra - rb) >= options.errorRateRelativeChange * rb
            let significant = test.p < options.alpha && material
            metrics.append(CompareMetric(name: "error_rate", before: rb, after: ra, changePercent: changePercent(rb, ra), pValue: test.p,
                                         significant: significant, direction: significant ? (ra > rb ? .worse : .better) : .unchanged,
                                         test: "two_proportion_z"))
        } else {
            metrics.append(CompareMetric(name: "error_rate", before: rb, after: ra, changePercent: changePercent(rb, ra), pValue: nil,
                                         significant: false, direction: .notJudged, test: "two_proportion_z"))
        }
        let verdict: CompareVerdict
        if b.events < options.minimumEvents || a.events < options.minimumEvents {
            verdict = .inconclusive
            notes.insert("too few events to judge: \(b.events) before and \(a.events) after, at least \(options.minimumEvents) each are needed", at: 0)
        } else if metrics.contains(where: { $0.direction == .worse }) {
            verdict = .regression
        } else if metrics.contains(where: { $0.direction == .better }) {
            verdict = .improvement
        } else {
            verdict = .noChange
        }
        var groups: [CompareGroup] = []
        if verdict == .regression || verdict == .improvement {
            let wanted: CompareDirection = verdict == .regression ? .worse : .better
            for m in metrics where m.direction == wanted {
                let exceed: Exceedance = m.name == "error_rate" ? .errors : .above(thresholds[m.name] ?? 0, better: wanted == .better)
                groups += localise(samples, metric: m.name, exceed: exceed, options: options)
            }
            groups = rank(groups, limit: options.whereLimit)
            groups = groups.map { describe($0, samples: samples) }
        }
        let weighted = b.weight.contains { $0 != 1 } || a.weight.contains { $0 != 1 }
        return CompareResult(field: field, metricField: metric,
                             before: CompareSideSummary(value: before, count: b.count, events: b.events),
                             after: CompareSideSummary(value: after, count: a.count, events: a.events),
                             verdict: verdict, metrics: metrics, groups: groups, notes: notes, weighted: weighted)
    }

    /// (after − before) / before × 100; nil when either is missing or before is 0.
    static func changePercent(_ before: Double?, _ after: Double?) -> Double? {
        guard let before, let after, before != 0 else { return nil }
        return (after - before) / abs(before) * 100
    }

    /// The metric values of a side (of the entries `keep` allows), sorted ascending.
    static func sortedValues(_ side: SideSamples, _ keep: ((Int) -> Bool)?) -> [WeightedValue] {
        var out: [WeightedValue] = []
        out.reserveCapacity(side.metric.count)
        for i in side.metric.indices where !side.metric[i].isNaN && (keep?(i) ?? true) {
            out.append(WeightedValue(side.metric[i], weight: side.weight[i]))
        }
        out.sort { $0.value < $1.value }
        return out
    }

    static func merge(_ a: [WeightedValue], _ b: [WeightedValue]) -> [WeightedValue] {
        var out: [WeightedValue] = []
        out.reserveCapacity(a.count + b.count)
        var i = 0, j = 0
        while i < a.count || j < b.count {
            if j >= b.count || (i < a.count && a[i].value <= b[j].value) { out.append(a[i]); i += 1 } else { out.append(b[j]); j += 1 }
        }
        return out
    }

    /// The two-proportion test of the share of events above `threshold`, before against after.
    static func tailTest(_ before: [WeightedValue], _ after: [WeightedValue], above threshold: Double) -> CompareStatistics.TestResult {
        func share(_ s: [WeightedValue]) -> (x: Double, n: Double) {
            s.reduce((0, 0)) { ($0.0 + ($1.value > threshold ? $1.weight : 0), $0.1 + $1.weight) }
        }
        let (xb, nb) = share(before), (xa, na) = share(after)
        return CompareStatistics.twoProportion(xb, nb, xa, na, effective: CompareStatistics.effectiveCount(before),
                                               CompareStatistics.effectiveCount(after))
    }

    static func errorCounts(_ side: SideSamples) -> (errors: Double, count: Double) {
        var e = 0.0, n = 0.0
        for i in side.weight.indices {
            n += side.weight[i]
            if side.isError[i] { e += side.weight[i] }
        }
        return (e, n)
    }

    static func effective(_ weights: [Double]) -> Double {
        var s = 0.0, s2 = 0.0
        for w in weights { s += w; s2 += w * w }
        return s2 > 0 ? s * s / s2 : 0
    }
}
