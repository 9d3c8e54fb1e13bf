/// What the commands write besides events: SLO definitions, markers, a dataset's settings, and
/// the removal of a dataset. Implemented by the embedded store (tables in its file) and by
/// ClickHouse (small tables of their own), so that `kiln slo`, `kiln marker` and
/// `kiln datasets` work the same on both.
///
/// Reads of markers and settings go through ``EventBackend`` (`markers(dataset:)`,
/// `versionField(dataset:)`, `traceFields(dataset:)`); this protocol holds the writes and the
/// SLO list, which no analysis needs.
public protocol MetadataStore: AnyObject {
    /// Every SLO, by name; empty when there is none yet.
    func slos() throws -> [SLODefinition]

    /// Adds `slo`; fails when an SLO of that name exists.
    func addSLO(_ slo: SLODefinition, now: Int64) throws

    /// Removes the SLO `name`; false when there was none.
    func removeSLO(named name: String) throws -> Bool

    /// Adds `marker` to `dataset` (registered when missing); returns its id.
    func addMarker(_ marker: Marker, dataset: String, now: Int64) throws -> Int64

    /// Removes the marker `id`; false when there was none.
    func removeMarker(id: Int64) throws -> Bool

    /// Sets the field whose new values mark deploys in `dataset`.
    func setVersionField(_ field: String, dataset: String, now: Int64) throws

    /// Sets the fields `dataset`'s spans keep their trace in (nil: the standard ones).
    func setTraceFields(_ fields: TraceFields?, dataset: String, now: Int64) throws

    /// Removes `dataset` with its events, fields, markers and settings.
    func removeDataset(_ name: String) throws -> DatasetRemoval
}

/// What removing a dataset did.
public struct DatasetRemoval: Sendable, Equatable {
    /// The events the dataset held.
    public var events: Int64
    /// False when the events are still being deleted in the background (the dataset is gone
    /// from every list at once; its space is freed later).
    public var finished: Bool

    /// Makes a report.
    public init(events: Int64, finished: Bool = true) {
        self.events = events
        self.finished = finished
    }
}
