import KilnCore

#if !_endian(little)
#error("IngestDecoder's word-at-a-time newline search assumes a little-endian machine")
#endif

/// Turns a byte stream of JSON lines, CSV/TSV, logfmt or access-log lines into events.
///
/// Feed it chunks as they arrive (a line may be split across chunks anywhere, even inside a
/// UTF-8 sequence), then call ``finish(into:)`` once at the end of the input. CSV, TSV and
/// logfmt rows come out once the first 1,000 lines (``typingSampleLines``) have decided which
/// fields stay text (``FieldRules``), or earlier at ``flush(into:)`` or the end. Rows come out as
/// `Event`s (``decode(_:into:)``, a ``DecodedBatch``) or, without a `String` or `Value` per
/// field, as rows of a `RawBatch` (``decode(_:into:rejections:)``); both come from the same
/// parsing code and hold the same events. Use one of the two per decoder. Each complete
/// line yields an event or a ``Rejection``; empty and white-space-only lines are skipped
/// silently. `\n` and `\r\n` line ends are accepted, and a UTF-8 byte-order mark at the very
/// start is dropped. A line longer than 1 MiB (``maxLineBytes``, not counting its line end) is
/// rejected and skipped up to the next newline without being buffered.
///
/// The per-format field names are documented on the decoders: ``InputFormat/jsonl`` (flattened
/// object members, Honeycomb envelopes), ``InputFormat/csv``/``InputFormat/tsv`` (header names),
/// ``InputFormat/logfmt`` (keys) and ``InputFormat/combined`` (`remote_addr`, `remote_user`,
/// `request.method`, `request.path`, `request.protocol`, `status`, `bytes`, `referer`,
/// `user_agent`, `duration_ms`, ...). See the README's ingest section.
public struct IngestDecoder: Sendable {
    /// The longest line accepted, in bytes, without its line end: 1 MiB.
    public static let maxLineBytes = 1_048_576

    /// The format being decoded; for ``InputFormat/auto``, the detected format once the first
    /// non-empty line has been seen (`auto` until then).
    public private(set) var format: InputFormat
    /// The options; set `options.now` between chunks to move the ingest time along.
    public var options: DecodeOptions {
        didSet {
            if options.timestampField != oldValue.timestampField || options.renames != oldValue.renames
                || options.recognizesTraceFields != oldValue.recognizesTraceFields { makeDecoders() }
        }
    }

    private var json: JSONLineDecoder
    private var delimited: DelimitedDecoder?
    private var logfmt: LogfmtDecoder
    private var accessLog: AccessLogDecoder
    private var carry: [UInt8] = []
    private var skippingLongLine = false
    private var lineNumber = 0
    /// Name tables made so far: each gets its own generation (see `RawNameMap`).
    private var tables: UInt64 = 0
    private var rawNames = RawNameMap()
    /// While true, lines are decoded into ``counts`` only and kept in ``sampled``; then the text
    /// fields are decided and the lines decoded for real (see ``settleTypes(into:)``).
    private var sampling = true
    private var sampled: [(number: Int, bytes: [UInt8])] = []
    private var sampledBytes = 0
    private var counts = ValueKindCounts()
    /// Names (after renaming) decided to stay text.
    private var textNames: Set<String> = []
    private var untimedRows = 0

    /// Lines decoded in the sample that decides which CSV/logfmt fields stay text.
    public static let typingSampleLines = 1_000
    private static let typingSampleBytes = 8 << 20

    /// Lines completed so far (including empty and rejected lines).
    public var lineCount: Int { lineNumber }

    /// Events decoded so far that had no time field and got the ingest time.
    public var eventsWithoutTime: Int { untimedRows + (delimited?.untimedRows ?? 0) }

    /// The field names seen so far that look like times (`StartTimeUnixNano`, `created_at`),
    /// for a warning naming them when events had no time field.
    public var timeLikeFields: [String] {
        let seen: [String]
        switch format {
        case .csv, .tsv: seen = delimited?.fieldNames ?? []
        case .logfmt: seen = logfmt.names.names.map(\.text)
        case .jsonl: seen = json.names.names.map(\.text)
        case .combined, .auto: seen = []
        }
        return seen.filter { name in
            let lower = name.lowercased()
            return lower.contains("time") || lower.contains("date") || lower == "ts" || lower.hasSuffix("_at") || lower.hasSuffix("_ts")
        }
    }

