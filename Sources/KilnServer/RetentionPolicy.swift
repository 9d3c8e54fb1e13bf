import KilnIngest
import KilnCore
import Foundation
import KilnStore

/// How much data the server keeps: events older than ``maxAge`` and, past ``maxBytes`` of
/// stored data, the oldest events go, always in whole chunks (see `EventStore.dropChunks` and
/// `EventStore.shrink`). Applied by the commit thread every ``interval`` seconds.
public struct RetentionPolicy: Sendable, Equatable {
    /// Keep events younger than this (ns); nil keeps all.
    public var maxAge: Int64?
    /// Keep the store's data under this many bytes; nil for no limit.
    public var maxBytes: Int64?
    /// Seconds between passes.
    public var interval: TimeInterval

    /// Makes a policy.
    public init(maxAge: Int64? = nil, maxBytes: Int64? = nil, interval: TimeInterval = 10) {
        self.maxAge = maxAge
        self.maxBytes = maxBytes
        self.interval = interval
    }

    /// What one pass did.
    struct Outcome {
        var removed = RetentionResult()
        var usedBytes: Int64?
        var error: String?
    }

    /// Applies the policy to the store at `path` at time `now` (ns). Never throws: a failure is
    /// reported in the outcome and retried next pass.
    func apply(path: String, now: Int64) -> Outcome {
        var outcome = Outcome()
        guard FileManager.default.fileExists(atPath: path) else { return outcome }
        do {
            if let maxAge {
                let (cutoff, overflow) = now.subtractingReportingOverflow(maxAge)
                if !overflow { outcome.removed = try EventStore.dropChunks(olderThan: cutoff, path: path) }
            }
            if let maxBytes {
                let shrunk = try EventStore.shrink(toBytes: maxBytes, path: path)
                outcome.removed.chunks += shrunk.chunks
                outcome.removed.events += shrunk.events
                outcome.removed.bytes += shrunk.bytes
            }
            let used = try EventStore.usedBytes(path: path)
            outcome.usedBytes = used
            if let maxBytes, used > maxBytes {
                // Reported by /healthz while it lasts.
                outcome.error = """
                the store's data takes \(used) bytes, over --max-db-size \(maxBytes): each dataset's newest chunk is kept, \
                and field dictionaries are not reclaimed when chunks are deleted
                """
            }
        } catch {
            outcome.error = "retention failed: \(error)"
        }
        return outcome
    }

    /// Parses a duration such as `90s`, `30m`, `12h`, `7d`, `2w` into nanoseconds.
    public static func parseAge(_ text: String) -> Int64? {
        let t = text.trimmingSpaces().lowercased()
        let units: [(String, Double)] = [("ms", 1e6), ("s", 1e9), ("m", 60e9), ("h", 3600e9), ("d", 86400e9), ("w", 604800e9)]
        for (suffix, scale) in units where t.hasSuffix(suffix) {
            guard let v = Double(t.dropLast(suffix.count)), v.isFinite, v > 0, v * scale < 9e18 else { return nil }
            return Int64(v * scale)
        }
        return nil
    }

    /// Parses a size such as `500MB`, `10GB`, `1.5TB`, `10GiB` or a plain byte count.
    public static func parseSize(_ text: String) -> Int64? { ByteSize.parse(text) }
}
