import Foundation
import KilnCore
import KilnStore

/// A backend that answers by SQL (ClickHouse) as the explorer's source: a window is read as
/// raw events, newest first, one page of time at a time (``EventTimeline/pages(of:pageEvents:budgetEvents:)``),
/// within the memory budget; LIVE asks for the events from the newest one held on; a trace
/// of another dataset is one query by trace id. Nothing asks for more than the window shown.
public final class BackendSource: ExplorerSource, @unchecked Sendable {
    /// The backend asked.
    public let backend: any WindowPaging
    /// Whether an error means the backend cannot answer that kind of question (yet): then
    /// the explorer does without (no markers, counts from the events held).
    let unsupported: @Sendable (any Error) -> Bool
    /// Where the SLO definitions are kept (the analysis interface does not list them).
    let listSLOs: @Sendable () throws -> [SLODefinition]

    /// Asks `backend`; `unsupported` tells its "not supported" errors from failures; `slos`
    /// lists the SLO definitions (see ``MetadataStore``).
    public init(backend: any WindowPaging, slos: @escaping @Sendable () throws -> [SLODefinition] = { [] },
                unsupported: @escaping @Sendable (any Error) -> Bool = { _ in false }) {
        self.backend = backend
        self.listSLOs = slos
        self.unsupported = unsupported
    }

    /// Time buckets a load plans its pages with.
    static let buckets = 400

    public var location: String { backend.location }
    public var isRemote: Bool { true }
    public var reader: StoreReader? { nil }

    public func datasets() throws -> [DatasetInfo] { try backend.datasets() }

    /// Unknown: the explorer says LIVE once polling brings events.
    public func lastWrite() -> Int64? { nil }

    /// Events a page reads: about a twentieth of the window, so progress moves and Esc stops
    /// a load soon, between 1,000 and 100,000.
    static func pageEvents(total: Int) -> Int { min(100_000, max(1_000, total / 20)) }

    /// Events that fit `budget` bytes: a held event takes about 16 bytes plus 8 per field in
    /// the table, and three times that while it is read (as the embedded store counts).
    static func budgetEvents(_ budget: Int64, fields: Int) -> Int {
        Int(clamping: max(1, budget / Int64(3 * (16 + 8 * max(1, fields)))))
    }

    public func load(dataset: String, window: TimeWindow, budget: Int64, progress: @escaping (Int, Int) -> Bool) throws -> ExplorerModel {
        guard progress(0, 0) else { throw ExplorerSourceError.cancelled }
        let timeline = try backend.eventTimeline(dataset: dataset, window: window, buckets: Self.buckets)
        let fields = try backend.fieldNames(dataset: dataset).count
        let plan = timeline.pages(of: window, pageEvents: Self.pageEvents(total: timeline.total),
                                  budgetEvents: Self.budgetEvents(budget, fields: fields))
        let expected = plan.pages.reduce(0) { $0 + $1.events }
        var held = HeldWindow(askedWindow: window, window: plan.held)
        guard progress(0, expected) else { throw ExplorerSourceError.cancelled }
        var loaded = 0
        // The next page is read while the rows of this one are built.
        var reading = plan.pages.first.map { read($0, of: dataset) }
        for (k, _) in plan.pages.enumerated() {
            guard let current = reading else { break }
            let events = try current.wait()
            reading = k + 1 < plan.pages.count ? read(plan.pages[k + 1], of: dataset) : nil
            held.append(events)
            loaded += events.count
            guard progress(loaded, max(expected, loaded)) else { throw ExplorerSourceError.cancelled }
        }
        return ExplorerModel(held: held)
    }

    /// Starts reading `page` of `dataset` on another thread.
    private func read(_ page: EventTimeline.Page, of dataset: String) -> PageRead {
        // Events written since the count belong to the page too: room for them.
        let limit = page.events * 2 + 10_000
        return PageRead { [self] in try backend.windowEvents(dataset: dataset, window: page.window, limit: limit) }
    }

    public func newest(dataset: String, since: Int64?, to: Int64?, limit: Int) throws -> [Event] {
        try backend.events(dataset: dataset, scope: Scope(from: since, to: to), limit: limit)
    }

    public func spans(trace id: String, dataset: String, window: TimeWindow, fields: TraceFields, limit: Int) throws -> [Event] {
        try backend.events(dataset: dataset, scope: Scope(from: window.from, to: window.to, filters: [Filter(fields.trace, .equal, .string(id))]),
                           limit: limit)
    }

    /// The backend's markers; none when it keeps none.
    public func markers(dataset: String) throws -> [Marker] {
        do { return try backend.markers(dataset: dataset) } catch where unsupported(error) { return [] }
    }

    /// The backend's version field; `service.version` when it keeps none.
    public func versionField(dataset: String) throws -> String {
        do { return try backend.versionField(dataset: dataset) } catch where unsupported(error) { return "service.version" }
    }

    public func traceFields(dataset: String) throws -> TraceFields { try backend.traceFields(dataset: dataset) }

    /// The SLO definitions kept beside the backend's events.
    public func slos() throws -> [SLODefinition] { try listSLOs() }

    /// The backend's counts; nil when it cannot count SLOs (an unsupported answer).
    public func goodCounts(dataset: String, eligible: [Filter], good: [Filter], windows: [TimeWindow]) throws -> [GoodCount]? {
        do {
            return try backend.goodCounts(dataset: dataset, eligible: eligible, good: good, windows: windows)
        } catch where unsupported(error) {
            return nil
        }
    }
}

/// One page of events being read on another thread.
final class PageRead: @unchecked Sendable {
    private let condition = NSCondition()
    private var result: Result<[Event], any Error>?

    /// Starts `work` on a thread of its own.
    init(_ work: @escaping @Sendable () throws -> [Event]) {
        let thread = Thread { [self] in
            let answer = Result { try work() }
            condition.lock()
            result = answer
            condition.broadcast()
            condition.unlock()
        }
        thread.stackSize = 1 << 20
        thread.start()
    }

    /// The page's events, once read.
    func wait() throws -> [Event] {
        condition.lock()
        defer { condition.unlock() }
        while true {
            if let result { return try result.get() }
            condition.wait()
        }
    }
}
