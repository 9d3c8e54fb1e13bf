import Foundation
import Testing

/// `kiln ingest` on the real files a new user tried (../shared/realdata): Nezha CSVs, Zipkin
/// and OTLP JSON, OTLP protobuf.
@Suite(.serialized, .enabled(if: KilnBinary.realData != nil, "needs ../shared/realdata beside the checkout"))
struct IngestRealFilesTests {
    static func file(_ relative: String) throws -> String {
        try #require(KilnBinary.realData).appendingPathComponent(relative).path
    }

    /// Every event of `dataset`, each as canonical JSON text (keys sorted), sorted.
    static func storedEvents(db: String, dataset: String) throws -> [String] {
        let result = try KilnBinary.run(["query", "--db", db, "--dataset", dataset, "--limit", "1000000", "--format", "json"])
        #expect(result.status == 0, "\(result.stderr)")
        let events = try #require(try KilnBinary.json(result)["events"] as? [[String: Any]])
        return try events.map { String(decoding: try JSONSerialization.data(withJSONObject: $0, options: [.sortedKeys]), as: UTF8.self) }.sorted()
    }

    static func datasets(db: String) throws -> [[String: Any]] {
        let result = try KilnBinary.run(["datasets", "--db", db, "--format", "json"])
        #expect(result.status == 0, "\(result.stderr)")
        return try #require(try KilnBinary.json(result)["datasets"] as? [[String: Any]])
    }

    /// Hex span ids stay exactly as written, the trace fields get Kiln's names, and a warning
    /// names the time-like fields when no time field was found.
    @Test func nezhaSpanIDsStayTextAndTracesAreRecognised() throws {
        let csv = try Self.file("nezha-onlineboutique/fault_cartservice_network_delay/2022-08-22_04_28_trace.csv")
        let dir = try TempDir()
        let db = dir.path("k.db")
        let ingest = try KilnBinary.run(["ingest", "--db", db, "--dataset", "nezha", csv])
        #expect(ingest.status == 0, "\(ingest.stderr)")
        #expect(ingest.stderr.contains("had no time field"), "\(ingest.stderr)")
        #expect(ingest.stderr.contains("StartTimeUnixNano") && ingest.stderr.contains("--timestamp-field"), "\(ingest.stderr)")

        let fields = try KilnBinary.json(try KilnBinary.run(["fields", "--db", db, "--dataset", "nezha", "--format", "json"]))
        let list = try #require(fields["fields"] as? [[String: Any]])
        let types = Dictionary(uniqueKeysWithValues: list.map { ($0["name"] as? String ?? "", $0["types"] as? [String] ?? []) })
        #expect(types["trace.trace_id"] == ["string"])
        #expect(types["trace.span_id"] == ["string"])
        #expect(types["trace.parent_id"] == ["string"])
        #expect(types["Duration"] == ["int"])
        #expect(types["SpanID"] == nil)

        // A span id that reads as a number in exponent form comes back exactly as written.
        let text = try String(contentsOfFile: csv, encoding: .utf8)
        let ids = text.split(separator: "\n").dropFirst().map { String($0.split(separator: ",")[1]) }
        let numberLike = try #require(ids.first { $0.allSatisfy { $0.isNumber || $0 == "e" } && $0.contains("e") && $0.first != "e" && $0.last != "e" })
        let query = try KilnBinary.run(["query", "--db", db, "--dataset", "nezha", "--where", "trace.span_id = \"\(numberLike)\"", "--format", "json"])
        #expect(query.status == 0, "\(query.stderr)")
        let events = try #require(try KilnBinary.json(query)["events"] as? [[String: Any]])
        #expect(events.count == 1)
        #expect(events.first?["trace.span_id"] as? String == numberLike)
    }

    /// With --timestamp-field there is no warning, and the span of times is the file's minute.
    @Test func nezhaWithTimestampFieldHasNoWarning() throws {
        let csv = try Self.file("nezha-onlineboutique/fault_cartservice_network_delay/2022-08-22_04_28_trace.csv")
        let dir = try TempDir()
        let db = dir.path("k.db")
        let ingest = try KilnBinary.run(["ingest", "--db", db, "--timestamp-field", "StartTimeUnixNano", "--rename", "Duration=duration_us", csv])
        #expect(ingest.status == 0, "\(ingest.stderr)")
        #expect(!ingest.stderr.contains("warning"), "\(ingest.stderr)")
        let info = try #require(try Self.datasets(db: db).first)
        #expect(info["name"] as? String == "2022-08-22_04_28_trace")
        #expect((info["from"] as? String)?.hasPrefix("2022-08-22T04:2") == true, "\(info)")
        let fields = try KilnBinary.run(["fields", "--db", db, "--dataset", "2022-08-22_04_28_trace"])
        #expect(fields.stdout.contains("duration_us") && !fields.stdout.contains("Duration "))
    }

