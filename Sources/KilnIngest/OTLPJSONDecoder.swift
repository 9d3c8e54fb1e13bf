/// Decodes OTLP/HTTP JSON bodies (the protobuf JSON mapping with OTLP's exceptions): field
/// names in lowerCamelCase (snake_case accepted too), trace and span ids as hex (base64 accepted:
/// 24/12 characters), enums as names or numbers, 64-bit integers as strings or numbers.
package struct OTLPJSONDecoder: OTLPDecoder {
    package var limits: IngestLimits

    /// Makes a decoder holding requests to `limits`.
    package init(limits: IngestLimits) {
        self.limits = limits
    }

    /// Decodes an `ExportTraceServiceRequest`.
    /// - Complexity: O(body size)
    package func decodeTraces(_ body: UnsafeBufferPointer<UInt8>) throws(ServerError) -> Telemetry.Traces {
        try decodeExport(body, names: (("resourceSpans", "resource_spans"), ("scopeSpans", "scope_spans"), ("spans", nil))) {
            (value, place) throws(ServerError) in try span(value, place)
        }
    }

    /// Decodes an `ExportLogsServiceRequest`.
    /// - Complexity: O(body size)
    package func decodeLogs(_ body: UnsafeBufferPointer<UInt8>) throws(ServerError) -> Telemetry.Logs {
        try decodeExport(body, names: (("resourceLogs", "resource_logs"), ("scopeLogs", "scope_logs"), ("logRecords", "log_records"))) {
            (value, place) throws(ServerError) in try logRecord(value, place)
        }
    }

    /// A member's lowerCamelCase name and its snake_case one (nil when the same).
    private typealias Name = (camel: String, snake: String?)

    /// Decodes an export request of either signal, which share one shape:
    /// `{"resourceSpans": [{"resource": {"attributes": [...]}, "scopeSpans": [{"scope": {...},
    /// "spans": [...]}]}]}`, with `names` for the resource, scope and item lists, and `item`
    /// reading one item (given its place for messages).
    private func decodeExport<Item>(
        _ body: UnsafeBufferPointer<UInt8>, names: (resources: Name, scopes: Name, items: Name),
        item: (JSONValue, String) throws(ServerError) -> Item
    ) throws(ServerError) -> [Telemetry.ResourceItems<Item>] {
        var counter = TelemetryItemCounter(limits: limits)
        let root = try JSONValue.parse(body, maxDepth: limits.maxDepth)
        guard root.members != nil else { throw ServerError.malformed("expected a JSON object {\"\(names.resources.camel)\": [...]}") }
        var out: [Telemetry.ResourceItems<Item>] = []
        let resourceList = names.resources.camel
        for (ri, resourceItems) in try list(root.member(resourceList, names.resources.snake), resourceList).enumerated() {
            var resource = Telemetry.ResourceItems<Item>()
            resource.attributes = try attributes(resourceItems.member("resource")?.member("attributes"), "\(resourceList)[\(ri)].resource.attributes")
            let scopeList = "\(resourceList)[\(ri)].\(names.scopes.camel)"
            for (si, scopeItems) in try list(resourceItems.member(names.scopes.camel, names.scopes.snake), scopeList).enumerated() {
                let place = "\(scopeList)[\(si)]"
                var scoped = Telemetry.ScopeItems<Item>()
                scoped.scope = try scope(scopeItems.member("scope"), place + ".scope")
                let itemList = "\(place).\(names.items.camel)"
                for (k, value) in try list(scopeItems.member(names.items.camel, names.items.snake), itemList).enumerated() {
                    try counter.count()
                    scoped.items.append(try item(value, "\(itemList)[\(k)]"))
                }
                resource.scopes.append(scoped)
            }
            out.append(resource)
        }
        return out
    }

    // MARK: Structure

    private func list(_ value: JSONValue?, _ place: String) throws(ServerError) -> [JSONValue] {
        guard let value else { return [] }
        guard let items = value.array else { throw ServerError.malformed("\(place) must be an array") }
        return items
    }

    private func text(_ value: JSONValue?, _ place: String) throws(ServerError) -> String {
        guard let value else { return "" }
        guard let s = value.string else { throw ServerError.malformed("\(place) must be a string") }
        return s
    }

    private func integer(_ value: JSONValue?, _ place: String) throws(ServerError) -> Int64 {
        guard let value else { return 0 }
        guard let v = value.int64 else { throw ServerError.malformed("\(place) must be an integer (a number or a string of digits)") }
        return v
    }

    /// An enum given as a number or as one of `names` (index = value), optionally without `prefix`.
    private func enumValue(_ value: JSONValue?, names: [String], prefix: String, _ place: String) throws(ServerError) -> Int {
        guard let value else { return 0 }
        if let v = value.int64 { return Int(truncatingIfNeeded: v) }
        if let s = value.string {
            if let k = names.firstIndex(of: s) { return k }
            if let k = names.firstIndex(of: prefix + s.uppercased()) { return k }
        }
        throw ServerError.malformed("\(place) must be a number or one of \(names.joined(separator: ", "))")
    }

    private func scope(_ value: JSONValue?, _ place: String) throws(ServerError) -> Telemetry.Scope {
        guard let value else { return Telemetry.Scope() }
        return Telemetry.Scope(name: try text(value.member("name"), place + ".name"),
                               version: try text(value.member("version"), place + ".version"),
                               attributes: try attributes(value.member("attributes"), place + ".attributes"))
    }

    private static let spanKindNames = ["SPAN_KIND_UNSPECIFIED", "SPAN_KIND_INTERNAL", "SPAN_KIND_SERVER", "SPAN_KIND_CLIENT",
                                        "SPAN_KIND_PRODUCER", "SPAN_KIND_CONSUMER"]
    private static let statusNames = ["STATUS_CODE_UNSET", "STATUS_CODE_OK", "STATUS_CODE_ERROR"]
    package static let severityNames = [
        "SEVERITY_NUMBER_UNSPECIFIED",
        "SEVERITY_NUMBER_TRACE", "SEVERITY_NUMBER_TRACE2", "SEVERITY_NUMBER_TRACE3", "SEVERITY_NUMBER_TRACE4",
        "SEVERITY_NUMBER_DEBUG", "SEVERITY_NUMBER_DEBUG2", "SEVERITY_NUMBER_DEBUG3", "SEVERITY_NUMBER_DEBUG4",
        "SEVERITY_NUMBER_INFO", "SEVERITY_NUMBER_INFO2", "SEVERITY_NUMBER_INFO3", "SEVERITY_NUMBER_INFO4",
        "SEVERITY_NUMBER_WARN", "SEVERITY_NUMBER_WARN2", "SEVERITY_NUMBER_WARN3", "SEVERITY_NUMBER_WARN4",
        "SEVERITY_NUMBER_ERROR", "SEVERITY_NUMBER_ERROR2", "SEVERITY_NUMBER_ERROR3", "SEVERITY_NUMBER_ERROR4",
        "SEVERITY_NUMBER_FATAL", "SEVERITY_NUMBER_FATAL2", "SEVERITY_NUMBER_FATAL3", "SEVERITY_NUMBER_FATAL4",
    ]

    private func span(_ value: JSONValue, _ place: String) throws(ServerError) -> Telemetry.Span {
        guard value.members != nil else { throw ServerError.malformed("\(place) must be an object") }
        var s = Telemetry.Span()
        s.name = try text(value.member("name"), place + ".name")
        s.traceState = try text(value.member("traceState", "trace_state"), place + ".traceState")
        s.kind = try enumValue(value.member("kind"), names: Self.spanKindNames, prefix: "SPAN_KIND_", place + ".kind")
        s.start = try integer(value.member("startTimeUnixNano", "start_time_unix_nano"), place + ".startTimeUnixNano")
        s.end = try integer(value.member("endTimeUnixNano", "end_time_unix_nano"), place + ".endTimeUnixNano")
        s.attributes = try attributes(value.member("attributes"), place + ".attributes")
        for (k, e) in try list(value.member("events"), place + ".events").enumerated() {
            let at = "\(place).events[\(k)]"
            s.events.append(Telemetry.SpanEvent(time: try integer(e.member("timeUnixNano", "time_unix_nano"), at + ".timeUnixNano"),
                                                name: try text(e.member("name"), at + ".name"),
                                                attributes: try attributes(e.member("attributes"), at + ".attributes")))
        }
        for (k, l) in try list(value.member("links"), place + ".links").enumerated() {
            let at = "\(place).links[\(k)]"
            var link = Telemetry.Link()
            link.traceID = (try? Telemetry.textID(try text(l.member("traceId", "trace_id"), at + ".traceId"), bytes: 16, what: "trace id").get()) ?? ""
            link.spanID = (try? Telemetry.textID(try text(l.member("spanId", "span_id"), at + ".spanId"), bytes: 8, what: "span id").get()) ?? ""
            link.traceState = try text(l.member("traceState", "trace_state"), at + ".traceState")
            link.attributes = try attributes(l.member("attributes"), at + ".attributes")
            s.links.append(link)
        }
        if let status = value.member("status") {
            s.statusCode = try enumValue(status.member("code"), names: Self.statusNames, prefix: "STATUS_CODE_", place + ".status.code")
            s.statusMessage = try text(status.member("message"), place + ".status.message")
        }
        let traceID = try text(value.member("traceId", "trace_id"), place + ".traceId")
        let spanID = try text(value.member("spanId", "span_id"), place + ".spanId")
        let parentID = try text(value.member("parentSpanId", "parent_span_id"), place + ".parentSpanId")
        switch Telemetry.textID(traceID, bytes: 16, what: "traceId") {
        case .success(let id): s.traceID = id
        case .failure(let p): s.problem = "\(place): \(p.message)"
        }
        switch Telemetry.textID(spanID, bytes: 8, what: "spanId") {
        case .success(let id): s.spanID = id
        case .failure(let p): s.problem = s.problem ?? "\(place): \(p.message)"
        }
        if !parentID.isEmpty {
            switch Telemetry.textID(parentID, bytes: 8, what: "parentSpanId") {
            case .success(let id): s.parentID = id
            case .failure(let p): s.problem = s.problem ?? "\(place): \(p.message)"
            }
        }
        return s
    }

    private func logRecord(_ value: JSONValue, _ place: String) throws(ServerError) -> Telemetry.LogRecord {
        guard value.members != nil else { throw ServerError.malformed("\(place) must be an object") }
        var l = Telemetry.LogRecord()
        l.time = try integer(value.member("timeUnixNano", "time_unix_nano"), place + ".timeUnixNano")
        l.observedTime = try integer(value.member("observedTimeUnixNano", "observed_time_unix_nano"), place + ".observedTimeUnixNano")
        l.severityNumber = try enumValue(value.member("severityNumber", "severity_number"), names: Self.severityNames,
                                         prefix: "SEVERITY_NUMBER_", place + ".severityNumber")
        l.severityText = try text(value.member("severityText", "severity_text"), place + ".severityText")
        l.eventName = try text(value.member("eventName", "event_name"), place + ".eventName")
        if let body = value.member("body") { l.body = try anyValue(body, place + ".body", depth: 1) }
        l.attributes = try attributes(value.member("attributes"), place + ".attributes")
        let traceID = try text(value.member("traceId", "trace_id"), place + ".traceId")
        let spanID = try text(value.member("spanId", "span_id"), place + ".spanId")
        if !traceID.isEmpty {
            switch Telemetry.textID(traceID, bytes: 16, what: "traceId") {
            case .success(let id): l.traceID = id
            case .failure(let p): l.problem = "\(place): \(p.message)"
            }
        }
        if !spanID.isEmpty {
            switch Telemetry.textID(spanID, bytes: 8, what: "spanId") {
            case .success(let id): l.spanID = id
            case .failure(let p): l.problem = l.problem ?? "\(place): \(p.message)"
            }
        }
        return l
    }

    // MARK: Values

    private func attributes(_ value: JSONValue?, _ place: String) throws(ServerError) -> [Telemetry.KeyValue] {
        try list(value, place).enumerated().map { (k, kv) throws(ServerError) -> Telemetry.KeyValue in
            try keyValue(kv, "\(place)[\(k)]", depth: 1)
        }
    }

    private func keyValue(_ value: JSONValue, _ place: String, depth: Int) throws(ServerError) -> Telemetry.KeyValue {
        guard value.members != nil else { throw ServerError.malformed("\(place) must be an object {\"key\", \"value\"}") }
        let key = try text(value.member("key"), place + ".key")
        let v = try value.member("value").map { (v) throws(ServerError) -> Telemetry.AnyValue in try anyValue(v, place + ".value", depth: depth) }
        return Telemetry.KeyValue(key: key, value: v ?? .empty)
    }

    private func anyValue(_ value: JSONValue, _ place: String, depth: Int) throws(ServerError) -> Telemetry.AnyValue {
        guard depth <= limits.maxDepth else { throw ServerError.malformed("\(place): values nested deeper than \(limits.maxDepth) levels") }
        guard let members = value.members else { throw ServerError.malformed("\(place) must be an AnyValue object like {\"stringValue\": ...}") }
        for (key, v) in members.reversed() where v != .null {
            switch key {
            case "stringValue", "string_value": return .string(try text(v, place + ".stringValue"))
            case "boolValue", "bool_value":
                guard let b = v.bool else { throw ServerError.malformed("\(place).boolValue must be true or false") }
                return .bool(b)
            case "intValue", "int_value": return .int(try integer(v, place + ".intValue"))
            case "doubleValue", "double_value":
                guard let d = v.double else { throw ServerError.malformed("\(place).doubleValue must be a number") }
                return .double(d)
            case "bytesValue", "bytes_value":
                guard let s = v.string, let b = Telemetry.base64Decode(Array(s.utf8)) else {
                    throw ServerError.malformed("\(place).bytesValue must be base64")
                }
                return .bytes(b)
            case "arrayValue", "array_value":
                let items = try list(v.member("values"), place + ".arrayValue.values")
                var out: [Telemetry.AnyValue] = []
                for (k, item) in items.enumerated() { out.append(try anyValue(item, "\(place).arrayValue.values[\(k)]", depth: depth + 1)) }
                return .array(out)
            case "kvlistValue", "kvlist_value":
                let items = try list(v.member("values"), place + ".kvlistValue.values")
                var out: [Telemetry.KeyValue] = []
                for (k, item) in items.enumerated() { out.append(try keyValue(item, "\(place).kvlistValue.values[\(k)]", depth: depth + 1)) }
                return .kvlist(out)
            default: continue
            }
        }
        return .empty
    }
}
