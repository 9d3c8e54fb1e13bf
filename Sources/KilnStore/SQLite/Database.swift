import CSQLite

/// A connection to one SQLite file. Every `sqlite3_*` call goes through ``check(_:_:)``, the one
/// place where return codes become ``StoreError``s.
final class Database {
    let path: String
    private(set) var handle: OpaquePointer?

    /// Opens (creating when asked) the file at `path`. A read-only connection never writes the
    /// file, its directory or its `-wal`/`-shm` files except the shared-memory index a live
    /// writer already made. `immutable` (read-only only) tells SQLite that nobody changes the
    /// file: no locks, no `-shm`, no `-wal` are looked at, so it reads a store whose directory
    /// the reader cannot write or one on a read-only mount.
    init(path: String, create: Bool, readOnly: Bool = false, immutable: Bool = false) throws {
        self.path = path
        var flags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI
        flags |= readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE
        if create && !readOnly { flags |= SQLITE_OPEN_CREATE }
        var db: OpaquePointer?
        let rc = sqlite3_open_v2(Self.uri(path, immutable: readOnly && immutable), &db, flags, nil)
        handle = db
        if rc != SQLITE_OK {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
            sqlite3_close_v2(db)
            handle = nil
            throw StoreError.sqlite("open", rc: rc, message: message, path: path)
        }
        sqlite3_busy_timeout(db, 10_000)
        sqlite3_extended_result_codes(db, 1)
    }

    deinit {
        sqlite3_close_v2(handle)
    }

    /// A `file:` URI for `path` (so that `?` or `#` in a name stay part of it).
    static func uri(_ path: String, immutable: Bool) -> String {
        var out = "file:"
        for byte in path.utf8 {
            switch byte {
            case UInt8(ascii: "?"), UInt8(ascii: "#"), UInt8(ascii: "%"), 0..<0x21, 0x7F...:
                out += "%" + String(byte, radix: 16, uppercase: true).leftPadded(2)
            default:
                out.unicodeScalars.append(Unicode.Scalar(byte))
            }
        }
        return immutable ? out + "?immutable=1" : out
    }

    /// Keeps the `-wal` and `-shm` files when the last connection closes, so that users who may
    /// read the store but not write its directory can still open it (SQLite's read-only WAL
    /// readers need a `-shm` file they cannot create).
    func persistWAL() {
        var on: Int32 = 1
        sqlite3_file_control(handle, "main", SQLITE_FCNTL_PERSIST_WAL, &on)
    }

    /// Turns a SQLite return code into a thrown error naming the call.
    @discardableResult
    func check(_ rc: Int32, _ call: @autoclosure () -> String) throws -> Int32 {
        switch rc & 0xFF {
        case SQLITE_OK, SQLITE_ROW, SQLITE_DONE: return rc
        default:
            let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "unknown error"
            throw StoreError.sqlite(call(), rc: rc, message: message, path: path)
        }
    }

    /// Runs one or more statements without results.
    func execute(_ sql: String) throws {
        var err: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(handle, sql, nil, nil, &err)
        if rc != SQLITE_OK {
            let message = err.map { String(cString: $0) } ?? "unknown error"
            sqlite3_free(err)
            throw StoreError.sqlite("\(sql.prefix(60))", rc: rc, message: message, path: path)
        }
    }

    /// Prepares a statement.
    func prepare(_ sql: String) throws -> Statement {
        var stmt: OpaquePointer?
        try check(sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &stmt, nil), "prepare \(sql.prefix(60))")
        return Statement(db: self, stmt: stmt, sql: sql)
    }

    /// Runs `body` inside a transaction (IMMEDIATE takes the write lock at once).
    func transaction<T>(immediate: Bool = false, _ body: () throws -> T) throws -> T {
        // Inside a transaction already (a reader's snapshot over several loads): join it.
        if !immediate && sqlite3_get_autocommit(handle) == 0 { return try body() }
        try execute(immediate ? "BEGIN IMMEDIATE" : "BEGIN")
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }

    /// Runs `body` with SQLite's busy timeout set to `milliseconds`, then back to 10 s.
    func withBusyTimeout<T>(milliseconds: Int32, _ body: () throws -> T) rethrows -> T {
        sqlite3_busy_timeout(handle, milliseconds)
        defer { sqlite3_busy_timeout(handle, 10_000) }
        return try body()
    }

    /// Rows changed by the last statement.
    var changes: Int { Int(sqlite3_changes(handle)) }

    /// The rowid of the last insert.
    var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }
}

