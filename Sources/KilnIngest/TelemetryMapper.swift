import KilnCore

/// Turns decoded spans and log records into events, as Honeycomb maps OpenTelemetry data.
///
/// A span becomes one event at its start time with `trace.trace_id`, `trace.span_id`,
/// `trace.parent_id` (hex; absent on a root span), `name`, `service.name`, `span.kind`
/// (`server`, `client`, ...), `duration_ms` (float), `status_code` (0 unset, 1 ok, 2 error),
/// `status_message`, `error` (true when the status is error), `library.name`,
/// `library.version`, `span.num_events`, `span.num_links`, `meta.signal_type` = `trace`, and
/// every resource, scope and span attribute under its key (a span attribute wins over a resource
/// attribute of the same name; the fields above win over both). Each span event becomes an event
/// at its time with `meta.annotation_type` = `span_event`, `trace.trace_id`, `trace.parent_id` =
/// the span's id, `parent_name` = the span's name, `name` and its attributes; each link an event
/// at the span's start with `meta.annotation_type` = `link`, `trace.link.trace_id`,
/// `trace.link.span_id` and its attributes.
///
/// A log record becomes an event at its time (else its observed time, else now) with `body`
/// (a map body is flattened to `body.<key>`), `severity` (`trace`, `debug`, `info`, `warn`,
/// `error`, `fatal` from the number, else the text lowercased), `severity_text`, `severity_code`,
/// `trace.trace_id` and `trace.parent_id` (the span it was logged in), `event.name`,
/// `meta.signal_type` = `log`, and the attributes.
///
/// Attribute values: strings, booleans, integers and doubles keep their type (NaN and
/// infinities are dropped), bytes become base64 text, arrays their compact JSON text, maps are
/// flattened to dotted names. The dataset is `dataset` when given, else the resource's
/// `service.name` (`unknown_service` when it has none).
package struct TelemetryMapper {
    /// Events per dataset, in arrival order of datasets.
    package struct Output {
        package var datasets: [String] = []
        package var batches: [String: RawBatch] = [:]
        /// Items (spans or log records) rejected, with the first reasons.
        package var rejected = 0
        package var reasons: [String] = []
        /// Events made.
        package var events = 0

        package mutating func add(_ event: Event, dataset: String) {
            if batches[dataset] == nil {
                datasets.append(dataset)
                batches[dataset] = RawBatch()
            }
            batches[dataset]?.append(event)
            events += 1
        }

        package mutating func reject(_ reason: String) {
            rejected += 1
            if reasons.count < 5 { reasons.append(reason) }
        }
    }

    package var limits: IngestLimits
    /// The dataset named by the request (`x-honeycomb-dataset`), overriding `service.name`.
    package var dataset: String?
    /// Time used for items that carry none.
    package var now: Int64

    /// Makes a mapper into `dataset` (nil: each resource's service), with `now` for items
    /// without a time.
    package init(limits: IngestLimits, dataset: String?, now: Int64) {
        self.limits = limits
        self.dataset = dataset
        self.now = now
    }

    /// Maps traces.
    /// - Complexity: O(spans + their attributes, events and links)
    package func map(_ traces: Telemetry.Traces) -> Output {
        map(traces, label: { "span \($0.spanID)" }) { (span, resource, scope, service) throws(ServerError) in
            var made = [try spanEvent(span, resource: resource, scope: scope, service: service)]
            for e in span.events { made.append(try annotation(e, of: span, resource: resource, service: service)) }
            for l in span.links { made.append(try link(l, of: span, resource: resource, service: service)) }
            return made
        }
    }

    /// Maps logs.
    /// - Complexity: O(records + their attributes)
    package func map(_ logs: Telemetry.Logs) -> Output {
        map(logs, label: { _ in "log record" }) { (record, resource, scope, service) throws(ServerError) in
            [try logEvent(record, resource: resource, scope: scope, service: service)]
        }
    }

    /// Maps every item of every resource and scope with `events` (given the item, the
    /// resource's attributes, the scope and the service name) into the dataset of its resource.
    /// An item is rejected alone, with its reason, when it carries a `problem` or `events`
    /// throws (`label` names it in the reason); all items of a resource whose dataset name is
    /// unusable are rejected.
    private func map<Item: TelemetryItem>(
        _ resources: [Telemetry.ResourceItems<Item>], label: (Item) -> String,
        events: (Item, [Telemetry.KeyValue], Telemetry.Scope, String) throws(ServerError) -> [Event]
    ) -> Output {
        var out = Output()
        for resource in resources {
            let service = Self.serviceName(resource.attributes)
            let target = dataset ?? service
            if let problem = Self.datasetProblem(target) {
                for scope in resource.scopes { for _ in scope.items { out.reject(problem) } }
                continue
            }
            for scope in resource.scopes {
                for item in scope.items {
                    if let problem = item.problem {
                        out.reject(problem)
                        continue
                    }
                    do throws(ServerError) {
                        for event in try events(item, resource.attributes, scope.scope, service) { out.add(event, dataset: target) }
                    } catch {
                        out.reject("\(label(item)): \(error.message)")
                    }
                }
            }
        }
        return out
    }

    package static func serviceName(_ attributes: [Telemetry.KeyValue]) -> String {
        for kv in attributes.reversed() where kv.key == "service.name" {
            if case .string(let s) = kv.value, !s.trimmingSpaces().isEmpty { return s.trimmingSpaces() }
        }
        return "unknown_service"
    }

    package static func datasetProblem(_ name: String) -> String? {
        if name.isEmpty || name.utf8.count > 255 { return "dataset names are 1 to 255 bytes long" }
        return nil
    }

    // MARK: Events

    private func spanEvent(_ span: Telemetry.Span, resource: [Telemetry.KeyValue], scope: Telemetry.Scope, service: String) throws(ServerError) -> Event {
        var f = FieldSet(limits: limits)
        try f.add(resource)
        try f.add(scope.attributes)
        try f.add(span.attributes)
        try f.set(FieldName.traceID, .string(span.traceID))
        try f.set(FieldName.spanID, .string(span.spanID))
        if !span.parentID.isEmpty { try f.set(FieldName.parentID, .string(span.parentID)) }
        try f.set(FieldName.name, .string(span.name))
        try f.set(FieldName.serviceName, .string(service))
        let kind = span.kind >= 0 && span.kind < Telemetry.spanKinds.count ? Telemetry.spanKinds[span.kind] : "unspecified"
        try f.set("span.kind", .string(kind))
        let duration = span.end >= span.start && span.start > 0 ? Double(span.end - span.start) / 1e6 : 0
        try f.set(FieldName.duration, .float(duration))
        try f.set("status_code", .int(Int64(span.statusCode)))
        if !span.statusMessage.isEmpty { try f.set("status_message", .string(span.statusMessage)) }
        if span.statusCode == 2 { try f.set("error", .bool(true)) }
        if !scope.name.isEmpty { try f.set("library.name", .string(scope.name)) }
        if !scope.version.isEmpty { try f.set("library.version", .string(scope.version)) }
        if !span.traceState.isEmpty { try f.set("trace.trace_state", .string(span.traceState)) }
        try f.set("span.num_events", .int(Int64(span.events.count)))
        try f.set("span.num_links", .int(Int64(span.links.count)))
        try f.set("meta.signal_type", .string("trace"))
        return Event(timestamp: span.start > 0 ? span.start : now, fields: f.fields)
    }

    private func annotation(_ e: Telemetry.SpanEvent, of span: Telemetry.Span, resource: [Telemetry.KeyValue], service: String) throws(ServerError) -> Event {
        let t = e.time > 0 ? e.time : (span.start > 0 ? span.start : now)
        return try spanAnnotation(of: span, type: "span_event", attributes: e.attributes, resource: resource, service: service, time: t) {
            (f) throws(ServerError) in try f.set(FieldName.name, .string(e.name))
        }
    }

    private func link(_ l: Telemetry.Link, of span: Telemetry.Span, resource: [Telemetry.KeyValue], service: String) throws(ServerError) -> Event {
        try spanAnnotation(of: span, type: "link", attributes: l.attributes, resource: resource, service: service, time: span.start > 0 ? span.start : now) {
            (f) throws(ServerError) in
            if !l.traceID.isEmpty { try f.set("trace.link.trace_id", .string(l.traceID)) }
            if !l.spanID.isEmpty { try f.set("trace.link.span_id", .string(l.spanID)) }
            if !l.traceState.isEmpty { try f.set("trace.link.trace_state", .string(l.traceState)) }
        }
    }

    /// An event hanging off `span` (a span event or a link, by `type`): the resource's and its
    /// own attributes, the trace and parent ids, then `own` fields, then its parent's name, the
    /// service and the annotation and signal types.
    private func spanAnnotation(
        of span: Telemetry.Span, type: String, attributes: [Telemetry.KeyValue], resource: [Telemetry.KeyValue], service: String,
        time: Int64, _ own: (inout FieldSet) throws(ServerError) -> Void
    ) throws(ServerError) -> Event {
        var f = FieldSet(limits: limits)
        try f.add(resource)
        try f.add(attributes)
        try f.set(FieldName.traceID, .string(span.traceID))
        try f.set(FieldName.parentID, .string(span.spanID))
        try own(&f)
        try f.set("parent_name", .string(span.name))
        try f.set(FieldName.serviceName, .string(service))
        try f.set("meta.annotation_type", .string(type))
        try f.set("meta.signal_type", .string("trace"))
        return Event(timestamp: time, fields: f.fields)
    }

    private static let severityNames = ["trace", "debug", "info", "warn", "error", "fatal"]

    private func logEvent(_ l: Telemetry.LogRecord, resource: [Telemetry.KeyValue], scope: Telemetry.Scope, service: String) throws(ServerError) -> Event {
        var f = FieldSet(limits: limits)
        try f.add(resource)
        try f.add(scope.attributes)
        try f.add(l.attributes)
        if case .kvlist(let items) = l.body {
            try f.add(items, prefix: "body.")
        } else {
            try f.set("body", l.body, prefix: "")
        }
        if l.severityNumber >= 1 && l.severityNumber <= 24 {
            try f.set("severity", .string(Self.severityNames[(l.severityNumber - 1) / 4]))
            try f.set("severity_code", .int(Int64(l.severityNumber)))
        } else if !l.severityText.isEmpty {
            try f.set("severity", .string(l.severityText.lowercased()))
        }
        if !l.severityText.isEmpty { try f.set("severity_text", .string(l.severityText)) }
        if !l.traceID.isEmpty { try f.set(FieldName.traceID, .string(l.traceID)) }
        if !l.spanID.isEmpty { try f.set(FieldName.parentID, .string(l.spanID)) }
        if !l.eventName.isEmpty { try f.set("event.name", .string(l.eventName)) }
        try f.set(FieldName.serviceName, .string(service))
        if !scope.name.isEmpty { try f.set("library.name", .string(scope.name)) }
        if !scope.version.isEmpty { try f.set("library.version", .string(scope.version)) }
        try f.set("meta.signal_type", .string("log"))
        let t = l.time > 0 ? l.time : (l.observedTime > 0 ? l.observedTime : now)
        return Event(timestamp: t, fields: f.fields)
    }
}

