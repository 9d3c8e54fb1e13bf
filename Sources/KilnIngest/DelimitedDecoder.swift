import KilnCore

/// Decodes CSV (comma) and TSV (tab) with a header row.
///
/// Field names produced: the header's cells, trimmed of surrounding spaces; an empty header
/// cell is named `column_N` (N counts from 1). When two columns share a name, the later column
/// wins.
///
/// Rows: cells follow RFC 4180 quoting (`"a ""quoted"", value"`; text after a closing quote is
/// appended as written). In CSV a quoted cell may span lines; such a record counts as the line
/// it starts on and may not exceed 1 MiB. In TSV, which is often written without quoting, a
/// line whose quote never closes is taken as written (quotes included) instead. Each cell, quoted
/// or not, is typed: exactly `true` or `false` is a boolean, a number in JSON syntax is `.int`
/// (fits Int64) or `.float`, anything else is a `.string` (so `007`, `True` and `1e400` stay
/// strings); an empty cell is absent. A column named like an id, or whose values are mostly
/// not numbers (``FieldRules``), keeps all its values as text.
/// A row with fewer cells than the header lacks the missing fields; a row with more cells is
/// rejected, as are rows with invalid UTF-8.
///
/// The event time comes from the first present of `time`, `timestamp`, `@timestamp`, `ts`,
/// `Timestamp` (or the configured field, e.g. `StartTimeUnixNano`), and its column is removed
/// from the fields; when it is missing the event gets the ingest time, and when it is not a time
/// the row is rejected.
struct DelimitedDecoder {
    /// Where a scan stands at the end of a line.
    enum QuoteState: Equatable {
        case cellStart, unquoted, quoted, quoteInQuoted
    }

    let separator: UInt8
    /// The time-field candidates, most preferred first.
    private(set) var timeFields: [String]
    private(set) var header: [String]?
    /// The header's names in `names`, by column.
    private var headerIDs: [Int] = []
    /// False for a column whose name a later column repeats.
    private var keep: [Bool] = []
    private var names: FieldNameTable
    private var row = RowFields()
    private var pending: [UInt8] = []
    private var pendingLine = 0
    private var pendingState = QuoteState.cellStart
    /// True while a quoted cell is open across lines.
    private(set) var isPending = false

    /// The line of a header that is not valid UTF-8: every later row is refused.
    private(set) var badHeaderLine: Int?

    /// Rows that had no time field (they get the ingest time).
    private(set) var untimedRows = 0

    init(separator: UInt8, timeFields: [String], generation: UInt64 = 0, rules: FieldRules = FieldRules()) {
        self.separator = separator
        self.timeFields = timeFields
        names = FieldNameTable(timeFields: timeFields, generation: generation, rules: rules)
    }

    /// The field names seen so far.
    var fieldNames: [String] { names.names.map(\.text) }

    /// Changes the time-field candidates; the name table starts over with `generation`.
    mutating func setTimeFields(_ fields: [String], generation: UInt64) {
        timeFields = fields
        names = FieldNameTable(timeFields: fields, generation: generation, rules: names.rules)
        headerIDs = (header ?? []).map { names.id(of: $0) }
    }

    /// Takes one physical line; emits a row or rejection when it completes a record.
    /// - Complexity: O(length of the line)
    mutating func decode<S: RowSink>(_ line: UnsafeBufferPointer<UInt8>, lineNumber: Int, now: Int64, into sink: inout S) {
        if isPending {
            guard pending.count + 1 + line.count <= IngestDecoder.maxLineBytes else {
                sink.reject(Rejection(line: pendingLine, reason: "quoted cell never closes within 1 MiB (\(IngestDecoder.maxLineBytes) bytes)"))
                isPending = false
                pending = []
                return
            }
            pending.append(0x0A)
            pending.append(contentsOf: line)
            pendingState = scanQuotes(line, from: pendingState)
            guard pendingState != .quoted else { return }
            isPending = false
            let record = pending
            pending = []
            record.withUnsafeBufferPointer { decodeRecord($0, lineNumber: pendingLine, now: now, quoting: true, into: &sink) }
            return
        }
        let state = scanQuotes(line, from: .cellStart)
        if state == .quoted && separator == UInt8(ascii: "\t") {
            // TSV is often written without quoting: a cell that merely starts with a quote must
            // not swallow the following lines. Take this line's cells as written.
            decodeRecord(line, lineNumber: lineNumber, now: now, quoting: false, into: &sink)
            return
        }
        if state == .quoted {
            isPending = true
            pendingLine = lineNumber
            pendingState = state
            pending = Array(line)
            return
        }
        decodeRecord(line, lineNumber: lineNumber, now: now, quoting: true, into: &sink)
    }

    /// Ends the stream: an open quoted cell is rejected.
    mutating func finish<S: RowSink>(into sink: inout S) {
        guard isPending else { return }
        sink.reject(Rejection(line: pendingLine, reason: "unterminated quoted cell at the end of the input"))
        isPending = false
        pending = []
    }

