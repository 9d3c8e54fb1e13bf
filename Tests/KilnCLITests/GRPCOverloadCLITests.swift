import Foundation
import KilnCore
import KilnStore
import Testing

/// OTLP/gRPC under a real overload: the real `kiln serve` on loopback, its store's write lock
/// held by another process (Python's sqlite3) so the commit thread waits, and grpcio clients
/// and the OpenTelemetry Python exporter sending meanwhile. What a client receives (the status
/// code and the `RetryInfo` delay) and what the store holds afterwards are checked.
@Suite(.serialized, .enabled(if: PythonGRPCExporter.installed, "pip install opentelemetry-exporter-otlp-proto-grpc"))
struct GRPCOverloadCLITests {
    /// Every phase is bounded: each call has a deadline, each wait a timeout, each thread a join
    /// timeout; the script fails rather than hangs.
    static let script = #"""
    import json, sys, time, threading, sqlite3, logging, struct, urllib.request, grpc
    from opentelemetry.proto.collector.trace.v1 import trace_service_pb2
    from google.rpc import status_pb2, error_details_pb2
    grpc_port, http_port, db = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    target = "127.0.0.1:%s" % grpc_port
    out = {"raw": {}, "exports": [], "warnings": []}
    counter = [0]
    counter_lock = threading.Lock()

    def health():
        return json.load(urllib.request.urlopen("http://127.0.0.1:%d/healthz" % http_port, timeout=5))

    def wait_for(cond, what, seconds=30):
        end = time.time() + seconds
        while time.time() < end:
            if cond():
                return
            time.sleep(0.02)
        raise SystemExit("timed out waiting for " + what + ": " + json.dumps(health()))

    def span_ids(n):
        with counter_lock:
            first = counter[0]
            counter[0] += n
        return [0x7000000000000000 + first + k for k in range(n)]

    def raw_request(n):
        req = trace_service_pb2.ExportTraceServiceRequest()
        rs = req.resource_spans.add()
        a = rs.resource.attributes.add(); a.key = "service.name"; a.value.string_value = "raw"
        ss = rs.scope_spans.add()
        ids = span_ids(n)
        for i in ids:
            s = ss.spans.add()
            s.trace_id = struct.pack(">QQ", 1, i); s.span_id = struct.pack(">Q", i); s.name = "op"
            s.start_time_unix_nano = 1_700_000_000_000_000_000 + i % 1000; s.end_time_unix_nano = s.start_time_unix_nano + 1_000_000
        return req.SerializeToString(), ["%016x" % i for i in ids]

    def delay_of(info):
        return info.retry_delay.seconds + info.retry_delay.nanos / 1e9

    def call(tag, n):
        body, ids = raw_request(n)
        channel = grpc.insecure_channel(target)
        export = channel.unary_unary("/opentelemetry.proto.collector.trace.v1.TraceService/Export")
        try:
            export(body, timeout=30)
            out["raw"][tag] = {"code": "OK", "ids": ids}
        except grpc.RpcError as e:
            md = dict(e.trailing_metadata() or ())
            r = {"code": e.code().name, "message": e.details(), "ids": ids}
            if "grpc-status-details-bin" in md:
                status = status_pb2.Status.FromString(md["grpc-status-details-bin"])
                info = error_details_pb2.RetryInfo()
                r["status_code"] = status.code
                if status.details and status.details[0].Unpack(info):
                    r["details_delay"] = delay_of(info)
            if "google.rpc.retryinfo-bin" in md:
                r["delay"] = delay_of(error_details_pb2.RetryInfo.FromString(md["google.rpc.retryinfo-bin"]))
            out["raw"][tag] = r
        finally:
            channel.close()

    def start(tag, n):
        t = threading.Thread(target=call, args=(tag, n)); t.start(); return t

    def join(threads, seconds=40):
        end = time.time() + seconds
        for t in threads:
            t.join(max(0.1, end - time.time()))
            if t.is_alive():
                raise SystemExit("a client did not finish in time")

    lock = sqlite3.connect(db, timeout=10, isolation_level=None)

    # Phase 1, grpcio: the writer is held, so the calls let in wait for their commit.
    lock.execute("BEGIN IMMEDIATE")
    a = start("A", 5)                       # queued: 5 events, 1 call in flight
    wait_for(lambda: health()["queued_events"] == 5, "A queued")
    call("B", 5)                            # 5 + 5 > --max-queued-events 8: refused at once
    c = start("C", 1)                       # queued: 6 events, 2 calls in flight
    wait_for(lambda: health()["queued_events"] == 6, "C queued")
    join([start("D%d" % k, 2) for k in range(6)])   # past --max-grpc-calls 2: refused at once
    lock.execute("ROLLBACK")
    join([a, c])

    # Phase 2, the real exporter from 8 threads, one channel each, started 0.15 s apart while
    # the writer is held for 1.5 s behind one waiting call: they are refused, wait the delay
    # the server gave and send again.
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter

    class Warnings(logging.Handler):
        def emit(self, record):
            out["warnings"].append(record.getMessage())
    logging.getLogger("opentelemetry.exporter.otlp.proto.grpc.exporter").addHandler(Warnings())

