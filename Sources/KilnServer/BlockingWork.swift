import Foundation

/// Runs blocking work (a SQLite call that may wait for the store's lock) on a thread of its own,
/// so the few threads of Swift's cooperative pool, which serve every connection, never wait.
enum BlockingWork {
    static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, Error>) in
            let thread = Thread { continuation.resume(with: Result { try body() }) }
            thread.start()
        }
    }
}
