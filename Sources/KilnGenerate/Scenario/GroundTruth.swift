import KilnCore

/// What a scenario's incident is, as a user of Kiln should find it: a selection to draw, the
/// field values BubbleUp should point at, and when it happened.
public struct GroundTruth: Sendable, Equatable {
    /// The incident's time range in nanoseconds since the epoch, `to` exclusive.
    public struct Window: Sendable, Equatable {
        /// First instant.
        public let from: Int64
        /// First instant after it.
        public let to: Int64
    }

    /// The scenario's name.
    public let scenario: String
    /// What happened, in a few sentences.
    public let description: String
    /// Filter expressions in Kiln's syntax (`FIELD OP VALUE`) whose conjunction selects the
    /// incident's events; empty when there is no incident.
    public let selection: [String]
    /// The field values that explain the selection, each common in it and rare outside it.
    public let cause: [Field]
    /// When the incident happened; nil when there is none.
    public let window: Window?

    init(scenario: Scenario, plan: IncidentPlan, end: Int64, world: ShopWorld) {
        self.scenario = scenario.name
        let from = plan.fromUs * 1000
        let to = min(plan.toUs * 1000, end)
        let fromText = Timestamp.format(from)
        let toText = Timestamp.format(to)
        switch scenario.kind {
        case .none:
            description = "Normal traffic of the web shop: no incident. Latency and errors follow their usual "
                + "distributions; the cart canary \(ShopWorld.cartCanaryVersion) on one host is harmless."
            selection = []
            cause = []
            window = nil
        case .badDeploy:
            let hosts = world.deployTargets.map(\.name).joined(separator: ", ")
            description = "At \(fromText) frontend \(ShopWorld.badFrontendVersion) replaced "
                + "\(ShopService.frontend.version) on \(world.deployTargets.count) of "
                + "\(world.hosts.filter { $0.service == .frontend }.count) frontend hosts (\(hosts)). For enterprise "
                + "customers its checkout prices every line item with its own slow contract-price lookup (an N+1 of "
                + "GET /prices/{sku} and SELECT contract_prices), so POST /api/checkout from enterprise tenants served "
                + "by those hosts takes 1-5 s instead of about 300 ms."
            selection = [
                "\(FieldName.duration) >= \(IncidentPlan.badDeployThresholdMs)",
                "\(FieldName.timestamp) >= \"\(fromText)\"",
            ]
            cause = [
                Field("service.version", .string(ShopWorld.badFrontendVersion)),
                Field("customer.plan", .string(Plan.enterprise.name)),
                Field(FieldName.name, .string(TraceBuilder.Route.checkout.spanName)),
            ]
            window = Window(from: from, to: end)
        case .dependencyErrors:
            let provider = ShopWorld.paymentProviders[0]
            description = "From \(fromText) to \(toText) the payment provider \(provider.name) answered most charges "
                + "with 503 Service Unavailable. The payment service retries twice, then checkout fails: the "
                + "provider call, POST /payments/charge, POST /checkout and POST /api/checkout end with "
                + "error = true, http.status_code 503 and error.message \"\(provider.unavailableMessage)\" for "
                + "tenants paying through \(provider.name)."
            selection = [
                "error = true",
                "\(FieldName.timestamp) >= \"\(fromText)\"",
                "\(FieldName.timestamp) < \"\(toText)\"",
            ]
            cause = [
                Field("error.message", .string(provider.unavailableMessage)),
                Field("http.status_code", .int(503)),
            ]
            window = Window(from: from, to: to)
        case .heavyTenant:
            let tenant = world.tenants[world.heavyTenant]
            let user = world.userIDs[tenant.firstUser]
            description = "From \(fromText) to \(toText) a batch job of tenant \(tenant.name) (\(tenant.plan.name) plan, "
                + "user \(user)) flooded GET /api/search with wildcard queries, adding about a quarter to the "
                + "shop's traffic. Each takes 0.6-3 s in Elasticsearch, so its search products, GET /search and "
                + "GET /api/search spans are slow; other tenants' searches slow down slightly."
            selection = [
                "\(FieldName.duration) >= \(IncidentPlan.heavyTenantThresholdMs)",
                "\(FieldName.timestamp) >= \"\(fromText)\"",
                "\(FieldName.timestamp) < \"\(toText)\"",
            ]
            cause = [
                Field("tenant.id", .string(tenant.name)),
                Field("user.id", .string(user)),
            ]
            window = Window(from: from, to: to)
        case .regressingRollout, .cleanRollout:
            let old = ShopService.cart.version, new = ShopWorld.cartRolloutVersion
            let regressing = scenario.kind == .regressingRollout
            description = "From \(fromText) cart \(new) replaced \(old) host by host (one host every tenth of the time left), "
                + (regressing
                    ? "and its GET /cart recomputes promotions on every read: about 30 ms slower, while POST /cart/items is unchanged."
                    : "and behaves exactly like \(old): no regression.")
            selection = regressing
                ? ["\(FieldName.duration) >= 15", "service.name = cart", "\(FieldName.timestamp) >= \"\(fromText)\""] : []
            cause = regressing ? [Field("service.version", .string(new)), Field("http.route", .string("/cart"))] : []
            window = Window(from: from, to: end)
        }
    }

    /// The truth as one JSON object with the keys in a fixed order: `scenario`, `description`,
    /// `selection`, `cause` (objects of `field` and `value`, values with their JSON types),
    /// `window` (`from` and `to` in RFC 3339, or null).
    public func json() -> String {
        var out = "{\"scenario\":"
        JSONText.appendString(scenario, to: &out)
        out.append(",\"description\":")
        JSONText.appendString(description, to: &out)
        out.append(",\"selection\":[")
        for (i, filter) in selection.enumerated() {
            if i > 0 { out.append(",") }
            JSONText.appendString(filter, to: &out)
        }
        out.append("],\"cause\":[")
        for (i, field) in cause.enumerated() {
            if i > 0 { out.append(",") }
            out.append("{\"field\":")
            JSONText.appendString(field.name, to: &out)
            out.append(",\"value\":")
            JSONText.appendValue(field.value, to: &out)
            out.append("}")
        }
        out.append("],\"window\":")
        if let window {
            out.append("{\"from\":\"" + Timestamp.format(window.from) + "\",\"to\":\"" + Timestamp.format(window.to) + "\"}")
        } else {
            out.append("null")
        }
        out.append("}")
        return out
    }
}
