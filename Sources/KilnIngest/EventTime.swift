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

    /// Epoch seconds/ms/µs/ns by magnitude (`Timestamp.fromEpoch`: nil, never a trap, past 2262).
    static func epoch(_ value: Int64) -> Int64? { Timestamp.fromEpoch(value) }

    /// Epoch as a double (`Timestamp.fromEpoch`).
    static func epoch(_ value: Double) -> Int64? { Timestamp.fromEpoch(value) }

    /// RFC 3339 (`Timestamp.parseRFC3339`: nil for times that do not fit Int64 nanoseconds).
    static func rfc3339(_ b: UnsafeBufferPointer<UInt8>) -> Int64? { Timestamp.parseRFC3339(b) }
}