    /// Makes a decoder for `format` (``InputFormat/auto`` detects it from the first non-empty line).
    public init(format: InputFormat, options: DecodeOptions) {
        self.format = format
        self.options = options
        json = JSONLineDecoder(timeFields: options.timeFields, generation: 1, rules: options.rules)
        logfmt = LogfmtDecoder(timeFields: options.timeFields, generation: 2, rules: options.rules)
        accessLog = AccessLogDecoder(generation: 3)
        tables = 3
        // JSON and access logs carry their own types: nothing to sample.
        sampling = format != .jsonl && format != .combined
        if format == .csv || format == .tsv { makeDelimited() }
    }

    private mutating func nextGeneration() -> UInt64 {
        tables += 1
        return tables
    }

    private var rules: FieldRules {
        var r = options.rules
        r.textNames = textNames
        return r
    }

    private mutating func makeDecoders() {
        json = JSONLineDecoder(timeFields: options.timeFields, generation: nextGeneration(), rules: rules)
        logfmt = LogfmtDecoder(timeFields: options.timeFields, generation: nextGeneration(), rules: rules)
        if delimited != nil { makeDelimited() }
    }

    private mutating func makeDelimited() {
        let separator = format == .tsv ? UInt8(ascii: "\t") : UInt8(ascii: ",")
        let untimed = delimited?.untimedRows ?? 0
        untimedRows += untimed
        delimited = DelimitedDecoder(separator: separator, timeFields: options.timeFields, generation: nextGeneration(), rules: rules)
    }

    /// Decodes the complete lines of `chunk` (plus what earlier chunks left unfinished) into
    /// `batch`, keeping an unfinished last line for the next call.
    /// - Complexity: O(chunk size), plus the unfinished line carried over.
    public mutating func decode(_ chunk: UnsafeRawBufferPointer, into batch: inout DecodedBatch) {
        batch.bytes += chunk.count
        decodeChunk(chunk, into: &batch)
    }

    /// Ends the input: decodes a last line that has no line end, and rejects a CSV record whose
    /// quoted cell never closed. Later ``decode(_:into:)`` calls continue the line numbering.
    public mutating func finish(into batch: inout DecodedBatch) {
        finishInput(into: &batch)
    }

    /// Decodes the complete lines of `chunk` (plus what earlier chunks left unfinished) as rows
    /// of `batch` and lines that fail into `rejections`, keeping an unfinished last line for the
    /// next call. The rows are the events ``decode(_:into:)`` would give (sample rates above
    /// `UInt32.max` are clamped by `RawBatch`); nothing of a rejected line reaches `batch`.
    ///
    /// Field names are interned in `batch` once per batch and then found by name id, so no
    /// `String` is built per field; string values are copied into `batch` as bytes. The batch
    /// may be replaced or added to between calls.
    /// - Complexity: O(chunk size), plus the unfinished line carried over and O(names) to check
    ///   that `batch` is the one of the previous call.
    public mutating func decode(_ chunk: UnsafeRawBufferPointer, into batch: inout RawBatch, rejections: inout [Rejection]) {
        withRawSink(&batch, &rejections) { decoder, sink in decoder.decodeChunk(chunk, into: &sink) }
    }

    /// Ends the input for the `RawBatch` path, as ``finish(into:)`` does for events.
    public mutating func finish(into batch: inout RawBatch, rejections: inout [Rejection]) {
        withRawSink(&batch, &rejections) { decoder, sink in decoder.finishInput(into: &sink) }
    }

    /// Runs `body` with a sink that writes into `batch` and `rejections` (moved in and out, not
    /// copied).
    private mutating func withRawSink(
        _ batch: inout RawBatch, _ rejections: inout [Rejection], _ body: (inout IngestDecoder, inout RawRowSink) -> Void
    ) {
        var sink = RawRowSink()
        swap(&sink.batch, &batch)
        swap(&sink.rejections, &rejections)
        swap(&sink.map, &rawNames)
        sink.map.validate(against: sink.batch)
        body(&self, &sink)
        swap(&sink.batch, &batch)
        swap(&sink.rejections, &rejections)
        swap(&sink.map, &rawNames)
    }

    private mutating func decodeChunk<S: RowSink>(_ chunk: UnsafeRawBufferPointer, into sink: inout S) {
        guard !chunk.isEmpty else { return }
        chunk.withMemoryRebound(to: UInt8.self) { bytes in
            guard let p = bytes.baseAddress else { return }
            decodeBytes(p, bytes.count, into: &sink)
        }
    }

    /// Ends the typing sample early (a pause in a followed file), decoding the lines held so far;
    /// the fields are typed by what was seen.
    public mutating func flush(into batch: inout DecodedBatch) {
        if sampling, !sampled.isEmpty { settleTypes(into: &batch) }
    }

    /// ``flush(into:)`` for the `RawBatch` path.
    public mutating func flush(into batch: inout RawBatch, rejections: inout [Rejection]) {
        guard sampling, !sampled.isEmpty else { return }
        withRawSink(&batch, &rejections) { decoder, sink in decoder.settleTypes(into: &sink) }
    }

