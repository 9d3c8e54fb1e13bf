/// A named story the generator can tell: plain traffic, or traffic with one incident in it.
public struct Scenario: Sendable, Hashable {
    /// The name `kiln generate --scenario` takes, e.g. `bad-deploy`.
    public let name: String
    /// One line saying what happens.
    public let summary: String
    let kind: IncidentKind
}

/// The shapes of incident the generator knows.
enum IncidentKind: Sendable, Hashable {
    case none, badDeploy, dependencyErrors, heavyTenant, regressingRollout, cleanRollout
}

/// The scenarios `kiln generate` offers.
public enum Scenarios {
    /// Plain traffic without an incident.
    public static let none = Scenario(
        name: "none", summary: "normal traffic of the web shop, no incident", kind: .none)
    /// A canary deploy that slows checkout for enterprise customers.
    public static let badDeploy = Scenario(
        name: "bad-deploy",
        summary: "frontend 4.18.0 on some hosts makes POST /api/checkout slow for enterprise customers",
        kind: .badDeploy)
    /// A payment provider failing with 503 for a few minutes.
    public static let dependencyErrors = Scenario(
        name: "dependency-errors",
        summary: "the payment provider acmepay answers 503 for a few minutes; checkouts fail",
        kind: .dependencyErrors)
    /// One tenant flooding search with slow queries.
    public static let heavyTenant = Scenario(
        name: "heavy-tenant",
        summary: "one tenant's batch job floods search with slow wildcard queries",
        kind: .heavyTenant)

    /// A rolling deploy of cart 3.6.0 that makes GET /cart slow.
    public static let regressingRollout = Scenario(
        name: "regressing-rollout",
        summary: "cart 3.6.0 rolls out host by host and makes GET /cart about 30 ms slower; POST /cart/items is unchanged",
        kind: .regressingRollout)
    /// The same rolling deploy without a regression.
    public static let cleanRollout = Scenario(
        name: "clean-rollout",
        summary: "cart 3.6.0 rolls out host by host and behaves exactly like 3.4.0",
        kind: .cleanRollout)

    /// Every scenario, `none` first.
    public static let all: [Scenario] = [none, badDeploy, dependencyErrors, heavyTenant, regressingRollout, cleanRollout]

    /// The scenario called `name`, or nil.
    public static func named(_ name: String) -> Scenario? {
        all.first { $0.name == name }
    }

    /// The scenario called `name`.
    /// - Throws: ``GeneratorError`` naming the known scenarios when there is none by that name.
    public static func scenario(named name: String) throws -> Scenario {
        guard let scenario = named(name) else { throw GeneratorError.unknownScenario(name) }
        return scenario
    }
}
