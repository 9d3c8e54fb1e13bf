import ArgumentParser
import Foundation
import KilnClickHouse
import KilnCore
import KilnIngest
import KilnServer
import KilnStore
import Synchronization

struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Receive events over HTTP (Honeycomb Events API, OTLP/HTTP, Zipkin v2) and OTLP/gRPC.",
        discussion: """
        Endpoints:
          POST /1/batch/DATASET        Honeycomb batches (libhoney)
          POST /1/events/DATASET       one Honeycomb event
          GET|POST /1/markers/DATASET  markers (start_time, end_time: unix seconds)
          POST /v1/traces, /v1/logs    OTLP/HTTP, protobuf or JSON
          POST /api/v2/spans           Zipkin v2 JSON
          GET /healthz                 liveness and store status (JSON)

        OTLP over gRPC listens on --grpc-listen (default 127.0.0.1:4317, `off` to disable): \
        opentelemetry.proto.collector.trace.v1.TraceService/Export and \
        ...logs.v1.LogsService/Export, gzip or deflate messages, the API key in the \
        x-honeycomb-team or authorization metadata, the same limits, commit-before-reply and \
        partial-success replies as OTLP/HTTP. Overload (more than --max-grpc-calls calls at once, \
        more than --max-queued-events events waiting for the store, a busy or full store) and a \
        store failure answer UNAVAILABLE with a google.rpc.RetryInfo delay, as the OTLP \
        specification asks for backpressure; bad requests INVALID_ARGUMENT, a missing or unknown \
        key UNAUTHENTICATED. Over HTTP, overload answers 503 with Retry-After and at most \
        --max-connections connections are served at once (more wait until one closes).

        Traces and logs go to the dataset named by their service.name, or by the \
        x-honeycomb-dataset header. Bodies may be gzip, deflate or zstd compressed. A request is answered once its events are \
        committed to the store (they survive a crash from then on). The store can be explored and \
        written by `kiln ingest` while the server runs.

        Listening beyond loopback needs API keys (--api-key or --api-keys-file, one key per line); \
        with keys, every request must show one in X-Honeycomb-Team or Authorization: Bearer.

        SIGTERM or Ctrl-C stops accepting connections, finishes the requests in flight, then exits.

        Examples:
          kiln serve
          kiln serve --db prod.db --retention 7d --max-db-size 10GB
          kiln serve --db 'clickhouse://127.0.0.1:8123/kiln?cluster=kiln' --retention 30d --max-db-size 500GB
          kiln serve --listen 0.0.0.0:4318 --grpc-listen 0.0.0.0:4317 --api-keys-file keys.txt
          kiln serve --grpc-listen off
          kiln serve --alert-webhook https://hooks.example.com/T0/B0/XXXX

        With a ClickHouse --db (clickhouse://HOST:PORT/DATABASE), retention works in whole days, \
        the partitions of the events tables (PARTITION BY toYYYYMMDD(time)): every 10 s, each day \
        whose every event is older than --retention is dropped with ALTER TABLE ... DROP PARTITION \
        on each shard's table; then, while the database's active parts on all shards \
        (system.parts) take more than --max-db-size, the oldest day goes, the newest day is always \
        kept. /healthz counts the days dropped as deleted_chunks.

        With --alert-webhook or --alert-command, every SLO of the store (`kiln slo`) is evaluated \
        every 30 s; when one of its burn-rate alerts starts firing or resolves, the JSON \
        {"slo","dataset","severity","state":"firing"|"resolved","burn_rates","budget","at"} is POSTed \
        (and given to the command on stdin), retried with backoff. Logs show only the webhook's host.
        """
    )

    @OptionGroup var store: StoreOptions
    @Option(help: ArgumentHelp("Address and port to listen on.", valueName: "host:port"))
    var listen: String = "127.0.0.1:4318"
    @Option(name: .customLong("grpc-listen"), help: ArgumentHelp("Address and port for OTLP/gRPC, or off.", valueName: "host:port"))
    var grpcListen: String = "127.0.0.1:4317"
    @Option(name: .customLong("api-key"), help: ArgumentHelp("A key clients must send (repeatable).", valueName: "key"))
    var apiKeys: [String] = []
    @Option(help: ArgumentHelp("File with one API key per line (# comments).", valueName: "file"))
    var apiKeysFile: String?
    @Option(help: ArgumentHelp("Drop events older than this, in whole chunks (e.g. 7d, 12h); on ClickHouse, in whole days.", valueName: "age"))
    var retention: String?
    @Option(help: ArgumentHelp("Drop the oldest events, in whole chunks, to keep the store and its -wal under this size (e.g. 10GB), checked after every commit; dictionaries of dropped events go too. On ClickHouse, whole days, checked every 10 s.", valueName: "size"))
    var maxDbSize: String?
    @Option(help: .hidden) var retentionInterval: Double = 10
    @Option(help: ArgumentHelp("POST SLO alerts (firing and resolved) to this URL as JSON.", valueName: "url"))
    var alertWebhook: String?
    @Option(help: ArgumentHelp("Run this shell command with each SLO alert's JSON on stdin.", valueName: "cmd"))
    var alertCommand: String?
    @Option(help: .hidden) var alertInterval: Double = 30
    @Option(help: .hidden) var alertRetryDelay: Double = 1
    @Option(help: ArgumentHelp("Most distinct fields per dataset; past it, new fields of an event are dropped and counted (GET /healthz), the rest of the event is kept.", valueName: "n"))
    var maxFields: Int = StoreWriter.defaultMaxFields
    @Option(help: ArgumentHelp("HTTP connections served at once; more wait until one closes.", valueName: "n"))
    var maxConnections: Int = IngestLimits().maxConnections
    @Option(name: .customLong("max-grpc-calls"), help: ArgumentHelp("OTLP/gRPC calls served at once; more are answered UNAVAILABLE with a retry delay.", valueName: "n"))
    var maxGRPCCalls: Int = IngestLimits().maxConcurrentCalls
    @Option(help: ArgumentHelp("Events waiting for the store past which requests are refused (503, or UNAVAILABLE over gRPC) with a retry delay.", valueName: "n"))
    var maxQueuedEvents: Int = IngestLimits().maxQueuedEvents

    func validate() throws {
        if let retention, RetentionPolicy.parseAge(retention) == nil {
            throw ValidationError("--retention \(retention): expected a duration like 7d, 12h, 30m")
        }
        if !(0.05...60).contains(alertInterval) { throw ValidationError("--alert-interval must be 0.05 to 60 seconds") }
        if !(0.05...3600).contains(retentionInterval) { throw ValidationError("--retention-interval must be 0.05 to 3600 seconds") }
        if maxFields < 1 { throw ValidationError("--max-fields \(maxFields): expected at least 1") }
        if maxConnections < 1 { throw ValidationError("--max-connections \(maxConnections): expected at least 1") }
        if maxGRPCCalls < 1 { throw ValidationError("--max-grpc-calls \(maxGRPCCalls): expected at least 1") }
        if maxQueuedEvents < 1 { throw ValidationError("--max-queued-events \(maxQueuedEvents): expected at least 1") }
        if let maxDbSize, RetentionPolicy.parseSize(maxDbSize) == nil {
            throw ValidationError("--max-db-size \(maxDbSize): expected a size like 10GB, 500MB")
        }
    }

    func run() throws {
        var keys = apiKeys
        if let apiKeysFile {
            do {
                let text = try String(contentsOfFile: apiKeysFile, encoding: .utf8)
                let fromFile = APIKeys.parseFile(text)
                if fromFile.isEmpty {
                    printError("kiln serve: \(apiKeysFile) holds no keys")
                    throw ExitCode(64)
                }
                keys += fromFile
            } catch let e as ExitCode {
                throw e
            } catch {
                printError("kiln serve: cannot read --api-keys-file \(apiKeysFile): \(error.localizedDescription)")
                throw ExitCode(64)
            }
        }
        let server: KilnServer
        do throws(ServerError) {
            let (host, port) = try ServerConfiguration.parseListen(listen)
            let grpc = grpcListen.lowercased() == "off" ? nil : try ServerConfiguration.parseListen(grpcListen, defaultPort: 4317, flag: "--grpc-listen")
            let policy = RetentionPolicy(maxAge: retention.flatMap(RetentionPolicy.parseAge), maxBytes: maxDbSize.flatMap(RetentionPolicy.parseSize),
                                         interval: retentionInterval)
            var limits = IngestLimits()
            limits.maxConnections = maxConnections
            limits.maxConcurrentCalls = maxGRPCCalls
            limits.maxQueuedEvents = maxQueuedEvents
            var configuration = ServerConfiguration(storePath: store.db, host: host, port: port, apiKeys: APIKeys(keys), retention: policy,
                                                    limits: limits, maxFields: maxFields, grpc: grpc)
            if store.isClickHouse {
                let db = store.db
                configuration.storeName = store.dbForDisplay
                configuration.sinks = { dataset, now in try openSink(db: db, dataset: dataset, now: now) }
                if let url = try? ClickHouseURL.parse(db) {
                    let clickhouse = ClickHouseStore(url: url)
                    configuration.markers = MarkerAccess(
                        add: { marker, dataset, now in try ClickHouseMetadata(store: clickhouse).addMarker(marker, dataset: dataset, now: now) },
                        list: { dataset in try ClickHouseBackend(store: clickhouse).markers(dataset: dataset) })
                    // Its own connection: a pass runs beside the commits, and waits at most 30 s per statement.
                    let retentionStore = ClickHouseStore(url: url, timeout: 30)
                    configuration.retentionPass = { policy, now in Self.clickHouseRetention(retentionStore, policy: policy, now: now) }
                }
            }
            server = try KilnServer(configuration: configuration)
        } catch {
            printError("kiln serve: \(error)")
            throw ExitCode(error.code == .invalidArgument ? 64 : 2)
        }
        var alerter: SLOAlerter?
        if alertWebhook != nil || alertCommand != nil {
            do throws(ServerError) {
                let targets = SLOAlertTargets(webhook: try alertWebhook.map(SLOAlertTargets.parseWebhook), command: alertCommand,
                                              interval: alertInterval, retryDelay: alertRetryDelay)
                if store.isClickHouse, let url = try? ClickHouseURL.parse(store.db) {
                    let clickhouse = ClickHouseStore(url: url)
                    alerter = SLOAlerter(slos: { try ClickHouseMetadata(store: clickhouse).slos() }, backend: { ClickHouseBackend(store: clickhouse) },
                                         targets: targets) { printError($0) }
                } else {
                    alerter = SLOAlerter(storePath: store.db, targets: targets) { printError($0) }
                }
            } catch {
                printError("kiln serve: \(error)")
                throw ExitCode(64)
            }
        }
        alerter?.start()
        defer { alerter?.stop() }
        let db = store.dbForDisplay
        let keyCount = APIKeys(keys).count
        let listening = ListeningFlag()
        do {
            try server.runBlocking { host, port in
                listening.value.store(true, ordering: .relaxed)
                let auth = keyCount > 0 ? "\(keyCount) API key\(keyCount == 1 ? "" : "s") required" : "no API key (loopback only)"
                printError("kiln serve: listening on \(host.contains(":") ? "[\(host)]" : host):\(port), store \(db), \(auth)")
            } onGRPCListening: { host, port in
                printError("kiln serve: OTLP/gRPC on \(host.contains(":") ? "[\(host)]" : host):\(port)")
            }
        } catch {
            printError(listening.value.load(ordering: .relaxed) ? "kiln serve: \(error)" : "kiln serve: cannot listen on \(listen): \(error)")
            throw ExitCode(2)
        }
        printError("kiln serve: stopped")
    }
}

