import KilnCore

/// Traces and logs as the OTLP and Zipkin decoders read them, before they become events.
/// Ids are lowercase hex; an item whose decoding found a problem carries it in `problem` and is
/// rejected alone (OTLP's partial success).
package enum Telemetry {
    /// An attribute value (OTLP's AnyValue).
    package indirect enum AnyValue: Equatable {
        case string(String)
        case bool(Bool)
        case int(Int64)
        case double(Double)
        case bytes([UInt8])
        case array([AnyValue])
        case kvlist([KeyValue])
        /// A value with none of its fields set.
        case empty
    }

    /// A named attribute.
    package struct KeyValue: Equatable {
        package var key: String
        package var value: AnyValue
    }

    /// The instrumentation scope (library) that made the items.
    package struct Scope: Equatable {
        package var name = ""
        package var version = ""
        package var attributes: [KeyValue] = []
    }

    /// A span event.
    package struct SpanEvent: Equatable {
        package var time: Int64 = 0
        package var name = ""
        package var attributes: [KeyValue] = []
    }

    /// A link to another span.
    package struct Link: Equatable {
        package var traceID = ""
        package var spanID = ""
        package var traceState = ""
        package var attributes: [KeyValue] = []
    }

    /// A span.
    package struct Span: TelemetryItem {
        package var traceID = ""
        package var spanID = ""
        package var parentID = ""
        package var traceState = ""
        package var name = ""
        /// OTLP's SpanKind: 0 unspecified, 1 internal, 2 server, 3 client, 4 producer, 5 consumer.
        package var kind = 0
        package var start: Int64 = 0
        package var end: Int64 = 0
        package var attributes: [KeyValue] = []
        package var events: [SpanEvent] = []
        package var links: [Link] = []
        /// OTLP's StatusCode: 0 unset, 1 ok, 2 error.
        package var statusCode = 0
        package var statusMessage = ""
        /// Why this span cannot be stored, when it cannot.
        package var problem: String?
    }

    /// A log record.
    package struct LogRecord: TelemetryItem {
        package var time: Int64 = 0
        package var observedTime: Int64 = 0
        package var severityNumber = 0
        package var severityText = ""
        package var body: AnyValue = .empty
        package var attributes: [KeyValue] = []
        package var traceID = ""
        package var spanID = ""
        package var eventName = ""
        package var problem: String?
    }

    /// Items of one resource and scope.
    package struct ScopeItems<Item: Equatable>: Equatable {
        package var scope = Scope()
        package var items: [Item] = []
    }

    /// Items of one resource (a process or service).
    package struct ResourceItems<Item: Equatable>: Equatable {
        package var attributes: [KeyValue] = []
        package var scopes: [ScopeItems<Item>] = []
    }

    /// A decoded trace export.
    package typealias Traces = [ResourceItems<Span>]
    /// A decoded log export.
    package typealias Logs = [ResourceItems<LogRecord>]

    package static let spanKinds = ["unspecified", "internal", "server", "client", "producer", "consumer"]

    /// The lowercase hex of `bytes`.
    package static func hex(_ bytes: some Collection<UInt8>) -> String {
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Checks a raw id of `expected` bytes (16 for traces, 8 for spans); returns its hex, or
    /// a problem. All-zero ids are invalid in OTLP.
    package static func rawID(_ bytes: [UInt8], expected: Int, what: String) -> Result<String, IDProblem> {
        guard bytes.count == expected else {
            return .failure(IDProblem(message: "\(what) is \(bytes.count) bytes long, expected \(expected)"))
        }
        guard bytes.contains(where: { $0 != 0 }) else { return .failure(IDProblem(message: "\(what) is all zeros")) }
        return .success(hex(bytes))
    }

    /// An id that could not be read.
    package struct IDProblem: Error {
        var message: String
    }

    /// Reads an id from JSON text: hex (`2 * bytes` characters, any case) or base64
    /// (24 characters for 16 bytes, 12 for 8). Returns lowercase hex.
    package static func textID(_ text: String, bytes expected: Int, what: String) -> Result<String, IDProblem> {
        let utf8 = Array(text.utf8)
        if utf8.count == expected * 2 {
            var raw: [UInt8] = []
            raw.reserveCapacity(expected)
            var k = 0
            while k + 1 < utf8.count {
                guard let hi = JSONSyntax.hexDigit(utf8[k]), let lo = JSONSyntax.hexDigit(utf8[k + 1]) else {
                    return .failure(IDProblem(message: "\(what) \"\(text.prefix(64))\" is not hex"))
                }
                raw.append(hi << 4 | lo)
                k += 2
            }
            return rawID(raw, expected: expected, what: what)
        }
        if utf8.count == (expected + 2) / 3 * 4, let raw = base64Decode(utf8) {
            return rawID(raw, expected: expected, what: what)
        }
        return .failure(IDProblem(message: "\(what) \"\(text.prefix(64))\" is neither \(expected * 2) hex digits nor \((expected + 2) / 3 * 4) base64 characters"))
    }

    /// Decodes standard or URL-safe base64 (padding optional); nil when invalid.
    package static func base64Decode(_ text: [UInt8]) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(text.count * 3 / 4)
        var acc: UInt32 = 0
        var bits = 0
        var padding = 0
        for c in text {
            let v: UInt32
            switch c {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): v = UInt32(c - 65)
            case UInt8(ascii: "a")...UInt8(ascii: "z"): v = UInt32(c - 71)
            case UInt8(ascii: "0")...UInt8(ascii: "9"): v = UInt32(c) + 4
            case UInt8(ascii: "+"), UInt8(ascii: "-"): v = 62
            case UInt8(ascii: "/"), UInt8(ascii: "_"): v = 63
            case UInt8(ascii: "="):
                padding += 1
                continue
            default: return nil
            }
            guard padding == 0 else { return nil }
            acc = (acc << 6 | v) & 0xFFFFFF
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(truncatingIfNeeded: acc >> UInt32(bits)))
            }
        }
        return padding <= 2 ? out : nil
    }

    /// Standard base64 with padding.
    package static func base64Encode(_ bytes: [UInt8]) -> String {
        let table: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var k = 0
        while k < bytes.count {
            let b0 = UInt32(bytes[k])
            let b1 = k + 1 < bytes.count ? UInt32(bytes[k + 1]) : 0
            let b2 = k + 2 < bytes.count ? UInt32(bytes[k + 2]) : 0
            let v = b0 << 16 | b1 << 8 | b2
            out.append(table[Int(v >> 18 & 63)])
            out.append(table[Int(v >> 12 & 63)])
            out.append(k + 1 < bytes.count ? table[Int(v >> 6 & 63)] : UInt8(ascii: "="))
            out.append(k + 2 < bytes.count ? table[Int(v & 63)] : UInt8(ascii: "="))
            k += 3
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// A span or a log record: what one export request holds many of.
package protocol TelemetryItem: Equatable {
    /// Why this item cannot be stored, when it cannot.
    var problem: String? { get }
}
