import KilnCore

/// Automatic deploy markers on ClickHouse, as the embedded store records them: the first event
/// of a new (`service.name`, version) pair marks a deploy, "storefront 8.5.0", flagged as
/// automatic, unless it is the first version seen of its service (the start of the data). A
/// pair whose events arrive out of order has its marker moved back to the earliest.
///
/// The pairs the dataset already holds are read once per writer (and again when the version
/// field changes) with one `GROUP BY` over its events, so versions already stored get no
/// marker; later commits only look at their own events. Markers are written before the events
/// of their commit, so a retried commit never records one twice.
extension ClickHouseWriter {
    /// What the writer knows of the dataset's versions.
    struct Deploys {
        /// The version field the pairs were read for.
        var field: String
        /// The first event time of each pair, and its automatic marker.
        var first: [DeployKey: (time: Int64, marker: StoredMarker?)] = [:]
        /// The first event time of each service.
        var serviceStart: [String: Int64] = [:]
    }

    /// An automatic marker as stored: enough to move it.
    struct StoredMarker {
        var marker: Marker
        var nonce: UInt64
        var updated: Int64
    }

    /// Records the deploy markers of `batch` (before it is inserted).
    func recordDeploys(in batch: RawBatch) throws {
        let metadata = ClickHouseMetadata(store: store)
        let field = try store.datasetRow(dataset).flatMap { $0.versionField.isEmpty ? nil : $0.versionField } ?? StoreNames.versionField
        if deploys?.field != field { deploys = try learnDeploys(field: field, metadata: metadata) }
        guard var known = deploys else { return }
        let first = batch.firstDeploys(versionField: field, serviceField: StoreNames.serviceField)
        for (key, time) in first { known.serviceStart[key.service] = min(known.serviceStart[key.service] ?? .max, time) }
        let now = ClickHouseMetadata.now()
        for (key, time) in first.sorted(by: { ($0.value, $0.key.service, $0.key.version) < ($1.value, $1.key.service, $1.key.version) }) {
            if let seen = known.first[key] {
                guard time < seen.time else { continue }
                var moved = seen.marker
                if var m = moved {
                    m.marker.start = time
                    m.updated = max(now, m.updated + 1)
                    try metadata.write(m.marker, dataset: dataset, nonce: m.nonce, updated: m.updated, removed: false)
                    moved = m
                }
                known.first[key] = (time, moved)
                continue
            }
            var stored: StoredMarker?
            if let start = known.serviceStart[key.service], start < time {
                let marker = Marker(start: time, message: key.message, type: "deploy", automatic: true)
                let (id, nonce) = try metadata.insertMarker(marker, dataset: dataset, now: now)
                var m = marker
                m.id = id
                stored = StoredMarker(marker: m, nonce: nonce, updated: now)
            }
            known.first[key] = (time, stored)
        }
        deploys = known
    }

    /// The pairs `dataset` holds for `field` and their automatic markers.
    private func learnDeploys(field: String, metadata: ClickHouseMetadata) throws -> Deploys {
        var out = Deploys(field: field)
        let v = FieldSQL(field), s = FieldSQL(StoreNames.serviceField)
        func text(_ f: FieldSQL) -> String {
            "multiIf(\(f.hasString), \(f.string), \(f.hasInt), toString(\(f.int)), \(f.hasBool), if(\(f.bool) = 1, 'true', 'false'), \(f.hasFloat), toString(\(f.float)), '')"
        }
        let sql = "SELECT \(text(s)) AS _s, \(text(v)) AS _v, min(timestamp_ns) FROM \(store.eventsTable) WHERE dataset = \(SQL.quote(dataset)) AND \(v.exists) GROUP BY _s, _v"
        for r in try store.rows(sql) where r.count == 3 {
            guard let t = Int64(r[2]) else { continue }
            out.first[DeployKey(service: r[0], version: r[1])] = (t, nil)
            out.serviceStart[r[0]] = min(out.serviceStart[r[0]] ?? .max, t)
        }
        let byMessage = Dictionary(out.first.keys.map { ($0.message, $0) }, uniquingKeysWith: { a, _ in a })
        for m in try metadata.liveMarkers("dataset = \(SQL.quote(dataset)) AND automatic = 1") {
            guard let key = byMessage[m.marker.message], out.first[key]?.marker == nil else { continue }
            out.first[key]?.marker = StoredMarker(marker: m.marker, nonce: m.nonce, updated: m.updated)
        }
        return out
    }
}
