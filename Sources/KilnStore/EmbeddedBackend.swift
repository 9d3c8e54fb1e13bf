#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import KilnCore

/// The embedded store behind the ``EventBackend`` seam.
///
/// Each answer reads only the chunks whose time range overlaps the scope asked about
/// (``StoreReader/load(dataset:window:)``) and runs the in-memory analyses of `KilnCore` over
/// them, so its cost follows the time window, not the size of the dataset.
public final class EmbeddedBackend: EventBackend {
    /// The store's reader.
    public let reader: StoreReader
    /// The most bytes of chunk data one answer may hold in memory at once.
    public let memoryBudget: Int64

    /// Opens the store at `path`.
    public init(path: String, memoryBudget: Int64 = MemoryBudget.defaultBytes) throws {
        reader = try StoreReader(path: path)
        self.memoryBudget = memoryBudget
    }

    public var location: String { reader.path }

    public func datasets() throws -> [DatasetInfo] { try reader.datasets() }

    public func fields(dataset: String) throws -> [FieldInfo] { try reader.fields(dataset: dataset) }

    public func fieldNames(dataset: String) throws -> [String] { try reader.fieldNames(dataset: dataset) }

    public func droppedFields(dataset: String) throws -> DroppedFields { try reader.droppedFields(dataset: dataset) }

    public func markers(dataset: String) throws -> [Marker] { try reader.markers(dataset: dataset) }

    /// The events of `dataset` in the time window of `scope` (and some around it); only the
    /// columns of `fields` when given.
    public func load(dataset: String, scope: Scope, fields: [String]? = nil) throws -> LoadedDataset {
        try reader.load(dataset: dataset, window: TimeWindow(scope), fields: fields)
    }

    /// In memory, a loaded chunk takes about this many times its stored bytes (arrays grown in
    /// steps, dictionaries, the row sets of an analysis).
    static let memoryFactor: Int64 = 3

    /// How to read a scope: whole, or in batches of chunks that each fit a part of the budget.
    func plan(dataset: String, scope: Scope, fields: [String]?) throws -> [ClosedRange<Int64>]? {
        plan(try reader.chunkPlan(dataset: dataset, window: TimeWindow(scope), fields: fields))
    }

    /// How to read `chunks` (a ``StoreReader/chunkPlan(dataset:window:fields:)``): whole (nil),
    /// or in batches that each fit a part of the budget.
    func plan(_ chunks: [ChunkExtent]) -> [ClosedRange<Int64>]? {
        let total = chunks.reduce(Int64(0)) { $0 + $1.bytes }
        guard total * Self.memoryFactor > memoryBudget else { return nil }
        // A quarter of the budget per batch leaves room for the rollup and the answer.
        let perBatch = max(1, memoryBudget / 4 / Self.memoryFactor)
        var batches: [ClosedRange<Int64>] = []
        var first: Int64?, last: Int64 = 0, bytes: Int64 = 0
        for c in chunks {
            if let f = first, bytes + c.bytes > perBatch {
                batches.append(f...last)
                first = nil
                bytes = 0
            }
            if first == nil { first = c.id }
            last = c.id
            bytes += c.bytes
        }
        if let f = first { batches.append(f...last) }
        return batches
    }

    /// Reads the scope's chunks batch by batch on one snapshot of the store, handing each batch
    /// (only the columns of `fields`) and its rows in scope to `body`.
    func stream(dataset: String, scope: Scope, fields: [String]?, batches: [ClosedRange<Int64>],
                _ body: (EventTable, RowSet) throws -> Void) throws {
        try reader.snapshot {
            // One table for every batch: the values are read once, the rows batch by batch.
            var loaded: LoadedDataset?
            for batch in batches {
                if loaded == nil {
                    loaded = try reader.load(dataset: dataset, window: TimeWindow(scope), chunks: batch, fields: fields)
                } else {
                    try reader.loadNext(&loaded!, chunks: batch)
                }
                let part = loaded!.table
                try body(part, scope.rows(in: part))
            }
        }
    }

