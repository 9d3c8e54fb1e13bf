extension SLOStatus {
    /// The status for people (`kiln slo status`): the SLI against the target, the budget, each
    /// window's burn rate and each alert. Text from the definition is not sanitised here.
    public func text() -> String {
        var lines: [String] = []
        lines.append("SLO \(definition.name)  dataset \(definition.dataset)  target \(definition.target)%  period \(DurationText.format(definition.period))")
        if !definition.description.isEmpty { lines.append(definition.description) }
        lines.append("window     \(Timestamp.format(at - definition.period)) .. \(Timestamp.format(at))")
        lines.append("events     \(NumberText.grouped(period.eligible)) eligible, \(NumberText.grouped(period.good)) good, \(NumberText.grouped(period.bad)) bad")
        lines.append("SLI        " + (sli.map { NumberText.fixed($0, places: 4) + "%" } ?? "no eligible events"))
        lines.append("budget     \(NumberText.fixed(remainingPercent, places: 2))% left (\(NumberText.fixed(usedPercent, places: 2))% of \(NumberText.fixed(allowedBad, places: 1)) allowed bad events used)")
        lines.append("burn rate  " + SLOWindow.allCases.map { "\($0.rawValue) \(NumberText.fixed(burnRate($0), places: 2))" }.joined(separator: "  "))
        for alert in alerts {
            let state = alert.firing ? "FIRING" : "ok"
            lines.append("alert      \(alert.rule.severity.rawValue) \(alert.rule.longWindow.rawValue)+\(alert.rule.shortWindow.rawValue) > \(alert.rule.threshold): \(state)")
        }
        lines.append("exhaustion " + (exhaustion.map { Timestamp.format($0) } ?? "not at the current rate"))
        return lines.joined(separator: "\n") + "\n"
    }
}
