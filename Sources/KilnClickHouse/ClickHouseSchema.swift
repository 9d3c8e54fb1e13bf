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
/// range reads only its parts. Datasets (with their settings), field names, markers and SLOs
/// live in small tables of their own: on a cluster, on its first shard, read and written from
/// any server through a Distributed table of the same name (see ``metadataDistributedTables(_:cluster:)``).
///
/// Every statement here runs on ClickHouse 18.16 and on current ClickHouse (checked by
/// `Tests/KilnCLITests/ClickHouseSQLShapeTests`).
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

    /// The small metadata tables: datasets (and their settings), field names, markers, SLOs.
    ///
    /// Each keeps its history as rows: a change or a removal is a new row with a larger
    /// `updated` (a removal sets `removed = 1`), and readers take the newest row per key with
    /// `argMax(…, updated)`. Nothing waits on an `ALTER … DELETE` mutation (asynchronous on
    /// 18.16), and `ReplacingMergeTree(updated)` folds old rows away when parts merge.
    static let metadataColumns: [(name: String, columns: String, engine: String)] = [
        ("datasets", "name String, created Int64, version_field String, updated Int64, trace_fields String, removed UInt8",
         "ReplacingMergeTree(updated) ORDER BY name"),
        ("fields", "dataset String, name String, first_seen Int64", "ReplacingMergeTree ORDER BY (dataset, name)"),
        ("markers", "dataset String, id Int64, start Int64, end Int64, has_end UInt8, message String, type String, url String, automatic UInt8, nonce UInt64, updated Int64, removed UInt8",
         "ReplacingMergeTree(updated) ORDER BY (id, nonce)"),
        ("slos", "name String, updated Int64, definition String, removed UInt8", "ReplacingMergeTree(updated) ORDER BY name"),
    ]

    /// The names of the metadata tables, as readers and writers use them.
    static var metadataNames: [String] { metadataColumns.map(\.name) }

    /// The metadata tables of one server without a cluster.
    static func metadataTables(_ database: String) -> [String] {
        metadataColumns.map { "CREATE TABLE IF NOT EXISTS \(database).\($0.name) (\($0.columns)) ENGINE = \($0.engine)" }
    }

    /// On a cluster, the metadata tables every shard holds (`NAME_local`); only the first shard's
    /// have rows (see ``metadataDistributedTables(_:cluster:)``).
    static func metadataLocalTables(_ database: String) -> [String] {
        metadataColumns.map { "CREATE TABLE IF NOT EXISTS \(database).\($0.name)_local (\($0.columns)) ENGINE = \($0.engine)" }
    }

    /// On a cluster, the Distributed tables readers and writers use under the plain names. The
    /// sharding key is the constant 0, so every row goes to the cluster's first shard, and
    /// every server of the cluster reads the same rows through its own Distributed table:
    /// one copy, the same from any entry point, and `argMax` sees every version of a key.
    static func metadataDistributedTables(_ database: String, cluster: String) -> [String] {
        metadataColumns.map {
            "CREATE TABLE IF NOT EXISTS \(database).\($0.name) (\($0.columns)) ENGINE = Distributed(\(cluster), \(database), \($0.name)_local, 0)"
        }
    }

    /// The names of the datasets not removed (newest row per name).
    static func liveDatasets(_ database: String) -> String {
        "SELECT name FROM (SELECT name, argMax(removed, updated) AS gone FROM \(database).datasets GROUP BY name) WHERE gone = 0"
    }
}
