import KilnCore
import Testing
@testable import KilnGenerate

@Suite struct DeterminismTests {
    @Test func sameSeedSameEvents() throws {
        let options = GeneratorOptions(scenario: "bad-deploy", events: 2000, seed: 7, end: 1_714_566_896_000_000_000)
        let a = Array(try EventGenerator(options))
        let b = Array(try EventGenerator(options))
        #expect(a == b)
    }
}
