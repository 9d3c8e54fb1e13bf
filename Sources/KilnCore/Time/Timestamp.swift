/// Parsing and formatting of event times, held as nanoseconds since the Unix epoch.
public enum Timestamp {
    /// Nanoseconds in one second.
    public static let nanosPerSecond: Int64 = 1_000_000_000

    /// Parses RFC 3339 (`2024-05-01T12:00:00.123456Z`, any fractional precision, `Z` or `±hh:mm`;
    /// a space may stand for `T`) into nanoseconds since the epoch.
    /// - Complexity: O(length)
    public static func parseRFC3339(_ text: String) -> Int64? {
        var utf8 = Array(text.utf8)
        return utf8.withUnsafeMutableBufferPointer { parseRFC3339(UnsafeBufferPointer($0)) }
    }

    /// Parses RFC 3339 from raw bytes; see ``parseRFC3339(_:)-swift.type.method``.
    public static func parseRFC3339(_ b: UnsafeBufferPointer<UInt8>) -> Int64? {
        let n = b.count
        guard n >= 19 else { return nil }
        func digits(_ at: Int, _ count: Int) -> Int? {
            var v = 0
            for i in at..<(at + count) {
                let c = b[i]
                guard c >= 48 && c <= 57 else { return nil }
                v = v * 10 + Int(c - 48)
            }
            return v
        }
        guard let year = digits(0, 4), b[4] == 45, let month = digits(5, 2), b[7] == 45,
              let day = digits(8, 2), b[10] == 84 || b[10] == 116 || b[10] == 32,
              let hour = digits(11, 2), b[13] == 58, let minute = digits(14, 2), b[16] == 58,
              let second = digits(17, 2)
        else { return nil }
        guard (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second <= 60
        else { return nil }
        var i = 19
        var fraction: Int64 = 0
        if i < n && (b[i] == 46 || b[i] == 44) {
            i += 1
            var scale: Int64 = 100_000_000
            let start = i
            while i < n, b[i] >= 48, b[i] <= 57 {
                fraction += Int64(b[i] - 48) * scale
                scale /= 10
                i += 1
            }
            if i == start { return nil }
        }
        var offsetSeconds = 0
        if i < n {
            switch b[i] {
            case 90, 122: i += 1 // Z
            case 43, 45:
                let sign = b[i] == 45 ? -1 : 1
                guard i + 3 <= n, let oh = digits(i + 1, 2) else { return nil }
                var om = 0
                if i + 6 <= n, b[i + 3] == 58, let m = digits(i + 4, 2) {
                    om = m
                    i += 6
                } else if i + 5 <= n, let m = digits(i + 3, 2) {
                    om = m
                    i += 5
                } else {
                    i += 3
                }
                offsetSeconds = sign * (oh * 3600 + om * 60)
            default: return nil
            }
        }
        guard i == n else { return nil }
        let days = daysFromCivil(year: year, month: month, day: day)
        let seconds = Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60 + second) - Int64(offsetSeconds)
        let (ns, overflow) = seconds.multipliedReportingOverflow(by: nanosPerSecond)
        guard !overflow else { return nil }
        let (total, overflow2) = ns.addingReportingOverflow(fraction)
        return overflow2 ? nil : total
    }

    /// Converts an epoch number into nanoseconds, telling seconds, milliseconds, microseconds
    /// and nanoseconds apart by magnitude (below 1e11 seconds, 1e14 ms, 1e17 µs, else ns).
    public static func fromEpoch(_ value: Double) -> Int64? {
        guard value.isFinite, value >= 0 else { return nil }
        if value < 1e11 {
            // Seconds as a double carry ~0.1 µs of noise at today's epoch: keep whole seconds
            // exact and round the fraction to microseconds.
            let whole = value.rounded(.down)
            guard whole < 9.2e9 else { return nil }
            return Int64(whole) * nanosPerSecond + Int64(((value - whole) * 1e6).rounded()) * 1000
        }
        let ns: Double
        if value < 1e14 { ns = value * 1e6 } else if value < 1e17 { ns = value * 1e3 } else { ns = value }
        guard ns < 9.2e18 else { return nil }
        return Int64(ns.rounded())
    }

    /// Converts an integer epoch into nanoseconds, exactly (magnitudes as ``fromEpoch(_:)-(Double)``).
    public static func fromEpoch(_ value: Int64) -> Int64? {
        guard value >= 0 else { return nil }
        let scale: Int64
        if value < 100_000_000_000 { scale = 1_000_000_000 } else if value < 100_000_000_000_000 { scale = 1_000_000 } else if value < 100_000_000_000_000_000 { scale = 1_000 } else { scale = 1 }
        let (ns, overflow) = value.multipliedReportingOverflow(by: scale)
        return overflow ? nil : ns
    }

