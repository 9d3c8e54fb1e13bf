/// What `kiln datasets` lists.
public struct DatasetInfo: Sendable, Equatable {
    /// Dataset name.
    public var name: String
    /// Number of events.
    public var events: Int64
    /// Earliest and latest event time (ns), nil when empty.
    public var minTime: Int64?
    /// Latest event time (ns).
    public var maxTime: Int64?
    /// Bytes its chunks and dictionaries take in the file.
    public var bytes: Int64
    /// Number of fields.
    public var fieldCount: Int

    /// Makes a description.
    public init(name: String, events: Int64, minTime: Int64?, maxTime: Int64?, bytes: Int64, fieldCount: Int) {
        self.name = name
        self.events = events
        self.minTime = minTime
        self.maxTime = maxTime
        self.bytes = bytes
        self.fieldCount = fieldCount
    }
}

/// What `kiln fields` lists.
public struct FieldInfo: Sendable, Equatable {
    /// Field name.
    public var name: String
    /// Kinds of value seen, most common first (`string`, `int`, `float`, `bool`).
    public var kinds: [ValueKind]
    /// Exact number of distinct values.
    public var distinct: Int64
    /// How many events have the field.
    public var present: Int64

    /// Makes a description.
    public init(name: String, kinds: [ValueKind], distinct: Int64, present: Int64) {
        self.name = name
        self.kinds = kinds
        self.distinct = distinct
        self.present = present
    }
}

/// What a dataset's field limits dropped (see `kiln fields`): fields past the dataset's
/// limit on distinct fields, or with a name longer than the limit on name length.
public struct DroppedFields: Sendable, Equatable {
    /// Distinct field names dropped (exact up to ``exactNames``, then counted once per commit).
    public var names: Int64
    /// Events that lost at least one field.
    public var events: Int64
    /// Field values dropped.
    public var values: Int64
    /// Up to how many names the count is exact.
    public static let exactNames: Int64 = 100_000

    /// Makes a count.
    public init(names: Int64 = 0, events: Int64 = 0, values: Int64 = 0) {
        self.names = names
        self.events = events
        self.values = values
    }
}

/// A marker drawn on the time axis (deploys and the like).
public struct Marker: Sendable, Equatable {
    /// Start time, ns.
    public var start: Int64
    /// End time, ns (nil for an instant).
    public var end: Int64?
    /// Text.
    public var message: String
    /// Kind, e.g. `deploy`.
    public var type: String
    /// A link.
    public var url: String?
    /// The store's id of the marker (nil before it is stored).
    public var id: Int64?
    /// True for deploy markers Kiln recorded itself when a new version appeared.
    public var automatic: Bool

    /// Makes a marker.
    public init(start: Int64, end: Int64? = nil, message: String, type: String, url: String? = nil, id: Int64? = nil,
                automatic: Bool = false) {
        self.start = start
        self.end = end
        self.message = message
        self.type = type
        self.url = url
        self.id = id
        self.automatic = automatic
    }
}