    /// The table of `loaded` to answer about `scope`: with its large dictionaries re-coded to
    /// the values present (``EventTable/localized(minimumValues:)``) when the scope is a time
    /// window holding less than half the dataset, whose rows use a small part of dictionaries
    /// built over all of it; as loaded otherwise (most values are used, re-coding is wasted).
    func held(_ loaded: LoadedDataset, scope: Scope) -> EventTable {
        guard TimeWindow(scope) != .all, let total = try? reader.eventCount(dataset: loaded.dataset),
              Int64(loaded.table.count) * 2 < total else { return loaded.table }
        return loaded.table.localized()
    }

    public func query(_ query: Query, dataset: String) throws -> Answer<QueryResult> {
        let fields = query.fieldsRead
        guard let batches = try plan(dataset: dataset, scope: query.scope, fields: fields) else {
            return Answer(try query.run(held(try load(dataset: dataset, scope: query.scope, fields: fields), scope: query.scope)))
        }
        var rollup = query.makeRollup()
        try stream(dataset: dataset, scope: query.scope, fields: fields, batches: batches) { part, rows in rollup.add(part, rows: rows) }
        return Answer(try query.run(rollup: rollup), notes: .streamed)
    }

    public func heatmap(dataset: String, scope: Scope, field: String, options: HeatmapOptions) throws -> Answer<Heatmap> {
        let fields = [field] + scope.filters.map(\.field)
        if let from = options.from, let to = options.to, to > from,
           let batches = try plan(dataset: dataset, scope: scope, fields: fields) {
            // Time buckets as the heatmap draws them (see `TimeAxis`): the rollup keeps each
            // event's bucket, never its time.
            let span = to - from, n = Int64(max(1, options.timeBuckets))
            let width = max(1, span / n + (span % n == 0 ? 0 : 1))
            var rollup = Rollup(fields: [field], granularity: width, origin: from, floor: from)
            try stream(dataset: dataset, scope: scope, fields: fields, batches: batches) { part, rows in rollup.add(part, rows: rows) }
            let table = rollup.table()
            return Answer(Heatmap.compute(table, rows: .all(table.count), field: field, options: options), notes: .streamed)
        }
        let table = held(try load(dataset: dataset, scope: scope, fields: fields), scope: scope)
        return Answer(Heatmap.compute(table, scope: scope, field: field, options: options))
    }

    public func bubbleUp(dataset: String, scope: Scope, selection: [Filter], options: BubbleUpOptions) throws -> Answer<BubbleUpResult> {
        let (batches, small) = try bubbleUpPlan(dataset: dataset, scope: scope)
        if small {
            return Answer(BubbleUp.run(held(try load(dataset: dataset, scope: scope), scope: scope), scope: scope, selection: selection, options: options))
        }
        return try storedBubbleUp(dataset: dataset, scope: scope, batches: batches, selectionFields: selection.map(\.field),
                                  options: options) { part, rows in rows.filtered(by: selection, in: part) }
    }

    /// How BubbleUp reads `scope`: its batches (nil: whole), and whether it is a time window
    /// whose chunks hold less than half of the dataset. Such a window is loaded as a table
    /// with its dictionaries re-coded to the values it holds (``held(_:scope:)``): counters
    /// sized by a week's dictionary of span ids would cost more than the two hours asked
    /// about. Over most of a dataset, the codes are counted where they are stored instead
    /// (``storedBubbleUp``).
    private func bubbleUpPlan(dataset: String, scope: Scope) throws -> (batches: [ClosedRange<Int64>]?, smallWindow: Bool) {
        let window = TimeWindow(scope)
        let chunks = try reader.chunkPlan(dataset: dataset, window: window)
        let batches = plan(chunks)
        guard batches == nil, window != .all else { return (batches, false) }
        let events = chunks.reduce(Int64(0)) { $0 + $1.events }
        return (nil, events * 2 < (try reader.eventCount(dataset: dataset)))
    }

