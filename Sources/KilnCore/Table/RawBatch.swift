/// Events decoded but not yet coded: flat arrays of field records, with no Swift `String` or
/// `Value` per field, so decoders can fill it and the store can code it without allocating.
///
/// Rows are added with ``beginRow()``, then `add…` per field, then ``endRow(timestamp:sampleRate:)``
/// (or ``abortRow()`` when the line turns out bad: nothing of it stays). Field names are
/// batch-local ids from ``nameID(_:)``.
public struct RawBatch: Sendable {
    /// Field names by batch-local id.
    public private(set) var names: [String] = []
    private var nameIDs: [String: Int] = [:]
    /// Event time per row (ns).
    public private(set) var timestamps: [Int64] = []
    /// Sample rate per row.
    public private(set) var sampleRates: [UInt32] = []
    /// True when some row has a sample rate above 1.
    public private(set) var isSampled = false
    /// Per row, the index of its first field record; one extra entry closes the last row.
    public private(set) var rowStarts: [Int] = [0]
    /// Name id per field record.
    public private(set) var recordNames: [UInt32] = []
    /// Value kind per field record (`ValueKind` raw values).
    public private(set) var recordKinds: [UInt8] = []
    /// Payload per field record: Int64 bits, Double bits, 0/1, or `offset << 24 | length` into `bytes`.
    public private(set) var recordPayloads: [UInt64] = []
    /// String bytes of every record, back to back.
    public private(set) var bytes: [UInt8] = []
    private var rowBytesStart = 0

    /// An empty batch.
    public init() {}

    /// Number of complete rows.
    public var count: Int { timestamps.count }

    /// Rough memory use in bytes (for batching decisions).
    public var byteSize: Int { bytes.count + recordPayloads.count * 13 + timestamps.count * 12 }

    /// The id of `name`, interning it in this batch.
    public mutating func nameID(_ name: String) -> Int {
        if let id = nameIDs[name] { return id }
        names.append(name)
        nameIDs[name] = names.count - 1
        return names.count - 1
    }

    /// Starts a row.
    public mutating func beginRow() {
        rowBytesStart = bytes.count
    }

    /// Adds a string field from UTF-8 bytes (valid UTF-8 is the caller's duty).
    public mutating func addString(name: Int, bytes b: UnsafeBufferPointer<UInt8>) {
        let offset = bytes.count
        bytes.append(contentsOf: b)
        push(name, .string, UInt64(offset) << 24 | UInt64(min(b.count, 0xFF_FFFF)))
    }

    /// Adds a string field.
    public mutating func addString(name: Int, _ s: String) {
        var s = s
        s.withUTF8 { addString(name: name, bytes: $0) }
    }

    /// Adds an integer field.
    public mutating func addInt(name: Int, _ v: Int64) { push(name, .int, UInt64(bitPattern: v)) }
    /// Adds a float field.
    public mutating func addFloat(name: Int, _ v: Double) { push(name, .float, v.bitPattern) }
    /// Adds a boolean field.
    public mutating func addBool(name: Int, _ v: Bool) { push(name, .bool, v ? 1 : 0) }

    /// Adds a typed value.
    public mutating func add(name: Int, _ value: Value) {
        switch value {
        case .string(let s): addString(name: name, s)
        case .int(let i): addInt(name: name, i)
        case .float(let d): addFloat(name: name, d)
        case .bool(let b): addBool(name: name, b)
        }
    }

    @inline(__always)
    private mutating func push(_ name: Int, _ kind: ValueKind, _ payload: UInt64) {
        recordNames.append(UInt32(name))
        recordKinds.append(kind.rawValue)
        recordPayloads.append(payload)
    }

    /// Completes the row begun last.
    public mutating func endRow(timestamp: Int64, sampleRate: Int64 = 1) {
        timestamps.append(timestamp)
        let rate = UInt32(clamping: max(1, sampleRate))
        if rate != 1 { isSampled = true }
        sampleRates.append(rate)
        rowStarts.append(recordNames.count)
    }

    /// Drops the fields added since ``beginRow()``.
    public mutating func abortRow() {
        let keep = rowStarts[rowStarts.count - 1]
        recordNames.removeSubrange(keep...)
        recordKinds.removeSubrange(keep...)
        recordPayloads.removeSubrange(keep...)
        bytes.removeSubrange(rowBytesStart...)
    }

    /// Appends a whole event.
    public mutating func append(_ event: Event) {
        beginRow()
        for field in event.fields { add(name: nameID(field.name), field.value) }
        endRow(timestamp: event.timestamp, sampleRate: event.sampleRate)
    }

    /// The value of record `r`.
    public func value(record r: Int) -> Value {
        let p = recordPayloads[r]
        switch recordKinds[r] {
        case ValueKind.int.rawValue: return .int(Int64(bitPattern: p))
        case ValueKind.float.rawValue: return .float(Double(bitPattern: p))
        case ValueKind.bool.rawValue: return .bool(p != 0)
        default:
            let offset = Int(p >> 24), length = Int(p & 0xFF_FFFF)
            return .string(String(decoding: bytes[offset..<(offset + length)], as: UTF8.self))
        }
    }

    /// Row `row` as an event (fields in record order).
    public func event(at row: Int) -> Event {
        let fields = (rowStarts[row]..<rowStarts[row + 1]).map { Field(names[Int(recordNames[$0])], value(record: $0)) }
        return Event(timestamp: timestamps[row], sampleRate: Int64(sampleRates[row]), fields: fields)
    }
}

extension RawBatch {
    /// Appends every row of `other` (its names are re-interned here).
    public mutating func append(contentsOf other: RawBatch) {
        let nameMap = other.names.map { nameID($0) }
        let recordBase = recordNames.count, byteBase = UInt64(bytes.count)
        bytes.append(contentsOf: other.bytes)
        recordNames.append(contentsOf: other.recordNames.lazy.map { UInt32(nameMap[Int($0)]) })
        recordKinds.append(contentsOf: other.recordKinds)
        for (kind, payload) in zip(other.recordKinds, other.recordPayloads) {
            recordPayloads.append(kind == ValueKind.string.rawValue ? payload + (byteBase << 24) : payload)
        }
        timestamps.append(contentsOf: other.timestamps)
        sampleRates.append(contentsOf: other.sampleRates)
        isSampled = isSampled || other.isSampled
        rowStarts.append(contentsOf: other.rowStarts.dropFirst().lazy.map { $0 + recordBase })
    }
}

extension RawBatch {
    /// Moves every event time by `delta` nanoseconds (the demo replays old data as if live).
    public mutating func shiftTimestamps(by delta: Int64) {
        for i in timestamps.indices { timestamps[i] &+= delta }
    }

    /// The latest event time, if any.
    public var maxTimestamp: Int64? { timestamps.max() }
}
