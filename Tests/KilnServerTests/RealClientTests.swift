import Foundation
import KilnCore
import KilnStore
import Testing
@testable import KilnIngest
@testable import KilnServer

/// The real clients (Python libhoney, the OpenTelemetry SDK) and the real example files against
/// a real server on loopback with a real store.
@Suite(.serialized) struct RealClientTests {
    @Test(.enabled(if: Python.hasLibhoney, "python3 -c 'import libhoney' fails: pip install libhoney"))
    func libhoneyBatchesWithGzip() async throws {
        let server = try await TestServer(keys: ["test-key"])
        let n = 1000
        let script = """
        import json, sys, time, libhoney
        started = time.time()
        n, port = int(sys.argv[1]), sys.argv[2]
        client = libhoney.Client(writekey="test-key", dataset="lib honey/x", api_host="http://127.0.0.1:" + port,
                                 max_batch_size=100, send_frequency=0.05, block_on_send=True, block_on_response=True)
        for i in range(n):
            ev = client.new_event()
            ev.add({"i": i, "name": "op-%d" % (i % 7), "duration_ms": i * 0.5, "ok": i % 3 == 0,
                    "nested": {"level": i % 4}, "tags": ["a", "b"]})
            ev.sample_rate = 1 + i % 2
            ev.send_presampled()
        client.flush()
        ok = failed = 0
        errors = []
        slowest = 0
        while ok + failed < n:
            r = client.responses().get(timeout=30)
            slowest = max(slowest, r["duration"])
            if r["status_code"] == 202 and not r["error"]:
                ok += 1
            else:
                failed += 1
                errors.append(str(r)[:200])
        client.close()
        print(json.dumps({"ok": ok, "failed": failed, "errors": errors[:3], "slowest_ms": slowest, "seconds": time.time() - started}))
        """
        let clock = ContinuousClock(), start = clock.now
        let result = try await Python.script(script, arguments: [String(n), String(server.port)])
        print("libhoney: \(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)); its exit seen after \(clock.now - start)")
        #expect(result.status == 0, "\(result.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], "\(result.stdout) \(result.stderr)")
        #expect(report["ok"] as? Int == n, "\(report)")
        #expect(report["failed"] as? Int == 0)
        let events = try server.events("lib honey/x")
        #expect(events.count == n)
        // A duplicate (a client that sent again after its timeout) fails the count above, and
        // must not bring the whole test run down here.
        let byIndex = Dictionary(events.compactMap { e -> (Int64, Event)? in
            if case .int(let i)? = e["i"] { return (i, e) }
            return nil
        }, uniquingKeysWith: { first, _ in first })
        #expect(byIndex.count == n)
        let e = try #require(byIndex[5])
        #expect(e["name"] == .string("op-5"))
        #expect(e["duration_ms"] == .float(2.5))
        #expect(e["ok"] == .bool(false))
        #expect(e["nested.level"] == .int(1))
        #expect(e["tags"] == .string(#"["a","b"]"#))
        #expect(e.sampleRate == 2)
        #expect(byIndex[6]?["ok"] == .bool(true))
        await server.stop()
    }

