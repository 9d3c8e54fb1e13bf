import Foundation
import Testing

/// Whether pip's `chdb-core` (current ClickHouse in Python) is installed.
enum Chdb {
    static let available: Bool = {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", "import chdb.session"]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        guard (try? p.run()) != nil else { return false }
        p.waitUntilExit()
        return p.terminationStatus == 0
    }()
}

extension ClickHouseSerial {
    /// Every statement shape Kiln sends runs on ClickHouse 18.16 (Debian's server) and on current
    /// ClickHouse (26.9, embedded in Python by pip's `chdb-core`) with the same answers.
    ///
    /// The test runs Kiln's commands against one 18.16 server with `KILN_CLICKHOUSE_SQL_LOG`, then
    /// replays the logged statements in a chdb session (DDL and inserts in order, then every read)
    /// and sends each read to the 18.16 server again, comparing the two answers (rows in any order,
    /// floats to 1e-9).
    @Suite(.enabled(if: ClickHouseCluster.available, "needs clickhouse-server (apt-get install clickhouse-server clickhouse-client)"),
           .enabled(if: Chdb.available, "python3 -c 'import chdb' fails: pip install chdb-core"))
    struct ClickHouseSQLShapeTests {

        /// Replays the statements logged in `log` on current ClickHouse (chdb) and on the 18.16
        /// cluster at `base`, and expects at least `reads` reads, with no error and no answer
        /// that differs.
        static func expectSameAnswers(log: String, base: Int, reads: Int, sourceLocation: SourceLocation = #_sourceLocation) throws {
            let replay = try KilnBinary.run(["-c", Self.replay, log, String(base)], pythonInsteadOfKiln: true)
            let report = try #require(try JSONSerialization.jsonObject(with: Data(replay.stdout.utf8)) as? [String: Any],
                                      "\(replay.stdout) \(replay.stderr.suffix(500))", sourceLocation: sourceLocation)
            #expect((report["reads"] as? Int ?? 0) >= reads, "\(report)", sourceLocation: sourceLocation)
            #expect((report["errors"] as? [Any])?.isEmpty == true, "\(report["errors"] ?? "")", sourceLocation: sourceLocation)
            #expect((report["mismatches"] as? [Any])?.isEmpty == true, "\(report["mismatches"] ?? "")", sourceLocation: sourceLocation)
        }

