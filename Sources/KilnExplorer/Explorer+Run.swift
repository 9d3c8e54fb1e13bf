#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import KilnCore
import KilnStore
import KilnTerminal

extension Explorer {
    /// How often the store is asked for new events (and the clock ticks), in milliseconds.
    static let pollMilliseconds = 400

    /// Runs the explorer on the real terminal until the user quits; returns the exit status
    /// (0, or 2 when it could not start: no store, no data, `TERM=dumb`, not a terminal).
    /// Errors are printed to standard error before the terminal is touched.
    public static func run(configuration: ExplorerConfiguration) -> Int32 {
        do {
            let reader: StoreReader
            do {
                reader = try StoreReader(path: configuration.storePath)
            } catch {
                throw ExplorerError(code: .store, message: "\(error)")
            }
            let datasets: [DatasetInfo]
            do { datasets = try reader.datasets() } catch { throw ExplorerError(code: .store, message: "\(error)") }
            guard !datasets.isEmpty else {
                throw ExplorerError(code: .noData, message: "\(configuration.storePath) holds no datasets yet (try `kiln ingest FILE` or `kiln demo`)")
            }
            var picker: [DatasetInfo]? = nil
            var model = ExplorerModel(table: EventTable())
            var dataset = configuration.dataset ?? ""
            var markers: [Marker] = []
            if let wanted = configuration.dataset {
                guard datasets.contains(where: { $0.name == wanted }) else {
                    let known = datasets.map(\.name).joined(separator: ", ")
                    throw ExplorerError(code: .badArgument, message: "no dataset named \"\(Sanitizer.sanitize(wanted))\" in \(configuration.storePath) (known: \(Sanitizer.sanitize(known)))")
                }
            } else if datasets.count == 1 {
                dataset = datasets[0].name
            } else {
                picker = datasets
            }
            var opening = configuration.range
            if picker == nil, let info = datasets.first(where: { $0.name == dataset }) {
                let now = wallClock()
                let range = openingRange(info, requested: configuration.range, now: now, lastWrite: storeLastWrite(path: configuration.storePath))
                opening = range
                do {
                    model = ExplorerModel(loaded: try reader.load(dataset: dataset, window: loadWindow(for: range, now: now),
                                                                  budget: configuration.memoryBudget))
                    model.traceFields = try reader.traceFields(dataset: dataset)
                    markers = (try? reader.markers(dataset: dataset)) ?? []
                } catch {
                    throw ExplorerError(code: .store, message: "\(error)")
                }
            }
            let terminal: CursesTerminal
            do {
                terminal = try CursesTerminal.start(options: .init(theme: configuration.theme, color: configuration.color,
                                                                   glyphs: configuration.glyphs, mouse: configuration.mouse))
            } catch {
                throw ExplorerError(code: .terminal, message: error.description)
            }
            defer { terminal.shutdown() }
            let loop = RunLoop(terminal: terminal, reader: reader, model: model, configuration: configuration)
            loop.start(dataset: dataset, markers: markers, picker: picker, range: opening)
            loop.run()
            return 0
        } catch let error as ExplorerError {
            writeError("kiln explore: " + Sanitizer.sanitize(error.message))
            return 2
        } catch {
            writeError("kiln explore: \(error)")
            return 2
        }
    }

    static func writeError(_ text: String) {
        let line = text + "\n"
        _ = line.utf8CString.withUnsafeBufferPointer { p in
            write(2, p.baseAddress, max(0, p.count - 1))
        }
    }

    /// When the store at `path` was last written (ns since the epoch): the newer modification
    /// time of the file and its write-ahead log (`-wal`, where SQLite commits land first); nil
    /// when neither can be read.
    public static func storeLastWrite(path: String) -> Int64? {
        var newest: Int64?
        for file in [path, path + "-wal"] {
            var info = stat()
            guard stat(file, &info) == 0 else { continue }
            #if canImport(Darwin)
            let t = Int64(info.st_mtimespec.tv_sec) &* 1_000_000_000 &+ Int64(info.st_mtimespec.tv_nsec)
            #else
            let t = Int64(info.st_mtim.tv_sec) &* 1_000_000_000 &+ Int64(info.st_mtim.tv_nsec)
            #endif
            newest = max(newest ?? t, t)
        }
        return newest
    }

