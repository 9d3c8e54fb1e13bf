import KilnCore

/// Reads a store: lists datasets and fields, loads a dataset into an ``EventTable`` and keeps it
/// up to date as writers append (``refresh(_:)``).
public final class StoreReader {
    private let db: Database
    /// The store's path.
    public let path: String

    /// Opens an existing store.
    public init(path: String) throws {
        self.path = path
        db = try EventStore.openForReading(path)
    }

    /// Every dataset with its size, newest data first.
    public func datasets() throws -> [DatasetInfo] {
        var out: [DatasetInfo] = []
        let sql = """
        SELECT d.name, d.rows, d.min_time, d.max_time,
          coalesce((SELECT sum(length(timestamps)) + sum(coalesce(length(sample_rates), 0)) FROM chunks c WHERE c.dataset_id = d.id), 0)
          + coalesce((SELECT sum(length(codes)) FROM chunk_columns cc WHERE cc.dataset_id = d.id), 0)
          + coalesce((SELECT sum(length(kinds) + length(payloads) + length(pool)) FROM dict_segments s WHERE s.dataset_id = d.id), 0),
          (SELECT count(*) FROM fields f WHERE f.dataset_id = d.id)
        FROM datasets d ORDER BY d.max_time DESC, d.name
        """
        try db.transaction {
            try db.prepare(sql).rows { r in
                out.append(DatasetInfo(name: r.text(0), events: r.int(1), minTime: r.isNull(2) ? nil : r.int(2),
                                       maxTime: r.isNull(3) ? nil : r.int(3), bytes: r.int(4), fieldCount: Int(r.int(5))))
            }
        }
        return out
    }

    /// The fields of `dataset`, most often present first.
    public func fields(dataset: String) throws -> [FieldInfo] {
        try db.transaction {
            let id = try datasetID(dataset)
            var kindCounts: [Int64: [Int]] = [:]
            try db.prepare("SELECT field_id, kinds FROM dict_segments WHERE dataset_id = ?").rows([.int(id)]) { r in
                var counts = kindCounts[r.int(0)] ?? [0, 0, 0, 0, 0]
                r.withBlob(1) { for k in $0 where k < 5 { counts[Int(k)] += 1 } }
                kindCounts[r.int(0)] = counts
            }
            var out: [FieldInfo] = []
            try db.prepare("SELECT field_id, name, dict_count, present FROM fields WHERE dataset_id = ? ORDER BY present DESC, name").rows([.int(id)]) { r in
                let counts = kindCounts[r.int(0)] ?? [0, 0, 0, 0, 0]
                let kinds = ValueKind.allCases.filter { $0 != .absent && counts[Int($0.rawValue)] > 0 }
                    .sorted { counts[Int($0.rawValue)] > counts[Int($1.rawValue)] }
                out.append(FieldInfo(name: r.text(1), kinds: kinds, distinct: r.int(2), present: r.int(3)))
            }
            return out
        }
    }

    /// Markers of `dataset` in time order.
    public func markers(dataset: String) throws -> [Marker] {
        try db.transaction {
            let id = try datasetID(dataset)
            var out: [Marker] = []
            try db.prepare("SELECT start_ns, end_ns, message, type, url FROM markers WHERE dataset_id = ? ORDER BY start_ns").rows([.int(id)]) { r in
                out.append(Marker(start: r.int(0), end: r.isNull(1) ? nil : r.int(1), message: r.text(2), type: r.text(3), url: r.isNull(4) ? nil : r.text(4)))
            }
            return out
        }
    }

    /// Loads every event of `dataset` into memory.
    public func load(dataset: String) throws -> LoadedDataset {
        var loaded = try db.transaction { LoadedDataset(dataset: dataset, datasetID: try datasetID(dataset)) }
        _ = try refresh(&loaded)
        return loaded
    }

