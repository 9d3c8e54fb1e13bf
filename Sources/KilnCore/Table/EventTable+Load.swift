/// Loading a table from stored blocks without intermediate copies: the store's read path.
extension EventTable {
    /// Adds values after the last code of field `name` (creating the column, all absent, if new).
    public mutating func appendValues(_ extra: ValueDictionary, to name: String) {
        guard extra.count > 0 else { return }
        columns[ensureColumn(name)].appendValues(extra)
    }

    /// Makes field `name` a column whose values stay in the store until used (creating it, all
    /// absent, if new), or adds segments to it when it already is one. False when the column
    /// already holds values in memory or the segments do not continue its codes.
    public mutating func appendDeferredValues(to name: String, segments: [DeferredValues.Segment], kindCounts: [Int],
                                              source: any DeferredValues.Source) -> Bool {
        let i = ensureColumn(name)
        switch columns[i].values {
        case .deferred(var d):
            columns[i].values = .memory(ValueDictionary())
            let ok = d.append(segments: segments, kindCounts: kindCounts)
            columns[i].values = .deferred(d)
            return ok
        case .memory(let d):
            guard d.count == 0, segments.first.map({ $0.firstCode == 1 }) ?? true else { return false }
            columns[i].values = .deferred(DeferredValues(segments: segments, kindCounts: kindCounts, source: source))
            return true
        }
    }

    /// Appends `rows` rows whose times and codes `fill` copies in from stored bytes.
    ///
    /// The rows start absent in every column with time 0 and sample rate 1; `fill` sets them
    /// block by block through the ``RowBlock``. Columns must exist first (their values added
    /// with ``appendValues(_:to:)`` or ``appendDeferredValues(to:segments:kindCounts:source:)``).
    /// When `fill` throws, the table is left as it was.
    /// - Complexity: O(rows × columns), one pass of copies
    public mutating func appendRows(_ rows: Int, fill: (inout RowBlock) throws -> Void) rethrows {
        guard rows > 0 else { return }
        var block = RowBlock(firstRow: count, rows: rows, timestamps: timestamps, sampleRates: sampleRates,
                             codes: columns.map(\.codes), columnIndex: columnIndex)
        timestamps = []
        sampleRates = []
        for i in columns.indices { columns[i].codes = .u8([]) }
        block.prepare(valueCounts: columns.map(\.valueCount))
        do {
            try fill(&block)
        } catch {
            block.rollBack()
            restore(block)
            throw error
        }
        block.finish()
        restore(block)
        count += rows
    }

    /// Drops every row, keeping the columns and their values: the next batch of a streamed
    /// read fills the same table.
    public mutating func removeAllRows() {
        count = 0
        capacityHint = 0
        timestamps.removeAll(keepingCapacity: true)
        sampleRates = []
        for i in columns.indices { columns[i].codes.truncate(to: 0) }
    }

    private mutating func restore(_ block: RowBlock) {
        timestamps = block.timestamps
        sampleRates = block.sampleRates
        for i in columns.indices { columns[i].codes = block.codes[i] }
    }
}

/// Rows being appended to an ``EventTable`` by ``EventTable/appendRows(_:fill:)``; offsets are
/// relative to the first new row.
public struct RowBlock {
    /// Table row of offset 0.
    public let firstRow: Int
    /// Rows in the block.
    public let rows: Int
    var timestamps: [Int64]
    var sampleRates: [UInt32]
    var codes: [CodeArray]
    let columnIndex: [String: Int]
    /// Values per column: sparse codes that become dense take the width these need.
    var valueCounts: [Int] = []

    init(firstRow: Int, rows: Int, timestamps: [Int64], sampleRates: [UInt32], codes: [CodeArray], columnIndex: [String: Int]) {
        self.firstRow = firstRow
        self.rows = rows
        self.timestamps = timestamps
        self.sampleRates = sampleRates
        self.codes = codes
        self.columnIndex = columnIndex
    }

    mutating func prepare(valueCounts: [Int]) {
        self.valueCounts = valueCounts
        timestamps.append(contentsOf: repeatElement(0, count: rows))
        if !sampleRates.isEmpty { sampleRates.append(contentsOf: repeatElement(1, count: rows)) }
        for i in codes.indices {
            codes[i].widen(toHold: valueCounts[i])
            codes[i].appendAbsent(firstRow + rows - codes[i].count)
        }
    }