    /// Several files: the message says which dataset they went into.
    @Test func severalFilesSayWhichDataset() throws {
        let dir = try TempDir()
        let db = dir.path("k.db")
        let files = try ["2022-08-22_04_28_trace.csv", "2022-08-22_04_29_trace.csv"].map { try Self.file("nezha-onlineboutique/fault_cartservice_network_delay/\($0)") }
        let ingest = try KilnBinary.run(["ingest", "--db", db, "--timestamp-field", "StartTimeUnixNano"] + files)
        #expect(ingest.status == 0, "\(ingest.stderr)")
        #expect(ingest.stderr.contains("2 inputs go into the dataset 2022-08-22_04_28_trace, named after the first"), "\(ingest.stderr)")
        #expect(try Self.datasets(db: db).count == 1)
    }

    /// A Zipkin file and OTLP JSON files are stored exactly as `kiln serve` stores the same
    /// bodies (with `x-honeycomb-dataset`).
    @Test(arguments: [("zipkin/yelp.json", "/api/v2/spans", 17), ("zipkin/smartthings-oauth-authorization.json", "/api/v2/spans", 0),
                      ("otlp-examples/trace.json", "/v1/traces", 1), ("otlp-examples/logs.json", "/v1/logs", 1)])
    func documentsAreStoredAsServeStoresThem(path: String, route: String, expected: Int) throws {
        let file = try Self.file(path)
        let dir = try TempDir()
        let ingestDB = dir.path("ingest.db"), serveDB = dir.path("serve.db")
        let ingest = try KilnBinary.run(["ingest", "--db", ingestDB, "--dataset", "d", file])
        #expect(ingest.status == 0, "\(ingest.stderr)")
        #expect(!ingest.stderr.contains("warning"), "\(ingest.stderr)")

        let server = try ServeProcess(db: serveDB)
        let body = Array(try Data(contentsOf: URL(fileURLWithPath: file)))
        let reply = try ServeHTTP.request(port: server.port, method: "POST", path: route,
                                          headers: ["Content-Type": "application/json", "x-honeycomb-dataset": "d"], body: body)
        server.stop()
        #expect((200...202).contains(reply.status), "\(String(decoding: reply.body, as: UTF8.self))")

        let fromIngest = try Self.storedEvents(db: ingestDB, dataset: "d")
        let fromServe = try Self.storedEvents(db: serveDB, dataset: "d")
        #expect(!fromIngest.isEmpty)
        if expected > 0 { #expect(fromIngest.count == expected) }
        #expect(fromIngest == fromServe)
        #expect(!fromIngest.contains { $0.contains(#""[""#) }, "no field named [")
        // The summary counts what was stored (it said "ingested 0 events ... N of N events
        // read were not stored" for every document).
        #expect(ingest.stderr.contains("ingested \(fromIngest.count) event"), "\(ingest.stderr)")
        #expect(!ingest.stderr.contains("not stored"), "\(ingest.stderr)")
    }

    /// Zipkin spans without a timestamp start with their trace: the file's traces span minutes,
    /// not years.
    @Test func zipkinSpansWithoutTimestampStayInTheirTrace() throws {
        let dir = try TempDir()
        let db = dir.path("k.db")
        let ingest = try KilnBinary.run(["ingest", "--db", db, "--dataset", "st", try Self.file("zipkin/smartthings-mobile-web-install.json")])
        #expect(ingest.status == 0, "\(ingest.stderr)")
        let info = try #require(try Self.datasets(db: db).first)
        let from = try #require(info["from"] as? String), to = try #require(info["to"] as? String)
        #expect(from.hasPrefix("2018-11-30T03:"), "\(from)")
        #expect(to.hasPrefix("2018-11-30T03:"), "\(to)")
    }

    /// OTLP protobuf (binary) and other documents are refused with a reason, and no empty
    /// dataset is left behind.
    @Test func binaryAndOtherDocumentsAreRefused() throws {
        let dir = try TempDir()
        let db = dir.path("k.db")
        let proto = try KilnBinary.run(["ingest", "--db", db, try Self.file("otlp-examples/trace.protobuf-bin")])
        #expect(proto.status == 2)
        #expect(proto.stderr.contains("kiln ingest: ") && proto.stderr.contains("binary data"), "\(proto.stderr)")
        if FileManager.default.fileExists(atPath: db) { #expect(try Self.datasets(db: db).isEmpty) }

        let metrics = try KilnBinary.run(["ingest", "--db", db, try Self.file("otlp-examples/metrics.json")])
        #expect(metrics.status == 2)
        #expect(metrics.stderr.contains("OTLP metrics"), "\(metrics.stderr)")

        let pretty = dir.path("pretty.json")
        try Data("{\n  \"service\": \"web\",\n  \"duration_ms\": 12\n}\n".utf8).write(to: URL(fileURLWithPath: pretty))
        let refused = try KilnBinary.run(["ingest", "--db", db, pretty])
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("spread over several lines"), "\(refused.stderr)")
    }
}

/// `kiln datasets`: the table keeps large numbers whole; `kiln datasets rm` removes one.
struct DatasetsCLITests {
    @Test func removeADataset() throws {
        let dir = try TempDir()
        let db = dir.path("k.db")
        for name in ["keep", "drop"] {
            let lines = (0..<50).map { #"{"time":"2024-05-01T12:00:\#(String(format: "%02d", $0))Z","n":\#($0)}"# }.joined(separator: "\n")
            let ingest = try KilnBinary.run(["ingest", "--db", db, "--dataset", name, "-"], stdin: Data(lines.utf8))
            #expect(ingest.status == 0, "\(ingest.stderr)")
        }
        let rm = try KilnBinary.run(["datasets", "rm", "--db", db, "drop"])
        #expect(rm.status == 0, "\(rm.stderr)")
        #expect(rm.stdout.contains("removed dataset drop (50 events)"))
        let list = try KilnBinary.json(try KilnBinary.run(["datasets", "--db", db, "--format", "json"]))
        #expect((list["datasets"] as? [[String: Any]])?.map { $0["name"] as? String } == ["keep"])
        let gone = try KilnBinary.run(["query", "--db", db, "--dataset", "drop"])
        #expect(gone.status != 0)

        let again = try KilnBinary.run(["datasets", "rm", "--db", db, "drop"])
        #expect(again.status == 2)
        #expect(again.stderr.contains(#"kiln datasets rm: no dataset named "drop" (known: keep)"#), "\(again.stderr)")
        let noStore = try KilnBinary.run(["datasets", "rm", "--db", dir.path("missing.db"), "x"])
        #expect(noStore.status == 2)

        // The dataset can be made again, from nothing.
        let ingest = try KilnBinary.run(["ingest", "--db", db, "--dataset", "drop", "-"], stdin: Data(#"{"time":"2024-05-01T12:00:00Z","m":1}"#.utf8))
        #expect(ingest.status == 0, "\(ingest.stderr)")
        let fields = try KilnBinary.run(["fields", "--db", db, "--dataset", "drop"])
        #expect(fields.stdout.contains("m ") && !fields.stdout.contains("n "), "\(fields.stdout)")
    }

    /// Columns grow to their widest cell: a seven-digit field count and a large event count
    /// are shown whole.
    @Test func tableKeepsLargeNumbersWhole() throws {
        let dir = try TempDir()
        let db = dir.path("k.db")
        // 110 lines of 1,000 distinct fields each: 110,000 fields (past the default limit).
        var text = ""
        for line in 0..<110 {
            text += "{\"time\":\"2024-05-01T12:00:00Z\""
            for k in 0..<1000 { text += ",\"f\(line)_\(k)\":1" }
            text += "}\n"
        }
        let ingest = try KilnBinary.run(["ingest", "--db", db, "--dataset", "wide", "--max-fields", "200000", "-"], stdin: Data(text.utf8))
        #expect(ingest.status == 0, "\(ingest.stderr)")
        let table = try KilnBinary.run(["datasets", "--db", db])
        #expect(table.status == 0, "\(table.stderr)")
        #expect(table.stdout.contains("110,000"), "\(table.stdout)")
        let lines = table.stdout.split(separator: "\n")
        #expect(lines.count == 2)
        // The header's FIELDS ends where the numbers end.
        if let header = lines.first, let row = lines.last, let h = header.range(of: "FIELDS"), let r = row.range(of: "110,000") {
            #expect(header.distance(from: header.startIndex, to: h.upperBound) == row.distance(from: row.startIndex, to: r.upperBound))
        }
    }
}
