import KilnCore

/// What a retention pass removed.
public struct RetentionResult: Sendable, Equatable {
    /// Chunks deleted.
    public var chunks: Int
    /// Events in them.
    public var events: Int64
    /// Approximate bytes of event data freed.
    public var bytes: Int64

    /// Makes a result.
    public init(chunks: Int = 0, events: Int64 = 0, bytes: Int64 = 0) {
        self.chunks = chunks
        self.events = events
        self.bytes = bytes
    }
}

extension EventStore {
    /// Deletes, in every dataset, the chunks whose newest event is older than `cutoff` (ns), in one
    /// transaction. Whole chunks only: a chunk holding any event at or after `cutoff` stays, so
    /// no event is ever cut apart and some older events may outlive the cutoff.
    ///
    /// Readers are not disturbed: their incremental refresh only loads chunks newer than those
    /// seen. Dictionaries stay (codes must stay valid for readers holding them).
    /// - Complexity: O(chunks deleted + their columns)
    public static func dropChunks(olderThan cutoff: Int64, path: String) throws -> RetentionResult {
        let db = try openForWriting(path)
        return try db.transaction(immediate: true) {
            var victims: [(dataset: Int64, chunk: Int64, rows: Int64, bytes: Int64)] = []
            try db.prepare(chunkSizesSQL + " WHERE c.max_time < ? ORDER BY c.dataset_id, c.chunk_id").rows([.int(cutoff)]) { r in
                victims.append((r.int(0), r.int(1), r.int(2), r.int(3)))
            }
            return try delete(victims, in: db)
        }
    }

    /// The bytes of the store's pages that hold data (pages in use, not free pages), counting
    /// what the write-ahead log holds.
    public static func usedBytes(path: String) throws -> Int64 {
        let db = try openForReading(path)
        let pages = try db.prepare("PRAGMA page_count").scalarInt() ?? 0
        let free = try db.prepare("PRAGMA freelist_count").scalarInt() ?? 0
        let size = try db.prepare("PRAGMA page_size").scalarInt() ?? 4096
        return (pages - free) * size
    }

    /// Deletes the oldest chunks of any dataset (by their newest event) until the store's data
    /// takes at most `maxBytes`, each pass in one transaction. Deleted pages are reused by later
    /// writes; the file itself does not shrink. A pass deletes at most a quarter of the chunks
    /// and the next pass only runs when the last one freed pages, and each dataset's newest
    /// chunk is never deleted, so a store whose size is mostly dictionaries (which stay) keeps
    /// its newest events instead of being emptied chasing a limit it cannot reach.
    /// - Complexity: O(chunks × log chunks) per pass, at most eight passes.
    public static func shrink(toBytes maxBytes: Int64, path: String) throws -> RetentionResult {
        var total = RetentionResult()
        var used = try usedBytes(path: path)
        for _ in 0..<8 {
            guard used > maxBytes else { break }
            // Aim 5% below the limit so the next few commits do not trigger another pass at once.
            let excess = used - maxBytes + maxBytes / 20
            let db = try openForWriting(path)
            let result = try db.transaction(immediate: true) {
                let chunks = try db.prepare("SELECT count(*) FROM chunks").scalarInt() ?? 0
                let cap = max(1, chunks / 4)
                var victims: [(dataset: Int64, chunk: Int64, rows: Int64, bytes: Int64)] = []
                var freed: Int64 = 0
                let olderThanNewest = " WHERE c.chunk_id < (SELECT max(n.chunk_id) FROM chunks n WHERE n.dataset_id = c.dataset_id)"
                try db.prepare(chunkSizesSQL + olderThanNewest + " ORDER BY c.max_time, c.chunk_id").rows { r in
                    guard freed < excess, victims.count < cap else { return }
                    victims.append((r.int(0), r.int(1), r.int(2), r.int(3)))
                    freed += r.int(3)
                }
                return try delete(victims, in: db)
            }
            total.chunks += result.chunks
            total.events += result.events
            total.bytes += result.bytes
            let after = try usedBytes(path: path)
            if result.chunks == 0 || after >= used { break }
            used = after
        }
        return total
    }

    /// Every chunk with its dataset, id, rows and stored bytes (columns included).
    private static let chunkSizesSQL = """
    SELECT c.dataset_id, c.chunk_id, c.rows,
      length(c.timestamps) + coalesce(length(c.sample_rates), 0)
      + coalesce((SELECT sum(length(cc.codes)) FROM chunk_columns cc WHERE cc.dataset_id = c.dataset_id AND cc.chunk_id = c.chunk_id), 0)
    FROM chunks c
    """

    private static func delete(_ victims: [(dataset: Int64, chunk: Int64, rows: Int64, bytes: Int64)], in db: Database) throws -> RetentionResult {
        guard !victims.isEmpty else { return RetentionResult() }
        let deleteColumns = try db.prepare("DELETE FROM chunk_columns WHERE dataset_id = ? AND chunk_id = ?")
        let deleteChunk = try db.prepare("DELETE FROM chunks WHERE dataset_id = ? AND chunk_id = ?")
        var rowsByDataset: [Int64: Int64] = [:]
        var result = RetentionResult()
        for v in victims {
            try deleteColumns.run(.int(v.dataset), .int(v.chunk))
            try deleteChunk.run(.int(v.dataset), .int(v.chunk))
            rowsByDataset[v.dataset, default: 0] += v.rows
            result.chunks += 1
            result.events += v.rows
            result.bytes += v.bytes
        }
        // The dataset's event count and time range follow what is left; `next_chunk` and
        // `version` stay, so writers and readers keep their bearings.
        let update = try db.prepare("""
        UPDATE datasets SET rows = max(0, rows - ?),
          min_time = (SELECT min(min_time) FROM chunks WHERE dataset_id = ?),
          max_time = (SELECT max(max_time) FROM chunks WHERE dataset_id = ?)
        WHERE id = ?
        """)
        for (dataset, rows) in rowsByDataset {
            try update.run(.int(rows), .int(dataset), .int(dataset), .int(dataset))
        }
        return result
    }
}

extension EventStore {
    /// Creates the store at `path` with its tables when missing and checks that it can be
    /// written (what a server does before it accepts data).
    public static func prepareForWriting(path: String) throws {
        let db = try openForWriting(path)
        try db.transaction(immediate: true) {}
    }
}
