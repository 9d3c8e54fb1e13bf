import KilnCore

/// Finding an event's time among its fields.
enum EventTime {
    /// The time text stands for: RFC 3339, or epoch seconds/ms/µs/ns as a number in JSON syntax
    /// (magnitude rules of `Timestamp.fromEpoch`); nil when it is neither.
    static func nanos(_ bytes: UnsafeBufferPointer<UInt8>) -> Int64? {
        if case .success(let t) = read(bytes) { return t }
        return nil
    }

    /// The time text stands for, or why it stands for none: a date that does not exist
    /// (`2024-02-30`), an offset beyond ±23:59 (`+25:00`), a time before 1970 or after 2262 (the
    /// range of nanoseconds since the epoch), or text that is neither RFC 3339 nor a number.
    /// - Complexity: O(length of the text)
    static func read(_ b: UnsafeBufferPointer<UInt8>) -> Result<Int64, IngestError> {
        if b.count >= 10, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-") {
            if let problem = calendarProblem(b) { return .failure(.badTime(text(b), problem)) }
            guard let t = Timestamp.parseRFC3339(b) else { return .failure(.badTime(text(b), "it is not an RFC 3339 time")) }
            guard t >= 0 else { return .failure(.badTime(text(b), "it is before 1970")) }
            return .success(t)
        }
        switch NumberScanner.number(b) {
        case .int(let i):
            return epoch(i).map { .success($0) } ?? .failure(.badTime(text(b), "it is out of range as an epoch time"))
        case .float(let d):
            return epoch(d).map { .success($0) } ?? .failure(.badTime(text(b), "it is out of range as an epoch time"))
        default:
            return .failure(.badTime(text(b), "it is neither RFC 3339 nor an epoch number"))
        }
    }

    /// Epoch seconds/ms/µs/ns by magnitude (`Timestamp.fromEpoch`: nil, never a trap, past 2262).
    static func epoch(_ value: Int64) -> Int64? { Timestamp.fromEpoch(value) }

    /// Epoch as a double (`Timestamp.fromEpoch`).
    static func epoch(_ value: Double) -> Int64? { Timestamp.fromEpoch(value) }

    /// RFC 3339 (`Timestamp.parseRFC3339`: nil for times that do not fit Int64 nanoseconds).
    static func rfc3339(_ b: UnsafeBufferPointer<UInt8>) -> Int64? { Timestamp.parseRFC3339(b) }

    private static func text(_ b: UnsafeBufferPointer<UInt8>) -> String {
        String(decoding: b.prefix(64), as: UTF8.self)
    }

    /// What is wrong with the date or offset of RFC 3339-shaped text, nil when nothing is.
    private static func calendarProblem(_ b: UnsafeBufferPointer<UInt8>) -> String? {
        func number(_ at: Int, _ count: Int) -> Int? {
            guard at + count <= b.count else { return nil }
            var v = 0
            for k in at..<(at + count) {
                guard ByteClass.isDigit(b[k]) else { return nil }
                v = v * 10 + Int(b[k] - 48)
            }
            return v
        }
        guard let year = number(0, 4), let month = number(5, 2), let day = number(8, 2) else { return nil }
        if year < 1970 { return "the year \(year) is before 1970" }
        guard (1...12).contains(month) else { return "there is no month \(month)" }
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
        guard (1...days).contains(day) else { return "day \(day) does not exist in month \(month) of \(year)" }
        // The offset: the first '+' or '-' after the time of day.
        var k = 19
        while k < b.count, b[k] != UInt8(ascii: "+"), b[k] != UInt8(ascii: "-") { k += 1 }
        if k < b.count, let hours = number(k + 1, 2) {
            let minutes = number(k + 4, 2) ?? number(k + 3, 2) ?? 0
            if hours > 23 || minutes > 59 { return "the offset \(text(UnsafeBufferPointer(rebasing: b[k...]))) is beyond ±23:59" }
        }
        return nil
    }
}
