import Foundation
import KilnCore
import KilnStore

/// The events and the heavy results derived from them, beside the ``ExplorerState``.
///
/// Holds the dataset's ``EventTable`` (and the spans other datasets hold of the traces opened) and caches
/// what is costly to compute and often asked again: the rows in scope and the prepared
/// BubbleUp of a scope, keyed by everything they depend on. Asking twice with the same inputs
/// gives the same answer, so ``Explorer/update(_:_:model:)`` stays a function of its inputs
/// while plain cursor moves cost nothing. Only the run loop changes the table (``refresh(using:)``).
public final class ExplorerModel {
    /// The dataset loaded from a store, when there is one (refreshed in place).
    private var loaded: LoadedDataset?
    /// The window read event by event from a source that is not a store file (ClickHouse).
    private var held: HeldWindow?
    /// The table when there is no store (tests, benchmarks, `kiln demo` in memory).
    private var plain: EventTable
    /// Spans that other datasets of the store hold of the traces opened so far, one small table
    /// per dataset (append-only, so rows stay valid); never the datasets themselves.
    public var others: [String: EventTable] { otherSpans.mapValues(\.table) }
    private var otherSpans: [String: EventTableBuilder] = [:]
    /// Which other datasets may hold which trace ids (see ``TraceIndex``).
    private var traceIndexes: [String: TraceIndex] = [:]
    /// Per trace id searched: the other datasets as they were then, and the trace's rows in ``others``.
    private var searchedTraces: [String: (datasets: [DatasetInfo], rows: [String: [Int]])] = [:]
    /// Datasets loaded to find spans so far (tests read it: each load costs a whole dataset's time).
    public private(set) var traceLoads: [String] = []
    /// The fields the main dataset's spans keep their trace, span, parent and duration in
    /// (`kiln datasets set-trace-fields`); set by the run loop from the store.
    public var traceFields = TraceFields.standard

    /// The trace fields of the table of `source` (nil: the main one). Spans copied from other
    /// datasets carry the standard names.
    func traceFields(of source: String?) -> TraceFields { source == nil ? traceFields : .standard }

    /// Most spans of one trace taken from one other dataset.
    static let traceSpanCap = 10_000

    /// A compact summary of another dataset: which trace ids it may hold.
    ///
    /// Hashes of its distinct trace ids (about 8 bytes each, instead of the dataset's columns),
    /// valid while the dataset's ``DatasetInfo`` stays the same. A hash collision only costs a
    /// needless load; a trace held is never missed.
    struct TraceIndex {
        var info: DatasetInfo
        /// The time window indexed.
        var window: TimeWindow = .all
        var hashes: Set<Int>
    }

    private struct ScopeKey: Equatable {
        var filters: [Filter]
        var from: Int64?
        var to: Int64?
        var visibleRows: Int
    }

    /// A BubbleUp preparation running on another thread while the user looks at the heatmap.
    private final class WarmJob: @unchecked Sendable {
        let key: ScopeKey
        let condition = NSCondition()
        var result: PreparedBubbleUp?

        init(key: ScopeKey) { self.key = key }

        func finish(_ prepared: PreparedBubbleUp) {
            condition.lock()
            result = prepared
            condition.broadcast()
            condition.unlock()
        }

        func wait() -> PreparedBubbleUp? {
            condition.lock()
            defer { condition.unlock() }
            while result == nil { condition.wait() }
            return result
        }
    }

    private var warmJob: WarmJob?
    private var scopeCache: (key: ScopeKey, rows: RowSet)?
    private var preparedCache: (key: ScopeKey, prepared: PreparedBubbleUp)?
    private var boundsCache: (rows: Int, bounds: (Int64, Int64)?)?

    /// A model over an in-memory table.
    public init(table: EventTable) {
        plain = table
    }

    /// A model over a dataset loaded from a store.
    public init(loaded: LoadedDataset) {
        self.loaded = loaded
        plain = EventTable()
    }

