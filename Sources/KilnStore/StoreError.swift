/// An error from the event store: what failed, where, and SQLite's own message when it has one.
public struct StoreError: Error, CustomStringConvertible, Sendable {
    /// A short machine-readable reason.
    public enum Code: Sendable { case sqlite, notFound, corrupt, invalidArgument, busy, full, cancelled, notKilnStore, permission }
    /// The reason.
    public let code: Code
    /// What a user reads.
    public let message: String
    /// SQLite's extended result code, when SQLite reported the error.
    public var sqliteCode: Int32 = 0

    /// The text shown to users.
    public var description: String { message }

    static func sqlite(_ call: String, rc: Int32, message: String, path: String) -> StoreError {
        let c: Code = (rc == 5 || rc == 6) ? .busy : (rc == 13 ? .full : .sqlite)
        return StoreError(code: c, message: "\(path): \(call) failed: \(message) (SQLite code \(rc))", sqliteCode: rc)
    }

    /// Makes an error.
    public init(code: Code, message: String, sqliteCode: Int32 = 0) {
        self.code = code
        self.message = message
        self.sqliteCode = sqliteCode
    }

    /// An existing file that is not a Kiln store; it is not written to.
    static func notKilnStore(_ path: String, _ why: String, writing: Bool = false) -> StoreError {
        StoreError(code: .notKilnStore, message: "\(path): not a Kiln store (\(why))" + (writing ? "; refusing to write to it" : ""))
    }

    /// The file exists but this user may not read it.
    static func permission(_ path: String, _ what: String) -> StoreError {
        StoreError(code: .permission, message: "\(path): \(what)")
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
