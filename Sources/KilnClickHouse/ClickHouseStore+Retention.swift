/// What one retention pass removed from ClickHouse, and what is left.
public struct PartitionRetention: Sendable, Equatable {
    /// Day partitions dropped (each counted once, however many shards held it).
    public var partitions = 0
    /// Events in them.
    public var events: Int64 = 0
    /// Bytes on disk of their parts.
    public var bytes: Int64 = 0
    /// Bytes on disk of the database's active parts on every shard, after the pass.
    public var usedBytes: Int64 = 0

    /// Makes a result.
    public init(partitions: Int = 0, events: Int64 = 0, bytes: Int64 = 0, usedBytes: Int64 = 0) {
        self.partitions = partitions
        self.events = events
        self.bytes = bytes
        self.usedBytes = usedBytes
    }
}

/// Retention on ClickHouse, in whole days: the events tables are `PARTITION BY toYYYYMMDD(time)`,
/// and a pass drops whole day partitions with `ALTER TABLE … DROP PARTITION ID` on each shard's
/// own table (`events_local`, or `events` without a cluster). Each shard is visited at its HTTP
/// address (as when its tables are made) rather than with `ON CLUSTER`, which needs ZooKeeper
/// on ClickHouse 18.16.
extension ClickHouseStore {
    /// One day partition of the events, over every shard holding part of it.
    struct DayPartition {
        var events: Int64 = 0
        var bytes: Int64 = 0
        /// The latest `time` (seconds) of its events.
        var latest: Int64 = 0
        /// The shards holding part of it (indices into the shard addresses).
        var shards: [Int] = []
    }

    /// Drops the day partitions whose every event is older than `cutoff` (ns), then, while the
    /// database's parts on every shard (`system.parts`, `bytes_on_disk` of the active parts)
    /// take more than `maxBytes`, the oldest partitions, always keeping the newest day.
    /// - Throws: ``ClickHouseError`` naming the shard when one cannot be read or refuses a drop;
    ///   partitions dropped before it stay dropped and the next pass drops the rest.
    public func applyRetention(olderThan cutoff: Int64?, maxBytes: Int64?) throws -> PartitionRetention {
        try prepare()
        let table = url.cluster == nil ? "events" : "events_local"
        let shards = try url.cluster.map(shardAddresses) ?? [url.address]
        let clients = shards.map { $0 == url.address ? client : ClickHouseClient(url: url.at(address: $0), timeout: client.timeout) }
        var days: [Int: DayPartition] = [:]
        var used: Int64 = 0
        for (s, shardClient) in clients.enumerated() {
            let sql = """
                SELECT table, partition_id, sum(rows), toUInt32(max(max_time)), sum(bytes_on_disk) FROM system.parts \
                WHERE database = \(SQL.quote(url.database)) AND active GROUP BY table, partition_id ORDER BY table, partition_id
                """
            let rows: [[String]]
            do {
                rows = TSV.parse(try shardClient.execute(sql + " FORMAT TabSeparated", settings: readSettings))
            } catch let error as ClickHouseError {
                throw ClickHouseError(code: error.code, message: "reading the partitions of shard \(shards[s]): \(error.message)")
            }
            for r in rows where r.count == 5 {
                let bytes = Int64(r[4]) ?? 0
                used += bytes
                guard r[0] == table, let day = Int(r[1]) else { continue }
                var p = days[day] ?? DayPartition()
                p.events += Int64(r[2]) ?? 0
                p.bytes += bytes
                p.latest = max(p.latest, Int64(r[3]) ?? 0)
                p.shards.append(s)
                days[day] = p
            }
        }
        var drop: [Int] = []
        var left = days.keys.sorted()
        if let cutoff {
            // Every event of the day is older than the cutoff: its time (whole seconds) + 1 s ≤ cutoff.
            drop = left.filter { day in ((days[day]?.latest ?? 0) + 1) * 1_000_000_000 <= cutoff }
            left.removeAll { drop.contains($0) }
        }
        var result = PartitionRetention()
        used -= drop.reduce(0) { $0 + (days[$1]?.bytes ?? 0) }
        if let maxBytes {
            while used > maxBytes, left.count > 1 {
                let oldest = left.removeFirst()
                drop.append(oldest)
                used -= days[oldest]?.bytes ?? 0
            }
        }
        result.usedBytes = used
        for day in drop.sorted() {
            guard let p = days[day] else { continue }
            for s in p.shards {
                do {
                    try clients[s].execute("ALTER TABLE \(url.database).\(table) DROP PARTITION ID \(SQL.quote(String(day)))")
                } catch let error as ClickHouseError {
                    throw ClickHouseError(code: error.code, message: "dropping the events of \(Self.dayText(day)) on shard \(shards[s]): \(error.message)")
                }
            }
            result.partitions += 1
            result.events += p.events
            result.bytes += p.bytes
        }
        return result
    }

    /// `20261130` as `2026-11-30`.
    static func dayText(_ day: Int) -> String {
        let y = day / 10_000, m = day / 100 % 100, d = day % 100
        return "\(y)-\(m < 10 ? "0" : "")\(m)-\(d < 10 ? "0" : "")\(d)"
    }
}
