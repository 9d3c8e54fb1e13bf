import Foundation
import KilnCore
import KilnIngest
import Testing

/// Compares two batches: same events, rejections, line and byte counts.
private func expectSame(_ a: DecodedBatch, _ b: DecodedBatch, _ comment: Comment) {
    #expect(a.events == b.events, comment)
    #expect(a.rejections == b.rejections, comment)
    #expect(a.lines == b.lines, comment)
    #expect(a.bytes == b.bytes, comment)
}

private let jsonInput: [UInt8] = [0xEF, 0xBB, 0xBF] + Array((
    #"{"time":"2024-05-01T12:00:00.123456789+02:00","msg":"héllo wörld 😀","n":1}"# + "\r\n"
        + "\n"
        + "   \t \r\n"
        + #"{"ts":1714564800,"a":{"b":[1,2,{"c":"ü"}]},"s":"\u00e9\ud83d\ude00"}"# + "\n"
        + #"{"broken": }"# + "\r\n"
        + "\r\n"
        + #"{"time":1714564800123,"x":"中文字符","y":-1.5e-7}"# + "\n"
        + #"["not an object"]"# + "\n"
        + #"{"last":"no newline at the end"}"#
).utf8)

private let csvInput: [UInt8] = [0xEF, 0xBB, 0xBF] + Array((
    "time,name,count,ratio,flag,note\r\n"
        + "2024-05-01T12:00:00Z,alpha,1,0.5,true,\"a, \"\"quoted\"\" note\"\r\n"
        + "\r\n"
        + "2024-05-01T12:00:01Z,béta,2,,false,\"spans\r\ntwo lines\"\r\n"
        + "2024-05-01T12:00:02Z,gamma,3,1e3,True,x,too many\r\n"
        + "2024-05-01T12:00:03Z,delta\r\n"
).utf8)

private let logfmtInput = Array((
    "time=2024-05-01T12:00:00Z level=info msg=\"hello world\" n=5 ok\n\n"
        + "ts=1714564800.25 level=warn msg=\"a \\\"quoted\\\" word\" dur=1.5 user=\"José\"\r\n"
        + "=oops\n"
        + "level=error msg=\"unterminated\n"
        + "level=debug path=/a/b?c=d empty= flag\n"
).utf8)

private let combinedInput = Array((
    #"127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326 "http://www.example.com/start.html" "Mozilla/4.08 [en] (Win98; I ;Nav)""# + "\n"
        + #"10.0.0.2 - - [01/May/2024:12:00:00 +0000] "POST /api/cart?x=1 HTTP/1.1" 502 - "-" "curl/8.5.0" 0.123"# + "\r\n"
        + "\n"
        + #"10.0.0.3 - - [01/May/2024:12:00:01 +0000] "GET / HTTP/1.1" 304 0"# + "\n"
        + "garbage line\n"
        + #"10.0.0.4 - - [01/May/2024:12:00:02 +0000] "GET /é HTTP/2.0" 200 512 "-" "agent \"x\"" 1234"# + "\n"
).utf8)

@Suite struct StreamingTests {
    static let inputs: [(String, InputFormat, [UInt8])] = [
        ("jsonl", .jsonl, jsonInput), ("jsonl-auto", .auto, jsonInput),
        ("csv", .csv, csvInput), ("csv-auto", .auto, csvInput),
        ("logfmt", .logfmt, logfmtInput), ("logfmt-auto", .auto, logfmtInput),
        ("combined", .combined, combinedInput), ("combined-auto", .auto, combinedInput),
    ]

    /// Any chunking gives the same events, rejections and counts as one call.
    @Test(arguments: [1, 2, 5, 7, 64, 500])
    func chunkingDoesNotChangeTheResult(chunk: Int) {
        for (name, format, input) in Self.inputs {
            let whole = IngestDecoder.decodeAll(input, format: format, options: options())
            #expect(!whole.events.isEmpty, "\(name) decoded nothing")
            let chunked = decodeChunked(input, chunk: chunk, format: format, options: options())
            expectSame(whole, chunked, "\(name), chunks of \(chunk)")
        }
    }

    /// The JSON sample: BOM, CRLF, blank lines and a last line without newline are handled;
    /// rejections carry the physical line numbers.
    @Test func jsonSampleDetails() {
        let batch = IngestDecoder.decodeAll(jsonInput, format: .auto, options: options())
        #expect(batch.events.count == 4)
        #expect(batch.rejections.map(\.line) == [5, 8])
        #expect(batch.lines == 9)
        #expect(batch.bytes == jsonInput.count)
        let first = batch.events[0]
        #expect(first.timestamp == Timestamp.parseRFC3339("2024-05-01T10:00:00.123456789Z"))
        #expect(first.fields == [Field("msg", .string("héllo wörld 😀")), Field("n", .int(1))])
        #expect(batch.events[1]["a.b"] == .string(#"[1,2,{"c":"ü"}]"#))
        #expect(batch.events[1]["s"] == .string("é😀"))
        #expect(batch.events[2].timestamp == 1_714_564_800_123_000_000)
        #expect(batch.events[3]["last"] == .string("no newline at the end"))
    }

