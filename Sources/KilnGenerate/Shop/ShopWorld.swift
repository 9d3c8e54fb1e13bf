/// The fixed population of the simulated shop: regions, hosts, tenants and users.
///
/// It is built from a constant seed, so host and tenant names stay the same whatever seed the
/// traffic uses; a ground truth can therefore name them.
struct ShopWorld: Sendable {
    /// The one world every generator uses.
    static let standard = ShopWorld(seed: 0x6B69_6C6E_7368_6F70)

    /// Version the bad-deploy scenario rolls out to some frontend hosts.
    static let badFrontendVersion = "4.18.0"
    /// Version of the harmless cart canary present in every scenario.
    static let cartCanaryVersion = "3.5.0"
    /// Version the rollout scenarios deploy to every cart host, one after the other.
    static let cartRolloutVersion = "3.6.0"

    static let regions: [Region] = [
        Region(name: "us-east-1", code: "use1", zones: ["us-east-1a", "us-east-1b", "us-east-1c"], tenantShare: 0.55),
        Region(name: "eu-west-1", code: "euw1", zones: ["eu-west-1a", "eu-west-1b", "eu-west-1c"], tenantShare: 0.30),
        Region(name: "ap-southeast-2", code: "apse2", zones: ["ap-southeast-2a", "ap-southeast-2b"], tenantShare: 0.15),
    ]

    static let paymentProviders: [PaymentProvider] = [
        PaymentProvider(name: "acmepay", spanName: "POST api.acmepay.com/v1/charges",
                        url: "https://api.acmepay.com/v1/charges",
                        unavailableMessage: "acmepay: 503 Service Unavailable"),
        PaymentProvider(name: "paycove", spanName: "POST api.paycove.io/v2/payments",
                        url: "https://api.paycove.io/v2/payments",
                        unavailableMessage: "paycove: 503 Service Unavailable"),
    ]

    let hosts: [Host]
    /// Host indices by service raw value, then region.
    let hostsByServiceRegion: [[[Int32]]]
    let tenants: [Tenant]
    /// Tenant indices by plan raw value, and their traffic weights as running sums.
    let planTenants: [[Int]]
    let planCumulative: [[Double]]
    /// Running sums of the plans' request shares.
    let planPick: [Double]
    let userIDs: [String]
    let userFastCheckout: [Bool]
    let userSearchV2: [Bool]
    /// The tenant whose batch job floods search in the heavy-tenant scenario: a mid-sized pro tenant.
    let heavyTenant: Int

    init(seed: UInt64) {
        var rng = ShopRandom(seed: seed)

        var hosts: [Host] = []
        var byService: [[[Int32]]] = []
        for service in ShopService.allCases {
            var byRegion: [[Int32]] = []
            var number = 0
            for (r, count) in service.hostsPerRegion.enumerated() {
                var list: [Int32] = []
                for k in 0..<count {
                    number += 1
                    let region = ShopWorld.regions[r]
                    let zone = region.zones[k % region.zones.count]
                    let letter = String(zone.last ?? "a")
                    let name = service.name + "-" + region.code + letter + "-" + (number < 10 ? "0" : "") + String(number)
                    // Every other frontend host takes the bad deploy: 4 of 10, in every region.
                    let deployTarget = service == .frontend && k % 2 == 1
                    let version = service == .cart && r == 0 && k == 1 ? ShopWorld.cartCanaryVersion : service.version
                    list.append(Int32(hosts.count))
                    hosts.append(Host(name: name, service: service, region: r, zone: zone, version: version,
                                      deployTarget: deployTarget))
                }
                byRegion.append(list)
            }
            byService.append(byRegion)
        }
        self.hosts = hosts
        hostsByServiceRegion = byService

        let adjectives = ["amber", "bold", "brave", "bright", "calm", "clever", "coral", "crisp", "daring", "eager",
                          "fair", "fleet", "gentle", "golden", "grand", "happy", "iron", "jolly", "keen", "lucid",
                          "lunar", "mellow", "noble", "rapid"]
        let nouns = ["anchor", "arrow", "bay", "beacon", "birch", "brook", "canyon", "cedar", "comet", "crane",
                     "delta", "ember", "falcon", "field", "forge", "grove", "harbor", "haven", "island", "lake",
                     "lantern", "maple", "meadow", "summit"]
        var names: [String] = []
        for a in adjectives {
            for n in nouns { names.append(a + "-" + n) }
        }
        rng.shuffle(&names)

        let regionPick = runningSums(ShopWorld.regions.map(\.tenantShare))
        var tenants: [Tenant] = []
        var planTenants: [[Int]] = []
        var planCumulative: [[Double]] = []
        var userIDs: [String] = []
        var heavy = 0
        for plan in Plan.allCases {
            // Zipf-like weights over a random order of the plan's tenants: a heavy tail.
            var ranks = Array(0..<plan.tenantCount)
            rng.shuffle(&ranks)
            var weights: [Double] = []
            for rank in ranks {
                weights.append(1 / PortableMath.exp(1.1 * PortableMath.log(Double(rank + 1))))
            }
            let total = weights.reduce(0, +)
            var indices: [Int] = []
            for (k, weight) in weights.enumerated() {
                let users = max(2, Int((weight / total * Double(plan.userCount)).rounded()))
                let index = tenants.count
                if plan == .pro && ranks[k] == 59 { heavy = index }
                tenants.append(Tenant(name: names[index % names.count], plan: plan, region: rng.pick(cumulative: regionPick),
                                      newPricing: rng.chance(0.35), provider: rng.chance(0.7) ? 0 : 1,
                                      firstUser: userIDs.count, userCount: users))
                for _ in 0..<users {
                    // 7919 is prime to 900000, so the ids are distinct six-digit numbers.
                    let n = (userIDs.count * 7919 + 104_729) % 900_000 + 100_000
                    userIDs.append("u-" + String(n))
                }
                indices.append(index)
            }
            planTenants.append(indices)
            planCumulative.append(runningSums(weights))
        }
        self.tenants = tenants
        self.planTenants = planTenants
        self.planCumulative = planCumulative
        planPick = runningSums(Plan.allCases.map(\.requestShare))
        self.userIDs = userIDs
        var fast: [Bool] = []
        var searchV2: [Bool] = []
        for _ in userIDs {
            fast.append(rng.chance(0.5))
            searchV2.append(rng.chance(0.2))
        }
        userFastCheckout = fast
        userSearchV2 = searchV2
        heavyTenant = heavy
    }

    /// The frontend hosts the bad deploy reaches.
    var deployTargets: [Host] {
        hosts.filter(\.deployTarget)
    }
}