    @Test(.enabled(if: Python.hasOpenTelemetry, "the OpenTelemetry SDK and OTLP/HTTP exporter are not installed"))
    func openTelemetrySDKTraceAcrossTwoServices() async throws {
        let server = try await TestServer()
        let script = """
        import json, sys
        from opentelemetry import trace, context
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.exporter.otlp.proto.http import Compression
        endpoint = "http://127.0.0.1:%s/v1/traces" % sys.argv[1]
        def provider(service, compression):
            p = TracerProvider(resource=Resource.create({"service.name": service}))
            p.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint, compression=compression)))
            return p
        front, back = provider("frontend", Compression.NoCompression), provider("backend", Compression.Gzip)
        ft, bt = front.get_tracer("shop.front"), back.get_tracer("shop.back")
        spans = []
        def record(s, service):
            c = s.get_span_context()
            spans.append({"service": service, "name": s.name, "span": "%016x" % c.span_id, "trace": "%032x" % c.trace_id,
                          "parent": "%016x" % s.parent.span_id if s.parent else None})
        for t in range(3):
            with ft.start_as_current_span("GET /checkout", kind=trace.SpanKind.SERVER) as root:
                root.set_attribute("http.status_code", 200)
                with ft.start_as_current_span("call backend", kind=trace.SpanKind.CLIENT) as call:
                    # The backend continues the trace from the client span's context, as propagation would.
                    with bt.start_as_current_span("POST /charge", kind=trace.SpanKind.SERVER) as served:
                        with bt.start_as_current_span("db.query") as q:
                            q.add_event("rows", {"count": 3})
                            record(q, "backend")
                        record(served, "backend")
                    record(call, "frontend")
                record(root, "frontend")
        front.force_flush(); back.force_flush()
        front.shutdown(); back.shutdown()
        print(json.dumps(spans))
        """
        let result = try await Python.script(script, arguments: [String(server.port)])
        #expect(result.status == 0, "\(result.stderr)")
        let expected = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]], "\(result.stdout) \(result.stderr)")
        #expect(expected.count == 12)
        var stored: [String: Event] = [:]
        for dataset in ["frontend", "backend"] {
            for e in try server.events(dataset) where e["meta.annotation_type"] == nil {
                stored[try #require(e.string("trace.span_id"))] = e
            }
        }
        #expect(stored.count == 12)
        for span in expected {
            let id = try #require(span["span"] as? String)
            let e = try #require(stored[id], "span \(id) missing")
            #expect(e.string("trace.trace_id") == span["trace"] as? String)
            #expect(e.string("trace.parent_id") == span["parent"] as? String)
            #expect(e.string("service.name") == span["service"] as? String)
            #expect(e.string("name") == span["name"] as? String)
        }
        let annotations = try server.events("backend").filter { $0.string("meta.annotation_type") == "span_event" }
        #expect(annotations.count == 3)
        #expect(annotations.allSatisfy { $0["count"] == .int(3) && $0.string("parent_name") == "db.query" })
        await server.stop()
    }

    /// Counts spans and log records in the example files with Foundation's JSON parser and
    /// with Python's generated protobuf classes, independently of the server's decoders.
    @Test(.enabled(if: RealData.root != nil, "../shared/realdata is absent"))
    func otlpExampleFilesArriveWhole() async throws {
        let server = try await TestServer()
        var expectedSpans: [String] = []
        var expectedLogs = 0
        for name in ["trace.json"] {
            let data = try Data(contentsOf: RealData.file("otlp-examples/\(name)"))
            let reply = try await server.request("POST", "/v1/traces", headers: ["Content-Type": "application/json"], body: Array(data))
            #expect(reply.status == 200 && reply.text == "{}", "\(reply.text)")
            expectedSpans += try Self.jsonSpanIDs(data)
        }
        for name in ["logs.json", "events.json"] {
            let data = try Data(contentsOf: RealData.file("otlp-examples/\(name)"))
            let reply = try await server.request("POST", "/v1/logs", headers: ["Content-Type": "application/json"], body: Array(data))
            #expect(reply.status == 200 && reply.text == "{}", "\(reply.text)")
            expectedLogs += try Self.jsonLogCount(data)
        }
        // The protobuf example goes to a dataset of its own, so that the JSON files are checked
        // whole even where Python's protobuf classes (the independent count) are missing.
        let proto = try Data(contentsOf: RealData.file("otlp-examples/trace.protobuf-bin"))
        let protoHeaders = ["Content-Type": "application/x-protobuf", "x-honeycomb-dataset": "proto"]
        let reply = try await server.request("POST", "/v1/traces", headers: protoHeaders, body: try await gzipped(Array(proto)))
        #expect(reply.status == 400) // gzip body without Content-Encoding is not protobuf
        let plain = try await server.request("POST", "/v1/traces", headers: protoHeaders, body: Array(proto))
        #expect(plain.status == 200 && plain.body.isEmpty)
        let zipped = try await server.request("POST", "/v1/traces", headers: protoHeaders.merging(["Content-Encoding": "gzip"]) { $1 },
                                        body: try await gzipped(Array(proto)))
        #expect(zipped.status == 200 && zipped.body.isEmpty)
        let events = try server.events("my.service")
        let spans = events.filter { $0.string("meta.signal_type") == "trace" && $0["meta.annotation_type"] == nil }
        #expect(spans.compactMap { $0.string("trace.span_id") }.sorted() == expectedSpans.map { $0.lowercased() }.sorted())
        #expect(events.filter { $0.string("meta.signal_type") == "log" }.count == expectedLogs)

        let protoSpans = try server.events("proto").filter { $0["meta.annotation_type"] == nil }.compactMap { $0.string("trace.span_id") }
        // Sent twice (plain and gzip): every span arrives twice.
        #expect(!protoSpans.isEmpty)
        #expect(Dictionary(grouping: protoSpans, by: { $0 }).values.allSatisfy { $0.count == 2 })
        guard Python.hasOTLPProto else {
            // Python's generated protobuf classes are not installed (pip install opentelemetry-proto):
            // the independent count of the protobuf example is skipped.
            await server.stop()
            return
        }
        let count = try await Python.script("""
        import sys
        from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
        r = ExportTraceServiceRequest(); r.ParseFromString(open(sys.argv[1], "rb").read())
        print("\\n".join(s.span_id.hex() for rs in r.resource_spans for ss in rs.scope_spans for s in ss.spans))
        """, arguments: [try RealData.file("otlp-examples/trace.protobuf-bin").path])
        #expect(count.status == 0, "\(count.stderr)")
        let ids = count.stdout.split(separator: "\n").map(String.init)
        #expect(protoSpans.sorted() == (ids + ids).map { $0.lowercased() }.sorted())
        await server.stop()
    }

    @Test(.enabled(if: RealData.root != nil, "../shared/realdata is absent"))
    func zipkinFilesArriveWhole() async throws {
        let server = try await TestServer()
        let dir = try RealData.file("zipkin")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".json") }.sorted()
        #expect(files.count >= 10)
        var expected: [String] = []
        var expectedAnnotations = 0
        for file in files {
            let data = try Data(contentsOf: dir.appendingPathComponent(file))
            let body = try await gzipped(Array(data))
            let reply = try await server.request("POST", "/api/v2/spans", headers: ["Content-Type": "application/json", "Content-Encoding": "gzip",
                                                                             "x-honeycomb-dataset": "zipkin"], body: body)
            #expect(reply.status == 202, "\(file): \(reply.text)")
            let spans = try #require(try JSONSerialization.jsonObject(with: data) as? [[String: Any]])
            for s in spans {
                expected.append("\(s["traceId"] as? String ?? "")/\(s["id"] as? String ?? "")/\(s["parentId"] as? String ?? "-")")
                expectedAnnotations += (s["annotations"] as? [Any])?.count ?? 0
            }
        }
        let events = try server.events("zipkin")
        let spans = events.filter { $0["meta.annotation_type"] == nil }
        let got = spans.map { "\($0.string("trace.trace_id") ?? "")/\($0.string("trace.span_id") ?? "")/\($0.string("trace.parent_id") ?? "-")" }
        #expect(got.sorted() == expected.map { $0.lowercased() }.sorted())
        #expect(events.count - spans.count == expectedAnnotations)
        await server.stop()
    }

    static func jsonSpanIDs(_ data: Data) throws -> [String] {
        let root = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        var ids: [String] = []
        for rs in root["resourceSpans"] as? [[String: Any]] ?? [] {
            for ss in rs["scopeSpans"] as? [[String: Any]] ?? [] {
                for s in ss["spans"] as? [[String: Any]] ?? [] { ids.append(s["spanId"] as? String ?? "") }
            }
        }
        return ids
    }

    static func jsonLogCount(_ data: Data) throws -> Int {
        let root = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        var n = 0
        for rl in root["resourceLogs"] as? [[String: Any]] ?? [] {
            for sl in rl["scopeLogs"] as? [[String: Any]] ?? [] { n += (sl["logRecords"] as? [Any])?.count ?? 0 }
        }
        return n
    }
}
