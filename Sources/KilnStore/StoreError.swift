/// An error from the event store: what failed, where, and SQLite's own message when it has one.
public struct StoreError: Error, CustomStringConvertible, Sendable {
    /// A short machine-readable reason.
    public enum Code: Sendable { case sqlite, notFound, corrupt, invalidArgument, busy, full, cancelled }
    /// The reason.
    public let code: Code
    /// What a user reads.
    public let message: String

    /// The text shown to users.
    public var description: String { message }

    static func sqlite(_ call: String, rc: Int32, message: String, path: String) -> StoreError {
        let c: Code = (rc == 5 || rc == 6) ? .busy : (rc == 13 ? .full : .sqlite)
        return StoreError(code: c, message: "\(path): \(call) failed: \(message) (SQLite code \(rc))")
    }

    static func noSuchDataset(_ name: String, known: [String]) -> StoreError {
        let list = known.isEmpty ? "the store has no datasets yet" : "known: " + known.joined(separator: ", ")
        return StoreError(code: .notFound, message: "no dataset named \"\(name)\" (\(list))")
    }

    static func corrupt(_ what: String) -> StoreError {
        StoreError(code: .corrupt, message: "store data is damaged: \(what)")
    }

    /// A load stopped because its progress callback said so.
    public static let cancelled = StoreError(code: .cancelled, message: "cancelled")

    static func invalid(_ what: String) -> StoreError {
        StoreError(code: .invalidArgument, message: what)
    }
}