    /// A model over a window read event by event (see ``BackendSource``).
    public init(held: HeldWindow) {
        self.held = held
        plain = EventTable()
    }

    /// Whether the events come from a store, a time window at a time (else the table is all).
    public var readsWindows: Bool { loaded != nil || held != nil }

    /// The time window the model was asked to hold (all of it for an in-memory table).
    public var window: TimeWindow { loaded?.askedWindow ?? held?.askedWindow ?? .all }

    /// When only the newest part of ``window`` fit the memory budget: where that part starts.
    public var heldFrom: Int64? {
        if let held { return held.window != held.askedWindow ? held.window.from : nil }
        guard let loaded, loaded.window != loaded.askedWindow else { return nil }
        return loaded.window.from
    }

    /// Where LIVE polling of a window read event by event goes on from: the newest time held
    /// and the end of the window; nil for other models.
    var pollFrom: (since: Int64?, to: Int64?)? {
        guard let held else { return nil }
        return (held.newest ?? held.window.from, held.askedWindow.to)
    }

    /// Appends what a poll answered (every event from ``pollFrom`` on, newest first) that the
    /// window does not hold yet; returns how many were new.
    func appendPolled(_ answer: [Event]) -> Int {
        guard var window = held else { return 0 }
        let new = window.unseen(answer)
        guard !new.isEmpty else { return 0 }
        // A prepared BubbleUp holds the table, and so does `held`: let go of both, so that
        // appending does not copy the table.
        dropPrepared()
        held = nil
        window.append(new)
        held = window
        return new.count
    }

    /// The table (do not keep it across a refresh: holding a copy makes the next append copy it all).
    /// Once a service map edge was opened, it has the derived field `parent.service.name`.
    public var table: EventTable {
        let base = loaded?.table ?? held?.table ?? plain
        guard derivesParentService, base.column(ServiceMap.parentServiceField) == nil else { return base }
        // Rows are only appended while a window is held; a reload starts another first row.
        let key = (base.count, base.timestamps.first ?? 0)
        if parentService?.rows != key.0 || parentService?.first != key.1 {
            parentService = (key.0, key.1, ServiceMap.parentServiceColumn(base, fields: SpanFields.resolve(base.columns.map(\.name))))
        }
        return parentService.map { base.adding($0.column) } ?? base
    }

    /// Whether ``table`` has the derived field `parent.service.name` (kept while rows arrive).
    private var derivesParentService = false
    /// The derived column and the table it was made for (rows, first row's time).
    private var parentService: (rows: Int, first: Int64, column: Column)?

    /// Adds the derived field `parent.service.name` to ``table`` (the service of each span's
    /// parent), so that the calls of a service map edge can be filtered like any field.
    public func deriveParentService() {
        derivesParentService = true
    }

    /// Loads what writers committed since the last call; returns the number of new events.
    public func refresh(using reader: StoreReader) throws -> Int {
        guard loaded != nil else { return 0 }
        // A prepared BubbleUp holds the table; drop it unless the rows it covers stay valid
        // (they do: rows only ever get appended), to avoid copying the table on append.
        let reloads = loaded!.reloads
        let added = try reader.refresh(&loaded!)
        if loaded!.reloads != reloads {
            // Loaded again from scratch (retention renumbered codes): nothing derived holds.
            scopeCache = nil
            boundsCache = nil
            dropPrepared()
        }
        return added
    }

