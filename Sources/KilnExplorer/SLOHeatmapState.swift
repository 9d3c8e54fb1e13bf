import KilnCore

/// An SLO laid over the heatmap (Enter or `b` on the SLO list): its bad events told apart cell by
/// cell, and the moments its alerts start firing over the range shown.
public struct SLOHeatmapState: Equatable {
    /// The SLO.
    public var definition: SLODefinition
    /// The stack depth of the heatmap it belongs to (leaving that view drops it).
    public var depth: Int
    /// Bad events (weighted) per cell of the heatmap, `[t * valueBuckets + v]`.
    public var bad: [Int64] = []
    /// Bad events in scope (weighted), drawn or not.
    public var badTotal: Int64 = 0
    /// The moments its alert rules are evaluated at: just before the first column, then the end
    /// of each column (inclusive); empty until asked for.
    public var times: [Int64] = []
    /// The moments alerts start firing within the range shown; nil while they are counted.
    public var onsets: [SLOAlertOnset]?
    /// Rules already firing when the range shown starts.
    public var firingAtStart: [SLOAlertRule] = []

    /// An SLO on the heatmap at stack depth `depth`, before its counts.
    public init(definition: SLODefinition, depth: Int) {
        self.definition = definition
        self.depth = depth
    }

    /// The evaluation moments for a heatmap with these time edges: one nanosecond before each
    /// edge, so the first is the moment before the range and the others end each column.
    public static func times(edges: [Int64]) -> [Int64] { edges.map { $0 - 1 } }
}
