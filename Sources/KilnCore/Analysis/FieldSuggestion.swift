/// Naming the field a user most likely meant, for "no field stauts (did you mean status?)".
public enum FieldSuggestion {
    /// The message for a field that is not among `known`: `no field stauts (did you mean
    /// status?)`, or without the suggestion when nothing is close.
    public static func unknownField(_ name: String, known: [String]) -> String {
        guard let close = closest(to: name, among: known) else { return "no field \(name)" }
        return "no field \(name) (did you mean \(close)?)"
    }

    /// The name among `known` closest to `name`: the smallest edit distance (insertions,
    /// deletions, substitutions and swaps of neighbours, ignoring case) within a third of the
    /// name's length (at least 2), else a name that holds `name` or that `name` holds
    /// (`status` for `http.status`); nil when none is close. Ties go to the earlier name.
    /// - Complexity: O(known names × name lengths squared)
    public static func closest(to name: String, among known: [String]) -> String? {
        let target = Array(name.lowercased())
        let limit = max(2, target.count / 3)
        var best: (String, Int)?
        for candidate in known {
            let d = distance(target, Array(candidate.lowercased()))
            if d <= limit, d < (best?.1 ?? .max) { best = (candidate, d) }
        }
        if let best { return best.0 }
        let lower = name.lowercased()
        guard lower.count >= 3 else { return nil }
        return known.first { $0.lowercased().contains(lower) } ?? known.first { $0.count >= 3 && lower.contains($0.lowercased()) }
    }

    /// The optimal string alignment distance between `a` and `b`.
    static func distance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous2 = [Int](repeating: 0, count: b.count + 1)
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                var v = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] { v = min(v, previous2[j - 2] + 1) }
                current[j] = v
            }
            (previous2, previous, current) = (previous, current, previous2)
        }
        return previous[b.count]
    }
}
