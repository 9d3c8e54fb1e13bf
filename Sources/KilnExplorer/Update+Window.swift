import KilnCore
import KilnStore

/// The part of the dataset held in memory: the time window loaded, and loading another.
///
/// The explorer holds the events of one time window (``ExplorerState/loadedWindow``), never
/// the whole dataset. A time range outside it asks the run loop to load a wider window
/// (``Effect/loadWindow(_:)``); a range much narrower asks for a narrower one, so memory goes
/// back. Loading runs beside the keys: the status line shows its progress, `Esc` cancels it
/// and `q` quits.
extension Explorer {
    /// A dataset with more events than this opens on the last 2 hours of its data when nobody
    /// writes to it (smaller ones open on their whole span).
    public static let largeDataset: Int64 = 1_000_000

    /// Two hours in ns.
    static let twoHours: Int64 = 2 * 3_600 * 1_000_000_000

    /// The range to open `info` on: the one asked for; the last 2 hours while data arrives
    /// (the store written within a minute and its newest event within 10 minutes of `now`); the
    /// last 2 hours of the data when the dataset is large (``largeDataset``); else all of it.
    public static func openingRange(_ info: DatasetInfo, requested: TimeRange?, now: Int64, lastWrite: Int64?) -> TimeRange {
        if let requested { return requested }
        guard let newest = info.maxTime else { return .last(twoHours) }
        let arriving = lastWrite.map { now &- $0 <= arrivalWindow && $0 &- now <= arrivalWindow } ?? false
        if arriving && newest >= now &- recentData && newest <= now &+ recentData { return .last(twoHours) }
        guard info.events > largeDataset, let oldest = info.minTime, newest &- oldest > twoHours else { return .all }
        return .between(newest &- twoHours &+ 1, newest &+ 1)
    }

    /// The window to load so that `range` can be shown at `now` (and later, for a `last`
    /// range that follows the clock): a `last` range gets an eighth of its span and a minute
    /// before it as a margin, since the heatmap's first column starts up to a column earlier.
    public static func loadWindow(for range: TimeRange, now: Int64) -> TimeWindow {
        switch range {
        case .all:
            return .all
        case .between(let a, let b):
            return TimeWindow(from: a, to: b)
        case .last(let d):
            let margin = d / 8 &+ 60 * 1_000_000_000
            let (from, overflow) = now.subtractingReportingOverflow(d &+ margin)
            return TimeWindow(from: overflow ? nil : from, to: nil)
        }
    }

    /// The window to load instead of the one held, or nil to keep it: a range reaching outside
    /// the loaded window needs a wider one; a range that covers less than a third of the loaded
    /// events' span gets a narrower one (memory goes back).
    static func windowToLoad(_ state: ExplorerState, model: ExplorerModel) -> TimeWindow? {
        let wanted = loadWindow(for: state.query.range, now: state.now)
        guard state.loadedWindow.contains(wanted) else { return wanted }
        guard wanted != state.loadedWindow, let bounds = model.timeBounds(visibleRows: model.table.count) else { return nil }
        func extent(_ w: TimeWindow) -> Double {
            let lo = max(w.lowerBound, bounds.0), hi = min(w.upperBound, bounds.1)
            return hi > lo ? Double(hi) - Double(lo) : 0
        }
        let held = extent(state.loadedWindow)
        return held > 0 && extent(wanted) * 3 < held ? wanted : nil
    }

    /// After the range changed: asks for another window when the loaded one does not fit.
    static func reloadIfNeeded(_ state: inout ExplorerState, model: ExplorerModel) -> [Effect] {
        guard model.readsWindows, let window = windowToLoad(state, model: model) else { return [] }
        if let loading = state.loading, loading.window == window { return [] }
        state.loading = LoadingState(window: window, previousRange: state.loading?.previousRange ?? state.loadedRange)
        return [.loadWindow(window)]
    }

    /// `Esc` while a window loads: stop, and go back to the range the loaded window shows.
    static func cancelLoading(_ state: inout ExplorerState, model: ExplorerModel) -> [Effect] {
        guard let loading = state.loading else { return [] }
        state.loading = nil
        state.query.range = loading.previousRange
        rescope(&state, model: model)
        state.message = .info("loading cancelled; the range is back to what was loaded")
        return [.cancelLoad]
    }

    /// Progress of the window being loaded.
    static func loadProgress(_ state: inout ExplorerState, loaded: Int, total: Int) {
        guard state.loading != nil else { return }
        state.loading?.loaded = loaded
        state.loading?.total = total
    }

    /// The window asked for is in the model: the views start again on it.
    static func windowLoaded(_ state: inout ExplorerState, window: TimeWindow, now: Int64, model: ExplorerModel) {
        state.loading = nil
        state.loadedWindow = window
        state.loadedRange = state.query.range
        state.now = now
        state.totalRows = model.table.count
        state.visibleRows = model.table.count
        state.sampled = model.table.isSampled
        noteHeldPart(&state, model: model)
        rescope(&state, model: model)
    }

    /// Says so when only the newest part of the range fit the memory budget (`--memory`).
    static func noteHeldPart(_ state: inout ExplorerState, model: ExplorerModel) {
        state.heldFrom = nil
        guard var from = model.heldFrom else { return }
        // The oldest event held says it best (the window may start in a gap before it).
        if let bounds = model.timeBounds(visibleRows: model.table.count) { from = max(from, bounds.0) }
        state.heldFrom = from
        state.message = .info("the memory budget holds the events from \(Format.date(from)) \(Format.clock(from)) UTC on (--memory raises it)")
    }
}

/// A window being loaded in the background.
public struct LoadingState: Equatable, Sendable {
    /// The window asked for.
    public var window: TimeWindow
    /// The range to go back to when loading is cancelled.
    public var previousRange: TimeRange
    /// Events read so far.
    public var loaded = 0
    /// Events to read.
    public var total = 0

    /// Makes the state of a load just started.
    public init(window: TimeWindow, previousRange: TimeRange) {
        self.window = window
        self.previousRange = previousRange
    }
}
