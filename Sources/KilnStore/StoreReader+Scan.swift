import Dispatch
import KilnCore

extension StoreReader {
    /// The stored columns of the chunks `loaded` read, chunk by chunk in table order, as they
    /// lie in the store: for answers that count codes (BubbleUp) without building a table of
    /// every field. `loaded` may hold only a few fields (those a scope filters on); `body`
    /// gets each chunk's table rows in `loaded` and the codes of its fields (of `fields`, nil:
    /// all) over exactly those rows, valid during the call only. With more than one chunk,
    /// `body` runs on a thread of its own, one chunk at a time, while this one reads the next.
    ///
    /// Call inside the ``snapshot(_:)`` of the load, so that the chunks are the ones it read.
    /// - Complexity: O(bytes of the chunks' columns), one copy each
    public func scanColumns(of loaded: LoadedDataset, fields: Set<String>? = nil,
                            _ body: (_ tableRows: Range<Int>, _ columns: [(name: String, codes: StoredCodes)]) throws -> Void) throws {
        let starts = loaded.chunkStarts
        guard !starts.isEmpty else { return }
        try db.transaction {
            let stmt = try db.prepare("SELECT field_id, width, codes FROM chunk_columns WHERE dataset_id = ? AND chunk_id = ?"
                                      + Self.fieldCondition(fields, names: loaded.fieldNames, column: "field_id"))
            // The bytes of a chunk's columns, copied out of SQLite (whose own copies last only
            // until its next step). Two: one is read while `body` has the other.
            let arenas = [ScanArena(), ScanArena()]
            var parts: [(field: Int, width: Int, at: Int, count: Int)] = []
            func read(_ k: Int) throws -> (rows: Range<Int>, columns: [(name: String, codes: StoredCodes)]) {
                let start = starts[k], arena = arenas[k % 2]
                let end = k + 1 < starts.count ? starts[k + 1].tableRow : loaded.table.count
                let rows = end - start.tableRow, skipped = start.skipped
                guard rows >= 0, skipped + rows <= start.stored else { throw StoreError.corrupt("chunk \(start.chunk) of \(loaded.dataset) changed while reading") }
                arena.count = 0
                parts.removeAll(keepingCapacity: true)
                try stmt.rows([.int(loaded.datasetID), .int(start.chunk)]) { c in
                    let fid = Int(c.int(0)), width = Int(c.int(1))
                    guard fid >= 0, fid < loaded.fieldNames.count else { throw StoreError.corrupt("column \(fid) of chunk \(start.chunk)") }
                    c.withBlob(2) { p in parts.append((fid, width, arena.append(p), p.count)) }
                }
                var columns: [(name: String, codes: StoredCodes)] = []
                columns.reserveCapacity(parts.count)
                for part in parts {
                    guard let codes = Self.storedCodes(arena.bytes(part.at, part.count), width: part.width, stored: start.stored, from: skipped, rows: rows) else {
                        throw StoreError.corrupt("column \(part.field) of chunk \(start.chunk) is malformed")
                    }
                    columns.append((loaded.fieldNames[part.field], codes))
                }
                return (start.tableRow..<end, columns)
            }
            guard starts.count > 1 else {
                for k in starts.indices {
                    let chunk = try read(k)
                    try body(chunk.rows, chunk.columns)
                }
                return
            }
            // Chunk k is handed to `body` on a thread of its own while this one reads chunk
            // k + 1 into the other arena; `body` has finished chunk k - 1 before chunk k goes.
            try withoutActuallyEscaping(body) { body in
                let worker = DispatchQueue(label: "kiln.scan")
                let group = DispatchGroup()
                let shared = ScanHandOff(body)
                defer { group.wait() }
                for k in starts.indices {
                    let chunk = try read(k)
                    group.wait()
                    if let failure = shared.failure { throw failure }
                    let handed = UnsafeSendable(chunk)
                    worker.async(group: group) { shared.run(handed.value.rows, handed.value.columns) }
                }
                group.wait()
                if let failure = shared.failure { throw failure }
            }
        }
    }

    /// Rows `from..<from + rows` of a stored chunk column of `stored` rows: dense codes at
    /// width 1, 2 or 4, or sparse (`0x10 + width`: row ids, then codes); nil when malformed.
    static func storedCodes(_ p: UnsafeRawBufferPointer, width: Int, stored: Int, from: Int, rows: Int) -> StoredCodes? {
        switch width {
        case 1, 2, 4:
            guard p.count == stored * width else { return nil }
            return .dense(UnsafeRawBufferPointer(rebasing: p[(from * width)..<((from + rows) * width)]), width: width)
        case 0x11, 0x12, 0x14:
            let w = width - 0x10
            guard p.count % (4 + w) == 0 else { return nil }
            let present = p.count / (4 + w)
            return .sparse(rows: UnsafeRawBufferPointer(rebasing: p[0..<(present * 4)]), codes: UnsafeRawBufferPointer(rebasing: p[(present * 4)...]),
                           width: w, first: from)
        default:
            return nil
        }
    }
}

extension StoreReader {
    /// Runs `body` with the store file memory-mapped: a read of most of a scope's chunks
    /// then copies each page once instead of twice. The mapping goes when done, so the
    /// store's pages do not stay in the process's memory. Not inside a transaction (SQLite
    /// takes the size at the start of a read).
    public func mapped<T>(_ map: Bool = true, _ body: () throws -> T) throws -> T {
        guard map else { return try body() }
        try db.execute("PRAGMA mmap_size=\(Int64(1) << 36)")
        defer { try? db.execute("PRAGMA mmap_size=0") }
        return try body()
    }
}

/// Bytes copied out of SQLite for one chunk, at addresses that stay put until the next chunk
/// (a growing Swift array would move them under a reader on another thread).
private final class ScanArena: @unchecked Sendable {
    private var base: UnsafeMutableRawPointer?
    private var capacity = 0
    var count = 0

    /// Copies `bytes` in; returns where they start. (Growing moves what is there: take
    /// pointers with ``bytes(_:_:)`` once the chunk is read.)
    func append(_ bytes: UnsafeRawBufferPointer) -> Int {
        if count + bytes.count > capacity {
            let grown = max(count + bytes.count, capacity * 2, 1 << 20)
            let next = UnsafeMutableRawPointer.allocate(byteCount: grown, alignment: 16)
            if let base { next.copyMemory(from: base, byteCount: count) }
            base?.deallocate()
            base = next
            capacity = grown
        }
        let at = count
        if let from = bytes.baseAddress, !bytes.isEmpty { (base! + at).copyMemory(from: from, byteCount: bytes.count) }
        count += bytes.count
        return at
    }

    func bytes(_ at: Int, _ n: Int) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: base.map { $0 + at }, count: n)
    }

    deinit { base?.deallocate() }
}

/// The body of an overlapped scan and its first error, shared with the thread that runs it.
private final class ScanHandOff: @unchecked Sendable {
    private let body: (Range<Int>, [(name: String, codes: StoredCodes)]) throws -> Void
    /// Written by the worker, read after waiting for it.
    private(set) var failure: Error?

    init(_ body: @escaping (Range<Int>, [(name: String, codes: StoredCodes)]) throws -> Void) { self.body = body }

    func run(_ rows: Range<Int>, _ columns: [(name: String, codes: StoredCodes)]) {
        guard failure == nil else { return }
        do { try body(rows, columns) } catch { failure = error }
    }
}
