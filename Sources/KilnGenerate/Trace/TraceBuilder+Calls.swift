import KilnCore

/// The building blocks of a trace: database, cache and service calls.
extension TraceBuilder {
    static let deadlock = "deadlock detected"
    static let connectionReset = "server closed the connection unexpectedly"
    static let redisReset = "redis: connection reset by peer"

    /// A server span of `service` on a host of the request's region.
    mutating func openServer(_ service: ShopService, _ name: String, parent: Int, at t: Int64) -> Int {
        open(service, name, kind: .server, parent: parent, host: host(for: service), at: t)
    }

    /// Appends the HTTP attributes of a server span.
    mutating func serverAttributes(method: String, route: String, status: Int, responseSize: Int) {
        attr("http.method", .string(method))
        attr("http.route", .string(route))
        attr("http.status_code", .int(Int64(status)))
        attr("http.response_size", .int(Int64(responseSize)))
    }

    /// A response size in bytes around `median`; errors send a short body.
    mutating func responseSize(_ median: Double, status: Int) -> Int {
        status >= 400 ? 90 + rng.below(80) : Int(rng.logNormal(median: median, sigma: 0.35))
    }

    /// A Postgres call by the service of `parent`, returning `rows` rows.
    mutating func sql(_ query: SQLQuery, parent: Int, at t: Int64, rows: Int) -> Outcome {
        let caller = spans[parent]
        let i = open(caller.service, query.name, kind: .client, parent: parent, host: caller.host, at: t)
        var duration = latency(query.medianUs, query.sigma)
        // Now and then a lock wait or a cold page.
        if rng.chance(0.0005) { duration *= 6 }
        let isWrite = query.replicaShare == nil
        var error: String?
        if rng.chance(isWrite ? 0.0015 : 0.0003) {
            error = isWrite ? TraceBuilder.deadlock : TraceBuilder.connectionReset
        }
        let mark = attrs.count
        attr("db.system", .string("postgresql"))
        attr("db.name", .string(query.database))
        attr("db.operation", .string(query.operation))
        attr("db.statement", .string(query.statement))
        attr("db.rows", .int(error == nil ? Int64(rows) : 0))
        if let share = query.replicaShare { attr("db.replica", .bool(rng.chance(share))) }
        close(i, at: t + duration, error: error, attributesFrom: mark)
        return Outcome(end: t + duration, status: error == nil ? 200 : 500, error: error)
    }

    /// A Redis call by the service of `parent`; reads report `cache.hit`. A failed read counts
    /// as a miss (the caller falls back to the database).
    mutating func cache(_ name: String, operation: String, key: String, parent: Int, at t: Int64,
                        hitRate: Double?) -> (end: Int64, hit: Bool) {
        let caller = spans[parent]
        let i = open(caller.service, name, kind: .client, parent: parent, host: caller.host, at: t)
        let duration = latency(350, 0.45)
        let error: String? = rng.chance(0.0003) ? TraceBuilder.redisReset : nil
        var hit = false
        let mark = attrs.count
        attr("db.system", .string("redis"))
        attr("db.operation", .string(operation))
        attr("cache.key", .string(key))
        if let rate = hitRate {
            hit = error == nil && rng.chance(rate)
            attr("cache.hit", .bool(hit))
        }
        close(i, at: t + duration, error: error, attributesFrom: mark)
        return (t + duration, hit)
    }

    /// auth `POST /auth/verify`: checks the session token (cached), 401 for a few.
    mutating func verifySession(parent: Int, at t0: Int64) -> Outcome {
        let s = openServer(.auth, "POST /auth/verify", parent: parent, at: t0)
        var t = t0 + latency(250, 0.5)
        let lookup = cache("GET session", operation: "GET", key: "session:{token}", parent: s, at: t, hitRate: 0.97)
        t = lookup.end
        var outcome = Outcome(end: 0, status: 200, error: nil)
        if !lookup.hit {
            let db = sql(.sessionByToken, parent: s, at: t + gap(), rows: 1)
            t = db.end
            if db.error != nil { outcome = db }
        }
        if outcome.error == nil && rng.chance(0.004) { outcome.status = 401 }
        t += latency(150, 0.5)
        outcome.end = t
        let mark = attrs.count
        serverAttributes(method: "POST", route: "/auth/verify", status: outcome.status,
                         responseSize: responseSize(220, status: outcome.status))
        close(s, at: t, error: outcome.error, attributesFrom: mark)
        return outcome
    }

    /// cart `GET /cart`: the user's cart from Redis, or Postgres on a miss.
    mutating func readCart(parent: Int, at t0: Int64, items: Int) -> Outcome {
        let s = openServer(.cart, "GET /cart", parent: parent, at: t0)
        var t = t0 + latency(250, 0.5)
        let lookup = cache("HGETALL cart", operation: "HGETALL", key: "cart:{user_id}", parent: s, at: t, hitRate: 0.75)
        t = lookup.end
        var outcome = Outcome(end: 0, status: 200, error: nil)
        if !lookup.hit {
            let db = sql(.cartItems, parent: s, at: t + gap(), rows: items)
            t = db.end
            if db.error != nil { outcome = db }
        }
        t += latency(200, 0.5)
        if plan.kind == .regressingRollout && version(of: spans[s].host) == ShopWorld.cartRolloutVersion {
            // 3.6.0 recomputes the cart's promotions on every read.
            t += latency(30_000, 0.4)
        }
        outcome.end = t
        let mark = attrs.count
        serverAttributes(method: "GET", route: "/cart", status: outcome.status,
                         responseSize: responseSize(Double(180 + 140 * items), status: outcome.status))
        attr("cart.item_count", .int(Int64(items)))
        close(s, at: t, error: outcome.error, attributesFrom: mark)
        return outcome
    }

