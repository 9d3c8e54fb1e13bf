import KilnCore
import Testing
@testable import KilnClickHouse

/// How SLO definitions and trace fields are kept in the metadata tables' text columns.
@Suite struct ClickHouseMetadataTests {
    @Test(arguments: ["", "API answers", "it's \"quoted\" \\ and\ttabbed", "ünïcødé ✓\nnew line"])
    func sloDefinitionsRoundTrip(description: String) throws {
        let slo = SLODefinition(name: "checkout", dataset: "shop \"eu\"",
                                eligible: try Filter.parseAll(["http.route starts-with /api", #"name = "a \"b\"""#]),
                                good: try Filter.parseAll(["http.status_code < 500", "duration_ms < 1e3", "error = false"]),
                                target: try #require(SLODecimal("99.95")), period: 7 * 86_400_000_000_000, description: description)
        let back = try ClickHouseMetadata.decodeSLO(name: "checkout", ClickHouseMetadata.encodeSLO(slo))
        #expect(back == slo)
    }

    @Test func aDefinitionThatIsNotKilnsJSONIsAnError() {
        #expect(throws: ClickHouseError.self) { try ClickHouseMetadata.decodeSLO(name: "x", "not json") }
        #expect(throws: ClickHouseError.self) {
            try ClickHouseMetadata.decodeSLO(name: "x", #"{"dataset":"d","where":[],"good":["status <"],"target":"99","period":1}"#)
        }
    }

    @Test func traceFieldsRoundTrip() {
        for fields in [TraceFields(trace: "TraceID", span: "SpanID", parent: "ParentID", duration: "Duration", durationUnit: "us"),
                       TraceFields(trace: "t", span: "s", parent: "p")] {
            let row = DatasetRow(created: 1, traceFields: DatasetRow.encode(fields))
            #expect(row.decodedTraceFields == fields)
        }
        #expect(DatasetRow(created: 1).decodedTraceFields == .standard)
    }
}
