import Foundation
import KilnCore

/// ClickHouse behind the ``MetadataStore`` seam: SLOs, markers and dataset settings in the
/// small tables of ``ClickHouseSchema/metadataColumns``.
///
/// Every change is a new row with a larger `updated` (a removal: `removed = 1`); readers take
/// the newest row per key. So a change is visible at once from every server of the cluster
/// (the rows live on its first shard, behind Distributed tables), and nothing waits on an
/// asynchronous `ALTER … DELETE`, except the removal of a dataset's events (see
/// ``removeDataset(_:)``).
public final class ClickHouseMetadata: MetadataStore, @unchecked Sendable {
    /// The store written to.
    public let store: ClickHouseStore
    /// How long ``removeDataset(_:)`` waits for the deletion of the events.
    public var removalWait: TimeInterval = 60

    /// The metadata of `store`.
    public init(store: ClickHouseStore) {
        self.store = store
    }

    var database: String { store.url.database }

    // MARK: SLOs

    public func slos() throws -> [SLODefinition] {
        try store.prepare()
        var out: [SLODefinition] = []
        for r in try store.rows("SELECT name, argMax(definition, updated), argMax(removed, updated) FROM \(database).slos GROUP BY name ORDER BY name")
        where r.count == 3 && r[2] == "0" {
            out.append(try Self.decodeSLO(name: r[0], r[1]))
        }
        return out
    }

    public func addSLO(_ slo: SLODefinition, now: Int64) throws {
        if let problem = slo.problem { throw ClickHouseError(code: .server, message: problem) }
        try store.prepare()
        let (live, updated) = try sloState(slo.name)
        if live {
            throw ClickHouseError(code: .server, message: "an SLO named \"\(slo.name)\" already exists in \(store.url.description) (remove it first with `kiln slo rm`)")
        }
        try insert("slos (name, updated, definition, removed)",
                   "(\(SQL.quote(slo.name)), \(max(now, updated + 1)), \(SQL.quote(Self.encodeSLO(slo))), 0)")
    }

    public func removeSLO(named name: String) throws -> Bool {
        try store.prepare()
        let (live, updated) = try sloState(name)
        guard live else { return false }
        try insert("slos (name, updated, definition, removed)", "(\(SQL.quote(name)), \(max(Self.now(), updated + 1)), '', 1)")
        return true
    }

    /// Whether the SLO `name` exists, and the newest `updated` of its rows (0 without rows).
    private func sloState(_ name: String) throws -> (live: Bool, updated: Int64) {
        let r = try store.rows("SELECT argMax(removed, updated), max(updated), count() FROM \(database).slos WHERE name = \(SQL.quote(name))").first ?? []
        guard r.count == 3, (Int64(r[2]) ?? 0) > 0 else { return (false, 0) }
        return (r[0] == "0", Int64(r[1]) ?? 0)
    }

    /// An SLO as one JSON object: filters in the canonical text ``Filter/parse(_:)`` reads back.
    static func encodeSLO(_ slo: SLODefinition) -> String {
        var out = "{\"dataset\":"
        JSONText.appendString(slo.dataset, to: &out)
        out += ",\"where\":[" + slo.eligible.map { f in var s = ""; JSONText.appendString(f.description, to: &s); return s }.joined(separator: ",")
        out += "],\"good\":[" + slo.good.map { f in var s = ""; JSONText.appendString(f.description, to: &s); return s }.joined(separator: ",")
        out += "],\"target\":\"\(slo.target)\",\"period\":\(slo.period),\"description\":"
        JSONText.appendString(slo.description, to: &out)
        return out + "}"
    }

    static func decodeSLO(name: String, _ text: String) throws -> SLODefinition {
        func corrupt(_ why: String) -> ClickHouseError { ClickHouseError(code: .protocolError, message: "SLO \(name): stored definition \(why)") }
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
              let dataset = object["dataset"] as? String, let whereList = object["where"] as? [String], let goodList = object["good"] as? [String],
              let targetText = object["target"] as? String, let period = (object["period"] as? NSNumber)?.int64Value else {
            throw corrupt("is not the JSON Kiln writes")
        }
        guard let target = SLODecimal(targetText) else { throw corrupt("has the target \"\(targetText)\", not a number") }
        func filters(_ list: [String]) throws -> [Filter] {
            try list.map { expr in
                guard let f = try? Filter.parse(expr) else { throw corrupt("has the filter \"\(expr)\", which does not parse") }
                return f
            }
        }
        return SLODefinition(name: name, dataset: dataset, eligible: try filters(whereList), good: try filters(goodList), target: target,
                             period: period, description: object["description"] as? String ?? "")
    }

