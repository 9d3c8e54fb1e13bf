import KilnCore

/// The kind of a span (`span.kind`).
enum SpanKind: Sendable {
    case server, client, `internal`

    var name: String {
        switch self {
        case .server: return "server"
        case .client: return "client"
        case .internal: return "internal"
        }
    }
}

/// One span while its trace is being built; times in microseconds from the trace's start.
struct SpanRecord {
    var parent: Int32
    var host: Int32
    var service: ShopService
    var kind: SpanKind
    var name: String
    var start: Int64
    var duration: Int64
    /// Its own attributes are `attrs[attrLow ..< attrHigh]` of the builder.
    var attrLow: Int32
    var attrHigh: Int32
    /// `error.message` when the span failed.
    var error: String?
}

/// Who is asking and when, for the trace being built.
struct TraceContext {
    var tenant = 0
    var user = 0
    var plan = Plan.free
    var region = 0
    var platform = "web"
    /// The time the generator placed the request at when choosing what happens to it (µs).
    var time: Int64 = 0
    /// Whether the request belongs to the heavy tenant's flood.
    var flood = false
}

/// How a call went: when it returned, with which status, and the error it passes up.
struct Outcome {
    var end: Int64
    var status: Int
    var error: String?
}

/// Builds one trace of the shop at a time into reusable buffers, then turns it into events.
///
/// Spans are created parent first, so span indices order parents before children; a parent's
/// duration is set when its last child has returned, so children always lie inside it.
struct TraceBuilder {
    let world: ShopWorld
    let plan: IncidentPlan
    var rng: ShopRandom
    var spans: [SpanRecord] = []
    var attrs: [Field] = []
    var ctx = TraceContext()
    private var kept: [Bool] = []
    private var order: [Int] = []
    private var ids: [String] = []

    init(world: ShopWorld, plan: IncidentPlan, seed: UInt64) {
        self.world = world
        self.plan = plan
        rng = ShopRandom(seed: seed)
    }

    // MARK: Spans

    /// Adds a span starting at `start` (µs from the trace start) and returns its index.
    mutating func open(_ service: ShopService, _ name: String, kind: SpanKind, parent: Int, host: Int32,
                       at start: Int64) -> Int {
        spans.append(SpanRecord(parent: Int32(parent), host: host, service: service, kind: kind, name: name,
                                start: start, duration: 0, attrLow: 0, attrHigh: 0, error: nil))
        return spans.count - 1
    }

    /// Ends span `i` at `end`; its attributes are the ones appended since `mark`.
    mutating func close(_ i: Int, at end: Int64, error: String?, attributesFrom mark: Int) {
        spans[i].duration = max(end - spans[i].start, 1)
        spans[i].error = error
        spans[i].attrLow = Int32(mark)
        spans[i].attrHigh = Int32(attrs.count)
    }

    /// Appends an attribute of the span about to be closed.
    @inline(__always)
    mutating func attr(_ name: String, _ value: Value) {
        attrs.append(Field(name, value))
    }

    /// A log-normal latency in whole microseconds, at least 1.
    @inline(__always)
    mutating func latency(_ medianUs: Double, _ sigma: Double) -> Int64 {
        max(1, Int64(rng.logNormal(median: medianUs, sigma: sigma)))
    }

    /// Network and scheduling delay between two calls.
    @inline(__always)
    mutating func gap() -> Int64 {
        latency(120, 0.5)
    }

    /// A host of `service` in the request's region, picked as a load balancer would.
    mutating func host(for service: ShopService) -> Int32 {
        let list = world.hostsByServiceRegion[service.rawValue][ctx.region]
        return list[rng.below(list.count)]
    }

    /// The version `host` runs at the request's time.
    func version(of host: Int32) -> String {
        let h = world.hosts[Int(host)]
        if h.deployTarget && plan.isActive(.badDeploy, at: ctx.time) { return ShopWorld.badFrontendVersion }
        if h.service == .cart && plan.isRollout {
            let ordinal = world.hosts[..<Int(host)].reduce(0) { $0 + ($1.service == .cart ? 1 : 0) }
            if ctx.time >= plan.rolloutTime(ordinal: ordinal) { return ShopWorld.cartRolloutVersion }
        }
        return h.version
    }

    // MARK: Traces

