import KilnCore
import KilnStore
import KilnTerminal

/// The whole truth of the explorer's screen as plain data: the view stack, the query, each
/// view's cursor and the results it shows.
///
/// Changed only by ``Explorer/update(_:_:model:)``; drawn by ``Explorer/render(_:model:into:)``.
/// The events themselves live in the ``ExplorerModel`` beside it.
public struct ExplorerState: Equatable {
    /// The terminal size to lay out for.
    public var size: TerminalSize
    /// Unicode or ASCII glyphs.
    public var glyphs: GlyphSet
    /// The dataset shown.
    public var dataset: String
    /// The `--db` that `y`'s command line names; nil for the default store.
    public var shareDB: String?
    /// Views from the root (heatmap or dataset picker) to the one on screen.
    public var stack: [Screen]
    /// What is looked at: filters, time range, heatmap field.
    public var query: QueryState
    /// The root heatmap: its data and cursor.
    public var heat: HeatmapState
    /// Whether the views follow new data (`LIVE`, or `IDLE` while none arrives) or hold still
    /// (`PAUSED`).
    public var live: Bool
    /// Wall-clock time (ns) of the last sign that events are arriving: a refresh that found
    /// new ones, or a store written to shortly before it was opened; nil when none was seen.
    public var lastArrival: Int64?
    /// Rows of the table the views look at (rows arrive in order, so a prefix is a snapshot).
    public var visibleRows: Int
    /// Rows in the table, counting those not shown yet while paused.
    public var totalRows: Int
    /// The wall clock, from the last tick (ns).
    public var now: Int64
    /// The `:` prompt, when open.
    public var prompt: PromptState?
    /// Commands typed before, oldest first.
    public var history: [String]
    /// The help overlay, when open (its scroll offset).
    public var help: Int?
    /// A value shown whole over the view (`w`), when open.
    public var value: ValueState?
    /// Whether mouse reporting is on.
    public var mouse: Bool
    /// The status line's message.
    public var message: Message?
    /// Set once the explorer should end.
    public var quitting: Bool
    /// Whether any event is weighted by a sample rate.
    public var sampled: Bool
    /// Markers (deploys) of the dataset.
    public var markers: [Marker]
    /// The field whose values are the dataset's versions (`kiln marker version-field`).
    public var versionField: String = StoreNames.versionField
    /// The time range asked for on the command line (nil: the default), applied when a
    /// dataset picked in the picker is loaded.
    public var requestedRange: TimeRange?
    /// The time window of the events held in the model (see ``Explorer/windowToLoad(_:model:)``).
    public var loadedWindow: TimeWindow = .all
    /// When only the newest part of the range fit the memory budget: its oldest event.
    public var heldFrom: Int64?
    /// The range shown when that window was loaded (where `Esc` goes back to while loading).
    public var loadedRange: TimeRange = .all
    /// The window being loaded in the background, if any.
    public var loading: LoadingState?
    /// Filters to restore when the view at a stack depth is left (`=` on a BubbleUp value
    /// pushes a filtered heatmap; `q` comes back to the BubbleUp and its scope).
    public var savedFilters: [Int: [Filter]] = [:]
    /// The dataset picker a dataset was chosen from: `q` on that dataset's heatmap returns to it.
    public var picker: PickerState?
    /// Time ranges zoomed in from, innermost last (`z` pushes, `Z` pops).
    public var zoomStack: [TimeRange] = []

    /// The view on screen.
    public var top: Screen { stack.last ?? .heatmap }

    /// Whether drawing this state gives the same frame as `other`: equal but for the clock,
    /// whose passing shows only in `LIVE`/`IDLE` and in "ago" texts (redrawn once a minute).
    /// Lets the run loop skip rendering on every tick while idle.
    public func drawsSame(as other: ExplorerState) -> Bool {
        guard arriving == other.arriving, now / 60_000_000_000 == other.now / 60_000_000_000 else { return false }
        var a = self, b = other
        a.now = 0
        b.now = 0
        return a == b
    }

    /// Whether events are arriving: some arrived within ``Explorer/arrivalWindow`` of the clock.
    public var arriving: Bool {
        guard let lastArrival else { return false }
        return now &- lastArrival <= Explorer.arrivalWindow && lastArrival &- now <= Explorer.arrivalWindow
    }

