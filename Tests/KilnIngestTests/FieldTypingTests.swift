import Foundation
import KilnCore
import Testing
@testable import KilnIngest

/// CSV and logfmt values typed per field, trace-field spellings, renames and event times.
struct FieldTypingTests {
    /// Hex span ids that look like numbers (`1783240385895e63`, `32249333638021e1`) stay the
    /// text they were, like every other value of their field (the Nezha CSVs).
    @Test(arguments: [1, 7, 4096])
    func hexIDsStayText(chunk: Int) {
        let csv = """
        TraceID,SpanID,ParentID,Duration
        01db723f5de73f1e8954a6d76d02e140,1783240385895e63,root,684553
        01db723f5de73f1e8954a6d76d02e140,32249333638021e1,1783240385895e63,6381
        01db723f5de73f1e8954a6d76d02e140,ab872b6a0755789d,32249333638021e1,6113
        01db723f5de73f1e8954a6d76d02e140,1234567890123456,ab872b6a0755789d,12

        """
        let batch = decodeChunked(Array(csv.utf8), chunk: chunk, format: .auto, options: options())
        #expect(batch.rejections.isEmpty)
        #expect(batch.events.map { $0["trace.span_id"] } == ["1783240385895e63", "32249333638021e1", "ab872b6a0755789d", "1234567890123456"].map { .string($0) })
        #expect(batch.events.map { $0["trace.parent_id"] } == ["root", "1783240385895e63", "32249333638021e1", "ab872b6a0755789d"].map { .string($0) })
        #expect(batch.events.allSatisfy { $0["trace.trace_id"] == .string("01db723f5de73f1e8954a6d76d02e140") })
        #expect(batch.events.map { $0["Duration"] } == [.int(684_553), .int(6381), .int(6113), .int(12)])
    }

    /// A field not named like an id whose values are mostly text keeps its numeric-looking
    /// values as text too; a mostly numeric field keeps its odd text values as text and the
    /// numbers as numbers.
    @Test func mostlyTextFieldsStayText() {
        var lines = ["code,status"]
        for k in 0..<30 { lines.append(k % 3 == 0 ? "\(k)e5,\(200 + k)" : "deadbe\(k)f,\(200 + k)") }
        lines.append("12,-")
        let batch = decode(lines.joined(separator: "\n"), .csv)
        #expect(batch.rejections.isEmpty)
        #expect(batch.events.allSatisfy { if case .string = $0["code"] { return true } else { return false } })
        #expect(batch.events[0]["code"] == .string("0e5"))
        #expect(batch.events.last?["code"] == .string("12"))
        #expect(batch.events[0]["status"] == .int(200))
        #expect(batch.events.last?["status"] == .string("-"))
    }

    /// The decision holds past the sample: a numeric-looking id long after the first lines
    /// stays text (the RawBatch path gives the same rows as the event path).
    @Test func decisionHoldsAfterTheSample() {
        var lines: [String] = []
        for k in 0..<(IngestDecoder.typingSampleLines + 500) { lines.append("ref=x\(k)y n=\(k) request_id=\(k)") }
        lines.append("ref=123e4 n=5 request_id=77")
        let text = lines.joined(separator: "\n")
        let batch = decode(text, .logfmt)
        #expect(batch.events.count == lines.count)
        #expect(batch.events.last?["ref"] == .string("123e4"))
        #expect(batch.events.last?["request_id"] == .string("77"))
        #expect(batch.events.last?["n"] == .int(5))
        let rows = IngestDecoder.decodeAllRows(Array(text.utf8), format: .logfmt, options: options())
        #expect(rows.rows.count == batch.events.count)
        #expect(rows.rows.event(at: rows.rows.count - 1) == batch.events.last)
    }

    @Test(arguments: [
        ("id", true), ("SpanID", true), ("traceId", true), ("trace_id", true), ("request.id", true), ("user-id", true),
        ("uuid", true), ("span_id2", false), ("valid", false), ("PID", false), ("Duration", false), ("paid", false),
    ])
    func idLikeNames(name: String, expected: Bool) {
        #expect(FieldRules.looksLikeID(name) == expected)
    }