    /// BubbleUp counted where the codes are stored (``StoreReader/scanColumns(of:fields:_:)``):
    /// a table of only the fields the scope and the selection filter on gives each event's
    /// group, then every field's codes are counted chunk by chunk without building a table of
    /// them; a second pass reads only the fields of the candidate combinations. One batch
    /// when the scope fits the memory budget, else `batches`, each read the same way.
    private func storedBubbleUp(dataset: String, scope: Scope, batches: [ClosedRange<Int64>]?, selectionFields: [String],
                                options: BubbleUpOptions, select: (EventTable, RowSet) -> RowSet) throws -> Answer<BubbleUpResult> {
        // Streamed: counting a value takes about 64 bytes; a field's values get at most a 64th
        // of the budget before the field is taken as ID-like. In one batch, the scope fits in
        // memory, and so do counters as many as its fields' values: none is capped.
        let maxDistinct = batches == nil ? Int.max
            : Int(min(Int64(BubbleUpAccumulator.maxDistinct), max(4_096, memoryBudget / 64 / 64)))
        var accumulator = BubbleUpAccumulator(options: options, selectedFields: Set(selectionFields.filter { $0 != FieldName.timestamp }),
                                              maxDistinct: maxDistinct, denseLimit: batches == nil ? Int.max : BubbleUpAccumulator.denseLimit)
        let window = TimeWindow(scope), all = batches ?? [Int64.min...Int64.max]
        let filtered = Array(Set(scope.filters.map(\.field) + selectionFields).subtracting([FieldName.timestamp])).sorted()
        /// A batch's events with only the fields filtered on, and each one's group.
        func grouped(_ batch: ClosedRange<Int64>) throws -> (LoadedDataset, [UInt8]) {
            let part = try reader.load(dataset: dataset, window: window, chunks: batch, fields: filtered)
            let rows = scope.rows(in: part.table)
            return (part, StoredChunk.groups(scope: rows, selected: select(part.table, rows)))
        }
        /// Hands each chunk of a batch to `count`, with its groups and sample rates.
        /// The next chunk is read while this one is counted (see ``StoreReader/scanColumns(of:fields:_:)``).
        func scan(_ part: LoadedDataset, _ groups: [UInt8], fields: Set<String>?, _ count: (StoredChunk) -> Bool) throws {
            try groups.withUnsafeBufferPointer { g in
                try part.table.sampleRates.withUnsafeBufferPointer { r in
                    try reader.scanColumns(of: part, fields: fields) { at, columns in
                        let chunk = StoredChunk(groups: UnsafeBufferPointer(rebasing: g[at]),
                                                rates: r.isEmpty ? r : UnsafeBufferPointer(rebasing: r[at]), columns: columns)
                        guard count(chunk) else { throw StoreError.corrupt("a column of \(dataset) holds codes beyond its values") }
                    }
                }
            }
        }
        // Mapped when the scope fits the budget: streamed, every page read would stay counted
        // in the process's memory until the end.
        try reader.mapped(batches == nil) {
            try reader.snapshot {
                // Every field's values, no rows; their counters are made while the first
                // batch's groups load.
                let values = try reader.load(dataset: dataset, window: window, chunks: Int64.min...Int64.min).table
                var first: Result<(LoadedDataset, [UInt8]), Error>? = accumulator.begin(values) { Result { try grouped(all[0]) } }
                // One batch: its groups serve both passes.
                var kept: (LoadedDataset, [UInt8])?
                for batch in all {
                    let (part, groups) = try first?.get() ?? grouped(batch)
                    first = nil
                    try scan(part, groups, fields: nil) { accumulator.count($0) }
                    if all.count == 1 { kept = (part, groups) }
                }
                accumulator.finishCounting()
                guard !accumulator.combinationFields.isEmpty else { return }
                let fields = Set(accumulator.combinationFields)
                for batch in all {
                    let (part, groups) = try kept ?? grouped(batch)
                    try scan(part, groups, fields: fields) { accumulator.countCombinations($0) }
                }
            }
        }
        var notes: AnswerNotes = batches == nil ? [] : .streamed
        if !accumulator.cappedFields.isEmpty { notes.insert(.cappedDistinct) }
        return Answer(accumulator.result(), notes: notes)
    }

