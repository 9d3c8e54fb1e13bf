/// Sizes written by people: `500MB`, `10GB`, `1.5TB`, `10GiB`, or a plain byte count.
public enum ByteSize {
    /// The bytes `text` names; nil when it is not a positive size.
    public static func parse(_ text: String) -> Int64? {
        let t = String(text.lowercased().filter { $0 != " " && $0 != "\t" })
        let units: [(String, Double)] = [
            ("kib", 1024), ("mib", 1024 * 1024), ("gib", 1024 * 1024 * 1024), ("tib", 1024 * 1024 * 1024 * 1024),
            ("kb", 1e3), ("mb", 1e6), ("gb", 1e9), ("tb", 1e12), ("k", 1e3), ("m", 1e6), ("g", 1e9), ("t", 1e12), ("b", 1),
        ]
        for (suffix, scale) in units where t.hasSuffix(suffix) {
            guard let v = Double(t.dropLast(suffix.count)), v.isFinite, v > 0, v * scale < 9e18 else { return nil }
            return Int64(v * scale)
        }
        guard let v = Int64(t), v > 0 else { return nil }
        return v
    }
}
