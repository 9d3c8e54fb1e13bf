import KilnCore

/// Automatic deploy markers: the first event of a new version of a service marks a deploy.
///
/// Every commit (ingest, follow and serve alike) looks at the pairs (`service.name`, version)
/// of its events; a pair the dataset has never had gets a deploy marker flagged as automatic,
/// "storefront 8.5.0", at the time of its first event, unless it is the first version seen of
/// its service (the start of the data, not a deploy). A pair whose events arrive out of order
/// has its marker moved back to the earliest. The pairs seen so far are kept in the table
/// `deploy_versions`; a dataset that had events before the version field was first watched is
/// read once to learn its versions, which get no markers.
extension StoreWriter {
    /// The field naming the service a version belongs to.
    public static let serviceField = StoreNames.serviceField
    /// The version field of a dataset unless set with ``setVersionField(_:dataset:path:now:)``.
    public static let defaultVersionField = StoreNames.versionField

    /// Records deploy markers for the versions `batch` shows first. Runs inside the commit's
    /// transaction, before the batch's chunk is written, so both are stored or neither is.
    /// - Complexity: O(field records of the batch), plus one read of the dataset the first
    ///   time its version field is watched.
    func recordDeploys(in batch: RawBatch) throws {
        var datasetRow: (id: Int64, rows: Int64)?
        try selectDataset.rows([.text(dataset)]) { r in datasetRow = (r.int(0), r.int(2)) }
        guard let datasetRow else { throw StoreError.corrupt("dataset \(dataset) vanished while writing") }
        let id = datasetRow.id
        let field = try Self.setting(db, datasetID: id, key: "version_field") ?? Self.defaultVersionField
        if try Self.setting(db, datasetID: id, key: "deploys_field") != field {
            try db.prepare("DELETE FROM deploy_versions WHERE dataset_id = ?").run(.int(id))
            if datasetRow.rows > 0 { try learnVersions(datasetID: id, field: field) }
            try Self.setSetting(db, datasetID: id, key: "deploys_field", value: field)
        }
        let first = batch.firstDeploys(versionField: field, serviceField: Self.serviceField)
        guard !first.isEmpty else { return }
        let select = try db.prepare("SELECT first_ns, marker_id FROM deploy_versions WHERE dataset_id = ? AND service = ? AND version = ?")
        let insert = try db.prepare("INSERT INTO deploy_versions(dataset_id, service, version, first_ns, marker_id) VALUES (?,?,?,?,?)")
        let moveFirst = try db.prepare("UPDATE deploy_versions SET first_ns = ? WHERE dataset_id = ? AND service = ? AND version = ?")
        let moveMarker = try db.prepare("UPDATE markers SET start_ns = ? WHERE id = ? AND automatic = 1")
        let addMarker = try db.prepare("INSERT INTO markers(dataset_id, start_ns, end_ns, message, type, url, automatic) VALUES (?,?,NULL,?,'deploy',NULL,1)")
        // The first event of each service, stored or in this batch: a version starting then is
        // where the data starts, not a deploy.
        var serviceStart: [String: Int64] = [:]
        let firstOfService = try db.prepare("SELECT min(first_ns) FROM deploy_versions WHERE dataset_id = ? AND service = ?")
        for (key, time) in first {
            if serviceStart[key.service] == nil {
                try firstOfService.rows([.int(id), .text(key.service)]) { r in if !r.isNull(0) { serviceStart[key.service] = r.int(0) } }
            }
            serviceStart[key.service] = min(serviceStart[key.service] ?? .max, time)
        }
        for (key, time) in first.sorted(by: { ($0.value, $0.key.service, $0.key.version) < ($1.value, $1.key.service, $1.key.version) }) {
            var known: (first: Int64, marker: Int64?)?
            try select.rows([.int(id), .text(key.service), .text(key.version)]) { r in known = (r.int(0), r.isNull(1) ? nil : r.int(1)) }
            if let known {
                guard time < known.first else { continue }
                try moveFirst.run(.int(time), .int(id), .text(key.service), .text(key.version))
                if let marker = known.marker { try moveMarker.run(.int(time), .int(marker)) }
                continue
            }
            var marker: Statement.Param = .null
            if let start = serviceStart[key.service], start < time {
                try addMarker.run(.int(id), .int(time), .text(key.message))
                marker = .int(db.lastInsertRowID)
            }
            try insert.run(.int(id), .text(key.service), .text(key.version), .int(time), marker)
        }
    }

