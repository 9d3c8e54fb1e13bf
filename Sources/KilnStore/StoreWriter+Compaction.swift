import KilnCore

/// Merging small chunks.
///
/// `kiln serve` and `kiln ingest --follow` commit often, so their chunks are small: a chunk of
/// 100 events costs a row and a statement per field, and a store made of them loads five times
/// slower than one of full chunks. After a commit, the newest run of small chunks is merged
/// into one. The merged chunk takes the id of the last chunk it replaces and lists the chunks
/// it holds (`parts`: id and rows of each), so a reader that already loaded some of them skips
/// those rows and loses none of the others.
extension StoreWriter {
    /// Chunks with fewer rows than this are small.
    static let smallChunkRows = EventStore.chunkRows / 4
    /// Small chunks in a row at the end of a dataset that trigger a merge.
    static let mergeRun = 16
    /// A small chunk whose events end this long (10 minutes in ns) before those of the run
    /// merged so far is left out of the merge.
    static let mergeReach: Int64 = 600 * 1_000_000_000

    /// Merges the newest run of small chunks when there are at least ``mergeRun`` of them;
    /// returns how many chunks were merged (0 when none).
    @discardableResult
    public func compact() throws -> Int {
        try db.transaction(immediate: true) {
            try selectDataset.rows([.text(dataset)]) { r in datasetID = r.int(0) }
            var run: [(id: Int64, rows: Int64)] = []
            var total: Int64 = 0
            var done = false
            // How far back the run has come: the oldest newest-event of its chunks (a live
            // chunk's events end where the next one's begin; a late one's end long before).
            var reached = Int64.max
            try db.prepare("SELECT chunk_id, rows, min_time, max_time FROM chunks WHERE dataset_id = ? ORDER BY chunk_id DESC LIMIT 256")
                .rows([.int(datasetID)]) { r in
                    guard !done else { return }
                    let rows = r.int(1), hi = r.int(3)
                    guard rows < Int64(Self.smallChunkRows), total + rows <= Int64(maxMergedRows) else {
                        done = true
                        return
                    }
                    // A chunk of late events (see `RawBatch.timeClusters()`) ending well before
                    // the run stays apart, so the merged chunk's time range stays tight.
                    if !run.isEmpty && hi < reached &- Self.mergeReach { return }
                    run.append((r.int(0), rows))
                    total += rows
                    reached = min(reached, hi)
                }
            guard run.count >= Self.mergeRun else { return 0 }
            run.reverse()
            try merge(run.map(\.id))
            return run.count + (try mergeLateChunks(before: run[0].id))
        }
    }

    /// Merges the small chunks of late events left apart by runs (older than chunk `newest`),
    /// an hour of event time at a time, once ``mergeRun`` of one hour have gathered; returns how
    /// many chunks were merged.
    /// - Complexity: O(chunks of the dataset) to choose; run once per merged run.
    private func mergeLateChunks(before newest: Int64) throws -> Int {
        var byHour: [Int64: [(id: Int64, rows: Int64)]] = [:]
        try db.prepare("SELECT chunk_id, rows, max_time FROM chunks WHERE dataset_id = ? AND chunk_id < ? AND rows < ? ORDER BY chunk_id")
            .rows([.int(datasetID), .int(newest), .int(Int64(Self.smallChunkRows))]) { r in
                let hour = r.int(2) / Self.lateHour
                byHour[hour, default: []].append((r.int(0), r.int(1)))
            }
        var merged = 0
        for hour in byHour.keys.sorted() {
            guard var group = byHour[hour], group.count >= Self.mergeRun else { continue }
            // At most a full chunk.
            var total: Int64 = 0
            group = Array(group.prefix { c in total += c.rows; return total <= Int64(maxMergedRows) })
            guard group.count >= 2 else { continue }
            try merge(group.map(\.id))
            merged += group.count
        }
        return merged
    }

    /// Late chunks are merged by this much event time (an hour in ns).
    static let lateHour: Int64 = 3_600 * 1_000_000_000

