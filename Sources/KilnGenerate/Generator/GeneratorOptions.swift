/// What to generate: which scenario, how many events, from which seed, ending when.
public struct GeneratorOptions: Sendable, Equatable {
    /// Scenario name, one of ``Scenarios/all``.
    public var scenario: String
    /// Exact number of events to produce.
    public var events: Int
    /// Seed of the traffic; the same options always give the same events.
    public var seed: UInt64
    /// The latest possible event time, in nanoseconds since the epoch.
    public var end: Int64
    /// Length of the time range the events cover, in nanoseconds; nil picks
    /// ``defaultWindow(events:)``.
    public var window: Int64?

    /// Makes options.
    public init(scenario: String = Scenarios.badDeploy.name, events: Int = 100_000, seed: UInt64 = 1,
                end: Int64, window: Int64? = nil) {
        self.scenario = scenario
        self.events = events
        self.seed = seed
        self.end = end
        self.window = window
    }

    /// One hour below a million events, two hours from there on.
    public static func defaultWindow(events: Int) -> Int64 {
        let hour: Int64 = 3_600_000_000_000
        return events < 1_000_000 ? hour : 2 * hour
    }

    /// The window in use: ``window`` or the default for the event count.
    public var resolvedWindow: Int64 {
        window ?? GeneratorOptions.defaultWindow(events: events)
    }
}