    /// Datasets with more fields than this show raw events without loading every field.
    static let wideDataset = 512

    public func events(dataset: String, scope: Scope, limit: Int) throws -> [Event] {
        guard let batches = try plan(dataset: dataset, scope: scope, fields: nil) else {
            if try reader.fieldNames(dataset: dataset).count > Self.wideDataset {
                // Many fields, most absent from most events: load only what the scope asks
                // about, then read the few events shown field by field from the store.
                let needed = Array(Set(scope.filters.map(\.field)))
                let loaded = try load(dataset: dataset, scope: scope, fields: needed)
                return try reader.events(of: loaded, rows: Query.newestRows(loaded.table, scope: scope, limit: limit))
            }
            let table = try load(dataset: dataset, scope: scope).table
            return Query.newestRows(table, scope: scope, limit: limit).map { table.event(at: $0) }
        }
        // The newest of each batch, then the newest of those (ties: the later chunk first).
        var newest: [(time: Int64, order: Int, event: Event)] = []
        var order = 0
        try stream(dataset: dataset, scope: scope, fields: nil, batches: batches) { part, rows in
            for row in Query.newestRows(part, rows: rows, limit: limit).reversed() {
                newest.append((part.timestamps[row], order, part.event(at: row)))
                order += 1
            }
            newest.sort { $0.time != $1.time ? $0.time > $1.time : $0.order > $1.order }
            if newest.count > limit { newest.removeLast(newest.count - limit) }
        }
        return newest.map(\.event)
    }

    public func goodCounts(dataset: String, eligible: [Filter], good: [Filter], windows: [TimeWindow]) throws -> [GoodCount] {
        guard !windows.isEmpty else { return [] }
        // One load covering every window; the counting is per window on the sorted times.
        let from = windows.contains { $0.from == nil } ? nil : windows.compactMap(\.from).min()
        let to = windows.contains { $0.to == nil } ? nil : windows.compactMap(\.to).max()
        let fields = (eligible + good).map(\.field)
        let scope = Scope(from: from, to: to)
        guard let batches = try plan(dataset: dataset, scope: scope, fields: fields) else {
            let table = try reader.load(dataset: dataset, window: TimeWindow(from: from, to: to), fields: fields).table
            return GoodCount.count(table, eligible: eligible, good: good, windows: windows)
        }
        // Counts add up over batches of chunks.
        var sums = windows.map { _ in GoodCount(eligible: 0, good: 0) }
        try stream(dataset: dataset, scope: scope, fields: fields, batches: batches) { part, _ in
            for (k, c) in GoodCount.count(part, eligible: eligible, good: good, windows: windows).enumerated() {
                sums[k].eligible += c.eligible
                sums[k].good += c.good
            }
        }
        return sums
    }

    public func bubbleUp(dataset: String, scope: Scope, failing good: [Filter], options: BubbleUpOptions) throws -> Answer<BubbleUpResult> {
        let (batches, small) = try bubbleUpPlan(dataset: dataset, scope: scope)
        if small {
            let table = held(try load(dataset: dataset, scope: scope), scope: scope)
            let prepared = BubbleUp.prepare(table, scope: scope, options: options)
            let goodRows = prepared.scopeRows.filtered(by: good, in: table)
            return Answer(prepared.run(selectionRows: prepared.scopeRows.subtracting(goodRows),
                                       selectedFields: Set(good.map(\.field).filter { $0 != FieldName.timestamp })))
        }
        return try storedBubbleUp(dataset: dataset, scope: scope, batches: batches, selectionFields: good.map(\.field),
                                  options: options) { part, rows in rows.subtracting(rows.filtered(by: good, in: part)) }
    }

    public func versionField(dataset: String) throws -> String { try reader.versionField(dataset: dataset) }

    public func traceFields(dataset: String) throws -> TraceFields { try reader.traceFields(dataset: dataset) }

