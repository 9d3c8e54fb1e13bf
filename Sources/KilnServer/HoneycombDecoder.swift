import KilnIngest
import KilnCore

/// Decodes Honeycomb Events API bodies straight into a ``RawBatch`` (no `Event` or `Value`
/// per field): `/1/batch` arrays of `{"time", "samplerate", "data"}` and `/1/events` objects.
///
/// Fields: the members of `data` (or of the single event's object), nested objects flattened to
/// dotted names (`{"http":{"method":"GET"}}` gives `http.method`); strings, integers (fitting
/// Int64), floats and booleans keep their type; arrays become a string holding their compact JSON
/// text; `null` is an absent field. When a name repeats, the last non-null value wins.
///
/// Time: `time` as RFC 3339 or an epoch number (seconds, ms, µs, ns by magnitude); missing or
/// unreadable means the time the request arrived. Sample rate: `samplerate` as a number or
/// numeric string, at least 1.
///
/// A batch element that is valid JSON but not a usable event (not an object, `data` missing or
/// not an object, too many fields, a value too long, a bad `time`) is rejected alone with its
/// reason; malformed JSON rejects the whole body.
struct HoneycombDecoder {
    var limits: IngestLimits
    private var names = NameTable()
    private var path: [UInt8] = []
    private var scratch: [UInt8] = []
    private var fieldsInRow = 0

    /// Makes a decoder holding requests to `limits`.
    init(limits: IngestLimits) {
        self.limits = limits
    }

    /// Decodes a `/1/batch` body; returns, per element, nil when accepted or the reason it was
    /// rejected. Accepted elements are rows of `batch`, in order.
    /// - Complexity: O(body size)
    mutating func decodeBatch(_ body: UnsafeBufferPointer<UInt8>, now: Int64, into batch: inout RawBatch) throws(ServerError) -> [String?] {
        var r = JSONReader(body, maxDepth: limits.maxDepth)
        guard let first = r.peek() else { throw ServerError.malformed("the body is empty; expected a JSON array of events") }
        guard first == UInt8(ascii: "[") else {
            throw r.error("expected a JSON array of events ([{\"time\": ..., \"samplerate\": ..., \"data\": {...}}]), found \(r.describe(at: r.i))")
        }
        r.i += 1
        var results: [String?] = []
        if r.consume(UInt8(ascii: "]")) {
            guard r.atEnd else { throw r.error("unexpected \(r.describe(at: r.i)) after the array") }
            return results
        }
        repeat {
            guard results.count < limits.maxEventsPerRequest else {
                throw ServerError.tooMany("batch has too many events", limit: limits.maxEventsPerRequest)
            }
            r.skipSpace()
            let start = r.i
            do throws(ServerError) {
                try decodeEnvelope(&r, now: now, into: &batch)
                results.append(nil)
            } catch where error.code != .malformed {
                batch.abortRow()
                results.append("event \(results.count): \(error.message)")
                r.i = start
                try r.skipValue(depth: 1)
            }
        } while try r.nextItem(close: UInt8(ascii: "]"), "after an event in the batch")
        guard r.atEnd else { throw r.error("unexpected \(r.describe(at: r.i)) after the array") }
        return results
    }

    /// Decodes a `/1/events` body (the event's fields as one object) as one row of `batch`.
    mutating func decodeEvent(_ body: UnsafeBufferPointer<UInt8>, timestamp: Int64, sampleRate: Int64, into batch: inout RawBatch) throws(ServerError) {
        var r = JSONReader(body, maxDepth: limits.maxDepth)
        guard let first = r.peek() else { throw ServerError.malformed("the body is empty; expected a JSON object of fields") }
        guard first == UInt8(ascii: "{") else { throw r.error("expected a JSON object of fields, found \(r.describe(at: r.i))") }
        r.i += 1
        batch.beginRow()
        fieldsInRow = 0
        do throws(ServerError) {
            try decodeMembers(&r, prefix: -1, depth: 1, into: &batch)
            guard r.atEnd else { throw r.error("unexpected \(r.describe(at: r.i)) after the object") }
        } catch {
            batch.abortRow()
            throw error
        }
        batch.endRow(timestamp: timestamp, sampleRate: sampleRate)
    }

