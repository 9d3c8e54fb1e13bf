/// A database call the shop makes: its span name, statement shape and usual latency.
struct SQLQuery: Sendable {
    /// Span name, e.g. `SELECT cart_items`.
    let name: String
    /// `db.name`.
    let database: String
    /// `db.operation`.
    let operation: String
    /// `db.statement`, parameterised.
    let statement: String
    /// Median latency in microseconds.
    let medianUs: Double
    /// Log-normal shape of the latency.
    let sigma: Double
    /// Share of reads served by a replica; nil for writes (no `db.replica` field).
    let replicaShare: Double?

    static let productsByCategory = SQLQuery(
        name: "SELECT products", database: "catalog", operation: "SELECT",
        statement: "SELECT id, sku, name, price_cents, stock FROM products WHERE category = $1 ORDER BY rank LIMIT $2",
        medianUs: 9000, sigma: 0.55, replicaShare: 0.8)
    static let productByID = SQLQuery(
        name: "SELECT products", database: "catalog", operation: "SELECT",
        statement: "SELECT id, sku, name, price_cents, stock FROM products WHERE id = $1",
        medianUs: 1800, sigma: 0.5, replicaShare: 0.8)
    static let productsByIDs = SQLQuery(
        name: "SELECT products", database: "catalog", operation: "SELECT",
        statement: "SELECT id, sku, name, price_cents FROM products WHERE id = ANY($1)",
        medianUs: 4500, sigma: 0.5, replicaShare: 0.8)
    static let contractPricesBatch = SQLQuery(
        name: "SELECT contract_prices", database: "catalog", operation: "SELECT",
        statement: "SELECT sku, price_cents FROM contract_prices WHERE tenant_id = $1 AND sku = ANY($2)",
        medianUs: 4000, sigma: 0.5, replicaShare: 0.5)
    static let contractPriceTier = SQLQuery(
        name: "SELECT contract_prices", database: "catalog", operation: "SELECT",
        statement: "SELECT t.tier, c.price_cents FROM contract_prices c JOIN price_tiers t USING (tier_id) WHERE c.tenant_id = $1 AND c.sku = $2",
        medianUs: 120_000, sigma: 0.3, replicaShare: 0.5)
    static let cartItems = SQLQuery(
        name: "SELECT cart_items", database: "shop", operation: "SELECT",
        statement: "SELECT sku, quantity, added_at FROM cart_items WHERE user_id = $1",
        medianUs: 2200, sigma: 0.5, replicaShare: 0)
    static let insertCartItem = SQLQuery(
        name: "INSERT cart_items", database: "shop", operation: "INSERT",
        statement: "INSERT INTO cart_items (user_id, sku, quantity) VALUES ($1, $2, $3)",
        medianUs: 3500, sigma: 0.5, replicaShare: nil)
    static let insertOrder = SQLQuery(
        name: "INSERT orders", database: "shop", operation: "INSERT",
        statement: "INSERT INTO orders (tenant_id, user_id, total_cents, status) VALUES ($1, $2, $3, $4)",
        medianUs: 5000, sigma: 0.5, replicaShare: nil)
    static let reserveInventory = SQLQuery(
        name: "UPDATE inventory", database: "shop", operation: "UPDATE",
        statement: "UPDATE inventory SET reserved = reserved + $1 WHERE sku = ANY($2)",
        medianUs: 6000, sigma: 0.55, replicaShare: nil)
    static let ordersByUser = SQLQuery(
        name: "SELECT orders", database: "shop", operation: "SELECT",
        statement: "SELECT id, status, total_cents, created_at FROM orders WHERE user_id = $1 ORDER BY created_at DESC LIMIT 50",
        medianUs: 7000, sigma: 0.6, replicaShare: 0.9)
    static let userByEmail = SQLQuery(
        name: "SELECT users", database: "auth", operation: "SELECT",
        statement: "SELECT id, password_hash, tenant_id FROM users WHERE email = $1",
        medianUs: 1500, sigma: 0.45, replicaShare: 0.3)
    static let sessionByToken = SQLQuery(
        name: "SELECT sessions", database: "auth", operation: "SELECT",
        statement: "SELECT user_id, expires_at FROM sessions WHERE token_hash = $1",
        medianUs: 1200, sigma: 0.45, replicaShare: 0.3)
}
