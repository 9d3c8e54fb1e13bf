import CSQLite
import KilnCore
import Synchronization

/// Reads values of columns that stay in the store (``DeferredValues``): one value through
/// SQLite's incremental blob I/O (a few bytes of a segment, not the segment), or a whole
/// segment. It has a connection of its own, opened at first use, so lookups from any thread
/// never share the reader's connection. A segment's key is its `dict_segments` rowid.
final class SegmentSource: DeferredValues.Source {
    private let path: String
    private let connection = Mutex<Connection?>(nil)

    /// A SQLite connection owned by the mutex.
    private final class Connection: @unchecked Sendable {
        let db: Database
        let select: Statement
        init(path: String) throws {
            db = try EventStore.openForReading(path)
            select = try db.prepare("SELECT kinds, payloads, pool FROM dict_segments WHERE rowid = ?")
        }
    }

    init(path: String) {
        self.path = path
    }

    private func withConnection<T>(_ body: (Connection) throws -> T) throws -> T {
        try connection.withLock { c in
            if c == nil { c = try Connection(path: path) }
            guard let c else { throw StoreError.corrupt("cannot open \(path)") }
            return try body(c)
        }
    }

    func values(of segment: DeferredValues.Segment) throws -> ValueDictionary {
        try withConnection { c in
            var out: ValueDictionary?
            try c.db.transaction {
                try c.select.rows([.int(segment.key)]) { r in
                    var d = ValueDictionary()
                    let ok = r.withBlob(1) { payloads in
                        d.appendSegment(kinds: r.blob(0), payloads: [UInt64](littleEndianBytes: payloads), pool: r.blob(2))
                    }
                    guard ok, d.count == segment.count else { throw StoreError.corrupt("dictionary segment \(segment.key) is malformed") }
                    out = d
                }
            }
            guard let out else { throw StoreError.corrupt("dictionary segment \(segment.key) is missing") }
            return out
        }
    }

    func value(_ code: Int, in segment: DeferredValues.Segment) throws -> Value {
        let index = code - segment.firstCode
        guard index >= 0, index < segment.count else { throw StoreError.corrupt("code \(code) is not in segment \(segment.key)") }
        return try withConnection { c in
            try c.db.transaction {
                let kind = try c.db.readBlob(column: "kinds", rowid: segment.key, offset: index, count: 1)
                let payloadBytes = try c.db.readBlob(column: "payloads", rowid: segment.key, offset: index * 8, count: 8)
                guard kind.count == 1, payloadBytes.count == 8 else { throw StoreError.corrupt("dictionary segment \(segment.key) is short") }
                let payload = payloadBytes.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
                var one = ValueDictionary()
                if kind[0] == ValueKind.string.rawValue {
                    let offset = Int(payload >> 24), length = Int(payload & 0xFF_FFFF)
                    let text = try c.db.readBlob(column: "pool", rowid: segment.key, offset: offset, count: length)
                    guard one.appendSegment(kinds: kind, payloads: [UInt64(length)], pool: text) else {
                        throw StoreError.corrupt("dictionary segment \(segment.key) is malformed")
                    }
                } else {
                    guard one.appendSegment(kinds: kind, payloads: [payload], pool: []) else {
                        throw StoreError.corrupt("dictionary segment \(segment.key) is malformed")
                    }
                }
                guard let v = one.value(1) else { throw StoreError.corrupt("dictionary segment \(segment.key) is malformed") }
                return v
            }
        }
    }
}

extension Database {
    /// `count` bytes at `offset` of a `dict_segments` blob, read without loading the rest.
    func readBlob(column: String, rowid: Int64, offset: Int, count: Int) throws -> [UInt8] {
        var blob: OpaquePointer?
        try check(sqlite3_blob_open(handle, "main", "dict_segments", column, rowid, 0, &blob), "open blob \(column) of segment \(rowid)")
        defer { sqlite3_blob_close(blob) }
        let size = Int(sqlite3_blob_bytes(blob))
        guard offset >= 0, count >= 0, offset + count <= size else {
            throw StoreError.corrupt("segment \(rowid): \(column) bytes \(offset)..<\(offset + count) beyond its \(size)")
        }
        var out = [UInt8](repeating: 0, count: count)
        if count > 0 {
            try out.withUnsafeMutableBytes { p in
                _ = try check(sqlite3_blob_read(blob, p.baseAddress, Int32(count), Int32(offset)), "read blob \(column) of segment \(rowid)")
            }
        }
        return out
    }
}
