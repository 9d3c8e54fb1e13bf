import Foundation
import KilnCore

/// A ClickHouse server (or cluster) holding Kiln's tables: the connection every reader and
/// writer shares, and the tables made on first use.
public final class ClickHouseStore: @unchecked Sendable {
    /// Where the events are.
    public let url: ClickHouseURL
    /// The client of the URL's server.
    public let client: ClickHouseClient
    private let lock = NSLock()
    private var ready = false

    /// Connects (lazily) to `url`.
    public init(url: ClickHouseURL, timeout: TimeInterval = 120) {
        self.url = url
        client = ClickHouseClient(url: url, timeout: timeout)
    }

    /// Parses `text` and connects.
    public convenience init(_ text: String) throws {
        self.init(url: try ClickHouseURL.parse(text))
    }

    /// The table events are read from and written to.
    var eventsTable: String { "\(url.database).events" }

    /// Settings of every insert: through a Distributed table, return only once every shard
    /// has its rows (`insert_distributed_sync`), so an acknowledged event is stored.
    var insertSettings: [String: String] { url.cluster == nil ? [:] : ["insert_distributed_sync": "1"] }

    /// Settings of every read: the answer is buffered whole on the server before it is sent
    /// (a failure is an error, never a cut-off body), and a lost shard fails the query fast
    /// instead of being skipped: a refused connection at once, a shard that stops answering
    /// after 10 s (`receive_timeout` between servers). A long query may run 110 s.
    var readSettings: [String: String] {
        ["wait_end_of_query": "1", "skip_unavailable_shards": "0", "connect_timeout_with_failover_ms": "1000",
         "receive_timeout": "10", "send_timeout": "10", "max_execution_time": "110"]
    }

    /// Creates the database and tables unless they exist (once per process).
    /// - Throws: ``ClickHouseError`` when a server cannot be reached or refuses.
    public func prepare() throws {
        lock.lock()
        defer { lock.unlock() }
        guard !ready else { return }
        // Tables made earlier: nothing to create (and no shard to visit).
        var expected = ["events"] + ClickHouseSchema.metadataNames
        if url.cluster != nil { expected += expected.map { $0 + "_local" } }
        let list = expected.map(SQL.quote).joined(separator: ", ")
        // (Of today's layout: the metadata tables keep their history, see `refuseOlderMetadata`.)
        let database = SQL.quote(url.database)
        let check = """
            SELECT (SELECT count() FROM system.tables WHERE database = \(database) AND name IN (\(list))) * 1000 + \
            (SELECT count() FROM system.columns WHERE database = \(database) AND table IN ('datasets', 'markers', 'slos') AND name = 'removed')
            """
        if let made = try? client.text(check), made.trimmingCharacters(in: .whitespacesAndNewlines) == String(expected.count * 1000 + 3) {
            ready = true
            return
        }
        try client.execute("CREATE DATABASE IF NOT EXISTS \(url.database)", database: false)
        try refuseOlderMetadata()
        if let cluster = url.cluster {
            for shard in try shardAddresses(cluster) {
                let c = ClickHouseClient(url: url.at(address: shard), timeout: client.timeout)
                do {
                    try c.execute("CREATE DATABASE IF NOT EXISTS \(url.database)", database: false)
                    try c.execute(ClickHouseSchema.eventsTable(url.database, "events_local"))
                    for sql in ClickHouseSchema.metadataLocalTables(url.database) { try c.execute(sql) }
                } catch let error as ClickHouseError {
                    throw ClickHouseError(code: error.code, message: "creating the tables of shard \(shard) of cluster \(cluster): \(error.message)")
                }
            }
            try client.execute(ClickHouseSchema.distributedTable(url.database, cluster: cluster))
            for sql in ClickHouseSchema.metadataDistributedTables(url.database, cluster: cluster) { try client.execute(sql) }
        } else {
            try client.execute(ClickHouseSchema.eventsTable(url.database, "events"))
            for sql in ClickHouseSchema.metadataTables(url.database) { try client.execute(sql) }
        }
        ready = true
    }

    /// Fails, saying what to do, when the database holds metadata tables of an earlier Kiln
    /// (before datasets, markers and SLOs kept their history as rows): its `CREATE … IF NOT
    /// EXISTS` would keep them, and every read of them would fail on a missing column.
    func refuseOlderMetadata() throws {
        let sql = """
            SELECT table FROM system.columns WHERE database = \(SQL.quote(url.database)) AND table IN ('datasets', 'markers', 'slos') \
            GROUP BY table HAVING countIf(name = 'removed') = 0 ORDER BY table FORMAT TSV
            """
        let old = try client.text(sql).split(separator: "\n").map(String.init)
        guard !old.isEmpty else { return }
        throw ClickHouseError(code: .server, message: "ClickHouse database \(url.database) at \(url.address) holds tables of an earlier Kiln "
            + "(\(old.joined(separator: ", ")) without the column removed): use another database, or drop those tables (their datasets' events stay in events)")
    }

    /// The HTTP address of every shard of `cluster`: `shards=` of the URL, or each shard's
    /// host from `system.clusters` at the URL's port.
    func shardAddresses(_ cluster: String) throws -> [String] {
        let rows = try client.text("SELECT shard_num, host_address FROM system.clusters WHERE cluster = \(SQL.quote(cluster)) AND replica_num = 1 ORDER BY shard_num FORMAT TSV")
            .split(separator: "\n").map { $0.split(separator: "\t").map(String.init) }
        guard !rows.isEmpty else {
            throw ClickHouseError(code: .notFound, message: "ClickHouse at \(url.address) has no cluster named \"\(cluster)\" (see remote_servers in its config)")
        }
        if !url.shards.isEmpty {
            guard url.shards.count == rows.count else {
                throw ClickHouseError.badURL("shards= names \(url.shards.count) addresses, but cluster \(cluster) has \(rows.count) shards")
            }
            return url.shards
        }
        return rows.map { row in
            let host = row.count > 1 ? row[1] : url.host
            return (host.contains(":") ? "[\(host)]" : host) + ":\(url.port)"
        }
    }

    /// Runs a read and returns its TSV rows as fields (unescaped).
    func rows(_ sql: String) throws -> [[String]] {
        let data = try client.execute(sql + " FORMAT TabSeparated", settings: readSettings)
        return TSV.parse(data)
    }
}
