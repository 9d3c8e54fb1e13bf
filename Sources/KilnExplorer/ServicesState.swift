import KilnCore

/// The services table (`:services`, or `s` on the heatmap): each service in the time range
/// looked at, with its rate over that range as a sparkline.
public struct ServicesListState: Equatable {
    /// The services.
    public var report: ServicesReport
    /// Whether the events held cover the previous window (else no change is shown).
    public var previousCovered: Bool
    /// The highlighted service.
    public var cursor = 0
    /// The first service shown.
    public var scroll = 0

    /// Makes the table.
    public init(report: ServicesReport, previousCovered: Bool) {
        self.report = report
        self.previousCovered = previousCovered
    }
}

/// The service map (`:map`): who calls whom in the time range looked at.
public struct ServiceMapState: Equatable {
    /// The map.
    public var map: ServiceMap
    /// The highlighted row of the layout (see ``ServiceMapLayout``).
    public var cursor = 0
    /// The first row shown.
    public var scroll = 0

    /// Makes the view.
    public init(map: ServiceMap) {
        self.map = map
    }
}
