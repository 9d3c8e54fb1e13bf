import KilnCore
import KilnStore
import KilnTerminal

/// The view `kiln explore --view` opens.
public enum StartView: String, Sendable, CaseIterable {
    /// The heatmap (the default); `bubbleup`, `events`, `event` need `--select`; `trace` opens
    /// `--trace ID` or the first selected event's trace.
    case heatmap, bubbleup, events, event, trace
}

/// How to open the explorer: the store, the dataset, and the state to start in (a terminal
/// "permalink": `--select 'duration_ms >= 900' --view bubbleup` opens that BubbleUp).
public struct ExplorerConfiguration: Sendable {
    /// Path of the store file (with a ClickHouse source: its URL without the password, for messages).
    public var storePath: String
    /// The most bytes the events held may take (`--memory`): a wider range holds its newest part.
    public var memoryBudget: Int64
    /// Dataset; nil picks the only one, or shows a picker.
    public var dataset: String?
    /// Time range; nil: the last 2 hours when data is arriving, else the whole span.
    public var range: TimeRange?
    /// Scope filters (`--where`).
    public var filters: [Filter]
    /// Selection filters (`--select`).
    public var selection: [Filter]
    /// View to open.
    public var view: StartView
    /// Trace to open (`--trace`).
    public var traceID: String?
    /// Heatmap field.
    public var field: String
    /// Theme.
    public var theme: Theme
    /// Colour depth choice.
    public var color: ColorChoice
    /// Glyph choice.
    public var glyphs: CursesTerminal.GlyphChoice
    /// Whether the mouse starts on.
    public var mouse: Bool
    /// The `--db` that `y`'s command line names (without a password); nil for the default store.
    public var shareDB: String?

    /// Makes a configuration; everything but the store has a default.
    public init(storePath: String, dataset: String? = nil, range: TimeRange? = nil, filters: [Filter] = [], selection: [Filter] = [],
                view: StartView = .heatmap, traceID: String? = nil, field: String = FieldName.duration,
                theme: Theme = ThemeLoader.builtInDefault, color: ColorChoice = .auto, glyphs: CursesTerminal.GlyphChoice = .auto,
                mouse: Bool = false, memoryBudget: Int64 = MemoryBudget.defaultBytes) {
        self.memoryBudget = memoryBudget
        self.storePath = storePath
        self.dataset = dataset
        self.range = range
        self.filters = filters
        self.selection = selection
        self.view = view
        self.traceID = traceID
        self.field = field
        self.theme = theme
        self.color = color
        self.glyphs = glyphs
        self.mouse = mouse
    }
}

/// The error type of KilnExplorer: what went wrong before the explorer could start.
public struct ExplorerError: Error, CustomStringConvertible, Sendable {
    /// What kind of failure.
    public enum Code: Sendable { case store, noData, terminal, badArgument }
    /// What kind of failure.
    public var code: Code
    /// What a user reads.
    public var message: String

    /// Makes an error.
    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    /// The message.
    public var description: String { message }
}