    /// Appends events (tests and the in-memory live path).
    public func append(_ events: [Event]) {
        var builder = EventTableBuilder()
        builder.append(events)
        let block = builder.table
        var dictionaries: [String: ValueDictionary] = [:]
        var columns: [String: CodeArray] = [:]
        // Re-code the block against this table's dictionaries (the table moved out so
        // appending does not copy it).
        var current = plain
        plain = EventTable()
        for column in block.columns {
            var codes = CodeArray(capacityFor: 0)
            let existing = current.column(column.name)?.dictionary ?? ValueDictionary()
            var lookup: [Value: UInt32] = [:]
            for code in stride(from: 1, through: existing.count, by: 1) {
                if let v = existing.value(code) { lookup[v] = UInt32(code) }
            }
            var extra = ValueDictionary()
            for row in 0..<block.count {
                guard let v = column.value(at: row) else { codes.append(0); continue }
                if let c = lookup[v] { codes.append(c); continue }
                extra.append(v)
                let c = UInt32(existing.count + extra.count)
                lookup[v] = c
                codes.append(c)
            }
            dictionaries[column.name] = extra
            columns[column.name] = codes
        }
        let rates = block.sampleRates.isEmpty ? nil : block.sampleRates
        current.appendBlock(timestamps: block.timestamps, sampleRates: rates, dictionaries: dictionaries, columns: columns)
        plain = current
    }

    /// The table of `source` (nil: the main one; else the spans taken from that dataset).
    func table(_ source: String?) -> EventTable? {
        guard let source else { return table }
        return otherSpans[source]?.table
    }

    /// Whether the other datasets were searched for trace `id`.
    public func hasSearched(_ id: String) -> Bool { searchedTraces[id] != nil }

    /// The rows of trace `id` in ``others``, per dataset, as found by the last search.
    func otherTraceRows(_ id: String) -> [String: [Int]] { searchedTraces[id]?.rows ?? [:] }

    /// Finds the spans of trace `id` in the store's other datasets, keeping only them.
    ///
    /// See ``findTrace(_:datasets:main:load:)``; this one asks `reader`.
    /// - Returns: whether anything changed since the last search for `id`.
    @discardableResult
    public func findTrace(_ id: String, using reader: StoreReader, mainDataset: String,
                          budget: Int64 = MemoryBudget.defaultBytes) throws -> Bool {
        let window = traceWindow(id)
        return try findTrace(id, datasets: reader.datasets(), main: mainDataset, window: window,
                             fields: { (try? reader.traceFields(dataset: $0)) ?? .standard }) {
            try reader.load(dataset: $0, window: window, budget: budget).table
        }
    }

    /// How far from its spans here the other spans of a trace are looked for.
    static let traceMargin: Int64 = 3_600_000_000_000

    /// Where to look for the other spans of trace `id`: an hour around its spans here, or the
    /// window held when none is here. Other datasets are read for that window only.
    func traceWindow(_ id: String) -> TimeWindow {
        let t = table
        guard t.column(traceFields.trace) != nil else { return window }
        let rows = RowSet.all(t.count).filtered(by: [Filter(traceFields.trace, .equal, .string(id))], in: t).rows
        guard let first = rows.first else { return window }
        var lo = t.timestamps[Int(first)], hi = lo
        for r in rows { lo = min(lo, t.timestamps[Int(r)]); hi = max(hi, t.timestamps[Int(r)]) }
        return TimeWindow(from: lo - Self.traceMargin, to: hi + Self.traceMargin)
    }