    class Recording(OTLPSpanExporter):
        def export(self, spans):
            r = super().export(spans)
            out["exports"].append({"result": r.name, "ids": ["%016x" % s.context.span_id for s in spans]})
            return r

    def exporter_client(k):
        time.sleep(0.15 * k)
        p = TracerProvider(resource=Resource.create({"service.name": "exported"}))
        p.add_span_processor(SimpleSpanProcessor(Recording(endpoint=target, insecure=True, timeout=60)))
        tracer = p.get_tracer("overload")
        for n in range(3):
            with tracer.start_as_current_span("client %d op %d" % (k, n)):
                pass
        p.shutdown()

    lock.execute("BEGIN IMMEDIATE")
    h = start("H", 1)
    wait_for(lambda: health()["queued_events"] == 1, "H queued")
    clients = [threading.Thread(target=exporter_client, args=(k,)) for k in range(8)]
    for t in clients: t.start()
    time.sleep(1.5)
    lock.execute("ROLLBACK")
    join([h] + clients, seconds=90)
    out["health"] = health()
    print(json.dumps(out))
    """#

    @Test func overloadAnswersUnavailableWithRetryInfoAndLosesNothingAcknowledged() throws {
        let dir = try TempDir()
        let db = dir.path("k.db")
        let server = try ServeProcess(db: db, extra: ["--max-grpc-calls", "2", "--max-queued-events", "8"])
        defer { server.stop() }
        let grpcPort = try #require(server.grpcPort(seconds: 30), "\(server.stderr())")
        let result = try KilnBinary.run(["-c", Self.script, String(grpcPort), String(server.port), db], pythonInsteadOfKiln: true)
        #expect(result.status == 0, "\(result.stderr.suffix(3000))")
        let out = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], "\(result.stdout) \(result.stderr.suffix(3000))")
        let raw = try #require(out["raw"] as? [String: [String: Any]])

        // Let in and answered once committed.
        for tag in ["A", "C", "H"] { #expect(raw[tag]?["code"] as? String == "OK", "\(tag): \(raw[tag] ?? [:])") }
        // Refused: UNAVAILABLE (the OTLP/gRPC backpressure code), with a RetryInfo of 1 s in the
        // status details and where the Python exporter reads it.
        let refused = ["B"] + (0..<6).map { "D\($0)" }
        for tag in refused {
            let r = raw[tag] ?? [:]
            #expect(r["code"] as? String == "UNAVAILABLE", "\(tag): \(r)")
            #expect(r["status_code"] as? Int == 14, "\(tag): \(r)")
            #expect(r["details_delay"] as? Double == 1 && r["delay"] as? Double == 1, "\(tag): \(r)")
        }
        #expect((raw["B"]?["message"] as? String)?.contains("not keeping up") == true, "\(raw["B"] ?? [:])")
        for k in 0..<6 { #expect((raw["D\(k)"]?["message"] as? String)?.contains("more than 2 OTLP/gRPC calls at once") == true, "\(raw["D\(k)"] ?? [:])") }

        // The exporter was refused, waited the delay given (exactly, no backoff of its own) and
        // got every export in.
        let warnings = try #require(out["warnings"] as? [String])
        let retries = warnings.filter { $0.contains("StatusCode.UNAVAILABLE") }
        #expect(!retries.isEmpty, "\(warnings)")
        #expect(retries.allSatisfy { $0.contains("retrying in 1.00s") }, "\(retries)")
        let exports = try #require(out["exports"] as? [[String: Any]])
        #expect(exports.count == 24)
        #expect(exports.allSatisfy { $0["result"] as? String == "SUCCESS" }, "\(exports.filter { $0["result"] as? String != "SUCCESS" })")

        // Nothing acknowledged is lost, nothing refused is stored, nothing is stored twice.
        var acknowledged: [String] = []
        for tag in ["A", "C", "H"] { acknowledged += raw[tag]?["ids"] as? [String] ?? [] }
        for e in exports where e["result"] as? String == "SUCCESS" { acknowledged += e["ids"] as? [String] ?? [] }
        let refusedIDs = Set(refused.flatMap { raw[$0]?["ids"] as? [String] ?? [] })
        let reader = try StoreReader(path: db)
        var stored: [String] = []
        for dataset in ["raw", "exported"] {
            let table = try reader.load(dataset: dataset).table
            for row in 0..<table.count {
                if case .string(let id)? = table.event(at: row)["trace.span_id"] { stored.append(id) }
            }
        }
        #expect(acknowledged.count == 7 + 24)
        #expect(Set(acknowledged).isSubset(of: Set(stored)), "missing: \(Set(acknowledged).subtracting(stored))")
        #expect(Set(stored).isDisjoint(with: refusedIDs))
        #expect(stored.count == Set(stored).count, "a span stored twice")
        #expect(stored.count == acknowledged.count)
    }
}

/// Whether Python has the OpenTelemetry OTLP/gRPC exporter (and grpcio, googleapis protos).
enum PythonGRPCExporter {
    static let installed: Bool = {
        (try? KilnBinary.run(["-c", "import opentelemetry.exporter.otlp.proto.grpc, google.rpc.error_details_pb2"], pythonInsteadOfKiln: true).status) == 0
    }()
}
