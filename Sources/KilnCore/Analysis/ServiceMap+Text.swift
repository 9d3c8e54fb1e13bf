extension ServiceMap {
    /// `{"edges":[{"from","to","calls","error_rate","p50","p99"}]}`: calls are the weighted
    /// count of child spans (an exact integer), the error rate a fraction, durations in ms
    /// (null without durations).
    public func json() -> String {
        func number(_ d: Double?) -> String { d.map(Value.format) ?? "null" }
        var out = "{\"edges\":["
        for (i, e) in edges.enumerated() {
            if i > 0 { out += "," }
            out += "{\"from\":"
            JSONText.appendString(e.from, to: &out)
            out += ",\"to\":"
            JSONText.appendString(e.to, to: &out)
            out += ",\"calls\":\(Int64(e.calls)),\"error_rate\":" + number(e.errorRate)
            out += ",\"p50\":" + number(e.p50) + ",\"p99\":" + number(e.p99) + "}"
        }
        return out + "]}"
    }

    /// The edges as a text table no wider than `width`, then the entry services.
    public func table(width: Int, ascii: Bool = false) -> String {
        guard !edges.isEmpty else { return "no calls between services in scope\n" }
        let header = ["FROM", "TO", "CALLS", "ERRORS", "P50 MS", "P99 MS"]
        let rows = edges.map { e -> [String] in
            [e.from, e.to, String(Int64(e.calls)), ServicesReport.errorText(e.errorRate), ServicesReport.figure(e.p50), ServicesReport.figure(e.p99)]
        }
        var out = TextTable.render(header: header, rows: rows, numeric: Set(2..<header.count), width: width, ascii: ascii, keys: 2)
        if !entries.isEmpty { out += "entry services: " + entries.joined(separator: ", ") + "\n" }
        if orphans > 0 { out += "\(orphans) spans in scope have a parent outside the events read\n" }
        return out
    }
}
