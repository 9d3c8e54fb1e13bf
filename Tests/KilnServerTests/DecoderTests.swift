import Foundation
import KilnCore
import Testing
@testable import KilnIngest
@testable import KilnServer

private func decodeBatch(_ text: String, limits: IngestLimits = IngestLimits(), now: Int64 = 42) throws(ServerError) -> (RawBatch, [String?]) {
    var decoder = HoneycombDecoder(limits: limits)
    var batch = RawBatch()
    let bytes = Array(text.utf8)
    let results = try bytes.withUnsafeBufferPointer { (b) throws(ServerError) -> [String?] in try decoder.decodeBatch(b, now: now, into: &batch) }
    return (batch, results)
}

@Suite struct HoneycombDecoderTests {
    @Test func typesFlatteningAndEnvelope() throws {
        let (batch, results) = try decodeBatch("""
        [{"time":"2024-05-01T12:00:00.5Z","samplerate":4,"data":{"s":"x\\u00e9\\n","i":-12,"f":1.5,"big":18446744073709551616,
          "b":true,"n":null,"arr":[1, "a", {"k": null}],"http":{"method":"GET","x":{"y":2}},"e":{}}}]
        """)
        #expect(results == [nil])
        #expect(batch.count == 1)
        let e = batch.event(at: 0)
        #expect(e.timestamp == 1_714_564_800_500_000_000)
        #expect(e.sampleRate == 4)
        #expect(e["s"] == .string("xé\n"))
        #expect(e["i"] == .int(-12))
        #expect(e["f"] == .float(1.5))
        #expect(e["big"] == .float(18446744073709551616.0))
        #expect(e["b"] == .bool(true))
        #expect(e["n"] == nil)
        #expect(e["arr"] == .string("[1,\"a\",{\"k\":null}]"))
        #expect(e["http.method"] == .string("GET"))
        #expect(e["http.x.y"] == .int(2))
        #expect(e.fields.count == 8)
    }

