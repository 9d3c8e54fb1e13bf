import KilnCore

/// A marker as stored, with its id.
public struct StoredMarker: Sendable, Equatable {
    /// Row id, unique in the store.
    public var id: Int64
    /// The marker.
    public var marker: Marker

    /// Makes a stored marker.
    public init(id: Int64, marker: Marker) {
        self.id = id
        self.marker = marker
    }
}

extension StoreWriter {
    /// Adds `marker` to `dataset` (created when missing) in the store at `path`; returns its id.
    /// Durable when it returns. Markers are rare, so this opens its own connection.
    public static func addMarker(_ marker: Marker, dataset: String, path: String, now: Int64) throws -> Int64 {
        guard !dataset.isEmpty, dataset.utf8.count <= 255 else {
            throw StoreError.invalid("dataset names are 1 to 255 bytes long")
        }
        let db = try EventStore.openForWriting(path)
        return try db.transaction(immediate: true) {
            try db.prepare("INSERT OR IGNORE INTO datasets(name, created_ns) VALUES (?, ?)").run(.text(dataset), .int(now))
            guard let id = try db.prepare("SELECT id FROM datasets WHERE name = ?").scalarInt(.text(dataset)) else {
                throw StoreError.corrupt("dataset \(dataset) vanished while adding a marker")
            }
            try db.prepare("INSERT INTO markers(dataset_id, start_ns, end_ns, message, type, url) VALUES (?,?,?,?,?,?)")
                .run(.int(id), .int(marker.start), marker.end.map { .int($0) } ?? .null, .text(marker.message), .text(marker.type),
                     marker.url.map { .text($0) } ?? .null)
            return db.lastInsertRowID
        }
    }

    /// The markers of `dataset` with their ids, in time order; empty when the dataset or the
    /// store does not exist yet.
    public static func markers(dataset: String, path: String) throws -> [StoredMarker] {
        let db: Database
        do {
            db = try EventStore.openForReading(path)
        } catch let error as StoreError where error.code == .notFound {
            return []
        }
        return try db.transaction {
            var out: [StoredMarker] = []
            let automatic = try EventStore.hasColumn(db, table: "markers", column: "automatic") ? "m.automatic" : "0"
            let sql = """
            SELECT m.id, m.start_ns, m.end_ns, m.message, m.type, m.url, \(automatic) FROM markers m JOIN datasets d ON d.id = m.dataset_id
            WHERE d.name = ? ORDER BY m.start_ns, m.id
            """
            try db.prepare(sql).rows([.text(dataset)]) { r in
                let marker = Marker(start: r.int(1), end: r.isNull(2) ? nil : r.int(2), message: r.isNull(3) ? "" : r.text(3),
                                    type: r.isNull(4) ? "" : r.text(4), url: r.isNull(5) ? nil : r.text(5),
                                    automatic: r.int(6) != 0)
                out.append(StoredMarker(id: r.int(0), marker: marker))
            }
            return out
        }
    }

    /// Removes the marker `id` from the store at `path`; false when there is no such marker.
    /// An automatic deploy marker's version stays known, so it is not recorded again.
    public static func removeMarker(id: Int64, path: String) throws -> Bool {
        let db = try EventStore.openForWriting(path)
        return try db.transaction(immediate: true) {
            guard try db.prepare("SELECT count(*) FROM markers WHERE id = ?").scalarInt(.int(id)) == 1 else { return false }
            try db.prepare("DELETE FROM markers WHERE id = ?").run(.int(id))
            try db.prepare("UPDATE deploy_versions SET marker_id = NULL WHERE marker_id = ?").run(.int(id))
            return true
        }
    }

    /// Settings keys of ``TraceFields``.
    static let traceFieldKeys = ["trace_field", "span_field", "parent_field", "duration_field", "duration_unit"]

