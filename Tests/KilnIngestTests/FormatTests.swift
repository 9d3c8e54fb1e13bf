import Foundation
import KilnCore
import KilnIngest
import Testing

@Suite struct FormatTests {
    // MARK: Event time

    /// Every accepted time spelling gives the same instant, and the field is removed.
    @Test(arguments: [
        #""2024-05-01T12:00:00Z""#, #""2024-05-01T14:00:00+02:00""#, #""2024-05-01 12:00:00.000000000Z""#,
        "1714564800", "1714564800000", "1714564800000000", "1714564800000000000", "1714564800.0",
        #""1714564800""#, #""1714564800000""#, "1.7145648e9",
    ])
    func timeSpellings(time: String) {
        let batch = decode(#"{"time":\#(time),"a":1}"#, .jsonl)
        #expect(batch.events.first?.timestamp == 1_714_564_800_000_000_000, "\(time)")
        #expect(batch.events.first?.fields == [Field("a", .int(1))])
    }

    /// Fractions keep their precision: nanoseconds from RFC 3339, microseconds from epoch
    /// seconds with a fraction.
    @Test func timePrecision() {
        #expect(decode(#"{"ts":"2024-05-01T12:00:00.123456789Z"}"#).events.first?.timestamp == 1_714_564_800_123_456_789)
        #expect(decode(#"{"ts":1714564800.123456}"#).events.first?.timestamp == 1_714_564_800_123_456_000)
        #expect(decode(#"{"ts":1714564800123456789}"#).events.first?.timestamp == 1_714_564_800_123_456_789)
    }

    /// The first present of time, timestamp, @timestamp, ts, Timestamp decides, whatever the
    /// input order; the others stay as fields.
    @Test func timeFieldPriority() {
        let event = decode(#"{"Timestamp":1,"ts":2,"@timestamp":3,"timestamp":4,"x":0}"#).events.first
        #expect(event?.timestamp == 4_000_000_000)
        #expect(event?.fields.map(\.name) == ["Timestamp", "ts", "@timestamp", "x"])
        let nested = decode(#"{"event":{"time":5},"x":1}"#).events.first
        #expect(nested?.timestamp == testNow)
        #expect(nested?["event.time"] == .int(5))
    }

    /// Repeated, removed and competing time fields resolve by "last value wins" and then
    /// "first present of the candidate list decides".
    @Test(arguments: [
        (#"{"time":"x","time":"2024-05-01T12:00:00Z"}"#, 1_714_564_800_000_000_000, []),
        (#"{"ts":"2024-05-01T12:00:00Z","time":"2024-05-02T00:00:00Z"}"#, 1_714_608_000_000_000_000,
         [Field("ts", .string("2024-05-01T12:00:00Z"))]),
        (#"{"time":"2024-05-01T12:00:00Z","a":1,"time":null}"#, testNow, [Field("a", .int(1))]),
        (#"{"a":1,"time":"2024-05-01T12:00:00Z","a":null,"ts":"bad"}"#, 1_714_564_800_000_000_000, [Field("ts", .string("bad"))]),
        (#"{"data":{"time":"2024-05-02T00:00:00Z"},"time":"2024-05-01T12:00:00Z"}"#, 1_714_564_800_000_000_000,
         [Field("time", .string("2024-05-02T00:00:00Z"))]),
        (#"{"time":"2024-05-01T12:00:00Z","data":{"time":"2024-05-02T00:00:00Z"},"x":1}"#, 1_714_564_800_000_000_000,
         [Field("data.time", .string("2024-05-02T00:00:00Z")), Field("x", .int(1))]),
    ])
    func competingTimeFields(line: String, timestamp: Int64, fields: [Field]) {
        let event = decode(line, .jsonl).events.first
        #expect(event?.timestamp == timestamp)
        #expect(event?.fields == fields)
    }

    /// The deciding time field (the last value of the first candidate present) holding
    /// something that is not a time rejects the line, even when another candidate holds one.
    @Test(arguments: [
        #"{"time":"2024-05-01T12:00:00Z","time":"x"}"#,
        #"{"timestamp":"2024-05-01T12:00:00Z","time":"bad"}"#,
        #"{"ts":"2024-05-01T12:00:00Z","a":1,"a":null,"time":"bad"}"#,
        #"{"time":"soon","data":{"b":1}}"#,
    ])
    func competingInvalidTimeRejects(line: String) {
        let batch = decode(line, .jsonl)
        #expect(batch.events.isEmpty)
        #expect(batch.rejections.first?.reason.hasPrefix(#"time field "time": invalid time"#) == true, "\(batch.rejections)")
    }

    /// A time field holding something that is not a time rejects its line with the reason,
    /// including times that do not fit in Int64 nanoseconds (no overflow trap) and dates that
    /// do not exist; nothing is silently given the ingest time.
    @Test(arguments: [
        #""yesterday""#, "true", "-5", #""""#, "99999999999", "99999999999999", "1e30",
        #""9999-12-31T23:59:59Z""#, #""2262-04-11T23:47:16.999999999Z""#, "9.3e9", #""0x10""#,
        #""2024-02-30T00:00:00Z""#, #""2024-05-01T12:00:00+25:00""#, #""0000-01-01T00:00:00Z""#,
    ])
    func unreadableTimesAreRejected(time: String) {
        let batch = decode(#"{"time":\#(time)}"#)
        #expect(batch.events.isEmpty, "\(time)")
        #expect(batch.rejections.count == 1)
        #expect(batch.rejections.first?.reason.hasPrefix(#"time field "time": invalid time"#) == true, "\(batch.rejections)")
    }

    /// With a configured field, only that field is the time.
    @Test func configuredTimestampField() {
        let batch = decode(#"{"time":1,"start":"2024-05-01T12:00:00Z"}"#, .jsonl, timestampField: "start")
        #expect(batch.events.first?.timestamp == 1_714_564_800_000_000_000)
        #expect(batch.events.first?.fields == [Field("time", .int(1))])
        let nested = decode(#"{"span":{"start":1714564800}}"#, .jsonl, timestampField: "span.start")
        #expect(nested.events.first?.timestamp == 1_714_564_800_000_000_000)
        #expect(nested.events.first?.fields.isEmpty == true)
    }

    // MARK: Honeycomb envelope

    /// `{"time","samplerate","data"}` gives data's members unprefixed, its time and rate.
    @Test func envelope() {
        let batch = decode(#"{"time":"2024-05-01T12:00:00Z","samplerate":20,"data":{"a":1,"http":{"method":"GET"},"time":"kept"}}"#)
        let event = batch.events.first
        #expect(event?.timestamp == 1_714_564_800_000_000_000)
        #expect(event?.sampleRate == 20)
        #expect(event?.fields == [Field("a", .int(1)), Field("http.method", .string("GET")), Field("time", .string("kept"))])
        let timeInData = decode(#"{"samplerate":2.6,"data":{"ts":1714564800,"b":true}}"#).events.first
        #expect(timeInData?.timestamp == 1_714_564_800_000_000_000)
        #expect(timeInData?.sampleRate == 3)
        #expect(timeInData?.fields == [Field("b", .bool(true))])
        let lowRate = decode(#"{"samplerate":0,"data":{"b":1}}"#).events.first
        #expect(lowRate?.sampleRate == 1)
    }

    /// An object with `data` and other members is flat: `data.…` names, no sample rate.
    @Test func dataMemberOfAFlatEvent() {
        let event = decode(#"{"data":{"a":1,"b":{"c":2}},"samplerate":5,"other":"x","data.a":9}"#).events.first
        #expect(event?.sampleRate == 1)
        #expect(event?.fields == [
            Field("data.a", .int(9)), Field("data.b.c", .int(2)), Field("samplerate", .int(5)), Field("other", .string("x")),
        ])
        let onlyData = decode(#"{"data":{"a":1}}"#).events.first
        #expect(onlyData?.fields == [Field("data.a", .int(1))])
    }

    /// What Kiln writes as JSON (flat or envelope) reads back as the same events.
    @Test func jsonTextRoundTrip() {
        var random = SeededRandom(seed: 11)
        var events: [Event] = []
        for k in 0..<300 {
            var fields: [Field] = []
            for f in 0..<Int.random(in: 0...8, using: &random) {
                let value: Value
                switch Int.random(in: 0..<5, using: &random) {
                case 0: value = .int(Int64.random(in: .min ... .max, using: &random))
                case 1: value = .float(Double.random(in: -1e12...1e12, using: &random) * (Bool.random(using: &random) ? 1 : 1e-9))
                case 2: value = .bool(Bool.random(using: &random))
                case 3: value = .float(Double(Int.random(in: -1000...1000, using: &random)))
                default: value = .string("v\(k) \"q\" \\ é😀\n\t\u{1}")
                }
                fields.append(Field("f\(f).x", value))
            }
            events.append(Event(timestamp: Int64.random(in: 0...4_000_000_000_000_000_000, using: &random),
                                sampleRate: Bool.random(using: &random) ? 1 : Int64.random(in: 2...1000, using: &random), fields: fields))
        }
        let text = events.map(JSONText.eventObject).joined(separator: "\n")
        let batch = decode(text)
        #expect(batch.rejections.isEmpty)
        #expect(batch.events == events)
    }

    // MARK: CSV and TSV

    /// Cells are typed; quoted cells too; exotic spellings stay strings; empty means absent.
    @Test func csvTyping() {
        let batch = decode("a,b,c,d,e,f,g,h,i,j\n1,-2.5,true,True,007,1e400,\"42\",,\"\",x y\n", .csv)
        #expect(batch.events.first?.fields == [
            Field("a", .int(1)), Field("b", .float(-2.5)), Field("c", .bool(true)), Field("d", .string("True")),
            Field("e", .string("007")), Field("f", .string("1e400")), Field("g", .int(42)), Field("j", .string("x y")),
        ])
    }

    /// Header names are trimmed; empty names get `column_N`; a repeated name keeps the later column.
    @Test func csvHeaderNames() {
        let batch = decode(" a , ,b,a\n1,2,3,4\n", .csv)
        #expect(batch.events.first?.fields == [Field("column_2", .int(2)), Field("b", .int(3)), Field("a", .int(4))])
    }

    /// TSV splits on tabs only.
    @Test func tsv() {
        let batch = decode("time\tmsg\tn\n2024-05-01T12:00:00Z\ta, b\t3\n", .auto)
        #expect(batch.events.first?.timestamp == 1_714_564_800_000_000_000)
        #expect(batch.events.first?.fields == [Field("msg", .string("a, b")), Field("n", .int(3))])
    }

    /// In TSV an unbalanced quote does not swallow the next lines.
    @Test func tsvUnbalancedQuote() {
        let batch = decode("a\tb\n\"x\t1\ny\t2\n", .tsv)
        #expect(batch.rejections.isEmpty)
        #expect(batch.events.map(\.fields) == [
            [Field("a", .string("\"x")), Field("b", .int(1))],
            [Field("a", .string("y")), Field("b", .int(2))],
        ])
    }

    // MARK: logfmt

    @Test func logfmt() {
        let line = #"ts=2024-05-01T12:00:00Z level=info msg="user \"bob\" logged in\n" dur=1.25 n=-3 ok=false http.method=GET flag path=/x?a=b empty= q="" esc="\u00e9\x""#
        let event = decode(line, .auto).events.first
        #expect(event?.timestamp == 1_714_564_800_000_000_000)
        #expect(event?.fields == [
            Field("level", .string("info")), Field("msg", .string("user \"bob\" logged in\n")), Field("dur", .float(1.25)),
            Field("n", .int(-3)), Field("ok", .bool(false)), Field("http.method", .string("GET")), Field("flag", .bool(true)),
            Field("path", .string("/x?a=b")), Field("q", .string("")), Field("esc", .string("é\\x")),
        ])
        let repeated = decode("a=1 a=2 b=1 b=", .logfmt).events.first
        #expect(repeated?.fields == [Field("a", .int(2))])
    }

    // MARK: Access logs

    /// The combined example of the Apache documentation.
    @Test func apacheCombined() {
        let line = #"127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326 "http://www.example.com/start.html" "Mozilla/4.08 [en] (Win98; I ;Nav)""#
        let event = decode(line).events.first
        #expect(event?.timestamp == Timestamp.parseRFC3339("2000-10-10T20:55:36Z"))
        #expect(event?.fields == [
            Field("remote_addr", .string("127.0.0.1")), Field("remote_user", .string("frank")),
            Field("request.method", .string("GET")), Field("request.path", .string("/apache_pb.gif")),
            Field("request.protocol", .string("HTTP/1.0")), Field("status", .int(200)), Field("bytes", .int(2326)),
            Field("referer", .string("http://www.example.com/start.html")),
            Field("user_agent", .string("Mozilla/4.08 [en] (Win98; I ;Nav)")),
        ])
    }

    /// Trailing request times: seconds with a point (nginx) or integer microseconds (Apache %D).
    @Test func requestTimes() {
        let nginx = decode(#"10.0.0.1 - - [01/May/2024:12:00:00 +0000] "GET /a HTTP/1.1" 200 5 "-" "curl" 0.250"#).events.first
        #expect(nginx?["duration_ms"] == .float(250))
        #expect(nginx?["referer"] == .string("-"))
        #expect(nginx?["remote_user"] == nil)
        let apache = decode(#"10.0.0.1 - - [01/May/2024:12:00:00 +0000] "GET /a HTTP/1.1" 200 - "-" "curl" 1500"#).events.first
        #expect(apache?["duration_ms"] == .float(1.5))
        #expect(apache?["bytes"] == nil)
        let extra = decode(#"10.0.0.1 - - [01/May/2024:12:00:00 +0000] "GET /a HTTP/1.1" 200 5 "-" "curl" "10.1.1.1" 0.002"#).events.first
        #expect(extra?["duration_ms"] == .float(2))
        #expect(extra?["extra"] == .string(#""10.1.1.1""#))
    }

    /// The common log format (no referer, no agent), odd requests, and an unreadable time.
    @Test func commonLogFormat() {
        let batch = decode("""
            192.168.1.9 - - [01/May/2024:12:00:00 +0200] "GET /index.html HTTP/1.1" 404 -
            192.168.1.9 - - [01/May/2024:12:00:00 +0200] "-" 400 0
            192.168.1.9 - - [01/May/2024:12:00:00 +0200] "\\x16\\x03\\x01" 400 0
            192.168.1.9 - - [01/May/2024:12:00:00 +0200] "GET /old" 200 1
            192.168.1.9 - - [whenever] "GET / HTTP/1.1" 200 1
            """, .auto)
        #expect(batch.rejections.isEmpty)
        #expect(batch.events.count == 5)
        #expect(batch.events[0].timestamp == Timestamp.parseRFC3339("2024-05-01T10:00:00Z"))
        #expect(batch.events[0].fields.map(\.name) == ["remote_addr", "request.method", "request.path", "request.protocol", "status"])
        #expect(batch.events[1].fields.map(\.name) == ["remote_addr", "status", "bytes"])
        #expect(batch.events[2]["request"] == .string(#"\x16\x03\x01"#))
        #expect(batch.events[3]["request.path"] == .string("/old"))
        #expect(batch.events[3]["request.protocol"] == nil)
        #expect(batch.events[4].timestamp == testNow)
        #expect(batch.events[4]["time"] == .string("whenever"))
    }

    // MARK: Detection

    @Test(arguments: [
        (#"  {"a":1}"#, InputFormat.jsonl),
        (#"1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.0" 200 1 "-" "x""#, .combined),
        (#"1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.0" 200 1"#, .combined),
        (#"level=info msg="a, b, c" n=1"#, .logfmt),
        ("a\tb\tc", .tsv),
        ("a,b,c", .csv),
        ("TraceID,SpanID,ParentID", .csv),
        ("just words", .csv),
    ])
    func detection(line: String, format: InputFormat) {
        var bytes = Array(line.utf8)
        let detected = bytes.withUnsafeMutableBufferPointer { InputFormat.detect(UnsafeBufferPointer($0)) }
        #expect(detected == format)
        var decoder = IngestDecoder(format: .auto, options: options())
        var batch = DecodedBatch()
        (line + "\n").utf8.map { $0 }.withUnsafeBytes { decoder.decode($0, into: &batch) }
        #expect(decoder.format == format)
    }
}
