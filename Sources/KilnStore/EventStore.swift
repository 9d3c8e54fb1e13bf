import KilnCore

/// The event store: one SQLite file holding several datasets of raw events.
///
/// Layout: every dataset is a sequence of *chunks* (a block of rows committed together). A chunk
/// stores its timestamps and sample rates as arrays and each field present in it as an array of
/// dictionary codes (1, 2 or 4 bytes per row). Codes point into the field's dataset-wide
/// dictionary, stored as append-only *segments*. Nothing is aggregated at write time: every event
/// reads back whole, each field with its type. WAL mode lets one writer and many readers work at once.
public enum EventStore {
    /// Default store path.
    public static let defaultPath = "kiln.db"
    /// Rows per chunk when ingesting in bulk.
    public static let chunkRows = 65_536
    /// On-disk format version.
    static let formatVersion: Int64 = 1

    static let schema = """
    PRAGMA journal_mode=WAL;
    PRAGMA synchronous=NORMAL;
    CREATE TABLE IF NOT EXISTS kiln_meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS datasets(
        id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, created_ns INTEGER NOT NULL,
        rows INTEGER NOT NULL DEFAULT 0, min_time INTEGER, max_time INTEGER,
        version INTEGER NOT NULL DEFAULT 0, next_chunk INTEGER NOT NULL DEFAULT 1);
    CREATE TABLE IF NOT EXISTS fields(
        dataset_id INTEGER NOT NULL, field_id INTEGER NOT NULL, name TEXT NOT NULL,
        dict_count INTEGER NOT NULL DEFAULT 0, present INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY(dataset_id, field_id), UNIQUE(dataset_id, name));
    CREATE TABLE IF NOT EXISTS dict_segments(
        dataset_id INTEGER NOT NULL, field_id INTEGER NOT NULL, first_code INTEGER NOT NULL,
        count INTEGER NOT NULL, kinds BLOB NOT NULL, payloads BLOB NOT NULL, pool BLOB NOT NULL,
        PRIMARY KEY(dataset_id, field_id, first_code));
    CREATE TABLE IF NOT EXISTS chunks(
        dataset_id INTEGER NOT NULL, chunk_id INTEGER NOT NULL, first_row INTEGER NOT NULL,
        rows INTEGER NOT NULL, min_time INTEGER NOT NULL, max_time INTEGER NOT NULL,
        timestamps BLOB NOT NULL, sample_rates BLOB, parts BLOB,
        PRIMARY KEY(dataset_id, chunk_id));
    CREATE TABLE IF NOT EXISTS chunk_columns(
        dataset_id INTEGER NOT NULL, chunk_id INTEGER NOT NULL, field_id INTEGER NOT NULL,
        width INTEGER NOT NULL, codes BLOB NOT NULL,
        PRIMARY KEY(dataset_id, chunk_id, field_id));
    CREATE TABLE IF NOT EXISTS markers(
        id INTEGER PRIMARY KEY, dataset_id INTEGER NOT NULL, start_ns INTEGER NOT NULL,
        end_ns INTEGER, message TEXT, type TEXT, url TEXT);
    CREATE TABLE IF NOT EXISTS dataset_settings(
        dataset_id INTEGER NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY(dataset_id, key));
    CREATE TABLE IF NOT EXISTS segment_kinds(
        segment INTEGER PRIMARY KEY, dataset_id INTEGER NOT NULL, field_id INTEGER NOT NULL,
        strings INTEGER NOT NULL, ints INTEGER NOT NULL, floats INTEGER NOT NULL, bools INTEGER NOT NULL);
    CREATE TABLE IF NOT EXISTS dropped_names(
        dataset_id INTEGER NOT NULL, name_hash INTEGER NOT NULL, PRIMARY KEY(dataset_id, name_hash)) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS deploy_versions(
        dataset_id INTEGER NOT NULL, service TEXT NOT NULL, version TEXT NOT NULL, first_ns INTEGER NOT NULL,
        marker_id INTEGER, PRIMARY KEY(dataset_id, service, version));
    """