    /// Builds the next trace for a request placed at `time` (µs), which belongs to the heavy
    /// tenant's flood with probability `floodChance`.
    mutating func build(at time: Int64, floodChance: Double) {
        spans.removeAll(keepingCapacity: true)
        attrs.removeAll(keepingCapacity: true)
        ctx = TraceContext()
        ctx.time = time
        if floodChance > 0 && rng.chance(floodChance) {
            let tenant = world.tenants[world.heavyTenant]
            ctx.flood = true
            ctx.tenant = world.heavyTenant
            ctx.user = tenant.firstUser
            ctx.plan = tenant.plan
            ctx.region = tenant.region
            ctx.platform = "web"
        } else {
            let plan = Plan(rawValue: rng.pick(cumulative: world.planPick)) ?? .free
            let local = rng.pick(cumulative: world.planCumulative[plan.rawValue])
            let tenantIndex = world.planTenants[plan.rawValue][local]
            let tenant = world.tenants[tenantIndex]
            ctx.tenant = tenantIndex
            ctx.plan = plan
            ctx.region = tenant.region
            // A few users of a tenant do most of its requests.
            let u = rng.unit()
            ctx.user = tenant.firstUser + min(Int(Double(tenant.userCount) * u * u), tenant.userCount - 1)
            let p = rng.unit()
            ctx.platform = p < 0.55 ? "web" : (p < 0.82 ? "ios" : "android")
        }
        buildRequest()
    }

    /// Keeps the first `count` spans in start order (all of them when `count` is larger), which
    /// always includes every kept span's parent, and returns the latest kept start (µs).
    mutating func keep(_ count: Int) -> Int64 {
        kept.removeAll(keepingCapacity: true)
        if count >= spans.count {
            kept.append(contentsOf: repeatElement(true, count: spans.count))
            var extent: Int64 = 0
            for span in spans { extent = max(extent, span.start) }
            return extent
        }
        kept.append(contentsOf: repeatElement(false, count: spans.count))
        order.removeAll(keepingCapacity: true)
        order.append(contentsOf: spans.indices)
        // A parent starts no later than its children and has a smaller index.
        order.sort { spans[$0].start != spans[$1].start ? spans[$0].start < spans[$1].start : $0 < $1 }
        var extent: Int64 = 0
        for i in order.prefix(max(count, 0)) {
            kept[i] = true
            extent = max(extent, spans[i].start)
        }
        return extent
    }

    /// Shrinks the trace's timing so that no span starts later than `limit` µs after its start
    /// (only ever needed for the last traces before the end time). Containment survives
    /// because rounding down is monotonic.
    mutating func compress(extent: Int64, to limit: Int64) {
        guard extent > limit, extent > 0 else { return }
        let f = Double(max(limit, 0)) / Double(extent)
        for i in spans.indices {
            let start = min(Int64(Double(spans[i].start) * f), limit)
            let end = Int64(Double(spans[i].start + spans[i].duration) * f)
            spans[i].start = start
            spans[i].duration = max(end - start, 0)
        }
    }

    /// Turns the kept spans into events starting at `startUs` and pushes them onto `heap`,
    /// parents first.
    mutating func emit(startUs: Int64, into heap: inout EventHeap) {
        let traceID = HexID.trace(rng.next(), rng.next())
        let requestID = HexID.uuid(rng.next(), rng.next())
        let tenant = world.tenants[ctx.tenant]
        let userID = Value.string(world.userIDs[ctx.user])
        let tenantID = Value.string(tenant.name)
        let planName = Value.string(ctx.plan.name)
        let region = Value.string(ShopWorld.regions[ctx.region].name)
        ids.removeAll(keepingCapacity: true)
        for i in spans.indices { ids.append(kept[i] ? HexID.span(rng.next()) : "") }
        for i in spans.indices where kept[i] {
            let span = spans[i]
            let host = world.hosts[Int(span.host)]
            var fields: [Field] = []
            fields.reserveCapacity(18 + Int(span.attrHigh - span.attrLow))
            fields.append(Field(FieldName.traceID, .string(traceID)))
            fields.append(Field(FieldName.spanID, .string(ids[i])))
            if span.parent >= 0 { fields.append(Field(FieldName.parentID, .string(ids[Int(span.parent)]))) }
            fields.append(Field(FieldName.serviceName, .string(span.service.name)))
            fields.append(Field("service.version", .string(version(of: span.host))))
            fields.append(Field(FieldName.name, .string(span.name)))
            fields.append(Field("span.kind", .string(span.kind.name)))
            fields.append(Field(FieldName.duration, .float(Double(span.duration) / 1000)))
            fields.append(Field("host.name", .string(host.name)))
            fields.append(Field("availability_zone", .string(host.zone)))
            fields.append(Field("region", region))
            fields.append(Field("request.id", .string(requestID)))
            fields.append(Field("user.id", userID))
            fields.append(Field("tenant.id", tenantID))
            fields.append(Field("customer.plan", planName))
            fields.append(Field("error", .bool(span.error != nil)))
            if let message = span.error { fields.append(Field("error.message", .string(message))) }
            fields.append(contentsOf: attrs[Int(span.attrLow) ..< Int(span.attrHigh)])
            heap.push(Event(timestamp: (startUs + span.start) * 1000, fields: fields))
        }
    }
}
