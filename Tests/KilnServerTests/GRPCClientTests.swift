import Foundation
import GRPCCore
import KilnCore
import KilnStore
import Testing
@testable import KilnIngest
@testable import KilnServer

/// OTLP over gRPC with the real OpenTelemetry Python exporter (and grpcio for the error cases)
/// against a real server on loopback with a real store.
@Suite(.serialized, .enabled(if: Python.hasOTLPGRPCExporter, "pip install opentelemetry-exporter-otlp-proto-grpc"))
struct GRPCClientTests {
    @Test func exporterSendsNestedSpansAcrossTwoServicesAndLogs() async throws {
        let server = try await TestServer(keys: ["test-key"], grpc: true)
        let script = """
        import json, sys, logging
        from opentelemetry import trace
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import SimpleSpanProcessor
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
        from opentelemetry.exporter.otlp.proto.grpc._log_exporter import OTLPLogExporter
        from opentelemetry.sdk._logs import LoggerProvider, LoggingHandler
        from opentelemetry.sdk._logs.export import SimpleLogRecordProcessor
        from grpc import Compression
        endpoint = "127.0.0.1:%s" % sys.argv[1]
        results = []
        class Recording(OTLPSpanExporter):
            def export(self, spans):
                r = super().export(spans)
                results.append(r.name)
                return r
        def provider(service, compression, headers):
            p = TracerProvider(resource=Resource.create({"service.name": service}))
            p.add_span_processor(SimpleSpanProcessor(Recording(endpoint=endpoint, insecure=True, compression=compression, headers=headers, timeout=60)))
            return p
        # One service gzips and shows its key in x-honeycomb-team, the other in authorization.
        front = provider("frontend", Compression.Gzip, (("x-honeycomb-team", "test-key"),))
        back = provider("backend", Compression.NoCompression, (("authorization", "Bearer test-key"),))
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
                    with bt.start_as_current_span("POST /charge", kind=trace.SpanKind.SERVER) as served:
                        with bt.start_as_current_span("db.query") as q:
                            q.set_attribute("db.rows", 3)
                            record(q, "backend")
                        record(served, "backend")
                    record(call, "frontend")
                record(root, "frontend")
        front.shutdown(); back.shutdown()
        logs = LoggerProvider(resource=Resource.create({"service.name": "backend"}))
        logs.add_log_record_processor(SimpleLogRecordProcessor(OTLPLogExporter(endpoint=endpoint, insecure=True, timeout=60,
                                                                              headers=(("x-honeycomb-team", "test-key"),))))
        logger = logging.getLogger("shop")
        logger.addHandler(LoggingHandler(logger_provider=logs))
        logger.setLevel(logging.INFO)
        logger.warning("charge retried")
        logger.info("charge ok")
        logs.shutdown()
        print(json.dumps({"spans": spans, "results": results}))
        """
        let result = try await Python.script(script, arguments: [String(server.grpcPort)])
        #expect(result.status == 0, "\(result.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], "\(result.stdout) \(result.stderr)")
        let expected = try #require(report["spans"] as? [[String: Any]])
        #expect(expected.count == 12)
        #expect((report["results"] as? [String])?.allSatisfy { $0 == "SUCCESS" } == true, "\(report["results"] ?? "") \(result.stderr.suffix(2000))")
        var stored: [String: Event] = [:]
        for dataset in ["frontend", "backend"] {
            for e in try server.events(dataset) where e.string("trace.span_id") != nil {
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
        #expect(stored.values.contains { $0["db.rows"] == .int(3) })
        let logLines = try server.events("backend").filter { $0.string("trace.span_id") == nil }.compactMap { $0.string("body") }
        #expect(Set(logLines) == ["charge retried", "charge ok"], "\(logLines)")
        await server.stop()
    }

    @Test func errorsCarryTheOTLPStatusCodes() async throws {
        let server = try await TestServer(keys: ["test-key"], grpc: true)
        let script = """
        import json, sys, grpc
        from opentelemetry.proto.collector.trace.v1 import trace_service_pb2
        channel = grpc.insecure_channel("127.0.0.1:%s" % sys.argv[1])
        export = channel.unary_unary("/opentelemetry.proto.collector.trace.v1.TraceService/Export")
        good = trace_service_pb2.ExportTraceServiceRequest()
        rs = good.resource_spans.add()
        a = rs.resource.attributes.add(); a.key = "service.name"; a.value.string_value = "svc"
        s = rs.scope_spans.add().spans.add()
        s.trace_id = bytes(range(16)); s.span_id = bytes(range(8)); s.name = "op"
        s.start_time_unix_nano = 1_700_000_000_000_000_000; s.end_time_unix_nano = 1_700_000_000_500_000_000
        bad = good.__deepcopy__(); bad.resource_spans[0].scope_spans[0].spans[0].span_id = b"\\x01\\x02"
        out = {}
        def call(name, body, metadata):
            try:
                reply = export(body, metadata=metadata, timeout=10)
                out[name] = {"code": "OK", "reply": trace_service_pb2.ExportTraceServiceResponse.FromString(reply).partial_success.rejected_spans}
            except grpc.RpcError as e:
                out[name] = {"code": e.code().name, "message": e.details()}
        call("no key", good.SerializeToString(), ())
        call("wrong key", good.SerializeToString(), (("x-honeycomb-team", "nope"),))
        call("garbage", b"\\xff\\xff\\xff", (("x-honeycomb-team", "test-key"),))
        call("partial", bad.SerializeToString(), (("x-honeycomb-team", "test-key"),))
        call("good", good.SerializeToString(), (("authorization", "Bearer test-key"),))
        print(json.dumps(out))
        """
        let result = try await Python.script(script, arguments: [String(server.grpcPort)])
        #expect(result.status == 0, "\(result.stderr)")
        let out = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: [String: Any]], "\(result.stdout) \(result.stderr)")
        #expect(out["no key"]?["code"] as? String == "UNAUTHENTICATED")
        #expect(out["wrong key"]?["code"] as? String == "UNAUTHENTICATED")
        #expect(out["garbage"]?["code"] as? String == "INVALID_ARGUMENT")
        #expect((out["garbage"]?["message"] as? String)?.isEmpty == false)
        // A span with a 2-byte id is rejected, the request still succeeds: partial success.
        #expect(out["partial"]?["code"] as? String == "OK" && out["partial"]?["reply"] as? Int == 1, "\(out["partial"] ?? [:])")
        #expect(out["good"]?["code"] as? String == "OK" && out["good"]?["reply"] as? Int == 0)
        #expect(try server.events("svc").count == 1)
        await server.stop()
    }

