import KilnCore

/// The fields of one line while it is decoded, before a ``RowSink`` takes them: flat records
/// naming a field (an id of the decoder's ``FieldNameTable``) and its value. String values stay
/// where they are in the line, or sit in ``scratch`` when they had to be unescaped or rebuilt.
///
/// Every decoder fills one of these, so both outputs (events, raw batches) come from the same
/// parsing code. Nothing is allocated per field once the arrays have grown to the widest line.
struct RowFields {
    /// One field.
    struct Record {
        /// The name's id in the decoder's ``FieldNameTable``.
        var name: Int32
        /// `ValueKind` raw value.
        var kind: UInt8
        /// Strings: the bytes are in `scratch` (else in the line).
        var inScratch: Bool
        /// JSON: the member came from inside a top-level `data` object.
        var inData: Bool
        /// Strings: the length of the bytes.
        var length: Int32
        /// Int64 bits, Double bits, 0/1; for strings the offset of the bytes.
        var payload: UInt64

        static func int(_ v: Int64) -> Record {
            Record(name: 0, kind: ValueKind.int.rawValue, inScratch: false, inData: false, length: 0, payload: UInt64(bitPattern: v))
        }

        static func float(_ d: Double) -> Record {
            Record(name: 0, kind: ValueKind.float.rawValue, inScratch: false, inData: false, length: 0, payload: d.bitPattern)
        }

        static func bool(_ b: Bool) -> Record {
            Record(name: 0, kind: ValueKind.bool.rawValue, inScratch: false, inData: false, length: 0, payload: b ? 1 : 0)
        }

        /// A string at `offset` (in the line, or in `scratch` when `inScratch`).
        static func string(at offset: Int, count: Int, inScratch: Bool) -> Record {
            Record(name: 0, kind: ValueKind.string.rawValue, inScratch: inScratch, inData: false,
                   length: Int32(truncatingIfNeeded: count), payload: UInt64(truncatingIfNeeded: offset))
        }

        /// `self` named `id`.
        func named(_ id: Int) -> Record {
            var r = self
            r.name = Int32(truncatingIfNeeded: id)
            return r
        }
    }

    /// The fields, in output order.
    var records: [Record] = []
    /// Bytes of string values that are not in the line as they are.
    var scratch: [UInt8] = []

    init() {
        records.reserveCapacity(32)
        scratch.reserveCapacity(256)
    }

    var count: Int { records.count }

    /// Empties the row for the next line, keeping capacity.
    @inline(__always)
    mutating func removeAll() {
        records.removeAll(keepingCapacity: true)
        scratch.removeAll(keepingCapacity: true)
    }

    /// Appends a field (duplicates are the caller's business; see ``set(_:_:stamp:names:)``).
    @inline(__always)
    mutating func append(_ id: Int, _ value: Record) {
        records.append(value.named(id))
    }

    /// Adds a field, or replaces the value of an earlier field of the same name in this line
    /// (the earlier field keeps its place). `stamp` tells lines (and JSON regions) apart.
    /// - Complexity: O(1) amortized.
    @inline(__always)
    mutating func set(_ id: Int, _ value: Record, stamp: UInt64, inData: Bool = false, names: inout FieldNameTable) {
        let earlier = names.names[id].claim(stamp: stamp, fieldIndex: Int32(truncatingIfNeeded: records.count))
        if earlier >= 0 {
            let at = Int(earlier)
            let keep = records[at]
            records[at] = value
            records[at].name = keep.name
            records[at].inData = keep.inData
            return
        }
        var r = value.named(id)
        r.inData = inData
        records.append(r)
    }

    /// Removes the field `id` set earlier in this line with the same `stamp` (a JSON `null`, a
    /// logfmt `key=`); nothing when there is none.
    /// - Complexity: O(number of fields).
    mutating func remove(_ id: Int, stamp: UInt64, names: inout FieldNameTable) {
        guard names.names[id].stamp == stamp else { return }
        let at = Int(names.names[id].fieldIndex)
        records.remove(at: at)
        names.names[id].stamp = 0
        for k in at..<records.count { names.names[Int(records[k].name)].fieldIndex -= 1 }
    }

