/// Decodes OTLP/HTTP protobuf bodies: `ExportTraceServiceRequest` and `ExportLogsServiceRequest`
/// (opentelemetry-proto v1), by field number, with no generated code.
///
/// Unknown fields are skipped (newer senders stay readable); a known field with another wire
/// type than the proto's is skipped too, as protobuf's own parsers do. Broken framing (a length
/// past the end, a truncated varint, a group) rejects the whole body. A span or log record with
/// unusable ids is kept with a `problem` and rejected alone.
package struct OTLPProtobufDecoder: OTLPDecoder {
    package var limits: IngestLimits

    /// Makes a decoder holding requests to `limits`.
    package init(limits: IngestLimits) {
        self.limits = limits
    }

    /// Decodes an `ExportTraceServiceRequest`.
    /// - Complexity: O(body size)
    package func decodeTraces(_ body: UnsafeBufferPointer<UInt8>) throws(ServerError) -> Telemetry.Traces {
        try decodeExport(body, messages: ("ExportTraceServiceRequest", "ResourceSpans", "ScopeSpans", "Span")) { (r) throws(ServerError) in try span(r) }
    }

    /// Decodes an `ExportLogsServiceRequest`.
    /// - Complexity: O(body size)
    package func decodeLogs(_ body: UnsafeBufferPointer<UInt8>) throws(ServerError) -> Telemetry.Logs {
        try decodeExport(body, messages: ("ExportLogsServiceRequest", "ResourceLogs", "ScopeLogs", "LogRecord")) { (r) throws(ServerError) in try logRecord(r) }
    }

    /// Decodes an export request of either signal, which share one shape: resources (field 1),
    /// each with its `Resource` (1) and scopes (2), each with its `InstrumentationScope` (1) and
    /// items (2), read by `item`. `messages` names the request, resource, scope and item
    /// messages for errors.
    private func decodeExport<Item>(
        _ body: UnsafeBufferPointer<UInt8>, messages: (request: StaticString, resource: StaticString, scope: StaticString, item: StaticString),
        item: (ProtobufReader) throws(ServerError) -> Item
    ) throws(ServerError) -> [Telemetry.ResourceItems<Item>] {
        var counter = TelemetryItemCounter(limits: limits)
        var r = ProtobufReader(body, message: messages.request)
        var out: [Telemetry.ResourceItems<Item>] = []
        while let (field, value) = try r.next() {
            guard field == 1, case .bytes(let range) = value else { continue }
            var sub = ProtobufReader(nested: range, of: r, message: messages.resource)
            var resource = Telemetry.ResourceItems<Item>()
            while let (f, v) = try sub.next() {
                guard case .bytes(let rr) = v else { continue }
                if f == 1 {
                    resource.attributes = try resourceAttributes(ProtobufReader(nested: rr, of: sub, message: "Resource"))
                } else if f == 2 {
                    var scopeReader = ProtobufReader(nested: rr, of: sub, message: messages.scope)
                    var scoped = Telemetry.ScopeItems<Item>()
                    while let (sf, sv) = try scopeReader.next() {
                        guard case .bytes(let sr) = sv else { continue }
                        if sf == 1 {
                            scoped.scope = try scope(ProtobufReader(nested: sr, of: scopeReader, message: "InstrumentationScope"))
                        } else if sf == 2 {
                            try counter.count()
                            scoped.items.append(try item(ProtobufReader(nested: sr, of: scopeReader, message: messages.item)))
                        }
                    }
                    resource.scopes.append(scoped)
                }
            }
            out.append(resource)
        }
        return out
    }

    // MARK: Messages

    private func resourceAttributes(_ reader: ProtobufReader) throws(ServerError) -> [Telemetry.KeyValue] {
        var r = reader
        var out: [Telemetry.KeyValue] = []
        while let (f, v) = try r.next() {
            if f == 1, case .bytes(let range) = v { out.append(try keyValue(range, of: r, depth: 1)) }
        }
        return out
    }

    private func scope(_ reader: ProtobufReader) throws(ServerError) -> Telemetry.Scope {
        var r = reader
        var out = Telemetry.Scope()
        while let (f, v) = try r.next() {
            guard case .bytes(let range) = v else { continue }
            switch f {
            case 1: out.name = try r.string(range, field: "InstrumentationScope.name")
            case 2: out.version = try r.string(range, field: "InstrumentationScope.version")
            case 3: out.attributes.append(try keyValue(range, of: r, depth: 1))
            default: break
            }
        }
        return out
    }

    private func span(_ reader: ProtobufReader) throws(ServerError) -> Telemetry.Span {
        var r = reader
        var s = Telemetry.Span()
        var traceID: [UInt8] = [], spanID: [UInt8] = [], parentID: [UInt8] = []
        while let (f, v) = try r.next() {
            switch (f, v) {
            case (1, .bytes(let range)): traceID = r.bytes(range)
            case (2, .bytes(let range)): spanID = r.bytes(range)
            case (3, .bytes(let range)): s.traceState = try r.string(range, field: "Span.trace_state")
            case (4, .bytes(let range)): parentID = r.bytes(range)
            case (5, .bytes(let range)): s.name = try r.string(range, field: "Span.name")
            case (6, .varint(let k)): s.kind = Int(truncatingIfNeeded: k)
            case (7, .fixed64(let t)): s.start = Int64(bitPattern: t)
            case (8, .fixed64(let t)): s.end = Int64(bitPattern: t)
            case (9, .bytes(let range)): s.attributes.append(try keyValue(range, of: r, depth: 1))
            case (11, .bytes(let range)): s.events.append(try spanEvent(ProtobufReader(nested: range, of: r, message: "Span.Event")))
            case (13, .bytes(let range)): s.links.append(try link(ProtobufReader(nested: range, of: r, message: "Span.Link")))
            case (15, .bytes(let range)):
                var status = ProtobufReader(nested: range, of: r, message: "Status")
                while let (sf, sv) = try status.next() {
                    switch (sf, sv) {
                    case (2, .bytes(let m)): s.statusMessage = try status.string(m, field: "Status.message")
                    case (3, .varint(let c)): s.statusCode = Int(truncatingIfNeeded: c)
                    default: break
                    }
                }
            default: break
            }
        }
        switch Telemetry.rawID(traceID, expected: 16, what: "trace_id") {
        case .success(let id): s.traceID = id
        case .failure(let p): s.problem = p.message
        }
        switch Telemetry.rawID(spanID, expected: 8, what: "span_id") {
        case .success(let id): s.spanID = id
        case .failure(let p): s.problem = s.problem ?? p.message
        }
        if !parentID.isEmpty {
            switch Telemetry.rawID(parentID, expected: 8, what: "parent_span_id") {
            case .success(let id): s.parentID = id
            case .failure(let p): s.problem = s.problem ?? p.message
            }
        }
        return s
    }

    private func spanEvent(_ reader: ProtobufReader) throws(ServerError) -> Telemetry.SpanEvent {
        var r = reader
        var e = Telemetry.SpanEvent()
        while let (f, v) = try r.next() {
            switch (f, v) {
            case (1, .fixed64(let t)): e.time = Int64(bitPattern: t)
            case (2, .bytes(let range)): e.name = try r.string(range, field: "Span.Event.name")
            case (3, .bytes(let range)): e.attributes.append(try keyValue(range, of: r, depth: 1))
            default: break
            }
        }
        return e
    }

    private func link(_ reader: ProtobufReader) throws(ServerError) -> Telemetry.Link {
        var r = reader
        var l = Telemetry.Link()
        while let (f, v) = try r.next() {
            switch (f, v) {
            case (1, .bytes(let range)): l.traceID = Telemetry.hex(r.bytes(range))
            case (2, .bytes(let range)): l.spanID = Telemetry.hex(r.bytes(range))
            case (3, .bytes(let range)): l.traceState = try r.string(range, field: "Span.Link.trace_state")
            case (4, .bytes(let range)): l.attributes.append(try keyValue(range, of: r, depth: 1))
            default: break
            }
        }
        return l
    }

    private func logRecord(_ reader: ProtobufReader) throws(ServerError) -> Telemetry.LogRecord {
        var r = reader
        var l = Telemetry.LogRecord()
        var traceID: [UInt8] = [], spanID: [UInt8] = []
        while let (f, v) = try r.next() {
            switch (f, v) {
            case (1, .fixed64(let t)): l.time = Int64(bitPattern: t)
            case (11, .fixed64(let t)): l.observedTime = Int64(bitPattern: t)
            case (2, .varint(let s)): l.severityNumber = Int(truncatingIfNeeded: s)
            case (3, .bytes(let range)): l.severityText = try r.string(range, field: "LogRecord.severity_text")
            case (5, .bytes(let range)): l.body = try anyValue(range, of: r, depth: 1)
            case (6, .bytes(let range)): l.attributes.append(try keyValue(range, of: r, depth: 1))
            case (9, .bytes(let range)): traceID = r.bytes(range)
            case (10, .bytes(let range)): spanID = r.bytes(range)
            case (12, .bytes(let range)): l.eventName = try r.string(range, field: "LogRecord.event_name")
            default: break
            }
        }
        // Trace context is optional on logs; when present it must be well formed.
        if !traceID.isEmpty {
            switch Telemetry.rawID(traceID, expected: 16, what: "trace_id") {
            case .success(let id): l.traceID = id
            case .failure(let p): l.problem = p.message
            }
        }
        if !spanID.isEmpty {
            switch Telemetry.rawID(spanID, expected: 8, what: "span_id") {
            case .success(let id): l.spanID = id
            case .failure(let p): l.problem = l.problem ?? p.message
            }
        }
        return l
    }

    // MARK: Values

    private func keyValue(_ range: Range<Int>, of parent: ProtobufReader, depth: Int) throws(ServerError) -> Telemetry.KeyValue {
        var r = ProtobufReader(nested: range, of: parent, message: "KeyValue")
        var kv = Telemetry.KeyValue(key: "", value: .empty)
        while let (f, v) = try r.next() {
            switch (f, v) {
            case (1, .bytes(let k)): kv.key = try r.string(k, field: "KeyValue.key")
            case (2, .bytes(let value)): kv.value = try anyValue(value, of: r, depth: depth)
            default: break
            }
        }
        return kv
    }

    private func anyValue(_ range: Range<Int>, of parent: ProtobufReader, depth: Int) throws(ServerError) -> Telemetry.AnyValue {
        guard depth <= limits.maxDepth else { throw parent.error("values nested deeper than \(limits.maxDepth) levels", at: range.lowerBound) }
        var r = ProtobufReader(nested: range, of: parent, message: "AnyValue")
        var out = Telemetry.AnyValue.empty
        while let (f, v) = try r.next() {
            switch (f, v) {
            case (1, .bytes(let s)): out = .string(try r.string(s, field: "AnyValue.string_value"))
            case (2, .varint(let b)): out = .bool(b != 0)
            case (3, .varint(let i)): out = .int(Int64(bitPattern: i))
            case (4, .fixed64(let d)): out = .double(Double(bitPattern: d))
            case (5, .bytes(let a)):
                var list = ProtobufReader(nested: a, of: r, message: "ArrayValue")
                var values: [Telemetry.AnyValue] = []
                while let (af, av) = try list.next() {
                    if af == 1, case .bytes(let item) = av { values.append(try anyValue(item, of: list, depth: depth + 1)) }
                }
                out = .array(values)
            case (6, .bytes(let kvs)):
                var list = ProtobufReader(nested: kvs, of: r, message: "KeyValueList")
                var values: [Telemetry.KeyValue] = []
                while let (kf, kv) = try list.next() {
                    if kf == 1, case .bytes(let item) = kv { values.append(try keyValue(item, of: list, depth: depth + 1)) }
                }
                out = .kvlist(values)
            case (7, .bytes(let b)): out = .bytes(r.bytes(b))
            default: break
            }
        }
        return out
    }
}
