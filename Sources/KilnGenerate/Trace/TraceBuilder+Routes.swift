import KilnCore

/// The shop's public endpoints: what each root request calls.
extension TraceBuilder {
    /// A public endpoint of the frontend.
    enum Route: Int, CaseIterable {
        case productList, productDetail, search, cart, addToCart, checkout, login, orders

        /// Share of requests.
        var weight: Double {
            switch self {
            case .productList: return 0.17
            case .productDetail: return 0.23
            case .search: return 0.14
            case .cart: return 0.13
            case .addToCart: return 0.09
            case .checkout: return 0.12
            case .login: return 0.06
            case .orders: return 0.06
            }
        }

        var method: String {
            switch self {
            case .addToCart, .checkout, .login: return "POST"
            default: return "GET"
            }
        }

        var route: String {
            switch self {
            case .productList: return "/api/products"
            case .productDetail: return "/api/products/{id}"
            case .search: return "/api/search"
            case .cart: return "/api/cart"
            case .addToCart: return "/api/cart/items"
            case .checkout: return "/api/checkout"
            case .login: return "/api/login"
            case .orders: return "/api/orders"
            }
        }

        /// The root span's name, method and route.
        var spanName: String {
            switch self {
            case .productList: return "GET /api/products"
            case .productDetail: return "GET /api/products/{id}"
            case .search: return "GET /api/search"
            case .cart: return "GET /api/cart"
            case .addToCart: return "POST /api/cart/items"
            case .checkout: return "POST /api/checkout"
            case .login: return "POST /api/login"
            case .orders: return "GET /api/orders"
            }
        }

        /// Median response size in bytes.
        var responseMedian: Double {
            switch self {
            case .productList: return 24_000
            case .productDetail: return 3_200
            case .search: return 18_000
            case .cart: return 2_100
            case .addToCart: return 400
            case .checkout: return 1_200
            case .login: return 600
            case .orders: return 9_000
            }
        }

        static let pick = runningSums(allCases.map(\.weight))
    }

    static let categories = ["apparel", "beauty", "books", "electronics", "garden", "grocery", "kitchen", "office",
                             "outdoor", "sports", "tools", "toys"]
    static let matchQuery = #"{"query":{"multi_match":{"query":"?","fields":["name","description"]}}}"#
    static let wildcardQuery = #"{"query":{"wildcard":{"description":{"value":"*?*"}}},"size":10000}"#

    /// Builds the spans of one root request of the frontend, chosen for `ctx`.
    mutating func buildRequest() {
        let route = ctx.flood ? .search : (Route(rawValue: rng.pick(cumulative: Route.pick)) ?? .productDetail)
        let rootHost = host(for: .frontend)
        let root = open(.frontend, route.spanName, kind: .server, parent: -1, host: rootHost, at: 0)
        let t = latency(900, 0.5)
        var outcome: Outcome
        var items: Int?
        var amount: Double?
        switch route {
        case .productList:
            outcome = listProducts(parent: root, at: t)
        case .productDetail:
            outcome = readProduct(parent: root, at: t)
        case .search:
            outcome = search(parent: root, at: t)
        case .cart:
            outcome = verifySession(parent: root, at: t)
            if outcome.status == 200 && outcome.error == nil {
                outcome = readCart(parent: root, at: outcome.end + gap(), items: cartSize())
            }
        case .addToCart:
            outcome = verifySession(parent: root, at: t)
            if outcome.status == 200 && outcome.error == nil {
                outcome = addToCart(parent: root, at: outcome.end + gap())
            }
        case .checkout:
            outcome = verifySession(parent: root, at: t)
            if outcome.status == 200 && outcome.error == nil {
                let count = cartSize()
                items = count
                let perItem = ctx.plan == .enterprise && world.hosts[Int(rootHost)].deployTarget
                    && plan.isActive(.badDeploy, at: ctx.time)
                outcome = priceCart(parent: root, at: outcome.end + gap(), items: count, perItem: perItem)
                if outcome.error == nil {
                    let result = checkout(parent: root, at: outcome.end + gap(), items: count)
                    outcome = result.outcome
                    amount = result.amount
                }
            }
        case .login:
            outcome = login(parent: root, at: t)
        case .orders:
            outcome = verifySession(parent: root, at: t)
            if outcome.status == 200 && outcome.error == nil {
                outcome = listOrders(parent: root, at: outcome.end + gap())
            }
        }
        let end = outcome.end + latency(500, 0.5)
        let tenant = world.tenants[ctx.tenant]
        let mark = attrs.count
        serverAttributes(method: route.method, route: route.route, status: outcome.status,
                         responseSize: responseSize(route.responseMedian, status: outcome.status))
        attr("client.platform", .string(ctx.platform))
        attr("flags.new_pricing", .bool(tenant.newPricing))
        attr("flags.fast_checkout", .bool(world.userFastCheckout[ctx.user]))
        attr("flags.search_v2", .bool(world.userSearchV2[ctx.user]))
        if let items { attr("cart.item_count", .int(Int64(items))) }
        if let amount { attr("order.amount_usd", .float(amount)) }
        close(root, at: end, error: outcome.error, attributesFrom: mark)
    }