    /// Overload and store failures carry RetryInfo; Python's googleapis protos decode it.
    /// Both are UNAVAILABLE (14), the OTLP/gRPC backpressure code.
    @Test(arguments: [(ServerError.overloaded("the store is not keeping up", retryAfter: 3), 14, 3),
                      (ServerError(code: .storeFailure, message: "the store failed"), 14, 1)])
    func retryableErrorsCarryRetryInfo(error: ServerError, code: Int, seconds: Int) async throws {
        let rpc = OTLPExportService.rpcError(error)
        #expect(rpc.code.rawValue == code)
        let details = try #require(rpc.metadata[binaryValues: "grpc-status-details-bin"].first { _ in true })
        let direct = try #require(rpc.metadata[binaryValues: "google.rpc.retryinfo-bin"].first { _ in true })
        let script = """
        import json, sys
        from google.rpc import status_pb2, error_details_pb2
        status = status_pb2.Status.FromString(bytes.fromhex(sys.argv[1]))
        info = error_details_pb2.RetryInfo()
        status.details[0].Unpack(info)
        direct = error_details_pb2.RetryInfo.FromString(bytes.fromhex(sys.argv[2]))
        print(json.dumps({"code": status.code, "message": status.message, "delay": info.retry_delay.seconds, "direct": direct.retry_delay.seconds}))
        """
        let hex = { (b: [UInt8]) in b.map { String(format: "%02x", $0) }.joined() }
        let result = try await Python.script(script, arguments: [hex(details), hex(direct)])
        #expect(result.status == 0, "\(result.stderr)")
        let out = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], "\(result.stdout) \(result.stderr)")
        #expect(out["code"] as? Int == rpc.code.rawValue)
        #expect(out["message"] as? String == error.message)
        #expect(out["delay"] as? Int == seconds && out["direct"] as? Int == seconds)
    }
}
