/// Where an SLO stands at one moment: its period's counts and budget, burn rates over the
/// workbook's windows, which alerts fire, and when the budget runs out.
///
/// ```swift
/// let windows = SLOStatus.windows(for: definition, at: now)
/// let counts = try backend.goodCounts(dataset: definition.dataset, eligible: definition.eligible,
///                                     good: definition.good, windows: windows)
/// let status = SLOStatus(definition: definition, at: now, counts: counts)
/// print(status.json())
/// ```
public struct SLOStatus: Sendable, Equatable {
    /// The SLO.
    public var definition: SLODefinition
    /// The end of every window (inclusive), nanoseconds since the epoch.
    public var at: Int64
    /// The counts of the period ending at ``at``.
    public var period: GoodCount
    /// The counts of each burn-rate window ending at ``at``.
    public var windowCounts: [SLOWindow: GoodCount]
    /// Each workbook alert with whether it fires.
    public var alerts: [SLOAlertState]

    /// One alert rule and its state.
    public struct SLOAlertState: Sendable, Equatable {
        /// The rule.
        public var rule: SLOAlertRule
        /// True when both of its windows burn above its threshold.
        public var firing: Bool
    }

    /// The windows to count for ``init(definition:at:counts:)``: the period, then each
    /// ``SLOWindow`` in declaration order.
    public static func windows(for definition: SLODefinition, at: Int64) -> [TimeWindow] {
        [definition.periodWindow(endingAt: at)] + SLOWindow.allCases.map { $0.window(endingAt: at) }
    }

    /// Evaluates the SLO from the counts of ``windows(for:at:)`` (in that order).
    public init(definition: SLODefinition, at: Int64, counts: [GoodCount], rules: [SLOAlertRule] = SLOAlertRule.workbook) {
        precondition(counts.count == 1 + SLOWindow.allCases.count, "counts must follow SLOStatus.windows(for:at:)")
        self.definition = definition
        self.at = at
        period = counts[0]
        var byWindow: [SLOWindow: GoodCount] = [:]
        for (w, c) in zip(SLOWindow.allCases, counts.dropFirst()) { byWindow[w] = c }
        windowCounts = byWindow
        alerts = rules.map { rule in SLOAlertState(rule: rule, firing: rule.fires(byWindow, target: definition.target)) }
    }

    /// The budget as a fraction of eligible events: 1 − target/100.
    public var budgetFraction: Double {
        Double(100 * definition.target.scale - definition.target.units) / Double(100 * definition.target.scale)
    }

    /// Good ÷ eligible over the period, in percent; nil without eligible events.
    public var sli: Double? {
        period.eligible > 0 ? Double(period.good) * 100 / Double(period.eligible) : nil
    }

    /// How many bad events the period may hold: eligible × (1 − target/100).
    public var allowedBad: Double { Double(period.eligible) * budgetFraction }

    /// The share of the budget used, in percent (above 100 when overspent).
    public var usedPercent: Double {
        period.eligible > 0 ? SLOStatus.burnRate(period, target: definition.target) * 100 : 0
    }

    /// 100 − ``usedPercent`` (negative when overspent).
    public var remainingPercent: Double { 100 - usedPercent }

    /// The burn rate over `window`: (bad ÷ eligible) ÷ (1 − target/100); 0 without events.
    public func burnRate(_ window: SLOWindow) -> Double {
        SLOStatus.burnRate(windowCounts[window] ?? GoodCount(eligible: 0, good: 0), target: definition.target)
    }

    /// The burn rate of `counts` against `target`; 0 without eligible events.
    public static func burnRate(_ counts: GoodCount, target: SLODecimal) -> Double {
        guard counts.eligible > 0 else { return 0 }
        return Double(counts.bad) * Double(100 * target.scale) / (Double(counts.eligible) * Double(100 * target.scale - target.units))
    }

    /// True when some alert fires.
    public var isFiring: Bool { alerts.contains { $0.firing } }

    /// When the budget runs out if the last hour's burn rate goes on: now when it is already
    /// spent, nil when nothing burns. At burn rate b the whole budget lasts period ÷ b, so the
    /// remaining share r lasts r × period ÷ b.
    public var exhaustion: Int64? {
        let rate = burnRate(.oneHour)
        guard rate > 0 else { return remainingPercent <= 0 && period.bad > 0 ? at : nil }
        guard remainingPercent > 0 else { return at }
        let seconds = remainingPercent / 100 * Double(definition.period) / 1e9 / rate
        guard seconds < 9e9 else { return nil }
        return at + Int64(seconds * 1e9)
    }
}

extension EventBackend {
    /// The status of `slo` at `at`: its counts over ``SLOStatus/windows(for:at:)``, asked of
    /// this backend.
    public func sloStatus(_ slo: SLODefinition, at: Int64) throws -> SLOStatus {
        let counts = try goodCounts(dataset: slo.dataset, eligible: slo.eligible, good: slo.good, windows: SLOStatus.windows(for: slo, at: at))
        return SLOStatus(definition: slo, at: at, counts: counts)
    }
}