    mutating func rollBack() {
        timestamps.removeLast(timestamps.count - firstRow)
        if sampleRates.count > firstRow { sampleRates.removeLast(sampleRates.count - firstRow) }
        if sampleRates.allSatisfy({ $0 == 1 }) { sampleRates = [] }
        for i in codes.indices { codes[i].truncate(to: firstRow) }
    }

    /// Puts sparse codes written out of row order in order.
    mutating func finish() {
        for i in codes.indices {
            guard case .sparse(var s) = codes[i], !s.ordered else { continue }
            codes[i] = .u8([])
            s.normalize()
            codes[i] = .sparse(s)
        }
    }

    /// Copies event times (little-endian Int64 nanoseconds) to rows `offset...`; false when
    /// they do not fit the block.
    public mutating func setTimestamps(at offset: Int, littleEndian bytes: UnsafeRawBufferPointer) -> Bool {
        let n = bytes.count / 8
        guard bytes.count % 8 == 0, offset >= 0, offset + n <= rows else { return false }
        let start = firstRow + offset
        timestamps.withUnsafeMutableBytes { out in
            if n > 0 { UnsafeMutableRawBufferPointer(rebasing: out[(start * 8)..<((start + n) * 8)]).copyMemory(from: bytes) }
        }
        return true
    }

    /// Copies sample rates (little-endian UInt32) to rows `offset...`; false when they do not fit.
    public mutating func setSampleRates(at offset: Int, littleEndian bytes: UnsafeRawBufferPointer) -> Bool {
        let n = bytes.count / 4
        guard bytes.count % 4 == 0, offset >= 0, offset + n <= rows else { return false }
        var allOne = true
        for i in 0..<n where bytes.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self) != 1 {
            allOne = false
            break
        }
        if allOne { return true }
        if sampleRates.isEmpty { sampleRates = [UInt32](repeating: 1, count: firstRow + rows) }
        let start = firstRow + offset
        sampleRates.withUnsafeMutableBytes { out in
            UnsafeMutableRawBufferPointer(rebasing: out[(start * 4)..<((start + n) * 4)]).copyMemory(from: bytes)
        }
        return true
    }

    /// Copies codes of `field` (little-endian, `width` bytes each) to rows `offset...`; false
    /// when the field has no column, the width is not 1, 2 or 4, a code is wider than the
    /// column's values allow, or they do not fit the block.
    public mutating func setCodes(_ field: String, at offset: Int, littleEndian bytes: UnsafeRawBufferPointer, width: Int) -> Bool {
        guard let i = columnIndex[field], width == 1 || width == 2 || width == 4, bytes.count % width == 0 else { return false }
        let n = bytes.count / width
        guard offset >= 0, offset + n <= rows else { return false }
        return codes[i].write(at: firstRow + offset, littleEndian: bytes, width: width, rows: nil, holding: valueCounts[i])
    }

    /// Copies codes of `field` stored sparsely: `rowIDs` (little-endian UInt32, block-relative
    /// to `offset`, each below `span`) and one code per id at `width` bytes. False when malformed.
    public mutating func setSparseCodes(_ field: String, at offset: Int, span: Int, rowIDs: UnsafeRawBufferPointer,
                                        littleEndian bytes: UnsafeRawBufferPointer, width: Int) -> Bool {
        guard let i = columnIndex[field], width == 1 || width == 2 || width == 4,
              rowIDs.count % 4 == 0, bytes.count == rowIDs.count / 4 * width,
              offset >= 0, span >= 0, offset + span <= rows else { return false }
        for k in 0..<(rowIDs.count / 4) where Int(rowIDs.loadUnaligned(fromByteOffset: k * 4, as: UInt32.self)) >= span { return false }
        return codes[i].write(at: firstRow + offset, littleEndian: bytes, width: width, rows: rowIDs, holding: valueCounts[i])
    }
}

