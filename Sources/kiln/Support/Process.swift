import Foundation
import Synchronization

/// Wall-clock time for the edges (commands pass it into the pure core as a value).
enum Clock {
    static func nowNanos() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }

    static func monotonic() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}

private let stopRequested = Atomic<Bool>(false)

/// SIGINT/SIGTERM ask long-running commands to finish cleanly (commit, then exit).
/// Installed without SA_RESTART so a blocking read returns and the loop sees the flag.
enum StopSignal {
    static func install() {
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in stopRequested.store(true, ordering: .relaxed) }
        sigemptyset(&action.sa_mask)
        action.sa_flags = 0
        sigaction(SIGINT, &action, nil)
        sigaction(SIGTERM, &action, nil)
    }

    static var isSet: Bool { stopRequested.load(ordering: .relaxed) }
}