    /// Hands memory freed by dropped tables back to the system: glibc keeps it in its free
    /// lists otherwise (measured: 60 MB still resident after searching a 500k-event dataset for
    /// a trace). `malloc_trim` is not in Swift's Glibc module, so it is looked up at run time.
    static func returnFreedMemory() {
        #if canImport(Glibc)
        typealias Trim = @convention(c) (Int) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") else { return }
        _ = unsafeBitCast(symbol, to: Trim.self)(0)
        #endif
    }

    /// The wall clock in ns since the epoch.
    public static func wallClock() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }
}

/// The explorer's loop: owns the terminal, the store reader and the model; turns keys and
/// timers into actions and carries out effects. Usable with any ``Terminal`` (a
/// ``ScriptedTerminal`` in tests).
public final class RunLoop {
    let terminal: Terminal
    let reader: StoreReader?
    var model: ExplorerModel
    let configuration: ExplorerConfiguration
    /// The current state (tests read it).
    public private(set) var state: ExplorerState
    var clock: () -> Int64

    /// Makes a loop. `reader` is nil for an in-memory model (no refresh, no other datasets).
    public init(terminal: Terminal, reader: StoreReader?, model: ExplorerModel, configuration: ExplorerConfiguration,
                clock: @escaping () -> Int64 = Explorer.wallClock) {
        self.terminal = terminal
        self.reader = reader
        self.model = model
        self.configuration = configuration
        self.clock = clock
        self.state = ExplorerState(size: terminal.size, glyphs: terminal.glyphs, dataset: "", query: QueryState(), now: clock())
    }

    var pending: [Effect] = []

    /// When the store was last written, if there is one.
    func lastWrite() -> Int64? {
        reader.flatMap { Explorer.storeLastWrite(path: $0.path) }
    }

    /// Builds the first state: the picker, or the dataset's heatmap and the permalink's views.
    /// `range` is the range to open on (see ``Explorer/openingRange(_:requested:now:lastWrite:)``),
    /// nil for the configuration's.
    public func start(dataset: String, markers: [Marker], picker: [DatasetInfo]?, range: TimeRange? = nil) {
        let query = QueryState(filters: configuration.filters, range: .all, field: configuration.field)
        let now = clock()
        if let picker {
            state = ExplorerState(size: terminal.size, glyphs: terminal.glyphs, dataset: "", query: query, now: now, picker: picker)
            state.requestedRange = configuration.range
            return
        }
        state = Explorer.makeState(size: terminal.size, glyphs: terminal.glyphs, dataset: dataset, model: model, query: query,
                                   requestedRange: range ?? configuration.range, now: now, markers: markers, lastWrite: lastWrite())
        state.mouse = terminal.isMouseEnabled
        sendMarkers()
        pending += Explorer.open(&state, view: configuration.view, selection: configuration.selection, traceID: configuration.traceID,
                                 model: model)
    }

    func send(_ action: Action) {
        pending += Explorer.update(&state, action, model: model)
    }

