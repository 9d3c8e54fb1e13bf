/// A span of event time: the part of a dataset a backend reads to answer about a ``Scope``.
public struct TimeWindow: Sendable, Hashable {
    /// Inclusive start, nanoseconds since the epoch; nil for no lower bound.
    public var from: Int64?
    /// Exclusive end, nanoseconds since the epoch; nil for no upper bound.
    public var to: Int64?

    /// Makes a window; the default has no bounds.
    public init(from: Int64? = nil, to: Int64? = nil) {
        self.from = from
        self.to = to
    }

    /// The window of a scope's time range.
    public init(_ scope: Scope) {
        self.init(from: scope.from, to: scope.to)
    }

    /// Every event.
    public static let all = TimeWindow()

    /// The smallest time in the window.
    public var lowerBound: Int64 { from ?? .min }
    /// The largest time in the window (inclusive).
    public var upperBound: Int64 { to.map { $0 == .min ? .min : $0 - 1 } ?? .max }

    /// True when every time in `other` is in this window.
    public func contains(_ other: TimeWindow) -> Bool {
        lowerBound <= other.lowerBound && other.upperBound <= upperBound
    }

    /// True when the window holds `time`.
    public func contains(_ time: Int64) -> Bool {
        lowerBound <= time && time <= upperBound
    }
}