    /// The CSV sample: a quoted cell may span lines and counts as the line it starts on.
    @Test func csvSampleDetails() {
        let batch = IngestDecoder.decodeAll(csvInput, format: .auto, options: options())
        #expect(batch.events.count == 3)
        #expect(batch.rejections == [Rejection(line: 6, reason: "row has 7 cells but the header has 6 columns")])
        #expect(batch.events[0].fields == [
            Field("name", .string("alpha")), Field("count", .int(1)), Field("ratio", .float(0.5)),
            Field("flag", .bool(true)), Field("note", .string("a, \"quoted\" note")),
        ])
        #expect(batch.events[1]["note"] == .string("spans\ntwo lines"))
        #expect(batch.events[1]["ratio"] == nil)
        #expect(batch.events[2].fields == [Field("name", .string("delta"))])
        #expect(batch.events[2].timestamp == Timestamp.parseRFC3339("2024-05-01T12:00:03Z"))
    }

    /// A UTF-8 sequence split across chunks decodes whole.
    @Test func splitUTF8Sequences() {
        let line = Array(#"{"k":"😀😀😀 中文 é"}"#.utf8) + [0x0A]
        for cut in 1..<line.count {
            var decoder = IngestDecoder(format: .jsonl, options: options())
            var batch = DecodedBatch()
            line[..<cut].withUnsafeBytes { decoder.decode($0, into: &batch) }
            line[cut...].withUnsafeBytes { decoder.decode($0, into: &batch) }
            decoder.finish(into: &batch)
            #expect(batch.events.first?["k"] == .string("😀😀😀 中文 é"), "cut at \(cut)")
            #expect(batch.rejections.isEmpty)
        }
    }

    /// The format is resolved by the first non-empty line and stays resolved.
    @Test func resolvedFormatIsReported() {
        var decoder = IngestDecoder(format: .auto, options: options())
        var batch = DecodedBatch()
        #expect(decoder.format == .auto)
        Array("\n\n  \n".utf8).withUnsafeBytes { decoder.decode($0, into: &batch) }
        #expect(decoder.format == .auto)
        Array("a=1 b=2\n".utf8).withUnsafeBytes { decoder.decode($0, into: &batch) }
        #expect(decoder.format == .logfmt)
        // The logfmt line waits for the typing sample to end; lines are counted as they come out.
        decoder.finish(into: &batch)
        #expect(batch.lines == 4)
        #expect(batch.events.count == 1)
    }

    /// Lines up to exactly 1 MiB are accepted; longer ones are rejected without stopping the
    /// stream, at any chunking.
    @Test(arguments: [7, 4096, 65_536, 3_000_000])
    func longLines(chunk: Int) {
        let limit = IngestDecoder.maxLineBytes
        func line(_ total: Int) -> [UInt8] {
            let prefix = Array(#"{"a":""#.utf8)
            return prefix + [UInt8](repeating: UInt8(ascii: "x"), count: total - prefix.count - 2) + Array(#""}"#.utf8)
        }
        var input: [UInt8] = []
        input += Array(#"{"n":1}"#.utf8) + [0x0A]
        input += line(limit) + [0x0A]
        input += line(limit + 1) + [0x0A]
        input += line(limit) + [0x0D, 0x0A]
        input += line(limit * 3) + [0x0A]
        input += Array(#"{"n":2}"#.utf8) + [0x0A]
        input += line(limit * 2)
        let batch = decodeChunked(input, chunk: chunk, format: .jsonl, options: options())
        #expect(batch.events.count == 4)
        #expect(batch.events.first?["n"] == .int(1))
        #expect(batch.events.last?["n"] == .int(2))
        #expect(batch.rejections.map(\.line) == [3, 5, 7])
        #expect(batch.rejections.allSatisfy { $0.reason.contains("line too long") && $0.reason.contains("1 MiB") })
        #expect(batch.lines == 7)
    }

    /// `now` is the time of events without one, and can move between chunks.
    @Test func ingestTimeComesFromOptions() {
        var decoder = IngestDecoder(format: .jsonl, options: DecodeOptions(now: 5))
        var batch = DecodedBatch()
        Array("{\"a\":1}\n".utf8).withUnsafeBytes { decoder.decode($0, into: &batch) }
        decoder.options.now = 9
        Array("{\"a\":2}\n".utf8).withUnsafeBytes { decoder.decode($0, into: &batch) }
        #expect(batch.events.map(\.timestamp) == [5, 9])
    }
}