/// The fields of one event being built: names unique (a later value replaces an earlier one),
/// held to the field-count and value-size limits.
package struct FieldSet {
    package let limits: IngestLimits
    private(set) var fields: [Field] = []
    private var index: [String: Int] = [:]

    package init(limits: IngestLimits) {
        self.limits = limits
    }

    package mutating func set(_ name: String, _ value: Value) throws(ServerError) {
        if case .string(let s) = value, s.utf8.count > limits.maxValueBytes {
            throw ServerError(code: .tooLarge, message: "the value of \(JSONReader.quoted(name)) is longer than the limit of \(limits.maxValueBytes) bytes")
        }
        if let at = index[name] {
            fields[at].value = value
            return
        }
        guard fields.count < limits.maxFieldsPerEvent else {
            throw ServerError(code: .tooMany, message: "more than \(limits.maxFieldsPerEvent) fields in one event")
        }
        index[name] = fields.count
        fields.append(Field(name, value))
    }

    package mutating func add(_ attributes: [Telemetry.KeyValue], prefix: String = "") throws(ServerError) {
        for kv in attributes { try set(kv.key, kv.value, prefix: prefix) }
    }

    /// Sets an attribute value under `prefix + key`: maps flattened, arrays as JSON text.
    package mutating func set(_ key: String, _ value: Telemetry.AnyValue, prefix: String, depth: Int = 0) throws(ServerError) {
        let name = prefix + key
        switch value {
        case .string(let s): try set(name, .string(s))
        case .bool(let b): try set(name, .bool(b))
        case .int(let i): try set(name, .int(i))
        case .double(let d): if d.isFinite { try set(name, .float(d)) }
        case .bytes(let b): try set(name, .string(Telemetry.base64Encode(b)))
        case .array:
            var text = ""
            Self.appendJSON(value, to: &text)
            try set(name, .string(text))
        case .kvlist(let items):
            guard depth < limits.maxDepth else { throw ServerError(code: .malformed, message: "values nested deeper than \(limits.maxDepth) levels") }
            for kv in items { try set(kv.key, kv.value, prefix: name + ".", depth: depth + 1) }
        case .empty: break
        }
    }

    /// The JSON text of an attribute value (maps as objects, bytes as base64 strings).
    package static func appendJSON(_ value: Telemetry.AnyValue, to out: inout String) {
        switch value {
        case .string(let s): JSONText.appendString(s, to: &out)
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .double(let d): out += Value.format(d)
        case .bytes(let b): JSONText.appendString(Telemetry.base64Encode(b), to: &out)
        case .array(let items):
            out += "["
            for (k, item) in items.enumerated() {
                if k > 0 { out += "," }
                appendJSON(item, to: &out)
            }
            out += "]"
        case .kvlist(let items):
            out += "{"
            for (k, kv) in items.enumerated() {
                if k > 0 { out += "," }
                JSONText.appendString(kv.key, to: &out)
                out += ":"
                appendJSON(kv.value, to: &out)
            }
            out += "}"
        case .empty: out += "null"
        }
    }
}