    // MARK: Markers

    /// Tries for a free marker id this many times before giving up (only concurrent adds retry).
    static let markerAttempts = 20

    public func addMarker(_ marker: Marker, dataset: String, now: Int64) throws -> Int64 {
        try Self.checkDataset(dataset)
        try store.prepare()
        try register(dataset, now: now)
        return try insertMarker(marker, dataset: dataset, now: now).id
    }

    /// Stores `marker` under the next free id; returns the id and the row's nonce.
    ///
    /// The id is the largest one plus one. Two processes may pick the same id at once: each,
    /// after its insert, looks for another live row of that id, and withdraws and tries again
    /// (after a random pause) when it finds one. At most one keeps an id: for two to keep it,
    /// each would have had to look before the other's insert was visible, yet after its own.
    func insertMarker(_ marker: Marker, dataset: String, now: Int64) throws -> (id: Int64, nonce: UInt64) {
        let nonce = UInt64.random(in: 1...UInt64.max)
        for attempt in 0..<Self.markerAttempts {
            let id = (Int64(try store.rows("SELECT max(id) FROM \(database).markers").first?.first ?? "0") ?? 0) + 1
            try insert(Self.markerColumns, Self.markerRow(marker, dataset: dataset, id: id, nonce: nonce, updated: now, removed: false))
            let others = try store.rows("""
                SELECT count() FROM (SELECT nonce, argMax(removed, updated) AS gone FROM \(database).markers WHERE id = \(id) GROUP BY nonce) \
                WHERE gone = 0 AND nonce != \(nonce)
                """).first?.first
            if others == "0" { return (id, nonce) }
            try insert(Self.markerColumns, Self.markerRow(marker, dataset: dataset, id: id, nonce: nonce, updated: now + 1, removed: true))
            Thread.sleep(forTimeInterval: Double.random(in: 0.01...0.05) * Double(attempt + 1))
        }
        throw ClickHouseError(code: .server, message: "could not find a free marker id after \(Self.markerAttempts) attempts (many markers added at once?)")
    }

    public func removeMarker(id: Int64) throws -> Bool {
        try store.prepare()
        let rows = try liveMarkers("id = \(id)")
        guard let (dataset, marker, nonce, updated) = rows.first else { return false }
        try insert(Self.markerColumns, Self.markerRow(marker, dataset: dataset, id: id, nonce: nonce, updated: max(Self.now(), updated + 1), removed: true))
        return true
    }

    /// Writes a new version of the marker row (`marker.id`, `nonce`).
    func write(_ marker: Marker, dataset: String, nonce: UInt64, updated: Int64, removed: Bool) throws {
        try insert(Self.markerColumns, Self.markerRow(marker, dataset: dataset, id: marker.id ?? 0, nonce: nonce, updated: updated, removed: removed))
    }

    static let markerColumns = "markers (dataset, id, start, end, has_end, message, type, url, automatic, nonce, updated, removed)"

    static func markerRow(_ m: Marker, dataset: String, id: Int64, nonce: UInt64, updated: Int64, removed: Bool) -> String {
        "(\(SQL.quote(dataset)), \(id), \(SQL.int(m.start)), \(SQL.int(m.end ?? 0)), \(m.end == nil ? 0 : 1), \(SQL.quote(m.message)), "
            + "\(SQL.quote(m.type)), \(SQL.quote(m.url ?? "")), \(m.automatic ? 1 : 0), \(nonce), \(updated), \(removed ? 1 : 0))"
    }

