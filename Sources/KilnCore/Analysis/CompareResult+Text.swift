extension CompareResult {
    /// The result as one JSON object (keys are only ever added):
    ///
    /// ```
    /// {"field":"service.version","before":{"value":"8.4.0","count":52000,"events":52000},
    ///  "after":{"value":"8.5.0","count":8000,"events":8000},"verdict":"regression",
    ///  "metrics":[{"name":"P50(duration_ms)","before":41.2,"after":43.0,"change_pct":4.37,
    ///              "p_value":0.0021,"significant":false,"direction":"unchanged","test":"mann_whitney_u"}, ...,
    ///             {"name":"error_rate",...}],
    ///  "where":[{"fields":{"http.route":"/api/cart"},"metric":"P95(duration_ms)","before":120.5,
    ///            "after":910.0,"change_pct":655.19,"before_count":9000,"after_count":1400,
    ///            "p_value":1e-300,"explained_pct":96.4}],
    ///  "metric_field":"duration_ms","weighted":false,"notes":[]}
    /// ```
    ///
    /// Counts are weighted by sample rate (`events` is the stored count). Values missing for
    /// lack of data are `null`; error rates are fractions.
    public func json() -> String {
        var out = "{\"field\":"
        JSONText.appendString(field, to: &out)
        out += ",\"before\":" + Self.sideJSON(before) + ",\"after\":" + Self.sideJSON(after)
        out += ",\"verdict\":\"" + verdict.rawValue + "\",\"metrics\":["
        for (i, m) in metrics.enumerated() {
            if i > 0 { out += "," }
            out += "{\"name\":"
            JSONText.appendString(m.name, to: &out)
            out += ",\"before\":" + Self.number(m.before) + ",\"after\":" + Self.number(m.after)
            out += ",\"change_pct\":" + (m.changePercent.map { NumberText.fixed($0, places: 2) } ?? "null")
            out += ",\"p_value\":" + (m.pValue.map { NumberText.significant($0, digits: 3) } ?? "null")
            out += ",\"significant\":" + (m.significant ? "true" : "false")
            out += ",\"direction\":\"" + m.direction.rawValue + "\",\"test\":\"" + m.test + "\"}"
        }
        out += "],\"where\":["
        for (i, g) in groups.enumerated() {
            if i > 0 { out += "," }
            out += "{\"fields\":" + Self.fieldsJSON(g.fields) + ",\"metric\":"
            JSONText.appendString(g.metric, to: &out)
            out += ",\"before\":" + Self.number(g.before) + ",\"after\":" + Self.number(g.after)
            out += ",\"change_pct\":" + (g.changePercent.map { NumberText.fixed($0, places: 2) } ?? "null")
            out += ",\"before_count\":" + NumberText.compact(g.beforeCount) + ",\"after_count\":" + NumberText.compact(g.afterCount)
            out += ",\"p_value\":" + NumberText.significant(g.pValue, digits: 3)
            out += ",\"explained_pct\":" + NumberText.fixed(g.explained * 100, places: 1)
            if !g.aliases.isEmpty {
                out += ",\"same_as\":["
                for (k, alias) in g.aliases.enumerated() {
                    if k > 0 { out += "," }
                    out += Self.fieldsJSON(alias)
                }
                out += "]"
            }
            out += "}"
        }
        out += "],\"metric_field\":"
        JSONText.appendString(metricField, to: &out)
        out += ",\"weighted\":" + (weighted ? "true" : "false") + ",\"notes\":["
        for (i, n) in notes.enumerated() {
            if i > 0 { out += "," }
            JSONText.appendString(n, to: &out)
        }
        return out + "]}"
    }

    /// The result for a terminal: the two sides, the verdict, the metrics and the `where` list.
    public func table(width: Int = 80, ascii: Bool = false) -> String {
        let arrow = ascii ? "->" : "→"
        var out = "\(field): \(Self.label(before.value)) (\(Self.count(before.count)) events) \(arrow) "
            + "\(Self.label(after.value)) (\(Self.count(after.count)) events)\n"
        out += "verdict: \(verdict.rawValue.uppercased())\(weighted ? " (counts weighted by sample rate)" : "")\n\n"
        var rows: [[String]] = []
        for m in metrics {
            let isRate = m.name == "error_rate"
            rows.append([m.name, Self.metricText(m.before, rate: isRate), Self.metricText(m.after, rate: isRate),
                         m.changePercent.map { Self.signed($0) + "%" } ?? "-", m.pValue.map { NumberText.significant($0, digits: 2) } ?? "-",
                         m.direction == .notJudged ? "not judged" : (m.significant ? "yes, " + m.direction.rawValue : "no")])
        }
        out += TextTable.render(header: ["METRIC", "BEFORE", "AFTER", "CHANGE", "P-VALUE", "SIGNIFICANT"], rows: rows,
                                numeric: [1, 2, 3, 4], width: width, ascii: ascii, keys: 1)
        if !groups.isEmpty {
            out += "\nwhere (most of the change first):\n"
            for (i, g) in groups.enumerated() {
                let isRate = g.metric == "error_rate"
                out += "\(i + 1). " + Self.fieldsText(g.fields) + "\n"
                out += "   \(g.metric) \(Self.metricText(g.before, rate: isRate)) \(arrow) \(Self.metricText(g.after, rate: isRate))"
                out += g.changePercent.map { " (\(Self.signed($0))%)" } ?? ""
                out += ", explains \(NumberText.decimal(g.explained * 100, places: 0))%"
                out += ", events \(Self.count(g.beforeCount)) \(arrow) \(Self.count(g.afterCount))\n"
                if !g.aliases.isEmpty {
                    out += "   same events as " + g.aliases.prefix(3).map(Self.fieldsText).joined(separator: "; ")
                        + (g.aliases.count > 3 ? " and \(g.aliases.count - 3) more" : "") + "\n"
                }
            }
        }
        for n in notes { out += "\nnote: " + n }
        if !notes.isEmpty { out += "\n" }
        return out
    }

    static func fieldsText(_ fields: [(String, Value)]) -> String {
        fields.map { "\($0.0) = \(TextTable.cellText($0.1))" }.joined(separator: ", ")
    }

    static func fieldsJSON(_ fields: [(String, Value)]) -> String {
        var out = "{"
        for (j, (name, value)) in fields.enumerated() {
            if j > 0 { out += "," }
            JSONText.appendString(name, to: &out)
            out += ":"
            JSONText.appendValue(value, to: &out)
        }
        return out + "}"
    }

    static func sideJSON(_ s: CompareSideSummary) -> String {
        var out = "{\"value\":"
        if let v = s.value { JSONText.appendValue(v, to: &out) } else { out += "null" }
        return out + ",\"count\":" + NumberText.compact(s.count) + ",\"events\":" + String(s.events) + "}"
    }

    static func number(_ d: Double?) -> String {
        guard let d else { return "null" }
        return NumberText.significant(d, digits: 6)
    }

    /// A side's value for a title line.
    public static func label(_ v: Value?) -> String { v.map { TextTable.cellText($0) } ?? "all events" }

    /// A weighted count with separators.
    public static func count(_ d: Double) -> String {
        d.isFinite && abs(d) < 9e18 ? NumberText.grouped(Int64(d.rounded())) : NumberText.compact(d)
    }

    /// A metric value: a percentage with 2 decimals for rates, else up to 3 decimals.
    public static func metricText(_ d: Double?, rate: Bool) -> String {
        guard let d else { return "-" }
        return rate ? NumberText.decimal(d * 100, places: 2) + "%" : TextTable.cellText(.float(d))
    }

    /// A p-value with 2 significant digits (`0.0031`, `1e-300`).
    public static func pValueText(_ p: Double) -> String { NumberText.significant(p, digits: 2) }

    /// A change with its sign and one decimal.
    public static func signed(_ d: Double) -> String {
        (d > 0 ? "+" : "") + NumberText.decimal(d, places: 1)
    }
}
