/// Where ingested events go: the embedded store's `StoreWriter` or ClickHouse's writer.
///
/// Events are buffered by `append` and made durable by ``commit()``: only what `commit`
/// returned is stored, so a server acknowledges a request after its commit and nothing sooner.
public protocol EventSink: AnyObject {
    /// The dataset written.
    var dataset: String { get }
    /// Events buffered and not yet committed.
    var pendingCount: Int { get }
    /// The most distinct fields the dataset keeps; later new fields are dropped.
    var maxFields: Int { get set }
    /// Field values dropped so far (past `maxFields`, or a name too long).
    var droppedValues: Int { get }
    /// Buffers decoded rows for the next commit.
    func append(_ batch: RawBatch)
    /// Writes every buffered event; returns how many were written. On failure nothing of the
    /// batch is stored and the events stay buffered.
    @discardableResult
    func commit() throws -> Int
}

extension EventSink {
    /// Buffers events for the next commit.
    public func append<S: Sequence>(events: S) where S.Element == Event {
        var batch = RawBatch()
        for event in events { batch.append(event) }
        append(batch)
    }
}

/// An error that passes: a server answers it with 503 and `Retry-After` so that clients keep
/// their events and send them again (a ClickHouse cluster that is down, for instance).
public protocol TemporaryFailure: Error {
    /// Seconds after which a retry may succeed; nil when the failure is not temporary.
    var retryAfter: Int? { get }
}

/// Makes the sink of one dataset (the server keeps one per dataset).
public typealias EventSinkFactory = @Sendable (_ dataset: String, _ now: Int64) throws -> any EventSink
