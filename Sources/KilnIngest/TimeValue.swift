import KilnCore

/// Reading event times from request values (RFC 3339 or epoch numbers in text).
package enum TimeValue {
    /// RFC 3339 bytes or an epoch number in text (seconds, ms, µs or ns by magnitude); nil when
    /// neither or out of range.
    package static func parse(_ b: UnsafeBufferPointer<UInt8>) -> Int64? {
        if let t = rfc3339(b) { return t }
        let text = String(decoding: b, as: UTF8.self).trimmingSpaces()
        if let i = Int64(text) { return epoch(i) }
        if let d = Double(text) { return epoch(d) }
        return nil
    }

    /// `parse` for a `String`.
    package static func parse(_ text: String) -> Int64? {
        var copy = text
        return copy.withUTF8 { parse($0) }
    }

    /// RFC 3339 (`Timestamp.parseRFC3339`: nil for times that do not fit Int64 nanoseconds).
    package static func rfc3339(_ b: UnsafeBufferPointer<UInt8>) -> Int64? { Timestamp.parseRFC3339(b) }

    /// Epoch seconds/ms/µs/ns by magnitude (`Timestamp.fromEpoch`: nil, never a trap, past 2262).
    package static func epoch(_ value: Int64) -> Int64? { Timestamp.fromEpoch(value) }

    /// Epoch as a double (`Timestamp.fromEpoch`).
    package static func epoch(_ value: Double) -> Int64? { Timestamp.fromEpoch(value) }

    /// Epoch seconds (Honeycomb markers) to ns; nil when out of range.
    package static func seconds(_ value: Double) -> Int64? {
        guard value.isFinite, value >= 0, value < 9.2e9 else { return nil }
        return Timestamp.fromEpoch(value)
    }
}

extension String {
    /// The string without leading and trailing spaces and tabs.
    package func trimmingSpaces() -> String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" { s.removeLast() }
        return String(s)
    }
}
