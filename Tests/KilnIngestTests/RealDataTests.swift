import Foundation
import KilnCore
import KilnIngest
import Testing

/// Real files from `../shared/realdata` (beside the repository); skipped when absent.
@Suite struct RealDataTests {
    static let directory = realDataDirectory()

    /// All 10,000 lines of a real combined-format access log parse, by auto-detection too.
    @Test(.enabled(if: directory != nil, "../shared/realdata is absent (a clone without the shared data)"))
    func apacheAccessLog() throws {
        let url = try #require(Self.directory).appendingPathComponent("apache-access-log/apache_logs")
        let bytes = try [UInt8](Data(contentsOf: url))
        let batch = IngestDecoder.decodeAll(bytes, format: .auto, options: options())
        #expect(batch.rejections.isEmpty, "\(batch.rejections.prefix(5))")
        #expect(batch.events.count == 10_000)
        #expect(batch.lines == 10_000)
        #expect(batch.events.allSatisfy { $0.timestamp != testNow })
        #expect(batch.events.allSatisfy { if case .int = $0["status"] { return true } else { return false } })
        #expect(batch.events.allSatisfy { $0["remote_addr"] != nil && $0["user_agent"] != nil })
        let first = batch.events[0]
        #expect(first.timestamp == Timestamp.parseRFC3339("2015-05-17T10:05:03Z"))
        #expect(first["request.path"] == .string("/presentations/logstash-monitorama-2013/images/kibana-search.png"))
        #expect(first["bytes"] == .int(203_023))
        // Line 8899 lost the closing quote of its user agent.
        #expect(batch.events[8898]["user_agent"] == .string("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html"))
        let chunked = decodeChunked(bytes, chunk: 4093, format: .auto, options: options())
        #expect(chunked.events == batch.events)
    }

    /// The Nezha Online Boutique trace CSVs parse completely, with the span start as the time.
    @Test(.enabled(if: directory != nil, "../shared/realdata is absent (a clone without the shared data)"))
    func nezhaTraceCSVs() throws {
        let root = try #require(Self.directory).appendingPathComponent("nezha-onlineboutique")
        var files: [URL] = []
        for folder in ["baseline", "fault_cartservice_network_delay"] {
            let dir = root.appendingPathComponent(folder)
            files += try FileManager.default.contentsOfDirectory(at: dir, includingPropertiesForKeys: nil)
                .filter { $0.pathExtension == "csv" }
        }
        #expect(files.count >= 3)
        for file in files {
            let bytes = try [UInt8](Data(contentsOf: file))
            let rows = bytes.split(separator: 0x0A).count - 1
            let batch = IngestDecoder.decodeAll(bytes, format: .auto, options: options(timestampField: "StartTimeUnixNano"))
            #expect(batch.rejections.isEmpty, "\(file.lastPathComponent): \(batch.rejections.prefix(3))")
            #expect(batch.events.count == rows)
            for event in batch.events {
                #expect(event.fields.map(\.name).starts(with: ["trace.trace_id", "trace.span_id", "trace.parent_id", "PodName", "OperationName"]))
                #expect(event.fields.prefix(3).allSatisfy { if case .string = $0.value { return true } else { return false } })
                guard case .int(let end) = event["EndTimeUnixNano"], case .int(let micros) = event["Duration"] else {
                    Issue.record("\(file.lastPathComponent): untyped end time or duration in \(event)")
                    break
                }
                // Duration is in microseconds; start + duration is the end, within a microsecond.
                #expect(abs(event.timestamp + micros * 1000 - end) < 1000)
                #expect(event.timestamp > 1_600_000_000_000_000_000)
            }
        }
    }
}
