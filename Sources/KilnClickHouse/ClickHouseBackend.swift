import Foundation
import KilnCore

/// ClickHouse behind the ``EventBackend`` seam: every answer is computed by SQL in the cluster
/// (GROUP BY for queries, per-value counts for BubbleUp, ORDER BY … LIMIT for raw events), and
/// Kiln only orders, ranks and formats what comes back. Nothing reads a whole table into Kiln.
public final class ClickHouseBackend: EventBackend, @unchecked Sendable {
    /// The store asked.
    public let store: ClickHouseStore

    /// A backend over `store`.
    public init(store: ClickHouseStore) {
        self.store = store
    }

    public var location: String { store.url.description }

    var events: String { store.eventsTable }
    var database: String { store.url.database }

    func rows(_ sql: String) throws -> [[String]] {
        try store.prepare()
        return try store.rows(sql)
    }

    // MARK: Catalog

    public func datasets() throws -> [DatasetInfo] {
        let names = try rows(ClickHouseSchema.liveDatasets(database)).compactMap(\.first)
        var info: [String: DatasetInfo] = [:]
        for name in names { info[name] = DatasetInfo(name: name, events: 0, minTime: nil, maxTime: nil, bytes: 0, fieldCount: 0) }
        // Only the live datasets: the events of a removed one may wait for their deletion.
        for r in try rows("SELECT dataset, count(), min(timestamp_ns), max(timestamp_ns) FROM \(events) GROUP BY dataset") where r.count == 4 && info[r[0]] != nil {
            info[r[0]]?.events = Int64(r[1]) ?? 0
            info[r[0]]?.minTime = Int64(r[2])
            info[r[0]]?.maxTime = Int64(r[3])
        }
        for r in try rows("SELECT dataset, uniqExact(name) FROM \(database).fields GROUP BY dataset") where r.count == 2 {
            info[r[0]]?.fieldCount = Int(r[1]) ?? 0
        }
        return info.values.sorted { a, b in
            if (a.maxTime ?? .min) != (b.maxTime ?? .min) { return (a.maxTime ?? .min) > (b.maxTime ?? .min) }
            return a.name < b.name
        }
    }

    /// Fails with the known datasets when `dataset` is not one of them.
    func requireDataset(_ dataset: String) throws {
        let known = try rows(ClickHouseSchema.liveDatasets(database) + " ORDER BY name").compactMap(\.first)
        guard known.contains(dataset) else { throw ClickHouseError.noSuchDataset(dataset, known: known) }
    }

    public func fieldNames(dataset: String) throws -> [String] {
        try requireDataset(dataset)
        return try rows("SELECT name FROM \(database).fields WHERE dataset = \(SQL.quote(dataset)) GROUP BY name ORDER BY min(first_seen), name")
            .compactMap(\.first)
    }

    public func fields(dataset: String) throws -> [FieldInfo] {
        try requireDataset(dataset)
        let ds = SQL.quote(dataset)
        var sql: [String] = []
        for (kind, prefix) in [(1, "s"), (2, "i"), (3, "f"), (4, "b")] {
            sql.append("SELECT key, \(kind), count(), uniqExact(value) FROM \(events) ARRAY JOIN \(prefix)_keys AS key, \(prefix)_values AS value WHERE dataset = \(ds) GROUP BY key")
        }
        var byName: [String: (kinds: [(ValueKind, Int64)], distinct: Int64, present: Int64)] = [:]
        for r in try rows(sql.joined(separator: " UNION ALL ")) where r.count == 4 {
            guard let k = UInt8(r[1]).flatMap(ValueKind.init(rawValue:)), let n = Int64(r[2]), let d = Int64(r[3]) else { continue }
            var entry = byName[r[0]] ?? ([], 0, 0)
            entry.kinds.append((k, n))
            entry.distinct += d
            entry.present += n
            byName[r[0]] = entry
        }
        let order = try fieldNames(dataset: dataset)
        return order.compactMap { name -> FieldInfo? in
            guard let e = byName[name] else { return FieldInfo(name: name, kinds: [], distinct: 0, present: 0) }
            let kinds = e.kinds.sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0.rawValue < $1.0.rawValue }.map(\.0)
            return FieldInfo(name: name, kinds: kinds, distinct: e.distinct, present: e.present)
        }.sorted { $0.present > $1.present }
    }

    public func markers(dataset: String) throws -> [Marker] {
        try store.prepare()
        return try ClickHouseMetadata(store: store).liveMarkers("dataset = \(SQL.quote(dataset))").map(\.marker)
    }

    public func versionField(dataset: String) throws -> String {
        try store.prepare()
        guard let row = try store.datasetRow(dataset), !row.removed, !row.versionField.isEmpty else { return StoreNames.versionField }
        return row.versionField
    }

    /// The trace fields set with `kiln datasets set-trace-fields` (``TraceFields/standard`` unless set).
    public func traceFields(dataset: String) throws -> TraceFields {
        try store.prepare()
        guard let row = try store.datasetRow(dataset), !row.removed else { return .standard }
        return row.decodedTraceFields
    }

    // MARK: Raw events

    public func events(dataset: String, scope: Scope, limit: Int) throws -> [Event] {
        guard limit > 0 else { return [] }
        try requireDataset(dataset)
        let order = try fieldNames(dataset: dataset)
        let rank = Dictionary(order.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        let sql = "SELECT timestamp_ns, sample_rate, s_keys, s_values, i_keys, i_values, f_keys, f_values, b_keys, b_values FROM \(events) WHERE \(FilterSQL.scope(scope, dataset: dataset)) ORDER BY timestamp_ns DESC, seq DESC LIMIT \(limit)"
        try store.prepare()
        let data = try store.client.execute(sql + " FORMAT TabSeparated", settings: store.readSettings)
        return TSV.parse(data, raw: true).compactMap { r -> Event? in
            guard r.count == 10, let t = Int64(r[0]) else { return nil }
            var fields: [Field] = []
            func add(_ keys: String, _ values: String, _ make: (String) -> Value?) {
                for (k, v) in zip(TSV.array(keys), TSV.array(values)) { if let value = make(v) { fields.append(Field(k, value)) } }
            }
            add(r[2], r[3]) { .string($0) }
            add(r[4], r[5]) { Int64($0).map(Value.int) }
            add(r[6], r[7]) { Double($0).map(Value.float) }
            add(r[8], r[9]) { .bool($0 == "1") }
            fields.sort { (rank[$0.name] ?? Int.max, $0.name) < (rank[$1.name] ?? Int.max, $1.name) }
            return Event(timestamp: t, sampleRate: Int64(r[1]) ?? 1, fields: fields)
        }
    }

    /// Nothing is dropped by field limits on ClickHouse: its key/value arrays hold any field.
    public func droppedFields(dataset: String) throws -> DroppedFields { DroppedFields() }

}
