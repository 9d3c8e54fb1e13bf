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

    /// Runs the explorer on the embedded store of the configuration until the user quits;
    /// returns the exit status (see ``run(configuration:source:)``).
    public static func run(configuration: ExplorerConfiguration) -> Int32 {
        let source: StoreSource
        do {
            source = try StoreSource(path: configuration.storePath)
        } catch {
            writeError("kiln explore: " + Sanitizer.sanitize("\(error)"))
            return 2
        }
        return run(configuration: configuration, source: source)
    }

    /// Runs the explorer over `source` on the real terminal until the user quits; returns the
    /// exit status (0, or 2 when it could not start: no store, no data, `TERM=dumb`, not a
    /// terminal). Errors are printed to standard error before the terminal is touched.
    ///
    /// A remote source's dataset is loaded after the terminal starts, in the background (a
    /// loading line with progress; Esc stops it); the embedded store's is loaded first.
    public static func run(configuration: ExplorerConfiguration, source: any ExplorerSource) -> Int32 {
        do {
            let datasets: [DatasetInfo]
            do { datasets = try source.datasets() } catch { throw ExplorerError(code: .store, message: "\(error)") }
            guard !datasets.isEmpty else {
                throw ExplorerError(code: .noData, message: "\(source.location) holds no datasets yet (try `kiln ingest FILE` or `kiln demo`)")
            }
            var picker: [DatasetInfo]? = nil
            var model = ExplorerModel(table: EventTable())
            var dataset = configuration.dataset ?? ""
            var markers: [Marker] = []
            if let wanted = configuration.dataset {
                guard datasets.contains(where: { $0.name == wanted }) else {
                    let known = datasets.map(\.name).joined(separator: ", ")
                    throw ExplorerError(code: .badArgument, message: "no dataset named \"\(Sanitizer.sanitize(wanted))\" in \(source.location) (known: \(Sanitizer.sanitize(known)))")
                }
            } else if datasets.count == 1 {
                dataset = datasets[0].name
            } else {
                picker = datasets
            }
            var opening = configuration.range
            if picker == nil, !source.isRemote, let info = datasets.first(where: { $0.name == dataset }) {
                let now = wallClock()
                let range = openingRange(info, requested: configuration.range, now: now, lastWrite: source.lastWrite())
                opening = range
                do {
                    model = try source.load(dataset: dataset, window: loadWindow(for: range, now: now), budget: configuration.memoryBudget) { _, _ in true }
                    model.traceFields = try source.traceFields(dataset: dataset)
                    markers = (try? source.markers(dataset: dataset)) ?? []
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
            let loop = RunLoop(terminal: terminal, source: source, model: model, configuration: configuration)
            loop.start(dataset: dataset, markers: markers, picker: picker, range: opening)
            loop.run()
            return 0
        } catch let error as ExplorerError {
            writeError("kiln explore: " + Sanitizer.sanitize(error.message))
            return 2
        } catch {
            writeError("kiln explore: " + Sanitizer.sanitize("\(error)"))
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

/// The explorer's loop: owns the terminal, the source of events and the model; turns keys and
/// timers into actions and carries out effects. Usable with any ``Terminal`` (a
/// ``ScriptedTerminal`` in tests).
///
/// A remote source (``ExplorerSource/isRemote``) is only ever asked from other threads: the
/// answers come back as actions the loop applies between keys, so keys never wait on it.
public final class RunLoop {
    let terminal: Terminal
    let source: (any ExplorerSource)?
    var model: ExplorerModel
    let configuration: ExplorerConfiguration
    /// The current state (tests read it).
    public private(set) var state: ExplorerState
    var clock: () -> Int64

    /// Makes a loop over `source`; nil for an in-memory model (no refresh, no other datasets).
    public init(terminal: Terminal, source: (any ExplorerSource)?, model: ExplorerModel, configuration: ExplorerConfiguration,
                clock: @escaping () -> Int64 = Explorer.wallClock) {
        self.terminal = terminal
        self.source = source
        self.model = model
        self.configuration = configuration
        self.clock = clock
        self.state = ExplorerState(size: terminal.size, glyphs: terminal.glyphs, dataset: "", query: QueryState(), now: clock())
    }

    /// Makes a loop over the embedded store `reader` reads; nil for an in-memory model.
    public convenience init(terminal: Terminal, reader: StoreReader?, model: ExplorerModel, configuration: ExplorerConfiguration,
                            clock: @escaping () -> Int64 = Explorer.wallClock) {
        self.init(terminal: terminal, source: reader.map(StoreSource.init(reader:)), model: model, configuration: configuration, clock: clock)
    }

    var pending: [Effect] = []

    /// The embedded store's reader, when the events are in one.
    var reader: StoreReader? { source?.reader }

    /// Whether the source is asked on other threads.
    var remote: Bool { source?.isRemote ?? false }

    /// When the store was last written, if there is one.
    func lastWrite() -> Int64? {
        source?.lastWrite()
    }

    /// Builds the first state: the picker, or the dataset's heatmap and the permalink's views.
    /// `range` is the range to open on (see ``Explorer/openingRange(_:requested:now:lastWrite:)``),
    /// nil for the configuration's. A remote source's dataset starts loading here.
    public func start(dataset: String, markers: [Marker], picker: [DatasetInfo]?, range: TimeRange? = nil) {
        let query = QueryState(filters: configuration.filters, range: .all, field: configuration.field)
        let now = clock()
        if let picker {
            state = ExplorerState(size: terminal.size, glyphs: terminal.glyphs, dataset: "", query: query, now: now, picker: picker)
            state.requestedRange = configuration.range
            state.shareDB = configuration.shareDB
            return
        }
        state = Explorer.makeState(size: terminal.size, glyphs: terminal.glyphs, dataset: dataset, model: model, query: query,
                                   requestedRange: range ?? configuration.range, now: now, markers: markers, lastWrite: lastWrite())
        state.shareDB = configuration.shareDB
        state.mouse = terminal.isMouseEnabled
        if remote && !model.readsWindows {
            pending.append(.loadDataset(dataset))
            return
        }
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
                guard let source else { continue }
                if remote {
                    startLoading(.all, opening: name)
                    continue
                }
                // Loading takes a while: show "loading …" first.
                drawIfChanged()
                do {
                    let now = clock()
                    var range = configuration.range
                    if let info = try source.datasets().first(where: { $0.name == name }) {
                        range = Explorer.openingRange(info, requested: configuration.range, now: now, lastWrite: lastWrite())
                    }
                    state.requestedRange = range
                    model = try source.load(dataset: name, window: range.map { Explorer.loadWindow(for: $0, now: now) } ?? .all,
                                            budget: configuration.memoryBudget) { _, _ in true }
                    model.traceFields = try source.traceFields(dataset: name)
                    let markers = (try? source.markers(dataset: name)) ?? []
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
                } else if let source {
                    searchTrace(id, source: source)
                    continue
                } else {
                    model.findTrace(id, datasets: [], main: state.dataset) { _ in EventTable() }
                }
                Explorer.returnFreedMemory()
                send(.traceSearched(id))
            case .loadSLOs:
                guard let source else {
                    send(.slosLoaded([]))
                    continue
                }
                // The model holds a time window; an SLO's period may reach far beyond it, so
                // its counts come from the source.
                drawIfChanged()
                let dataset = state.dataset, at = Explorer.sloTime(state, model: model)
                ask {
                    let result = Result { () throws -> ([SLODefinition], [String: [GoodCount]]) in
                        let slos = try source.slos()
                        var counts: [String: [GoodCount]] = [:]
                        for slo in slos where slo.dataset == dataset {
                            let windows = Explorer.sloWindows(slo, at: at)
                            counts[slo.name] = try source.goodCounts(dataset: slo.dataset, eligible: slo.eligible, good: slo.good,
                                                                     windows: windows.status + windows.points)
                        }
                        return (slos, counts)
                    }
                    return { [self] in
                        switch result {
                        case .success(let (slos, counts)): send(.slosLoaded(slos, counts: counts))
                        case .failure(let error): send(.failed("reading the SLOs: \(error)"))
                        }
                    }
                }
            case .countSLOAlerts(let slo, let times):
                // The alert windows reach days before the range shown: count in the store.
                let windows = SLOAlertOnset.windows(at: times)
                let source = self.source, asked = model
                ask {
                    let result = Result { try source?.goodCounts(dataset: slo.dataset, eligible: slo.eligible, good: slo.good, windows: windows) }
                    return { [self] in
                        switch result {
                        case .success(let counts):
                            let counts = counts ?? GoodCount.count(asked.table, eligible: slo.eligible, good: slo.good, windows: windows)
                            send(.sloAlertsCounted(name: slo.name, times: times, counts: counts))
                        case .failure(let error):
                            send(.failed("counting the alerts of SLO \(slo.name): \(error)"))
                        }
                    }
                }
            }
        }
        return !state.quitting
    }

    /// Finds the spans of trace `id` in the other datasets of a source that is not a store
    /// file: one query per dataset, by trace id, in the background.
    func searchTrace(_ id: String, source: any ExplorerSource) {
        let main = state.dataset, window = model.traceWindow(id), asked = model
        ask {
            let result = Result { () throws -> (datasets: [DatasetInfo], spans: [String: [Event]], fields: [String: TraceFields]) in
                let datasets = try source.datasets()
                var spans: [String: [Event]] = [:], fields: [String: TraceFields] = [:]
                for info in datasets where info.name != main {
                    let names = (try? source.traceFields(dataset: info.name)) ?? .standard
                    fields[info.name] = names
                    spans[info.name] = try source.spans(trace: id, dataset: info.name, window: window, fields: names, limit: ExplorerModel.traceSpanCap)
                }
                return (datasets, spans, fields)
            }
            return { [self] in
                switch result {
                case .success(let found):
                    asked.recordTrace(id, datasets: found.datasets, main: main, spans: found.spans, fields: { found.fields[$0] ?? .standard })
                case .failure(let error):
                    send(.failed("searching the other datasets for trace \(id): \(error)"))
                }
                if asked === model { send(.traceSearched(id)) }
            }
        }
    }

    /// Reads the dataset's markers and version field from the store and tells the state when
    /// they changed (a remote source's come with its polls).
    func sendMarkers() {
        guard let source, !remote, !state.dataset.isEmpty else { return }
        let markers = (try? source.markers(dataset: state.dataset)) ?? state.markers
        let field = (try? source.versionField(dataset: state.dataset)) ?? state.versionField
        if markers != state.markers || field != state.versionField { send(.markersLoaded(markers, versionField: field)) }
    }

    /// Polls in a row that brought no new events.
    var quietPolls = 0
    /// Polls so far.
    var polls = 0

    /// The window being loaded on another thread, if any.
    var windowLoad: WindowLoad?

    /// Questions to a remote source under way on other threads.
    var jobs: [BackgroundJob] = []
    /// Whether a poll of a remote source is under way.
    var polling = false

    /// Asks the source with `work` and applies the answer `work` returns on this thread: at
    /// once for a local source, from another thread for a remote one (``checkJobs()`` applies it).
    func ask(_ work: @escaping () -> (() -> Void)) {
        guard remote else {
            work()()
            return
        }
        let job = BackgroundJob()
        jobs.append(job)
        let box = UncheckedBox(work)
        let thread = Thread { job.finish(box.value()) }
        thread.stackSize = 1 << 20
        thread.start()
    }

    /// Applies the answers that arrived.
    func checkJobs() {
        var i = 0
        while i < jobs.count {
            if let apply = jobs[i].take() {
                jobs.remove(at: i)
                apply()
            } else {
                i += 1
            }
        }
    }

    /// Starts loading `window` of the dataset shown (or, with `opening`, the opening range of
    /// that dataset), on another thread; ``checkLoading()`` picks up its progress and result.
    func startLoading(_ window: TimeWindow, opening: String? = nil) {
        windowLoad?.cancel()
        windowLoad = nil
        guard let source else { return }
        let job = WindowLoad(window: window, opening: opening)
        windowLoad = job
        let dataset = opening ?? state.dataset
        let budget = configuration.memoryBudget, requested = configuration.range, now = clock()
        if opening != nil {
            state.loading = LoadingState(window: window, previousRange: state.query.range)
        }
        // Tests slow loading down to see its progress and cancel it (milliseconds per chunk or page).
        let delay = ProcessInfo.processInfo.environment["KILN_TEST_LOAD_DELAY_MS"].flatMap { UInt32($0) } ?? 0
        let thread = Thread {
            let result = Result { () throws -> WindowLoad.Loaded in
                var loaded = WindowLoad.Loaded(model: ExplorerModel(table: EventTable()))
                var window = window
                if opening != nil {
                    // The range to open on depends on the dataset's span: ask first.
                    var range = requested
                    if let info = try source.datasets().first(where: { $0.name == dataset }) {
                        range = Explorer.openingRange(info, requested: requested, now: now, lastWrite: source.lastWrite())
                    }
                    loaded.range = range
                    window = range.map { Explorer.loadWindow(for: $0, now: now) } ?? .all
                }
                loaded.model = try source.load(dataset: dataset, window: window, budget: budget) { done, total in
                    if delay > 0 { usleep(delay * 1000) }
                    return job.progress(done, total)
                }
                if opening != nil {
                    loaded.model.traceFields = (try? source.traceFields(dataset: dataset)) ?? .standard
                    loaded.markers = (try? source.markers(dataset: dataset)) ?? []
                    loaded.versionField = try? source.versionField(dataset: dataset)
                }
                return loaded
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
        case .success(let answer):
            if let name = job.opening {
                model = answer.model
                quietPolls = 0
                state.requestedRange = answer.range
                send(.datasetLoaded(name: name, markers: answer.markers, now: clock(), lastWrite: lastWrite()))
                if let field = answer.versionField, field != state.versionField { send(.markersLoaded(answer.markers, versionField: field)) }
                pending += Explorer.open(&state, view: configuration.view, selection: configuration.selection,
                                         traceID: configuration.traceID, model: model)
                return
            }
            let fields = model.traceFields
            model = answer.model
            model.traceFields = fields
            Explorer.returnFreedMemory()
            send(.windowLoaded(model.window, now: clock()))
        case .failure(let error):
            if let e = error as? ExplorerSourceError, e == .cancelled { return }
            if let name = job.opening {
                send(.failed("cannot load \(name): \(error)"))
            } else {
                send(.failed("cannot load the time range: \(error)"))
            }
        }
    }

    /// While the user looks at a heatmap whose data holds still, prepares BubbleUp for its
    /// scope on another thread, so Enter on a box is quick.
    func warmUp() {
        guard case .heatmap = state.top, let key = state.heat.key, state.heat.scopeEvents > 0 else { return }
        guard !state.live || quietPolls >= 3 else { return }
        model.warm(filters: state.query.filters, from: key.from, to: key.to, visibleRows: state.visibleRows)
    }

    /// Most events one poll of a remote source brings.
    static let pollLimit = 100_000

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
        } else if let source, remote, !polling, windowLoad == nil, let from = model.pollFrom {
            pollRemote(source, from: from)
        }
        send(.tick(now: now))
    }

    /// LIVE on a remote source: asks for the events from the newest one held on (and every
    /// 4 s for the markers), in the background; appends those not held yet.
    func pollRemote(_ source: any ExplorerSource, from: (since: Int64?, to: Int64?)) {
        polling = true
        polls += 1
        let dataset = state.dataset, asked = model, withMarkers = polls % 10 == 1
        ask {
            let result = Result { try source.newest(dataset: dataset, since: from.since, to: from.to, limit: Self.pollLimit) }
            var marks: ([Marker], String)?
            if withMarkers, case .success = result, let markers = try? source.markers(dataset: dataset) {
                marks = (markers, (try? source.versionField(dataset: dataset)) ?? "service.version")
            }
            return { [self] in
                polling = false
                guard asked === model, state.dataset == dataset else { return }
                switch result {
                case .success(let events):
                    let added = model.appendPolled(events)
                    quietPolls = added > 0 ? 0 : quietPolls + 1
                    if added > 0 { send(.dataRefreshed(totalRows: model.table.count, now: clock())) }
                    // The source answers again: its last failure is over.
                    if lastPollFailed, state.message?.kind == .error, state.message?.text.hasPrefix("reading new events") == true { state.message = nil }
                    lastPollFailed = false
                case .failure(let error):
                    lastPollFailed = true
                    send(.failed("reading new events: \(error)"))
                }
                if let (markers, field) = marks, markers != state.markers || field != state.versionField {
                    send(.markersLoaded(markers, versionField: field))
                }
            }
        }
    }

    /// Whether the last poll of a remote source failed (its error is in the status line).
    var lastPollFailed = false

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
            checkJobs()
            if !pending.isEmpty { continue }
            var wait = ContinuousClock.now.duration(to: nextPoll)
            // While a window loads or a remote answer is awaited, look ten (twenty) times a second.
            if windowLoad != nil { wait = min(wait, .milliseconds(100)) }
            if !jobs.isEmpty { wait = min(wait, .milliseconds(50)) }
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
    /// What a load brings: the model, and for the opening of a dataset its range and markers.
    struct Loaded {
        var model: ExplorerModel
        var range: TimeRange?
        var markers: [Marker] = []
        var versionField: String?
    }

    let window: TimeWindow
    /// The dataset being opened (nil: another window of the dataset shown).
    let opening: String?
    private let lock = NSLock()
    private var loaded = 0, total = 0
    private var cancelled = false
    private var result: Result<Loaded, Error>?
    /// The progress last sent to the state (run loop only).
    var reported = -1

    init(window: TimeWindow, opening: String? = nil) {
        self.window = window
        self.opening = opening
    }

    /// Records progress; false once cancelled (the load then stops).
    func progress(_ loaded: Int, _ total: Int) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        self.loaded = loaded
        self.total = total
        return !cancelled
    }

    func finish(_ result: Result<Loaded, Error>) {
        lock.lock()
        self.result = result
        lock.unlock()
    }

    func cancel() {
        lock.lock()
        cancelled = true
        lock.unlock()
    }

    func snapshot() -> (Int, Int, Result<Loaded, Error>?) {
        lock.lock()
        defer { lock.unlock() }
        return (loaded, total, result)
    }
}

/// A question to a remote source answered on another thread: the answer, applied on the
/// loop's thread once it is there.
final class BackgroundJob: @unchecked Sendable {
    private let lock = NSLock()
    private var answer: (() -> Void)?

    func finish(_ apply: @escaping () -> Void) {
        lock.lock()
        answer = apply
        lock.unlock()
    }

    /// The answer, once (nil while it is not there).
    func take() -> (() -> Void)? {
        lock.lock()
        defer { lock.unlock() }
        let a = answer
        answer = nil
        return a
    }
}

/// A value handed to another thread by a caller that knows it is safe: the work of
/// ``RunLoop/ask(_:)`` touches only the source and values captured for it.
struct UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
