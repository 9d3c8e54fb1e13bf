/// The percentiles a query can ask for.
public enum Percentile: String, CaseIterable, Sendable {
    case p50 = "P50", p75 = "P75", p90 = "P90", p95 = "P95", p99 = "P99", p999 = "P999"

    /// The percentile in thousandths (500 for P50, 999 for P999).
    public var perMille: Int64 {
        switch self {
        case .p50: return 500
        case .p75: return 750
        case .p90: return 900
        case .p95: return 950
        case .p99: return 990
        case .p999: return 999
        }
    }
}

/// One calculation of a query, written `COUNT`, `COUNT_DISTINCT(user.id)`, `SUM(bytes)`,
/// `AVG(f)`, `MIN(f)`, `MAX(f)`, `P50(f)` ... `P999(f)` or `HEATMAP(f)`.
///
/// As in Honeycomb, an event with sample rate N stands for N events: COUNT, SUM, AVG, the
/// percentiles and HEATMAP are weighted by it; COUNT_DISTINCT, MIN and MAX are not.
/// Numeric calculations use int and float values and skip events where the field is absent or
/// not a number. Percentiles are nearest-rank: the smallest value v such that the events with
/// values ≤ v weigh at least p of the total; they are exact (no sketches).
public enum Calculation: Hashable, Sendable, CustomStringConvertible {
    /// Events (weighted).
    case count
    /// Distinct values of the field (typed: `500` and `500.0` are two values); absent not counted.
    case countDistinct(String)
    /// Sum of the field, weighted; an int while every value is an int and it fits.
    case sum(String)
    /// Weighted mean of the field.
    case avg(String)
    /// Smallest value (keeps its type).
    case min(String)
    /// Largest value (keeps its type).
    case max(String)
    /// A percentile of the field, weighted.
    case percentile(Percentile, String)
    /// Counts per value bucket of the field (shared log-scale buckets), weighted.
    case heatmap(String)

    /// The field the calculation reads; nil for COUNT.
    public var field: String? {
        switch self {
        case .count: return nil
        case .countDistinct(let f), .sum(let f), .avg(let f), .min(let f), .max(let f), .percentile(_, let f), .heatmap(let f): return f
        }
    }

    /// The function name in upper case (`P99`).
    public var name: String {
        switch self {
        case .count: return "COUNT"
        case .countDistinct: return "COUNT_DISTINCT"
        case .sum: return "SUM"
        case .avg: return "AVG"
        case .min: return "MIN"
        case .max: return "MAX"
        case .percentile(let p, _): return p.rawValue
        case .heatmap: return "HEATMAP"
        }
    }

    /// Canonical text, the key of its column in results: `COUNT`, `P99(duration_ms)`.
    /// A field name with spaces, quotes or parentheses is double-quoted.
    public var description: String {
        guard let field else { return name }
        let safe = !field.isEmpty && !field.contains { $0.isWhitespace || $0 == "(" || $0 == ")" || $0 == "\"" }
        return name + "(" + (safe ? field : Filter.quote(field)) + ")"
    }

    static let names = "COUNT, COUNT_DISTINCT, SUM, AVG, MIN, MAX, P50, P75, P90, P95, P99, P999, HEATMAP"

    /// Parses `COUNT`, `P99(duration_ms)`, `count_distinct("user id")` (names are case-insensitive).
    /// - Throws: ``AnalysisError`` (`.badCalculation`) with the position of the problem.
    public static func parse(_ text: String) throws(AnalysisError) -> Calculation {
        let chars = Array(text)
        var i = 0
        while i < chars.count, chars[i].isWhitespace { i += 1 }
        let nameStart = i
        var name = ""
        while i < chars.count, chars[i].isLetter || chars[i].isNumber || chars[i] == "_" {
            name.append(chars[i])
            i += 1
        }
        let upper = name.uppercased()
        guard !name.isEmpty else { throw .calculation("expected a calculation (one of \(names))", in: text, at: nameStart) }
        let makers: [String: (String) -> Calculation] = [
            "COUNT_DISTINCT": { .countDistinct($0) }, "SUM": { .sum($0) }, "AVG": { .avg($0) }, "MIN": { .min($0) },
            "MAX": { .max($0) }, "HEATMAP": { .heatmap($0) },
        ]
        var make: ((String) -> Calculation)? = makers[upper]
        if let p = Percentile(rawValue: upper) { make = { .percentile(p, $0) } }
        guard upper == "COUNT" || make != nil else {
            throw .calculation("unknown calculation \"\(name)\"; expected one of \(names)", in: text, at: nameStart)
        }
        while i < chars.count, chars[i].isWhitespace { i += 1 }
        if upper == "COUNT" {
            if i < chars.count, chars[i] == "(" {
                i += 1
                while i < chars.count, chars[i].isWhitespace { i += 1 }
                guard i < chars.count, chars[i] == ")" else { throw .calculation("COUNT takes no field; write COUNT", in: text, at: i) }
                i += 1
            }
            while i < chars.count, chars[i].isWhitespace { i += 1 }
            guard i == chars.count else { throw .calculation("unexpected text after COUNT", in: text, at: i) }
            return .count
        }
        guard i < chars.count, chars[i] == "(" else {
            throw .calculation("expected \"(\" and a field name after \(upper)", in: text, at: i)
        }
        i += 1
        while i < chars.count, chars[i].isWhitespace { i += 1 }
        var field = ""
        let fieldStart = i
        if i < chars.count, chars[i] == "\"" {
            i += 1
            var closed = false
            while i < chars.count {
                if chars[i] == "\\", i + 1 < chars.count, chars[i + 1] == "\"" || chars[i + 1] == "\\" {
                    field.append(chars[i + 1])
                    i += 2
                    continue
                }
                if chars[i] == "\"" { closed = true; i += 1; break }
                field.append(chars[i])
                i += 1
            }
            guard closed else { throw .calculation("unterminated quoted field name", in: text, at: fieldStart) }
            while i < chars.count, chars[i].isWhitespace { i += 1 }
        } else {
            // A bare field runs to the last ")" so that names may hold anything but ")".
            while i < chars.count, chars[i] != ")" {
                field.append(chars[i])
                i += 1
            }
            while field.last?.isWhitespace == true { field.removeLast() }
        }
        guard !field.isEmpty else { throw .calculation("expected a field name inside \(upper)(...)", in: text, at: fieldStart) }
        guard i < chars.count, chars[i] == ")" else { throw .calculation("expected \")\" after the field name", in: text, at: i) }
        i += 1
        while i < chars.count, chars[i].isWhitespace { i += 1 }
        guard i == chars.count else { throw .calculation("unexpected text after \")\"", in: text, at: i) }
        return make.map { $0(field) } ?? .count
    }
}