extension ServeCommand {
    /// One retention pass on ClickHouse: drops the day partitions older than the policy's age,
    /// then the oldest ones while the database is over its size (see
    /// `ClickHouseStore.applyRetention(olderThan:maxBytes:)`), as `/healthz` reports it.
    static func clickHouseRetention(_ store: ClickHouseStore, policy: RetentionPolicy, now: Int64) -> RetentionPolicy.Outcome {
        let cutoff = policy.maxAge.flatMap { age -> Int64? in
            let (c, overflow) = now.subtractingReportingOverflow(age)
            return overflow ? nil : c
        }
        do {
            let pass = try store.applyRetention(olderThan: cutoff, maxBytes: policy.maxBytes)
            var outcome = RetentionPolicy.Outcome(removed: RetentionResult(chunks: pass.partitions, events: pass.events, bytes: pass.bytes),
                                                  usedBytes: pass.usedBytes)
            if let maxBytes = policy.maxBytes, pass.usedBytes > maxBytes {
                outcome.error = "the database takes \(pass.usedBytes) bytes on its shards, over --max-db-size \(maxBytes): the newest day is kept"
            }
            return outcome
        } catch {
            return RetentionPolicy.Outcome(error: "retention failed: \(error)")
        }
    }
}

/// Set once the server reported its address, so a failure before that reads "cannot listen".
private final class ListeningFlag: Sendable {
    let value = Atomic<Bool>(false)
}
