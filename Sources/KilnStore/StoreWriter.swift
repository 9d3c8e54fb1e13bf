import Dispatch
import KilnCore

/// Appends events to one dataset. Events are buffered by ``append(_:)`` and become durable,
/// all or nothing, at ``commit()``.
///
/// Several writers (an ingest and a server, say) may write the same dataset: each commit takes
/// SQLite's write lock first and then catches up with codes other writers added.
public final class StoreWriter: EventSink {
    let db: Database
    /// The dataset written to.
    public let dataset: String
    var datasetID: Int64 = 0
    private var knownVersion: Int64 = -1
    /// The dataset's dictionary generation the codes held here belong to.
    private var knownGeneration: Int64 = -1
    private var fieldIDs: [String: Int] = [:]
    private var encoders: [DictionaryEncoder] = []
    private var pending = RawBatch()

    /// Why the last merge of small chunks failed, if it did (the events were committed).
    public private(set) var lastCompactionError: String?

    /// Most distinct fields a dataset may have (Honeycomb's limit is 10,000 columns). Past it,
    /// the new fields of an event are dropped and counted, and the rest of the event is kept.
    public var maxFields = StoreWriter.defaultMaxFields
    /// The default of ``maxFields``.
    public static let defaultMaxFields = 10_000
    /// Longest field name, in UTF-8 bytes; a field with a longer name is dropped and counted.
    public static let maxNameBytes = 1_024
    /// Field values dropped by the commits so far (past ``maxFields`` or a name too long).
    public private(set) var droppedValues = 0
    /// Distinct field names dropped by the commits so far (counted once per commit).
    public private(set) var droppedNames = 0
    /// Per event of the last commit, the fields dropped; empty when none was.
    public private(set) var lastDroppedPerRow: [UInt32] = []
    private var pendingDrops = (names: 0, values: 0)
    private var pendingDroppedNames: [String] = []
    private var pendingDroppedPerRow: [UInt32] = []

    /// Most events in a chunk made by merging small ones (see ``compact()``). A store under a
    /// size limit lowers it, so that retention, which deletes whole chunks, can hold the limit
    /// closely.
    public var maxMergedRows = EventStore.chunkRows

    /// Events stored in every dataset of the store (a sum over the datasets' rows).
    public func storedEvents() throws -> Int64 {
        try db.prepare("SELECT coalesce(sum(rows), 0) FROM datasets").scalarInt() ?? 0
    }

    /// Events buffered and not yet committed.
    public var pendingCount: Int { pending.count }

    let selectDataset: Statement
    private let insertChunk: Statement
    let insertColumn: Statement
    private let insertSegment: Statement
    private let insertSegmentKinds: Statement
    private let insertField: Statement
    private let updateField: Statement
    private let updateDataset: Statement

    /// Opens (creating when missing) `path` and the dataset `dataset` for appending.
    public init(path: String, dataset: String, now: Int64) throws {
        guard !dataset.isEmpty, dataset.utf8.count <= 255 else {
            throw StoreError.invalid("dataset names are 1 to 255 bytes long")
        }
        db = try EventStore.openForWriting(path)
        self.dataset = dataset
        selectDataset = try db.prepare("SELECT id, version, rows, next_chunk, generation FROM datasets WHERE name = ?")
        insertChunk = try db.prepare("INSERT INTO chunks(dataset_id, chunk_id, first_row, rows, min_time, max_time, timestamps, sample_rates) VALUES (?,?,?,?,?,?,?,?)")
        insertColumn = try db.prepare("INSERT INTO chunk_columns(dataset_id, chunk_id, field_id, width, codes) VALUES (?,?,?,?,?)")
        insertSegment = try db.prepare("INSERT INTO dict_segments(dataset_id, field_id, first_code, count, kinds, payloads, pool) VALUES (?,?,?,?,?,?,?)")
        insertSegmentKinds = try SegmentKinds.insertStatement(db)
        insertField = try db.prepare("INSERT INTO fields(dataset_id, field_id, name) VALUES (?,?,?)")
        updateField = try db.prepare("UPDATE fields SET dict_count = ?, present = present + ? WHERE dataset_id = ? AND field_id = ?")
        updateDataset = try db.prepare("UPDATE datasets SET rows = rows + ?, min_time = min(coalesce(min_time, ?), ?), max_time = max(coalesce(max_time, ?), ?), version = version + 1, next_chunk = next_chunk + 1 WHERE id = ?")
        try db.transaction(immediate: true) {
            try db.prepare("INSERT OR IGNORE INTO datasets(name, created_ns) VALUES (?, ?)").run(.text(dataset), .int(now))
        }
    }

