/// Writing JSON text: string escaping and typed values, into byte buffers (fast) or Strings.
/// Decoding lives in KilnIngest.
public enum JSONText {
    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    /// Appends `s` as a JSON string literal (quoted, with every control character escaped).
    /// - Complexity: O(length)
    public static func appendString(_ s: String, to out: inout [UInt8]) {
        var s = s
        s.withUTF8 { appendString(bytes: $0, to: &out) }
    }

    /// Appends UTF-8 bytes as a JSON string literal.
    public static func appendString(bytes: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        out.append(0x22)
        var plainStart = 0
        for i in 0..<bytes.count {
            let c = bytes[i]
            guard c < 0x20 || c == 0x22 || c == 0x5C else { continue }
            if i > plainStart { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[plainStart..<i])) }
            out.append(0x5C)
            switch c {
            case 0x22: out.append(0x22)
            case 0x5C: out.append(0x5C)
            case 0x0A: out.append(0x6E)
            case 0x0D: out.append(0x72)
            case 0x09: out.append(0x74)
            default:
                out.append(contentsOf: [0x75, 0x30, 0x30, hex[Int(c >> 4)], hex[Int(c & 15)]])
            }
            plainStart = i + 1
        }
        if bytes.count > plainStart { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[plainStart...])) }
        out.append(0x22)
    }

    /// Appends a typed value as JSON.
    public static func appendValue(_ v: Value, to out: inout [UInt8]) {
        switch v {
        case .string(let s): appendString(s, to: &out)
        case .int(let i): appendInt(i, to: &out)
        case .float(let d): out.append(contentsOf: Value.format(d).utf8)
        case .bool(let b): out.append(contentsOf: b ? Array("true".utf8) : Array("false".utf8))
        }
    }

    /// Appends an integer's decimal digits.
    public static func appendInt(_ v: Int64, to out: inout [UInt8]) {
        if v == 0 { out.append(0x30); return }
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var n = v.magnitude
        var count = 0
        withUnsafeMutableBytes(of: &digits) { buf in
            while n > 0 {
                buf[19 - count] = UInt8(n % 10) + 0x30
                n /= 10
                count += 1
            }
            if v < 0 { out.append(0x2D) }
            out.append(contentsOf: buf[(20 - count)...])
        }
    }

    /// Appends `"name":value` pairs.
    public static func appendFields(_ fields: [Field], to out: inout [UInt8], leadingComma: Bool) {
        var first = !leadingComma
        for field in fields {
            if !first { out.append(0x2C) }
            first = false
            appendString(field.name, to: &out)
            out.append(0x3A)
            appendValue(field.value, to: &out)
        }
    }

    /// Appends an event as one JSON line (with the newline): flat (`timestamp` in RFC 3339, then its
    /// fields) when its sample rate is 1, Honeycomb's envelope `{"time","samplerate","data"}`
    /// otherwise. Both read back through `kiln ingest` unchanged.
    public static func appendEventLine(_ event: Event, to out: inout [UInt8]) {
        if event.sampleRate > 1 {
            out.append(contentsOf: #"{"time":""#.utf8)
            Timestamp.appendRFC3339(event.timestamp, to: &out)
            out.append(contentsOf: #"","samplerate":"#.utf8)
            appendInt(event.sampleRate, to: &out)
            out.append(contentsOf: #","data":{"#.utf8)
            appendFields(event.fields, to: &out, leadingComma: false)
            out.append(contentsOf: "}}\n".utf8)
        } else {
            out.append(contentsOf: #"{"timestamp":""#.utf8)
            Timestamp.appendRFC3339(event.timestamp, to: &out)
            out.append(0x22)
            appendFields(event.fields, to: &out, leadingComma: true)
            out.append(contentsOf: "}\n".utf8)
        }
    }

    /// An event as one JSON line without the newline (see ``appendEventLine(_:to:)``).
    public static func eventObject(_ event: Event) -> String {
        var out: [UInt8] = []
        appendEventLine(event, to: &out)
        out.removeLast()
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends `s` as a JSON string literal to a String.
    public static func appendString(_ s: String, to out: inout String) {
        var bytes: [UInt8] = []
        appendString(s, to: &bytes)
        out.append(String(decoding: bytes, as: UTF8.self))
    }

    /// Appends a typed value as JSON to a String.
    public static func appendValue(_ v: Value, to out: inout String) {
        var bytes: [UInt8] = []
        appendValue(v, to: &bytes)
        out.append(String(decoding: bytes, as: UTF8.self))
    }
}