    /// Parses a time as RFC 3339, a date `YYYY-MM-DD` (its midnight UTC, as people type a day on
    /// the command line), or an epoch number (integer or decimal, magnitude rules above).
    public static func parse(_ text: String) -> Int64? {
        if let t = parseRFC3339(text) { return t }
        if text.utf8.count == 10, let t = parseRFC3339(text + "T00:00:00Z") { return t }
        if let i = Int64(text) { return fromEpoch(i) }
        if let d = Double(text) { return fromEpoch(d) }
        return nil
    }

    /// Formats nanoseconds as RFC 3339 UTC, with as many fractional digits as needed (up to 9).
    public static func format(_ ns: Int64, fractionDigits: Int? = nil) -> String {
        var seconds = ns / nanosPerSecond
        var frac = ns % nanosPerSecond
        if frac < 0 { frac += nanosPerSecond; seconds -= 1 }
        var days = seconds / 86_400
        var rem = seconds % 86_400
        if rem < 0 { rem += 86_400; days -= 1 }
        let (y, m, d) = civilFromDays(Int(days))
        var out = pad(y, 4) + "-" + pad(m, 2) + "-" + pad(d, 2) + "T"
        out += pad(Int(rem / 3600), 2) + ":" + pad(Int(rem % 3600 / 60), 2) + ":" + pad(Int(rem % 60), 2)
        var digits = String(pad(Int(frac), 9))
        if let fixed = fractionDigits {
            digits = String(digits.prefix(fixed))
        } else {
            while digits.hasSuffix("0") { digits.removeLast() }
        }
        if !digits.isEmpty { out += "." + digits }
        return out + "Z"
    }

    /// Appends nanoseconds as RFC 3339 UTC (fraction trimmed of trailing zeros) to a byte buffer.
    public static func appendRFC3339(_ ns: Int64, to out: inout [UInt8]) {
        var seconds = ns / nanosPerSecond
        var frac = ns % nanosPerSecond
        if frac < 0 { frac += nanosPerSecond; seconds -= 1 }
        var days = seconds / 86_400
        var rem = seconds % 86_400
        if rem < 0 { rem += 86_400; days -= 1 }
        let (y, m, d) = civilFromDays(Int(days))
        func digits(_ v: Int, _ width: Int) {
            var div = 1
            for _ in 1..<width { div *= 10 }
            var v = v
            if v < 0 || v >= div * 10 { out.append(contentsOf: String(v).utf8); return }
            while div > 0 {
                out.append(UInt8(v / div) + 0x30)
                v %= div
                div /= 10
            }
        }
        digits(y, 4); out.append(0x2D); digits(m, 2); out.append(0x2D); digits(d, 2); out.append(0x54)
        digits(Int(rem / 3600), 2); out.append(0x3A); digits(Int(rem % 3600 / 60), 2); out.append(0x3A); digits(Int(rem % 60), 2)
        if frac > 0 {
            var f = Int(frac), width = 9
            while f % 10 == 0 { f /= 10; width -= 1 }
            out.append(0x2E)
            digits(f, width)
        }
        out.append(0x5A)
    }

    private static func pad(_ v: Int, _ width: Int) -> String {
        let s = String(v)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
    public static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The date of a day count since 1970-01-01.
    public static func civilFromDays(_ z0: Int) -> (year: Int, month: Int, day: Int) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }
}

/// Durations written as `90s`, `15m`, `2h`, `7d`, `1w` (also `ms`).
public enum DurationText {
    /// Parses a duration into nanoseconds; nil when it is not one.
    public static func parse(_ text: String) -> Int64? {
        let t = text.trimmingCharacters(in: " ")
        let units: [(String, Int64)] = [("ms", 1_000_000), ("s", 1_000_000_000), ("m", 60_000_000_000),
                                        ("h", 3_600_000_000_000), ("d", 86_400_000_000_000), ("w", 604_800_000_000_000)]
        for (suffix, scale) in units where t.hasSuffix(suffix) {
            let number = t.dropLast(suffix.count)
            if let v = Double(number), v >= 0, v.isFinite {
                let ns = v * Double(scale)
                return ns < 9.2e18 ? Int64(ns) : nil
            }
        }
        return nil
    }

    /// Formats nanoseconds compactly (`250ms`, `15m`, `2h`, `3d`).
    public static func format(_ ns: Int64) -> String {
        let units: [(String, Int64)] = [("d", 86_400_000_000_000), ("h", 3_600_000_000_000), ("m", 60_000_000_000), ("s", 1_000_000_000)]
        for (suffix, scale) in units where ns >= scale && ns % scale == 0 { return "\(ns / scale)\(suffix)" }
        for (suffix, scale) in units where ns >= scale {
            let tenths = (ns * 10 + scale / 2) / scale
            return tenths % 10 == 0 ? "\(tenths / 10)\(suffix)" : "\(tenths / 10).\(tenths % 10)\(suffix)"
        }
        return "\(ns / 1_000_000)ms"
    }
}

extension String {
    func trimmingCharacters(in set: Character) -> String {
        var s = Substring(self)
        while s.first == set { s.removeFirst() }
        while s.last == set { s.removeLast() }
        return String(s)
    }
}
