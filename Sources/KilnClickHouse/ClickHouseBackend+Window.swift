import Foundation
import KilnCore

/// How a window's events spread over time, for the explorer that reads a window page by page
/// (newest first, within its memory budget): two small statements, counts only.
extension ClickHouseBackend: WindowPaging {
    public func eventTimeline(dataset: String, window: TimeWindow, buckets: Int) throws -> EventTimeline {
        let inScope = FilterSQL.scope(Scope(from: window.from, to: window.to), dataset: dataset)
        let extent = try rows("SELECT count(), min(timestamp_ns), max(timestamp_ns) FROM \(events) WHERE \(inScope)").first ?? []
        guard extent.count == 3, let count = Int(extent[0]), count > 0, let lo = Int64(extent[1]), let hi = Int64(extent[2]), hi >= lo else {
            return .empty
        }
        let n = Int64(max(1, buckets))
        // Overflow-safe span / n, plus one so that the newest event falls in the last bucket.
        let step = (hi / n - lo / n) + 2
        let slots = Int((hi - lo) / step) + 1
        var counts = [Int](repeating: 0, count: slots)
        for r in try rows("SELECT intDiv(timestamp_ns - \(SQL.int(lo)), \(step)) AS _b, count() FROM \(events) WHERE \(inScope) GROUP BY _b") {
            guard r.count == 2, let b = Int(r[0]), let c = Int(r[1]), counts.indices.contains(b) else { continue }
            counts[b] = c
        }
        return EventTimeline(start: lo, step: step, counts: counts)
    }
}

extension ClickHouseBackend {
    /// The raw events of `dataset` in `window`, oldest first (by time, then as they arrived),
    /// at most `limit`: one page of the explorer's read of a window.
    ///
    /// Read as `RowBinary`: lengths and little-endian numbers, nothing to unescape, so that
    /// reading costs about what building the events costs (TSV's escapes and bracketed arrays
    /// took most of the time of a page).
    /// - Complexity: O(bytes of the page)
    public func windowEvents(dataset: String, window: TimeWindow, limit: Int) throws -> [Event] {
        guard limit > 0 else { return [] }
        let inScope = FilterSQL.scope(Scope(from: window.from, to: window.to), dataset: dataset)
        let sql = "SELECT timestamp_ns, sample_rate, s_keys, s_values, i_keys, i_values, f_keys, f_values, b_keys, b_values FROM \(events) WHERE \(inScope) ORDER BY timestamp_ns, seq LIMIT \(limit) FORMAT RowBinary"
        try store.prepare()
        let data = try store.client.execute(sql, settings: store.readSettings)
        var reader = RowBinaryReader(data)
        var out: [Event] = []
        while !reader.atEnd {
            guard let event = reader.event() else {
                throw ClickHouseError(code: .protocolError, message: "ClickHouse at \(store.url.address): a page of raw events ended in the middle of a row")
            }
            out.append(event)
        }
        return out
    }
}

/// Reads the rows of ``ClickHouseBackend/windowEvents(dataset:window:limit:)`` from ClickHouse's
/// `RowBinary`: `Int64` and `UInt64` little-endian, strings and arrays as a LEB128 length then
/// their bytes or elements.
struct RowBinaryReader {
    private let bytes: [UInt8]
    private var i = 0

    init(_ data: Data) { bytes = [UInt8](data) }

    var atEnd: Bool { i >= bytes.count }

    mutating func varint() -> Int? {
        var value = 0, shift = 0
        while i < bytes.count, shift < 63 {
            let b = bytes[i]
            i += 1
            value |= Int(b & 0x7F) << shift
            if b < 0x80 { return value }
            shift += 7
        }
        return nil
    }

    mutating func fixed64() -> UInt64? {
        guard i + 8 <= bytes.count else { return nil }
        var v: UInt64 = 0
        for k in 0..<8 { v |= UInt64(bytes[i + k]) << (8 * k) }
        i += 8
        return v
    }

    mutating func string() -> String? {
        guard let n = varint(), n >= 0, i + n <= bytes.count else { return nil }
        let s = String(decoding: bytes[i..<(i + n)], as: UTF8.self)
        i += n
        return s
    }

    mutating func strings() -> [String]? {
        guard let n = varint() else { return nil }
        var out: [String] = []
        out.reserveCapacity(n)
        for _ in 0..<n {
            guard let s = string() else { return nil }
            out.append(s)
        }
        return out
    }

    mutating func numbers() -> [UInt64]? {
        guard let n = varint() else { return nil }
        var out: [UInt64] = []
        out.reserveCapacity(n)
        for _ in 0..<n {
            guard let v = fixed64() else { return nil }
            out.append(v)
        }
        return out
    }

    mutating func flags() -> [Bool]? {
        guard let n = varint(), i + n <= bytes.count else { return nil }
        let out = bytes[i..<(i + n)].map { $0 != 0 }
        i += n
        return out
    }

    /// One row: time, sample rate, then the key/value arrays of strings, ints, floats, booleans.
    /// Fields come in that order (a table built from the events orders its columns itself).
    mutating func event() -> Event? {
        guard let t = fixed64(), let rate = fixed64(),
              let sk = strings(), let sv = strings(), let ik = strings(), let iv = numbers(),
              let fk = strings(), let fv = numbers(), let bk = strings(), let bv = flags() else { return nil }
        var fields: [Field] = []
        fields.reserveCapacity(sk.count + ik.count + fk.count + bk.count)
        for (k, v) in zip(sk, sv) { fields.append(Field(k, .string(v))) }
        for (k, v) in zip(ik, iv) { fields.append(Field(k, .int(Int64(bitPattern: v)))) }
        for (k, v) in zip(fk, fv) { fields.append(Field(k, .float(Double(bitPattern: v)))) }
        for (k, v) in zip(bk, bv) { fields.append(Field(k, .bool(v))) }
        return Event(timestamp: Int64(bitPattern: t), sampleRate: Int64(clamping: rate), fields: fields)
    }
}