    private mutating func finishInput<S: RowSink>(into sink: inout S) {
        if skippingLongLine {
            skippingLongLine = false
            lineNumber += 1
            sink.countLine()
        } else if !carry.isEmpty {
            let line = carry
            carry.removeAll(keepingCapacity: false)
            line.withUnsafeBufferPointer { b in
                if let p = b.baseAddress { processLine(p, b.count, into: &sink) }
            }
        }
        if sampling { settleTypes(into: &sink) }
        delimited?.finish(into: &sink)
    }

    /// Decodes a whole input at once (for tests and small inputs).
    /// - Complexity: O(bytes.count)
    public static func decodeAll(_ bytes: [UInt8], format: InputFormat, options: DecodeOptions) -> DecodedBatch {
        var decoder = IngestDecoder(format: format, options: options)
        var batch = DecodedBatch()
        bytes.withUnsafeBytes { decoder.decode($0, into: &batch) }
        decoder.finish(into: &batch)
        return batch
    }

    /// Decodes a whole input at once into a `RawBatch` (for tests and small inputs).
    /// - Complexity: O(bytes.count)
    public static func decodeAllRows(_ bytes: [UInt8], format: InputFormat, options: DecodeOptions) -> (rows: RawBatch, rejections: [Rejection]) {
        var decoder = IngestDecoder(format: format, options: options)
        var rows = RawBatch()
        var rejections: [Rejection] = []
        bytes.withUnsafeBytes { decoder.decode($0, into: &rows, rejections: &rejections) }
        decoder.finish(into: &rows, rejections: &rejections)
        return (rows, rejections)
    }

    // MARK: Lines

    /// Room for a `\r` and a byte-order mark beyond the limit while a line is carried over.
    private static let carryLimit = maxLineBytes + 4

    private mutating func decodeBytes<S: RowSink>(_ p: UnsafePointer<UInt8>, _ n: Int, into sink: inout S) {
        var start = 0
        if skippingLongLine {
            guard let newline = Self.newline(p, from: 0, count: n) else { return }
            skippingLongLine = false
            lineNumber += 1
            sink.countLine()
            start = newline + 1
        } else if !carry.isEmpty {
            guard let newline = Self.newline(p, from: 0, count: n) else {
                keepUnfinished(p, from: 0, count: n, into: &sink)
                return
            }
            if carry.count + newline > Self.carryLimit {
                rejectLongLine(into: &sink)
                lineNumber += 1
                sink.countLine()
                skippingLongLine = false
            } else {
                carry.append(contentsOf: UnsafeBufferPointer(start: p, count: newline))
                let line = carry
                carry.removeAll(keepingCapacity: carry.capacity <= 65_536)
                line.withUnsafeBufferPointer { b in
                    if let base = b.baseAddress { processLine(base, b.count, into: &sink) }
                }
            }
            start = newline + 1
        }
        while start < n, let newline = Self.newline(p, from: start, count: n) {
            processLine(p + start, newline - start, into: &sink)
            start = newline + 1
        }
        if start < n { keepUnfinished(p, from: start, count: n, into: &sink) }
    }

    /// Carries `p[from..<count]` (a line without its end yet) over to the next chunk.
    private mutating func keepUnfinished<S: RowSink>(_ p: UnsafePointer<UInt8>, from: Int, count: Int, into sink: inout S) {
        if carry.count + (count - from) > Self.carryLimit {
            rejectLongLine(into: &sink)
            carry.removeAll(keepingCapacity: false)
            return
        }
        carry.append(contentsOf: UnsafeBufferPointer(start: p + from, count: count - from))
    }

    /// Rejects the line being read as too long and skips the rest of it.
    private mutating func rejectLongLine<S: RowSink>(into sink: inout S) {
        sink.reject(Rejection(line: lineNumber + 1, reason: IngestError.lineTooLong(nil).message))
        carry.removeAll(keepingCapacity: false)
        skippingLongLine = true
    }

