/// Writing JSON text: string escaping and typed values. Decoding lives in KilnIngest.
public enum JSONText {
    /// Appends `s` as a JSON string literal (quoted, with every control character escaped).
    public static func appendString(_ s: String, to out: inout String) {
        out.append("\"")
        var plainStart = s.utf8.startIndex
        let utf8 = s.utf8
        var i = utf8.startIndex
        while i != utf8.endIndex {
            let c = utf8[i]
            if c < 0x20 || c == 0x22 || c == 0x5C {
                out.append(contentsOf: s[plainStart..<i])
                switch c {
                case 0x22: out.append("\\\"")
                case 0x5C: out.append("\\\\")
                case 0x0A: out.append("\\n")
                case 0x0D: out.append("\\r")
                case 0x09: out.append("\\t")
                default:
                    let hex: [Character] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "a", "b", "c", "d", "e", "f"]
                    out.append("\\u00")
                    out.append(hex[Int(c >> 4)])
                    out.append(hex[Int(c & 15)])
                }
                plainStart = utf8.index(after: i)
            }
            i = utf8.index(after: i)
        }
        out.append(contentsOf: s[plainStart..<utf8.endIndex])
        out.append("\"")
    }

    /// Appends a typed value as JSON.
    public static func appendValue(_ v: Value, to out: inout String) {
        switch v {
        case .string(let s): appendString(s, to: &out)
        case .int(let i): out.append(String(i))
        case .float(let d): out.append(Value.format(d))
        case .bool(let b): out.append(b ? "true" : "false")
        }
    }

    /// An event as one JSON line: flat (`timestamp` in RFC 3339, then its fields) when its sample
    /// rate is 1, Honeycomb's envelope `{"time","samplerate","data"}` otherwise. Both read back
    /// through `kiln ingest` unchanged.
    public static func eventObject(_ event: Event) -> String {
        var out: String
        if event.sampleRate > 1 {
            out = "{\"time\":\"" + Timestamp.format(event.timestamp) + "\",\"samplerate\":" + String(event.sampleRate) + ",\"data\":{"
            appendFields(event.fields, to: &out, leadingComma: false)
            out.append("}}")
        } else {
            out = "{\"timestamp\":\"" + Timestamp.format(event.timestamp) + "\""
            appendFields(event.fields, to: &out, leadingComma: true)
            out.append("}")
        }
        return out
    }

    /// Appends `"name":value` pairs.
    public static func appendFields(_ fields: [Field], to out: inout String, leadingComma: Bool) {
        var first = !leadingComma
        for field in fields {
            if !first { out.append(",") }
            first = false
            appendString(field.name, to: &out)
            out.append(":")
            appendValue(field.value, to: &out)
        }
    }
}
