import Glibc

/// What is on disk at a store's path, looked at before SQLite opens it: whether it exists, can
/// be read, and is a Kiln store. Nothing here writes, locks or creates a file.
enum StoreFile {
    /// The 16 bytes every SQLite database file starts with.
    private static let sqliteHeader = Array("SQLite format 3\0".utf8)

    /// Throws ``StoreError/notFound`` when nothing is at `path` and ``StoreError/permission(_:_:)``
    /// when the file (or a directory on the way) cannot be read by this user.
    static func checkReadable(_ path: String) throws {
        var st = stat()
        if stat(path, &st) != 0 {
            let code = errno
            if code == EACCES { throw StoreError.permission(path, "cannot read: permission denied on a directory on the way to it") }
            throw StoreError(code: .notFound, message: "\(path): no Kiln store here (run `kiln ingest` or `kiln demo` first)")
        }
        if (st.st_mode & S_IFMT) == S_IFDIR { throw StoreError.notKilnStore(path, "it is a directory") }
        if access(path, R_OK) != 0 && errno == EACCES {
            throw StoreError.permission(path, "cannot read: permission denied (\(describe(st)))")
        }
    }

    /// Refuses an existing file that is not a Kiln store, before anything writes to it: not a
    /// SQLite file, or a SQLite database with tables but no `kiln_meta`. A missing or empty file
    /// passes (it becomes a new store). The check reads the file without locks and creates no
    /// `-wal` or `-shm` file, so a refused file is left byte for byte as it was.
    static func checkKilnOrNew(_ path: String) throws {
        var st = stat()
        guard stat(path, &st) == 0 else { return }
        if (st.st_mode & S_IFMT) == S_IFDIR { throw StoreError.notKilnStore(path, "it is a directory", writing: true) }
        guard st.st_size > 0 else { return }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            let code = errno
            if code == EACCES { throw StoreError.permission(path, "cannot read: permission denied (\(describe(st)))") }
            throw StoreError(code: .sqlite, message: "\(path): cannot open: \(String(cString: strerror(code)))")
        }
        var header = [UInt8](repeating: 0, count: sqliteHeader.count)
        let n = header.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        close(fd)
        guard n == sqliteHeader.count, header == sqliteHeader else {
            throw StoreError.notKilnStore(path, "it is not a SQLite database", writing: true)
        }
        // Without a -wal file every committed page is in the file itself, so an immutable
        // read sees it all and touches nothing; with one, a plain read-only connection reads
        // the log too (its -wal is already there).
        let hasWAL = access(path + "-wal", F_OK) == 0
        let db = try Database(path: path, create: false, readOnly: true, immutable: !hasWAL)
        var tables: [String] = []
        do {
            try db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").rows { tables.append($0.text(0)) }
        } catch {
            throw StoreError.notKilnStore(path, "\(error)", writing: true)
        }
        guard tables.isEmpty || tables.contains("kiln_meta") else {
            let list = tables.prefix(5).joined(separator: ", ") + (tables.count > 5 ? ", ..." : "")
            throw StoreError.notKilnStore(path, "a SQLite database of another application, with tables \(list)", writing: true)
        }
    }

    /// The size of the file at `path`, nil when there is none.
    static func size(_ path: String) -> Int64? {
        var st = stat()
        return stat(path, &st) == 0 ? Int64(st.st_size) : nil
    }

    /// Bytes this user may still write on the file system holding `path`, nil when unknown.
    static func freeBytes(near path: String) -> Int64? {
        var directory = path
        if let slash = directory.lastIndex(of: "/") { directory = String(directory[..<slash]) } else { directory = "." }
        if directory.isEmpty { directory = "/" }
        var fs = statvfs()
        guard statvfs(directory, &fs) == 0 else { return nil }
        return Int64(fs.f_bavail) * Int64(fs.f_frsize)
    }

    /// `owner uid 1000, mode 0600` for a message.
    private static func describe(_ st: stat) -> String {
        let mode = String(st.st_mode & 0o7777, radix: 8)
        var owner = "uid \(st.st_uid)"
        if let pw = getpwuid(st.st_uid), let name = pw.pointee.pw_name { owner = String(cString: name) }
        return "owner \(owner), mode 0\(mode), you are uid \(getuid())"
    }
}
