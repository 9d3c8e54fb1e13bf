extension ServicesReport {
    /// The change of each figure of `s` against the previous window: `rate`, `p50`, `p95` and
    /// `p99` as a fraction of the previous value (0.25 is 25% more), `error_rate` as the
    /// difference of the two rates (0.02 is two points more); nil where the previous window
    /// gives nothing to compare with.
    public func change(_ s: ServiceSummary) -> (rate: Double?, errorRate: Double?, p50: Double?, p95: Double?, p99: Double?) {
        func relative(_ now: Double?, _ before: Double?) -> Double? {
            guard let now, let before, before != 0 else { return nil }
            return (now - before) / before
        }
        let errorRate: Double? = s.current.errorRate.flatMap { now in s.previous.errorRate.map { now - $0 } }
        return (relative(rate(s.current), s.previous.count > 0 ? rate(s.previous) : nil), errorRate,
                relative(s.current.p50, s.previous.p50), relative(s.current.p95, s.previous.p95), relative(s.current.p99, s.previous.p99))
    }

    /// `{"services":[{"name","rate","error_rate","p50","p95","p99","change":{"rate","error_rate","p50","p95","p99"}}]}`:
    /// rates per second, durations in ms, null where undefined; see ``change(_:)``.
    public func json() -> String {
        func number(_ d: Double?) -> String { d.map(Value.format) ?? "null" }
        var out = "{\"services\":["
        for (i, s) in services.enumerated() {
            if i > 0 { out += "," }
            out += "{\"name\":"
            JSONText.appendString(s.name, to: &out)
            out += ",\"rate\":" + number(rate(s.current)) + ",\"error_rate\":" + number(s.current.errorRate)
            out += ",\"p50\":" + number(s.current.p50) + ",\"p95\":" + number(s.current.p95) + ",\"p99\":" + number(s.current.p99)
            let c = change(s)
            out += ",\"change\":{\"rate\":" + number(c.rate) + ",\"error_rate\":" + number(c.errorRate)
            out += ",\"p50\":" + number(c.p50) + ",\"p95\":" + number(c.p95) + ",\"p99\":" + number(c.p99) + "}}"
        }
        return out + "]}"
    }

    /// The report as a text table no wider than `width`.
    public func table(width: Int, ascii: Bool = false) -> String {
        guard !services.isEmpty else { return "no spans with a service.name in scope\n" }
        let header = ["SERVICE", "RATE/S", "Δ", "ERRORS", "Δ", "P50 MS", "P95 MS", "P99 MS", "Δ P99"]
        let rows = services.map { s -> [String] in
            let c = change(s)
            return [s.name, Self.figure(rate(s.current)), Self.percent(c.rate), Self.errorText(s.current.errorRate), Self.points(c.errorRate),
                    Self.figure(s.current.p50), Self.figure(s.current.p95), Self.figure(s.current.p99), Self.percent(c.p99)]
        }
        return TextTable.render(header: header, rows: rows, numeric: Set(1..<header.count), width: width, ascii: ascii, keys: 1)
    }

    /// A rate or duration with at most 3 decimals; `-` when undefined.
    public static func figure(_ d: Double?) -> String {
        guard let d else { return "-" }
        return TextTable.cellText(.float(d >= 100 ? d.rounded() : d))
    }

    /// An error rate as a percentage, `1.25%`.
    public static func errorText(_ d: Double?) -> String {
        guard let d else { return "-" }
        return NumberText.decimal(d * 100, places: 2) + "%"
    }

    /// A relative change, `+12%`; blank when undefined.
    public static func percent(_ d: Double?) -> String {
        guard let d, d.isFinite else { return "" }
        let p = (d * 100).rounded()
        return (p > 0 ? "+" : "") + NumberText.decimal(p, places: 0) + "%"
    }

    /// A difference of error rates in percentage points, `+1.5pp`; blank when undefined.
    public static func points(_ d: Double?) -> String {
        guard let d, d.isFinite else { return "" }
        let p = d * 100
        return (p > 0 ? "+" : "") + NumberText.decimal(p, places: 1) + "pp"
    }
}