    /// The markers not removed whose newest row matches `condition` (on the raw rows: a marker's
    /// dataset and id never change), by time; of two rows claiming one id, the smaller nonce.
    func liveMarkers(_ condition: String) throws -> [(dataset: String, marker: Marker, nonce: UInt64, updated: Int64)] {
        // Aliases differ from column names: ClickHouse would put an aggregate aliased `dataset`
        // into the WHERE on `dataset`.
        let sql = """
            SELECT id, nonce, _dataset, _start, _end, _has_end, _message, _type, _url, _automatic, _last FROM (\
            SELECT id, nonce, any(dataset) AS _dataset, argMax(start, updated) AS _start, argMax(end, updated) AS _end, \
            argMax(has_end, updated) AS _has_end, argMax(message, updated) AS _message, argMax(type, updated) AS _type, \
            argMax(url, updated) AS _url, argMax(automatic, updated) AS _automatic, argMax(removed, updated) AS _gone, max(updated) AS _last \
            FROM \(database).markers WHERE \(condition) GROUP BY id, nonce) WHERE _gone = 0 ORDER BY _start, id, nonce
            """
        var seen = Set<Int64>()
        var out: [(String, Marker, UInt64, Int64)] = []
        for r in try store.rows(sql) where r.count == 11 {
            guard let id = Int64(r[0]), let nonce = UInt64(r[1]), let start = Int64(r[3]) else { continue }
            // Rows of one id sort by nonce, so the first seen is the owner.
            guard seen.insert(id).inserted else { continue }
            let marker = Marker(start: start, end: r[5] == "1" ? Int64(r[4]) : nil, message: r[6], type: r[7], url: r[8].isEmpty ? nil : r[8],
                                id: id, automatic: r[9] == "1")
            out.append((r[2], marker, nonce, Int64(r[10]) ?? 0))
        }
        return out
    }

    // MARK: Dataset settings

    public func setVersionField(_ field: String, dataset: String, now: Int64) throws {
        try Self.checkDataset(dataset)
        guard !field.isEmpty, field != "timestamp" else { throw ClickHouseError(code: .server, message: "\"\(field)\" cannot be a version field") }
        try store.prepare()
        var row = try store.datasetRow(dataset) ?? DatasetRow(created: now)
        if row.removed { row = DatasetRow(created: now, updated: row.updated) }
        row.versionField = field
        try store.write(dataset, row, now: now)
    }

    public func setTraceFields(_ fields: TraceFields?, dataset: String, now: Int64) throws {
        try Self.checkDataset(dataset)
        if let fields {
            for (flag, name) in [("--trace", fields.trace), ("--span", fields.span), ("--parent", fields.parent), ("--duration", fields.duration ?? "x")] {
                guard !name.isEmpty, name != "timestamp", name.utf8.count <= 255 else {
                    throw ClickHouseError(code: .server, message: "\(flag): \"\(name)\" cannot name a trace field")
                }
            }
            guard Set([fields.trace, fields.span, fields.parent]).count == 3 else {
                throw ClickHouseError(code: .server, message: "--trace, --span and --parent must be three different fields")
            }
            guard TraceFields.units[fields.durationUnit] != nil else {
                throw ClickHouseError(code: .server, message: "--duration: unit \"\(fields.durationUnit)\" is not ms, us, ns or s")
            }
        }
        try store.prepare()
        var row = try store.datasetRow(dataset) ?? DatasetRow(created: now)
        if row.removed { row = DatasetRow(created: now, updated: row.updated) }
        row.traceFields = fields.map(DatasetRow.encode) ?? ""
        try store.write(dataset, row, now: now)
    }

    // MARK: Removing a dataset

    /// Removes `dataset`: its events and field names by `ALTER TABLE … DELETE` on every shard
    /// (a mutation ClickHouse runs in the background), then at once from every list (its
    /// newest row says removed; so do its markers'); then waits up to ``removalWait`` for the
    /// mutations (`finished` false when they are still running).
    public func removeDataset(_ name: String) throws -> DatasetRemoval {
        try store.prepare()
        guard let row = try store.datasetRow(name), !row.removed else {
            let known = try store.rows(ClickHouseSchema.liveDatasets(database) + " ORDER BY name").compactMap(\.first)
            throw ClickHouseError.noSuchDataset(name, known: known)
        }
        let events = Int64(try store.rows("SELECT count() FROM \(store.eventsTable) WHERE dataset = \(SQL.quote(name))").first?.first ?? "0") ?? 0

        // The deletions first: when a shard refuses, the dataset is still listed and the
        // command can be run again.
        var servers: [ClickHouseClient] = [store.client]
        var tables = ["events", "fields"]
        if let cluster = store.url.cluster {
            servers = try store.shardAddresses(cluster).map { ClickHouseClient(url: store.url.at(address: $0), timeout: store.client.timeout) }
            tables = ["events_local", "fields_local"]
        }
        for server in servers {
            for table in tables {
                try server.execute("ALTER TABLE \(database).\(table) DELETE WHERE dataset = \(SQL.quote(name))")
            }
        }
        let now = Self.now()
        for (dataset, marker, nonce, updated) in try liveMarkers("dataset = \(SQL.quote(name))") {
            try insert(Self.markerColumns, Self.markerRow(marker, dataset: dataset, id: marker.id ?? 0, nonce: nonce, updated: max(now, updated + 1), removed: true))
        }
        var gone = DatasetRow(created: row.created)
        gone.removed = true
        gone.updated = row.updated
        try store.write(name, gone, now: now)

        let pending = "SELECT count() FROM system.mutations WHERE database = \(SQL.quote(database)) AND table IN (\(tables.map(SQL.quote).joined(separator: ", "))) AND is_done = 0 FORMAT TSV"
        let deadline = Date().addingTimeInterval(removalWait)
        var finished = false
        while true {
            finished = try servers.allSatisfy { try $0.text(pending).trimmingCharacters(in: .whitespacesAndNewlines) == "0" }
            if finished || Date() >= deadline { break }
            Thread.sleep(forTimeInterval: 0.1)
        }
        return DatasetRemoval(events: events, finished: finished)
    }

