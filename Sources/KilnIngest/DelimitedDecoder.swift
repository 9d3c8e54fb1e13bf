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
/// line whose quote never closes is taken as written (quotes included) instead. Each cell, quoted or not, is typed: exactly `true` or
/// `false` is a boolean, a number in JSON syntax is `.int` (fits Int64) or `.float`, anything
/// else is a `.string` (so `007`, `True` and `1e400` stay strings); an empty cell is absent.
/// A row with fewer cells than the header lacks the missing fields; a row with more cells is
/// rejected, as are rows with invalid UTF-8.
///
/// The event time comes from the first present of `time`, `timestamp`, `@timestamp`, `ts`,
/// `Timestamp` (or the configured field, e.g. `StartTimeUnixNano`), and its column is removed
/// from the fields; when it is missing or unreadable the event gets the ingest time and the
/// cell stays.
struct DelimitedDecoder {
    /// Where a scan stands at the end of a line.
    enum QuoteState: Equatable {
        case cellStart, unquoted, quoted, quoteInQuoted
    }

    let separator: UInt8
    var timeFields: [String]
    private(set) var header: [String]?
    /// False for a column whose name a later column repeats.
    private var keep: [Bool] = []
    private var pending: [UInt8] = []
    private var pendingLine = 0
    private var pendingState = QuoteState.cellStart
    /// True while a quoted cell is open across lines.
    private(set) var isPending = false
    private var scratch: [UInt8] = []

    init(separator: UInt8, timeFields: [String]) {
        self.separator = separator
        self.timeFields = timeFields
    }

    /// Takes one physical line; emits an event or rejection when it completes a record.
    /// - Complexity: O(length of the line)
    mutating func decode(_ line: UnsafeBufferPointer<UInt8>, lineNumber: Int, now: Int64, into batch: inout DecodedBatch) {
        if isPending {
            guard pending.count + 1 + line.count <= IngestDecoder.maxLineBytes else {
                batch.rejections.append(Rejection(line: pendingLine, reason: "quoted cell never closes within 1 MiB (\(IngestDecoder.maxLineBytes) bytes)"))
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
            record.withUnsafeBufferPointer { decodeRecord($0, lineNumber: pendingLine, now: now, quoting: true, into: &batch) }
            return
        }
        let state = scanQuotes(line, from: .cellStart)
        if state == .quoted && separator == UInt8(ascii: "\t") {
            // TSV is often written without quoting: a cell that merely starts with a quote must
            // not swallow the following lines. Take this line's cells as written.
            decodeRecord(line, lineNumber: lineNumber, now: now, quoting: false, into: &batch)
            return
        }
        if state == .quoted {
            isPending = true
            pendingLine = lineNumber
            pendingState = state
            pending = Array(line)
            return
        }
        decodeRecord(line, lineNumber: lineNumber, now: now, quoting: true, into: &batch)
    }

    /// Ends the stream: an open quoted cell is rejected.
    mutating func finish(into batch: inout DecodedBatch) {
        guard isPending else { return }
        batch.rejections.append(Rejection(line: pendingLine, reason: "unterminated quoted cell at the end of the input"))
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

    private mutating func decodeRecord(
        _ b: UnsafeBufferPointer<UInt8>, lineNumber: Int, now: Int64, quoting: Bool, into batch: inout DecodedBatch
    ) {
        if let bad = ByteClass.firstInvalidUTF8(b) {
            batch.rejections.append(Rejection(line: lineNumber, reason: IngestError.invalidUTF8(column: bad + 1).message))
            return
        }
        guard let header else {
            var names: [String] = []
            forEachCell(b, quoting: quoting) { cell in
                var name = String(decoding: cell, as: UTF8.self)
                while name.first == " " { name.removeFirst() }
                while name.last == " " { name.removeLast() }
                names.append(name.isEmpty ? "column_\(names.count + 1)" : name)
            }
            keep = names.enumerated().map { k, name in !names[(k + 1)...].contains(name) }
            self.header = names
            return
        }
        var fields: [Field] = []
        fields.reserveCapacity(header.count)
        var cells = 0
        let keep = self.keep
        forEachCell(b, quoting: quoting) { cell in
            defer { cells += 1 }
            guard cells < header.count, keep[cells], cell.count > 0 else { return }
            fields.append(Field(header[cells], NumberScanner.typedValue(cell)))
        }
        guard cells <= header.count else {
            batch.rejections.append(Rejection(line: lineNumber, reason: IngestError.tooManyCells(cells, header: header.count).message))
            return
        }
        let t = EventTime.take(from: &fields, names: timeFields, now: now)
        batch.events.append(Event(timestamp: t, fields: fields))
    }

    /// Calls `body` with the unquoted bytes of each cell, in order (`quoting: false` takes
    /// quotes as ordinary characters).
    private mutating func forEachCell(_ b: UnsafeBufferPointer<UInt8>, quoting: Bool, _ body: (UnsafeBufferPointer<UInt8>) -> Void) {
        let n = b.count
        var i = 0
        while true {
            if quoting, i < n, b[i] == UInt8(ascii: "\"") {
                scratch.removeAll(keepingCapacity: true)
                i += 1
                while i < n {
                    if b[i] == UInt8(ascii: "\"") {
                        if i + 1 < n, b[i + 1] == UInt8(ascii: "\"") {
                            scratch.append(UInt8(ascii: "\""))
                            i += 2
                            continue
                        }
                        i += 1
                        break
                    }
                    scratch.append(b[i])
                    i += 1
                }
                while i < n, b[i] != separator {
                    scratch.append(b[i])
                    i += 1
                }
                scratch.withUnsafeBufferPointer { body($0) }
            } else {
                let start = i
                while i < n, b[i] != separator { i += 1 }
                body(UnsafeBufferPointer(rebasing: b[start..<i]))
            }
            guard i < n else { return }
            i += 1
        }
    }
}
