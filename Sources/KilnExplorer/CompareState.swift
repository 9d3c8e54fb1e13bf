import KilnCore

/// The compare view: two versions (or the windows around a marker), each metric before and
/// after, the verdict, and where the change is.
public struct CompareState: Equatable {
    /// What is compared, for the summary line (`service.version 3.4.0 → 3.6.0`).
    public var title: String
    /// The field telling the versions apart.
    public var field: String
    /// The comparison.
    public var result: CompareResult
    /// The time windows of a marker comparison (before, after), nil for versions.
    public var windows: (before: Range<Int64>, after: Range<Int64>)?
    /// Cursor in the `where` list, and its first visible row.
    public var cursor = 0
    /// First visible row of the `where` list.
    public var scroll = 0
    /// The query to return to when the group heatmap opened from a `where` row is left.
    public var savedQuery: QueryState?
    /// Filters the comparison added to the scope (a deploy marker's service).
    public var filters: [Filter] = []

    /// Makes the state of a comparison.
    public init(title: String, field: String, result: CompareResult, windows: (before: Range<Int64>, after: Range<Int64>)? = nil) {
        self.title = title
        self.field = field
        self.result = result
        self.windows = windows
    }

    public static func == (a: CompareState, b: CompareState) -> Bool {
        a.title == b.title && a.field == b.field && a.result == b.result && a.windows?.before == b.windows?.before
            && a.windows?.after == b.windows?.after && a.cursor == b.cursor && a.scroll == b.scroll && a.savedQuery == b.savedQuery
            && a.filters == b.filters
    }
}

/// The `:versions` table: every value of the version field in scope.
public struct VersionsState: Equatable {
    /// The field.
    public var field: String
    /// The metric of the P50 and P99 columns.
    public var metric: String
    /// Its values, first seen first.
    public var versions: [VersionSummary]
    /// Cursor and first visible row.
    public var cursor = 0
    /// First visible row.
    public var scroll = 0
}

/// The `M` list of the dataset's markers.
public struct MarkersState: Equatable {
    /// The markers, in time order.
    public var markers: [Marker]
    /// Cursor and first visible row.
    public var cursor = 0
    /// First visible row.
    public var scroll = 0
}
