import Foundation
import KilnCore
import KilnIngest
import Testing

/// The events of a raw batch, row by row.
private func events(_ rows: RawBatch) -> [Event] {
    (0..<rows.count).map { rows.event(at: $0) }
}

/// The events of the event path as a `RawBatch` holds them (sample rates clamp to UInt32).
private func asStored(_ events: [Event]) -> [Event] {
    events.map { Event(timestamp: $0.timestamp, sampleRate: min($0.sampleRate, Int64(UInt32.max)), fields: $0.fields) }
}

/// Decodes `bytes` into a `RawBatch` fed in chunks of `size` bytes.
private func decodeRowsChunked(_ bytes: [UInt8], chunk size: Int, format: InputFormat, options: DecodeOptions) -> (RawBatch, [Rejection]) {
    var decoder = IngestDecoder(format: format, options: options)
    var rows = RawBatch()
    var rejections: [Rejection] = []
    var start = 0
    while start < bytes.count {
        let end = min(bytes.count, start + size)
        bytes[start..<end].withUnsafeBytes { decoder.decode($0, into: &rows, rejections: &rejections) }
        start = end
    }
    decoder.finish(into: &rows, rejections: &rejections)
    return (rows, rejections)
}

/// Nothing but complete rows is in the batch: every record belongs to a row, and the string
/// bytes are exactly those of the rows' strings.
private func expectNoLeftovers(_ rows: RawBatch, _ comment: Comment) {
    #expect(rows.rowStarts.count == rows.count + 1, comment)
    #expect(rows.rowStarts.last == rows.recordNames.count, comment)
    #expect(rows.recordKinds.count == rows.recordNames.count && rows.recordPayloads.count == rows.recordNames.count, comment)
    var stringBytes = 0
    for (kind, payload) in zip(rows.recordKinds, rows.recordPayloads) where kind == ValueKind.string.rawValue {
        stringBytes += Int(payload & 0xFF_FFFF)
    }
    #expect(rows.bytes.count == stringBytes, comment)
}

/// The raw path gives the event path's events and rejections, whole and in chunks.
private func expectSamePaths(_ bytes: [UInt8], format: InputFormat, options: DecodeOptions = options(),
                             chunks: [Int] = [], _ comment: Comment) {
    let reference = IngestDecoder.decodeAll(bytes, format: format, options: options)
    let expected = asStored(reference.events)
    let (rows, rejections) = IngestDecoder.decodeAllRows(bytes, format: format, options: options)
    #expect(events(rows) == expected, comment)
    #expect(rejections == reference.rejections, comment)
    expectNoLeftovers(rows, comment)
    for size in chunks {
        let (chunked, chunkedRejections) = decodeRowsChunked(bytes, chunk: size, format: format, options: options)
        #expect(events(chunked) == expected, "\(comment), chunks of \(size)")
        #expect(chunkedRejections == reference.rejections, "\(comment), chunks of \(size)")
    }
}

@Suite struct RawBatchPathTests {
    /// The streaming samples of every format (BOM, CRLF, blank lines, multi-line CSV cells,
    /// escapes, rejections, a last line without newline), at every chunking.
    @Test func streamingSamples() {
        for (name, format, input) in StreamingTests.inputs {
            expectSamePaths(input, format: format, chunks: [1, 2, 5, 7, 64, 500], "\(name)")
        }
    }

    /// Generated service lines (the benchmark's shape): same events, none rejected.
    @Test func generatedServiceLinesMatch() {
        let bytes = generatedServiceLines(count: 2000)
        let (rows, rejections) = IngestDecoder.decodeAllRows(bytes, format: .jsonl, options: options())
        #expect(rows.count == 2000 && rejections.isEmpty)
        expectSamePaths(bytes, format: .jsonl, chunks: [4093, 65_536], "service lines")
    }

    /// Random bytes (biased towards punctuation) in every format.
    @Test(arguments: InputFormat.allCases)
    func randomBytes(format: InputFormat) {
        for (round, bytes) in randomPunctuatedBytes().enumerated() {
            expectSamePaths(bytes, format: format, chunks: round % 10 == 0 ? [3] : [], "\(format) round \(round)")
        }
    }

