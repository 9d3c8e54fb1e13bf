#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Synchronization

/// Gives the memory of large request bodies back to the system once a burst is over.
///
/// glibc keeps freed memory in its arenas (one per thread that allocated), so 64 concurrent
/// 25 MB bodies left the server holding 2 GB long after they were answered. When the last large
/// request in flight finishes and at least ``threshold`` bytes of large bodies came in since
/// the last release, `malloc_trim(0)` returns the free pages of every arena (measured with
/// `bench/burst.py`).
final class MemoryRelease: Sendable {
    /// Bodies at least this big count as large (1 MiB).
    static let largeBody = 1 << 20
    /// Release after this many bytes of large bodies (64 MiB).
    static let threshold = 64 << 20

    private struct State {
        var inFlight = 0
        var bytesSinceRelease = 0
    }
    private let state = Mutex(State())

    /// A large request of `bytes` started.
    func begin(bytes: Int) {
        state.withLock {
            $0.inFlight += 1
            $0.bytesSinceRelease += bytes
        }
    }

    /// A large request ended; releases memory when it was the last of a big enough burst.
    func end() {
        let release = state.withLock { s -> Bool in
            s.inFlight -= 1
            guard s.inFlight == 0, s.bytesSinceRelease >= Self.threshold else { return false }
            s.bytesSinceRelease = 0
            return true
        }
        guard release else { return }
        guard let trim = Self.mallocTrim else { return }
        // Off the request's thread: trimming walks every arena.
        Thread.detachNewThread { _ = trim(0) }
    }

    /// glibc's `malloc_trim`, looked up at run time (`<malloc.h>` is not in the Glibc module);
    /// nil on other C libraries.
    private static let mallocTrim: (@convention(c) (Int) -> Int32)? = {
        #if canImport(Glibc)
        // `KILN_MALLOC_TRIM=0` turns it off, for `bench/burst.py` to compare.
        if ProcessInfo.processInfo.environment["KILN_MALLOC_TRIM"] == "0" { return nil }
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) (Int) -> Int32).self)
        #else
        return nil
        #endif
    }()
}
