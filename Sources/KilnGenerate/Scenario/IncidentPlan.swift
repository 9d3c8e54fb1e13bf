/// The time range of a generated data set, in microseconds since the epoch.
///
/// Trace start times are laid out over `begin ... begin + span`; `span` stops a little before
/// `end` so that the spans of the last traces still start at or before `end`.
struct Timeline: Sendable {
    let beginUs: Int64
    let endUs: Int64
    let spanUs: Int64

    /// Validated: `end` and `window` in nanoseconds, `window` >= 1 s, `end` >= `window`.
    init(end: Int64, window: Int64) {
        endUs = end / 1000
        beginUs = endUs - window / 1000
        let length = endUs - beginUs
        spanUs = length - min(2_000_000, length / 200)
    }

    /// The time at `fraction` (0...1) of the layout range.
    func time(at fraction: Double) -> Int64 {
        beginUs + Int64(Double(spanUs) * min(max(fraction, 0), 1))
    }

    /// Where `time` falls in the layout range (0...1 inside it).
    func fraction(of time: Int64) -> Double {
        spanUs > 0 ? Double(time - beginUs) / Double(spanUs) : 0
    }
}

/// When a scenario's incident happens, and the constants of each story.
struct IncidentPlan: Sendable {
    let kind: IncidentKind
    /// First microsecond of the incident (a whole second).
    let fromUs: Int64
    /// First microsecond after it (`end` + 1 for an incident that lasts to the end).
    let toUs: Int64

    /// Latency threshold (ms) of the bad-deploy ground truth.
    static let badDeployThresholdMs = 1000
    /// Latency threshold (ms) of the heavy-tenant ground truth.
    static let heavyTenantThresholdMs = 500
    /// Extra load of the heavy tenant's flood, relative to normal traffic.
    static let floodLoad = 0.25
    /// Chance that one call to the failing provider answers 503 during the incident.
    static let providerFailureRate = 0.8

    init(kind: IncidentKind, timeline: Timeline) {
        self.kind = kind
        let isRollout = kind == .regressingRollout || kind == .cleanRollout
        let range: (Double, Double)
        switch kind {
        case .none: range = (1, 1)
        case .badDeploy: range = (0.50, 1)
        case .dependencyErrors: range = (0.62, 0.74)
        case .heavyTenant: range = (0.40, 0.55)
        case .regressingRollout, .cleanRollout: range = (0.50, 1)
        }
        fromUs = IncidentPlan.wholeSecond(timeline.time(at: range.0))
        toUs = kind == .badDeploy || kind == .none || isRollout ? timeline.endUs + 1 : IncidentPlan.wholeSecond(timeline.time(at: range.1))
    }

    /// True for the scenarios that roll a new cart version out.
    var isRollout: Bool { kind == .regressingRollout || kind == .cleanRollout }

    /// When the rollout reaches the cart host with this ordinal (0, 1, ...): one host every
    /// tenth of the time left after it starts.
    func rolloutTime(ordinal: Int) -> Int64 {
        fromUs + Int64(ordinal) * max(1_000_000, (toUs - fromUs) / 10)
    }

    /// `t` rounded up to a whole second.
    private static func wholeSecond(_ t: Int64) -> Int64 {
        (t + 999_999) / 1_000_000 * 1_000_000
    }

    /// Whether this scenario's incident of `kind` is under way at `t`.
    func isActive(_ kind: IncidentKind, at t: Int64) -> Bool {
        self.kind == kind && kind != .none && t >= fromUs && t < toUs
    }
}