    /// Line items in a cart: enterprise buyers order in bulk.
    mutating func cartSize() -> Int {
        ctx.plan == .enterprise ? rng.int(in: 8...30) : rng.int(in: 1...8)
    }

    /// catalog `GET /products`: a category page, cached.
    mutating func listProducts(parent: Int, at t0: Int64) -> Outcome {
        let s = openServer(.catalog, "GET /products", parent: parent, at: t0)
        var t = t0 + latency(300, 0.5)
        let lookup = cache("GET product_list", operation: "GET", key: "products:{category}:{page}", parent: s, at: t,
                           hitRate: 0.82)
        t = lookup.end
        var outcome = Outcome(end: 0, status: 200, error: nil)
        if !lookup.hit {
            let db = sql(.productsByCategory, parent: s, at: t + gap(), rows: rng.int(in: 24...48))
            t = db.end
            if db.error != nil {
                outcome = db
            } else {
                t = cache("SET product_list", operation: "SET", key: "products:{category}:{page}", parent: s,
                          at: t + gap(), hitRate: nil).end
            }
        }
        t += latency(400, 0.5)
        outcome.end = t
        let mark = attrs.count
        serverAttributes(method: "GET", route: "/products", status: outcome.status,
                         responseSize: responseSize(21_000, status: outcome.status))
        attr("catalog.category", .string(TraceBuilder.categories[rng.below(TraceBuilder.categories.count)]))
        close(s, at: t, error: outcome.error, attributesFrom: mark)
        return outcome
    }

    /// search `GET /search`: an Elasticsearch query, then the hits' products from the catalog.
    /// The heavy tenant's batch job sends slow wildcard queries, which also slow everyone
    /// else's searches a little while they run.
    mutating func search(parent: Int, at t0: Int64) -> Outcome {
        let s = openServer(.search, "GET /search", parent: parent, at: t0)
        var t = t0 + latency(600, 0.5)
        let es = open(.search, "search products", kind: .client, parent: s, host: spans[s].host, at: t)
        let duration: Int64
        let hits: Int
        if ctx.flood {
            duration = latency(1_300_000, 0.3)
            hits = rng.int(in: 2000...10_000)
        } else {
            duration = latency(plan.isActive(.heavyTenant, at: ctx.time) ? 60_000 : 45_000, 0.5)
            hits = rng.below(120)
        }
        var mark = attrs.count
        attr("db.system", .string("elasticsearch"))
        attr("db.name", .string("products"))
        attr("db.operation", .string("search"))
        attr("db.statement", .string(ctx.flood ? TraceBuilder.wildcardQuery : TraceBuilder.matchQuery))
        attr("db.rows", .int(Int64(hits)))
        close(es, at: t + duration, error: nil, attributesFrom: mark)
        t += duration + gap()

        var outcome = Outcome(end: 0, status: 200, error: nil)
        let shown = min(hits, 48)
        if shown > 0 {
            let batch = openServer(.catalog, "POST /products/batch", parent: s, at: t)
            var tb = t + latency(300, 0.5)
            let lookup = cache("MGET product", operation: "MGET", key: "product:{id}", parent: batch, at: tb,
                               hitRate: 0.7)
            tb = lookup.end
            if !lookup.hit {
                let db = sql(.productsByIDs, parent: batch, at: tb + gap(), rows: shown)
                tb = db.end
                if db.error != nil { outcome = db }
            }
            tb += latency(200, 0.5)
            mark = attrs.count
            serverAttributes(method: "POST", route: "/products/batch", status: outcome.status,
                             responseSize: responseSize(Double(500 * shown), status: outcome.status))
            close(batch, at: tb, error: outcome.error, attributesFrom: mark)
            t = tb
        }
        t += latency(300, 0.5)
        outcome.end = t
        mark = attrs.count
        serverAttributes(method: "GET", route: "/search", status: outcome.status,
                         responseSize: responseSize(Double(600 + 350 * shown), status: outcome.status))
        attr("search.results", .int(Int64(hits)))
        attr("search.query_length", .int(Int64(ctx.flood ? 3 : rng.int(in: 3...40))))
        close(s, at: t, error: outcome.error, attributesFrom: mark)
        return outcome
    }