    /// Finds the spans of trace `id` in every dataset but `main`, keeping only those spans.
    ///
    /// A dataset is loaded only when it has no ``TraceIndex`` yet, when it changed since its
    /// index was made, or when its index says it may hold the trace; then it is indexed, the
    /// trace's spans are copied out (at most ``traceSpanCap``) and the dataset is dropped, so
    /// at most one other dataset is in memory at a time and none stays. Asking again for a trace
    /// while no dataset changed does nothing.
    /// - Complexity: O(rows) per dataset loaded; O(datasets) when the indexes answer.
    /// - Returns: whether anything changed since the last search for `id`.
    @discardableResult
    /// `fields` gives each dataset's trace fields; its spans are kept under the standard names.
    public func findTrace(_ id: String, datasets: [DatasetInfo], main: String, window: TimeWindow = .all,
                          fields: (String) -> TraceFields = { _ in .standard },
                          load: (String) throws -> EventTable) rethrows -> Bool {
        let others = datasets.filter { $0.name != main }.sorted { $0.name < $1.name }
        if let previous = searchedTraces[id], previous.datasets == others { return false }
        let hash = id.hashValue
        var found: [String: [Int]] = [:]
        for info in others {
            if let index = traceIndexes[info.name], index.info == info, index.window.contains(window), !index.hashes.contains(hash) { continue }
            let loaded = try load(info.name)
            traceLoads.append(info.name)
            let names = fields(info.name)
            traceIndexes[info.name] = TraceIndex(info: info, window: window, hashes: Self.traceHashes(loaded, field: names.trace))
            let rows = RowSet.all(loaded.count).filtered(by: [Filter(names.trace, .equal, .string(id))], in: loaded).rows
            guard !rows.isEmpty else { continue }
            var builder = otherSpans.removeValue(forKey: info.name) ?? EventTableBuilder()
            let first = builder.table.count
            let taken = rows.prefix(Self.traceSpanCap)
            builder.append(taken.map { Self.standardized(loaded.event(at: Int($0)), from: names) })
            otherSpans[info.name] = builder
            found[info.name] = Array(first..<(first + taken.count))
        }
        searchedTraces[id] = (others, found)
        return true
    }

    /// Keeps the spans of trace `id` that a source found in the other datasets (`spans`, by
    /// dataset, each with that dataset's trace field names from `fields`), as
    /// ``findTrace(_:datasets:main:window:fields:load:)`` keeps those it finds itself.
    public func recordTrace(_ id: String, datasets: [DatasetInfo], main: String, spans: [String: [Event]],
                            fields: (String) -> TraceFields = { _ in .standard }) {
        let others = datasets.filter { $0.name != main }.sorted { $0.name < $1.name }
        var found: [String: [Int]] = [:]
        for (name, events) in spans.sorted(by: { $0.key < $1.key }) where !events.isEmpty {
            var builder = otherSpans.removeValue(forKey: name) ?? EventTableBuilder()
            let first = builder.table.count
            let taken = events.prefix(Self.traceSpanCap)
            let names = fields(name)
            builder.append(taken.map { Self.standardized($0, from: names) })
            otherSpans[name] = builder
            found[name] = Array(first..<(first + taken.count))
        }
        searchedTraces[id] = (others, found)
    }

    /// `event` with its trace fields under the standard names (its duration as `duration_UNIT`).
    static func standardized(_ event: Event, from names: TraceFields) -> Event {
        guard names != .standard else { return event }
        var renames = [names.trace: FieldName.traceID, names.span: FieldName.spanID, names.parent: FieldName.parentID]
        if let d = names.duration { renames[d] = "duration_" + names.durationUnit }
        var out = event
        // A standard name already taken by another field gives way to the dataset's own.
        let targets = Set(renames.values)
        out.fields = event.fields.filter { renames[$0.name] != nil || !targets.contains($0.name) }.map { f in
            var f = f
            if let new = renames[f.name] { f.name = new }
            return f
        }
        return out
    }

    /// Hashes of the distinct trace ids of `table`.
    /// - Complexity: O(distinct trace ids)
    static func traceHashes(_ table: EventTable, field: String = FieldName.traceID) -> Set<Int> {
        guard let column = table.column(field) else { return [] }
        // The dictionary holds each distinct value once: cheaper than visiting every row.
        let values = column.dictionary
        var out = Set<Int>(minimumCapacity: values.count)
        for code in stride(from: 1, through: values.count, by: 1) {
            if let v = values.value(code) { out.insert(v.text.hashValue) }
        }
        return out
    }

    // MARK: Derived data

    /// Earliest and latest event time among the first `visibleRows` rows.
    /// - Complexity: O(rows), cached per row count.
    func timeBounds(visibleRows: Int) -> (Int64, Int64)? {
        if let c = boundsCache, c.rows == visibleRows { return c.bounds }
        let n = min(visibleRows, table.count)
        var lo = Int64.max, hi = Int64.min
        table.timestamps.withUnsafeBufferPointer { ts in
            for i in 0..<n {
                let t = ts[i]
                if t < lo { lo = t }
                if t > hi { hi = t }
            }
        }
        let bounds: (Int64, Int64)? = n > 0 ? (lo, hi) : nil
        boundsCache = (visibleRows, bounds)
        return bounds
    }

