import KilnCore

/// Decodes Zipkin v2 span lists (`POST /api/v2/spans`, a JSON array) into ``Telemetry`` spans.
///
/// Per span: `traceId` (16 or 32 hex digits; shorter ones are left-padded with zeros, as Zipkin
/// does), `id`, `parentId`, `name`, `kind` (`CLIENT`, `SERVER`, `PRODUCER`, `CONSUMER`),
/// `timestamp` and `duration` (µs; a span without a timestamp starts when its trace's earliest
/// span in the list does), `localEndpoint.serviceName` (the service), the endpoints'
/// `ipv4`/`ipv6`/`port` (as `local_endpoint.*` and `remote_endpoint.*`, plus
/// `remote_endpoint.service_name`), `tags` (string attributes; an `error` tag marks the span
/// as failed with the tag's text as its status message), `annotations` (span events), `debug`
/// and `shared` (as `zipkin.debug`, `zipkin.shared`).
package struct ZipkinDecoder {
    package var limits: IngestLimits

    /// Makes a decoder holding requests to `limits`.
    package init(limits: IngestLimits) {
        self.limits = limits
    }

    /// Decodes a body; each span is its own resource (services differ from span to span).
    /// - Complexity: O(body size)
    package func decode(_ body: UnsafeBufferPointer<UInt8>) throws(ServerError) -> Telemetry.Traces {
        let root = try JSONValue.parse(body, maxDepth: limits.maxDepth)
        guard let spans = root.array else { throw ServerError.malformed("expected a JSON array of Zipkin v2 spans") }
        guard spans.count <= limits.maxEventsPerRequest else {
            throw ServerError.tooMany("request has too many spans", limit: limits.maxEventsPerRequest)
        }
        var out: Telemetry.Traces = []
        out.reserveCapacity(spans.count)
        for (k, value) in spans.enumerated() {
            let place = "span \(k)"
            guard value.members != nil else { throw ServerError.malformed("\(place) must be an object") }
            var s = Telemetry.Span()
            var problems: [String] = []
            func text(_ key: String) -> String {
                guard let v = value[key], v != .null else { return "" }
                if let s = v.string { return s }
                problems.append("\(key) must be a string")
                return ""
            }
            func id(_ key: String, allowLong: Bool) -> String {
                let raw = text(key).lowercased()
                if raw.isEmpty { return "" }
                guard raw.utf8.allSatisfy({ JSONSyntax.hexDigit($0) != nil }),
                      raw.utf8.count <= 16 || (allowLong && raw.utf8.count == 32) else {
                    problems.append("\(key) \"\(raw.prefix(64))\" is not 16\(allowLong ? " or 32" : "") hex digits")
                    return ""
                }
                return raw.utf8.count < 16 ? String(repeating: "0", count: 16 - raw.utf8.count) + raw : raw
            }
            s.traceID = id("traceId", allowLong: true)
            s.spanID = id("id", allowLong: false)
            s.parentID = id("parentId", allowLong: false)
            if s.traceID.isEmpty && problems.isEmpty { problems.append("traceId is missing") }
            if s.spanID.isEmpty && problems.isEmpty { problems.append("id is missing") }
            s.name = text("name")
            switch text("kind").uppercased() {
            case "SERVER": s.kind = 2
            case "CLIENT": s.kind = 3
            case "PRODUCER": s.kind = 4
            case "CONSUMER": s.kind = 5
            case "": s.kind = 0
            case let other: problems.append("kind \"\(other.prefix(32))\" is not CLIENT, SERVER, PRODUCER or CONSUMER")
            }
            let micros = micro(value["timestamp"], "timestamp", &problems)
            let duration = micro(value["duration"], "duration", &problems)
            s.start = micros.multipliedReportingOverflow(by: 1000).overflow ? 0 : micros * 1000
            let (d, overflow) = duration.multipliedReportingOverflow(by: 1000)
            s.end = overflow || s.start.addingReportingOverflow(d).overflow ? s.start : s.start + d

            var resource = Telemetry.ResourceItems<Telemetry.Span>()
            if let local = value["localEndpoint"] {
                if let name = local["serviceName"]?.string, !name.isEmpty {
                    resource.attributes.append(Telemetry.KeyValue(key: "service.name", value: .string(name)))
                }
                s.attributes += endpoint(local, prefix: "local_endpoint", serviceName: false)
            }
            if let remote = value["remoteEndpoint"] {
                s.attributes += endpoint(remote, prefix: "remote_endpoint", serviceName: true)
            }
            if let tags = value["tags"], tags != .null {
                guard let members = tags.members else { throw ServerError.malformed("\(place): tags must be an object") }
                for (key, tag) in members {
                    let text: String
                    switch tag {
                    case .string(let t): text = t
                    case .null: continue
                    default: text = tag.text
                    }
                    if key == "error" {
                        s.statusCode = 2
                        s.statusMessage = text
                    } else {
                        s.attributes.append(Telemetry.KeyValue(key: key, value: .string(text)))
                    }
                }
            }
            if let annotations = value["annotations"], annotations != .null {
                guard let items = annotations.array else { throw ServerError.malformed("\(place): annotations must be an array") }
                for a in items {
                    let t = micro(a["timestamp"], "annotations.timestamp", &problems)
                    let ns = t.multipliedReportingOverflow(by: 1000).overflow ? 0 : t * 1000
                    s.events.append(Telemetry.SpanEvent(time: ns, name: a["value"]?.string ?? "", attributes: []))
                }
            }
            if value["debug"]?.bool == true { s.attributes.append(Telemetry.KeyValue(key: "zipkin.debug", value: .bool(true))) }
            if value["shared"]?.bool == true { s.attributes.append(Telemetry.KeyValue(key: "zipkin.shared", value: .bool(true))) }
            if !problems.isEmpty { s.problem = "\(place): " + problems.joined(separator: "; ") }
            resource.scopes = [Telemetry.ScopeItems(scope: Telemetry.Scope(), items: [s])]
            out.append(resource)
        }
        Self.inheritTraceTimes(&out)
        return out
    }

    /// Gives a span without a `timestamp` the earliest start of its trace in the same list (its
    /// duration kept), so that such a span is not placed at the ingest time, years away from
    /// the rest of its trace. Zipkin leaves out the timestamp of spans whose start another
    /// span of the trace already records (a shared server span, for one).
    /// - Complexity: O(spans)
    static func inheritTraceTimes(_ traces: inout Telemetry.Traces) {
        var earliest: [String: Int64] = [:]
        for r in traces {
            for scope in r.scopes {
                for s in scope.items where s.start > 0 {
                    earliest[s.traceID] = min(earliest[s.traceID] ?? .max, s.start)
                }
            }
        }
        for r in traces.indices {
            for k in traces[r].scopes.indices {
                for j in traces[r].scopes[k].items.indices {
                    let s = traces[r].scopes[k].items[j]
                    guard s.start == 0, let start = earliest[s.traceID] else { continue }
                    let duration = max(0, s.end - s.start)
                    let (end, overflow) = start.addingReportingOverflow(duration)
                    traces[r].scopes[k].items[j].start = start
                    traces[r].scopes[k].items[j].end = overflow ? start : end
                }
            }
        }
    }

    private func micro(_ value: JSONValue?, _ key: String, _ problems: inout [String]) -> Int64 {
        guard let value, value != .null else { return 0 }
        if let v = value.int64, v >= 0 { return v }
        if let d = value.double, d.isFinite, d >= 0, d < 9e15 { return Int64(d) }
        problems.append("\(key) must be a non-negative number of microseconds")
        return 0
    }

    private func endpoint(_ value: JSONValue, prefix: String, serviceName: Bool) -> [Telemetry.KeyValue] {
        var out: [Telemetry.KeyValue] = []
        if serviceName, let name = value["serviceName"]?.string, !name.isEmpty {
            out.append(Telemetry.KeyValue(key: prefix + ".service_name", value: .string(name)))
        }
        if let ip = value["ipv4"]?.string { out.append(Telemetry.KeyValue(key: prefix + ".ipv4", value: .string(ip))) }
        if let ip = value["ipv6"]?.string { out.append(Telemetry.KeyValue(key: prefix + ".ipv6", value: .string(ip))) }
        if let port = value["port"]?.int64 { out.append(Telemetry.KeyValue(key: prefix + ".port", value: .int(port))) }
        return out
    }
}
