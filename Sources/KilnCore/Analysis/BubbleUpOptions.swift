/// Tuning knobs of BubbleUp; the defaults are what `kiln bubbleup` uses.
public struct BubbleUpOptions: Sendable, Equatable {
    /// Values shown per categorical field before "other (N values)".
    public var topValues = 6
    /// Raw events a value needs, on the side where its share is larger, to count toward the
    /// score (and selected events a combination needs).
    public var minSupport = 5
    /// A field is ID-like when distinct values / events having it exceed this in both groups.
    public var idLikeRatio = 0.9
    /// p-values at or above this mark a field as noise (0.02 / 20 fields, Bonferroni-style).
    public var significance = 0.001
    /// All-numeric fields with more distinct values in scope than this are binned.
    public var numericThreshold = 32
    /// Bins per numeric field, at most.
    public var maxBins = 16
    /// Single values considered for combinations (at most 16).
    public var combinationCandidates = 16
    /// Combinations reported, at most.
    public var maxCombinations = 10
    /// Share of the selection a combination (and each of its values) must cover, 0...1.
    public var minCoverage = 0.1
    /// Risk ratio a combination (and each of its values) must reach.
    public var minRiskRatio = 1.5
    /// Largest combination size (2 or 3).
    public var maxCombinationSize = 3

    /// The defaults.
    public init() {}
}