    /// One batch element: `{"time", "samplerate", "data"}` in any order; other members ignored.
    private mutating func decodeEnvelope(_ r: inout JSONReader, now: Int64, into batch: inout RawBatch) throws(ServerError) {
        // Begun first: the caller aborts the row on any error.
        batch.beginRow()
        fieldsInRow = 0
        guard r.peek() == UInt8(ascii: "{") else {
            throw ServerError(code: .invalidArgument, message: "expected an object {\"time\", \"samplerate\", \"data\"}, found \(r.describe(at: r.i))")
        }
        r.i += 1
        var timestamp = now
        var sampleRate: Int64 = 1
        var sawData = false
        if r.consume(UInt8(ascii: "}")) {
            throw ServerError(code: .invalidArgument, message: "the event has no \"data\" object")
        }
        repeat {
            let key = try r.scanString()
            try r.expect(UInt8(ascii: ":"), "after a key")
            if r.equals(key, "data") {
                guard r.peek() == UInt8(ascii: "{") else {
                    throw ServerError(code: .invalidArgument, message: "\"data\" must be an object of fields, found \(r.describe(at: r.i))")
                }
                r.i += 1
                sawData = true
                try decodeMembers(&r, prefix: -1, depth: 2, into: &batch)
            } else if r.equals(key, "time") {
                timestamp = try readTime(&r) ?? now
            } else if r.equals(key, "samplerate") {
                sampleRate = try readSampleRate(&r)
            } else {
                try r.skipValue(depth: 2)
            }
        } while try r.nextItem(close: UInt8(ascii: "}"), "after a member of the event")
        guard sawData else { throw ServerError(code: .invalidArgument, message: "the event has no \"data\" object") }
        batch.endRow(timestamp: timestamp, sampleRate: sampleRate)
    }

    private func readTime(_ r: inout JSONReader) throws(ServerError) -> Int64? {
        switch r.peek() {
        case UInt8(ascii: "\""):
            let span = try r.scanString()
            let text = r.string(span)
            if text.isEmpty { return nil }
            guard let t = TimeValue.parse(text) else {
                throw ServerError(code: .invalidArgument, message: "\"time\" is not an RFC 3339 time or epoch number: \(text.prefix(64))")
            }
            return t
        case UInt8(ascii: "n"):
            try r.expectLiteral("null")
            return nil
        case UInt8(ascii: "t"), UInt8(ascii: "f"), UInt8(ascii: "{"), UInt8(ascii: "["):
            throw try wrongType(&r, member: "time", expected: "an RFC 3339 string or an epoch number")
        default:
            let start = r.i
            let number = try r.readNumber()
            let t: Int64?
            switch number {
            case .int(let v): t = TimeValue.epoch(v)
            case .float(let d): t = TimeValue.epoch(d)
            }
            guard let t else { throw ServerError(code: .invalidArgument, message: "\"time\" is out of range (byte \(start))") }
            return t
        }
    }

    private func readSampleRate(_ r: inout JSONReader) throws(ServerError) -> Int64 {
        switch r.peek() {
        case UInt8(ascii: "\""):
            return Self.sampleRate(r.string(try r.scanString()))
        case UInt8(ascii: "n"):
            try r.expectLiteral("null")
            return 1
        case UInt8(ascii: "t"), UInt8(ascii: "f"), UInt8(ascii: "{"), UInt8(ascii: "["):
            throw try wrongType(&r, member: "samplerate", expected: "a number")
        default:
            switch try r.readNumber() {
            case .int(let v): return max(1, v)
            case .float(let d): return d.isFinite && d >= 1 && d < 4e9 ? Int64(d.rounded()) : 1
            }
        }
    }

    /// The error for a `time` or `samplerate` of the wrong JSON type: the element alone is
    /// rejected. Malformed JSON there still rejects the whole body.
    private func wrongType(_ r: inout JSONReader, member: String, expected: String) throws(ServerError) -> ServerError {
        let found: String
        switch r.peek() {
        case UInt8(ascii: "{"): found = "an object"
        case UInt8(ascii: "["): found = "an array"
        default: found = "a boolean"
        }
        try r.skipValue(depth: 2)
        return ServerError(code: .invalidArgument, message: "\"\(member)\" must be \(expected), found \(found)")
    }

    /// A sample rate from text (a header or a string member); 1 when not a number.
    static func sampleRate(_ text: String) -> Int64 {
        let t = text.trimmingSpaces()
        if let v = Int64(t) { return max(1, v) }
        if let d = Double(t), d.isFinite, d >= 1, d < 4e9 { return Int64(d.rounded()) }
        return 1
    }

    // MARK: Fields

