/// One ORDER BY term: a calculation or a GROUP BY field, ascending or descending.
///
/// Written `"P99(duration_ms) desc"`, `COUNT`, `service.name asc`. Without a direction a
/// calculation sorts descending and a field ascending. Absent (null) values sort last either way.
public struct QueryOrder: Hashable, Sendable, CustomStringConvertible {
    /// What to sort by.
    public enum Key: Hashable, Sendable {
        /// A calculation of the query.
        case calculation(Calculation)
        /// A GROUP BY field of the query.
        case field(String)
    }

    /// What to sort by.
    public var key: Key
    /// True for descending.
    public var descending: Bool

    /// Makes a term.
    public init(_ key: Key, descending: Bool) {
        self.key = key
        self.descending = descending
    }

    /// Canonical text: `P99(duration_ms) desc`, `service.name asc`.
    public var description: String {
        switch key {
        case .calculation(let c): return c.description + (descending ? " desc" : " asc")
        case .field(let f): return Filter.quoteFieldIfNeeded(f) + (descending ? " desc" : " asc")
        }
    }

    /// Parses one term. A text that parses as a calculation is one; anything else is a field
    /// name (double-quote it when it has spaces).
    /// - Throws: ``AnalysisError`` (`.badOrder`) for an empty term or a broken quoted name.
    public static func parse(_ text: String) throws(AnalysisError) -> QueryOrder {
        var body = Substring(text)
        while body.first?.isWhitespace == true { body.removeFirst() }
        while body.last?.isWhitespace == true { body.removeLast() }
        var descending: Bool?
        for (word, desc) in [("desc", true), ("asc", false)] {
            let lower = body.lowercased()
            if lower.hasSuffix(" " + word) {
                descending = desc
                body = body.dropLast(word.count)
                while body.last?.isWhitespace == true { body.removeLast() }
                break
            }
        }
        guard !body.isEmpty else { throw .order("expected a calculation or a field to order by", in: text, at: 0) }
        let term = String(body)
        if let calc = try? Calculation.parse(term) {
            return QueryOrder(.calculation(calc), descending: descending ?? true)
        }
        var field = term
        if term.first == "\"" {
            guard term.count >= 2, term.last == "\"" else { throw .order("unterminated quoted field name", in: text, at: 0) }
            field = ""
            var escaped = false
            for ch in term.dropFirst().dropLast() {
                if escaped { field.append(ch); escaped = false } else if ch == "\\" { escaped = true } else { field.append(ch) }
            }
        }
        return QueryOrder(.field(field), descending: descending ?? false)
    }
}
