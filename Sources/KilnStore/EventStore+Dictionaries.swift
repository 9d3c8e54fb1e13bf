import KilnCore

/// What a dictionary rebuild did.
public struct DictionaryCompaction: Sendable, Equatable {
    /// Fields whose dictionaries were rebuilt.
    public var fields = 0
    /// Values dropped (no remaining chunk used them).
    public var values: Int64 = 0
    /// Bytes of dictionary segments before and after, over the rebuilt fields.
    public var bytesBefore: Int64 = 0
    /// See ``bytesBefore``.
    public var bytesAfter: Int64 = 0
    /// Fields whose rebuild waits for disk space to write it.
    public var postponed = 0

    /// Makes an empty result.
    public init() {}

    mutating func add(_ other: DictionaryCompaction) {
        fields += other.fields
        values += other.values
        bytesBefore += other.bytesBefore
        bytesAfter += other.bytesAfter
        postponed += other.postponed
    }
}

/// Rebuilding dictionaries after retention.
///
/// A field's dictionary is append-only: a value gets a code the first time it is written and
/// keeps it. When retention deletes chunks, the values only those chunks used would stay
/// forever (a 32-hex request id per event makes the dictionary most of the store). A rebuild
/// keeps only the values the remaining chunks use, renumbers them in their old order, rewrites
/// the field's columns with the new codes, and bumps the dataset's `generation`: a reader or
/// writer holding codes of an older generation loads the dataset again (``StoreReader/refresh(_:)``,
/// ``StoreWriter/commit()``). Segments are written under rowids above every existing one, so a
/// reader still holding a deferred segment's old rowid finds it missing, never another one.
extension EventStore {
    /// Values per rebuilt segment (a deferred lookup loads a whole segment at most).
    static let rebuiltSegmentValues = 65_536

    /// Rebuilds the dictionaries of dataset `datasetID` whose segments take at least
    /// `minimumBytes` and of which at least a quarter of the values are no longer used; a field
    /// no chunk uses any more loses its whole dictionary. Runs its own transactions.
    /// - Complexity: O(stored codes and dictionary bytes of the fields looked at).
    static func compactDictionaries(datasetID: Int64, in db: Database, minimumBytes: Int64 = 16 << 10) throws -> DictionaryCompaction {
        var candidates: [Int64] = []
        try db.transaction {
            try db.prepare("""
                SELECT s.field_id, sum(length(s.kinds) + length(s.payloads) + length(s.pool)),
                  EXISTS (SELECT 1 FROM chunk_columns cc WHERE cc.dataset_id = s.dataset_id AND cc.field_id = s.field_id)
                FROM dict_segments s WHERE s.dataset_id = ? GROUP BY s.field_id
                """).rows([.int(datasetID)]) { r in
                if r.int(1) >= minimumBytes || r.int(2) == 0 { candidates.append(r.int(0)) }
            }
        }
        var result = DictionaryCompaction()
        // One transaction per field: the log holds one field's rewrite at a time (what matters
        // on a full disk), and each commit leaves codes and dictionaries consistent.
        for field in candidates {
            let c = try db.transaction(immediate: true) { try compactDictionary(datasetID: datasetID, field: field, in: db) }
            result.add(c)
        }
        return result
    }