    /// The store's pages in use plus its write-ahead log file (what `--max-db-size` measures),
    /// read on this writer's connection: a few page reads, cheap enough after every commit.
    public func limitedBytes() throws -> Int64 {
        try EventStore.usedBytes(of: db) + (StoreFile.size(db.path + "-wal") ?? 0)
    }

    /// Keeps the write-ahead log small beside a store under a size limit: checkpoints once it
    /// holds `bytes` (at most SQLite's default 1,000 pages) and truncates the log to that size
    /// after each checkpoint.
    public func boundLog(bytes: Int64) {
        let pages = max(16, min(1_000, bytes / 4_096))
        try? db.execute("PRAGMA wal_autocheckpoint=\(pages); PRAGMA journal_size_limit=\(pages * 4_096)")
    }

    /// Buffers events for the next commit.
    public func append<S: Sequence>(_ events: S) where S.Element == Event {
        for event in events { pending.append(event) }
    }

    /// Buffers decoded rows for the next commit (the fast path: no per-field objects).
    /// A large batch handed over while nothing is pending is taken without copying.
    public func append(_ batch: RawBatch) {
        if pending.count == 0 {
            pending = batch
        } else {
            pending.append(contentsOf: batch)
        }
    }

    /// Writes every buffered event as one chunk in one transaction; returns how many were written.
    /// On failure nothing of the batch is in the store and the events stay buffered.
    @discardableResult
    public func commit() throws -> Int {
        guard pending.count > 0 else { return 0 }
        do {
            let n = try db.transaction(immediate: true) { () -> Int in
                try recordDeploys(in: pending)
                // Events far from the bulk of the batch go into chunks of their own, so that
                // each chunk's time range stays tight (see `RawBatch.timeClusters()`).
                guard let clusters = pending.timeClusters() else { return try writeChunk() }
                let whole = pending
                defer { pending = whole }
                var written = 0
                for cluster in clusters {
                    pending = cluster
                    written += try writeChunk()
                }
                return written
            }
            pending = RawBatch()
            droppedNames += pendingDrops.names
            droppedValues += pendingDrops.values
            lastDroppedPerRow = pendingDroppedPerRow
            pendingDroppedPerRow = []
            // The events are durable; merging small chunks is housekeeping, and a failed
            // merge leaves the store as it was (see ``compact()``). Only a small chunk can
            // complete a run of small ones, so bulk loads skip the check.
            if n < Self.smallChunkRows {
                do { try compact() } catch { lastCompactionError = "\(error)" }
            }
            return n
        } catch {
            // Codes handed out in the failed transaction were not stored: start over next time.
            knownVersion = -1
            knownGeneration = -1
            fieldIDs = [:]
            encoders = []
            throw error
        }
    }

    /// Batches of at least this many events code their fields on all cores.
    static let parallelRows = 4_096
    /// Groups of fields coded concurrently: a few more than cores, so that one field costly to
    /// code (a unique id) does not leave a core idle at the end.
    static let codingGroups = 4
    /// Values a field's dictionary holds before its lookups miss the cache (slots of 8 bytes,
    /// at most half full: about 1 MB).
    static let cachedValues = 65_536

