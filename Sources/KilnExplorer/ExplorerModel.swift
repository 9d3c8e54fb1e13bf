import Foundation
import KilnCore
import KilnStore

/// The events and the heavy results derived from them, beside the ``ExplorerState``.
///
/// Holds the dataset's ``EventTable`` (and other datasets once a trace needs them) and caches
/// what is costly to compute and often asked again: the rows in scope and the prepared
/// BubbleUp of a scope, keyed by everything they depend on. Asking twice with the same inputs
/// gives the same answer, so ``Explorer/update(_:_:model:)`` stays a function of its inputs
/// while plain cursor moves cost nothing. Only the run loop changes the table (``refresh(using:)``).
public final class ExplorerModel {
    /// The dataset loaded from a store, when there is one (refreshed in place).
    private var loaded: LoadedDataset?
    /// The table when there is no store (tests, benchmarks, `kiln demo` in memory).
    private var plain: EventTable
    /// Other datasets of the store, by name, loaded for traces.
    public internal(set) var others: [String: EventTable] = [:]
    /// Whether ``others`` holds every other dataset of the store.
    public internal(set) var othersLoaded = false

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

    /// The table (do not keep it across a refresh: holding a copy makes the next append copy it all).
    public var table: EventTable { loaded?.table ?? plain }

    /// Loads what writers committed since the last call; returns the number of new events.
    public func refresh(using reader: StoreReader) throws -> Int {
        guard loaded != nil else { return 0 }
        // A prepared BubbleUp holds the table; drop it unless the rows it covers stay valid
        // (they do: rows only ever get appended), to avoid copying the table on append.
        return try reader.refresh(&loaded!)
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

    /// Adds another dataset's table (for traces).
    public func addOther(_ name: String, table: EventTable) {
        others[name] = table
    }

    /// Marks the other datasets as loaded.
    public func markOthersLoaded() { othersLoaded = true }

    /// The table of `source` (nil: the main one).
    func table(_ source: String?) -> EventTable? {
        guard let source else { return table }
        return others[source]
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
