/// The tables Kiln keeps in ClickHouse, created on first use (documented in the README).
///
/// Events go into `events`: one MergeTree table per server, or with a cluster one MergeTree
/// table `events_local` per shard plus `events`, a Distributed table over them sharded by
/// `cityHash64(trace_id)` so that a trace stays on one shard. Any field works without ALTER:
/// its value sits in the key/value arrays of its type (`s_` strings, `i_` ints, `f_` floats,
/// `b_` booleans). The event time (nanoseconds in `timestamp_ns`, seconds in `time` for
/// partitions and pruning), sample rate, duration, trace id and service name are also real
/// columns; `seq` orders events of the same time as they arrived (newest first, as the embedded
/// store lists them). Partitions are days of `time`; rows are ordered by `(dataset, time)`, so a time
/// range reads only its parts. Datasets, field names, markers and SLOs live in small tables
/// on the server of the URL.
///
/// Every statement here runs on ClickHouse 18.16 and on current ClickHouse (checked by
/// `Tests/KilnClickHouseTests/SQLShapeTests`).
enum ClickHouseSchema {
    /// Columns of the events tables.
    static let eventColumns = """
        dataset String,
        time DateTime,
        timestamp_ns Int64,
        sample_rate UInt64,
        duration_ms Float64,
        trace_id String,
        service_name String,
        s_keys Array(String),
        s_values Array(String),
        i_keys Array(String),
        i_values Array(Int64),
        f_keys Array(String),
        f_values Array(Float64),
        b_keys Array(String),
        b_values Array(UInt8),
        seq UInt64
        """

    /// The MergeTree table that holds events (per shard, or the only one).
    static func eventsTable(_ database: String, _ name: String) -> String {
        "CREATE TABLE IF NOT EXISTS \(database).\(name) (\(eventColumns)) ENGINE = MergeTree PARTITION BY toYYYYMMDD(time) ORDER BY (dataset, time)"
    }

    /// The Distributed table over every shard's `events_local`.
    static func distributedTable(_ database: String, cluster: String) -> String {
        "CREATE TABLE IF NOT EXISTS \(database).events (\(eventColumns)) ENGINE = Distributed(\(cluster), \(database), events_local, cityHash64(trace_id))"
    }

    /// The small tables on the server of the URL.
    static func metadataTables(_ database: String) -> [String] {
        [
            "CREATE TABLE IF NOT EXISTS \(database).datasets (name String, created Int64, version_field String) ENGINE = ReplacingMergeTree ORDER BY name",
            "CREATE TABLE IF NOT EXISTS \(database).fields (dataset String, name String, first_seen Int64) ENGINE = ReplacingMergeTree ORDER BY (dataset, name)",
            "CREATE TABLE IF NOT EXISTS \(database).markers (dataset String, id Int64, start Int64, end Int64, has_end UInt8, message String, type String, url String, automatic UInt8) ENGINE = MergeTree ORDER BY (dataset, start, id)",
            "CREATE TABLE IF NOT EXISTS \(database).slos (name String, updated Int64, definition String) ENGINE = ReplacingMergeTree(updated) ORDER BY name",
        ]
    }
}