    private func writeChunk() throws -> Int {
        var state: (version: Int64, rows: Int64, nextChunk: Int64, generation: Int64)?
        try selectDataset.rows([.text(dataset)]) { r in
            datasetID = r.int(0)
            state = (r.int(1), r.int(2), r.int(3), r.int(4))
        }
        guard let state else { throw StoreError.corrupt("dataset \(dataset) vanished while writing") }
        if state.generation != knownGeneration {
            // Dictionaries were rebuilt (retention): the codes held here mean nothing now.
            fieldIDs = [:]
            encoders = []
            knownGeneration = state.generation
            knownVersion = -1
        }
        if state.version != knownVersion { try catchUp() }

        let n = pending.count
        var columns: [ColumnBuffer?] = Array(repeating: nil, count: encoders.count)
        var dictBefore: [Int] = Array(repeating: -1, count: encoders.count)
        var touched: [Int] = []
        var newFields: [(Int, String)] = []
        // Batch-local name ids to the dataset's field ids, resolved once per name.
        var fieldOfName: [Int] = []
        fieldOfName.reserveCapacity(pending.names.count)
        pendingDrops = (0, 0)
        pendingDroppedPerRow = []
        pendingDroppedNames = []
        for name in pending.names {
            if let known = fieldIDs[name] {
                fieldOfName.append(known)
            } else if encoders.count >= maxFields || name.utf8.count > Self.maxNameBytes {
                fieldOfName.append(-1)
                pendingDrops.names += 1
                pendingDroppedNames.append(name)
            } else {
                let fid = encoders.count
                fieldIDs[name] = fid
                encoders.append(DictionaryEncoder())
                columns.append(nil)
                dictBefore.append(-1)
                newFields.append((fid, name))
                fieldOfName.append(fid)
            }
        }
        // One pass in row order finds the fields present, their records (weighted by what
        // coding them costs: strings more than numbers) and the values of dropped names.
        var weight = [Int](repeating: 0, count: encoders.count)
        var present = [Int](repeating: 0, count: encoders.count)
        pending.withRecords { records in
            for row in 0..<n {
                for r in records.of(row: row) {
                    let fid = fieldOfName[Int(records.names[r])]
                    if fid < 0 {
                        pendingDrops.values += 1
                        if pendingDroppedPerRow.isEmpty { pendingDroppedPerRow = Array(repeating: 0, count: n) }
                        pendingDroppedPerRow[row] += 1
                        continue
                    }
                    weight[fid] += records.kinds[r] == ValueKind.string.rawValue ? 4 : 1
                    present[fid] += 1
                }
            }
        }
        for fid in weight.indices where weight[fid] > 0 {
            dictBefore[fid] = encoders[fid].dictionary.count
            touched.append(fid)
            // A lookup in a table bigger than the cache waits on memory: a field of many
            // values (ids) costs several times one of few.
            if dictBefore[fid] > Self.cachedValues { weight[fid] *= 4 }
        }
        // Fields are coded independently (a field's codes come out the same either way: first
        // seen, first numbered), in groups on all cores for a large batch. Each group walks
        // every record in row order and codes those of its fields: the batch's bytes are read
        // front to back, where walking one field at a time would miss the cache on every row.
        let groupCount = n >= Self.parallelRows ? max(1, min(touched.count, Self.codingGroups)) : 1
        var groupOf = [Int](repeating: -1, count: encoders.count)
        var load = [Int](repeating: 0, count: groupCount)
        for fid in touched.sorted(by: { weight[$0] > weight[$1] }) {
            let g = load.indices.min { load[$0] < load[$1] }!
            groupOf[fid] = g
            load[g] += weight[fid]
        }
        for fid in touched {
            columns[fid] = ColumnBuffer()
            columns[fid]!.reserve(present[fid])
        }
        let fieldOf = fieldOfName, owner = groupOf
        pending.withRecords { records in
            encoders.withUnsafeMutableBufferPointer { encoders in
                columns.withUnsafeMutableBufferPointer { columns in
                    let shared = UnsafeSendable((records, encoders, columns))
                    func code(_ g: Int) {
                        let (records, encoders, columns) = shared.value
                        for row in 0..<n {
                            for r in records.of(row: row) {
                                let fid = fieldOf[Int(records.names[r])]
                                guard fid >= 0, owner[fid] == g else { continue }
                                let c = encoders[fid].code(kind: records.kinds[r], payload: records.payloads[r], bytes: records.bytes)
                                columns[fid]!.append(row: row, code: c)
                            }
                        }
                    }
                    guard groupCount > 1 else { return code(0) }
                    withoutActuallyEscaping(code) { code in
                        let work = UnsafeSendable(code)
                        DispatchQueue.concurrentPerform(iterations: groupCount) { work.value($0) }
                    }
                }
            }
        }
        let times = pending.timestamps
        let rates = pending.sampleRates
        let sampled = pending.isSampled

        let chunkID = state.nextChunk
        for (fid, name) in newFields {
            try insertField.run(.int(datasetID), .int(Int64(fid)), .text(name))
        }
        for fid in touched.sorted() {
            let before = dictBefore[fid]
            let dict = encoders[fid].dictionary
            if dict.count > before {
                let parts = dict.segmentParts(from: before + 1)
                try insertSegment.run(.int(datasetID), .int(Int64(fid)), .int(Int64(before + 1)), .int(Int64(dict.count - before)),
                                      .blob(parts.kinds), .blob(parts.payloads.littleEndianBytes), .blob(parts.pool))
                try SegmentKinds.record(parts.kinds, segment: db.lastInsertRowID, datasetID: datasetID, field: Int64(fid), using: insertSegmentKinds)
            }
            let column = columns[fid]!
            let (width, bytes) = column.encoded(rows: n)
            try insertColumn.run(.int(datasetID), .int(chunkID), .int(Int64(fid)), .int(Int64(width)), .blob(bytes))
            try updateField.run(.int(Int64(dict.count)), .int(Int64(column.rows.count)), .int(datasetID), .int(Int64(fid)))
        }
        let minTime = times.min() ?? 0, maxTime = times.max() ?? 0
        try insertChunk.run(.int(datasetID), .int(chunkID), .int(state.rows), .int(Int64(n)), .int(minTime), .int(maxTime),
                            .blob(times.littleEndianBytes), sampled ? .blob(rates.littleEndianBytes) : .null)
        try updateDataset.run(.int(Int64(n)), .int(minTime), .int(minTime), .int(maxTime), .int(maxTime), .int(datasetID))
        if pendingDrops.values > 0 {
            try recordDrops(names: pendingDroppedNames, events: Int64(pendingDroppedPerRow.lazy.filter { $0 > 0 }.count),
                            values: Int64(pendingDrops.values))
        }
        knownVersion = state.version + 1
        return n
    }