    private func scanQuotes(_ b: UnsafeBufferPointer<UInt8>, from start: QuoteState) -> QuoteState {
        var state = start
        for c in b {
            switch state {
            case .cellStart:
                state = c == UInt8(ascii: "\"") ? .quoted : c == separator ? .cellStart : .unquoted
            case .unquoted:
                if c == separator { state = .cellStart }
            case .quoted:
                if c == UInt8(ascii: "\"") { state = .quoteInQuoted }
            case .quoteInQuoted:
                state = c == UInt8(ascii: "\"") ? .quoted : c == separator ? .cellStart : .unquoted
            }
        }
        return state
    }

    private mutating func decodeRecord<S: RowSink>(
        _ b: UnsafeBufferPointer<UInt8>, lineNumber: Int, now: Int64, quoting: Bool, into sink: inout S
    ) {
        if let badHeader = badHeaderLine {
            // Without its header no row means anything: every row is refused, saying why.
            sink.reject(Rejection(line: lineNumber, reason: "not read: the header (line \(badHeader)) is not valid UTF-8"))
            return
        }
        if let bad = ByteClass.firstInvalidUTF8(b) {
            if header == nil {
                badHeaderLine = lineNumber
                sink.reject(Rejection(line: lineNumber, reason: IngestError.invalidHeader(column: bad + 1).message))
                return
            }
            sink.reject(Rejection(line: lineNumber, reason: IngestError.invalidUTF8(column: bad + 1).message))
            return
        }
        guard let header else {
            readHeader(b, quoting: quoting)
            return
        }
        let cells = readCells(b, quoting: quoting, columns: header.count)
        guard cells <= header.count else {
            sink.reject(Rejection(line: lineNumber, reason: IngestError.tooManyCells(cells, header: header.count).message))
            return
        }
        let t: Int64?
        do throws(IngestError) {
            t = try row.takeTime(names: names, line: b.baseAddress)
        } catch {
            sink.reject(Rejection(line: lineNumber, reason: error.message))
            return
        }
        if t == nil { untimedRows += 1 }
        sink.addRow(row, line: b.baseAddress, names: names, timestamp: t ?? now, sampleRate: 1)
    }

    private mutating func readHeader(_ b: UnsafeBufferPointer<UInt8>, quoting: Bool) {
        row.removeAll()
        var cells: [String] = []
        var i = 0
        while true {
            let cell = nextCell(b, &i, quoting: quoting)
            var name = row.withBytes(cell, line: b.baseAddress) { String(decoding: $0, as: UTF8.self) }
            while name.first == " " { name.removeFirst() }
            while name.last == " " { name.removeLast() }
            cells.append(name.isEmpty ? "column_\(cells.count + 1)" : name)
            guard i < b.count else { break }
            i += 1
        }
        keep = cells.enumerated().map { k, name in !cells[(k + 1)...].contains(name) }
        headerIDs = cells.map { names.id(of: $0) }
        header = cells
    }

    /// Reads the cells of a row into `row`; returns how many cells the row has.
    private mutating func readCells(_ b: UnsafeBufferPointer<UInt8>, quoting: Bool, columns: Int) -> Int {
        row.removeAll()
        var i = 0
        var cells = 0
        while true {
            let scratchStart = row.scratch.count
            let cell = nextCell(b, &i, quoting: quoting)
            if cells < columns, keep[cells], cell.length > 0 {
                let typed = names.names[headerIDs[cells]].keepsText ? nil : row.withBytes(cell, line: b.baseAddress) { NumberScanner.typedRecord($0) }
                if typed != nil { row.scratch.removeSubrange(scratchStart...) }
                row.append(headerIDs[cells], typed ?? cell)
            } else {
                row.scratch.removeSubrange(scratchStart...)
            }
            cells += 1
            guard i < b.count else { return cells }
            i += 1
        }
    }

    /// The cell at `i` as a string record (quoted cells are unquoted into `row.scratch`);
    /// leaves `i` at the separator after it or at the end. `quoting: false` takes quotes as
    /// ordinary characters.
    private mutating func nextCell(_ b: UnsafeBufferPointer<UInt8>, _ i: inout Int, quoting: Bool) -> RowFields.Record {
        let n = b.count
        guard quoting, i < n, b[i] == UInt8(ascii: "\"") else {
            let start = i
            while i < n, b[i] != separator { i += 1 }
            return .string(at: start, count: i - start, inScratch: false)
        }
        let start = row.scratch.count
        i += 1
        while i < n {
            if b[i] == UInt8(ascii: "\"") {
                if i + 1 < n, b[i + 1] == UInt8(ascii: "\"") {
                    row.scratch.append(UInt8(ascii: "\""))
                    i += 2
                    continue
                }
                i += 1
                break
            }
            row.scratch.append(b[i])
            i += 1
        }
        while i < n, b[i] != separator {
            row.scratch.append(b[i])
            i += 1
        }
        return .string(at: start, count: row.scratch.count - start, inScratch: true)
    }
}