    /// Calls `body` with the bytes of string record `r`; `line` is the line's first byte.
    @inline(__always)
    func withBytes<R>(_ r: Record, line: UnsafePointer<UInt8>?, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        let offset = Int(truncatingIfNeeded: r.payload), length = Int(r.length)
        if r.inScratch {
            return scratch.withUnsafeBufferPointer { s in
                body(length == 0 ? UnsafeBufferPointer(start: nil, count: 0) : UnsafeBufferPointer(rebasing: s[offset..<(offset + length)]))
            }
        }
        guard let line, length > 0 else { return body(UnsafeBufferPointer(start: nil, count: 0)) }
        return body(UnsafeBufferPointer(start: line + offset, count: length))
    }

    /// The value of record `r`.
    func value(_ r: Record, line: UnsafePointer<UInt8>?) -> Value {
        switch r.kind {
        case ValueKind.int.rawValue: return .int(Int64(bitPattern: r.payload))
        case ValueKind.float.rawValue: return .float(Double(bitPattern: r.payload))
        case ValueKind.bool.rawValue: return .bool(r.payload != 0)
        default: return .string(withBytes(r, line: line) { String(decoding: $0, as: UTF8.self) })
        }
    }

    /// The time record `r` stands for (see ``EventTime``), or why it stands for none.
    func time(_ r: Record, line: UnsafePointer<UInt8>?) -> Result<Int64, IngestError> {
        switch r.kind {
        case ValueKind.int.rawValue:
            let v = Int64(bitPattern: r.payload)
            return EventTime.epoch(v).map { .success($0) } ?? .failure(.badTime(String(v), "it is out of range as an epoch time"))
        case ValueKind.float.rawValue:
            let d = Double(bitPattern: r.payload)
            return EventTime.epoch(d).map { .success($0) } ?? .failure(.badTime(Value.format(d), "it is out of range as an epoch time"))
        case ValueKind.bool.rawValue:
            return .failure(.badTime(r.payload != 0 ? "true" : "false", "a boolean is not a time"))
        default:
            return withBytes(r, line: line) { EventTime.read($0) }
        }
    }

    /// The time record `r` stands for (see ``EventTime``), nil when none.
    func nanos(_ r: Record, line: UnsafePointer<UInt8>?) -> Int64? {
        if case .success(let t) = time(r, line: line) { return t }
        return nil
    }

    /// Takes the event time out of the row: the field whose name ranks first among the time
    /// candidates decides. When it holds a usable time it is removed and its time returned;
    /// when there is none, nil; when it holds something else (`2024-02-30`, `true`, a year
    /// before 1970), the line is rejected with the reason.
    /// - Complexity: O(number of fields)
    mutating func takeTime(names: FieldNameTable, line: UnsafePointer<UInt8>?) throws(IngestError) -> Int64? {
        var best = -1
        var bestRank = FieldNameTable.notTime
        for k in records.indices {
            let rank = names.names[Int(records[k].name)].timeRank
            if rank < bestRank {
                bestRank = rank
                best = k
            }
        }
        guard best >= 0 else { return nil }
        switch time(records[best], line: line) {
        case .success(let t):
            records.remove(at: best)
            return t
        case .failure(let e):
            throw IngestError.badTime(field: names.names[Int(records[best].name)].text, e)
        }
    }

    /// The row as event fields.
    /// - Complexity: O(number of fields + string bytes)
    func fields(line: UnsafePointer<UInt8>?, names: FieldNameTable) -> [Field] {
        var fields: [Field] = []
        fields.reserveCapacity(records.count)
        for r in records { fields.append(Field(names.names[Int(r.name)].text, value(r, line: line))) }
        return fields
    }
}
