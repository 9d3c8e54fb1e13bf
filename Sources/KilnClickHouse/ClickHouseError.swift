import KilnCore

/// An error talking to ClickHouse: what failed and where, with the server's own message.
/// Never holds a password.
public struct ClickHouseError: TemporaryFailure, CustomStringConvertible, Sendable {
    /// A short machine-readable reason.
    public enum Code: Sendable { case badURL, unavailable, server, protocolError, unsupported, notFound }
    /// The reason.
    public let code: Code
    /// What a user reads.
    public let message: String

    /// Makes an error.
    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }

    /// A server or shard that cannot be reached may come back: retry in 5 s.
    public var retryAfter: Int? {
        code == .unavailable || message.contains(" is unreachable") ? 5 : nil
    }

    static func badURL(_ why: String) -> ClickHouseError { ClickHouseError(code: .badURL, message: "bad ClickHouse URL: \(why)") }

    static func unavailable(_ where_: String, _ why: String) -> ClickHouseError {
        ClickHouseError(code: .unavailable, message: "ClickHouse at \(where_) is unavailable: \(why)")
    }

    static func server(_ where_: String, _ message: String) -> ClickHouseError {
        ClickHouseError(code: .server, message: "ClickHouse at \(where_): \(message)")
    }

    static func unsupported(_ what: String) -> ClickHouseError {
        ClickHouseError(code: .unsupported, message: "\(what) is not supported on ClickHouse yet")
    }

    static func noSuchDataset(_ name: String, known: [String]) -> ClickHouseError {
        let list = known.isEmpty ? "the store has no datasets yet" : "known: " + known.joined(separator: ", ")
        return ClickHouseError(code: .notFound, message: "no dataset named \"\(name)\" (\(list))")
    }
}
