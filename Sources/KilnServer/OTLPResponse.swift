import KilnCore

/// The bodies of OTLP/HTTP replies, in protobuf or JSON (the request's content type).
enum OTLPResponse {
    /// The signal a reply is for.
    enum Signal {
        case traces, logs

        var rejectedName: String { self == .traces ? "rejectedSpans" : "rejectedLogRecords" }
    }

    /// `Export<Signal>ServiceResponse`: empty when all was accepted, else with `partial_success`
    /// (`rejected_spans`/`rejected_log_records`, `error_message`).
    static func success(_ signal: Signal, rejected: Int, message: String, json: Bool) -> [UInt8] {
        if json {
            guard rejected > 0 else { return Array("{}".utf8) }
            var out = "{\"partialSuccess\":{\"\(signal.rejectedName)\":\"\(rejected)\",\"errorMessage\":"
            JSONText.appendString(message, to: &out)
            out += "}}"
            return Array(out.utf8)
        }
        guard rejected > 0 else { return [] }
        var partial: [UInt8] = []
        appendVarintField(1, UInt64(rejected), to: &partial)
        appendBytesField(2, Array(message.utf8), to: &partial)
        var out: [UInt8] = []
        appendBytesField(1, partial, to: &out)
        return out
    }

    /// A `google.rpc.Status` for a failed request (`code` is the gRPC code: 3 invalid argument,
    /// 8 resource exhausted, 14 unavailable, 16 unauthenticated, ...).
    static func status(code: Int, message: String, json: Bool) -> [UInt8] {
        if json {
            var out = "{\"code\":\(code),\"message\":"
            JSONText.appendString(message, to: &out)
            out += "}"
            return Array(out.utf8)
        }
        var out: [UInt8] = []
        appendVarintField(1, UInt64(code), to: &out)
        appendBytesField(2, Array(message.utf8), to: &out)
        return out
    }

    /// The gRPC code matching an HTTP status.
    static func grpcCode(httpStatus: Int) -> Int {
        switch httpStatus {
        case 400, 415: return 3
        case 401: return 16
        case 404: return 12
        case 408: return 4
        case 413: return 8
        case 503: return 14
        default: return 13
        }
    }

    static func appendVarint(_ value: UInt64, to out: inout [UInt8]) {
        var v = value
        while v >= 0x80 {
            out.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        out.append(UInt8(v))
    }

    static func appendVarintField(_ field: UInt64, _ value: UInt64, to out: inout [UInt8]) {
        appendVarint(field << 3, to: &out)
        appendVarint(value, to: &out)
    }

    static func appendBytesField(_ field: UInt64, _ bytes: [UInt8], to out: inout [UInt8]) {
        appendVarint(field << 3 | 2, to: &out)
        appendVarint(UInt64(bytes.count), to: &out)
        out.append(contentsOf: bytes)
    }
}
