import KilnCore

/// What a retention pass removed.
public struct RetentionResult: Sendable, Equatable {
    /// Chunks deleted.
    public var chunks: Int
    /// Events in them.
    public var events: Int64
    /// Approximate bytes of event data freed.
    public var bytes: Int64

    /// What rebuilding the dictionaries of the datasets that lost chunks dropped.
    public var dictionaries = DictionaryCompaction()
    /// The datasets that lost chunks.
    var datasets: Set<Int64> = []

    /// Makes a result.
    public init(chunks: Int = 0, events: Int64 = 0, bytes: Int64 = 0) {
        self.chunks = chunks
        self.events = events
        self.bytes = bytes
    }

    /// Adds another pass's result.
    public mutating func add(_ other: RetentionResult) {
        chunks += other.chunks
        events += other.events
        bytes += other.bytes
        dictionaries.add(other.dictionaries)
        datasets.formUnion(other.datasets)
    }
}

extension EventStore {
    /// Deletes, in every dataset, the chunks whose newest event is older than `cutoff` (ns), in one
    /// transaction, then rebuilds the dictionaries of the datasets that lost chunks (see
    /// ``compactDictionaries(datasetID:in:minimumBytes:)``). Whole chunks only: a chunk holding
    /// any event at or after `cutoff` stays, so no event is ever cut apart and some older events
    /// may outlive the cutoff.
    ///
    /// Readers are not disturbed by the deletion (their incremental refresh only loads chunks
    /// newer than those seen); a rebuild bumps the dataset's generation and they load it again.
    /// - Complexity: O(chunks deleted + their columns), plus the rebuilds.
    public static func dropChunks(olderThan cutoff: Int64, path: String) throws -> RetentionResult {
        let db = try openForWriting(path)
        var result = try db.transaction(immediate: true) {
            var victims: [Victim] = []
            try db.prepare(chunkSizesSQL + " WHERE c.max_time < ? ORDER BY c.dataset_id, c.chunk_id").rows([.int(cutoff)]) { r in
                victims.append(Victim(dataset: r.int(0), chunk: r.int(1), rows: r.int(2), bytes: r.int(3)))
            }
            return try delete(victims, in: db)
        }
        try compactDictionaries(of: result.datasets, in: db, into: &result)
        if result.chunks > 0 { checkpoint(db) }
        return result
    }

    /// The bytes of the store's pages that hold data (pages in use, not free pages), as the
    /// newest commit left them (the write-ahead log's pages included).
    public static func usedBytes(path: String) throws -> Int64 {
        try usedBytes(of: try openForReading(path))
    }

    static func usedBytes(of db: Database) throws -> Int64 {
        let pages = try db.prepare("PRAGMA page_count").scalarInt() ?? 0
        let free = try db.prepare("PRAGMA freelist_count").scalarInt() ?? 0
        let size = try db.prepare("PRAGMA page_size").scalarInt() ?? 4096
        return (pages - free) * size
    }

    /// What `--max-db-size` measures: the pages in use plus the write-ahead log file.
    public static func limitedBytes(path: String) throws -> Int64 {
        try usedBytes(path: path) + (StoreFile.size(path + "-wal") ?? 0)
    }

    /// The share of the limit a shrink aims at (80%), so that the commits after it, the
    /// write-ahead log and a rebuild's new segments fit under the limit.
    public static let shrinkTarget = 0.8