extension String {
    fileprivate func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}

/// A prepared statement; reset after each use by ``Statement/run(_:)`` and ``Statement/rows(_:_:)``.
final class Statement {
    private unowned let db: Database
    private let stmt: OpaquePointer?
    let sql: String

    init(db: Database, stmt: OpaquePointer?, sql: String) {
        self.db = db
        self.stmt = stmt
        self.sql = sql
    }

    deinit { sqlite3_finalize(stmt) }

    /// A bindable parameter.
    enum Param {
        case int(Int64)
        case double(Double)
        case text(String)
        case blob([UInt8])
        case null
    }

    private func bind(_ params: [Param]) throws {
        try db.check(sqlite3_reset(stmt), "reset")
        sqlite3_clear_bindings(stmt)
        for (i, p) in params.enumerated() {
            let idx = Int32(i + 1)
            let rc: Int32
            switch p {
            case .int(let v): rc = sqlite3_bind_int64(stmt, idx, v)
            case .double(let v): rc = sqlite3_bind_double(stmt, idx, v)
            case .text(let s):
                // With its byte length: a NUL inside a name must not cut it short.
                var bytes = Array(s.utf8)
                if bytes.isEmpty { bytes = [0] }
                let length = s.utf8.count
                rc = bytes.withUnsafeBufferPointer { b in
                    b.withMemoryRebound(to: CChar.self) { sqlite3_bind_text64(stmt, idx, $0.baseAddress, sqlite3_uint64(length), kiln_sqlite_transient(), UInt8(SQLITE_UTF8)) }
                }
            case .blob(let b):
                rc = b.withUnsafeBytes { sqlite3_bind_blob64(stmt, idx, $0.baseAddress ?? UnsafeRawPointer(bitPattern: 1), sqlite3_uint64(b.count), kiln_sqlite_transient()) }
            case .null: rc = sqlite3_bind_null(stmt, idx)
            }
            try db.check(rc, "bind \(sql.prefix(40))")
        }
    }

    /// Runs the statement to completion.
    func run(_ params: Param...) throws {
        try bind(params)
        while try db.check(sqlite3_step(stmt), "step \(sql.prefix(60))") == SQLITE_ROW {}
        sqlite3_reset(stmt)
    }

    /// Runs a query, calling `row` for each result row.
    func rows(_ params: [Param] = [], _ row: (Row) throws -> Void) throws {
        try bind(params)
        defer { sqlite3_reset(stmt) }
        while try db.check(sqlite3_step(stmt), "step \(sql.prefix(60))") == SQLITE_ROW {
            try row(Row(stmt: stmt))
        }
    }

    /// The first column of the first row as an integer, if any.
    func scalarInt(_ params: Param...) throws -> Int64? {
        var out: Int64?
        try rows(params) { r in if out == nil && !r.isNull(0) { out = r.int(0) } }
        return out
    }
}

/// One result row, valid only inside the callback.
struct Row {
    let stmt: OpaquePointer?

    func int(_ i: Int32) -> Int64 { sqlite3_column_int64(stmt, i) }
    func double(_ i: Int32) -> Double { sqlite3_column_double(stmt, i) }
    func isNull(_ i: Int32) -> Bool { sqlite3_column_type(stmt, i) == SQLITE_NULL }
    func text(_ i: Int32) -> String {
        guard let p = sqlite3_column_text(stmt, i) else { return "" }
        return String(decoding: UnsafeBufferPointer(start: p, count: Int(sqlite3_column_bytes(stmt, i))), as: UTF8.self)
    }
    /// The blob's bytes, valid only inside `body`.
    func withBlob<T>(_ i: Int32, _ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T {
        let p = sqlite3_column_blob(stmt, i)
        let n = Int(sqlite3_column_bytes(stmt, i))
        return try body(UnsafeRawBufferPointer(start: p, count: p == nil ? 0 : n))
    }
    func blob(_ i: Int32) -> [UInt8] { withBlob(i) { Array($0) } }
}
