import Testing
import KilnCore
@testable import KilnGenerate

/// The analysis explains every incident the generator plants: the ground-truth cause field ranks
/// in the top three, its cause value leads that field, and no ID-like field ranks above it.
@Suite struct ScenarioBubbleUpTests {
    /// Every scenario with an incident (a clean rollout has none).
    static let incidents = Scenarios.all.filter { $0.name != "none" && $0.name != Scenarios.cleanRollout.name }.map(\.name)

    @Test(arguments: incidents)
    func causeRanksAtTheTop(scenario: String) throws {
        let generator = try EventGenerator(GeneratorOptions(scenario: scenario, events: 40_000, seed: 11, end: 1_800_000_000_000_000_000))
        var builder = EventTableBuilder()
        builder.append(generator)
        let truth = generator.truth
        let result = BubbleUp.run(builder.table, selection: try Filter.parseAll(truth.selection))
        #expect(result.selectionCount > 0)
        let ranked = result.dimensions.map(\.field)
        var anyCauseInTopThree = false
        for cause in truth.cause {
            guard let rank = ranked.firstIndex(of: cause.name) else {
                Issue.record("\(scenario): cause field \(cause.name) is not ranked at all")
                continue
            }
            if rank < 3 { anyCauseInTopThree = true }
            let dimension = result.dimensions[rank]
            let lead = dimension.values.first
            #expect(lead?.label == cause.value.text, "\(scenario): \(cause.name) is led by \(lead?.label ?? "nothing"), not \(cause.value.text)")
            for idField in result.idLike {
                #expect(!ranked.prefix(rank).contains(idField), "\(scenario): ID-like \(idField) ranks above \(cause.name)")
            }
        }
        #expect(anyCauseInTopThree, "\(scenario): no cause field among the top three: \(ranked.prefix(5))")
        // Every cause field of the scenario is near the top, not only one.
        let worst = truth.cause.compactMap { ranked.firstIndex(of: $0.name) }.max() ?? Int.max
        #expect(worst < 8, "\(scenario): a cause field ranks \(worst + 1): \(ranked.prefix(8))")
    }
}
