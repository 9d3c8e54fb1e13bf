/// The services of the simulated web shop. Database and cache calls are client spans of the
/// calling service, as OpenTelemetry records them.
enum ShopService: Int, CaseIterable, Sendable {
    case frontend, auth, cart, checkout, payment, catalog, search

    /// The `service.name` value.
    var name: String {
        switch self {
        case .frontend: return "frontend"
        case .auth: return "auth"
        case .cart: return "cart"
        case .checkout: return "checkout"
        case .payment: return "payment"
        case .catalog: return "catalog"
        case .search: return "search"
        }
    }

    /// The version most hosts run.
    var version: String {
        switch self {
        case .frontend: return "4.17.2"
        case .auth: return "2.8.1"
        case .cart: return "3.4.0"
        case .checkout: return "5.2.3"
        case .payment: return "1.19.0"
        case .catalog: return "7.0.4"
        case .search: return "2.11.5"
        }
    }

    /// Hosts per region, in the order of `ShopWorld.regions`.
    var hostsPerRegion: [Int] {
        switch self {
        case .frontend: return [5, 3, 2]
        case .auth, .cart, .checkout, .search: return [2, 1, 1]
        case .payment: return [1, 1, 1]
        case .catalog: return [3, 2, 1]
        }
    }
}

/// A customer plan (`customer.plan`).
enum Plan: Int, CaseIterable, Sendable {
    case free, pro, enterprise

    /// The field value.
    var name: String {
        switch self {
        case .free: return "free"
        case .pro: return "pro"
        case .enterprise: return "enterprise"
        }
    }

    /// The share of requests coming from tenants on this plan.
    var requestShare: Double {
        switch self {
        case .free: return 0.55
        case .pro: return 0.33
        case .enterprise: return 0.12
        }
    }

    /// How many tenants are on this plan.
    var tenantCount: Int {
        switch self {
        case .free: return 300
        case .pro: return 120
        case .enterprise: return 30
        }
    }

    /// Users shared out among this plan's tenants by their traffic.
    var userCount: Int {
        switch self {
        case .free: return 2400
        case .pro: return 2400
        case .enterprise: return 1800
        }
    }
}

/// A cloud region with its availability zones.
struct Region: Sendable {
    /// `region` value.
    let name: String
    /// Short code used in host names.
    let code: String
    /// `availability_zone` values.
    let zones: [String]
    /// Share of tenants homed here.
    let tenantShare: Double
}

/// A host (pod) running one service in one zone.
struct Host: Sendable {
    /// `host.name`, e.g. `frontend-use1b-02`.
    let name: String
    let service: ShopService
    let region: Int
    /// `availability_zone`.
    let zone: String
    /// The version it runs for the whole window.
    let version: String
    /// Whether the bad-deploy scenario rolls 4.18.0 out to it.
    let deployTarget: Bool
}

/// A customer organisation (`tenant.id`).
struct Tenant: Sendable {
    /// `tenant.id`, a readable slug such as `amber-harbor`.
    let name: String
    let plan: Plan
    /// Index into `ShopWorld.regions`: every request of the tenant is served there.
    let region: Int
    /// `flags.new_pricing`, set per tenant.
    let newPricing: Bool
    /// Index into `ShopWorld.paymentProviders`.
    let provider: Int
    /// Its users are `firstUser ..< firstUser + userCount` in ``ShopWorld/userIDs``.
    let firstUser: Int
    let userCount: Int
}

/// An external payment provider the payment service charges cards with.
struct PaymentProvider: Sendable {
    /// `payment.provider` and `peer.service`.
    let name: String
    /// Client span name.
    let spanName: String
    /// `http.url`.
    let url: String
    /// `error.message` when it answers 503.
    let unavailableMessage: String
}
