import KilnCore

/// The embedded store behind the ``MetadataStore`` seam: SLOs, markers and settings in tables
/// of the store file (see `EventStore+SLO.swift` and `StoreWriter+Markers.swift`).
public final class EmbeddedMetadata: MetadataStore {
    /// The store file.
    public let path: String

    /// The metadata of the store at `path` (opened per call: these writes are rare).
    public init(path: String) {
        self.path = path
    }

    public func slos() throws -> [SLODefinition] { try EventStore.slos(path: path) }

    public func addSLO(_ slo: SLODefinition, now: Int64) throws { try EventStore.addSLO(slo, path: path, now: now) }

    public func removeSLO(named name: String) throws -> Bool { try EventStore.removeSLO(named: name, path: path) }

    public func addMarker(_ marker: Marker, dataset: String, now: Int64) throws -> Int64 {
        try StoreWriter.addMarker(marker, dataset: dataset, path: path, now: now)
    }

    public func removeMarker(id: Int64) throws -> Bool { try StoreWriter.removeMarker(id: id, path: path) }

    public func setVersionField(_ field: String, dataset: String, now: Int64) throws {
        try StoreWriter.setVersionField(field, dataset: dataset, path: path, now: now)
    }

    public func setTraceFields(_ fields: TraceFields?, dataset: String, now: Int64) throws {
        try StoreWriter.setTraceFields(fields, dataset: dataset, path: path, now: now)
    }

    /// Removes the dataset in one transaction: finished when it returns.
    public func removeDataset(_ name: String) throws -> DatasetRemoval {
        DatasetRemoval(events: try EventStore.dropDataset(name, path: path))
    }
}