    /// Reads the pairs (service, version) the dataset already holds, so that only versions
    /// new from now on get markers.
    private func learnVersions(datasetID id: Int64, field: String) throws {
        var fieldIDs: [String: Int64] = [:]
        try db.prepare("SELECT field_id, name FROM fields WHERE dataset_id = ? AND name IN (?, ?)")
            .rows([.int(id), .text(field), .text(Self.serviceField)]) { r in fieldIDs[r.text(1)] = r.int(0) }
        guard let versionID = fieldIDs[field] else { return }
        let serviceID = fieldIDs[Self.serviceField]
        func dictionary(_ fid: Int64) throws -> ValueDictionary {
            var dict = ValueDictionary()
            try db.prepare("SELECT kinds, payloads, pool FROM dict_segments WHERE dataset_id = ? AND field_id = ? ORDER BY first_code")
                .rows([.int(id), .int(fid)]) { r in
                    let ok = r.withBlob(1) { dict.appendSegment(kinds: r.blob(0), payloads: [UInt64](littleEndianBytes: $0), pool: r.blob(2)) }
                    guard ok else { throw StoreError.corrupt("dictionary segment of field \(fid) is malformed") }
                }
            return dict
        }
        let versions = try dictionary(versionID)
        let services = try serviceID.map(dictionary) ?? ValueDictionary()
        var first: [DeployKey: Int64] = [:]
        let columns = try db.prepare("SELECT field_id, width, codes FROM chunk_columns WHERE dataset_id = ? AND chunk_id = ? AND field_id IN (?, ?)")
        try db.prepare("SELECT chunk_id, rows, timestamps FROM chunks WHERE dataset_id = ?").rows([.int(id)]) { chunk in
            let rows = Int(chunk.int(1))
            let times = chunk.withBlob(2) { [Int64](littleEndianBytes: $0) }
            guard times.count == rows else { throw StoreError.corrupt("chunk \(chunk.int(0)) of \(dataset) has the wrong length") }
            var versionCodes: [UInt32]?, serviceCodes: [UInt32]?
            try columns.rows([.int(id), .int(chunk.int(0)), .int(versionID), .int(serviceID ?? -1)]) { c in
                let codes = c.withBlob(2) { Self.decodeCodes($0, width: Int(c.int(1)), rows: rows) }
                guard let codes else { throw StoreError.corrupt("column \(c.int(0)) of chunk \(chunk.int(0)) is malformed") }
                if c.int(0) == versionID { versionCodes = codes } else { serviceCodes = codes }
            }
            guard let versionCodes else { return }
            for row in 0..<rows where versionCodes[row] != 0 {
                guard let version = versions.value(Int(versionCodes[row]))?.text else { continue }
                let service = serviceCodes.flatMap { services.value(Int($0[row]))?.text } ?? ""
                let key = DeployKey(service: service, version: version)
                if let seen = first[key], seen <= times[row] { continue }
                first[key] = times[row]
            }
        }
        let insert = try db.prepare("INSERT INTO deploy_versions(dataset_id, service, version, first_ns, marker_id) VALUES (?,?,?,?,NULL)")
        for (key, time) in first { try insert.run(.int(id), .text(key.service), .text(key.version), .int(time)) }
    }

    /// The codes of a stored chunk column: dense at width 1, 2 or 4, or sparse (`0x10 + width`:
    /// row ids, then codes); nil when malformed.
    static func decodeCodes(_ p: UnsafeRawBufferPointer, width: Int, rows: Int) -> [UInt32]? {
        func code(_ at: Int, _ w: Int) -> UInt32 {
            switch w {
            case 1: return UInt32(p[at])
            case 2: return UInt32(UInt16(littleEndian: p.loadUnaligned(fromByteOffset: at, as: UInt16.self)))
            default: return UInt32(littleEndian: p.loadUnaligned(fromByteOffset: at, as: UInt32.self))
            }
        }
        switch width {
        case 1, 2, 4:
            guard p.count == rows * width else { return nil }
            return (0..<rows).map { code($0 * width, width) }
        case 0x11, 0x12, 0x14:
            let w = width - 0x10
            guard p.count % (4 + w) == 0 else { return nil }
            let present = p.count / (4 + w)
            var out = [UInt32](repeating: 0, count: rows)
            for k in 0..<present {
                let row = Int(UInt32(littleEndian: p.loadUnaligned(fromByteOffset: k * 4, as: UInt32.self)))
                guard row < rows else { return nil }
                out[row] = code(present * 4 + k * w, w)
            }
            return out
        default:
            return nil
        }
    }

    static func setting(_ db: Database, datasetID: Int64, key: String) throws -> String? {
        var out: String?
        try db.prepare("SELECT value FROM dataset_settings WHERE dataset_id = ? AND key = ?").rows([.int(datasetID), .text(key)]) { out = $0.text(0) }
        return out
    }

    static func setSetting(_ db: Database, datasetID: Int64, key: String, value: String) throws {
        try db.prepare("INSERT OR REPLACE INTO dataset_settings(dataset_id, key, value) VALUES (?,?,?)").run(.int(datasetID), .text(key), .text(value))
    }
}
