extension BubbleUpResult {
    /// The result as one JSON object:
    ///
    /// ```
    /// {"selection":{"count":905},"baseline":{"count":59095},
    ///  "dimensions":[{"field":"db.replica","kind":"categorical","score":0.89,"p_value":1e-300,
    ///                 "noise":false,"distinct":7,
    ///                 "values":[{"value":"pg-r6","selection":905,"baseline":6612,
    ///                            "selection_pct":100.0,"baseline_pct":11.19},
    ///                           {"value":"other (6 values)","other":6,...}]},
    ///                {"field":"duration_ms","kind":"numeric",...,"scale":"log",
    ///                 "values":[{"value":"800..1600","lo":800,"hi":1600,...}, {"value":null,...}]}],
    ///  "id_like":["request.id"],
    ///  "combinations":[{"fields":{"client.platform":"android","flags.new_pricing":true},
    ///                   "selection":700,"baseline":1200,"selection_pct":99.4,"baseline_pct":2.0,
    ///                   "risk_ratio":49.7,"score":0.974}]}
    /// ```
    ///
    /// Values keep their JSON type; absent is `null`. The "other" bucket carries `"other": N`
    /// (how many values it holds) beside its label; numeric bins carry `lo` and `hi`. Counts are
    /// weighted by sample rate; when some rate is above 1 the top level has `"weighted": true`
    /// and each group also gives its stored row count as `"events"`. Fields the selection
    /// filters on have `"selected_on": true`. Percentages have 2 decimals, scores 4,
    /// p-values 3 significant digits.
    public func json() -> String {
        var out = "{\"selection\":{\"count\":" + String(selectionCount)
        if weighted { out += ",\"events\":" + String(selectionRows) }
        out += "},\"baseline\":{\"count\":" + String(baselineCount)
        if weighted { out += ",\"events\":" + String(baselineRows) }
        out += "}"
        if weighted { out += ",\"weighted\":true" }
        out += ",\"dimensions\":["
        for (i, d) in dimensions.enumerated() {
            if i > 0 { out += "," }
            out += "{\"field\":"
            JSONText.appendString(d.field, to: &out)
            out += ",\"kind\":\"" + d.kind.rawValue + "\",\"score\":" + NumberText.fixed(d.score, places: 4)
            out += ",\"p_value\":" + NumberText.significant(d.pValue, digits: 3)
            out += ",\"noise\":" + (d.isNoise ? "true" : "false")
            out += ",\"distinct\":" + String(d.distinct)
            if d.selectedOn { out += ",\"selected_on\":true" }
            if let bins = d.bins { out += ",\"scale\":\"" + bins.scale.rawValue + "\"" }
            out += ",\"values\":["
            for (j, v) in d.values.enumerated() {
                if j > 0 { out += "," }
                out += "{\"value\":"
                switch v.bucket {
                case .value(let value):
                    if let value { JSONText.appendValue(value, to: &out) } else { out += "null" }
                case .other(let n):
                    JSONText.appendString(v.label, to: &out)
                    out += ",\"other\":" + String(n)
                case .range(let lo, let hi):
                    JSONText.appendString(v.label, to: &out)
                    out += ",\"lo\":" + NumberText.compact(lo) + ",\"hi\":" + NumberText.compact(hi)
                }
                Self.appendCounts(v.selection, v.baseline, v.selectionPercent, v.baselinePercent, to: &out)
                out += "}"
            }
            out += "]}"
        }
        out += "],\"id_like\":["
        for (i, f) in idLike.enumerated() {
            if i > 0 { out += "," }
            JSONText.appendString(f, to: &out)
        }
        out += "],\"combinations\":["
        for (i, c) in combinations.enumerated() {
            if i > 0 { out += "," }
            out += "{\"fields\":{"
            for (j, f) in c.fields.enumerated() {
                if j > 0 { out += "," }
                JSONText.appendString(f.name, to: &out)
                out += ":"
                if let v = f.value { JSONText.appendValue(v, to: &out) } else { out += "null" }
            }
            out += "}"
            Self.appendCounts(c.selection, c.baseline, c.selectionPercent, c.baselinePercent, to: &out)
            out += ",\"risk_ratio\":" + NumberText.fixed(c.riskRatio, places: 2)
            out += ",\"score\":" + NumberText.fixed(c.score, places: 4) + "}"
        }
        out += "]}"
        return out
    }