    // MARK: Helpers

    /// Registers `dataset` unless it exists (and is not removed).
    func register(_ dataset: String, now: Int64) throws {
        let old = try store.datasetRow(dataset)
        if let old, !old.removed { return }
        var row = DatasetRow(created: now)
        row.updated = old?.updated ?? 0
        try store.write(dataset, row, now: now)
    }

    private func insert(_ table: String, _ values: String) throws {
        try store.client.execute("INSERT INTO \(database).\(table) VALUES \(values)", settings: store.insertSettings)
    }

    static func checkDataset(_ dataset: String) throws {
        guard !dataset.isEmpty, dataset.utf8.count <= 255 else {
            throw ClickHouseError(code: .server, message: "dataset names are 1 to 255 bytes long")
        }
    }

    static func now() -> Int64 { Int64(Date().timeIntervalSince1970 * 1e9) }
}

/// The newest row of a dataset in the `datasets` table.
struct DatasetRow: Equatable {
    var created: Int64
    var versionField = ""
    var traceFields = ""
    var removed = false
    /// The newest `updated` of the dataset's rows (0 for a new dataset).
    var updated: Int64 = 0

    /// Trace fields as stored: the five parts joined by U+001F (an empty duration for none).
    static func encode(_ f: TraceFields) -> String {
        [f.trace, f.span, f.parent, f.duration ?? "", f.durationUnit].joined(separator: "\u{1F}")
    }

    /// The stored trace fields (``TraceFields/standard`` when unset or unreadable).
    var decodedTraceFields: TraceFields {
        let parts = traceFields.split(separator: "\u{1F}", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 5 else { return .standard }
        return TraceFields(trace: parts[0], span: parts[1], parent: parts[2], duration: parts[3].isEmpty ? nil : parts[3], durationUnit: parts[4])
    }
}

extension ClickHouseStore {
    /// The newest row of `dataset`, nil when it was never registered.
    func datasetRow(_ dataset: String) throws -> DatasetRow? {
        let r = try rows("""
            SELECT argMax(created, updated), argMax(version_field, updated), argMax(trace_fields, updated), argMax(removed, updated), \
            max(updated), count() FROM \(url.database).datasets WHERE name = \(SQL.quote(dataset))
            """).first ?? []
        guard r.count == 6, (Int64(r[5]) ?? 0) > 0 else { return nil }
        return DatasetRow(created: Int64(r[0]) ?? 0, versionField: r[1], traceFields: r[2], removed: r[3] == "1", updated: Int64(r[4]) ?? 0)
    }

    /// Writes `row` as the newest row of `dataset` (its `updated` above every earlier one).
    func write(_ dataset: String, _ row: DatasetRow, now: Int64) throws {
        let updated = max(now, row.updated + 1)
        try client.execute("""
            INSERT INTO \(url.database).datasets (name, created, version_field, updated, trace_fields, removed) VALUES \
            (\(SQL.quote(dataset)), \(row.created), \(SQL.quote(row.versionField)), \(updated), \(SQL.quote(row.traceFields)), \(row.removed ? 1 : 0))
            """, settings: insertSettings)
    }
}