    /// Appends what writers committed since the last load; returns the number of new events.
    public func refresh(_ loaded: inout LoadedDataset) throws -> Int {
        try db.transaction {
            let version = try db.prepare("SELECT version FROM datasets WHERE id = ?").scalarInt(.int(loaded.datasetID))
            guard let version else { throw StoreError.noSuchDataset(loaded.dataset, known: []) }
            guard version != loaded.version else { return 0 }
            try db.prepare("SELECT field_id, name FROM fields WHERE dataset_id = ? AND field_id >= ? ORDER BY field_id")
                .rows([.int(loaded.datasetID), .int(Int64(loaded.fieldNames.count))]) { r in
                    guard Int(r.int(0)) == loaded.fieldNames.count else { throw StoreError.corrupt("field ids have a gap") }
                    loaded.fieldNames.append(r.text(1))
                    loaded.dictionaryCounts.append(0)
                }
            var newValues: [String: ValueDictionary] = [:]
            try db.prepare("SELECT field_id, first_code, kinds, payloads, pool FROM dict_segments WHERE dataset_id = ? ORDER BY field_id, first_code")
                .rows([.int(loaded.datasetID)]) { r in
                    let fid = Int(r.int(0)), first = Int(r.int(1))
                    guard fid < loaded.fieldNames.count else { throw StoreError.corrupt("dictionary of unknown field \(fid)") }
                    guard first > loaded.dictionaryCounts[fid] else { return }
                    guard first == loaded.dictionaryCounts[fid] + 1 else { throw StoreError.corrupt("dictionary of field \(fid) has a gap") }
                    let name = loaded.fieldNames[fid]
                    // Taken out of the map while it grows, so appending does not copy it each time.
                    var segment = newValues.removeValue(forKey: name) ?? ValueDictionary()
                    let ok = r.withBlob(3) { p in segment.appendSegment(kinds: r.blob(2), payloads: [UInt64](littleEndianBytes: p), pool: r.blob(4)) }
                    guard ok else { throw StoreError.corrupt("dictionary segment \(fid)/\(first) is malformed") }
                    newValues[name] = segment
                    loaded.dictionaryCounts[fid] = first - 1 + r.withBlob(2) { $0.count }
                }
            let newRows = try db.prepare("SELECT coalesce(sum(rows), 0) FROM chunks WHERE dataset_id = ? AND chunk_id > ?")
                .scalarInt(.int(loaded.datasetID), .int(loaded.lastChunk)) ?? 0
            loaded.table.reserveCapacity(loaded.table.count + Int(newRows))
            var added = 0
            var firstBlock = true
            let columnsStmt = try db.prepare("SELECT field_id, width, codes FROM chunk_columns WHERE dataset_id = ? AND chunk_id = ?")
            try db.prepare("SELECT chunk_id, rows, timestamps, sample_rates FROM chunks WHERE dataset_id = ? AND chunk_id > ? ORDER BY chunk_id")
                .rows([.int(loaded.datasetID), .int(loaded.lastChunk)]) { r in
                    let chunk = r.int(0), rows = Int(r.int(1))
                    let times = r.withBlob(2) { [Int64](littleEndianBytes: $0) }
                    let rates: [UInt32]? = r.isNull(3) ? nil : r.withBlob(3) { [UInt32](littleEndianBytes: $0) }
                    guard times.count == rows, rates.map({ $0.count == rows }) ?? true else {
                        throw StoreError.corrupt("chunk \(chunk) of \(loaded.dataset) has the wrong length")
                    }
                    var columns: [String: CodeArray] = [:]
                    try columnsStmt.rows([.int(loaded.datasetID), .int(chunk)]) { c in
                        let fid = Int(c.int(0)), width = Int(c.int(1))
                        guard fid < loaded.fieldNames.count else { throw StoreError.corrupt("column \(fid) of chunk \(chunk)") }
                        columns[loaded.fieldNames[fid]] = try c.withBlob(2) { p in
                            guard let codes = CodeArray(stored: p, width: width, rows: rows) else {
                                throw StoreError.corrupt("column \(fid) of chunk \(chunk) is malformed")
                            }
                            return codes
                        }
                    }
                    loaded.table.appendBlock(timestamps: times, sampleRates: rates, dictionaries: firstBlock ? newValues : [:], columns: columns)
                    firstBlock = false
                    loaded.lastChunk = chunk
                    added += rows
                }
            if firstBlock && !newValues.isEmpty {
                loaded.table.appendBlock(timestamps: [], sampleRates: nil, dictionaries: newValues, columns: [:])
            }
            loaded.version = version
            return added
        }
    }

    private func datasetID(_ name: String) throws -> Int64 {
        if let id = try db.prepare("SELECT id FROM datasets WHERE name = ?").scalarInt(.text(name)) { return id }
        var known: [String] = []
        try db.prepare("SELECT name FROM datasets ORDER BY name").rows { known.append($0.text(0)) }
        throw StoreError.noSuchDataset(name, known: known)
    }
}

/// A dataset loaded into memory, with what is needed to load only what is new next time.
public struct LoadedDataset: Sendable {
    /// The dataset's name.
    public let dataset: String
    /// Its events.
    public internal(set) var table = EventTable()
    let datasetID: Int64
    var version: Int64 = -1
    var lastChunk: Int64 = 0
    var fieldNames: [String] = []
    var dictionaryCounts: [Int] = []

    init(dataset: String, datasetID: Int64) {
        self.dataset = dataset
        self.datasetID = datasetID
    }
}

extension CodeArray {
    /// Decodes a stored chunk column (see `ColumnBuffer.encoded(rows:)`); nil when malformed.
    init?(stored p: UnsafeRawBufferPointer, width: Int, rows: Int) {
        self.init(capacityFor: 0)
        switch width {
        case 1, 2, 4:
            guard p.count == rows * width, let codes = CodeArray(littleEndian: p, width: width) else { return nil }
            self = codes
        case 0x11, 0x12, 0x14:
            let w = width - 0x10
            guard p.count % (4 + w) == 0 else { return nil }
            let present = p.count / (4 + w)
            let rowIDs = [UInt32](littleEndianBytes: UnsafeRawBufferPointer(rebasing: p[0..<(present * 4)]))
            var codes = CodeArray(capacityFor: 0)
            codes.append(littleEndian: UnsafeRawBufferPointer(rebasing: p[(present * 4)...]), width: w)
            guard rowIDs.allSatisfy({ Int($0) < rows }) else { return nil }
            func scatter<T: FixedWidthInteger>(_: T.Type) -> [T] {
                var dense = [T](repeating: 0, count: rows)
                for (i, r) in rowIDs.enumerated() { dense[Int(r)] = T(truncatingIfNeeded: codes[i]) }
                return dense
            }
            switch codes {
            case .u8: self = .u8(scatter(UInt8.self))
            case .u16: self = .u16(scatter(UInt16.self))
            case .u32: self = .u32(scatter(UInt32.self))
            }
        default:
            return nil
        }
    }
}
