extension SLOStatus {
    /// The status as one JSON object (`kiln slo status --format json`):
    ///
    /// `{"name","dataset","description","where","good","target","period","window":{"from","to"},
    /// "eligible","good_events"…}`: see the keys below; counts are weighted integers, rates and
    /// percentages shortest round-trip doubles, times RFC 3339 UTC, and `sli` and `exhaustion`
    /// null when undefined.
    public func json() -> String {
        var out = "{"
        out += "\"name\":"; JSONText.appendString(definition.name, to: &out)
        out += ",\"dataset\":"; JSONText.appendString(definition.dataset, to: &out)
        out += ",\"description\":"; JSONText.appendString(definition.description, to: &out)
        out += ",\"where\":" + SLOStatus.stringArray(definition.eligible.map(\.description))
        out += ",\"good_filters\":" + SLOStatus.stringArray(definition.good.map(\.description))
        out += ",\"target\":" + definition.target.description
        out += ",\"period\":\"" + DurationText.format(definition.period) + "\""
        out += ",\"window\":{\"from\":\"" + Timestamp.format(at - definition.period) + "\",\"to\":\"" + Timestamp.format(at) + "\"}"
        out += ",\"eligible\":\(period.eligible),\"good\":\(period.good),\"bad\":\(period.bad)"
        out += ",\"sli\":" + (sli.map(Value.format) ?? "null")
        out += ",\"budget\":" + budgetJSON()
        out += ",\"burn_rates\":" + burnRatesJSON()
        out += ",\"alerts\":["
        for (i, alert) in alerts.enumerated() {
            if i > 0 { out += "," }
            out += "{\"severity\":\"\(alert.rule.severity.rawValue)\",\"long_window\":\"\(alert.rule.longWindow.rawValue)\""
            out += ",\"short_window\":\"\(alert.rule.shortWindow.rawValue)\",\"threshold\":\(alert.rule.threshold)"
            out += ",\"firing\":\(alert.firing)}"
        }
        out += "],\"firing\":\(isFiring)"
        out += ",\"exhaustion\":" + (exhaustion.map { "\"" + Timestamp.format($0) + "\"" } ?? "null")
        out += "}"
        return out
    }

    /// `{"allowed_bad","used_pct","remaining_pct"}`.
    public func budgetJSON() -> String {
        "{\"allowed_bad\":\(Value.format(allowedBad)),\"used_pct\":\(Value.format(usedPercent)),\"remaining_pct\":\(Value.format(remainingPercent))}"
    }

    /// `{"5m":r,"30m":r,"1h":r,"6h":r,"3d":r}`.
    public func burnRatesJSON() -> String {
        "{" + SLOWindow.allCases.map { "\"\($0.rawValue)\":" + Value.format(burnRate($0)) }.joined(separator: ",") + "}"
    }

    /// The body POSTed when `alert` starts firing (`state` "firing") or resolves ("resolved"):
    /// `{"slo","dataset","severity","state","burn_rates","budget","at"}`, plus the alert's
    /// windows and threshold.
    public func alertEventJSON(_ rule: SLOAlertRule, firing: Bool) -> String {
        var out = "{\"slo\":"
        JSONText.appendString(definition.name, to: &out)
        out += ",\"dataset\":"; JSONText.appendString(definition.dataset, to: &out)
        out += ",\"severity\":\"\(rule.severity.rawValue)\",\"state\":\"\(firing ? "firing" : "resolved")\""
        out += ",\"long_window\":\"\(rule.longWindow.rawValue)\",\"short_window\":\"\(rule.shortWindow.rawValue)\",\"threshold\":\(rule.threshold)"
        out += ",\"burn_rates\":" + burnRatesJSON()
        out += ",\"budget\":" + budgetJSON()
        out += ",\"at\":\"" + Timestamp.format(at) + "\"}"
        return out
    }

    static func stringArray(_ items: [String]) -> String {
        var out = "["
        for (i, s) in items.enumerated() {
            if i > 0 { out += "," }
            JSONText.appendString(s, to: &out)
        }
        return out + "]"
    }
}