    /// The usual spellings of trace fields become Kiln's names, in every line format;
    /// `renames` win over them and rename any field.
    @Test func traceFieldSpellingsAndRenames() {
        let json = decode(#"{"traceId":"t1","spanId":"s1","parentSpanId":"p1","x":1}"#, .jsonl).events.first
        #expect(json?["trace.trace_id"] == .string("t1"))
        #expect(json?["trace.span_id"] == .string("s1"))
        #expect(json?["trace.parent_id"] == .string("p1"))
        let logfmt = decode("trace_id=t2 span_id=s2 parent_id=p2", .logfmt).events.first
        #expect(logfmt?.fields.map(\.name) == ["trace.trace_id", "trace.span_id", "trace.parent_id"])
        var renamed = options()
        renamed.renames = ["Duration": "duration_us", "traceId": "tid"]
        let batch = IngestDecoder.decodeAll(Array("traceId,Duration\nabc,12\n".utf8), format: .csv, options: renamed)
        #expect(batch.events.first?.fields == [Field("tid", .string("abc")), Field("duration_us", .int(12))])
        var off = options()
        off.recognizesTraceFields = false
        #expect(IngestDecoder.decodeAll(Array(#"{"traceId":"t"}"#.utf8), format: .jsonl, options: off).events.first?.fields.map(\.name) == ["traceId"])
    }

    /// Events without a time field are counted, and fields that look like times are named.
    @Test func missingTimesAreCounted() {
        var decoder = IngestDecoder(format: .auto, options: options())
        var batch = DecodedBatch()
        let csv = "TraceID,StartTimeUnixNano,EndTimeUnixNano,created_at,Duration\na,1661273974730641486,1661273975415194516,x,5\nb,1661273974730641487,1661273975415194517,y,6\n"
        Array(csv.utf8).withUnsafeBytes { decoder.decode($0, into: &batch) }
        decoder.finish(into: &batch)
        #expect(batch.events.count == 2)
        #expect(batch.events.allSatisfy { $0.timestamp == testNow })
        #expect(decoder.eventsWithoutTime == 2)
        #expect(decoder.timeLikeFields == ["StartTimeUnixNano", "EndTimeUnixNano", "created_at"])

        var timed = IngestDecoder(format: .auto, options: options(timestampField: "StartTimeUnixNano"))
        var timedBatch = DecodedBatch()
        Array(csv.utf8).withUnsafeBytes { timed.decode($0, into: &timedBatch) }
        timed.finish(into: &timedBatch)
        #expect(timed.eventsWithoutTime == 0)
        #expect(timedBatch.events.first?.timestamp == 1_661_273_974_730_641_486)
    }

    /// Invalid times reject their CSV and logfmt lines with the reason; good lines stay.
    @Test func invalidTimesRejectLines() {
        let csv = decode("time,x\n2024-02-30T00:00:00Z,1\n2024-02-29T00:00:00Z,2\n2023-05-01T00:00:00+25:00,3\ntrue,4\n", .csv)
        #expect(csv.events.map { $0["x"] } == [.int(2)])
        #expect(csv.rejections.map(\.line) == [2, 4, 5])
        #expect(csv.rejections[0].reason == #"time field "time": invalid time "2024-02-30T00:00:00Z": day 30 does not exist in month 2 of 2024"#)
        #expect(csv.rejections[1].reason.contains("beyond ±23:59"))
        let logfmt = decode("ts=0000-01-01T00:00:00Z a=1\nts=1714564800 a=2", .logfmt)
        #expect(logfmt.events.map(\.timestamp) == [1_714_564_800_000_000_000])
        #expect(logfmt.rejections.first?.reason.contains("before 1970") == true)
    }
}

/// OTLP and Zipkin documents given to `kiln ingest`.
struct TelemetryFileTests {
    static func shape(_ text: String) -> TelemetryFile.Shape {
        Array(text.utf8).withUnsafeBytes { TelemetryFile.shape(of: $0) }
    }

    @Test func shapes() {
        #expect(Self.shape(#"[{"traceId":"a","id":"b"}]"#) == .document(.zipkin))
        #expect(Self.shape("{\n  \"resourceSpans\": [\n") == .document(.otlpTraces))
        #expect(Self.shape("\u{FEFF}{\"resourceLogs\":[]}") == .document(.otlpLogs))
        #expect(Self.shape(#"{"a":1}"# + "\n" + #"{"a":2}"#) == .lines)
        #expect(Self.shape("a,b\n1,2\n") == .lines)
        #expect(Self.shape("") == .lines)
        guard case .refused(let array) = Self.shape("[1, 2]"), case .refused(let pretty) = Self.shape("{\n  \"a\": 1\n}\n"),
              case .refused(let binary) = Self.shape("\u{0A}\u{00}\u{12}abc"), case .refused(let metrics) = Self.shape(#"{"resourceMetrics":[]}"#)
        else {
            Issue.record("expected refusals")
            return
        }
        #expect(array.contains("not a Zipkin v2 span list"))
        #expect(pretty.contains("spread over several lines"))
        #expect(binary.contains("binary data"))
        #expect(metrics.contains("metrics"))
    }

    /// A Zipkin span without a timestamp starts with its trace (its duration kept), not at the
    /// ingest time.
    @Test func zipkinSpansWithoutTimestampInheritTheTraceTime() throws {
        let body = #"""
        [{"traceId":"00000000000000aa","id":"0000000000000001","name":"root","timestamp":1543549524000000,"duration":5000,
          "localEndpoint":{"serviceName":"web"}},
         {"traceId":"00000000000000aa","id":"0000000000000002","parentId":"0000000000000001","name":"child","duration":2000,
          "localEndpoint":{"serviceName":"api"}},
         {"traceId":"00000000000000bb","id":"0000000000000003","name":"alone","duration":1000}]
        """#
        let out = try TelemetryFile.decode(Array(body.utf8), kind: .zipkin, dataset: "z", now: testNow)
        let rows = try #require(out.batches["z"])
        let events = (0..<rows.count).map { rows.event(at: $0) }
        #expect(out.datasets == ["z"])
        #expect(events.count == 3)
        #expect(events[0].timestamp == 1_543_549_524_000_000_000)
        #expect(events[1].timestamp == 1_543_549_524_000_000_000)
        #expect(events[1]["duration_ms"] == .float(2))
        #expect(events[2].timestamp == testNow, "a trace with no timestamp at all keeps the ingest time")
    }

    /// An OTLP file may hold one export per line; each line's errors name the line.
    @Test func otlpExportPerLine() throws {
        let span = #"{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"svc"}}]},"scopeSpans":[{"spans":[{"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174","name":"op","startTimeUnixNano":"1544712660000000000","endTimeUnixNano":"1544712661000000000"}]}]}]}"#
        let out = try TelemetryFile.decode(Array((span + "\n" + span + "\n").utf8), kind: .otlpTraces, dataset: "o", now: testNow)
        #expect(out.batches["o"]?.count == 2)
        #expect(throws: ServerError.self) { try TelemetryFile.decode(Array((span + "\n{\"resourceSpans\": 3}\n").utf8), kind: .otlpTraces, dataset: "o", now: testNow) }
    }
}
