/// A service-level objective over the raw events of one dataset.
///
/// The *eligible* events are the dataset's events matching every ``eligible`` filter; the
/// *good* events are the eligible ones matching every ``good`` filter; the *bad* events are the
/// eligible ones that are not good. Every count is weighted by sample rate. The objective is
/// that at least ``target`` percent of the eligible events of every ``period`` are good.
public struct SLODefinition: Sendable, Hashable {
    /// Unique in its store.
    public var name: String
    /// The dataset whose events it counts.
    public var dataset: String
    /// Filters (AND) picking the eligible events.
    public var eligible: [Filter]
    /// Filters (AND) picking the good events among the eligible ones.
    public var good: [Filter]
    /// The percentage of eligible events that must be good, strictly between 0 and 100.
    public var target: SLODecimal
    /// The compliance period in nanoseconds (30 days by default).
    public var period: Int64
    /// Free text for people.
    public var description: String

    /// Thirty days in nanoseconds.
    public static let defaultPeriod: Int64 = 30 * 86_400 * 1_000_000_000

    /// Makes a definition; see ``validated()`` for the checks.
    public init(name: String, dataset: String, eligible: [Filter] = [], good: [Filter], target: SLODecimal,
                period: Int64 = SLODefinition.defaultPeriod, description: String = "") {
        self.name = name
        self.dataset = dataset
        self.eligible = eligible
        self.good = good
        self.target = target
        self.period = period
        self.description = description
    }

    /// The reason the definition cannot be used, or nil when it can.
    public var problem: String? {
        if name.isEmpty || name.utf8.count > 255 { return "the SLO name must be 1 to 255 bytes long" }
        if name.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) { return "the SLO name must not contain control characters" }
        if dataset.isEmpty { return "--dataset must not be empty" }
        if good.isEmpty { return "give at least one --good EXPR" }
        if target.units <= 0 || target.units >= 100 * target.scale { return "--target \(target) must be above 0 and below 100" }
        if period < 3_600_000_000_000 { return "--period must be at least 1h" }
        return nil
    }

    /// The time window of the period ending at `at` (inclusive): (at − period, at].
    public func periodWindow(endingAt at: Int64) -> TimeWindow {
        SLOWindow.window(length: period, endingAt: at)
    }
}

/// The burn-rate windows of the SRE workbook's multi-window alerts.
public enum SLOWindow: String, Sendable, CaseIterable {
    case fiveMinutes = "5m"
    case thirtyMinutes = "30m"
    case oneHour = "1h"
    case sixHours = "6h"
    case threeDays = "3d"

    /// Its length in nanoseconds.
    public var length: Int64 {
        let minute: Int64 = 60_000_000_000
        switch self {
        case .fiveMinutes: return 5 * minute
        case .thirtyMinutes: return 30 * minute
        case .oneHour: return 60 * minute
        case .sixHours: return 360 * minute
        case .threeDays: return 3 * 1440 * minute
        }
    }

    /// The window of `length` nanoseconds ending at `at`, inclusive of `at`: (at − length, at].
    public static func window(length: Int64, endingAt at: Int64) -> TimeWindow {
        TimeWindow(from: at - length + 1, to: at + 1)
    }

    /// This window ending at `at`.
    public func window(endingAt at: Int64) -> TimeWindow { Self.window(length: length, endingAt: at) }
}