    /// catalog `GET /products/{id}`: one product from Redis or Postgres; 404 for a few ids.
    mutating func readProduct(parent: Int, at t0: Int64) -> Outcome {
        let s = openServer(.catalog, "GET /products/{id}", parent: parent, at: t0)
        var t = t0 + latency(300, 0.5)
        let lookup = cache("GET product", operation: "GET", key: "product:{id}", parent: s, at: t, hitRate: 0.9)
        t = lookup.end
        var outcome = Outcome(end: 0, status: 200, error: nil)
        if !lookup.hit {
            let found = !rng.chance(0.02)
            let db = sql(.productByID, parent: s, at: t + gap(), rows: found ? 1 : 0)
            t = db.end
            if db.error != nil {
                outcome = db
            } else if !found {
                outcome.status = 404
            } else {
                t = cache("SET product", operation: "SET", key: "product:{id}", parent: s, at: t + gap(), hitRate: nil).end
            }
        }
        t += latency(250, 0.5)
        outcome.end = t
        let mark = attrs.count
        serverAttributes(method: "GET", route: "/products/{id}", status: outcome.status,
                         responseSize: responseSize(2600, status: outcome.status))
        attr("product.id", .int(Int64(10_000 + rng.below(50_000))))
        close(s, at: t, error: outcome.error, attributesFrom: mark)
        return outcome
    }

    /// catalog prices for a cart: one batch call, or (frontend 4.18.0 for enterprise
    /// customers) one slow tiered lookup per line item, one after the other.
    mutating func priceCart(parent: Int, at t0: Int64, items: Int, perItem: Bool) -> Outcome {
        guard perItem else {
            let s = openServer(.catalog, "POST /prices/batch", parent: parent, at: t0)
            let db = sql(.contractPricesBatch, parent: s, at: t0 + latency(300, 0.5), rows: items)
            let end = db.end + latency(200, 0.5)
            let status = db.error == nil ? 200 : 500
            let mark = attrs.count
            serverAttributes(method: "POST", route: "/prices/batch", status: status,
                             responseSize: responseSize(Double(60 * items + 80), status: status))
            close(s, at: end, error: db.error, attributesFrom: mark)
            return Outcome(end: end, status: status, error: db.error)
        }
        var t = t0
        for _ in 0..<items {
            let s = openServer(.catalog, "GET /prices/{sku}", parent: parent, at: t)
            let db = sql(.contractPriceTier, parent: s, at: t + latency(300, 0.5), rows: 1)
            let end = db.end + latency(200, 0.5)
            let status = db.error == nil ? 200 : 500
            let mark = attrs.count
            serverAttributes(method: "GET", route: "/prices/{sku}", status: status,
                             responseSize: responseSize(140, status: status))
            close(s, at: end, error: db.error, attributesFrom: mark)
            if db.error != nil { return Outcome(end: end, status: 500, error: db.error) }
            t = end + gap()
        }
        return Outcome(end: t, status: 200, error: nil)
    }

    /// payment `POST /payments/charge`: charges the tenant's provider, retrying a 503 twice.
    mutating func charge(parent: Int, at t0: Int64, amount: Double) -> Outcome {
        let s = openServer(.payment, "POST /payments/charge", parent: parent, at: t0)
        let providerIndex = world.tenants[ctx.tenant].provider
        let provider = ShopWorld.paymentProviders[providerIndex]
        let outage = providerIndex == 0 && plan.isActive(.dependencyErrors, at: ctx.time)
        var t = t0 + latency(300, 0.5)
        var outcome = Outcome(end: 0, status: 200, error: nil)
        for attempt in 1...3 {
            let c = open(.payment, provider.spanName, kind: .client, parent: s, host: spans[s].host, at: t)
            let status: Int
            let duration: Int64
            if (outage && rng.chance(IncidentPlan.providerFailureRate)) || rng.chance(0.002) {
                status = 503
                duration = latency(30_000, 0.5)
            } else if attempt == 1 && rng.chance(0.02) {
                status = 402
                duration = latency(150_000, 0.35)
            } else {
                status = 200
                duration = latency(180_000, 0.35)
            }
            let error = status == 503 ? provider.unavailableMessage : nil
            let mark = attrs.count
            attr("http.method", .string("POST"))
            attr("http.url", .string(provider.url))
            attr("http.status_code", .int(Int64(status)))
            attr("peer.service", .string(provider.name))
            attr("payment.provider", .string(provider.name))
            attr("payment.attempt", .int(Int64(attempt)))
            close(c, at: t + duration, error: error, attributesFrom: mark)
            t += duration
            outcome.status = status
            outcome.error = error
            if status != 503 { break }
            // Back off before retrying.
            if attempt < 3 { t += latency(Double(100_000 * attempt), 0.2) }
        }
        t += latency(250, 0.5)
        outcome.end = t
        let mark = attrs.count
        serverAttributes(method: "POST", route: "/payments/charge", status: outcome.status,
                         responseSize: responseSize(420, status: outcome.status))
        attr("payment.provider", .string(provider.name))
        attr("order.amount_usd", .float(amount))
        close(s, at: t, error: outcome.error, attributesFrom: mark)
        return outcome
    }
}