    /// Opens the store at `path` for writing, creating the file and its tables when missing.
    /// An existing file that is not a Kiln store is refused before anything is written to it.
    static func openForWriting(_ path: String) throws -> Database {
        try StoreFile.checkKilnOrNew(path)
        let db = try Database(path: path, create: true)
        db.persistWAL()
        // SQLite as Debian builds it zeroes every page a deletion frees (SECURE_DELETE), through
        // the write-ahead log: deleting a dictionary of ids then needs as much free disk as the
        // dictionary takes, which a full disk never has, and retention could never recover.
        // FAST zeroes only what costs no extra write; freed pages go back to the file system
        // anyway (`EventStore.releaseFreePages`) or are overwritten by the next writes.
        try db.execute("PRAGMA secure_delete=FAST")
        // A new file gives freed pages back to the file system on request (see
        // `EventStore.releaseFreePages`); the mode can only be chosen before the first table.
        if try db.prepare("PRAGMA page_count").scalarInt() == 0 { try db.execute("PRAGMA auto_vacuum=INCREMENTAL") }
        let hadSegmentKinds = try SegmentKinds.present(db)
        try db.execute(schema)
        if !hadSegmentKinds { try SegmentKinds.backfill(db) }
        // Stores made before chunks could be merged lack `parts` (ids and rows of merged chunks).
        if try !hasColumn(db, table: "chunks", column: "parts") {
            do {
                try db.execute("ALTER TABLE chunks ADD COLUMN parts BLOB")
            } catch {
                // Another writer may have added it first.
                if try !hasColumn(db, table: "chunks", column: "parts") { throw error }
            }
        }
        try addColumnIfMissing(db, table: "markers", column: "automatic", type: "INTEGER NOT NULL DEFAULT 0")
        // Bumped when a dataset's dictionaries are rebuilt (codes renumbered): readers and
        // writers holding codes reload (see `EventStore.compactDictionaries`).
        try addColumnIfMissing(db, table: "datasets", column: "generation", type: "INTEGER NOT NULL DEFAULT 0")
        try db.execute("INSERT OR IGNORE INTO kiln_meta(key, value) VALUES ('format', '\(formatVersion)')")
        return db
    }

    /// Adds a column that stores made by earlier versions lack (deploy markers' `automatic`).
    static func addColumnIfMissing(_ db: Database, table: String, column: String, type: String) throws {
        guard try !hasColumn(db, table: table, column: column) else { return }
        do {
            try db.execute("ALTER TABLE \(table) ADD COLUMN \(column) \(type)")
        } catch {
            // Another writer may have added it first.
            if try !hasColumn(db, table: table, column: column) { throw error }
        }
    }

    /// True when `table` has `column`.
    static func hasColumn(_ db: Database, table: String, column: String) throws -> Bool {
        var found = false
        try db.prepare("SELECT name FROM pragma_table_info('\(table)')").rows { if $0.text(0) == column { found = true } }
        return found
    }

    /// Opens an existing store for reading, read-only: a reader never needs write access to the
    /// file or its directory.
    ///
    /// While a writer runs, or after one closed (writers keep the `-wal` and `-shm` files, see
    /// ``Database/persistWAL()``), this is SQLite's read-only WAL mode and sees new commits.
    /// When SQLite cannot set up that mode for this user (no `-shm` file and a directory the
    /// user cannot write, as for stores written by older versions, or a read-only mount), the
    /// file is opened immutable: nobody is writing it, so the file alone is the whole store.
    static func openForReading(_ path: String) throws -> Database {
        try StoreFile.checkReadable(path)
        do {
            return try openVerified(path, immutable: false)
        } catch let error as StoreError where needsImmutable(error) {
            // An immutable read ignores the write-ahead log: only right when it holds nothing.
            guard StoreFile.size(path + "-wal") ?? 0 == 0 else {
                throw StoreError.permission(path, """
                cannot read: permission to create \(path)-shm is missing, and \(path)-wal holds commits that need it \
                (run any kiln command on the store once as its owner, or start its writer)
                """)
            }
            return try openVerified(path, immutable: true)
        }
    }

    /// SQLite could not open the file read-only in WAL mode for want of write access (to the
    /// `-shm` file or the directory) or of a `-shm` file.
    private static func needsImmutable(_ error: StoreError) -> Bool {
        let primary = error.sqliteCode & 0xFF
        return primary == 8 || primary == 14  // SQLITE_READONLY_*, SQLITE_CANTOPEN_*
    }

    private static func openVerified(_ path: String, immutable: Bool) throws -> Database {
        let db: Database
        do {
            db = try Database(path: path, create: false, readOnly: true, immutable: immutable)
        } catch let error as StoreError {
            if error.sqliteCode & 0xFF == 14 && !immutable { throw error }
            throw StoreError(code: .notFound, message: "\(path): cannot open the store (\(error))", sqliteCode: error.sqliteCode)
        }
        do {
            _ = try db.prepare("SELECT value FROM kiln_meta WHERE key = 'format'").scalarInt()
        } catch let error as StoreError {
            if needsImmutable(error) && !immutable { throw error }
            if error.code == .busy { throw error }
            throw StoreError(code: .corrupt, message: "\(path): not a Kiln store (\(error))", sqliteCode: error.sqliteCode)
        }
        return db
    }
}

extension Array where Element: FixedWidthInteger {
    /// The elements' bytes (little-endian machines only, as every Swift Linux target is).
    var littleEndianBytes: [UInt8] { withUnsafeBytes { [UInt8]($0) } }

    init(littleEndianBytes raw: UnsafeRawBufferPointer) {
        let n = raw.count / MemoryLayout<Element>.size
        self = [Element](unsafeUninitializedCapacity: n) { buffer, initialized in
            if n > 0 { UnsafeMutableRawBufferPointer(buffer).copyMemory(from: UnsafeRawBufferPointer(rebasing: raw[0..<(n * MemoryLayout<Element>.size)])) }
            initialized = n
        }
    }
}