    /// Keeps the store under `maxBytes` (pages in use plus the write-ahead log): when over,
    /// deletes the oldest chunks of any dataset (by their newest event) until the data takes at
    /// most ``shrinkTarget`` of the limit, rebuilds the dictionaries of the datasets that lost
    /// chunks so that values only deleted events used go too, and truncates the write-ahead log.
    /// Each dataset's newest chunk is never deleted, so a store whose limit cannot be held keeps
    /// its newest events instead of being emptied.
    ///
    /// Deleted pages are reused by later writes; the file itself does not shrink below the
    /// largest size it reached. `force` frees at least `force` of the events (0...1) even when
    /// under the limit (a full disk).
    /// - Complexity: O(chunks × log chunks) per pass, plus the rebuilds, at most six passes.
    public static func shrink(toBytes maxBytes: Int64, path: String, force: Double = 0) throws -> RetentionResult {
        let db = try openForWriting(path)
        var total = RetentionResult()
        if force > 0 || StoreFile.size(path + "-wal") ?? 0 > maxBytes / 8 { checkpoint(db) }
        var used = try usedBytes(of: db)
        guard force > 0 || used + (StoreFile.size(path + "-wal") ?? 0) > maxBytes else { return total }
        let target = Int64(Double(maxBytes) * shrinkTarget)
        for pass in 0..<6 {
            let share = pass == 0 && force > 0 ? max(force, Double(used - target) / Double(max(used, 1))) : Double(used - target) / Double(max(used, 1))
            guard share > 0 else { break }
            var result = try db.transaction(immediate: true) { () -> RetentionResult in
                var all: [Victim] = []
                let olderThanNewest = " WHERE c.chunk_id < (SELECT max(n.chunk_id) FROM chunks n WHERE n.dataset_id = c.dataset_id)"
                try db.prepare(chunkSizesSQL + olderThanNewest + " ORDER BY c.max_time, c.chunk_id").rows { r in
                    all.append(Victim(dataset: r.int(0), chunk: r.int(1), rows: r.int(2), bytes: r.int(3)))
                }
                let events = try db.prepare("SELECT coalesce(sum(rows), 0) FROM chunks").scalarInt() ?? 0
                // A dictionary of ids grows with the events, so events are the measure: the
                // oldest `share` of them, at least one chunk.
                let wanted = Int64((Double(events) * min(share, 1)).rounded(.up))
                var victims: [Victim] = []
                var taken: Int64 = 0
                for v in all where taken < wanted || victims.isEmpty {
                    victims.append(v)
                    taken += v.rows
                }
                return try delete(victims, in: db)
            }
            if force > 0 {
                // A full disk: empty the log and give the freed pages back to the file system,
                // so that the rebuild has room for its log (it checks the free space first and
                // waits for a later pass when there is not enough), then give back the pages
                // of the values it dropped.
                try releaseFreePages(db)
                try compactDictionariesIfRoom(of: result.datasets, in: db, into: &result)
                try releaseFreePages(db)
            } else {
                try compactDictionariesIfRoom(of: result.datasets, in: db, into: &result)
                if result.dictionaries.postponed > 0 {
                    // No room for a rebuild's log: the pages freed so far go back to the file
                    // system, and the rebuild is tried once more.
                    try releaseFreePages(db)
                    result.dictionaries.postponed = 0
                    try compactDictionariesIfRoom(of: result.datasets, in: db, into: &result)
                }
            }
            total.add(result)
            let after = try usedBytes(of: db)
            if result.chunks == 0 || after >= used { break }
            used = after
            if used <= target { break }
        }
        let over = try usedBytes(of: db) + (StoreFile.size(path + "-wal") ?? 0) > maxBytes
        if total.dictionaries.postponed > 0 || over {
            // Still over, or a rebuild waited for room: values of chunks deleted by earlier
            // passes may still fill the store (a dictionary of ids is most of it, and a rebuild
            // only ran for datasets that lost chunks in the same pass). With the freed pages
            // given back to the file system, every dataset's dictionaries are rebuilt that fit.
            try releaseFreePages(db)
            var again = RetentionResult()
            var datasets: Set<Int64> = []
            try db.prepare("SELECT id FROM datasets").rows { datasets.insert($0.int(0)) }
            try compactDictionariesIfRoom(of: datasets, in: db, into: &again)
            total.dictionaries.postponed = 0
            total.dictionaries.add(again.dictionaries)
            if again.dictionaries.fields > 0 { try releaseFreePages(db) }
        }
        if total.chunks > 0 { checkpoint(db) }
        return total
    }

    /// ``compactDictionaries(of:in:into:)``, where a rebuild that runs out of disk space (rolled
    /// back whole) counts as postponed instead of failing the pass: the chunks deleted stay
    /// deleted, and the next pass tries again.
    private static func compactDictionariesIfRoom(of datasets: Set<Int64>, in db: Database, into result: inout RetentionResult) throws {
        do {
            try compactDictionaries(of: datasets, in: db, into: &result)
        } catch let e as StoreError where e.code == .full || e.sqliteCode & 0xFF == 13 || e.sqliteCode & 0xFF == 10 {
            result.dictionaries.postponed += 1
            checkpoint(db)
        }
    }

    /// Rebuilds the dictionaries of `datasets`, one transaction each.
    private static func compactDictionaries(of datasets: Set<Int64>, in db: Database, into result: inout RetentionResult) throws {
        for dataset in datasets.sorted() {
            result.dictionaries.add(try compactDictionaries(datasetID: dataset, in: db))
        }
    }

    /// Moves pages from the end of the file into free ones and truncates the file, 32 pages
    /// per transaction with a checkpoint after each, so that the log stays small
    /// (what a full disk needs). Only stores made with incremental auto-vacuum (every store
    /// made since the size limit holds) can; for others it only checkpoints.
    static func releaseFreePages(_ db: Database) throws {
        checkpoint(db)
        guard try db.prepare("PRAGMA auto_vacuum").scalarInt() == 2 else { return }
        for _ in 0..<10_000 {
            guard let free = try db.prepare("PRAGMA freelist_count").scalarInt(), free > 0 else { break }
            try db.execute("PRAGMA incremental_vacuum(32)")
            checkpoint(db)
        }
    }

    /// Copies the write-ahead log into the file and truncates it, waiting at most a moment for
    /// readers (a reader holding an old snapshot makes it partial; the next one finishes).
    static func checkpoint(_ db: Database) {
        db.withBusyTimeout(milliseconds: 250) {
            try? db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        }
    }

    struct Victim {
        var dataset: Int64
        var chunk: Int64
        var rows: Int64
        var bytes: Int64
    }

    /// Every chunk with its dataset, id, rows and stored bytes (columns included).
    private static let chunkSizesSQL = """
    SELECT c.dataset_id, c.chunk_id, c.rows,
      length(c.timestamps) + coalesce(length(c.sample_rates), 0)
      + coalesce((SELECT sum(length(cc.codes)) FROM chunk_columns cc WHERE cc.dataset_id = c.dataset_id AND cc.chunk_id = c.chunk_id), 0)
    FROM chunks c
    """

    private static func delete(_ victims: [Victim], in db: Database) throws -> RetentionResult {
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
            result.datasets.insert(v.dataset)
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
