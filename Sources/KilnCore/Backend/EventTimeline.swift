/// How many raw events (not weighted by sample rate) a dataset holds per slice of a time
/// window: what a client that holds a window in memory plans its reads with.
///
/// Bucket `i` covers `[start + i × step, start + (i + 1) × step)`.
public struct EventTimeline: Sendable, Equatable {
    /// The first bucket's start, ns.
    public var start: Int64
    /// Each bucket's span, ns (at least 1).
    public var step: Int64
    /// Raw events per bucket, oldest bucket first.
    public var counts: [Int]

    /// Makes a timeline.
    public init(start: Int64, step: Int64, counts: [Int]) {
        self.start = start
        self.step = max(1, step)
        self.counts = counts
    }

    /// No events.
    public static let empty = EventTimeline(start: 0, step: 1, counts: [])

    /// Raw events in all buckets.
    public var total: Int { counts.reduce(0, +) }

    /// A slice of the window to read in one request, and how many events it holds.
    public struct Page: Sendable, Equatable {
        /// The slice.
        public var window: TimeWindow
        /// Raw events in it when counted.
        public var events: Int

        /// Makes a page.
        public init(window: TimeWindow, events: Int) {
            self.window = window
            self.events = events
        }
    }

    /// The pages that read `window` newest first, each about `pageEvents` events, stopping
    /// before the events read would pass `budgetEvents` (the newest non-empty bucket is always
    /// read). The pages tile `held`: all of `window` when it fits, else its newest part, cut at
    /// a bucket boundary so that every event of `held` is read.
    /// - Complexity: O(buckets)
    public func pages(of window: TimeWindow, pageEvents: Int, budgetEvents: Int) -> (pages: [Page], held: TimeWindow) {
        var pages: [Page] = []
        var top = window.to
        var pending = 0
        var read = 0
        var cut: Int64?
        let boundary = { (i: Int) -> Int64 in self.start &+ Int64(i) &* self.step }
        var i = counts.count - 1
        while i >= 0 {
            let n = counts[i]
            if n > 0 && read + pending > 0 && read + pending + n > budgetEvents {
                cut = boundary(i + 1)
                break
            }
            pending += n
            if pending >= max(1, pageEvents) {
                let from = boundary(i)
                pages.append(Page(window: TimeWindow(from: i == 0 ? window.from : from, to: top), events: pending))
                read += pending
                pending = 0
                top = from
            }
            i -= 1
        }
        if let cut {
            if pending > 0 {
                pages.append(Page(window: TimeWindow(from: cut, to: top), events: pending))
            } else if !pages.isEmpty {
                pages[pages.count - 1].window.from = cut
            }
            return (pages, TimeWindow(from: cut, to: window.to))
        }
        if pending > 0 {
            pages.append(Page(window: TimeWindow(from: window.from, to: top), events: pending))
        } else if !pages.isEmpty {
            // Only empty buckets are left below the last page: it reaches down to the window's start.
            pages[pages.count - 1].window.from = window.from
        }
        return (pages, window)
    }
}

/// A backend that can tell how a time window's events spread over time, so that a client
/// can read the window's raw events page by page, newest page first, within a memory budget:
/// the explorer over ClickHouse.
public protocol WindowPaging: EventBackend {
    /// Raw events of `dataset` in `window` per time bucket, about `buckets` buckets between
    /// the oldest and the newest event (``EventTimeline/empty`` when there are none).
    func eventTimeline(dataset: String, window: TimeWindow, buckets: Int) throws -> EventTimeline

    /// The raw events of `dataset` in `window` (a page of an ``EventTimeline``), oldest first:
    /// by time, and among events of the same time as they were written. At most `limit`.
    func windowEvents(dataset: String, window: TimeWindow, limit: Int) throws -> [Event]
}
