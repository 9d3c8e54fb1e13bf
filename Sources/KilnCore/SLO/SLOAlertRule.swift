/// One multi-window burn-rate alert of the SRE workbook: it fires when the burn rate over both
/// its long and its short window is above its threshold.
public struct SLOAlertRule: Sendable, Hashable {
    /// How urgent the alert is.
    public enum Severity: String, Sendable, Hashable {
        case page, ticket
    }

    /// Page or ticket.
    public var severity: Severity
    /// The long window (how much budget was burnt).
    public var longWindow: SLOWindow
    /// The short window (is it still burning).
    public var shortWindow: SLOWindow
    /// The burn rate both windows must exceed.
    public var threshold: SLODecimal

    /// Makes a rule.
    public init(severity: Severity, longWindow: SLOWindow, shortWindow: SLOWindow, threshold: SLODecimal) {
        self.severity = severity
        self.longWindow = longWindow
        self.shortWindow = shortWindow
        self.threshold = threshold
    }

    /// The workbook's defaults: page at 14.4 over 1h and 5m, page at 6 over 6h and 30m, ticket
    /// at 1 over 3d and 6h.
    public static let workbook: [SLOAlertRule] = [
        SLOAlertRule(severity: .page, longWindow: .oneHour, shortWindow: .fiveMinutes, threshold: SLODecimal(units: 144, scale: 10)),
        SLOAlertRule(severity: .page, longWindow: .sixHours, shortWindow: .thirtyMinutes, threshold: SLODecimal(units: 6, scale: 1)),
        SLOAlertRule(severity: .ticket, longWindow: .threeDays, shortWindow: .sixHours, threshold: SLODecimal(units: 1, scale: 1)),
    ]

    /// True when the burn rates of both its windows in `counts` are above its threshold
    /// (a window missing from `counts` burns nothing).
    public func fires(_ counts: [SLOWindow: GoodCount], target: SLODecimal) -> Bool {
        let none = GoodCount(eligible: 0, good: 0)
        return threshold.isExceeded(by: counts[longWindow] ?? none, target: target)
            && threshold.isExceeded(by: counts[shortWindow] ?? none, target: target)
    }

    /// A stable key for this rule (`page 1h/5m`), to follow its state over evaluations.
    public var key: String { "\(severity.rawValue) \(longWindow.rawValue)/\(shortWindow.rawValue)" }
}

extension SLODecimal {
    /// True when the burn rate of `counts` against `target`, that is
    /// (bad ÷ eligible) ÷ (1 − target/100), is strictly above this threshold; decided exactly on
    /// the integer counts. A window without eligible events burns nothing.
    public func isExceeded(by counts: GoodCount, target: SLODecimal) -> Bool {
        guard counts.eligible > 0 else { return false }
        // bad·100·ts / (eligible·(100·ts − tu)) > u/s  ⇔  bad·100·ts·s > u·eligible·(100·ts − tu)
        let lhs = Int128(counts.bad) * Int128(100 * target.scale) * Int128(scale)
        let rhs = Int128(units) * Int128(counts.eligible) * Int128(100 * target.scale - target.units)
        return lhs > rhs
    }
}