    /// Members of an object whose `{` was consumed; `prefix` is the length of the name prefix
    /// in `path`, or -1 at the top level.
    private mutating func decodeMembers(_ r: inout JSONReader, prefix: Int, depth: Int, into batch: inout RawBatch) throws(ServerError) {
        if r.consume(UInt8(ascii: "}")) { return }
        while true {
            let key = try r.scanString()
            let text = r  // for messages only (the autoclosures may not read `r` while it changes)
            try r.expect(UInt8(ascii: ":"), "after key \(Self.quoted(text.string(key)))")
            try decodeValue(&r, key: key, prefix: prefix, depth: depth, into: &batch)
            guard try r.nextItem(close: UInt8(ascii: "}"), "after the value of \(Self.quoted(text.string(key)))") else { return }
        }
    }

    /// The value of member `key`: a nested object is flattened, `null` skipped, anything else
    /// becomes a field.
    @inline(__always)
    private mutating func decodeValue(_ r: inout JSONReader, key: JSONReader.StringSpan, prefix: Int, depth: Int, into batch: inout RawBatch) throws(ServerError) {
        guard let c = r.peek() else { throw r.error("expected a value, found the end of the body") }
        if c == UInt8(ascii: "{") {
            guard depth < limits.maxDepth else { throw r.error("nesting deeper than \(limits.maxDepth) levels") }
            r.i += 1
            let inner = setPath(r, key, prefix: prefix)
            try decodeMembers(&r, prefix: inner, depth: depth + 1, into: &batch)
            return
        }
        if c == UInt8(ascii: "n") {
            try r.expectLiteral("null")
            return
        }
        fieldsInRow += 1
        guard fieldsInRow <= limits.maxFieldsPerEvent else {
            throw ServerError(code: .tooMany, message: "more than \(limits.maxFieldsPerEvent) fields in one event")
        }
        let id = nameID(r, key, prefix: prefix, in: &batch)
        switch c {
        case UInt8(ascii: "\""):
            let span = try r.scanString()
            if span.hasEscape {
                scratch.removeAll(keepingCapacity: true)
                r.unescape(span, into: &scratch)
                try checkLength(scratch.count, key: key, r)
                scratch.withUnsafeBufferPointer { batch.addString(name: id, bytes: $0) }
            } else {
                try checkLength(span.end - span.start, key: key, r)
                batch.addString(name: id, bytes: UnsafeBufferPointer(start: r.p + span.start, count: span.end - span.start))
            }
        case UInt8(ascii: "t"):
            try r.expectLiteral("true")
            batch.addBool(name: id, true)
        case UInt8(ascii: "f"):
            try r.expectLiteral("false")
            batch.addBool(name: id, false)
        case UInt8(ascii: "["):
            guard depth < limits.maxDepth else { throw r.error("nesting deeper than \(limits.maxDepth) levels") }
            scratch.removeAll(keepingCapacity: true)
            try r.copyValue(into: &scratch, depth: depth)
            try checkLength(scratch.count, key: key, r)
            scratch.withUnsafeBufferPointer { batch.addString(name: id, bytes: $0) }
        default:
            switch try r.readNumber() {
            case .int(let v): batch.addInt(name: id, v)
            case .float(let d): batch.addFloat(name: id, d)
            }
        }
    }

    private func checkLength(_ count: Int, key: JSONReader.StringSpan, _ r: JSONReader) throws(ServerError) {
        guard count <= limits.maxValueBytes else {
            throw ServerError(code: .tooLarge, message: "the value of \(Self.quoted(r.string(key))) is longer than the limit of \(limits.maxValueBytes) bytes")
        }
    }

    /// Writes `prefix.key` into `path`; returns its length.
    private mutating func setPath(_ r: JSONReader, _ key: JSONReader.StringSpan, prefix: Int) -> Int {
        path.removeSubrange(max(prefix, 0)...)
        if prefix >= 0 { path.append(UInt8(ascii: ".")) }
        r.unescape(key, into: &path)
        return path.count
    }

    @inline(__always)
    private mutating func nameID(_ r: JSONReader, _ key: JSONReader.StringSpan, prefix: Int, in batch: inout RawBatch) -> Int {
        if prefix < 0, !key.hasEscape {
            return names.id(r.p + key.start, key.end - key.start, in: &batch)
        }
        let length = setPath(r, key, prefix: prefix)
        return path.withUnsafeBufferPointer { b in
            guard let base = b.baseAddress else { return batch.nameID("") }
            return names.id(base, length, in: &batch)
        }
    }

    static func quoted(_ s: String) -> String { JSONReader.quoted(s) }
}