    @Test func missingTimeIsNowAndEpochTimesWork() throws {
        let (batch, results) = try decodeBatch(#"[{"data":{"a":1}},{"time":1700000000,"data":{"a":2}},{"time":1700000000123,"samplerate":"3","data":{}}]"#, now: 99)
        #expect(results == [nil, nil, nil])
        #expect(batch.timestamps == [99, 1_700_000_000_000_000_000, 1_700_000_000_123_000_000])
        #expect(batch.sampleRates == [1, 1, 3])
    }

    @Test func badElementsAreRejectedAlone() throws {
        let (batch, results) = try decodeBatch(#"[{"data":{"a":"keep"}}, 5, {"data":3}, {"time":"yesterday","data":{"a":1}}, {"samplerate":2}, {"data":{"b":"also"}}]"#)
        #expect(batch.count == 2)
        #expect(batch.event(at: 0)["a"] == .string("keep"))
        #expect(batch.event(at: 1)["b"] == .string("also"))
        #expect(batch.event(at: 1).fields.count == 1)
        #expect(results[0] == nil && results[5] == nil)
        #expect(results[1]?.contains("event 1: expected an object") == true)
        #expect(results[2]?.contains("\"data\" must be an object") == true)
        #expect(results[3]?.contains("\"time\" is not an RFC 3339 time") == true)
        #expect(results[4]?.contains("no \"data\" object") == true)
    }

    @Test(arguments: [
        ("", "the body is empty"), ("{}", "expected a JSON array"), ("[{]", "expected a string"), ("[1,", "expected a value"),
        ("[{\"data\":{\"a\":\"\\x\"}}]", "invalid escape"), ("[{\"data\":{\"a\":1e999}}]", "number out of range"),
        ("[{\"data\":{\"a\":01}}]", "leading zero"), ("[] x", "after the array"), ("[{\"data\":{\"a\":tru}}]", "invalid literal"),
        ("[{\"data\":{\"a\":\"\u{01}\"}}]", "raw control character"),
    ])
    func malformedBodiesFailWhole(body: String, message: String) {
        #expect {
            _ = try decodeBatch(body)
        } throws: { error in
            guard let e = error as? ServerError else { return false }
            return e.code == .malformed && e.message.contains(message) && e.status == 400
        }
    }

    @Test func invalidUTF8IsRejected() {
        var bytes = Array(#"[{"data":{"a":""#.utf8)
        bytes += [0xC3, 0x28]
        bytes += Array(#""}}]"#.utf8)
        var decoder = HoneycombDecoder(limits: IngestLimits())
        var batch = RawBatch()
        #expect(throws: ServerError.self) {
            _ = try bytes.withUnsafeBufferPointer { (b) throws(ServerError) in try decoder.decodeBatch(b, now: 0, into: &batch) }
        }
    }

    @Test func limits() throws {
        var limits = IngestLimits()
        limits.maxFieldsPerEvent = 2
        limits.maxValueBytes = 5
        let (batch, results) = try decodeBatch(#"[{"data":{"a":1,"b":2,"c":3}},{"data":{"s":"123456"}},{"data":{"s":"12345"}}]"#, limits: limits)
        #expect(batch.count == 1)
        #expect(results[0]?.contains("more than 2 fields") == true)
        #expect(results[1]?.contains("longer than the limit of 5 bytes") == true)
        limits.maxEventsPerRequest = 2
        #expect(throws: ServerError.self) { _ = try decodeBatch(#"[{"data":{}},{"data":{}},{"data":{}}]"#, limits: limits) }
        var deep = IngestLimits()
        deep.maxDepth = 3
        // Nesting past the limit is malformed input: the whole body is refused.
        #expect { _ = try decodeBatch(#"[{"data":{"a":{"b":{"c":1}}}}]"#, limits: deep) } throws: {
            ($0 as? ServerError)?.message.contains("nesting deeper than 3 levels") == true
        }
    }

    @Test func singleEvent() throws {
        var decoder = HoneycombDecoder(limits: IngestLimits())
        var batch = RawBatch()
        let bytes = Array(#" {"a": {"b": "c"}, "d": false} "#.utf8)
        try bytes.withUnsafeBufferPointer { (b) throws(ServerError) in try decoder.decodeEvent(b, timestamp: 7, sampleRate: 3, into: &batch) }
        #expect(batch.event(at: 0) == Event(timestamp: 7, sampleRate: 3, fields: [Field("a.b", .string("c")), Field("d", .bool(false))]))
    }
}

@Suite struct ProtobufTests {
    /// The OTLP example, decoded by field number.
    @Test(.enabled(if: RealData.root != nil, "../shared/realdata is absent"))
    func realTraceExample() throws {
        let data = try Array(Data(contentsOf: RealData.file("otlp-examples/trace.protobuf-bin")))
        let decoder = OTLPProtobufDecoder(limits: IngestLimits())
        let traces = try data.withUnsafeBufferPointer { (b) throws(ServerError) in try decoder.decodeTraces(b) }
        let span = try #require(traces.first?.scopes.first?.items.first)
        #expect(span.traceID == "5b8efff798038103d269b633813fc60c")
        #expect(span.spanID == "eee19b7ec3c1b174")
        #expect(span.parentID == "eee19b7ec3c1b173")
        #expect(span.name == "I'm a server span")
        #expect(span.kind == 2)
        #expect(span.start == 1_544_712_660_000_000_000)
        #expect(span.end == 1_544_712_661_000_000_000)
        #expect(span.attributes == [Telemetry.KeyValue(key: "my.span.attr", value: .string("some value"))])
        #expect(traces.first?.attributes == [Telemetry.KeyValue(key: "service.name", value: .string("my.service"))])
        #expect(traces.first?.scopes.first?.scope.name == "my.library")
    }

    @Test(arguments: [
        [0x0A, 0x05, 0x01], // length past the end
        [0x0A, 0xFF], // truncated varint
        [0x0B, 0x00], // group
        [0x00, 0x00], // field 0
        [0x0A, 0x03, 0x12, 0x05, 0x00], // nested length past the end
        [0x09, 0x01, 0x02], // fixed64 cut short
        [0x0A] + [UInt8](repeating: 0xFF, count: 11) + [0x01], // varint longer than 10 bytes
    ] as [[UInt8]])
    func brokenFramingIsRejected(bytes: [UInt8]) {
        let decoder = OTLPProtobufDecoder(limits: IngestLimits())
        #expect(throws: ServerError.self) {
            _ = try bytes.withUnsafeBufferPointer { (b) throws(ServerError) in try decoder.decodeTraces(b) }
        }
    }

    @Test func badIDsRejectOnlyTheSpan() throws {
        // ResourceSpans { ScopeSpans { Span { trace_id: 3 bytes, span_id: 8 bytes } } }
        let span: [UInt8] = [0x0A, 0x03, 1, 2, 3, 0x12, 0x08, 1, 2, 3, 4, 5, 6, 7, 8]
        let scope: [UInt8] = [0x12, UInt8(span.count)] + span
        let resource: [UInt8] = [0x12, UInt8(scope.count)] + scope
        let request: [UInt8] = [0x0A, UInt8(resource.count)] + resource
        let decoder = OTLPProtobufDecoder(limits: IngestLimits())
        let traces = try request.withUnsafeBufferPointer { (b) throws(ServerError) in try decoder.decodeTraces(b) }
        let decoded = try #require(traces.first?.scopes.first?.items.first)
        #expect(decoded.problem == "trace_id is 3 bytes long, expected 16")
        let output = TelemetryMapper(limits: IngestLimits(), dataset: nil, now: 0).map(traces)
        #expect(output.rejected == 1 && output.events == 0)
    }

    @Test func responses() {
        #expect(OTLPResponse.success(.traces, rejected: 0, message: "", json: false) == [])
        #expect(OTLPResponse.success(.traces, rejected: 2, message: "ab", json: false) == [0x0A, 0x06, 0x08, 0x02, 0x12, 0x02, 0x61, 0x62])
        #expect(String(decoding: OTLPResponse.success(.logs, rejected: 1, message: "x", json: true), as: UTF8.self)
            == #"{"partialSuccess":{"rejectedLogRecords":"1","errorMessage":"x"}}"#)
    }
}

@Suite struct OTLPJSONTests {
    @Test func idsEnumsAndIntegers() throws {
        let body = """
        {"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"svc"}}]},
          "scopeSpans":[{"spans":[
            {"traceId":"5B8EFFF798038103D269B633813FC60C","spanId":"EEE19B7EC3C1B174","name":"a","kind":"SPAN_KIND_CLIENT",
             "startTimeUnixNano":"1544712660000000000","endTimeUnixNano":1544712660250000000,"status":{"code":"STATUS_CODE_ERROR","message":"boom"},
             "attributes":[{"key":"n","value":{"intValue":"-5"}},{"key":"d","value":{"doubleValue":"NaN"}},
                           {"key":"m","value":{"kvlistValue":{"values":[{"key":"k","value":{"boolValue":true}}]}}},
                           {"key":"l","value":{"arrayValue":{"values":[{"stringValue":"x"},{"intValue":3}]}}},
                           {"key":"by","value":{"bytesValue":"AQI="}}]},
            {"traceId":"9WjcSZYHPJvc6RpKsju0WA==","spanId":"SD9RUyn1w+I=","parentSpanId":"UjlX3ZBhpGA=","name":"b","kind":3,
             "events":[{"timeUnixNano":"1544712660100000000","name":"ev","attributes":[]}],
             "links":[{"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174"}]},
            {"traceId":"zz","spanId":"EEE19B7EC3C1B174","name":"bad"}
          ]}]}]}
        """
        let decoder = OTLPJSONDecoder(limits: IngestLimits())
        let bytes = Array(body.utf8)
        let traces = try bytes.withUnsafeBufferPointer { (b) throws(ServerError) in try decoder.decodeTraces(b) }
        let output = TelemetryMapper(limits: IngestLimits(), dataset: nil, now: 0).map(traces)
        #expect(output.datasets == ["svc"])
        #expect(output.rejected == 1)
        #expect(output.reasons.first?.contains("traceId \"zz\"") == true)
        let batch = try #require(output.batches["svc"])
        #expect(batch.count == 4) // 2 spans + 1 span event + 1 link
        let a = batch.event(at: 0)
        #expect(a.string("trace.trace_id") == "5b8efff798038103d269b633813fc60c")
        #expect(a.string("trace.span_id") == "eee19b7ec3c1b174")
        #expect(a["trace.parent_id"] == nil)
        #expect(a.string("span.kind") == "client")
        #expect(a["duration_ms"] == .float(250))
        #expect(a["status_code"] == .int(2))
        #expect(a["error"] == .bool(true))
        #expect(a.string("status_message") == "boom")
        #expect(a["n"] == .int(-5))
        #expect(a["d"] == nil)
        #expect(a["m.k"] == .bool(true))
        #expect(a.string("l") == #"["x",3]"#)
        #expect(a.string("by") == "AQI=")
        #expect(a.string("service.name") == "svc")
        let b = batch.event(at: 1)
        #expect(b.string("trace.trace_id") == "f568dc4996073c9bdce91a4ab23bb458")
        #expect(b.string("trace.span_id") == "483f515329f5c3e2")
        #expect(b.string("trace.parent_id") == "523957dd9061a460")
        #expect(b.string("span.kind") == "client")
        let event = batch.event(at: 2)
        #expect(event.string("meta.annotation_type") == "span_event")
        #expect(event.string("trace.parent_id") == "483f515329f5c3e2")
        #expect(event.string("parent_name") == "b")
        #expect(event.timestamp == 1_544_712_660_100_000_000)
        let link = batch.event(at: 3)
        #expect(link.string("meta.annotation_type") == "link")
        #expect(link.string("trace.link.span_id") == "eee19b7ec3c1b174")
    }

    @Test(.enabled(if: RealData.root != nil, "../shared/realdata is absent"))
    func logsMapping() throws {
        let data = try Array(Data(contentsOf: RealData.file("otlp-examples/logs.json")))
        let decoder = OTLPJSONDecoder(limits: IngestLimits())
        let logs = try data.withUnsafeBufferPointer { (b) throws(ServerError) in try decoder.decodeLogs(b) }
        let output = TelemetryMapper(limits: IngestLimits(), dataset: "override", now: 0).map(logs)
        let e = try #require(output.batches["override"]).event(at: 0)
        #expect(e.string("body") == "Example log record")
        #expect(e.string("severity") == "info")
        #expect(e["severity_code"] == .int(10))
        #expect(e.string("trace.trace_id") == "5b8efff798038103d269b633813fc60c")
        #expect(e.string("trace.parent_id") == "eee19b7ec3c1b174")
        #expect(e["int.attribute"] == .int(10))
        #expect(e["double.attribute"] == .float(637.704))
        #expect(e["boolean.attribute"] == .bool(true))
        #expect(e.string("array.attribute") == #"["many","values"]"#)
        #expect(e.string("map.attribute.some.map.key") == "some value")
        #expect(e.timestamp == 1_544_712_660_300_000_000)
    }

    @Test func structureErrorsNameThePlace() {
        let decoder = OTLPJSONDecoder(limits: IngestLimits())
        let bytes = Array(#"{"resourceSpans":[{"scopeSpans":[{"spans":[{"name":5}]}]}]}"#.utf8)
        #expect {
            _ = try bytes.withUnsafeBufferPointer { (b) throws(ServerError) in try decoder.decodeTraces(b) }
        } throws: { error in
            (error as? ServerError)?.message == "resourceSpans[0].scopeSpans[0].spans[0].name must be a string"
        }
    }
}

@Suite struct ZipkinTests {
    @Test func mapping() throws {
        let body = Array("""
        [{"traceId":"A03EE8FFF1DCD9B9","parentId":"f5f268651b2a2b34","id":"15fc03927f0f68df","kind":"CLIENT","name":"post",
          "timestamp":1571896375322000,"duration":14000,"localEndpoint":{"serviceName":"mobile_api","ipv4":"10.0.0.1"},
          "remoteEndpoint":{"serviceName":"blt","port":31882},"tags":{"http.status_code":"500","error":"timeout"},
          "annotations":[{"timestamp":1571896375323000,"value":"ws"}],"shared":true},
         {"traceId":"abc","id":"1"},
         {"traceId":"xyz!","id":"15fc03927f0f68df"}]
        """.utf8)
        let traces = try body.withUnsafeBufferPointer { (b) throws(ServerError) in try ZipkinDecoder(limits: IngestLimits()).decode(b) }
        let output = TelemetryMapper(limits: IngestLimits(), dataset: nil, now: 5).map(traces)
        #expect(output.rejected == 1)
        let e = try #require(output.batches["mobile_api"]).event(at: 0)
        #expect(e.string("trace.trace_id") == "a03ee8fff1dcd9b9")
        #expect(e.string("trace.parent_id") == "f5f268651b2a2b34")
        #expect(e.string("span.kind") == "client")
        #expect(e["duration_ms"] == .float(14))
        #expect(e.timestamp == 1_571_896_375_322_000_000)
        #expect(e["error"] == .bool(true))
        #expect(e.string("status_message") == "timeout")
        #expect(e.string("http.status_code") == "500")
        #expect(e.string("remote_endpoint.service_name") == "blt")
        #expect(e["remote_endpoint.port"] == .int(31882))
        #expect(e["zipkin.shared"] == .bool(true))
        let annotation = try #require(output.batches["mobile_api"]).event(at: 1)
        #expect(annotation.string("name") == "ws")
        #expect(annotation.string("meta.annotation_type") == "span_event")
        let padded = try #require(output.batches["unknown_service"]).event(at: 0)
        #expect(padded.string("trace.trace_id") == "0000000000000abc")
        #expect(padded.string("trace.span_id") == "0000000000000001")
    }
}

@Suite struct BodyAndHelperTests {
    @Test func gzipAndDeflateAndBomb() async throws {
        let plain = Array(String(repeating: "[{\"data\":{\"a\":1}}]", count: 1000).utf8)
        let gz = try await gzipped(plain)
        #expect(try BodyDecoder.decode(gz, encoding: "gzip", limits: IngestLimits()) == plain)
        // Concatenated gzip members are one stream.
        #expect(try BodyDecoder.decode(gz + gz, encoding: "gzip", limits: IngestLimits()) == plain + plain)
        // Fed one byte at a time.
        let decoder = try BodyDecoder(encoding: "GZIP", limits: IngestLimits())
        for b in gz { try [b].withUnsafeBytes { try decoder.feed($0) } }
        #expect(try decoder.finish() == plain)
        var small = IngestLimits()
        small.maxDecodedBytes = 10_000
        #expect { try BodyDecoder.decode(gz, encoding: "gzip", limits: small) } throws: { ($0 as? ServerError)?.status == 413 }
        small.maxBodyBytes = 100
        #expect { try BodyDecoder.decode(plain, encoding: nil, limits: small) } throws: { ($0 as? ServerError)?.status == 413 }
        #expect { try BodyDecoder.decode(Array(gz.dropLast(9)), encoding: "gzip", limits: IngestLimits()) } throws: {
            ($0 as? ServerError)?.message == "the compressed request body is truncated"
        }
        #expect { try BodyDecoder.decode([1, 2, 3], encoding: "gzip", limits: IngestLimits()) } throws: { ($0 as? ServerError)?.status == 400 }
        #expect { try BodyDecoder.decode([1], encoding: "br", limits: IngestLimits()) } throws: { ($0 as? ServerError)?.status == 415 }
    }

    @Test(.enabled(if: ZstdInflater.isAvailable, "libzstd.so.1 is not installed"))
    func zstd() throws {
        let plain = Array(String(repeating: "hello zstd ", count: 5000).utf8)
        // `zstd --no-check` of `plain`, made once with the zstd tool.
        let compressed: [UInt8] = [
            0x28, 0xB5, 0x2F, 0xFD, 0x00, 0x58, 0x9D, 0x00, 0x00, 0x58, 0x68, 0x65, 0x6C, 0x6C, 0x6F, 0x20,
            0x7A, 0x73, 0x74, 0x64, 0x20, 0x01, 0x00, 0xCA, 0x56, 0xEB, 0xC5, 0x0B,
        ]
        #expect(try BodyDecoder.decode(compressed, encoding: "zstd", limits: IngestLimits()) == plain)
        var small = IngestLimits()
        small.maxDecodedBytes = 1000
        #expect { try BodyDecoder.decode(compressed, encoding: "zstd", limits: small) } throws: { ($0 as? ServerError)?.status == 413 }
        #expect { try BodyDecoder.decode(Array(compressed.prefix(10)), encoding: "zstd", limits: IngestLimits()) } throws: { ($0 as? ServerError)?.status == 400 }
    }

    @Test func routes() throws {
        #expect(try IngestRoute.match(method: "POST", path: "/1/batch/my%20dataset/x") == .honeycombBatch(dataset: "my dataset/x"))
        #expect(try IngestRoute.match(method: "POST", path: "/1/events/a") == .honeycombEvent(dataset: "a"))
        #expect(try IngestRoute.match(method: "GET", path: "/1/markers/a") == .listMarkers(dataset: "a"))
        #expect(try IngestRoute.match(method: "POST", path: "/1/markers/a") == .addMarker(dataset: "a"))
        #expect(try IngestRoute.match(method: "POST", path: "/v1/traces/") == .otlpTraces)
        #expect(try IngestRoute.match(method: "GET", path: "/healthz") == .health)
        #expect { try IngestRoute.match(method: "GET", path: "/v1/traces") } throws: { ($0 as? ServerError)?.status == 405 }
        #expect { try IngestRoute.match(method: "POST", path: "/1/batch/") } throws: { ($0 as? ServerError)?.status == 404 }
        #expect { try IngestRoute.match(method: "POST", path: "/1/batch/%zz") } throws: { ($0 as? ServerError)?.status == 400 }
        #expect { try IngestRoute.match(method: "POST", path: "/1/batch/%FF") } throws: { ($0 as? ServerError)?.status == 400 }
        #expect { try IngestRoute.match(method: "POST", path: "/x") } throws: { ($0 as? ServerError)?.status == 404 }
    }

    @Test func keysAndOptions() throws {
        let keys = APIKeys(["alpha", " beta "])
        #expect(keys.accepts("alpha") && keys.accepts("beta"))
        #expect(!keys.accepts("alph") && !keys.accepts("alphaa") && !keys.accepts(""))
        #expect(APIKeys.parseFile("# keys\nk1\n\n  k2  \r\n") == ["k1", "k2"])
        #expect(APIKeys.candidate { $0 == "authorization" ? "Bearer tok" : nil } == "tok")
        #expect(try ServerConfiguration.parseListen("127.0.0.1:4318") == ("127.0.0.1", 4318))
        #expect(try ServerConfiguration.parseListen("[::1]:9") == ("::1", 9))
        #expect(try ServerConfiguration.parseListen(":0") == ("127.0.0.1", 0))
        #expect(try ServerConfiguration.parseListen("localhost") == ("localhost", 4318))
        #expect(throws: ServerError.self) { try ServerConfiguration.parseListen("x:99999") }
        #expect(ServerConfiguration.isLoopback("127.0.0.2") && !ServerConfiguration.isLoopback("0.0.0.0"))
        #expect(RetentionPolicy.parseAge("7d") == Int64(604_800_000_000_000))
        #expect(RetentionPolicy.parseAge("1e30d") == nil && RetentionPolicy.parseAge("x") == nil)
        #expect(RetentionPolicy.parseSize("10GB") == 10_000_000_000)
        #expect(RetentionPolicy.parseSize("1.5 MiB") == 1_572_864)
        #expect(RetentionPolicy.parseSize("-1") == nil)
        #expect(TimeValue.parse("9999-01-01T00:00:00Z") == nil)
        #expect(TimeValue.parse("99999999999") == nil)
        #expect(TimeValue.parse("1700000000.5") == 1_700_000_000_500_000_000)
    }
}