    /// Generated JSON objects (nesting, escapes, unicode, arrays, duplicates, nulls), intact
    /// and with one byte changed, inserted or removed, many lines per input.
    @Test(arguments: [1, 2, 3])
    func generatedAndMutatedJSON(seed: UInt64) {
        var generator = JSONGenerator(random: SeededRandom(seed: seed))
        var random = SeededRandom(seed: seed + 100)
        for round in 0..<40 {
            var input: [UInt8] = []
            for _ in 0..<50 {
                var text = ""
                generator.write(generator.object(depth: 1, maxDepth: 5), to: &text)
                var bytes = Array(text.utf8)
                if Bool.random(using: &random), !bytes.isEmpty {
                    let at = Int.random(in: 0..<bytes.count, using: &random)
                    let byte = UInt8.random(in: 0...255, using: &random)
                    switch Int.random(in: 0..<3, using: &random) {
                    case 0: bytes[at] = byte == 0x0A ? 0x20 : byte
                    case 1: bytes.insert(byte == 0x0A ? 0x7B : byte, at: at)
                    default: bytes.remove(at: at)
                    }
                }
                input += bytes + [0x0A]
            }
            expectSamePaths(input, format: .jsonl, chunks: round % 8 == 0 ? [1, 97] : [], "seed \(seed) round \(round)")
        }
    }

    /// Duplicates, nulls, competing time fields, envelopes and flat objects with `data`.
    @Test func timesEnvelopesAndDuplicates() {
        let lines = [
            #"{"time":"2024-05-01T12:00:00Z","time":"x"}"#,
            #"{"time":"x","time":"2024-05-01T12:00:00Z"}"#,
            #"{"timestamp":"2024-05-01T12:00:00Z","time":"bad"}"#,
            #"{"a":1,"time":"2024-05-01T12:00:00Z","a":null,"ts":"bad"}"#,
            #"{"ts":"2024-05-01T12:00:00Z","a":1,"a":null,"time":"bad"}"#,
            #"{"data":{"time":"2024-05-02T00:00:00Z"},"time":"2024-05-01T12:00:00Z"}"#,
            #"{"time":"2024-05-01T12:00:00Z","data":{"time":"2024-05-02T00:00:00Z"},"x":1}"#,
            #"{"time":"2024-05-01T12:00:00Z","samplerate":20,"data":{"a":1,"http":{"method":"GET"},"time":"kept"}}"#,
            #"{"samplerate":2.6,"data":{"ts":1714564800,"b":true}}"#,
            #"{"samplerate":"7","data":{"b":1}}"#,
            #"{"samplerate":99999999999,"data":{"b":1}}"#,
            #"{"time":"soon","data":{"b":1}}"#,
            #"{"data":{"a":1,"b":{"c":2}},"samplerate":5,"other":"x","data.a":9}"#,
            #"{"data":{"a":"\u00e9","a":null,"z":[1,{"q":"\n"}]},"data.z":null,"k":"v"}"#,
            #"{"http":{"method":"GET","req":{"path":"/a"}},"e":{},"n":null,"x":1,"x":2,"y":1,"z":3,"y":null,"":{"k":1},"h":{"":2}}"#,
            #"{"s":"a\"b\\c\/d\b\f\n\r\t\u00e9\uD83D\uDE00","lone":"x\ud800y","pair-key\u0041":1,"ts":"1714564800"}"#,
        ]
        let input = Array(lines.joined(separator: "\n").utf8)
        expectSamePaths(input, format: .jsonl, chunks: [1, 13], "json cases")
        expectSamePaths(input, format: .jsonl, options: options(timestampField: "data.time"), chunks: [], "data.time")
    }

