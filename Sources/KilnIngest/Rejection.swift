/// A line that could not be decoded.
public struct Rejection: Equatable, Hashable, Sendable, CustomStringConvertible {
    /// The 1-based line number in the stream (empty lines count).
    public var line: Int
    /// What is wrong and where, e.g. `expected ':' after key "status" (column 27)`.
    public var reason: String

    /// Makes a rejection.
    public init(line: Int, reason: String) {
        self.line = line
        self.reason = reason
    }

    /// `line N: reason`.
    public var description: String { "line \(line): \(reason)" }
}
