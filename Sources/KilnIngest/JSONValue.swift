import KilnCore

/// A parsed JSON document, for the request bodies read as a whole (OTLP JSON, Zipkin, markers).
/// Object members keep their order; numbers keep integer exactness (``JSONReader/Number``).
package indirect enum JSONValue: Equatable {
    case object([(String, JSONValue)])
    case array([JSONValue])
    case string(String)
    case number(JSONReader.Number)
    case bool(Bool)
    case null

    package static func == (a: JSONValue, b: JSONValue) -> Bool {
        switch (a, b) {
        case (.object(let x), .object(let y)): return x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        case (.array(let x), .array(let y)): return x == y
        case (.string(let x), .string(let y)): return x == y
        case (.number(let x), .number(let y)): return x == y
        case (.bool(let x), .bool(let y)): return x == y
        case (.null, .null): return true
        default: return false
        }
    }

    /// Parses a whole body.
    /// - Complexity: O(body size)
    package static func parse(_ body: UnsafeBufferPointer<UInt8>, maxDepth: Int = 64) throws(ServerError) -> JSONValue {
        var r = JSONReader(body, maxDepth: maxDepth)
        guard r.peek() != nil else { throw ServerError.malformed("the body is empty; expected JSON") }
        let value = try parseValue(&r, depth: 0)
        guard r.atEnd else { throw r.error("unexpected \(r.describe(at: r.i)) after the JSON value") }
        return value
    }

    /// Parses `bytes`.
    package static func parse(_ bytes: [UInt8], maxDepth: Int = 64) throws(ServerError) -> JSONValue {
        try bytes.withUnsafeBufferPointer { (b) throws(ServerError) -> JSONValue in try parse(b, maxDepth: maxDepth) }
    }

    private static func parseValue(_ r: inout JSONReader, depth: Int) throws(ServerError) -> JSONValue {
        guard let c = r.peek() else { throw r.error("expected a value, found the end of the body") }
        switch c {
        case UInt8(ascii: "{"):
            guard depth < r.maxDepth else { throw r.error("nesting deeper than \(r.maxDepth) levels") }
            r.i += 1
            var members: [(String, JSONValue)] = []
            if r.consume(UInt8(ascii: "}")) { return .object(members) }
            repeat {
                let key = try r.readString()
                try r.expect(UInt8(ascii: ":"), "after key \(JSONReader.quoted(key))")
                members.append((key, try parseValue(&r, depth: depth + 1)))
            } while try r.nextItem(close: UInt8(ascii: "}"), "in an object")
            return .object(members)
        case UInt8(ascii: "["):
            guard depth < r.maxDepth else { throw r.error("nesting deeper than \(r.maxDepth) levels") }
            r.i += 1
            var items: [JSONValue] = []
            if r.consume(UInt8(ascii: "]")) { return .array(items) }
            repeat {
                items.append(try parseValue(&r, depth: depth + 1))
            } while try r.nextItem(close: UInt8(ascii: "]"), "in an array")
            return .array(items)
        case UInt8(ascii: "\""): return .string(try r.readString())
        case UInt8(ascii: "t"):
            try r.expectLiteral("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try r.expectLiteral("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try r.expectLiteral("null")
            return .null
        default:
            return .number(try r.readNumber())
        }
    }

    // MARK: Access

    /// The member `key` of an object (the last one when repeated); nil otherwise.
    package subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.last { $0.0 == key }?.1
    }

    /// The member named `camel` or `snake` (OTLP JSON names fields in lowerCamelCase; the
    /// proto's snake_case names are accepted too); `null` counts as absent.
    package func member(_ camel: String, _ snake: String? = nil) -> JSONValue? {
        if let v = self[camel], v != .null { return v }
        if let snake, let v = self[snake], v != .null { return v }
        return nil
    }

    package var string: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    package var array: [JSONValue]? {
        if case .array(let a) = self { return a }
        return nil
    }

    package var members: [(String, JSONValue)]? {
        if case .object(let m) = self { return m }
        return nil
    }

    package var bool: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    /// An integer given as a number or a numeric string (64-bit integers may be either); floats
    /// with no fraction count.
    package var int64: Int64? {
        switch self {
        case .number(.int(let v)): return v
        case .number(.float(let d)): return d.rounded() == d && abs(d) < 9.2e18 ? Int64(d) : nil
        case .string(let s):
            let t = s.trimmingSpaces()
            if let v = Int64(t) { return v }
            if let u = UInt64(t) { return Int64(bitPattern: u) }
            return nil
        default: return nil
        }
    }

    /// A number given as a number or a numeric string (`"NaN"`, `"Infinity"` as the proto JSON
    /// mapping writes them).
    package var double: Double? {
        switch self {
        case .number(.int(let v)): return Double(v)
        case .number(.float(let d)): return d
        case .string(let s):
            switch s {
            case "NaN": return .nan
            case "Infinity": return .infinity
            case "-Infinity": return -.infinity
            default: return Double(s.trimmingSpaces())
            }
        default: return nil
        }
    }

    /// Compact JSON text of the value.
    package var text: String {
        var out = ""
        append(to: &out)
        return out
    }

    package func append(to out: inout String) {
        switch self {
        case .object(let members):
            out += "{"
            for (k, (key, value)) in members.enumerated() {
                if k > 0 { out += "," }
                JSONText.appendString(key, to: &out)
                out += ":"
                value.append(to: &out)
            }
            out += "}"
        case .array(let items):
            out += "["
            for (k, item) in items.enumerated() {
                if k > 0 { out += "," }
                item.append(to: &out)
            }
            out += "]"
        case .string(let s): JSONText.appendString(s, to: &out)
        case .number(.int(let v)): out += String(v)
        case .number(.float(let d)): out += Value.format(d)
        case .bool(let b): out += b ? "true" : "false"
        case .null: out += "null"
        }
    }
}
