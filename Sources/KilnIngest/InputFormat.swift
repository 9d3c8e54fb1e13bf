import KilnCore

/// The input formats `kiln ingest` reads.
public enum InputFormat: String, CaseIterable, Sendable {
    /// Detect the format from the first non-empty line (see ``detect(_:)``).
    case auto
    /// One JSON object per line, flat or Honeycomb's `{"time","samplerate","data"}` envelope.
    case jsonl
    /// Comma-separated values with a header row.
    case csv
    /// Tab-separated values with a header row.
    case tsv
    /// `key=value key2="quoted value"` pairs.
    case logfmt
    /// Apache/nginx combined (or common) access-log lines.
    case combined

    /// Picks the format of a stream from its first non-empty line (BOM and line end removed).
    ///
    /// In order: a line starting with `{` is `jsonl`; a line with the shape of an access-log line
    /// is `combined`; a line made of `key=value` pairs (at least half of its space-separated
    /// tokens, and at least one) is `logfmt`; a line holding a tab is a `tsv` header; anything
    /// else is a `csv` header (a line without commas is a one-column header). Logfmt comes
    /// before CSV/TSV because logfmt values often hold commas while header names rarely hold `=`.
    /// - Complexity: O(length of the line)
    public static func detect(_ line: UnsafeBufferPointer<UInt8>) -> InputFormat {
        var i = 0
        while i < line.count, ByteClass.isSpace(line[i]) { i += 1 }
        if i < line.count, line[i] == UInt8(ascii: "{") { return .jsonl }
        if AccessLogDecoder.looksLikeAccessLog(line) { return .combined }
        if LogfmtDecoder.looksLikeLogfmt(line) { return .logfmt }
        if line.contains(UInt8(ascii: "\t")) { return .tsv }
        return .csv
    }
}

/// Options shared by every decoder.
public struct DecodeOptions: Sendable {
    /// The one field to read the event time from; nil means the first present of
    /// ``defaultTimeFields``.
    public var timestampField: String?
    /// Ingest time in nanoseconds since the epoch: the time of events without a usable time.
    /// The caller sets it (and may update it between chunks); decoders never read the clock.
    public var now: Int64

    /// The time fields looked for, in this order, when no `timestampField` is given.
    public static let defaultTimeFields = ["time", "timestamp", "@timestamp", "ts", "Timestamp"]

    /// Makes options.
    public init(timestampField: String? = nil, now: Int64) {
        self.timestampField = timestampField
        self.now = now
    }

    /// The candidate time-field names, most preferred first.
    var timeFields: [String] {
        if let field = timestampField { return [field] }
        return Self.defaultTimeFields
    }
}

/// A line that could not be decoded.
public struct Rejection: Equatable, Hashable, Sendable, CustomStringConvertible {
    /// The 1-based line number in the stream (empty lines count).
    public var line: Int
    /// What is wrong and where, e.g. `expected ':' after key "status" (column 27)`.
    public var reason: String

    /// Makes a rejection.
    public init(line: Int, reason: String) {
        self.line = line
        self.reason = reason
    }

    /// `line N: reason`.
    public var description: String { "line \(line): \(reason)" }
}

/// What decoding produced so far; the caller drains `events` and `rejections` after each call.
public struct DecodedBatch: Sendable {
    /// Decoded events, in input order.
    public var events: [Event]
    /// Rejected lines, in input order.
    public var rejections: [Rejection]
    /// Lines completed so far (including empty and rejected lines); each call adds to it.
    public var lines: Int
    /// Input bytes consumed so far; each call adds the size of its chunk.
    public var bytes: Int

    /// An empty batch.
    public init(events: [Event] = [], rejections: [Rejection] = [], lines: Int = 0, bytes: Int = 0) {
        self.events = events
        self.rejections = rejections
        self.lines = lines
        self.bytes = bytes
    }
}
