import KilnCore

/// What decoding produced so far; the caller drains `events` and `rejections` after each call.
public struct DecodedBatch: Sendable {
    /// Decoded events, in input order.
    public var events: [Event]
    /// Rejected lines, in input order.
    public var rejections: [Rejection]
    /// Lines completed so far (including empty and rejected lines); each call adds to it.
    public var lines: Int
    /// Input bytes consumed so far; each call adds the size of its chunk.
    public var bytes: Int

    /// An empty batch.
    public init(events: [Event] = [], rejections: [Rejection] = [], lines: Int = 0, bytes: Int = 0) {
        self.events = events
        self.rejections = rejections
        self.lines = lines
        self.bytes = bytes
    }
}
