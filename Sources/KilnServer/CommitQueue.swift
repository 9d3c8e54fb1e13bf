import KilnIngest
import Foundation
import KilnCore
import KilnStore

/// Group commit: request handlers hand over decoded batches and wait; one thread takes
/// everything queued, appends it per dataset and commits each dataset once, then tells every
/// waiting request at once. A request is answered only after the commit that holds its events
/// returned (durable in the WAL), so an acknowledged event survives `kill -9`.
///
/// When more than ``IngestLimits/maxQueuedEvents`` are waiting, new requests are refused with
/// 503 and `Retry-After` instead of growing memory; a full disk or a busy store also gives 503.
/// Between commits the same thread applies retention (``RetentionPolicy``).
final class CommitQueue: @unchecked Sendable {
    /// The outcome of a request's part, shared by its parts (one per dataset).
    private final class Waiter {
        var remaining: Int
        var failure: ServerError?
        /// Per event of the request's parts, in order: fields the store dropped (empty when none).
        var dropped: [UInt32] = []
        let continuation: CheckedContinuation<Result<Committed, ServerError>, Never>

        /// How many parts (datasets) the request has.
        let parts: Int

        init(parts: Int, continuation: CheckedContinuation<Result<Committed, ServerError>, Never>) {
            self.parts = parts
            remaining = parts
            self.continuation = continuation
        }
    }

    private struct Pending {
        let dataset: String
        let batch: RawBatch
        let waiter: Waiter
    }

    /// Counters for `/healthz`.
    struct Stats: Sendable {
        var queuedEvents = 0
        var committedEvents: Int64 = 0
        var commits: Int64 = 0
        var failedCommits: Int64 = 0
        var refusedRequests: Int64 = 0
        var lastCommitMillis = 0.0
        var lastError: String?
        var lastCommitFailed = false
        var retention = RetentionResult()
        var retentionError: String?
        var usedBytes: Int64?
        /// Per dataset, field values dropped past the field limit (or for a name too long).
        var droppedValues: [String: Int] = [:]
    }

    /// Most events merged into one commit (one chunk) per dataset.
    static let maxEventsPerCommit = 65_536

    private let path: String
    private let maxQueued: Int
    private let retention: RetentionPolicy
    private let maxFields: Int
    private let clock: @Sendable () -> Int64
    private let condition = NSCondition()
    private var queue: [Pending] = []
    private var stats = Stats()
    private var stopping = false
    private var finished = false
    private var writers: [String: any EventSink] = [:]
    private let sinks: EventSinkFactory?
    private var thread: Thread?

    /// A queue committing into the store at `path`.
    init(path: String, maxQueuedEvents: Int, retention: RetentionPolicy, maxFields: Int = StoreWriter.defaultMaxFields,
         sinks: EventSinkFactory? = nil, clock: @escaping @Sendable () -> Int64) {
        self.path = path
        self.sinks = sinks
        self.maxFields = maxFields
        self.maxQueued = maxQueuedEvents
        self.retention = retention
        self.clock = clock
    }

    /// Starts the commit thread.
    func start() {
        let thread = Thread { [self] in self.loop() }
        thread.name = "kiln-commit"
        thread.stackSize = 4 << 20
        condition.lock()
        self.thread = thread
        condition.unlock()
        thread.start()
    }

    /// Commits what is queued, then ends the thread; waits for it.
    func stop() {
        condition.lock()
        stopping = true
        condition.broadcast()
        while !finished && thread != nil { condition.wait() }
        condition.unlock()
    }

    /// A snapshot of the counters.
    var snapshot: Stats {
        condition.lock()
        defer { condition.unlock() }
        return stats
    }

    /// What the store did with a request's events once they are durable.
    struct Committed {
        /// Per event (parts in the order they were committed): fields dropped past the dataset's
        /// field limit or for a name too long; empty when none was dropped.
        var droppedFields: [UInt32] = []
    }

    /// Queues `parts` and waits until all are durable (or failed). Empty batches are skipped.
    func submit(_ parts: [(dataset: String, batch: RawBatch)]) async -> Result<Committed, ServerError> {
        let parts = parts.filter { $0.batch.count > 0 }
        guard !parts.isEmpty else { return .success(Committed()) }
        let events = parts.reduce(0) { $0 + $1.batch.count }
        return await withCheckedContinuation { continuation in
            condition.lock()
            if stopping {
                condition.unlock()
                continuation.resume(returning: .failure(.overloaded("the server is shutting down", retryAfter: 5)))
                return
            }
            if stats.queuedEvents > 0 && stats.queuedEvents + events > maxQueued {
                stats.refusedRequests += 1
                let queued = stats.queuedEvents
                condition.unlock()
                continuation.resume(returning: .failure(.overloaded("the store is not keeping up (\(queued) events waiting); retry later")))
                return
            }
            let waiter = Waiter(parts: parts.count, continuation: continuation)
            for part in parts { queue.append(Pending(dataset: part.dataset, batch: part.batch, waiter: waiter)) }
            stats.queuedEvents += events
            condition.signal()
            condition.unlock()
        }
    }

    // MARK: The commit thread

    private func loop() {
        var nextMaintenance = Date()
        while true {
            condition.lock()
            while queue.isEmpty && !stopping && Date() < nextMaintenance {
                _ = condition.wait(until: nextMaintenance)
            }
            if queue.isEmpty && stopping {
                finished = true
                condition.broadcast()
                condition.unlock()
                return
            }
            let work = takeWork()
            condition.unlock()
            if !work.isEmpty { commit(work) }
            if Date() >= nextMaintenance {
                maintain()
                nextMaintenance = Date().addingTimeInterval(retention.interval)
            }
        }
    }