    /// Every format's details: typed cells, quoting, duplicates, access-log shapes.
    @Test func otherFormats() {
        let csv = Array("time, a ,b,,a\n2024-05-01T12:00:00Z,1,\"x \"\"y\"\" z\",3,4\n,true,\"multi\nline\",007,\n1,2,3,4,5,6\n".utf8)
        expectSamePaths(csv, format: .csv, chunks: [1, 4], "csv")
        expectSamePaths(Array("a\tb\n\"x\t1\ny\t2\n".utf8), format: .tsv, chunks: [1], "tsv")
        let logfmt = Array(#"ts=2024-05-01T12:00:00Z level=info msg="user \"bob\" logged in\n" dur=1.25 n=-3 ok=false http.method=GET flag path=/x?a=b empty= q="" esc="\u00e9\x\ud800" a=1 a=2 b=1 b="#.utf8)
        expectSamePaths(logfmt + [0x0A] + logfmt, format: .logfmt, chunks: [1, 9], "logfmt")
        let access = Array("""
            127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326 "http://www.example.com/start.html" "Mozilla/4.08 [en] (Win98; I ;Nav)"
            192.168.1.9 - - [01/May/2024:12:00:00 +0200] "-" 400 0
            192.168.1.9 - - [01/May/2024:12:00:00 +0200] "\\x16\\x03\\x01" 400 0
            192.168.1.9 id - [whenever] "GET /old" 200 1 "a \\"b\\"" "agent \\"x\\"" "10.1.1.1" 0.002
            10.0.0.4 - - [01/May/2024:12:00:02 +0000] "GET \\"/q\\"  x  HTTP/2.0 " 200 512 "-" "truncated agent
            10.0.0.4 - - [01/May/2024:12:00:02 +0000] "GET /a HTTP/1.1" abc 1
            """.utf8)
        expectSamePaths(access, format: .combined, chunks: [1, 17], "access log")
    }

    /// More names than the decoder's name table keeps (it starts over mid-batch): names in the
    /// batch stay right.
    @Test func nameTableStartsOverMidBatch() {
        var text = ""
        for line in 0..<40 {
            text += "{" + (0..<1000).map { #""k\#(line % 23)_\#($0)":\#($0)"# }.joined(separator: ",") + "}\n"
        }
        expectSamePaths(Array(text.utf8), format: .jsonl, chunks: [65_536], "many names")
        var logfmt = ""
        for line in 0..<40 { logfmt += (0..<1000).map { "k\(line % 23)_\($0)=\($0)" }.joined(separator: " ") + "\n" }
        expectSamePaths(Array(logfmt.utf8), format: .logfmt, chunks: [], "many logfmt keys")
    }

    /// The caller may hand in a fresh batch, or one that holds other names, between calls;
    /// two decoders may share a batch.
    @Test func batchesChangeBetweenCalls() {
        let a = Array(#"{"x":1,"y":"a"}"#.utf8) + [0x0A], b = Array(#"{"y":"b","z":true}"#.utf8) + [0x0A]
        var decoder = IngestDecoder(format: .jsonl, options: options())
        var other = IngestDecoder(format: .logfmt, options: options())
        var rows = RawBatch()
        var rejections: [Rejection] = []
        a.withUnsafeBytes { decoder.decode($0, into: &rows, rejections: &rejections) }
        rows = RawBatch()
        rows.append(Event(timestamp: 5, fields: [Field("z", .int(0)), Field("y", .string("first"))]))
        b.withUnsafeBytes { decoder.decode($0, into: &rows, rejections: &rejections) }
        Array("y=c x=2\n".utf8).withUnsafeBytes { other.decode($0, into: &rows, rejections: &rejections) }
        // Logfmt rows wait for the typing sample to end (1,000 lines, a flush or the end).
        other.flush(into: &rows, rejections: &rejections)
        a.withUnsafeBytes { decoder.decode($0, into: &rows, rejections: &rejections) }
        var fresh = RawBatch()
        b.withUnsafeBytes { decoder.decode($0, into: &fresh, rejections: &rejections) }
        #expect(rejections.isEmpty)
        #expect(events(rows).map(\.fields) == [
            [Field("z", .int(0)), Field("y", .string("first"))],
            [Field("y", .string("b")), Field("z", .bool(true))],
            [Field("y", .string("c")), Field("x", .int(2))],
            [Field("x", .int(1)), Field("y", .string("a"))],
        ])
        #expect(rows.names.sorted() == ["x", "y", "z"])
        #expect(events(fresh).map(\.fields) == [[Field("y", .string("b")), Field("z", .bool(true))]])
        #expect(fresh.names == ["y", "z"])
    }

    /// Changing the time field between chunks re-reads names with the new candidate.
    @Test func timestampFieldChangesBetweenChunks() {
        var decoder = IngestDecoder(format: .jsonl, options: options())
        var rows = RawBatch()
        var rejections: [Rejection] = []
        Array(#"{"start":1714564800,"time":1}"#.utf8 + [0x0A]).withUnsafeBytes { decoder.decode($0, into: &rows, rejections: &rejections) }
        decoder.options.timestampField = "start"
        Array(#"{"start":1714564800,"time":1}"#.utf8 + [0x0A]).withUnsafeBytes { decoder.decode($0, into: &rows, rejections: &rejections) }
        #expect(events(rows) == [
            Event(timestamp: 1_000_000_000, fields: [Field("start", .int(1_714_564_800))]),
            Event(timestamp: 1_714_564_800_000_000_000, fields: [Field("time", .int(1))]),
        ])
    }

    /// The shared real data, when present: Apache access log and Nezha trace CSVs.
    @Test(.enabled(if: realDataDirectory() != nil, "../shared/realdata is absent"))
    func realData() throws {
        let root = try #require(realDataDirectory())
        let log = try [UInt8](Data(contentsOf: root.appendingPathComponent("apache-access-log/apache_logs")))
        expectSamePaths(log, format: .auto, chunks: [4093], "apache log")
        let dir = root.appendingPathComponent("nezha-onlineboutique/baseline")
        let csvs = try FileManager.default.contentsOfDirectory(at: dir, includingPropertiesForKeys: nil).filter { $0.pathExtension == "csv" }
        for file in csvs.prefix(2) {
            let bytes = try [UInt8](Data(contentsOf: file))
            expectSamePaths(bytes, format: .auto, options: options(timestampField: "StartTimeUnixNano"), chunks: [], "\(file.lastPathComponent)")
        }
    }
}