    /// Replaces chunks `ids` (ascending; chunks left out between them stay as they are) with one
    /// chunk that takes the last id. Readers that loaded some of them skip those rows: parts are
    /// listed in id order, so the parts a reader has seen are always the first ones.
    private func merge(_ ids: [Int64]) throws {
        var times: [Int64] = []
        var rates: [UInt32] = []
        var sampled = false
        var parts: [Int64] = []
        var firstRow: Int64 = 0
        var columns: [Int: ColumnBuffer] = [:]
        let chunk = try db.prepare("SELECT first_row, rows, timestamps, sample_rates, parts FROM chunks WHERE dataset_id = ? AND chunk_id = ?")
        let chunkColumns = try db.prepare("SELECT field_id, width, codes FROM chunk_columns WHERE dataset_id = ? AND chunk_id = ?")
        for (k, id) in ids.enumerated() {
            let base = times.count
            var rows = 0
            try chunk.rows([.int(datasetID), .int(id)]) { r in
                if k == 0 { firstRow = r.int(0) }
                rows = Int(r.int(1))
                let t = r.withBlob(2) { [Int64](littleEndianBytes: $0) }
                guard t.count == rows else { throw StoreError.corrupt("chunk \(id) has the wrong length") }
                times += t
                if r.isNull(3) {
                    rates += repeatElement(1, count: rows)
                } else {
                    let rs = r.withBlob(3) { [UInt32](littleEndianBytes: $0) }
                    guard rs.count == rows else { throw StoreError.corrupt("chunk \(id) has the wrong length") }
                    rates += rs
                    sampled = true
                }
                if r.isNull(4) {
                    parts += [id, Int64(rows)]
                } else {
                    parts += r.withBlob(4) { [Int64](littleEndianBytes: $0) }
                }
            }
            try chunkColumns.rows([.int(datasetID), .int(id)]) { c in
                let fid = Int(c.int(0)), width = Int(c.int(1))
                var buffer = columns[fid] ?? ColumnBuffer()
                let ok = c.withBlob(2) { p in buffer.appendStored(p, width: width, rows: rows, offset: base) }
                guard ok else { throw StoreError.corrupt("column \(fid) of chunk \(id) is malformed") }
                columns[fid] = buffer
            }
        }
        guard let last = ids.last, !times.isEmpty else { return }
        let deleteColumns = try db.prepare("DELETE FROM chunk_columns WHERE dataset_id = ? AND chunk_id = ?")
        let deleteChunk = try db.prepare("DELETE FROM chunks WHERE dataset_id = ? AND chunk_id = ?")
        for id in ids {
            try deleteColumns.run(.int(datasetID), .int(id))
            try deleteChunk.run(.int(datasetID), .int(id))
        }
        for fid in columns.keys.sorted() {
            guard let column = columns[fid] else { continue }
            let (width, bytes) = column.encoded(rows: times.count)
            try insertColumn.run(.int(datasetID), .int(last), .int(Int64(fid)), .int(Int64(width)), .blob(bytes))
        }
        try db.prepare("INSERT INTO chunks(dataset_id, chunk_id, first_row, rows, min_time, max_time, timestamps, sample_rates, parts) VALUES (?,?,?,?,?,?,?,?,?)")
            .run(.int(datasetID), .int(last), .int(firstRow), .int(Int64(times.count)), .int(times.min() ?? 0), .int(times.max() ?? 0),
                 .blob(times.littleEndianBytes), sampled ? .blob(rates.littleEndianBytes) : .null, .blob(parts.littleEndianBytes))
    }
}

extension ColumnBuffer {
    /// Appends a stored chunk column of `rows` rows (dense or sparse, see ``encoded(rows:)``)
    /// as rows `offset...`; false when malformed.
    mutating func appendStored(_ p: UnsafeRawBufferPointer, width: Int, rows: Int, offset: Int) -> Bool {
        func code(_ q: UnsafeRawBufferPointer, _ i: Int, _ w: Int) -> UInt32 {
            switch w {
            case 1: return UInt32(q[i])
            case 2: return UInt32(UInt16(littleEndian: q.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self)))
            default: return UInt32(littleEndian: q.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self))
            }
        }
        switch width {
        case 1, 2, 4:
            guard p.count == rows * width else { return false }
            for i in 0..<rows {
                let c = code(p, i, width)
                if c != 0 { append(row: offset + i, code: c) }
            }
            return true
        case 0x11, 0x12, 0x14:
            let w = width - 0x10
            guard p.count % (4 + w) == 0 else { return false }
            let present = p.count / (4 + w)
            let codes = UnsafeRawBufferPointer(rebasing: p[(present * 4)...])
            var previous = -1
            for k in 0..<present {
                let row = Int(UInt32(littleEndian: p.loadUnaligned(fromByteOffset: k * 4, as: UInt32.self)))
                guard row < rows, row > previous else { return false }
                previous = row
                append(row: offset + row, code: code(codes, k, w))
            }
            return true
        default:
            return false
        }
    }
}
