import KilnCore

/// Reading event times from request values without ever trapping: `Timestamp`'s parsers
/// multiply without overflow checks for times past 2262, so every input is range-checked first.
enum TimeValue {
    /// RFC 3339 bytes or an epoch number in text (seconds, ms, µs or ns by magnitude); nil when
    /// neither or out of range.
    static func parse(_ b: UnsafeBufferPointer<UInt8>) -> Int64? {
        if let t = rfc3339(b) { return t }
        let text = String(decoding: b, as: UTF8.self).trimmingSpaces()
        if let i = Int64(text) { return epoch(i) }
        if let d = Double(text) { return epoch(d) }
        return nil
    }

    /// `parse` for a `String`.
    static func parse(_ text: String) -> Int64? {
        var copy = text
        return copy.withUTF8 { parse($0) }
    }

    /// `Timestamp.parseRFC3339`, limited to years 1678...2261, which fit Int64 nanoseconds.
    static func rfc3339(_ b: UnsafeBufferPointer<UInt8>) -> Int64? {
        guard b.count >= 19 else { return nil }
        var year = 0
        for k in 0..<4 {
            guard b[k] &- 48 < 10 else { return nil }
            year = year * 10 + Int(b[k] - 48)
        }
        guard year >= 1678, year < 2262 else { return nil }
        return Timestamp.parseRFC3339(b)
    }

    /// Epoch seconds/ms/µs/ns (by magnitude, as `Timestamp.fromEpoch`) to ns; nil when
    /// negative or past 2262.
    static func epoch(_ value: Int64) -> Int64? {
        guard value >= 0 else { return nil }
        let scale: Int64
        if value < 100_000_000_000 {
            scale = 1_000_000_000
        } else if value < 100_000_000_000_000 {
            scale = 1_000_000
        } else if value < 100_000_000_000_000_000 {
            scale = 1_000
        } else {
            scale = 1
        }
        let (ns, overflow) = value.multipliedReportingOverflow(by: scale)
        return overflow ? nil : ns
    }

    /// Epoch as a double (seconds with a fraction, usually) to ns; nil when out of range.
    static func epoch(_ value: Double) -> Int64? {
        guard value.isFinite, value >= 0 else { return nil }
        if value < 1e11, value >= 9.2e9 { return nil }
        return Timestamp.fromEpoch(value)
    }

    /// Epoch seconds (Honeycomb markers) to ns; nil when out of range.
    static func seconds(_ value: Double) -> Int64? {
        guard value.isFinite, value >= 0, value < 9.2e9 else { return nil }
        return Timestamp.fromEpoch(value)
    }
}

extension String {
    /// The string without leading and trailing spaces and tabs.
    func trimmingSpaces() -> String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" { s.removeLast() }
        return String(s)
    }
}
