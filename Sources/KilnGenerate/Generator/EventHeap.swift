import KilnCore

/// A min-heap of events by timestamp; ties leave in the order they came in.
struct EventHeap {
    private struct Entry {
        var timestamp: Int64
        var order: UInt64
        var event: Event

        @inline(__always)
        func precedes(_ other: Entry) -> Bool {
            timestamp < other.timestamp || (timestamp == other.timestamp && order < other.order)
        }
    }

    private var entries: [Entry] = []
    private var pushed: UInt64 = 0

    /// Number of waiting events.
    var count: Int { entries.count }

    /// The earliest waiting timestamp.
    var minTimestamp: Int64? { entries.first?.timestamp }

    /// Adds an event.
    /// - Complexity: O(log n)
    mutating func push(_ event: Event) {
        entries.append(Entry(timestamp: event.timestamp, order: pushed, event: event))
        pushed &+= 1
        var i = entries.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard entries[i].precedes(entries[parent]) else { break }
            entries.swapAt(i, parent)
            i = parent
        }
    }

    /// Removes and returns the earliest event.
    /// - Complexity: O(log n)
    mutating func popMin() -> Event? {
        guard !entries.isEmpty else { return nil }
        entries.swapAt(0, entries.count - 1)
        let top = entries.removeLast()
        var i = 0
        let n = entries.count
        while true {
            let left = 2 * i + 1
            guard left < n else { break }
            var child = left
            if left + 1 < n && entries[left + 1].precedes(entries[left]) { child = left + 1 }
            guard entries[child].precedes(entries[i]) else { break }
            entries.swapAt(i, child)
            i = child
        }
        return top.event
    }
}
