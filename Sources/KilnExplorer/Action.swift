import KilnStore
import KilnCore
import KilnTerminal

/// Something that happened: a key, a resize, the clock, new data.
public enum Action: Equatable {
    /// A key (or mouse event) arrived.
    case keyPressed(Key)
    /// The terminal changed size.
    case resized(TerminalSize)
    /// Time passed; `now` is the wall clock in ns.
    case tick(now: Int64)
    /// The table grew to `totalRows` rows (new events from a writer).
    case dataRefreshed(totalRows: Int, now: Int64)
    /// The dataset (given on the command line or picked in the picker) is loaded into the
    /// model; `lastWrite` is when the store was last written (ns), if known.
    case datasetLoaded(name: String, markers: [Marker], now: Int64, lastWrite: Int64? = nil)
    /// The store's other datasets were searched for the spans of a trace (see ``ExplorerModel/findTrace(_:using:mainDataset:)``).
    case traceSearched(String)
    /// The store's SLOs were read (for the SLO list).
    /// `counts`: each SLO's counts over its windows (``Explorer/sloWindows(_:at:)``), by name,
    /// read from the store; an SLO without them is counted over the events in memory.
    case slosLoaded([SLODefinition], counts: [String: [GoodCount]] = [:])
    /// The counts of an SLO over ``SLOAlertOnset/windows(at:)`` of `times` (for the alert
    /// markers of the SLO on the heatmap).
    case sloAlertsCounted(name: String, times: [Int64], counts: [GoodCount])
    /// An effect failed; shown in the status line.
    case failed(String)
    /// The window being loaded has `loaded` of its `total` events in.
    case loadProgress(loaded: Int, total: Int)
    /// The model now holds the events of `window`.
    case windowLoaded(TimeWindow, now: Int64)
    /// The dataset's markers as the store holds them now, and its version field.
    case markersLoaded([Marker], versionField: String)
}

/// Something the run loop should do: the only way update reaches the outside world.
public enum Effect: Equatable {
    /// End the explorer.
    case quit
    /// Turn mouse reporting on or off.
    case setMouse(Bool)
    /// Load this dataset into the model, then send ``Action/datasetLoaded(name:markers:now:lastWrite:)``.
    case loadDataset(String)
    /// Find the spans of this trace in the store's other datasets, then send ``Action/traceSearched(_:)``.
    case findTrace(String)
    /// Load this time window of the dataset in the background, then swap it into the model and
    /// send ``Action/windowLoaded(_:now:)`` (with ``Action/loadProgress(loaded:total:)`` meanwhile).
    case loadWindow(TimeWindow)
    /// Stop the window being loaded.
    case cancelLoad
    /// Read the store's SLOs, then send ``Action/slosLoaded(_:)``.
    case loadSLOs
    /// Count an SLO over ``SLOAlertOnset/windows(at:)`` of `times` in the store, then send
    /// ``Action/sloAlertsCounted(name:times:counts:)``.
    case countSLOAlerts(SLODefinition, times: [Int64])
}
