import KilnCore

/// Reads a store: lists datasets and fields, loads a dataset into an ``EventTable`` and keeps it
/// up to date as writers append (``refresh(_:)``).
public final class StoreReader {
    let db: Database
    /// The store's path.
    public let path: String
    /// False to keep every value in memory (see ``deferMinimumValues``).
    public var deferValues = true
    /// Fields whose values stay in the store: only strings, at least this many distinct
    /// values, and at least one distinct value per ``deferRatio`` events (ids, not categories).
    public var deferMinimumValues = 65_536
    private let segmentSource: SegmentSource
    /// False for stores written before chunks could be merged.
    private let hasParts: Bool

    /// Opens an existing store.
    public init(path: String) throws {
        self.path = path
        db = try EventStore.openForReading(path)
        segmentSource = SegmentSource(path: path)
        hasParts = try EventStore.hasColumn(db, table: "chunks", column: "parts")
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

    /// The names of the fields of `dataset`, in first-seen order.
    public func fieldNames(dataset: String) throws -> [String] {
        try db.transaction {
            let id = try datasetID(dataset)
            var out: [String] = []
            try db.prepare("SELECT name FROM fields WHERE dataset_id = ? ORDER BY field_id").rows([.int(id)]) { out.append($0.text(0)) }
            return out
        }
    }

    /// The fields of `dataset`, most often present first.
    public func fields(dataset: String) throws -> [FieldInfo] {
        try db.transaction {
            let id = try datasetID(dataset)
            var kindCounts: [Int64: [Int]] = [:]
            let kindsOf = try db.prepare("SELECT kinds FROM dict_segments WHERE rowid = ?")
            try Self.segmentsWithKinds(db, where: "s.dataset_id = ?").rows([.int(id)]) { r in
                var counts = kindCounts[r.int(1)] ?? [0, 0, 0, 0, 0]
                if let tally = try Self.kindCounts(r, count: Int(r.int(3)), rowid: r.int(0), kindsOf: kindsOf) {
                    for k in 1...4 { counts[k] += tally[k] }
                }
                kindCounts[r.int(1)] = counts
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

    /// What the field limits dropped from `dataset`'s events (zero for stores written before
    /// drops were counted).
    public func droppedFields(dataset: String) throws -> DroppedFields {
        try db.transaction {
            let id = try datasetID(dataset)
            var out = DroppedFields()
            guard try EventStore.hasColumn(db, table: "dataset_settings", column: "value") else { return out }
            try db.prepare("SELECT key, CAST(value AS INTEGER) FROM dataset_settings WHERE dataset_id = ? AND key LIKE 'dropped_%'")
                .rows([.int(id)]) { r in
                    switch r.text(0) {
                    case "dropped_names": out.names = r.int(1)
                    case "dropped_events": out.events = r.int(1)
                    case "dropped_values": out.values = r.int(1)
                    default: break
                    }
                }
            return out
        }
    }

    /// Markers of `dataset` in time order, with their ids.
    public func markers(dataset: String) throws -> [Marker] {
        try db.transaction {
            let id = try datasetID(dataset)
            let automatic = try EventStore.hasColumn(db, table: "markers", column: "automatic") ? "automatic" : "0"
            var out: [Marker] = []
            try db.prepare("SELECT start_ns, end_ns, message, type, url, id, \(automatic) FROM markers WHERE dataset_id = ? ORDER BY start_ns, id")
                .rows([.int(id)]) { r in
                    out.append(Marker(start: r.int(0), end: r.isNull(1) ? nil : r.int(1), message: r.isNull(2) ? "" : r.text(2),
                                      type: r.isNull(3) ? "" : r.text(3), url: r.isNull(4) ? nil : r.text(4), id: r.int(5),
                                      automatic: r.int(6) != 0))
                }
            return out
        }
    }

    /// The field whose new values mark deploys in `dataset` (`service.version` unless set).
    public func versionField(dataset: String) throws -> String {
        try db.transaction {
            let id = try datasetID(dataset)
            guard try EventStore.hasColumn(db, table: "dataset_settings", column: "value") else { return StoreWriter.defaultVersionField }
            return try StoreWriter.setting(db, datasetID: id, key: "version_field") ?? StoreWriter.defaultVersionField
        }
    }

    /// The fields `dataset`'s spans keep their trace, span, parent and duration in
    /// (`kiln datasets set-trace-fields`; ``TraceFields/standard`` unless set).
    public func traceFields(dataset: String) throws -> TraceFields {
        try db.transaction {
            let id = try datasetID(dataset)
            guard try EventStore.hasColumn(db, table: "dataset_settings", column: "value") else { return .standard }
            return try StoreWriter.traceFields(db, datasetID: id)
        }
    }

    /// Loads the events of `dataset` in the time window `window` into memory: only the chunks
    /// whose time range overlaps the window are read, so the cost follows the window, not the
    /// size of the dataset. Every event in the window is loaded, with some outside it (the rest
    /// of the chunks read), so scopes within the window give the same answers as a full load.
    /// - Complexity: O(chunks of the dataset) to choose, O(rows of the chunks read) to load.
    /// - Parameter progress: called after each chunk with the events loaded so far and the
    ///   events to load; returning false stops the load, which throws ``StoreError/cancelled``.
    /// - Parameters:
    ///   - chunks: only the chunks with these ids (a batch of a ``chunkPlan(dataset:window:fields:)``).
    ///   - fields: only these fields' columns and values (nil: every field); the rest stay absent.
    ///   - budget: hold only the newest part of `window` that fits these bytes in memory
    ///     (``fit(dataset:window:budget:factor:)``); the result's ``LoadedDataset/askedWindow`` is `window`.
    public func load(dataset: String, window: TimeWindow = .all, chunks: ClosedRange<Int64>? = nil, fields: [String]? = nil,
                     budget: Int64? = nil, progress: ((Int, Int) -> Bool)? = nil) throws -> LoadedDataset {
        if let budget, chunks == nil {
            let held = try db.transaction { try fit(dataset: dataset, window: window, budget: budget) }
            var loaded = try load(dataset: dataset, window: held, fields: fields, progress: progress)
            loaded.askedWindow = window
            return loaded
        }
        var loaded = try db.transaction { LoadedDataset(dataset: dataset, datasetID: try datasetID(dataset), window: window) }
        loaded.chunkRange = chunks ?? (Int64.min...Int64.max)
        loaded.onlyFields = fields.map(Set.init)
        // A whole load reads most of the file: mapping it saves a read() copy per page. The
        // mapping goes when done, so the store's pages do not stay in the process's memory. A
        // window or a few columns read a small part: mapped, every page touched would count.
        guard window == .all, chunks == nil, fields == nil else {
            _ = try refresh(&loaded, progress: progress)
            return loaded
        }
        _ = try mapped { try refresh(&loaded, progress: progress) }
        return loaded
    }

    /// Replaces the rows of `loaded`, a load of one batch of chunks, with those of the chunks
    /// `batch`, keeping the values already read: the next batch of a streamed read, inside one
    /// ``snapshot(_:)`` (so that no dictionary grows in between).
    public func loadNext(_ loaded: inout LoadedDataset, chunks batch: ClosedRange<Int64>) throws {
        loaded.table.removeAllRows()
        loaded.chunkRange = batch
        // From the start, as a new load: a merged chunk's parts are then never taken as read.
        loaded.lastChunk = 0
        loaded.version = -1
        _ = try refresh(&loaded)
    }

    /// Appends what writers committed since the last load; returns the number of new events.
    ///
    /// Near-unique string fields (see ``deferMinimumValues``) keep only their codes in memory;
    /// their values load from the store when something asks for them.
    public func refresh(_ loaded: inout LoadedDataset, progress: ((Int, Int) -> Bool)? = nil) throws -> Int {
        try db.transaction {
            var row: (version: Int64, generation: Int64)?
            let generation = try EventStore.hasColumn(db, table: "datasets", column: "generation") ? "generation" : "0"
            try db.prepare("SELECT version, \(generation) FROM datasets WHERE id = ?").rows([.int(loaded.datasetID)]) { r in
                row = (r.int(0), r.int(1))
            }
            guard let (version, generation) = row else { throw StoreError.noSuchDataset(loaded.dataset, known: []) }
            if loaded.version >= 0 && generation != loaded.generation {
                // Retention rebuilt the dictionaries and renumbered codes: what is held is
                // stale, load everything again.
                loaded.restart()
            }
            loaded.generation = generation
            guard version != loaded.version else { return 0 }
            try db.prepare("SELECT field_id, name FROM fields WHERE dataset_id = ? AND field_id >= ? ORDER BY field_id")
                .rows([.int(loaded.datasetID), .int(Int64(loaded.fieldNames.count))]) { r in
                    guard Int(r.int(0)) == loaded.fieldNames.count else { throw StoreError.corrupt("field ids have a gap") }
                    loaded.fieldNames.append(r.text(1))
                    loaded.dictionaryCounts.append(0)
                }
            // A merged chunk lists the chunks it replaced: rows of those already loaded are
            // skipped (see `StoreWriter.compact()`). A chunk reaching out of the window keeps
            // only its rows from the first to the last event in the window: a chunk spans
            // hours, a window's edges would otherwise read most of a chunk it does not need.
            var keep: [Int64: (from: Int, count: Int)] = [:]
            var newRows = 0
            let window = loaded.window, range = loaded.chunkRange
            let timesOf = try db.prepare("SELECT timestamps FROM chunks WHERE dataset_id = ? AND chunk_id = ?")
            try db.prepare("SELECT chunk_id, rows, \(hasParts ? "parts" : "NULL"), min_time, max_time FROM chunks WHERE dataset_id = ? AND chunk_id > ? \(Self.overlaps) \(Self.inRange) ORDER BY chunk_id")
                .rows([.int(loaded.datasetID), .int(loaded.lastChunk), .int(window.lowerBound), .int(window.upperBound),
                       .int(range.lowerBound), .int(range.upperBound)]) { r in
                    let chunk = r.int(0), rows = Int(r.int(1))
                    var skipped = 0
                    if !r.isNull(2) {
                        let parts = r.withBlob(2) { [Int64](littleEndianBytes: $0) }
                        for k in stride(from: 0, to: parts.count - 1, by: 2) where parts[k] <= loaded.lastChunk { skipped += Int(parts[k + 1]) }
                    }
                    guard rows >= 0, skipped <= rows else { throw StoreError.corrupt("chunk \(chunk) of \(loaded.dataset) lists more rows than it has") }
                    var kept = (from: skipped, count: rows - skipped)
                    if r.int(3) < window.lowerBound || r.int(4) > window.upperBound {
                        try timesOf.rows([.int(loaded.datasetID), .int(chunk)]) { t in
                            let ok = t.withBlob(0) { p -> Bool in
                                guard p.count == rows * 8 else { return false }
                                kept = Self.rowsIn(window, times: p, from: skipped)
                                return true
                            }
                            guard ok else { throw StoreError.corrupt("chunk \(chunk) of \(loaded.dataset) has the wrong length") }
                        }
                    }
                    if kept != (0, rows) { keep[chunk] = kept }
                    newRows += kept.count
                }
            let totalRows = loaded.table.count + newRows
            try loadValues(&loaded, totalRows: totalRows)
            loaded.table.reserveCapacity(totalRows)
            var added = 0
            let columnsStmt = try db.prepare("SELECT field_id, width, codes FROM chunk_columns WHERE dataset_id = ? AND chunk_id = ?"
                                             + Self.fieldCondition(loaded.onlyFields, names: loaded.fieldNames, column: "field_id"))
            let chunksStmt = try db.prepare("SELECT chunk_id, rows, timestamps, sample_rates FROM chunks WHERE dataset_id = ? AND chunk_id > ? \(Self.overlaps) \(Self.inRange) ORDER BY chunk_id")
            var lastChunk = loaded.lastChunk
            var starts: [ChunkStart] = []
            let fieldNames = loaded.fieldNames
            let dataset = loaded.dataset, datasetID = loaded.datasetID
            try loaded.table.appendRows(newRows) { block in
                try chunksStmt.rows([.int(datasetID), .int(lastChunk), .int(window.lowerBound), .int(window.upperBound),
                                     .int(range.lowerBound), .int(range.upperBound)]) { r in
                    let chunk = r.int(0), stored = Int(r.int(1))
                    let (skipped, rows) = keep[chunk] ?? (0, stored)
                    let end = skipped + rows
                    let at = added
                    guard rows >= 0, end <= stored, at + rows <= block.rows else { throw StoreError.corrupt("chunk \(chunk) of \(dataset) has more rows than the dataset") }
                    lastChunk = chunk
                    guard rows > 0 else { return }
                    let timesOK = r.withBlob(2) { p in
                        p.count == stored * 8 && block.setTimestamps(at: at, littleEndian: UnsafeRawBufferPointer(rebasing: p[(skipped * 8)..<(end * 8)]))
                    }
                    let ratesOK = r.isNull(3) || r.withBlob(3) { p in
                        p.count == stored * 4 && block.setSampleRates(at: at, littleEndian: UnsafeRawBufferPointer(rebasing: p[(skipped * 4)..<(end * 4)]))
                    }
                    guard timesOK, ratesOK else { throw StoreError.corrupt("chunk \(chunk) of \(dataset) has the wrong length") }
                    try columnsStmt.rows([.int(datasetID), .int(chunk)]) { c in
                        let fid = Int(c.int(0)), width = Int(c.int(1))
                        guard fid >= 0, fid < fieldNames.count else { throw StoreError.corrupt("column \(fid) of chunk \(chunk)") }
                        let ok = c.withBlob(2) { p in
                            Self.setColumn(&block, field: fieldNames[fid], at: at, rows: stored, keeping: skipped..<end, width: width, stored: p)
                        }
                        guard ok else { throw StoreError.corrupt("column \(fid) of chunk \(chunk) is malformed") }
                    }
                    starts.append(ChunkStart(chunk: chunk, tableRow: block.firstRow + at, skipped: skipped, stored: stored))
                    added += rows
                    if let progress, !progress(added, block.rows) { throw StoreError.cancelled }
                }
                guard added == block.rows else { throw StoreError.corrupt("chunks of \(dataset) changed while loading") }
            }
            // Chunks out of the window are passed over for good: the window does not change,
            // and a merge that takes one in lists it as a part already seen, whose rows (all
            // outside the window) are skipped.
            if let newest = try db.prepare("SELECT max(chunk_id) FROM chunks WHERE dataset_id = ?").scalarInt(.int(datasetID)) {
                lastChunk = max(lastChunk, newest)
            }
            loaded.lastChunk = lastChunk
            loaded.chunkStarts += starts
            loaded.version = version
            return added
        }
    }

    /// See ``deferMinimumValues``.
    public static let deferRatio = 16

    /// The SQL condition (two parameters: the window's bounds) choosing the chunks whose time
    /// range overlaps a window.
    static let overlaps = "AND max_time >= ? AND min_time <= ?"
    /// The SQL condition (two parameters) choosing chunks by id.
    static let inRange = "AND chunk_id BETWEEN ? AND ?"

    /// ` AND COLUMN IN (ids)` choosing the fields of `only` among `names` (indexed by field id);
    /// empty when `only` is nil (every field).
    static func fieldCondition(_ only: Set<String>?, names: [String], column: String) -> String {
        guard let only else { return "" }
        let ids = names.indices.filter { only.contains(names[$0]) }
        return " AND \(column) IN (" + (ids.isEmpty ? "-1" : ids.map(String.init).joined(separator: ",")) + ")"
    }

    /// Runs `body` on one snapshot of the store: loads inside it see the same chunks, whatever
    /// writers commit or merge meanwhile (a streamed answer reads its batches this way).
    public func snapshot<T>(_ body: () throws -> T) throws -> T {
        try db.transaction(body)
    }

    /// The chunks of `dataset` overlapping `window`, oldest id first, with their events and the
    /// bytes their timestamps, sample rates and the columns of `fields` (nil: all) take.
    public func chunkPlan(dataset: String, window: TimeWindow, fields: [String]? = nil) throws -> [ChunkExtent] {
        try db.transaction {
            let id = try datasetID(dataset)
            let only = try fields.map { wanted in
                Self.fieldCondition(Set(wanted), names: try fieldNames(dataset: dataset), column: "cc.field_id")
            } ?? ""
            var out: [ChunkExtent] = []
            try db.prepare("""
                SELECT c.chunk_id, c.rows, c.max_time, length(c.timestamps) + coalesce(length(c.sample_rates), 0)
                  + (SELECT coalesce(sum(length(cc.codes)), 0) FROM chunk_columns cc WHERE cc.dataset_id = c.dataset_id AND cc.chunk_id = c.chunk_id\(only))
                FROM chunks c WHERE c.dataset_id = ? \(Self.overlaps) ORDER BY c.chunk_id
                """).rows([.int(id), .int(window.lowerBound), .int(window.upperBound)]) { r in
                out.append(ChunkExtent(id: r.int(0), events: r.int(1), bytes: r.int(3), maxTime: r.int(2)))
            }
            return out
        }
    }

    /// The newest part of `window` whose chunks take at most `budget` bytes in memory (about
    /// `factor` times their stored bytes): `window` itself when it fits, else the same end
    /// with a later start. At least the newest chunk is always held.
    public func fit(dataset: String, window: TimeWindow, budget: Int64, factor: Int64 = 3) throws -> TimeWindow {
        let chunks = try chunkPlan(dataset: dataset, window: window)
        guard chunks.reduce(Int64(0), { $0 + $1.bytes }) * factor > budget else { return window }
        // The chunks a window [from, to) reads are those with an event at or after `from`:
        // newest first, take them while they fit; the window starts after the first left out.
        var bytes: Int64 = 0
        for (k, c) in chunks.sorted(by: { $0.maxTime > $1.maxTime }).enumerated() {
            bytes += c.bytes * factor
            if bytes > budget, k > 0 { return TimeWindow(from: max(window.lowerBound, c.maxTime + 1), to: window.to) }
        }
        return window
    }

    /// Reads the dictionary segments written since the last load: into memory, or, for
    /// near-unique strings, as segments loaded on first use.
    private func loadValues(_ loaded: inout LoadedDataset, totalRows: Int) throws {
        struct Pending {
            var segments: [(rowid: Int64, segment: DeferredValues.Segment)] = []
            var kindCounts = [0, 0, 0, 0, 0]
        }
        var pending: [Int: Pending] = [:]
        let onlyIDs = Self.fieldCondition(loaded.onlyFields, names: loaded.fieldNames, column: "s.field_id")
        let kindsOf = try db.prepare("SELECT kinds FROM dict_segments WHERE rowid = ?")
        try Self.segmentsWithKinds(db, where: "s.dataset_id = ? AND s.rowid > ?\(onlyIDs)")
            .rows([.int(loaded.datasetID), .int(loaded.lastSegment)]) { r in
                let fid = Int(r.int(1)), first = Int(r.int(2)), count = Int(r.int(3))
                guard fid >= 0, fid < loaded.fieldNames.count else { throw StoreError.corrupt("dictionary of unknown field \(fid)") }
                loaded.lastSegment = max(loaded.lastSegment, r.int(0))
                if let only = loaded.onlyFields, !only.contains(loaded.fieldNames[fid]) { return }
                guard first > loaded.dictionaryCounts[fid] else { return }
                var p = pending[fid] ?? Pending()
                let expected = p.segments.last.map { $0.segment.firstCode + $0.segment.count } ?? loaded.dictionaryCounts[fid] + 1
                guard first == expected else { throw StoreError.corrupt("dictionary of field \(fid) has a gap") }
                guard let tally = try Self.kindCounts(r, count: count, rowid: r.int(0), kindsOf: kindsOf) else {
                    throw StoreError.corrupt("dictionary segment \(fid)/\(first) is malformed")
                }
                for k in 1...4 { p.kindCounts[k] += tally[k] }
                p.segments.append((r.int(0), DeferredValues.Segment(firstCode: first, count: count, key: r.int(0))))
                pending[fid] = p
            }
        let fetch = try db.prepare("SELECT kinds, payloads, pool FROM dict_segments WHERE rowid = ?")
        for fid in pending.keys.sorted() {
            guard let p = pending[fid] else { continue }
            let name = loaded.fieldNames[fid]
            let total = loaded.dictionaryCounts[fid] + p.segments.reduce(0) { $0 + $1.segment.count }
            let existing = loaded.table.column(name)
            let onlyStrings = p.kindCounts[Int(ValueKind.string.rawValue)] == p.segments.reduce(0) { $0 + $1.segment.count }
            let deferIt = existing?.isDeferred ?? (deferValues && onlyStrings && total >= deferMinimumValues
                                                   && total * Self.deferRatio >= totalRows)
            if deferIt {
                let ok = loaded.table.appendDeferredValues(to: name, segments: p.segments.map(\.segment), kindCounts: p.kindCounts,
                                                           source: segmentSource)
                guard ok else { throw StoreError.corrupt("dictionary of field \(fid) does not continue") }
            } else {
                var values = ValueDictionary()
                for (rowid, segment) in p.segments {
                    var ok = false
                    try fetch.rows([.int(rowid)]) { r in
                        ok = r.withBlob(1) { payloads in
                            values.appendSegment(kinds: r.blob(0), payloads: [UInt64](littleEndianBytes: payloads), pool: r.blob(2))
                        }
                    }
                    guard ok else { throw StoreError.corrupt("dictionary segment \(fid)/\(segment.firstCode) is malformed") }
                }
                loaded.table.appendValues(values, to: name)
            }
            loaded.dictionaryCounts[fid] = total
        }
    }

    /// Dictionary segments `s` matching `condition`, by field and first code: rowid, field id,
    /// first code, count, then the kind counts recorded in `segment_kinds` (NULL when missing).
    static func segmentsWithKinds(_ db: Database, where condition: String) throws -> Statement {
        guard try SegmentKinds.present(db) else {
            return try db.prepare("SELECT s.rowid, s.field_id, s.first_code, s.count, NULL, NULL, NULL, NULL FROM dict_segments s WHERE \(condition) ORDER BY s.field_id, s.first_code")
        }
        return try db.prepare("""
            SELECT s.rowid, s.field_id, s.first_code, s.count, k.strings, k.ints, k.floats, k.bools
            FROM dict_segments s LEFT JOIN segment_kinds k ON k.segment = s.rowid AND k.dataset_id = s.dataset_id AND k.field_id = s.field_id
            WHERE \(condition) ORDER BY s.field_id, s.first_code
            """)
    }

    /// The kind counts (index 1...4) of a row of ``segmentsWithKinds(_:where:)``: the recorded
    /// ones when they add up to the segment's `count`, else tallied from its `kinds` (read with
    /// `kindsOf`); nil when malformed.
    static func kindCounts(_ r: Row, count: Int, rowid: Int64, kindsOf: Statement) throws -> [Int]? {
        if !r.isNull(4) {
            let recorded = [0, Int(r.int(4)), Int(r.int(5)), Int(r.int(6)), Int(r.int(7))]
            if recorded.reduce(0, +) == count { return recorded }
        }
        var tally: [Int]?
        try kindsOf.rows([.int(rowid)]) { k in
            tally = k.withBlob(0) { kinds in kinds.count == count ? Self.tallyKinds(kinds) : nil }
        }
        return tally
    }

    /// Values per kind (index 1...4) of a segment's kinds, one byte each; nil when a byte is not
    /// a kind. (A slot per byte value, one increment per value, checked once at the end: this
    /// measured fewer instructions than eight bytes at a time with bit tricks.)
    /// - Complexity: O(bytes)
    static func tallyKinds(_ kinds: UnsafeRawBufferPointer) -> [Int]? {
        var tally = [Int](repeating: 0, count: 256)
        tally.withUnsafeMutableBufferPointer { t in for k in kinds { t[Int(k)] &+= 1 } }
        guard tally[1] + tally[2] + tally[3] + tally[4] == kinds.count else { return nil }
        return [0, tally[1], tally[2], tally[3], tally[4]]
    }

    /// Copies rows `kept` of one stored chunk column of `rows` rows into the block: dense codes
    /// at width 1, 2 or 4, or sparse (`0x10 + width`: row ids, then codes).
    private static func setColumn(_ block: inout RowBlock, field: String, at offset: Int, rows: Int, keeping kept: Range<Int>, width: Int,
                                  stored p: UnsafeRawBufferPointer) -> Bool {
        switch storedCodes(p, width: width, stored: rows, from: kept.lowerBound, rows: kept.count) {
        case let .dense(codes, w)?:
            return block.setCodes(field, at: offset, littleEndian: codes, width: w)
        case let .sparse(ids, codes, w, _)?:
            guard kept != 0..<rows else { return block.setSparseCodes(field, at: offset, span: rows, rowIDs: ids, littleEndian: codes, width: w) }
            // Part of a merged chunk was loaded before, or rows lie out of the window: keep
            // the others, renumbered.
            var keptIDs: [UInt8] = [], keptCodes: [UInt8] = []
            for k in 0..<(ids.count / 4) {
                let row = Int(UInt32(littleEndian: ids.loadUnaligned(fromByteOffset: k * 4, as: UInt32.self)))
                guard kept.contains(row) else { continue }
                withUnsafeBytes(of: UInt32(row - kept.lowerBound).littleEndian) { keptIDs += $0 }
                keptCodes += codes[(k * w)..<((k + 1) * w)]
            }
            return keptIDs.withUnsafeBytes { i in
                keptCodes.withUnsafeBytes { c in block.setSparseCodes(field, at: offset, span: kept.count, rowIDs: i, littleEndian: c, width: w) }
            }
        case nil:
            return false
        }
    }

    /// The rows from `first` on of a chunk with timestamps `times` (little-endian Int64) to keep
    /// for `window`: from its first event in the window to its last (rows between them that
    /// are out of it stay; nothing in the window is left out). Empty when none is in it.
    /// - Complexity: O(rows)
    static func rowsIn(_ window: TimeWindow, times: UnsafeRawBufferPointer, from first: Int) -> (from: Int, count: Int) {
        let n = times.count / 8
        var low = -1, high = -1
        for i in first..<max(first, n) {
            let t = Int64(littleEndian: times.loadUnaligned(fromByteOffset: i * 8, as: Int64.self))
            if t >= window.lowerBound && t <= window.upperBound {
                if low < 0 { low = i }
                high = i
            }
        }
        return low < 0 ? (first, 0) : (low, high - low + 1)
    }

    /// How many events `dataset` holds (0 when there is no such dataset).
    public func eventCount(dataset: String) throws -> Int64 {
        try db.prepare("SELECT rows FROM datasets WHERE name = ?").scalarInt(.text(dataset)) ?? 0
    }

    func datasetID(_ name: String) throws -> Int64 {
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
    /// The dataset's dictionary generation the codes held belong to (see ``reloads``).
    var generation: Int64 = -1
    /// How many times the table was loaded again from scratch because retention renumbered
    /// the dataset's dictionary codes; whatever was derived from the table before is stale.
    public private(set) var reloads = 0
    var lastChunk: Int64 = 0
    /// Where each loaded chunk's rows begin in the table, in table order.
    var chunkStarts: [ChunkStart] = []
    var lastSegment: Int64 = 0
    var fieldNames: [String] = []
    var dictionaryCounts: [Int] = []

    /// The time window loaded: every event in it, and some outside it.
    public let window: TimeWindow
    /// The window asked for: `window`, or a wider one of which only `window` fit the memory
    /// budget (see ``StoreReader/load(dataset:window:chunks:fields:budget:progress:)``).
    public internal(set) var askedWindow: TimeWindow
    /// Only chunks with these ids are read.
    var chunkRange: ClosedRange<Int64> = Int64.min...Int64.max
    /// Only these fields are read (nil: all).
    var onlyFields: Set<String>?

    init(dataset: String, datasetID: Int64, window: TimeWindow) {
        self.dataset = dataset
        self.datasetID = datasetID
        self.window = window
        askedWindow = window
    }

    /// Forgets what was loaded (same dataset, window, chunks and fields), to load it again.
    mutating func restart() {
        table = EventTable()
        version = -1
        lastChunk = 0
        chunkStarts = []
        lastSegment = 0
        fieldNames = []
        dictionaryCounts = []
        reloads += 1
    }
}

/// One chunk of a dataset as a read plans it: its id, events and bytes to read.
public struct ChunkExtent: Sendable, Equatable {
    /// The chunk's id (ids grow with time of writing).
    public var id: Int64
    /// Events in it.
    public var events: Int64
    /// Bytes of its timestamps, sample rates and the columns asked about.
    public var bytes: Int64
    /// Its newest event's time.
    public var maxTime: Int64 = .max
}

/// The first table row of a loaded chunk, and how many of the chunk's rows were skipped
/// (loaded before as parts of it, see `StoreWriter.compact()`).
struct ChunkStart: Sendable {
    var chunk: Int64
    var tableRow: Int
    var skipped: Int
    /// Rows the chunk holds in the store.
    var stored: Int
}

extension StoreReader {
    /// The whole events (every field, whatever fields `loaded` holds) of table rows `rows` of
    /// `loaded`, read from the store row by row: a dataset loaded with a few fields gives its
    /// raw events without loading every field of every row.
    /// - Complexity: O(columns of the chunks holding the rows + their fields' segments)
    public func events(of loaded: LoadedDataset, rows: [Int]) throws -> [Event] {
        try db.transaction {
            let chunkStmt = try db.prepare("SELECT timestamps, sample_rates FROM chunks WHERE dataset_id = ? AND chunk_id = ?")
            let columnsStmt = try db.prepare("SELECT field_id, width, codes FROM chunk_columns WHERE dataset_id = ? AND chunk_id = ?")
            let segmentStmt = try db.prepare("""
                SELECT first_code, kinds, payloads, pool FROM dict_segments
                WHERE dataset_id = ? AND field_id = ? AND first_code <= ? ORDER BY first_code DESC LIMIT 1
                """)
            var out: [Event] = []
            for row in rows {
                var lo = 0, hi = loaded.chunkStarts.count - 1
                guard hi >= 0, row >= 0 else { throw StoreError.corrupt("row \(row) is not loaded") }
                while lo < hi {
                    let mid = (lo + hi + 1) / 2
                    if loaded.chunkStarts[mid].tableRow <= row { lo = mid } else { hi = mid - 1 }
                }
                let start = loaded.chunkStarts[lo]
                let r = row - start.tableRow + start.skipped
                var event: Event?
                try chunkStmt.rows([.int(loaded.datasetID), .int(start.chunk)]) { c in
                    let time = c.withBlob(0) { p in p.count >= (r + 1) * 8 ? Int64(littleEndian: p.loadUnaligned(fromByteOffset: r * 8, as: Int64.self)) : nil }
                    guard let time else { throw StoreError.corrupt("chunk \(start.chunk) is short") }
                    let rate = c.isNull(1) ? 1 : c.withBlob(1) { p in p.count >= (r + 1) * 4 ? Int64(UInt32(littleEndian: p.loadUnaligned(fromByteOffset: r * 4, as: UInt32.self))) : 1 }
                    event = Event(timestamp: time, sampleRate: rate)
                }
                guard var e = event else { throw StoreError.corrupt("chunk \(start.chunk) is missing") }
                var codes: [(field: Int, code: Int)] = []
                try columnsStmt.rows([.int(loaded.datasetID), .int(start.chunk)]) { c in
                    let fid = Int(c.int(0)), width = Int(c.int(1))
                    let code = c.withBlob(2) { p in Self.code(in: p, width: width, row: r) }
                    if code > 0 { codes.append((fid, code)) }
                }
                for (fid, code) in codes {
                    guard fid < loaded.fieldNames.count else { throw StoreError.corrupt("column \(fid) of chunk \(start.chunk)") }
                    var value: Value?
                    try segmentStmt.rows([.int(loaded.datasetID), .int(Int64(fid)), .int(Int64(code))]) { s in
                        var d = ValueDictionary()
                        let ok = s.withBlob(2) { d.appendSegment(kinds: s.blob(1), payloads: [UInt64](littleEndianBytes: $0), pool: s.blob(3)) }
                        let index = code - Int(s.int(0)) + 1
                        guard ok, index >= 1, index <= d.count else { throw StoreError.corrupt("dictionary of field \(fid) lacks code \(code)") }
                        value = d.value(index)
                    }
                    if let value { e.fields.append(Field(loaded.fieldNames[fid], value)) }
                }
                out.append(e)
            }
            return out
        }
    }

    /// The code of chunk row `row` in a stored column (dense or sparse); 0 when absent.
    private static func code(in p: UnsafeRawBufferPointer, width: Int, row: Int) -> Int {
        func read(_ q: UnsafeRawBufferPointer, _ i: Int, _ w: Int) -> Int {
            switch w {
            case 1: return Int(q[i])
            case 2: return Int(UInt16(littleEndian: q.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self)))
            default: return Int(UInt32(littleEndian: q.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self)))
            }
        }
        switch width {
        case 1, 2, 4:
            return (row + 1) * width <= p.count ? read(p, row, width) : 0
        case 0x11, 0x12, 0x14:
            let w = width - 0x10
            guard p.count % (4 + w) == 0 else { return 0 }
            let present = p.count / (4 + w)
            var lo = 0, hi = present
            while lo < hi {
                let mid = (lo + hi) / 2
                let id = Int(UInt32(littleEndian: p.loadUnaligned(fromByteOffset: mid * 4, as: UInt32.self)))
                if id < row { lo = mid + 1 } else { hi = mid }
            }
            guard lo < present, Int(UInt32(littleEndian: p.loadUnaligned(fromByteOffset: lo * 4, as: UInt32.self))) == row else { return 0 }
            return read(UnsafeRawBufferPointer(rebasing: p[(present * 4)...]), lo, w)
        default:
            return 0
        }
    }
}
