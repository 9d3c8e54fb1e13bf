import Foundation
import Testing

/// Kiln on data nobody here wrote (../shared/realdata).
@Suite(.serialized, .enabled(if: KilnBinary.realData != nil, "needs ../shared/realdata beside the checkout"))
struct RealDataTests {
    /// The Nezha online-boutique traces with a network delay injected into the cart service:
    /// selecting the slow child spans during the fault points at the cart service's operations.
    @Test func nezhaFaultPointsAtTheCartService() throws {
        let nezha = try #require(KilnBinary.realData).appendingPathComponent("nezha-onlineboutique")
        let dir = try TempDir()
        let db = dir.path("k.db")
        let files = try ["baseline", "fault_cartservice_network_delay"].flatMap { sub in
            try FileManager.default.contentsOfDirectory(atPath: nezha.appendingPathComponent(sub).path)
                .filter { $0.hasSuffix(".csv") }.sorted().map { nezha.appendingPathComponent(sub).appendingPathComponent($0).path }
        }
        let ingest = try KilnBinary.run(["ingest", "--db", db, "--dataset", "nezha", "--timestamp-field", "StartTimeUnixNano"] + files)
        #expect(ingest.status == 0, "\(ingest.stderr)")
        let result = try KilnBinary.run(["bubbleup", "--db", db, "--dataset", "nezha", "--format", "json",
                                         "--select", "Duration >= 100000", "--select", "timestamp < \"2022-08-23T00:00:00Z\"",
                                         "--select", "trace.parent_id != root"])
        #expect(result.status == 0, "\(result.stderr)")
        let json = try KilnBinary.json(result)
        let dimensions = try #require(json["dimensions"] as? [[String: Any]])
        let operation = try #require(dimensions.first { $0["field"] as? String == "OperationName" })
        let rank = dimensions.firstIndex { $0["field"] as? String == "OperationName" } ?? 99
        #expect(rank < 3, "OperationName ranks \(rank + 1)")
        let top = (operation["values"] as? [[String: Any]])?.first
        let value = top?["value"] as? String ?? ""
        #expect(value.hasPrefix("hipstershop.CartService/"), "top operation is \(value)")
        #expect((top?["selection_pct"] as? Double ?? 0) > 40)
        #expect((top?["baseline_pct"] as? Double ?? 100) < 10)
    }
}