    /// The trace fields stored for a dataset (``TraceFields/standard`` unless set).
    static func traceFields(_ db: Database, datasetID id: Int64) throws -> TraceFields {
        guard let trace = try setting(db, datasetID: id, key: "trace_field"),
              let span = try setting(db, datasetID: id, key: "span_field"),
              let parent = try setting(db, datasetID: id, key: "parent_field") else { return .standard }
        return TraceFields(trace: trace, span: span, parent: parent, duration: try setting(db, datasetID: id, key: "duration_field"),
                           durationUnit: try setting(db, datasetID: id, key: "duration_unit") ?? "ms")
    }

    /// Sets the fields `dataset`'s spans keep their trace, span, parent and duration in (the
    /// dataset is created when missing); nil goes back to the standard ones.
    public static func setTraceFields(_ fields: TraceFields?, dataset: String, path: String, now: Int64) throws {
        guard !dataset.isEmpty, dataset.utf8.count <= 255 else {
            throw StoreError.invalid("dataset names are 1 to 255 bytes long")
        }
        if let fields {
            for (flag, name) in [("--trace", fields.trace), ("--span", fields.span), ("--parent", fields.parent), ("--duration", fields.duration ?? "x")] {
                guard !name.isEmpty, name != "timestamp", name.utf8.count <= 255 else {
                    throw StoreError.invalid("\(flag): \"\(name)\" cannot name a trace field")
                }
            }
            guard Set([fields.trace, fields.span, fields.parent]).count == 3 else {
                throw StoreError.invalid("--trace, --span and --parent must be three different fields")
            }
            guard TraceFields.units[fields.durationUnit] != nil else {
                throw StoreError.invalid("--duration: unit \"\(fields.durationUnit)\" is not ms, us, ns or s")
            }
        }
        let db = try EventStore.openForWriting(path)
        try db.transaction(immediate: true) {
            try db.prepare("INSERT OR IGNORE INTO datasets(name, created_ns) VALUES (?, ?)").run(.text(dataset), .int(now))
            guard let id = try db.prepare("SELECT id FROM datasets WHERE name = ?").scalarInt(.text(dataset)) else {
                throw StoreError.corrupt("dataset \(dataset) vanished while setting its trace fields")
            }
            for key in traceFieldKeys {
                try db.prepare("DELETE FROM dataset_settings WHERE dataset_id = ? AND key = ?").run(.int(id), .text(key))
            }
            guard let fields else { return }
            try setSetting(db, datasetID: id, key: "trace_field", value: fields.trace)
            try setSetting(db, datasetID: id, key: "span_field", value: fields.span)
            try setSetting(db, datasetID: id, key: "parent_field", value: fields.parent)
            if let duration = fields.duration {
                try setSetting(db, datasetID: id, key: "duration_field", value: duration)
                try setSetting(db, datasetID: id, key: "duration_unit", value: fields.durationUnit)
            }
        }
    }

    /// Sets the field whose new values mark deploys in `dataset` (created when missing).
    /// Versions already in the dataset are learnt at the next commit and get no markers.
    public static func setVersionField(_ field: String, dataset: String, path: String, now: Int64) throws {
        guard !dataset.isEmpty, dataset.utf8.count <= 255 else {
            throw StoreError.invalid("dataset names are 1 to 255 bytes long")
        }
        guard !field.isEmpty, field != "timestamp" else { throw StoreError.invalid("\"\(field)\" cannot be a version field") }
        let db = try EventStore.openForWriting(path)
        try db.transaction(immediate: true) {
            try db.prepare("INSERT OR IGNORE INTO datasets(name, created_ns) VALUES (?, ?)").run(.text(dataset), .int(now))
            guard let id = try db.prepare("SELECT id FROM datasets WHERE name = ?").scalarInt(.text(dataset)) else {
                throw StoreError.corrupt("dataset \(dataset) vanished while setting its version field")
            }
            try setSetting(db, datasetID: id, key: "version_field", value: field)
        }
    }
}
