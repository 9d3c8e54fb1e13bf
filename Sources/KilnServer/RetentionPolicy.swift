import KilnIngest
import KilnCore
import Foundation
import KilnStore

/// How much data the server keeps: events older than ``maxAge`` and, past ``maxBytes`` of
/// stored data, the oldest events go, always in whole chunks, with the dictionary values only
/// they used (see `EventStore.dropChunks` and `EventStore.shrink`). Applied by the commit
/// thread every ``interval`` seconds; the size limit also after any commit that crosses it.
/// Another store applies it itself (``ServerConfiguration/retentionPass``, ClickHouse: whole day
/// partitions), every ``interval`` seconds.
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
    public struct Outcome: Sendable {
        /// What it deleted.
        public var removed = RetentionResult()
        /// The store's size after it, when measured.
        public var usedBytes: Int64?
        /// Why it failed, or why the store stays over its size limit (shown by `/healthz`).
        public var error: String?

        /// Makes an outcome.
        public init(removed: RetentionResult = RetentionResult(), usedBytes: Int64? = nil, error: String? = nil) {
            self.removed = removed
            self.usedBytes = usedBytes
            self.error = error
        }
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
        } catch {
            outcome.error = "retention failed: \(error)"
        }
        let bySize = enforceSize(path: path)
        outcome.removed.add(bySize.removed)
        outcome.usedBytes = bySize.usedBytes
        outcome.error = outcome.error ?? bySize.error
        return outcome
    }

    /// Applies ``maxBytes`` only (after a commit that took the store over it, or when the disk
    /// filled up: then `force` of the events go, see `EventStore.shrink`). Never throws.
    func enforceSize(path: String, force: Double = 0) -> Outcome {
        var outcome = Outcome()
        guard let maxBytes, FileManager.default.fileExists(atPath: path) else { return outcome }
        do {
            outcome.removed = try EventStore.shrink(toBytes: maxBytes, path: path, force: force)
            let used = try EventStore.limitedBytes(path: path)
            outcome.usedBytes = used
            if used > maxBytes {
                // Reported by /healthz while it lasts.
                outcome.error = """
                the store takes \(used) bytes (data and write-ahead log), over --max-db-size \(maxBytes): \
                each dataset's newest chunk is kept
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