    private static func appendCounts(_ s: Int64, _ b: Int64, _ sp: Double, _ bp: Double, to out: inout String) {
        out += ",\"selection\":" + String(s) + ",\"baseline\":" + String(b)
        out += ",\"selection_pct\":" + NumberText.fixed(sp, places: 2) + ",\"baseline_pct\":" + NumberText.fixed(bp, places: 2)
    }

    /// A plain-text report for `kiln bubbleup`, no line longer than `width` (at least 40):
    /// per field its score, p-value and values with selection % and baseline % side by side
    /// with small bars; then ID-like fields and combinations. `ascii` draws bars with `#`.
    public func table(width: Int = 80, ascii: Bool = false) -> String {
        let w = max(40, width)
        var lines: [String] = []
        var head = "selection " + NumberText.grouped(selectionCount) + " events, baseline " + NumberText.grouped(baselineCount) + " events"
        if weighted { head += " (weighted by sample rate)" }
        lines.append(TextLayout.cut(head, w, ascii: ascii))
        // One side empty: there is nothing to compare, and a page of 0% bars would say nothing.
        if selectionCount == 0 || baselineCount == 0 {
            let why = selectionCount == 0 ? "no event in scope matches the selection" : "every event in scope is selected: no baseline"
            lines.append(TextLayout.cut(why + "; nothing to compare", w, ascii: ascii))
            return lines.joined(separator: "\n") + "\n"
        }
        let bar = min(12, max(4, (w - 40) / 3))
        let pct = 6
        let label = w - 2 - (1 + pct + 1 + bar) - (2 + pct + 1 + bar)
        func valueLine(_ name: String, _ sp: Double, _ bp: Double) -> String {
            var line = "  " + TextLayout.fit(name, label, ascii: ascii)
                + " " + TextLayout.fit(NumberText.decimal(sp, places: 1) + "%", pct, right: true) + " " + TextLayout.bar(sp / 100, width: bar, ascii: ascii)
                + "  " + TextLayout.fit(NumberText.decimal(bp, places: 1) + "%", pct, right: true) + " " + TextLayout.bar(bp / 100, width: bar, ascii: ascii)
            while line.last == " " { line.removeLast() }
            return line
        }
        if !dimensions.isEmpty {
            lines.append("")
            lines.append("  " + TextLayout.fit("field / value", label) + " " + TextLayout.fit("selection", pct + 1 + bar) + "  " + "baseline")
        }
        for d in dimensions {
            var facts = d.kind.rawValue
            if let bins = d.bins { facts += " (" + bins.scale.rawValue + ")" }
            facts += "  score " + NumberText.decimal(d.score, places: 3) + "  p " + Self.pText(d.pValue)
            if d.isNoise { facts += "  noise" }
            if d.selectedOn { facts += "  selected on" }
            let nameWidth = max(8, w - facts.count - 2)
            lines.append(TextLayout.cut(TextLayout.cut(d.field, nameWidth, ascii: ascii) + "  " + facts, w, ascii: ascii))
            for v in d.values { lines.append(valueLine(v.label, v.selectionPercent, v.baselinePercent)) }
        }
        if !idLike.isEmpty {
            lines.append("")
            lines.append(TextLayout.cut("ID-like fields (nearly every value distinct, set apart):", w, ascii: ascii))
            lines += TextLayout.wrap(idLike, width: w, indent: "  ")
        }
        if !combinations.isEmpty {
            lines.append("")
            let numbers = "  sel %  base %   ratio"
            lines.append(TextLayout.fit("combinations", w - numbers.count) + numbers)
            for c in combinations {
                let text = c.fields.map { $0.name + "=" + ($0.value?.text ?? "null") }.joined(separator: " & ")
                let nums = " " + TextLayout.fit(NumberText.decimal(c.selectionPercent, places: 1), 6, right: true)
                    + " " + TextLayout.fit(NumberText.decimal(c.baselinePercent, places: 1), 7, right: true)
                    + " " + TextLayout.fit(NumberText.decimal(c.riskRatio, places: 1), 7, right: true)
                if text.count + 2 <= w - nums.count {
                    lines.append(TextLayout.fit("  " + text, w - nums.count) + nums)
                } else {
                    lines += TextLayout.wrap(c.fields.map { $0.name + "=" + ($0.value?.text ?? "null") }, width: w, indent: "  ",
                                             separator: " &").map { TextLayout.cut($0, w, ascii: ascii) }
                    lines.append(String(repeating: " ", count: w - nums.count) + nums)
                }
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func pText(_ p: Double) -> String {
        p <= StatMath.minimumP ? "<1e-300" : NumberText.significant(p, digits: 2)
    }
}
