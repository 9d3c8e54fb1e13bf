import KilnCore

/// A time window of a dataset held in memory as it was read event by event from a source
/// that is not a store file (ClickHouse): the table, and where LIVE polling goes on from.
public struct HeldWindow: Sendable {
    private var builder = EventTableBuilder()
    /// The window asked for.
    public var askedWindow: TimeWindow
    /// The part of it held: all of it, or its newest part when the rest did not fit the budget.
    public var window: TimeWindow
    /// The newest event time held (ns), nil when nothing is.
    public private(set) var newest: Int64?
    /// How many events of time ``newest`` are held.
    public private(set) var atNewest = 0

    /// An empty window.
    public init(askedWindow: TimeWindow, window: TimeWindow) {
        self.askedWindow = askedWindow
        self.window = window
    }

    /// The events held.
    public var table: EventTable { builder.table }

    /// Appends events as new rows, in the order given (oldest first within a read).
    /// - Complexity: O(total fields)
    public mutating func append(_ events: [Event]) {
        guard !events.isEmpty else { return }
        builder.append(events)
        for e in events {
            if newest.map({ e.timestamp > $0 }) ?? true {
                newest = e.timestamp
                atNewest = 1
            } else if e.timestamp == newest {
                atNewest += 1
            }
        }
    }

    /// Of `answer`, every event from ``newest`` on, newest first (and among events of the
    /// same time, last written first), those not held yet, oldest first: all events newer
    /// than ``newest``, and of those at ``newest`` the ones past the ``atNewest`` held.
    /// - Complexity: O(answer)
    public func unseen(_ answer: [Event]) -> [Event] {
        guard let newest else { return answer.reversed() }
        let same = answer.reduce(0) { $0 + ($1.timestamp == newest ? 1 : 0) }
        var skip = min(same, atNewest)
        var out: [Event] = []
        out.reserveCapacity(answer.count)
        for e in answer.reversed() {
            if e.timestamp < newest { continue }
            if e.timestamp == newest && skip > 0 {
                // The oldest ones of that time are those held already.
                skip -= 1
                continue
            }
            out.append(e)
        }
        return out
    }
}