    /// Makes the first state: the heatmap (or a dataset picker when `datasets` is given).
    public init(size: TerminalSize, glyphs: GlyphSet, dataset: String, query: QueryState, now: Int64,
                live: Bool = true, picker: [DatasetInfo]? = nil) {
        self.size = size
        self.glyphs = glyphs
        self.dataset = dataset
        self.stack = picker.map { [.picker(PickerState(datasets: $0))] } ?? [.heatmap]
        self.query = query
        self.heat = HeatmapState()
        self.live = live
        self.lastArrival = nil
        self.visibleRows = 0
        self.totalRows = 0
        self.now = now
        self.prompt = nil
        self.history = []
        self.help = nil
        self.mouse = false
        self.message = nil
        self.quitting = false
        self.sampled = false
        self.markers = []
        self.requestedRange = nil
    }
}

/// A line for the status bar.
public struct Message: Equatable, Sendable {
    /// How it should look.
    public enum Kind: Equatable, Sendable { case info, error }
    /// The text.
    public var text: String
    /// Info or error.
    public var kind: Kind

    /// An informational message.
    public static func info(_ text: String) -> Message { Message(text: text, kind: .info) }
    /// An error message.
    public static func error(_ text: String) -> Message { Message(text: text, kind: .error) }
}

/// The time range of the query.
public enum TimeRange: Equatable, Sendable {
    /// Everything in the dataset.
    case all
    /// The last `nanoseconds` up to now (follows the clock while live).
    case last(Int64)
    /// A fixed window, `to` exclusive.
    case between(Int64, Int64)
}

/// What the views look at: the scope's filters and time range and the heatmap's field.
public struct QueryState: Equatable, Sendable {
    /// Filters every event in scope passes (AND).
    public var filters: [Filter]
    /// The time range.
    public var range: TimeRange
    /// The numeric field of the heatmap.
    public var field: String
    /// True: the root view is a count histogram (events per round time bucket, errors marked)
    /// instead of a heatmap of ``field``; for datasets without a duration.
    public var histogram = false

    /// Makes a query.
    public init(filters: [Filter] = [], range: TimeRange = .all, field: String = FieldName.duration) {
        self.filters = filters
        self.range = range
        self.field = field
    }
}

/// A cell of the heatmap: time bucket (column) and value bucket (row, 0 at the bottom).
public struct GridPoint: Equatable, Hashable, Sendable {
    /// Time bucket.
    public var t: Int
    /// Value bucket, 0 the lowest.
    public var v: Int

    /// Makes a point.
    public init(t: Int, v: Int) {
        self.t = t
        self.v = v
    }
}

/// The root heatmap: the computed heatmap, the window it covers and the cursor/box.
public struct HeatmapState: Equatable {
    /// The heatmap on screen; nil before the first computation.
    public var map: Heatmap?
    /// Events in scope (weighted), and the rows in scope.
    public var scopeEvents: Int64 = 0
    /// Events in the dataset (weighted) among the visible rows.
    public var totalEvents: Int64 = 0
    /// The newest event time among the visible rows, if any.
    public var newest: Int64?
    /// The cursor cell.
    public var cursor = GridPoint(t: 0, v: 0)
    /// Failed events per time column (weighted): `error = true` or an HTTP status of 500 or
    /// more; empty when the dataset records neither.
    public var errors: [Int64] = []
    /// The anchored corner of the box being drawn, if any.
    public var anchor: GridPoint?
    /// Whether the mouse is dragging a box.
    public var dragging = false
    /// What the `a` key said about the box it proposed (`unseen elsewhere`: nothing as slow in
    /// the rest of the window; `6.2× the usual rate`), shown while that box stands.
    public var proposal: String?
    /// The SLO laid over the heatmap (its bad events and alerts), if one was opened.
    public var slo: SLOHeatmapState?
    /// What the heatmap was computed from (to know when to compute again).
    var key: HeatmapKey?

    /// The box from the anchor to the cursor (or the cursor cell alone).
    public var box: (time: Range<Int>, value: Range<Int>) {
        let a = anchor ?? cursor
        return (min(a.t, cursor.t)..<(max(a.t, cursor.t) + 1), min(a.v, cursor.v)..<(max(a.v, cursor.v) + 1))
    }
}

