import KilnCore

/// Finding an event's time among its fields.
enum EventTime {
    /// The time text stands for: RFC 3339, or epoch seconds/ms/µs/ns as a number in JSON syntax
    /// (magnitude rules of `Timestamp.fromEpoch`); nil when it is neither.
    static func nanos(_ bytes: UnsafeBufferPointer<UInt8>) -> Int64? {
        if let t = rfc3339(bytes) { return t }
        switch NumberScanner.number(bytes) {
        case .int(let i): return epoch(i)
        case .float(let d): return epoch(d)
        default: return nil
        }
    }

    /// `Timestamp.fromEpoch` with the same magnitude rules, but nil instead of an overflow trap
    /// for times past 2262 (epoch seconds from 9.2e9, milliseconds from 9.2e12, ...).
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

    /// `Timestamp.fromEpoch` for doubles, nil (not a trap) for seconds past 2262.
    static func epoch(_ value: Double) -> Int64? {
        guard value.isFinite, value >= 0 else { return nil }
        if value < 1e11, value >= 9.2e9 { return nil }
        return Timestamp.fromEpoch(value)
    }

    /// `Timestamp.parseRFC3339`, nil (not an overflow trap) for years from 2262 on, which do not
    /// fit in Int64 nanoseconds anyway.
    static func rfc3339(_ b: UnsafeBufferPointer<UInt8>) -> Int64? {
        guard b.count >= 4 else { return nil }
        var year = 0
        for i in 0..<4 {
            guard ByteClass.isDigit(b[i]) else { return nil }
            year = year * 10 + Int(b[i] - 48)
        }
        guard year < 2262 else { return nil }
        return Timestamp.parseRFC3339(b)
    }
}
