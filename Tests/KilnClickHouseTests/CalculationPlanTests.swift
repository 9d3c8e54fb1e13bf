import KilnCore
import Testing
@testable import KilnClickHouse

/// Reading HEATMAP's `sumMap` answer back into buckets.
struct CalculationPlanTests {
    @Test(arguments: [
        ("([-1,0,3],[5,2,7])", 4, [2, 0, 0, 7] as [Int64]),
        ("([],[])", 3, [0, 0, 0]),
        ("([1,2],[4,18446744073709551615])", 2, [0, 4]),
        ("([0,9],[1,2])", 2, [1, 0]),
        ("", 2, [0, 0]),
    ])
    func histogramFromSumMap(text: String, buckets: Int, expected: [Int64]) {
        #expect(CalculationPlan.histogram(text, buckets: buckets) == expected)
    }

    @Test func heatmapOfAFieldTheDatasetLacksIsOneEmptyBucket() {
        let plan = CalculationPlan(.heatmap("nope"), firstColumn: 3, integers: true, heatmapEdges: nil)
        #expect(plan.columns.isEmpty)
        #expect(plan.value(["a", "b", "c"]) == .histogram([0]))
    }
}