    /// Adds to the dataset's counts of dropped fields (`kiln fields`): distinct names by a
    /// 64-bit hash of each, exact up to ``DroppedFields/exactNames`` names, then counted once
    /// per commit (a flood of names must not grow the store without bound).
    private func recordDrops(names: [String], events: Int64, values: Int64) throws {
        var tracked = try db.prepare("SELECT count(*) FROM dropped_names WHERE dataset_id = ?").scalarInt(.int(datasetID)) ?? 0
        let insert = try db.prepare("INSERT OR IGNORE INTO dropped_names(dataset_id, name_hash) VALUES (?, ?)")
        var newNames: Int64 = 0
        for name in Set(names) {
            if tracked >= DroppedFields.exactNames {
                newNames += 1
                continue
            }
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325
            for byte in name.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
            try insert.run(.int(datasetID), .int(Int64(bitPattern: hash)))
            if db.changes > 0 {
                newNames += 1
                tracked += 1
            }
        }
        let add = try db.prepare("""
            INSERT INTO dataset_settings(dataset_id, key, value) VALUES (?, ?, ?)
            ON CONFLICT(dataset_id, key) DO UPDATE SET value = CAST(CAST(value AS INTEGER) + CAST(excluded.value AS INTEGER) AS TEXT)
            """)
        for (key, amount) in [("dropped_names", newNames), ("dropped_events", events), ("dropped_values", values)] where amount > 0 {
            try add.run(.int(datasetID), .text(key), .text(String(amount)))
        }
    }