extension CodeArray {
    /// Writes codes read at `width` bytes into rows `start...` (or `start + rowIDs[k]`); false
    /// when a code does not fit this array's width. Sparse codes stay sparse while the values
    /// fit, else become dense at the width that holds codes up to `valueCount`.
    mutating func write(at start: Int, littleEndian bytes: UnsafeRawBufferPointer, width: Int, rows rowIDs: UnsafeRawBufferPointer?,
                        holding valueCount: Int) -> Bool {
        let n = bytes.count / width
        @inline(__always) func code(_ k: Int) -> UInt32 {
            switch width {
            case 1: return UInt32(bytes[k])
            case 2: return UInt32(UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: k * 2, as: UInt16.self)))
            default: return UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: k * 4, as: UInt32.self))
            }
        }
        @inline(__always) func row(_ k: Int) -> Int {
            guard let rowIDs else { return start + k }
            return start + Int(UInt32(littleEndian: rowIDs.loadUnaligned(fromByteOffset: k * 4, as: UInt32.self)))
        }
        func fill<T: FixedWidthInteger & UnsignedInteger>(_ a: inout [T]) -> Bool {
            a.withUnsafeMutableBufferPointer { out in
                guard n > 0 else { return true }
                if rowIDs == nil, width == MemoryLayout<T>.size {
                    guard start + n <= out.count else { return false }
                    UnsafeMutableRawBufferPointer(rebasing: UnsafeMutableRawBufferPointer(out)[(start * width)..<((start + n) * width)]).copyMemory(from: bytes)
                    return true
                }
                if width < MemoryLayout<T>.size {
                    // Narrower codes than the column's always fit: one loop per width, with the
                    // width and the row ids decided outside it (a loop the compiler vectorizes).
                    return width == 1 ? Self.widen(UInt8.self, bytes, n, rowIDs, into: out, at: start)
                                      : Self.widen(UInt16.self, bytes, n, rowIDs, into: out, at: start)
                }
                let limit = UInt32(truncatingIfNeeded: T.max)
                for k in 0..<n {
                    let c = code(k)
                    guard c <= limit else { return false }
                    out[row(k)] = T(truncatingIfNeeded: c)
                }
                return true
            }
        }
        switch self {
        case .u8(var a): self = .u8([]); let ok = fill(&a); self = .u8(a); return ok
        case .u16(var a): self = .u16([]); let ok = fill(&a); self = .u16(a); return ok
        case .u32(var a): self = .u32([]); let ok = fill(&a); self = .u32(a); return ok
        case .sparse(var s):
            // Count the values present only until they no longer fit: a dense chunk column
            // (the usual case) stops after a sixteenth of its rows.
            let room = s.count / SparseCodes.density - s.presentCount
            var present = 0
            var k = 0
            while k < n && present <= room {
                if code(k) != 0 { present += 1 }
                k += 1
            }
            guard SparseCodes.fits(present: s.presentCount + present, rows: s.count) else {
                self = s.dense(holding: valueCount)
                return write(at: start, littleEndian: bytes, width: width, rows: rowIDs, holding: valueCount)
            }
            let limit = UInt32(truncatingIfNeeded: CodeArray(capacityFor: valueCount).maxCode)
            self = .u8([])
            defer { self = .sparse(s) }
            s.reserveCapacity(s.presentCount + present)
            for k in 0..<n {
                let c = code(k)
                guard c <= limit else { return false }
                s.set(row(k), c)
            }
            return true
        }
    }

    /// Copies `n` codes of type `Source` (little-endian) into the wider `out`, at `start + k`
    /// or at `start + rowIDs[k]`; false when a row falls outside `out`.
    @inline(__always)
    private static func widen<Source: FixedWidthInteger & UnsignedInteger, T: FixedWidthInteger & UnsignedInteger>(
        _: Source.Type, _ bytes: UnsafeRawBufferPointer, _ n: Int, _ rowIDs: UnsafeRawBufferPointer?,
        into out: UnsafeMutableBufferPointer<T>, at start: Int) -> Bool {
        let size = MemoryLayout<Source>.size
        guard let rowIDs else {
            guard start >= 0, start + n <= out.count else { return false }
            let dst = out.baseAddress! + start
            for k in 0..<n { dst[k] = T(truncatingIfNeeded: Source(littleEndian: bytes.loadUnaligned(fromByteOffset: k * size, as: Source.self))) }
            return true
        }
        let dst = out.baseAddress!
        for k in 0..<n {
            let r = start + Int(UInt32(littleEndian: rowIDs.loadUnaligned(fromByteOffset: k * 4, as: UInt32.self)))
            guard r >= 0, r < out.count else { return false }
            dst[r] = T(truncatingIfNeeded: Source(littleEndian: bytes.loadUnaligned(fromByteOffset: k * size, as: Source.self)))
        }
        return true
    }

    /// Drops rows from `n` on.
    mutating func truncate(to n: Int) {
        guard n < count else { return }
        switch self {
        case .u8(var a): self = .u8([]); a.removeLast(a.count - n); self = .u8(a)
        case .u16(var a): self = .u16([]); a.removeLast(a.count - n); self = .u16(a)
        case .u32(var a): self = .u32([]); a.removeLast(a.count - n); self = .u32(a)
        case .sparse(var s): self = .u8([]); s.truncate(to: n); self = .sparse(s)
        }
    }
}