    /// cart `POST /cart/items`: validates, checks the product, stores the line.
    mutating func addToCart(parent: Int, at t0: Int64) -> Outcome {
        let s = openServer(.cart, "POST /cart/items", parent: parent, at: t0)
        var t = t0 + latency(300, 0.5)
        var outcome = Outcome(end: 0, status: 201, error: nil)
        if rng.chance(0.01) {
            outcome.status = 400
        } else {
            let product = readProduct(parent: s, at: t)
            t = product.end + gap()
            if product.error != nil {
                outcome = product
                outcome.status = 500
            } else if product.status == 404 {
                outcome.status = 404
            } else {
                let insert = sql(.insertCartItem, parent: s, at: t, rows: 1)
                t = insert.end
                if insert.error != nil {
                    outcome = insert
                } else {
                    t = cache("DEL cart", operation: "DEL", key: "cart:{user_id}", parent: s, at: t + gap(),
                              hitRate: nil).end
                }
            }
        }
        t += latency(200, 0.5)
        outcome.end = t
        let mark = attrs.count
        serverAttributes(method: "POST", route: "/cart/items", status: outcome.status,
                         responseSize: responseSize(300, status: outcome.status))
        close(s, at: t, error: outcome.error, attributesFrom: mark)
        return outcome
    }

    /// checkout `POST /checkout`: reads the cart, charges, writes the order.
    mutating func checkout(parent: Int, at t0: Int64, items: Int) -> (outcome: Outcome, amount: Double) {
        let s = openServer(.checkout, "POST /checkout", parent: parent, at: t0)
        var t = t0 + latency(400, 0.5)
        let amount = (Double(items) * rng.logNormal(median: 38, sigma: 0.6) * 100).rounded() / 100
        var outcome = readCart(parent: s, at: t, items: items)
        t = outcome.end + gap()
        if outcome.error == nil {
            let payment = charge(parent: s, at: t, amount: amount)
            t = payment.end + gap()
            if payment.status == 402 || payment.error != nil {
                outcome = payment
            } else {
                let order = sql(.insertOrder, parent: s, at: t, rows: 1)
                t = order.end + gap()
                if order.error != nil {
                    outcome = order
                } else {
                    let reserve = sql(.reserveInventory, parent: s, at: t, rows: items)
                    t = reserve.end
                    outcome = reserve.error != nil ? reserve : Outcome(end: t, status: 201, error: nil)
                }
            }
        }
        t += latency(300, 0.5)
        outcome.end = t
        let mark = attrs.count
        serverAttributes(method: "POST", route: "/checkout", status: outcome.status,
                         responseSize: responseSize(900, status: outcome.status))
        attr("cart.item_count", .int(Int64(items)))
        attr("order.amount_usd", .float(amount))
        attr("payment.provider", .string(ShopWorld.paymentProviders[world.tenants[ctx.tenant].provider].name))
        close(s, at: t, error: outcome.error, attributesFrom: mark)
        return (outcome, amount)
    }

    /// auth `POST /auth/login`: looks the user up, checks the password hash, stores a session.
    mutating func login(parent: Int, at t0: Int64) -> Outcome {
        let s = openServer(.auth, "POST /auth/login", parent: parent, at: t0)
        var t = t0 + latency(300, 0.5)
        var outcome = sql(.userByEmail, parent: s, at: t, rows: 1)
        t = outcome.end + gap()
        if outcome.error == nil {
            let hash = open(.auth, "bcrypt.compare", kind: .internal, parent: s, host: spans[s].host, at: t)
            t += latency(45_000, 0.12)
            let mark = attrs.count
            attr("auth.cost", .int(10))
            close(hash, at: t, error: nil, attributesFrom: mark)
            if rng.chance(0.03) {
                outcome.status = 401
            } else {
                t = cache("SET session", operation: "SET", key: "session:{token}", parent: s, at: t + gap(),
                          hitRate: nil).end
            }
        }
        t += latency(200, 0.5)
        outcome.end = t
        let mark = attrs.count
        serverAttributes(method: "POST", route: "/auth/login", status: outcome.status,
                         responseSize: responseSize(380, status: outcome.status))
        close(s, at: t, error: outcome.error, attributesFrom: mark)
        return outcome
    }

    /// checkout `GET /orders`: the user's order history from a replica.
    mutating func listOrders(parent: Int, at t0: Int64) -> Outcome {
        let s = openServer(.checkout, "GET /orders", parent: parent, at: t0)
        let t = t0 + latency(300, 0.5)
        var outcome = sql(.ordersByUser, parent: s, at: t, rows: rng.below(41))
        let end = outcome.end + latency(300, 0.5)
        outcome.end = end
        let mark = attrs.count
        serverAttributes(method: "GET", route: "/orders", status: outcome.status,
                         responseSize: responseSize(7_000, status: outcome.status))
        close(s, at: end, error: outcome.error, attributesFrom: mark)
        return outcome
    }
}
