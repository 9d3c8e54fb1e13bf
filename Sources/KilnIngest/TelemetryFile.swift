import KilnCore

/// Whole-document inputs of `kiln ingest`: OTLP JSON exports (traces and logs) and Zipkin v2
/// span lists, recognised from the start of a file and stored exactly as `kiln serve` stores
/// the same body (the same decoders and ``TelemetryMapper``).
package enum TelemetryFile {
    /// What kind of whole document a file holds.
    package enum Kind: Equatable, Sendable {
        /// A Zipkin v2 JSON array of spans, as POSTed to `/api/v2/spans`.
        case zipkin
        /// An OTLP JSON `ExportTraceServiceRequest` (or one per line).
        case otlpTraces
        /// An OTLP JSON `ExportLogsServiceRequest` (or one per line).
        case otlpLogs
    }

    /// How to read an input, decided from its first bytes.
    package enum Shape: Equatable, Sendable {
        /// Line-oriented: JSON lines, CSV/TSV, logfmt or access-log lines.
        case lines
        /// A whole document of `Kind`.
        case document(Kind)
        /// Nothing Kiln reads; the reason says what it is and what is read instead.
        case refused(String)
    }

    /// What `kiln ingest` reads, for refusals.
    static let accepted = "kiln ingest reads JSON lines (one object per line), CSV/TSV, logfmt, access logs, OTLP JSON and Zipkin v2 JSON"

    /// Decides the shape of an input from its first bytes (decompressed), `head`.
    ///
    /// An array whose head names `"traceId"` is Zipkin; an object naming `resourceSpans` or
    /// `resourceLogs` (or the snake_case forms) is OTLP; other arrays, OTLP metrics, JSON
    /// objects spread over several lines and binary data (a NUL byte, or invalid UTF-8 before
    /// the head's last few bytes) are refused; anything else is line-oriented.
    /// - Complexity: O(head size)
    package static func shape(of head: UnsafeRawBufferPointer) -> Shape {
        let b = head.bindMemory(to: UInt8.self)
        var i = 0
        if b.count >= 3, b[0] == 0xEF, b[1] == 0xBB, b[2] == 0xBF { i = 3 }
        if b.contains(0) { return .refused("binary data, not text; \(accepted) (send OTLP protobuf to kiln serve)") }
        if let bad = ByteClass.firstInvalidUTF8(UnsafeBufferPointer(rebasing: b[i...])), bad + i < b.count - 4 {
            return .refused("binary data, not UTF-8 text (byte \(bad + i + 1)); \(accepted)")
        }
        while i < b.count, ByteClass.isSpace(b[i]) || b[i] == 0x0A || b[i] == 0x0D { i += 1 }
        guard i < b.count else { return .lines }
        let text = UnsafeBufferPointer(rebasing: b[i...])
        func mentions(_ word: String) -> Bool { contains(text, Array(word.utf8)) }
        switch b[i] {
        case UInt8(ascii: "["):
            if mentions("\"traceId\"") { return .document(.zipkin) }
            return .refused("a JSON array that is not a Zipkin v2 span list (no \"traceId\" in it); \(accepted)")
        case UInt8(ascii: "{"):
            if mentions("\"resourceSpans\"") || mentions("\"resource_spans\"") { return .document(.otlpTraces) }
            if mentions("\"resourceLogs\"") || mentions("\"resource_logs\"") { return .document(.otlpLogs) }
            if mentions("\"resourceMetrics\"") || mentions("\"resource_metrics\"") {
                return .refused("OTLP metrics are not events; \(accepted)")
            }
            var end = 0
            while end < text.count, text[end] != 0x0A { end += 1 }
            var last = end - 1
            while last > 0, ByteClass.isSpace(text[last]) || text[last] == 0x0D { last -= 1 }
            if end < text.count, last >= 0, text[last] != UInt8(ascii: "}") {
                return .refused("a JSON object spread over several lines, not JSON lines; \(accepted)")
            }
            return .lines
        default:
            return .lines
        }
    }

    private static func contains(_ text: UnsafeBufferPointer<UInt8>, _ word: [UInt8]) -> Bool {
        guard let first = word.first, text.count >= word.count else { return false }
        var k = 0
        while k + word.count <= text.count {
            if text[k] == first, text[k..<(k + word.count)].elementsEqual(word) { return true }
            k += 1
        }
        return false
    }

    /// The limits a file is read with: those of a request, without the count and size limits
    /// that protect a server.
    package static let limits = IngestLimits(maxBodyBytes: .max, maxDecodedBytes: .max, maxEventsPerRequest: .max)

    /// Decodes a whole document of `kind` into the events of `dataset` (as `kiln serve` does
    /// with `x-honeycomb-dataset: dataset`); `now` is the time of items that carry none.
    /// An OTLP file may also hold one export per line (as the collector's file exporter writes).
    /// - Complexity: O(bytes)
    package static func decode(_ bytes: [UInt8], kind: Kind, dataset: String, now: Int64) throws(ServerError) -> TelemetryMapper.Output {
        let mapper = TelemetryMapper(limits: limits, dataset: dataset, now: now)
        switch kind {
        case .zipkin:
            let traces = try bytes.withUnsafeBufferPointer { (b) throws(ServerError) in try ZipkinDecoder(limits: limits).decode(b) }
            return mapper.map(traces)
        case .otlpTraces, .otlpLogs:
            let decoder = OTLPJSONDecoder(limits: limits)
            var documents = [bytes[...]]
            do throws(ServerError) {
                _ = try JSONValue.parse(bytes, maxDepth: limits.maxDepth)
            } catch {
                // Not one document: one per line, or a real error (reported for the whole file).
                documents = bytes.split(separator: 0x0A).filter { line in line.contains { !ByteClass.isSpace($0) && $0 != 0x0D } }
                guard documents.count > 1 else { throw error }
            }
            var out = TelemetryMapper.Output()
            for (k, document) in documents.enumerated() {
                let part = try Array(document).withUnsafeBufferPointer { (b) throws(ServerError) -> TelemetryMapper.Output in
                    do throws(ServerError) {
                        return kind == .otlpTraces ? mapper.map(try decoder.decodeTraces(b)) : mapper.map(try decoder.decodeLogs(b))
                    } catch {
                        throw documents.count > 1 ? ServerError(code: error.code, message: "line \(k + 1): \(error.message)") : error
                    }
                }
                out.merge(part)
            }
            return out
        }
    }
}

extension TelemetryMapper.Output {
    /// Adds the events and rejections of `other`.
    package mutating func merge(_ other: TelemetryMapper.Output) {
        for d in other.datasets {
            guard let batch = other.batches[d] else { continue }
            if batches[d] == nil {
                datasets.append(d)
                batches[d] = RawBatch()
            }
            batches[d]?.append(contentsOf: batch)
        }
        events += other.events
        rejected += other.rejected
        reasons += other.reasons.prefix(max(0, 5 - reasons.count))
    }
}
