import KilnCore

/// The input formats `kiln ingest` reads.
public enum InputFormat: String, CaseIterable, Sendable {
    /// Detect the format from the first non-empty line (see ``detect(_:)``).
    case auto
    /// One JSON object per line, flat or Honeycomb's `{"time","samplerate","data"}` envelope.
    /// Fields: the object's members, nested objects flattened to dotted names (`http.method`),
    /// arrays as compact JSON text; an envelope gives the members of `data`.
    case jsonl
    /// Comma-separated values with a header row. Fields: the header's names (trimmed; an
    /// empty one is `column_N`), one per non-empty cell.
    case csv
    /// Tab-separated values with a header row; fields as for ``csv``.
    case tsv
    /// `key=value key2="quoted value"` pairs. Fields: the keys as written; a bare key is `true`.
    case logfmt
    /// Apache/nginx combined (or common) access-log lines. Fields: `remote_addr`,
    /// `remote_ident` (when not `-`), `remote_user` (when not `-`), `request.method`,
    /// `request.path`, `request.protocol` (or `request` for a request of another shape),
    /// `status`, `bytes` (when not `-`), `referer`, `user_agent`, `duration_ms` (from a trailing
    /// request time) and `extra` (other trailing text).
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
