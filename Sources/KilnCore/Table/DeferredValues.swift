import Synchronization

/// The values of a column that stay where they are stored until something asks for them.
///
/// Near-unique strings (span ids, trace ids, request ids) make up most of a dictionary's
/// bytes, yet heatmaps, BubbleUp counts and GROUP BY on other fields only need their codes.
/// A deferred column keeps its codes in memory and knows how many values of each kind it has;
/// the values themselves stay with `source`, in segments (the unit the store writes). Showing a
/// value reads just that value (kept in a bounded cache); asking for the whole
/// ``ValueDictionary`` (to filter or group on the field) loads every segment once and keeps it.
///
/// Immutable apart from its cache; appending segments makes a new value that shares the cache
/// (segments never change once written), so tables stay cheap to copy.
public struct DeferredValues: Sendable {
    /// One stored run of values: codes `firstCode ..< firstCode + count`.
    public struct Segment: Sendable, Equatable {
        /// The first code in the segment (codes start at 1).
        public let firstCode: Int
        /// How many values it holds.
        public let count: Int
        /// Where the source finds it (opaque to the table).
        public let key: Int64

        /// A segment of `count` values starting at code `firstCode`, found at `key`.
        public init(firstCode: Int, count: Int, key: Int64) {
            self.firstCode = firstCode
            self.count = count
            self.key = key
        }
    }

    /// Where the values are: reads one value, or a whole segment.
    public protocol Source: Sendable {
        /// The value with code `code` (`segment.firstCode <= code < segment.firstCode + segment.count`).
        func value(_ code: Int, in segment: Segment) throws -> Value
        /// Every value of `segment`, as a dictionary whose code 1 is `segment.firstCode`.
        func values(of segment: Segment) throws -> ValueDictionary
    }

    /// Segments in code order, contiguous from code 1.
    public private(set) var segments: [Segment]
    /// Number of values (the largest code).
    public private(set) var count: Int
    /// Values per kind, indexed by `ValueKind.rawValue`.
    public private(set) var kindCounts: [Int]
    private let source: any Source
    private let cache: Cache
    /// For a restricted copy (``restricted(to:)``): the stored code of each of its codes.
    private var codeMap: [UInt32]?
    /// For a restricted copy: its own values once materialized.
    private var localCache: Cache?

    /// Values loaded from `source` on demand; `kindCounts` as ``ValueDictionary/kindCounts``.
    public init(segments: [Segment], kindCounts: [Int], source: any Source) {
        self.segments = []
        self.count = 0
        self.kindCounts = [0, 0, 0, 0, 0]
        self.source = source
        self.cache = Cache()
        _ = append(segments: segments, kindCounts: kindCounts)
    }

    /// A copy holding only the values with stored codes `codes` (ascending), as codes
    /// 1...codes.count in that order: a time window's share of a dataset-wide dictionary.
    /// Nil unless every value is a string (then the kinds need no loading).
    public func restricted(to codes: [UInt32]) -> DeferredValues? {
        guard kindCounts[Int(ValueKind.string.rawValue)] == count, codeMap == nil else { return nil }
        var copy = self
        copy.codeMap = codes
        copy.count = codes.count
        copy.kindCounts = [0, 0, 0, 0, 0]
        copy.kindCounts[Int(ValueKind.string.rawValue)] = codes.count
        copy.localCache = Cache()
        return copy
    }

    /// Adds segments that follow the last one; false when they do not continue the codes.
    public mutating func append(segments more: [Segment], kindCounts more2: [Int]) -> Bool {
        guard codeMap == nil else { return false }
        var next = count + 1
        for s in more {
            guard s.firstCode == next, s.count >= 0 else { return false }
            next += s.count
        }
        segments.append(contentsOf: more)
        count = next - 1
        for k in 0..<min(kindCounts.count, more2.count) { kindCounts[k] += more2[k] }
        return true
    }

    /// The value with this code; nil for 0, for codes out of range, and when the source fails
    /// (see ``lastError``).
    /// - Complexity: O(log segments) once its segment is loaded
    public func value(_ code: Int) -> Value? {
        guard code >= 1, code <= count else { return nil }
        if let codeMap { return storedValue(Int(codeMap[code - 1])) }
        return storedValue(code)
    }

    /// The value with stored code `code`.
    private func storedValue(_ code: Int) -> Value? {
        guard code >= 1, let last = segments.last, code < last.firstCode + last.count else { return nil }
        var lo = 0, hi = segments.count
        while lo + 1 < hi {
            let mid = (lo + hi) / 2
            if segments[mid].firstCode <= code { lo = mid } else { hi = mid }
        }
        return cache.value(code, segment: segments[lo], source: source)
    }

    /// Every value, loaded once and kept.
    /// - Complexity: O(values) the first time
    public func materialized() -> ValueDictionary {
        if let codeMap, let localCache {
            return localCache.state.withLock { s in
                if let full = s.full { return full }
                var out = ValueDictionary()
                for code in codeMap { out.append(storedValue(Int(code)) ?? .string(DeferredValues.unreadable)) }
                s.full = out
                return out
            }
        }
        return cache.materialize(segments: segments, count: count, source: source)
    }

    /// Bytes of values held in memory now.
    public var residentBytes: Int { cache.residentBytes }

    /// The last error the source raised, if any.
    public var lastError: String? { cache.lastError }

    /// Shown in place of values whose segment cannot be read (the store went away or is
    /// damaged), so that later codes keep their values.
    public static let unreadable = "<unreadable>"

    /// Values looked up one by one (bounded), or all of them once materialized; shared by
    /// every copy of a column.
    final class Cache: Sendable {
        /// Single values kept at most; the cache starts over when full.
        static let capacity = 65_536

        struct State {
            var single: [Int: Value] = [:]
            var full: ValueDictionary?
            var lastError: String?
        }
        let state = Mutex(State())

        func value(_ code: Int, segment: Segment, source: any Source) -> Value? {
            state.withLock { s in
                if let full = s.full, full.count >= code { return full.value(code) }
                if let v = s.single[code] { return v }
                do {
                    let v = try source.value(code, in: segment)
                    if s.single.count >= Cache.capacity { s.single.removeAll(keepingCapacity: true) }
                    s.single[code] = v
                    return v
                } catch {
                    s.lastError = "\(error)"
                    return nil
                }
            }
        }

        func materialize(segments: [Segment], count: Int, source: any Source) -> ValueDictionary {
            state.withLock { s in
                if let full = s.full, full.count >= count { return full }
                var out = s.full ?? ValueDictionary()
                for segment in segments where segment.firstCode > out.count {
                    var part: ValueDictionary?
                    do { part = try source.values(of: segment) } catch { s.lastError = "\(error)" }
                    if let part, part.count == segment.count {
                        out.append(contentsOf: part)
                    } else {
                        for _ in 0..<segment.count { out.append(.string(DeferredValues.unreadable)) }
                        if s.lastError == nil { s.lastError = "values \(segment.firstCode)... could not be read" }
                    }
                }
                s.full = out
                s.single = [:]
                return out
            }
        }

        var residentBytes: Int {
            state.withLock { s in
                var bytes = s.full.map { $0.kinds.count * 9 + $0.pool.count } ?? 0
                for v in s.single.values {
                    if case .string(let text) = v { bytes += text.utf8.count }
                    bytes += 48
                }
                return bytes
            }
        }

        var lastError: String? { state.withLock { $0.lastError } }
    }
}