        static let replay = #"""
        import json, os, sys, urllib.request, re
        # The test cluster's time zone (scripts/clickhouse-cluster.sh), so that both servers
        # put an event in the same day partition.
        os.environ["TZ"] = "UTC"
        import chdb.session
        log, port = sys.argv[1], sys.argv[2]
        import base64, tempfile, os
        statements = []
        for l in open(log):
            if not l.strip(): continue
            r = json.loads(l)
            sql = r["sql"]
            if "body" in r:
                # Data sent as the HTTP body: replayed from a file (INSERT ... FROM INFILE).
                f = tempfile.NamedTemporaryFile(delete=False, suffix=".bin")
                f.write(base64.b64decode(r["body"])); f.close()
                sql = sql.replace(" FORMAT ", " FROM INFILE '%s' FORMAT " % f.name, 1)
            statements.append(sql)
        session = chdb.session.Session()
        def old(sql):
            req = urllib.request.Request("http://127.0.0.1:%s/" % port, data=sql.encode(), method="POST")
            return urllib.request.urlopen(req, timeout=30).read().decode()
        def rows(text):
            return sorted(l.split("\t") for l in text.splitlines() if l)
        def parts(table):
            # Retention's reading of system.parts (table, partition, rows, latest time, bytes):
            # bytes on disk differ between versions (compression, part formats), and the small
            # tables' rows depend on when ReplacingMergeTree merged; the events tables'
            # partitions, rows and latest times must agree.
            return [r[:4] for r in table if r and r[0] in ("events", "events_local")]
        def same(a, b):
            if a == b: return True
            try:
                x, y = float(a), float(b)
                return abs(x - y) <= 1e-9 * max(1.0, abs(x), abs(y))
            except ValueError:
                return False
        report = {"statements": len(statements), "reads": 0, "errors": [], "mismatches": []}
        # Writes first, in order; then every read, so that both servers answer on the same data.
        statements = [s for s in statements if not s.lstrip().upper().startswith("SELECT")] + [s for s in statements if s.lstrip().upper().startswith("SELECT")]
        import time
        for sql in statements:
            is_read = sql.lstrip().upper().startswith("SELECT")
            try:
                new = str(session.query(sql, "TabSeparated")) if is_read else session.query(sql)
                if " DELETE WHERE " in sql:
                    # A mutation runs in the background; the reads below expect it done, as
                    # Kiln waited for it on 18.16.
                    for _ in range(300):
                        if str(session.query("SELECT count() FROM system.mutations WHERE is_done = 0", "TabSeparated")).strip() == "0": break
                        time.sleep(0.1)
            except Exception as e:
                report["errors"].append({"sql": sql[:300], "error": str(e)[:300]})
                continue
            if not is_read:
                continue
            report["reads"] += 1
            a, b = rows(old(sql)), rows(new)
            if "FROM system.parts" in sql:
                a, b = parts(a), parts(b)
            if len(a) != len(b) or any(len(r) != len(s) or not all(same(x, y) for x, y in zip(r, s)) for r, s in zip(a, b)):
                report["mismatches"].append({"sql": sql[:300], "old": str(a[:3])[:300], "new": str(b[:3])[:300]})
        print(json.dumps(report))
        """#

        @Test func everyStatementRunsOnCurrentClickHouseWithTheSameAnswer() throws {
            let cluster = try ClickHouseCluster()
            let dir = try TempDir()
            let file = try ClickHouseCLITests.events(dir, count: 1_500, seed: 21)
            let url = "clickhouse://127.0.0.1:\(cluster.base)/shapes"
            let log = dir.path("sql.jsonl")
            let env = ["KILN_CLICKHOUSE_SQL_LOG": log]
            let commands: [[String]] = [
                ["ingest", "--dataset", "shop", file],
                ["datasets", "--format", "json"],
                ["fields", "--dataset", "shop", "--format", "json"],
                ["query", "--dataset", "shop", "--since", "all", "--calc", "COUNT", "--calc", "SUM(http.status_code)", "--calc", "AVG(duration_ms)",
                 "--calc", "MIN(duration_ms)", "--calc", "MAX(duration_ms)", "--calc", "COUNT_DISTINCT(user.id)", "--calc", "P99(duration_ms)",
                 "--group-by", "service.name", "--where", "http.route contains api", "--where", "name starts-with GET", "--where", "error = false",
                 "--where", "http.status_code in 200,201", "--where", "duration_ms > 0.5", "--where", "region != \"x\"", "--where", "cache.hit !exists",
                 "--where", "timestamp >= 2026-11-30T23:00:00Z"],
                ["query", "--dataset", "shop", "--from", "2026-11-30T23:10:00Z", "--to", "2026-11-30T23:50:00Z", "--limit", "3", "--where", "flags.new_pricing = true"],
                ["bubbleup", "--dataset", "shop", "--since", "all", "--select", "duration_ms >= 300", "--format", "json"],
            ]
            for c in commands {
                let r = try KilnBinary.run(c + ["--db", url], environment: env)
                #expect(r.status == 0, "\(c): \(r.stderr)")
            }
            // SLOs, markers, settings, compare and removal (status and compare exit 1 when an
            // alert fires or a regression is found).
            let metadata: [[String]] = [
                ["slo", "add", "avail", "--dataset", "shop", "--where", "http.route starts-with /api", "--good", "http.status_code < 500",
                 "--good", "duration_ms < 1000", "--target", "99.5", "--description", "it's \"quoted\""],
                ["slo", "add", "gone-soon", "--dataset", "shop", "--good", "error = false", "--target", "99"],
                ["slo", "list", "--format", "json"],
                ["slo", "status", "avail", "--at", "2026-12-01T00:00:00Z", "--format", "json"],
                ["slo", "bubbleup", "avail", "--from", "2026-11-30T22:00:00Z", "--to", "2026-12-01T00:00:01Z", "--format", "json"],
                ["slo", "rm", "gone-soon"],
                ["marker", "add", "--dataset", "shop", "--time", "2026-11-30T23:30:00Z", "--url", "https://ci/1", "first"],
                ["marker", "add", "--dataset", "shop", "--time", "2026-11-30T23:40:00Z", "--end", "2026-11-30T23:45:00Z", "second"],
                ["marker", "rm", "1"],
                ["marker", "list", "--dataset", "shop", "--format", "json"],
                ["marker", "version-field", "--dataset", "shop", "service.version"],
                ["marker", "version-field", "--dataset", "shop"],
                ["compare", "--dataset", "shop", "--since", "all", "--format", "json"],
                ["compare", "--dataset", "shop", "--marker", "latest", "--format", "json"],
                ["datasets", "set-trace-fields", "shop", "--trace", "TraceID", "--span", "SpanID", "--parent", "ParentID", "--duration", "Duration:us"],
                ["datasets", "--format", "json"],
                ["ingest", "--dataset", "gone", file],
                ["datasets", "rm", "gone"],
            ]
            for c in metadata {
                let r = try KilnBinary.run(c + ["--db", url], environment: env)
                #expect(r.status == 0 || (r.status == 1 && ["slo", "compare"].contains(c[0])), "\(c): \(r.stderr)")
            }
            // The metadata, SLO and compare shapes are among those replayed.
            let logged = try String(contentsOfFile: log, encoding: .utf8)
            for shape in ["argMax(definition, updated)", "ALTER TABLE shapes.events DELETE", "FROM system.mutations", "sumIf(sample_rate, timestamp_ns >=",
                          "quantileExactWeightedIf(0.4999", "INSERT INTO shapes.markers", "AS _gone", "min(seq)"] {
                #expect(logged.contains(shape), "no statement with \(shape) was logged")
            }
            try Self.expectSameAnswers(log: log, base: cluster.base, reads: 10)
        }
    }
}