    /// Carries out effects; false once the explorer should end.
    func perform() -> Bool {
        while !pending.isEmpty {
            let effect = pending.removeFirst()
            switch effect {
            case .quit:
                windowLoad?.cancel()
                windowLoad = nil
                return false
            case .loadWindow(let window):
                startLoading(window)
            case .cancelLoad:
                windowLoad?.cancel()
                windowLoad = nil
            case .setMouse(let on):
                terminal.setMouseEnabled(on)
            case .loadDataset(let name):
                guard let reader else { continue }
                // Loading takes a while: show "loading …" first.
                drawIfChanged()
                do {
                    let now = clock()
                    var range = configuration.range
                    if let info = try reader.datasets().first(where: { $0.name == name }) {
                        range = Explorer.openingRange(info, requested: configuration.range, now: now, lastWrite: lastWrite())
                    }
                    state.requestedRange = range
                    model = ExplorerModel(loaded: try reader.load(dataset: name, window: range.map { Explorer.loadWindow(for: $0, now: now) } ?? .all,
                                                                  budget: configuration.memoryBudget))
                    model.traceFields = try reader.traceFields(dataset: name)
                    let markers = (try? reader.markers(dataset: name)) ?? []
                    send(.datasetLoaded(name: name, markers: markers, now: clock(), lastWrite: lastWrite()))
                    sendMarkers()
                    pending += Explorer.open(&state, view: configuration.view, selection: configuration.selection,
                                             traceID: configuration.traceID, model: model)
                } catch {
                    send(.failed("cannot load \(name): \(error)"))
                }
            case .findTrace(let id):
                // Show the spans of this dataset ("searching other datasets…") while the others load.
                drawIfChanged()
                if let reader {
                    do {
                        try model.findTrace(id, using: reader, mainDataset: state.dataset, budget: configuration.memoryBudget)
                    } catch {
                        send(.failed("searching the other datasets for trace \(id): \(error)"))
                    }
                } else {
                    model.findTrace(id, datasets: [], main: state.dataset) { _ in EventTable() }
                }
                Explorer.returnFreedMemory()
                send(.traceSearched(id))
            case .loadSLOs:
                do {
                    guard let reader else {
                        send(.slosLoaded([]))
                        continue
                    }
                    // The model holds a time window; an SLO's period may reach far beyond it, so
                    // its counts come from the store.
                    drawIfChanged()
                    let slos = try EventStore.slos(path: reader.path)
                    let backend = try EmbeddedBackend(path: reader.path)
                    let at = Explorer.sloTime(state, model: model)
                    var counts: [String: [GoodCount]] = [:]
                    for slo in slos where slo.dataset == state.dataset {
                        let windows = Explorer.sloWindows(slo, at: at)
                        counts[slo.name] = try backend.goodCounts(dataset: slo.dataset, eligible: slo.eligible, good: slo.good,
                                                                  windows: windows.status + windows.points)
                    }
                    send(.slosLoaded(slos, counts: counts))
                } catch {
                    send(.failed("reading the SLOs: \(error)"))
                }
            case .countSLOAlerts(let slo, let times):
                // The alert windows reach days before the range shown: count in the store.
                let windows = SLOAlertOnset.windows(at: times)
                do {
                    let counts = try reader.map { try EmbeddedBackend(path: $0.path).goodCounts(dataset: slo.dataset, eligible: slo.eligible,
                                                                                              good: slo.good, windows: windows) }
                        ?? GoodCount.count(model.table, eligible: slo.eligible, good: slo.good, windows: windows)
                    send(.sloAlertsCounted(name: slo.name, times: times, counts: counts))
                } catch {
                    send(.failed("counting the alerts of SLO \(slo.name): \(error)"))
                }
            }
        }
        return !state.quitting
    }

    /// Reads the dataset's markers and version field from the store and tells the state when
    /// they changed.
    func sendMarkers() {
        guard let reader, !state.dataset.isEmpty else { return }
        let markers = (try? reader.markers(dataset: state.dataset)) ?? state.markers
        let field = (try? reader.versionField(dataset: state.dataset)) ?? state.versionField
        if markers != state.markers || field != state.versionField { send(.markersLoaded(markers, versionField: field)) }
    }

    /// Polls in a row that brought no new events.
    var quietPolls = 0
    /// Polls so far.
    var polls = 0

    /// The window being loaded on another thread, if any.
    var windowLoad: WindowLoad?

    /// Starts loading `window` of the dataset shown, on another thread with its own
    /// connection; ``checkLoading()`` picks up its progress and its result.
    func startLoading(_ window: TimeWindow) {
        windowLoad?.cancel()
        windowLoad = nil
        guard let path = reader?.path else { return }
        let job = WindowLoad(window: window)
        windowLoad = job
        let dataset = state.dataset
        let budget = configuration.memoryBudget
        // Tests slow loading down to see its progress and cancel it (milliseconds per chunk).
        let delay = ProcessInfo.processInfo.environment["KILN_TEST_LOAD_DELAY_MS"].flatMap { UInt32($0) } ?? 0
        let thread = Thread {
            let result = Result { () throws -> LoadedDataset in
                try StoreReader(path: path).load(dataset: dataset, window: window, budget: budget) { loaded, total in
                    if delay > 0 { usleep(delay * 1000) }
                    return job.progress(loaded, total)
                }
            }
            job.finish(result)
        }
        thread.stackSize = 1 << 20
        thread.start()
    }

    /// Sends the loading window's progress, or swaps it into the model once loaded.
    func checkLoading() {
        guard let job = windowLoad else { return }
        let (loaded, total, result) = job.snapshot()
        guard let result else {
            if loaded != job.reported {
                job.reported = loaded
                send(.loadProgress(loaded: loaded, total: total))
            }
            return
        }
        windowLoad = nil
        switch result {
        case .success(let loadedDataset):
            let fields = model.traceFields
            model = ExplorerModel(loaded: loadedDataset)
            model.traceFields = fields
            Explorer.returnFreedMemory()
            send(.windowLoaded(loadedDataset.askedWindow, now: clock()))
        case .failure(let error):
            if let e = error as? StoreError, e.code == .cancelled { return }
            send(.failed("cannot load the time range: \(error)"))
        }
    }