    @inline(__always)
    private static func newline(_ p: UnsafePointer<UInt8>, from: Int, count n: Int) -> Int? {
        var i = from
        let raw = UnsafeRawPointer(p)
        while i + 8 <= n {
            let w = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self) ^ 0x0A0A_0A0A_0A0A_0A0A
            let found = (w &- 0x0101_0101_0101_0101) & ~w & 0x8080_8080_8080_8080
            if found != 0 { return i + found.trailingZeroBitCount >> 3 }
            i += 8
        }
        while i < n {
            if p[i] == 0x0A { return i }
            i += 1
        }
        return nil
    }

    /// Decodes one complete line (without its `\n`); while sampling, only counts its value kinds
    /// and keeps it.
    private mutating func processLine<S: RowSink>(_ p: UnsafePointer<UInt8>, _ count: Int, into sink: inout S) {
        guard sampling else {
            decodeLine(p, count, into: &sink)
            return
        }
        sampled.append((lineNumber + 1, Array(UnsafeBufferPointer(start: p, count: count))))
        sampledBytes += count
        var tally = ValueKindCounts()
        swap(&tally, &counts)
        decodeLine(p, count, into: &tally)
        swap(&tally, &counts)
        let typed = format == .csv || format == .tsv || format == .logfmt
        if (format != .auto && !typed) || sampled.count >= Self.typingSampleLines || sampledBytes >= Self.typingSampleBytes {
            settleTypes(into: &sink)
        }
    }

    /// Ends the sample: the fields whose sampled values were mostly text (not numbers or
    /// booleans) keep all values as text from now on, and the sampled lines are decoded again
    /// with fresh decoders, into `sink`.
    private mutating func settleTypes<S: RowSink>(into sink: inout S) {
        sampling = false
        textNames = counts.mostlyText
        let lines = sampled
        let last = lineNumber
        sampled = []
        counts = ValueKindCounts()
        makeDecoders()
        // The sample's rows were only counted; they are decoded (and counted) again below.
        untimedRows = 0
        for (number, bytes) in lines {
            lineNumber = number - 1
            // One byte more, so that even an empty line has an address.
            var padded = bytes
            padded.append(0)
            padded.withUnsafeBufferPointer { b in
                if let base = b.baseAddress { decodeLine(base, bytes.count, into: &sink) }
            }
        }
        lineNumber = last
    }

    /// Decodes one complete line (without its `\n`).
    private mutating func decodeLine<S: RowSink>(_ p: UnsafePointer<UInt8>, _ count: Int, into sink: inout S) {
        lineNumber += 1
        sink.countLine()
        var start = 0
        var end = count
        if end > 0, p[end - 1] == 0x0D { end -= 1 }
        if lineNumber == 1, end >= 3, p[0] == 0xEF, p[1] == 0xBB, p[2] == 0xBF { start = 3 }
        let line = UnsafeBufferPointer(start: p + start, count: end - start)
        if line.count > Self.maxLineBytes {
            sink.reject(Rejection(line: lineNumber, reason: IngestError.lineTooLong(line.count).message))
            return
        }
        if delimited?.isPending == true {
            delimited?.decode(line, lineNumber: lineNumber, now: options.now, into: &sink)
            return
        }
        if ByteClass.isBlank(line) { return }
        if format == .auto {
            format = InputFormat.detect(line)
            if format == .csv || format == .tsv { makeDelimited() }
        }
        do throws(IngestError) {
            switch format {
            case .jsonl:
                let (t, rate) = try json.decode(line)
                if t == nil { untimedRows += 1 }
                sink.addRow(json.row, line: line.baseAddress, names: json.names, timestamp: t ?? options.now, sampleRate: rate)
            case .csv, .tsv:
                delimited?.decode(line, lineNumber: lineNumber, now: options.now, into: &sink)
            case .logfmt:
                let t = try logfmt.decode(line)
                if t == nil { untimedRows += 1 }
                sink.addRow(logfmt.row, line: line.baseAddress, names: logfmt.names, timestamp: t ?? options.now, sampleRate: 1)
            case .combined:
                let t = try accessLog.decode(line, now: options.now)
                sink.addRow(accessLog.row, line: line.baseAddress, names: accessLog.names, timestamp: t, sampleRate: 1)
            case .auto:
                break
            }
        } catch {
            sink.reject(Rejection(line: lineNumber, reason: error.message))
        }
    }
}

/// Counts, per field name, the values that were typed (numbers, booleans) and those that were
/// text, while a decoder samples the first lines; lines it is handed are otherwise dropped.
struct ValueKindCounts: RowSink {
    private var typed: [String: Int] = [:]
    private var text: [String: Int] = [:]

    /// The names whose values were more often text than not.
    var mostlyText: Set<String> {
        Set(text.compactMap { name, n in n > typed[name, default: 0] ? name : nil })
    }

    mutating func addRow(_ row: borrowing RowFields, line: UnsafePointer<UInt8>?, names: borrowing FieldNameTable,
                         timestamp: Int64, sampleRate: Int64) {
        for r in row.records {
            let name = names.names[Int(r.name)].text
            if r.kind == ValueKind.string.rawValue {
                if r.length > 0 { text[name, default: 0] += 1 }
            } else {
                typed[name, default: 0] += 1
            }
        }
    }

    mutating func reject(_ rejection: Rejection) {}

    mutating func countLine() {}
}