/// What a heatmap depends on.
struct HeatmapKey: Equatable {
    var query: QueryState
    var from: Int64
    var to: Int64
    var columns: Int
    var rows: Int
    var visibleRows: Int
}

/// One view of the stack.
public enum Screen: Equatable {
    /// The heatmap (root); its state is ``ExplorerState/heat``.
    case heatmap
    /// BubbleUp of a selection.
    case bubbleUp(BubbleUpState)
    /// A table of raw events.
    case events(EventsState)
    /// One event, every field.
    case event(EventState)
    /// One trace as a tree of spans.
    case trace(TraceState)
    /// A GROUP BY table.
    case groups(GroupsState)
    /// The dataset picker (root when the store has several datasets).
    case picker(PickerState)
    /// Two versions compared.
    case compare(CompareState)
    /// The versions in scope.
    case versions(VersionsState)
    /// The dataset's markers.
    case markers(MarkersState)
    /// The SLO list.
    case slo(SLOListState)
    /// The services table.
    case services(ServicesListState)
    /// The service map.
    case serviceMap(ServiceMapState)

    /// The breadcrumb parts this view adds.
    var crumbs: [String] {
        switch self {
        case .heatmap: return ["heatmap"]
        case .bubbleUp(let b): return [b.crumb, "BubbleUp"]
        case .events(let e): return [e.showingBaseline ? "baseline events" : "events"]
        case .event: return ["event"]
        case .trace: return ["trace"]
        case .groups(let g): return ["group by " + g.field]
        case .picker: return ["datasets"]
        case .compare: return ["compare"]
        case .versions: return ["versions"]
        case .markers: return ["markers"]
        case .slo: return ["SLOs"]
        case .services: return ["services"]
        case .serviceMap: return ["service map"]
        }
    }
}

/// Which pane has the keyboard.
public enum Pane: Equatable, Sendable { case fields, values }

/// An entry of BubbleUp's field list.
public enum BubbleUpEntry: Equatable, Sendable {
    /// A ranked field (index into the result's dimensions).
    case dimension(Int)
    /// The combinations section.
    case combinations
    /// The ID-like fields section.
    case idLike
}

/// The BubbleUp view: a result and where the cursors are.
public struct BubbleUpState: Equatable {
    /// First breadcrumb part: `selection` or `group service.name = cart`.
    public var crumb: String
    /// Describes the selection for the summary line.
    public var title: String
    /// The events selected (within the scope).
    public var selection: EventSelection
    /// The result.
    public var result: BubbleUpResult
    /// The field list.
    public var entries: [BubbleUpEntry]
    /// Cursor in the field list, and its first visible line.
    public var fieldCursor = 0
    /// First visible line of the field list.
    public var fieldScroll = 0
    /// Cursor among the values of the current entry, and its first visible line.
    public var valueCursor = 0
    /// First visible line of the values.
    public var valueScroll = 0
    /// The focused pane.
    public var focus = Pane.fields

    /// The entry under the cursor.
    var entry: BubbleUpEntry? { entries.indices.contains(fieldCursor) ? entries[fieldCursor] : nil }
}

/// Sort order of the events table.
public struct EventSort: Equatable, Sendable {
    /// Column index (0 is time).
    public var column: Int
    /// Largest first.
    public var descending: Bool
}

/// The events table.
public struct EventsState: Equatable {
    /// Describes which events these are.
    public var title: String
    /// The selection's events (within the scope).
    public var selection: EventSelection
    /// Extra filters both sides share (a BubbleUp value).
    public var having: [Filter]
    /// Whether the baseline side is shown (the scope minus the selection).
    public var showingBaseline = false
    /// Whether a baseline exists to switch to.
    public var hasBaseline = true
    /// The rows shown, in display order.
    public var rows: [UInt32]
    /// Rows matched before the table was capped (rows keeps the newest).
    public var matched: Int
    /// The field columns after time (time is column 0).
    public var columns: [String]
    /// Fields BubbleUp ranked high (marked in the event view).
    public var flagged: [String]
    /// Cursor row and first visible row.
    public var cursor = 0
    /// First visible line.
    public var scroll = 0
    /// Highlighted column (0 is time) and the first visible field column.
    public var column = 0
    /// First field column shown after the time column.
    public var columnOffset = 0
    /// Sort order; nil is newest first.
    public var sort: EventSort?
    /// The last search, if any.
    public var search: String?
}