    /// Loads fields and dictionary values that other writers (or earlier runs) stored.
    private func catchUp() throws {
        try db.prepare("SELECT field_id, name FROM fields WHERE dataset_id = ? ORDER BY field_id").rows([.int(datasetID)]) { r in
            let fid = Int(r.int(0))
            guard fid >= encoders.count else { return }
            guard fid == encoders.count else { throw StoreError.corrupt("field ids of \(dataset) have a gap at \(fid)") }
            fieldIDs[r.text(1)] = fid
            encoders.append(DictionaryEncoder())
        }
        let segments = try db.prepare("SELECT field_id, first_code, kinds, payloads, pool FROM dict_segments WHERE dataset_id = ? ORDER BY field_id, first_code")
        try segments.rows([.int(datasetID)]) { r in
            let fid = Int(r.int(0)), first = Int(r.int(1))
            guard fid < encoders.count else { throw StoreError.corrupt("dictionary of unknown field \(fid)") }
            guard first > encoders[fid].dictionary.count else { return }
            guard first == encoders[fid].dictionary.count + 1 else { throw StoreError.corrupt("dictionary of field \(fid) has a gap at \(first)") }
            var segment = ValueDictionary()
            let ok = r.withBlob(3) { p in segment.appendSegment(kinds: r.blob(2), payloads: [UInt64](littleEndianBytes: p), pool: r.blob(4)) }
            guard ok else { throw StoreError.corrupt("dictionary segment \(fid)/\(first) is malformed") }
            encoders[fid].absorb(segment)
        }
    }
}

/// Lets one value cross to other threads that the caller keeps apart: the iterations of a
/// `concurrentPerform` touching disjoint parts of it, or a worker the caller waits for.
struct UnsafeSendable<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}

/// The codes of one field in one chunk, as (row, code) pairs for the rows that have it.
struct ColumnBuffer {
    var rows: [UInt32] = []
    var codes: [UInt32] = []
    var maxCode: UInt32 = 0

    mutating func reserve(_ n: Int) {
        rows.reserveCapacity(n)
        codes.reserveCapacity(n)
    }

    mutating func append(row: Int, code: UInt32) {
        if let last = rows.last, last == UInt32(row) {
            // The same field twice in one event: the last one wins.
            codes[codes.count - 1] = code
            maxCode = max(maxCode, code)
            return
        }
        rows.append(UInt32(row))
        codes.append(code)
        maxCode = max(maxCode, code)
    }

    /// The stored form: dense codes (width 1, 2 or 4), or, when few rows have the field,
    /// sparse (width 0x10 + w): the row numbers as UInt32 followed by their codes at width w.
    func encoded(rows n: Int) -> (width: Int, bytes: [UInt8]) {
        let w = maxCode <= 0xFF ? 1 : (maxCode <= 0xFFFF ? 2 : 4)
        if rows.count * (4 + w) < n * w {
            let (_, codeBytes) = CodeArray.encode(codes, maxCode: maxCode)
            return (0x10 + w, rows.littleEndianBytes + codeBytes)
        }
        var dense = [UInt32](repeating: 0, count: n)
        for (r, c) in zip(rows, codes) { dense[Int(r)] = c }
        return CodeArray.encode(dense, maxCode: maxCode)
    }
}