    public func versions(dataset: String, scope: Scope, field: String, metric: String, error: [Filter]) throws -> Answer<[VersionSummary]> {
        let table = try load(dataset: dataset, scope: scope).table
        return Answer(VersionSummary.summarize(table, scope: scope, field: field, metric: metric, error: error))
    }

    public func compareSamples(dataset: String, request: CompareRequest) throws -> Answer<CompareSamples> {
        let table = try reader.load(dataset: dataset, window: request.window).table
        return Answer(CompareSamples.extract(from: table, request: request))
    }

    /// The span fields of `dataset`, and `read` with the fields of `filters` added.
    private func spanFields(dataset: String, filters: [Filter], read: (SpanFields) -> [String]) throws -> (SpanFields, [String]) {
        let fields = SpanFields.resolve(try reader.fieldNames(dataset: dataset))
        return (fields, Self.adding(filters, to: read(fields)))
    }

    /// `fields` and those of `filters` not among them.
    private static func adding(_ filters: [Filter], to fields: [String]) -> [String] {
        var out = fields
        for f in filters.map(\.field) where !out.contains(f) && f != FieldName.timestamp { out.append(f) }
        return out
    }

    /// Entries of durations a streamed services overview or map holds per service or edge
    /// before folding equal values (12 bytes each; see `DurationFold`).
    private var foldSlack: Int { Int(max(16, min(Int64(1) << 24, memoryBudget / 256))) }

    public func services(dataset: String, request: ServicesRequest) throws -> Answer<ServicesReport> {
        // Ids are not needed: only the service, error and duration fields are read.
        let (fields, read) = try spanFields(dataset: dataset, filters: request.filters) { $0.summary }
        var accumulator = ServicesAccumulator(fields: fields, request: request, foldSlack: foldSlack)
        let scope = accumulator.scope
        guard let batches = try plan(dataset: dataset, scope: scope, fields: read) else {
            let table = try reader.load(dataset: dataset, window: request.readWindow, fields: read).table
            return Answer(Services.summarize(table, fields: fields, request: request))
        }
        try stream(dataset: dataset, scope: scope, fields: read, batches: batches) { part, rows in accumulator.add(part, rows: rows) }
        return Answer(accumulator.report(), notes: .streamed)
    }

    public func serviceMap(dataset: String, scope: Scope) throws -> Answer<ServiceMap> {
        let (fields, read) = try spanFields(dataset: dataset, filters: scope.filters) { $0.all }
        guard let batches = try plan(dataset: dataset, scope: scope, fields: read) else {
            let table = try reader.load(dataset: dataset, window: TimeWindow(scope), fields: read).table
            return Answer(ServiceMap.build(table, fields: fields, scope: scope))
        }
        // Two passes on one snapshot: span id → service and trace, then the calls in scope.
        var accumulator = ServiceMapAccumulator(fields: fields, foldSlack: foldSlack)
        try reader.snapshot {
            try stream(dataset: dataset, scope: scope, fields: ServiceMapAccumulator.spanFields(fields), batches: batches) { part, _ in
                accumulator.addSpans(part)
            }
            accumulator.finishSpans()
            let calls = Self.adding(scope.filters, to: [fields.trace, fields.parent] + fields.summary)
            try stream(dataset: dataset, scope: scope, fields: calls, batches: batches) { part, rows in accumulator.addCalls(part, rows: rows) }
        }
        return Answer(accumulator.map(), notes: .streamed)
    }
}

/// The memory budget of one process's answers: `--memory SIZE`, `KILN_MEMORY`, or a quarter
/// of the machine's memory.
public enum MemoryBudget {
    /// A quarter of physical memory (1 GiB when it cannot be read).
    public static var defaultBytes: Int64 {
        let pages = Int64(sysconf(Int32(_SC_PHYS_PAGES))), size = Int64(sysconf(Int32(_SC_PAGESIZE)))
        return pages > 0 && size > 0 ? pages * size / 4 : 1 << 30
    }
}