    /// While the user looks at a heatmap whose data holds still, prepares BubbleUp for its
    /// scope on another thread, so Enter on a box is quick.
    func warmUp() {
        guard case .heatmap = state.top, let key = state.heat.key, state.heat.scopeEvents > 0 else { return }
        guard !state.live || quietPolls >= 3 else { return }
        model.warm(filters: state.query.filters, from: key.from, to: key.to, visibleRows: state.visibleRows)
    }

    /// Asks the store for new events and tells the state.
    func poll() {
        let now = clock()
        if case .picker? = state.stack.first {
            // Nothing loaded yet.
        } else if let reader {
            do {
                let added = try model.refresh(using: reader)
                quietPolls = added > 0 ? 0 : quietPolls + 1
                // Following new data: the prepared scope is stale, and holding it would make
                // every append copy the table.
                if added > 0 && state.live { model.dropPrepared() }
                if added > 0 { send(.dataRefreshed(totalRows: model.table.count, now: now)) }
                // New events may bring deploy markers, and `kiln marker add` may have run:
                // look at every new batch, and every 4 s anyway.
                polls += 1
                if added > 0 || polls % 10 == 0 { sendMarkers() }
            } catch {
                send(.failed("reading the store: \(error)"))
            }
        }
        send(.tick(now: now))
    }

    /// The state last drawn (nil: draw the next one whatever it is).
    var drawn: ExplorerState?

    /// Draws the state unless it would draw the same frame as the last one.
    func drawIfChanged() {
        if let drawn, drawn.drawsSame(as: state) { return }
        var grid = ScreenGrid(size: terminal.size)
        Explorer.render(state, model: model, into: &grid)
        terminal.draw(grid)
        drawn = state
    }

    /// Draws when the state changed and reads keys until the user quits or input ends.
    public func run() {
        drawn = nil
        var nextPoll = ContinuousClock.now + .milliseconds(Explorer.pollMilliseconds)
        while perform() {
            if drawn.map({ !$0.drawsSame(as: state) }) ?? true {
                drawIfChanged()
                warmUp()
            }
            checkLoading()
            var wait = ContinuousClock.now.duration(to: nextPoll)
            // While a window loads, look at its progress ten times a second.
            if windowLoad != nil { wait = min(wait, .milliseconds(100)) }
            if wait > .zero, var key = terminal.readKey(timeout: wait) {
                // Keys typed ahead are all applied before the next frame (at most 64).
                var handled = 0
                while true {
                    if key == .resize {
                        send(.resized(terminal.size))
                        drawn = nil
                    } else {
                        send(.keyPressed(key))
                    }
                    handled += 1
                    guard handled < 64, pending.isEmpty, !state.quitting, let next = terminal.readKey(timeout: .zero) else { break }
                    key = next
                }
                continue
            }
            if ContinuousClock.now >= nextPoll {
                poll()
                warmUp()
                nextPoll = ContinuousClock.now + .milliseconds(Explorer.pollMilliseconds)
            }
        }
    }
}

/// A time window loading on another thread: its progress, its result, and a way to stop it.
final class WindowLoad: @unchecked Sendable {
    let window: TimeWindow
    private let lock = NSLock()
    private var loaded = 0, total = 0
    private var cancelled = false
    private var result: Result<LoadedDataset, Error>?
    /// The progress last sent to the state (run loop only).
    var reported = -1

    init(window: TimeWindow) { self.window = window }

    /// Records progress; false once cancelled (the load then stops).
    func progress(_ loaded: Int, _ total: Int) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        self.loaded = loaded
        self.total = total
        return !cancelled
    }

    func finish(_ result: Result<LoadedDataset, Error>) {
        lock.lock()
        self.result = result
        lock.unlock()
    }

    func cancel() {
        lock.lock()
        cancelled = true
        lock.unlock()
    }

    func snapshot() -> (Int, Int, Result<LoadedDataset, Error>?) {
        lock.lock()
        defer { lock.unlock() }
        return (loaded, total, result)
    }
}
