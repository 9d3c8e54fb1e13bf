import Foundation
import KilnCore

/// Writes events of one dataset into ClickHouse: each ``commit()`` is one INSERT into the
/// events table (through the Distributed table with `insert_distributed_sync=1` on a cluster),
/// so the events it counts are the ones ClickHouse confirmed.
public final class ClickHouseWriter: EventSink, @unchecked Sendable {
    /// The dataset written.
    public let dataset: String
    /// The store written to.
    public let store: ClickHouseStore
    /// The most distinct fields the dataset keeps.
    public var maxFields = 10_000
    /// Longest field name kept, in bytes.
    public static let maxNameBytes = 1_024
    /// Field values dropped so far.
    public private(set) var droppedValues = 0
    private var pending = RawBatch()
    private var known: Set<String>
    private var knownCount: Int
    private var lastSeq: UInt64 = 0
    /// The dataset's versions and their deploy markers (see `ClickHouseWriter+Deploys.swift`).
    var deploys: Deploys?

    /// A writer of `dataset`; creates the tables on first use and registers the dataset.
    public init(store: ClickHouseStore, dataset: String, now: Int64) throws {
        self.store = store
        self.dataset = dataset
        try store.prepare()
        let names = try store.rows("SELECT name FROM \(store.url.database).fields WHERE dataset = \(SQL.quote(dataset)) GROUP BY name").map { $0.first ?? "" }
        known = Set(names)
        knownCount = known.count
        try ClickHouseMetadata(store: store).register(dataset, now: now)
    }

    public var pendingCount: Int { pending.count }

    public func append(_ batch: RawBatch) {
        if pending.count == 0 { pending = batch } else { pending.append(contentsOf: batch) }
    }

    /// Inserts every buffered event in one statement; on failure they stay buffered.
    @discardableResult
    public func commit() throws -> Int {
        guard pending.count > 0 else { return 0 }
        var newNames: [String] = []
        var allowed: [Bool] = pending.names.map { name in
            if known.contains(name) { return true }
            return false
        }
        var added = Set<String>()
        for (i, name) in pending.names.enumerated() where !allowed[i] {
            if name.utf8.count <= Self.maxNameBytes, knownCount + added.count < maxFields {
                allowed[i] = true
                added.insert(name)
                newNames.append(name)
            }
        }
        // RowBinary: exact floats (18.16's text parser can be an ulp off) and no escaping.
        let sql = "INSERT INTO \(store.eventsTable) (dataset, time, timestamp_ns, sample_rate, duration_ms, trace_id, service_name, s_keys, s_values, i_keys, i_values, f_keys, f_values, b_keys, b_values, seq) FORMAT RowBinary"
        var out = RowBinary()
        out.bytes.reserveCapacity(pending.bytes.count * 2 + pending.count * 120)
        var dropped = 0
        let datasetLiteral = SQL.quote(dataset)
        // Arrival order: the commit's wall clock (ms, shifted) then the row, newest last.
        let seqBase = max(lastSeq + 1, UInt64(Date().timeIntervalSince1970 * 1e3) << 20)
        let allowedByName = Dictionary(zip(pending.names, allowed), uniquingKeysWith: { a, _ in a })
        for row in 0..<pending.count {
            let event = pending.event(at: row)
            var sKeys: [String] = [], sValues: [String] = [], iKeys: [String] = [], iValues: [Int64] = []
            var fKeys: [String] = [], fValues: [Double] = [], bKeys: [String] = [], bValues: [Bool] = []
            var duration = Double.nan, trace = "", service = ""
            for field in event.fields {
                guard allowedByName[field.name] ?? false else { dropped += 1; continue }
                switch field.value {
                case .string(let s):
                    sKeys.append(field.name); sValues.append(s)
                    if field.name == FieldName.traceID { trace = s }
                    if field.name == FieldName.serviceName { service = s }
                case .int(let i):
                    iKeys.append(field.name); iValues.append(i)
                    if field.name == FieldName.duration { duration = Double(i) }
                    if field.name == FieldName.traceID { trace = String(i) }
                case .float(let d):
                    fKeys.append(field.name); fValues.append(d)
                    if field.name == FieldName.duration { duration = d }
                case .bool(let b):
                    bKeys.append(field.name); bValues.append(b)
                }
            }
            out.string(dataset)
            out.uint32(UInt32(clamping: floorDiv(event.timestamp, 1_000_000_000)))
            out.int64(event.timestamp)
            out.uint64(UInt64(max(1, event.sampleRate)))
            out.float64(duration)
            out.string(trace)
            out.string(service)
            out.strings(sKeys); out.strings(sValues)
            out.strings(iKeys); out.count(iValues.count); for v in iValues { out.int64(v) }
            out.strings(fKeys); out.count(fValues.count); for v in fValues { out.float64(v) }
            out.strings(bKeys); out.count(bValues.count); for v in bValues { out.bytes.append(v ? 1 : 0) }
            out.uint64(seqBase + UInt64(row))
        }
        if !newNames.isEmpty {
            // Names first: a reader that sees an event can always name its fields.
            let now = Int64(Date().timeIntervalSince1970 * 1e9)
            let values = newNames.enumerated().map { "(\(datasetLiteral), \(SQL.quote($1)), \(now + Int64($0)))" }.joined(separator: ",")
            try store.client.execute("INSERT INTO \(store.url.database).fields (dataset, name, first_seen) VALUES " + values, settings: store.insertSettings)
        }
        try recordDeploys(in: pending)
        try store.client.execute(sql, body: Data(out.bytes), settings: store.insertSettings)
        lastSeq = seqBase + UInt64(pending.count)
        known.formUnion(newNames)
        knownCount = known.count
        droppedValues += dropped
        let n = pending.count
        pending = RawBatch()
        return n
    }

    private func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }
}


/// ClickHouse's RowBinary format: little-endian numbers, LEB128 lengths.
struct RowBinary {
    var bytes: [UInt8] = []

    mutating func count(_ n: Int) {
        var v = UInt64(n)
        repeat {
            var b = UInt8(v & 0x7F)
            v >>= 7
            if v != 0 { b |= 0x80 }
            bytes.append(b)
        } while v != 0
    }

    mutating func string(_ s: String) {
        var s = s
        s.withUTF8 { u in
            count(u.count)
            bytes.append(contentsOf: u)
        }
    }

    mutating func strings(_ list: [String]) {
        count(list.count)
        for s in list { string(s) }
    }

    mutating func uint32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func uint64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func int64(_ v: Int64) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func float64(_ v: Double) { uint64(v.bitPattern) }
}