/// One event's fields.
public struct EventState: Equatable {
    /// Where the event is: nil for the main dataset, else another dataset's name.
    public var source: String?
    /// Its row.
    public var row: Int
    /// Fields BubbleUp ranked high.
    public var flagged: [String]
    /// Cursor line and first visible line.
    public var cursor = 0
    /// First visible line.
    public var scroll = 0
}

/// A span of a trace, flattened in tree order.
public struct TraceSpan: Equatable, Sendable {
    /// nil for the main dataset, else the dataset holding the span.
    public var source: String?
    /// Row in its table.
    public var row: Int
    /// Span name.
    public var name: String
    /// Service name.
    public var service: String
    /// Start, ns.
    public var start: Int64
    /// Duration in ms (0 when unknown).
    public var durationMs: Double
    /// Depth in the tree.
    public var depth: Int
    /// Tree prefix drawn before the name (`│  ├─ `).
    public var prefix: String
    /// Whether the span failed.
    public var isError: Bool
    /// Whether its parent is missing.
    public var isOrphan: Bool
    /// Its span id.
    public var spanID: String
    /// Self time in ms: its duration less the time covered by its children (overlapping
    /// children counted once), never below 0.
    public var selfMs: Double = 0
    /// Spans below it hidden because it is collapsed (0 when expanded).
    public var hidden = 0

    /// Identifies the span across rebuilds of the trace (its dataset and row).
    var key: String { (source ?? "") + "\u{1}" + String(row) }
}

/// The trace view.
public struct TraceState: Equatable {
    /// The trace id.
    public var traceID: String
    /// The spans shown, in tree order: every span but those under a collapsed one.
    public var spans: [TraceSpan]
    /// Every span of the trace, in tree order.
    public var allSpans: [TraceSpan] = []
    /// The collapsed spans (``TraceSpan/key``): their subtrees are hidden.
    public var collapsed: Set<String> = []
    /// Whether other datasets were searched too.
    public var searchedAll: Bool
    /// Cursor and first visible span.
    public var cursor = 0
    /// First visible line.
    public var scroll = 0
    /// The span to put the cursor on once built (the event it was opened from).
    public var focusRow: Int?
    /// The dataset of that span (nil: the main one).
    public var focusSource: String?
    /// The last `/` search (span names and services), whose matches are highlighted.
    public var search: String?
}

/// A GROUP BY table.
public struct GroupsState: Equatable {
    /// The field grouped by.
    public var field: String
    /// Groups: value (nil = absent), weighted count, P99 of the heatmap field.
    public var groups: [GroupRow]
    /// Cursor and first visible row.
    public var cursor = 0
    /// First visible line.
    public var scroll = 0
    /// The order of the groups (`s` cycles through them).
    public var order: GroupOrder = .count
    /// The last `/` search, whose matches are highlighted.
    public var search: String?
}

/// How the group-by table is ordered.
public enum GroupOrder: Equatable, Sendable, CaseIterable {
    /// Most events first.
    case count
    /// By value, smallest first (numbers numerically, absent last).
    case value
    /// Largest P99 first (groups without one last).
    case p99

    /// The header's name of the order.
    var label: String {
        switch self {
        case .count: return "COUNT desc"
        case .value: return "value asc"
        case .p99: return "P99 desc"
        }
    }
}

/// One group.
public struct GroupRow: Equatable, Sendable {
    /// The value (nil when the field is absent).
    public var value: Value?
    /// Events.
    public var count: Int64
    /// P99 of the heatmap field, if numeric.
    public var p99: Double?
}

/// The dataset picker.
public struct PickerState: Equatable {
    /// Datasets of the store.
    public var datasets: [DatasetInfo]
    /// Cursor.
    public var cursor = 0
}

/// The `:` prompt.
public struct PromptState: Equatable {
    /// The text typed.
    public var text = ""
    /// Cursor position in characters.
    public var cursor = 0
    /// The error of the last attempt, shown under the prompt.
    public var error: String?
    /// Where in the text the error is (a caret is drawn under it).
    public var errorColumn: Int?
    /// Position in history while browsing with Up/Down.
    public var historyIndex: Int?
    /// Completions offered by the last Tab.
    public var completions: [String] = []
    /// `/` search instead of a command.
    public var isSearch = false
}
