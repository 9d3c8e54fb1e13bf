import Foundation
import KilnCore
import KilnIngest
import KilnStore

/// Reading the start of a file and whole-document files (OTLP JSON, Zipkin v2 JSON) for
/// `kiln ingest`.
enum IngestDocument {
    /// The first bytes of `path`, decompressed when it is gzip: enough to tell its shape.
    static func head(_ path: String, bytes: Int = 64 << 10) throws -> [UInt8] {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw IngestFailure("\(path): cannot open: \(String(cString: strerror(errno)))")
        }
        defer { try? handle.close() }
        let raw = Array((try? handle.read(upToCount: 4 * bytes)) ?? Data())
        let isGzip = raw.withUnsafeBytes { GzipInflater.isGzip($0) }
        guard isGzip else { return Array(raw.prefix(bytes)) }
        var out: [UInt8] = []
        let inflater = try GzipInflater()
        // A cut-off stream is expected here: keep what came out before the cut.
        try? raw.withUnsafeBytes { try inflater.inflate($0) { out.append(contentsOf: $0.prefix(max(0, bytes - out.count))) } }
        return out
    }

    /// Stores the OTLP or Zipkin document `path` into `writer`'s dataset exactly as `kiln serve`
    /// stores the same body with `x-honeycomb-dataset`; reports rejected items as
    /// `FILE: reason`.
    static func ingest(_ path: String, kind: TelemetryFile.Kind, dataset: String, writer: any EventSink, stats: IngestStats) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw IngestFailure("\(path): cannot read: \(String(cString: strerror(errno)))")
        }
        var bytes = Array(data)
        stats.bytes += bytes.count
        if bytes.withUnsafeBytes({ GzipInflater.isGzip($0) }) {
            var out: [UInt8] = []
            let inflater = try GzipInflater()
            do {
                try bytes.withUnsafeBytes { try inflater.inflate($0) { out.append(contentsOf: $0) } }
            } catch {
                throw IngestFailure("\(path): \(error)")
            }
            guard inflater.isComplete else { throw IngestFailure("\(path): gzip data ends early (the file is cut short)") }
            bytes = out
        }
        let output: TelemetryMapper.Output
        do {
            output = try TelemetryFile.decode(bytes, kind: kind, dataset: dataset, now: Clock.nowNanos())
        } catch {
            throw IngestFailure("\(path): \(kind.label): \(error.message)")
        }
        for reason in output.reasons {
            stats.rejected += 1
            if stats.rejected <= IngestStats.shownRejections { printError("\(path): \(Sanitize.line(reason))") }
        }
        stats.rejected += output.rejected - output.reasons.count
        for name in output.datasets {
            guard let batch = output.batches[name] else { continue }
            stats.events += batch.count
            writer.append(batch)
        }
        stats.stored += try writer.commit()
    }
}

extension TelemetryFile.Kind {
    /// The format's name in messages.
    var label: String {
        switch self {
        case .zipkin: return "Zipkin v2 JSON"
        case .otlpTraces: return "OTLP JSON traces"
        case .otlpLogs: return "OTLP JSON logs"
        }
    }
}
