import KilnCore

/// The SLO list (`:slo`, or `S` on the heatmap): each SLO of the dataset with its status at the
/// end of the time range looked at.
public struct SLOListState: Equatable {
    /// One SLO and where it stands.
    public struct Row: Equatable {
        /// The SLO's status (its definition inside).
        public var status: SLOStatus
        /// The budget left (percent) at evenly spaced moments of its period, oldest first.
        public var budget: [Double]
    }

    /// The SLOs, by name; nil while they are loaded from the store.
    public var rows: [Row]?
    /// SLOs of the store that count other datasets.
    public var otherDatasets = 0
    /// The highlighted SLO.
    public var cursor = 0
    /// The first SLO shown.
    public var scroll = 0

    /// Makes the list, empty until loaded.
    public init(rows: [Row]? = nil) {
        self.rows = rows
    }
}