    /// Takes queued requests, at most ``maxEventsPerCommit`` events per dataset (at least one
    /// request), keeping the rest for the next round. Called with the lock held.
    private func takeWork() -> [Pending] {
        var taken: [Pending] = []
        var kept: [Pending] = []
        var perDataset: [String: Int] = [:]
        for p in queue {
            let n = perDataset[p.dataset, default: 0]
            if n > 0 && n + p.batch.count > Self.maxEventsPerCommit {
                kept.append(p)
            } else {
                perDataset[p.dataset] = n + p.batch.count
                taken.append(p)
            }
        }
        queue = kept
        return taken
    }

    private func commit(_ work: [Pending]) {
        var order: [String] = []
        var groups: [String: [Pending]] = [:]
        for p in work {
            if groups[p.dataset] == nil { order.append(p.dataset) }
            groups[p.dataset, default: []].append(p)
        }
        var outcomes: [(Pending, ServerError?)] = []
        for dataset in order {
            let group = groups[dataset] ?? []
            let started = DispatchTime.now().uptimeNanoseconds
            var failure: ServerError?
            var dropped = 0
            var perRow: [UInt32] = []
            do {
                let writer = try writer(for: dataset)
                let before = writer.droppedValues
                for p in group { writer.append(p.batch) }
                try writer.commit()
                dropped = writer.droppedValues - before
                perRow = (writer as? StoreWriter)?.lastDroppedPerRow ?? []
            } catch {
                // The writer keeps the failed rows pending: drop it, the clients are told to retry.
                writers[dataset] = nil
                failure = Self.serverError(error)
            }
            let millis = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e6
            let events = group.reduce(0) { $0 + $1.batch.count }
            condition.lock()
            stats.queuedEvents -= events
            stats.lastCommitMillis = millis
            stats.lastCommitFailed = failure != nil
            if let failure {
                stats.failedCommits += 1
                stats.lastError = failure.message
            } else {
                stats.commits += 1
                stats.committedEvents += Int64(events)
                if dropped > 0 { stats.droppedValues[dataset, default: 0] += dropped }
            }
            condition.unlock()
            var offset = 0
            for p in group {
                if !perRow.isEmpty {
                    let rows = perRow[offset..<(offset + p.batch.count)]
                    // Only a single-part request (a Honeycomb batch) maps these to its events.
                    if p.waiter.parts == 1, rows.contains(where: { $0 > 0 }) { p.waiter.dropped = Array(rows) }
                }
                offset += p.batch.count
                outcomes.append((p, failure))
            }
        }
        for (p, failure) in outcomes {
            let waiter = p.waiter
            if let failure, waiter.failure == nil { waiter.failure = failure }
            waiter.remaining -= 1
            if waiter.remaining == 0 {
                waiter.continuation.resume(returning: waiter.failure.map { .failure($0) } ?? .success(Committed(droppedFields: waiter.dropped)))
            }
        }
    }

    private func writer(for dataset: String) throws -> any EventSink {
        if let w = writers[dataset] { return w }
        if writers.count >= 256 { writers.removeAll() }
        let w: any EventSink = try sinks?(dataset, clock()) ?? StoreWriter(path: path, dataset: dataset, now: clock())
        w.maxFields = maxFields
        writers[dataset] = w
        return w
    }

    /// Store errors as replies: a full disk or a busy store is temporary (503 + Retry-After).
    static func serverError(_ error: Error) -> ServerError {
        if let t = error as? any TemporaryFailure, let seconds = t.retryAfter {
            return .overloaded("the store is unavailable: \(error)", retryAfter: seconds)
        }
        guard let e = error as? StoreError else {
            return ServerError(code: .storeFailure, message: "the store failed: \(error)")
        }
        switch e.code {
        case .full: return .overloaded("the disk is full: \(e.message)", retryAfter: 30)
        case .busy: return .overloaded("the store is busy: \(e.message)", retryAfter: 1)
        case .invalidArgument: return ServerError(code: .invalidArgument, message: e.message)
        case .sqlite where isWriteFailure(e.message):
            // SQLITE_IOERR or SQLITE_FULL under another name: the disk is full or failing. The
            // client keeps its events and retries; nothing is dropped silently.
            return .overloaded("the store cannot write: \(e.message)", retryAfter: 30)
        default: return ServerError(code: .storeFailure, message: "the store failed: \(e.message)")
        }
    }

    /// True for SQLite's I/O and disk-full result codes (10, 13 and their extended forms), read
    /// from the "(SQLite code N)" that `StoreError` messages end with.
    static func isWriteFailure(_ message: String) -> Bool {
        guard let range = message.range(of: "(SQLite code ", options: .backwards),
              let rc = Int(message[range.upperBound...].prefix { $0.isNumber }) else { return false }
        return rc & 0xFF == 10 || rc & 0xFF == 13
    }

    private func maintain() {
        // Retention of another store is that store's own business (ClickHouse: DROP PARTITION).
        guard sinks == nil else { return }
        let outcome = retention.apply(path: path, now: clock())
        condition.lock()
        stats.retention.chunks += outcome.removed.chunks
        stats.retention.events += outcome.removed.events
        stats.retention.bytes += outcome.removed.bytes
        stats.retentionError = outcome.error
        if let used = outcome.usedBytes { stats.usedBytes = used }
        condition.unlock()
    }
}
