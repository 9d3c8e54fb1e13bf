/// The moment an SLO alert starts firing, found by evaluating the alert rules at a series of
/// moments (the heatmap's column edges in the explorer).
///
/// ```swift
/// let windows = SLOAlertOnset.windows(at: times)
/// let counts = try backend.goodCounts(dataset: slo.dataset, eligible: slo.eligible, good: slo.good, windows: windows)
/// let onsets = SLOAlertOnset.find(slo, times: times, counts: counts)
/// ```
public struct SLOAlertOnset: Sendable, Hashable {
    /// The first evaluated moment at which the rule fires after a moment at which it did not.
    public var at: Int64
    /// The rule that starts firing.
    public var rule: SLOAlertRule

    /// Makes an onset.
    public init(at: Int64, rule: SLOAlertRule) {
        self.at = at
        self.rule = rule
    }

    /// The label of the alert: `page 1h/5m`.
    public var label: String { rule.key }

    /// The windows to count for ``find(_:times:counts:rules:)``: for each moment in `times`, each
    /// ``SLOWindow`` ending at it, in declaration order.
    public static func windows(at times: [Int64]) -> [TimeWindow] {
        times.flatMap { t in SLOWindow.allCases.map { $0.window(endingAt: t) } }
    }

    /// The onsets among `times` (ascending): moments at which a rule fires and did not at the
    /// moment before. A rule already firing at the first moment has no onset there (it started
    /// earlier); pass a moment before the range first to learn whether it did.
    /// `counts` follow ``windows(at:)``.
    /// - Complexity: O(times × rules)
    public static func find(_ slo: SLODefinition, times: [Int64], counts: [GoodCount],
                            rules: [SLOAlertRule] = SLOAlertRule.workbook) -> [SLOAlertOnset] {
        let perTime = SLOWindow.allCases.count
        precondition(counts.count == times.count * perTime, "counts must follow SLOAlertOnset.windows(at:)")
        var onsets: [SLOAlertOnset] = []
        var wasFiring = Set<SLOAlertRule>()
        for (i, t) in times.enumerated() {
            var byWindow: [SLOWindow: GoodCount] = [:]
            for (j, w) in SLOWindow.allCases.enumerated() { byWindow[w] = counts[i * perTime + j] }
            for rule in rules {
                let firing = rule.fires(byWindow, target: slo.target)
                if firing && !wasFiring.contains(rule) && i > 0 { onsets.append(SLOAlertOnset(at: t, rule: rule)) }
                if firing { wasFiring.insert(rule) } else { wasFiring.remove(rule) }
            }
        }
        return onsets
    }
}
