/// Number formatting for labels and JSON.
enum NumberText {
    /// An int when the double is whole and small enough, else the shortest round-trip text
    /// (`800`, `0.5`, `1e-300`).
    static func compact(_ d: Double) -> String {
        if d.isNaN { return "nan" }
        if d.isInfinite { return d > 0 ? "inf" : "-inf" }
        if d == d.rounded(), abs(d) < 1e15 { return String(Int64(d)) }
        return "\(d)"
    }

    /// `d` rounded to `places` decimals, as JSON (`11.19`, `100.0`).
    static func fixed(_ d: Double, places: Int) -> String {
        guard d.isFinite else { return "null" }
        var scale = 1.0
        for _ in 0..<places { scale *= 10 }
        return Value.format((d * scale).rounded() / scale)
    }

    /// `d` with `digits` significant digits, as JSON (`0.0123`, `1e-300`, `2.5e-12`).
    static func significant(_ d: Double, digits: Int) -> String {
        guard d.isFinite else { return "null" }
        guard d != 0 else { return "0" }
        var exponent = Int(StatMath.log10(abs(d)).rounded(.down))
        if exponent < -4 || exponent >= 15 {
            var mantissa = d / StatMath.power(10, Double(exponent))
            if abs(mantissa) >= 10 { mantissa /= 10; exponent += 1 }
            if abs(mantissa) < 1 { mantissa *= 10; exponent -= 1 }
            let scale = StatMath.power(10, Double(max(0, digits - 1)))
            mantissa = (mantissa * scale).rounded() / scale
            if abs(mantissa) >= 10 { mantissa /= 10; exponent += 1 }
            return compact(mantissa) + "e" + String(exponent)
        }
        let scale = StatMath.power(10, Double(digits - 1 - exponent))
        let r = (d * scale).rounded() / scale
        guard r.isFinite, r != 0 else { return "\(d)" }
        return compact(r) == String(Int64(r)) && abs(r) < 1e15 ? Value.format(r) : "\(r)"
    }

    /// A fixed-point text with `places` decimals for tables (`11.2`, `100.0`).
    static func decimal(_ d: Double, places: Int) -> String {
        guard d.isFinite else { return "-" }
        var scale = 1.0
        for _ in 0..<places { scale *= 10 }
        guard abs(d) * scale < 9e18 else { return compact(d) }
        let scaled = Int64((abs(d) * scale).rounded())
        let whole = scaled / Int64(scale)
        var frac = String(scaled % Int64(scale))
        while frac.count < places { frac = "0" + frac }
        let sign = d < 0 && scaled != 0 ? "-" : ""
        return places == 0 ? sign + String(whole) : sign + String(whole) + "." + frac
    }

    /// Thousands separated with commas (`59,095`).
    static func grouped(_ n: Int64) -> String {
        let s = String(n.magnitude)
        var out = ""
        for (i, ch) in s.enumerated() {
            if i > 0, (s.count - i) % 3 == 0 { out.append(",") }
            out.append(ch)
        }
        return n < 0 ? "-" + out : out
    }
}
