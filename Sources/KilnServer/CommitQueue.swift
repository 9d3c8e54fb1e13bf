import KilnIngest
import Foundation
#if canImport(Glibc)
import Glibc
#endif
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
        /// Set while the disk is full (commits fail); cleared by the next commit that succeeds.
        var diskError: String?
        /// The size limit in force when the disk filled up before `--max-db-size`.
        var loweredMaxBytes: Int64?
        /// Per dataset, field values dropped past the field limit (or for a name too long).
        var droppedValues: [String: Int] = [:]
    }

    /// Most events merged into one commit (one chunk) per dataset.
    static let maxEventsPerCommit = 65_536

    private let path: String
    private let maxQueued: Int
    /// The policy; its size limit is lowered when the disk fills up before it (see ``recoverFromFullDisk()``).
    private var retention: RetentionPolicy
    /// The size limit given (``retention`` may hold a lower one).
    private let configuredMaxBytes: Int64?
    /// Set while commits fail for want of disk space (commit thread only).
    private var diskFull = false
    /// Most events per merged chunk under the size limit (see `StoreWriter.maxMergedRows`).
    private var mergedRows = EventStore.chunkRows
    /// No size check before this (after one that could free nothing).
    private var nextSizeCheck = Date.distantPast
    private let maxFields: Int
    private let clock: @Sendable () -> Int64
    private let condition = NSCondition()
    private var queue: [Pending] = []
    private var stats = Stats()
    private var stopping = false
    private var finished = false
    private var writers: [String: any EventSink] = [:]
    private let sinks: EventSinkFactory?
    /// Retention of the store behind ``sinks`` (see ``ServerConfiguration/retentionPass``).
    private let retentionPass: (@Sendable (RetentionPolicy, Int64) -> RetentionPolicy.Outcome)?
    /// Set while a pass of ``retentionPass`` runs (under the lock).
    private var retentionPassRunning = false
    private var thread: Thread?

    /// A queue committing into the store at `path`.
    init(path: String, maxQueuedEvents: Int, retention: RetentionPolicy, maxFields: Int = StoreWriter.defaultMaxFields,
         sinks: EventSinkFactory? = nil, retentionPass: (@Sendable (RetentionPolicy, Int64) -> RetentionPolicy.Outcome)? = nil,
         clock: @escaping @Sendable () -> Int64) {
        self.path = path
        self.sinks = sinks
        self.retentionPass = retentionPass
        self.maxFields = maxFields
        self.maxQueued = maxQueuedEvents
        self.retention = retention
        self.configuredMaxBytes = retention.maxBytes
        self.clock = clock
    }

    /// Starts the commit thread.
    func start() {
        if retention.maxBytes != nil, sinks == nil {
            _ = logBound
            makeReserve()
        }
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
        var outOfSpace = false
        var committedAny = false
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
                if let e = error as? StoreError, e.code == .full || (e.code == .sqlite && Self.isWriteFailure(e.message)) { outOfSpace = true }
            }
            if failure == nil { committedAny = true }
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
        // What /healthz says changes before any client hears of this round.
        if outOfSpace && configuredMaxBytes != nil {
            condition.lock()
            stats.diskError = stats.diskError ?? "the disk filled up before --max-db-size: deleting the oldest events to make room"
            condition.unlock()
        } else if committedAny && diskFull {
            condition.lock()
            stats.diskError = nil
            condition.unlock()
        }
        for (p, failure) in outcomes {
            let waiter = p.waiter
            if let failure, waiter.failure == nil { waiter.failure = failure }
            waiter.remaining -= 1
            if waiter.remaining == 0 {
                waiter.continuation.resume(returning: waiter.failure.map { .failure($0) } ?? .success(Committed(droppedFields: waiter.dropped)))
            }
        }
        if outOfSpace {
            recoverFromFullDisk()
        } else if committedAny {
            if diskFull {
                // Commits go through again: the disk has room.
                diskFull = false
                makeReserve()
            }
            enforceSizeLimit()
        }
    }

    /// After a commit: when the store (pages in use and the write-ahead log) is over the size
    /// limit, deletes the oldest events at once, not at the next periodic pass.
    private func enforceSizeLimit() {
        // Another store's size is checked by its own pass (see `maintain()`).
        guard let maxBytes = retention.maxBytes, sinks == nil, Date() >= nextSizeCheck else { return }
        let measured: Int64
        do {
            measured = try (writers.values.first as? StoreWriter)?.limitedBytes() ?? EventStore.limitedBytes(path: path)
        } catch {
            return
        }
        // Merged chunks of at most a sixteenth of the limit: retention deletes whole chunks.
        if let events = try? (writers.values.first as? StoreWriter)?.storedEvents(), events > 1_000 {
            let perEvent = max(1, measured / events)
            mergedRows = Int(min(max(maxBytes / 16 / perEvent, 256), Int64(EventStore.chunkRows)))
            for case let w as StoreWriter in writers.values { w.maxMergedRows = mergedRows }
        }
        guard measured > maxBytes else {
            condition.lock()
            stats.usedBytes = measured
            condition.unlock()
            return
        }
        let outcome = retention.enforceSize(path: path)
        record(outcome)
        // Still over (only each dataset's newest chunk is left, or a reader holds the log):
        // do not try again after every commit.
        if outcome.error != nil { nextSizeCheck = Date().addingTimeInterval(1) }
    }

    /// A file of zeros beside the store, `<db>-reserve`, deleted when the disk fills up so that
    /// retention has room to checkpoint the write-ahead log and write the deletion; made again
    /// once commits go through and the disk has room for twice it. Four times ``logBound``: the log, a commit
    /// past it, and the checkpoint that moves it into the file.
    private var reservePath: String { path + "-reserve" }

    /// The write-ahead log's bound under a size limit: an eighth of the limit and a thirty-second
    /// of the disk's free space at start, between 256 KiB and 4 MiB (SQLite's default).
    private lazy var logBound: Int64 = {
        let limit = configuredMaxBytes ?? (4 << 20)
        return min(max(min(limit / 8, freeDiskBytes().map { $0 / 32 } ?? limit), 256 << 10), 4 << 20)
    }()

    /// Bytes this user may still write on the store's file system.
    private func freeDiskBytes() -> Int64? {
        let directory = (path as NSString).deletingLastPathComponent
        var fs = statvfs()
        guard statvfs(directory.isEmpty ? "." : directory, &fs) == 0 else { return nil }
        return Int64(fs.f_bavail) * Int64(fs.f_frsize)
    }

    private func fileSize(_ path: String) -> Int64? {
        var st = stat()
        return stat(path, &st) == 0 ? Int64(st.st_size) : nil
    }

    private func makeReserve() {
        guard configuredMaxBytes != nil, !FileManager.default.fileExists(atPath: reservePath) else { return }
        let size = 4 * logBound
        guard let free = freeDiskBytes(), free >= 2 * size else { return }
        // Best effort: on a disk without room for it, it is simply not there.
        if !FileManager.default.createFile(atPath: reservePath, contents: Data(count: Int(size))) {
            try? FileManager.default.removeItem(atPath: reservePath)
        }
    }

    /// A commit failed for want of disk space, before the store reached `--max-db-size`:
    /// frees the reserve, lowers the limit in force to 40% of the space the store had (its
    /// file, log and reserve, and what is free): a rebuild of the dictionaries after deleting
    /// writes up to the data again into the log. Then deletes the oldest events (a quarter,
    /// else half, else three quarters, until the deletion and the rebuild fit), so the next
    /// commits fit. Reported by `/healthz` until a commit goes through.
    private func recoverFromFullDisk() {
        guard let configured = configuredMaxBytes else {
            condition.lock()
            stats.diskError = "the disk is full and there is no --max-db-size: nothing is deleted to make room"
            condition.unlock()
            return
        }
        diskFull = true
        let reserve = fileSize(reservePath) ?? 0
        try? FileManager.default.removeItem(atPath: reservePath)
        let space = (fileSize(path) ?? 0) + (fileSize(path + "-wal") ?? 0) + reserve + (freeDiskBytes() ?? 0)
        let lowered = min(retention.maxBytes ?? configured, max(space * 2 / 5, 1 << 20))
        if lowered != retention.maxBytes {
            retention.maxBytes = lowered
            for case let w as StoreWriter in writers.values { w.boundLog(bytes: min(logBound, lowered / 8)) }
        }
        var removed = RetentionResult()
        var last = RetentionPolicy.Outcome()
        for force in [0.25, 0.5, 0.75] {
            last = retention.enforceSize(path: path, force: force)
            removed.add(last.removed)
            if last.error == nil { break }
        }
        last.removed = removed
        record(last)
        condition.lock()
        stats.loweredMaxBytes = lowered
        stats.diskError = """
        the disk filled up (the store had \(space) bytes of it), before --max-db-size \(configured): the store is kept under \(lowered) \
        bytes from now on; deleted the oldest \(removed.events) events to make room\(last.error.map { " (\($0))" } ?? "")
        """
        condition.unlock()
    }

    private func record(_ outcome: RetentionPolicy.Outcome) {
        condition.lock()
        stats.retention.add(outcome.removed)
        stats.retentionError = outcome.error
        if let used = outcome.usedBytes { stats.usedBytes = used }
        condition.unlock()
    }

    private func writer(for dataset: String) throws -> any EventSink {
        if let w = writers[dataset] { return w }
        if writers.count >= 256 { writers.removeAll() }
        let w: any EventSink = try sinks?(dataset, clock()) ?? StoreWriter(path: path, dataset: dataset, now: clock())
        w.maxFields = maxFields
        // The store file's write-ahead log and chunks (another store applies its own limit).
        if let maxBytes = retention.maxBytes, let w = w as? StoreWriter {
            w.boundLog(bytes: min(logBound, maxBytes / 8))
            w.maxMergedRows = mergedRows
        }
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
        guard sinks == nil else {
            // Another store applies retention itself (ClickHouse: dropping day partitions), off
            // this thread: its statements wait on the network, commits must not.
            guard let pass = retentionPass, retention.maxAge != nil || retention.maxBytes != nil else { return }
            condition.lock()
            let running = retentionPassRunning
            retentionPassRunning = true
            condition.unlock()
            guard !running else { return }
            let policy = retention, now = clock()
            let thread = Thread { [self] in
                let outcome = pass(policy, now)
                record(outcome)
                condition.lock()
                retentionPassRunning = false
                condition.unlock()
            }
            thread.name = "kiln-retention"
            thread.start()
            return
        }
        record(retention.apply(path: path, now: clock()))
    }
}