    /// Rebuilds one field's dictionary (see ``compactDictionaries(datasetID:in:minimumBytes:)``),
    /// inside the caller's transaction; bumps the dataset's generation when it did.
    private static func compactDictionary(datasetID: Int64, field: Int64, in db: Database) throws -> DictionaryCompaction {
        var result = DictionaryCompaction()
        var rowsOfChunk: [Int64: Int] = [:]
        try db.prepare("SELECT chunk_id, rows FROM chunks WHERE dataset_id = ?").rows([.int(datasetID)]) { r in
            rowsOfChunk[r.int(0)] = Int(r.int(1))
        }
        var found: (field: Int64, bytes: Int64, count: Int)?
        try db.prepare("""
            SELECT field_id, sum(length(kinds) + length(payloads) + length(pool)), max(first_code + count - 1)
            FROM dict_segments WHERE dataset_id = ? AND field_id = ?
            """).rows([.int(datasetID), .int(field)]) { r in
            if !r.isNull(0) { found = (r.int(0), r.int(1), Int(r.int(2))) }
        }
        guard let candidate = found else { return result }
        let columns = try db.prepare("SELECT chunk_id, width, codes FROM chunk_columns WHERE dataset_id = ? AND field_id = ?")
        let segments = try db.prepare("SELECT rowid, first_code, kinds, payloads, pool FROM dict_segments WHERE dataset_id = ? AND field_id = ? ORDER BY first_code")
        let updateColumn = try db.prepare("UPDATE chunk_columns SET width = ?, codes = ? WHERE dataset_id = ? AND chunk_id = ? AND field_id = ?")
        let deleteSegment = try db.prepare("DELETE FROM dict_segments WHERE rowid = ?")
        let insertSegment = try db.prepare("INSERT INTO dict_segments(rowid, dataset_id, field_id, first_code, count, kinds, payloads, pool) VALUES (?,?,?,?,?,?,?,?)")
        let updateField = try db.prepare("UPDATE fields SET dict_count = ?, present = ? WHERE dataset_id = ? AND field_id = ?")
        let insertKinds = try SegmentKinds.insertStatement(db)
        var nextRowID = (try db.prepare("SELECT max(rowid) FROM dict_segments").scalarInt() ?? 0) + 1

        // Which codes the remaining chunks use, and how many events have the field.
        var stored: [(chunk: Int64, buffer: ColumnBuffer, rows: Int)] = []
        var used = [Bool](repeating: false, count: candidate.count + 1)
        var present = 0
        try columns.rows([.int(datasetID), .int(candidate.field)]) { c in
            let chunk = c.int(0), width = Int(c.int(1))
            guard let rows = rowsOfChunk[chunk] else { throw StoreError.corrupt("column of missing chunk \(chunk)") }
            var buffer = ColumnBuffer()
            let ok = c.withBlob(2) { buffer.appendStored($0, width: width, rows: rows, offset: 0) }
            guard ok else { throw StoreError.corrupt("column \(candidate.field) of chunk \(chunk) is malformed") }
            for code in buffer.codes {
                guard Int(code) < used.count else { throw StoreError.corrupt("code \(code) of field \(candidate.field) is past its dictionary") }
                used[Int(code)] = true
            }
            present += buffer.rows.count
            stored.append((chunk, buffer, rows))
        }
        let kept = used.dropFirst().reduce(0) { $0 + ($1 ? 1 : 0) }
        guard kept * 4 <= candidate.count * 3 else { return result }

        var old = ValueDictionary()
        var oldRowIDs: [Int64] = []
        try segments.rows([.int(datasetID), .int(candidate.field)]) { r in
            guard Int(r.int(1)) == old.count + 1 else { throw StoreError.corrupt("dictionary of field \(candidate.field) has a gap") }
            oldRowIDs.append(r.int(0))
            let ok = r.withBlob(3) { old.appendSegment(kinds: r.blob(2), payloads: [UInt64](littleEndianBytes: $0), pool: r.blob(4)) }
            guard ok else { throw StoreError.corrupt("dictionary segment of field \(candidate.field) is malformed") }
        }
        guard old.count == candidate.count else { throw StoreError.corrupt("dictionary of field \(candidate.field) is short") }

        // Old code to new code, in the old order.
        var map = [UInt32](repeating: 0, count: old.count + 1)
        var fresh = ValueDictionary()
        old.pool.withUnsafeBufferPointer { pool in
            for code in 1..<(old.count + 1) where used[code] {
                let kind = old.kinds[code], payload = old.payloads[code]
                if kind == ValueKind.string.rawValue {
                    let offset = Int(payload >> 24), length = Int(payload & 0xFF_FFFF)
                    map[code] = fresh.appendString(bytes: UnsafeBufferPointer(rebasing: pool[offset..<(offset + length)]))
                } else {
                    map[code] = fresh.appendRaw(kind: kind, payload: payload)
                }
            }
        }
        let rewritten = stored.map { ($0.chunk, $0.buffer.remapped(map).encoded(rows: $0.rows)) }
        // The rewrite goes through the write-ahead log: on a disk without room for it, it
        // waits (deleting chunks still frees their pages) rather than fail half-way. The log
        // takes the new segments and the rewritten columns; the old segments' pages only go
        // to the free list (a page per thousand or so is written, as writers use
        // `secure_delete=FAST`, see `EventStore.openForWriting`). Counting the old segments too
        // made a rebuild on a small disk wait forever: the dictionary of ids was most of the
        // disk, so there was never room for twice it.
        let need = Int64(fresh.pool.count + fresh.count * 9) + rewritten.reduce(0) { $0 + Int64($1.1.bytes.count) } + candidate.bytes / 256
        // A quarter over (b-tree pages around the rows, pages spilled and written again), and
        // room for a commit meanwhile.
        if let free = StoreFile.freeBytes(near: db.path), free < need + need / 4 + (512 << 10) {
            result.postponed += 1
            return result
        }
        for (chunk, (width, bytes)) in rewritten {
            try updateColumn.run(.int(Int64(width)), .blob(bytes), .int(datasetID), .int(chunk), .int(candidate.field))
        }
        for rowid in oldRowIDs { try deleteSegment.run(.int(rowid)) }
        try db.prepare("DELETE FROM segment_kinds WHERE dataset_id = ? AND field_id = ?").run(.int(datasetID), .int(candidate.field))
        var after: Int64 = 0
        var first = 1
        while first <= fresh.count {
            let last = min(fresh.count, first + Self.rebuiltSegmentValues - 1)
            let kinds = Array(fresh.kinds[first...last])
            var payloads = Array(fresh.payloads[first...last])
            // Strings are laid out in code order: this segment's pool is one slice of it.
            var poolStart = -1, poolEnd = 0
            for (k, p) in zip(kinds, payloads) where k == ValueKind.string.rawValue {
                if poolStart < 0 { poolStart = Int(p >> 24) }
                poolEnd = Int(p >> 24) + Int(p & 0xFF_FFFF)
            }
            let pool = poolStart < 0 ? [] : Array(fresh.pool[poolStart..<poolEnd])
            if poolStart > 0 {
                for i in payloads.indices where kinds[i] == ValueKind.string.rawValue { payloads[i] -= UInt64(poolStart) << 24 }
            }
            try insertSegment.run(.int(nextRowID), .int(datasetID), .int(candidate.field), .int(Int64(first)), .int(Int64(kinds.count)),
                                  .blob(kinds), .blob(payloads.littleEndianBytes), .blob(pool))
            try SegmentKinds.record(kinds, segment: nextRowID, datasetID: datasetID, field: candidate.field, using: insertKinds)
            nextRowID += 1
            after += Int64(kinds.count + payloads.count * 8 + pool.count)
            first = last + 1
        }
        try updateField.run(.int(Int64(fresh.count)), .int(Int64(present)), .int(datasetID), .int(candidate.field))
        result.fields += 1
        result.values += Int64(old.count - fresh.count)
        result.bytesBefore += candidate.bytes
        result.bytesAfter += after
        try db.prepare("UPDATE datasets SET generation = generation + 1, version = version + 1 WHERE id = ?").run(.int(datasetID))
        return result
    }
}

extension ColumnBuffer {
    /// The same rows with each code `c` replaced by `map[c]`.
    func remapped(_ map: [UInt32]) -> ColumnBuffer {
        var out = ColumnBuffer()
        out.rows = rows
        out.codes = codes.map { map[Int($0)] }
        out.maxCode = out.codes.max() ?? 0
        return out
    }
}