    /// The rows among the first `visibleRows` that pass the filters and the time window.
    /// - Complexity: O(rows) per filter, cached for the last scope.
    func scopeRows(filters: [Filter], from: Int64?, to: Int64?, visibleRows: Int) -> RowSet {
        let key = ScopeKey(filters: filters, from: from, to: to, visibleRows: visibleRows)
        if let c = scopeCache, c.key == key, c.rows.universe == table.count { return c.rows }
        var rows = Scope(from: from, to: to, filters: filters).rows(in: table)
        if visibleRows < table.count {
            rows = RowSet(rows: rows.rows.lazy.map(Int.init).filter { $0 < visibleRows }, universe: table.count)
        }
        scopeCache = (key, rows)
        return rows
    }

    /// BubbleUp prepared for a scope, reused while the scope stays the same (waits for a
    /// preparation ``warm(filters:from:to:visibleRows:)`` started for it).
    func prepared(filters: [Filter], from: Int64?, to: Int64?, visibleRows: Int) -> PreparedBubbleUp {
        let key = ScopeKey(filters: filters, from: from, to: to, visibleRows: visibleRows)
        if let c = preparedCache, c.key == key, c.prepared.table.count == table.count { return c.prepared }
        preparedCache = nil
        if let job = warmJob, job.key == key {
            warmJob = nil
            if let prepared = job.wait(), prepared.table.count == table.count {
                preparedCache = (key, prepared)
                return prepared
            }
        }
        let rows = scopeRows(filters: filters, from: from, to: to, visibleRows: visibleRows)
        let prepared = BubbleUp.prepare(table, scopeRows: rows)
        preparedCache = (key, prepared)
        return prepared
    }

    /// Forgets the prepared BubbleUp (before the table grows, so it is not copied).
    func dropPrepared() {
        preparedCache = nil
        warmJob = nil
    }

    /// Starts preparing BubbleUp for a scope on another thread, so that Enter on a box only
    /// has to run it; does nothing when that scope is prepared or being prepared.
    public func warm(filters: [Filter], from: Int64?, to: Int64?, visibleRows: Int) {
        let key = ScopeKey(filters: filters, from: from, to: to, visibleRows: visibleRows)
        if let c = preparedCache, c.key == key, c.prepared.table.count == table.count { return }
        if let job = warmJob, job.key == key { return }
        let rows = scopeRows(filters: filters, from: from, to: to, visibleRows: visibleRows)
        let job = WarmJob(key: key)
        warmJob = job
        let snapshot = table
        let thread = Thread {
            job.finish(BubbleUp.prepare(snapshot, scopeRows: rows))
        }
        thread.stackSize = 1 << 20
        thread.start()
    }

    /// Events `rows` stand for, weighted by sample rate.
    /// - Complexity: O(rows) when sampled, O(1) otherwise.
    func weight(_ rows: RowSet) -> Int64 {
        let t = table
        guard t.isSampled else { return Int64(rows.count) }
        if rows.isAll { return t.sampleRates.reduce(Int64(0)) { $0 &+ Int64($1) } }
        var sum: Int64 = 0
        t.sampleRates.withUnsafeBufferPointer { r in
            for id in rows.rows where Int(id) < r.count { sum &+= Int64(r[Int(id)]) }
        }
        return sum
    }

    /// Weighted events among the first `visibleRows` rows.
    func weight(visibleRows: Int) -> Int64 {
        let t = table
        let n = min(visibleRows, t.count)
        guard t.isSampled else { return Int64(n) }
        var sum: Int64 = 0
        t.sampleRates.withUnsafeBufferPointer { r in
            for i in 0..<min(n, r.count) { sum &+= Int64(r[i]) }
        }
        return sum
    }
}
