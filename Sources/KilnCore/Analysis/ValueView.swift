/// One dictionary value seen without decoding it into a `Value`.
struct ValueView {
    let kind: UInt8
    let payload: UInt64
    let pool: UnsafeBufferPointer<UInt8>

    var int: Int64 { Int64(bitPattern: payload) }
    var float: Double { Double(bitPattern: payload) }
    var bool: Bool { payload != 0 }

    /// Calls `body` with the value's text form as UTF-8 bytes.
    func withText<R>(_ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        switch kind {
        case ValueKind.string.rawValue:
            let offset = Int(payload >> 24), length = Int(payload & 0xFF_FFFF)
            guard offset >= 0, offset + length <= pool.count else { return body(UnsafeBufferPointer(start: nil, count: 0)) }
            return body(UnsafeBufferPointer(rebasing: pool[offset..<(offset + length)]))
        case ValueKind.int.rawValue:
            return Array(String(int).utf8).withUnsafeBufferPointer(body)
        case ValueKind.float.rawValue:
            return Array(Value.format(float).utf8).withUnsafeBufferPointer(body)
        default:
            return Array((bool ? "true" : "false").utf8).withUnsafeBufferPointer(body)
        }
    }
}
