import KilnCore

/// Reads the protobuf wire format: a sequence of (field number, wire type, value) records.
///
/// Only what OTLP needs: varints, 64- and 32-bit fixed values and length-delimited fields
/// (strings, bytes, nested messages). Every length is checked against the bytes left, varints
/// are at most 10 bytes, and groups (wire types 3 and 4, deprecated) are refused, so no input
/// makes it read out of bounds or loop. Errors name the message and the byte offset.
package struct ProtobufReader {
    /// A record's value.
    package enum Value {
        case varint(UInt64)
        case fixed64(UInt64)
        case fixed32(UInt32)
        /// The bytes of a length-delimited field, as a range of the whole buffer.
        case bytes(Range<Int>)
    }

    package let p: UnsafePointer<UInt8>
    /// Where reading stops (the end of the current message).
    package let end: Int
    /// The next byte to read.
    package var i: Int
    /// The message being read, for errors.
    package let message: StaticString

    /// Reads `buffer` (which must stay valid while the reader is used) as one `message`.
    package init(_ buffer: UnsafeBufferPointer<UInt8>, message: StaticString) {
        p = buffer.baseAddress ?? UnsafePointer(emptyBuffer)
        i = 0
        end = buffer.count
        self.message = message
    }

    /// A reader of the nested message in `range` of the same buffer.
    package init(nested range: Range<Int>, of parent: ProtobufReader, message: StaticString) {
        p = parent.p
        i = range.lowerBound
        end = range.upperBound
        self.message = message
    }

    package func error(_ what: String, at offset: Int? = nil) -> ServerError {
        .malformed("malformed protobuf: \(what) in \(message) (byte \(offset ?? i))")
    }

    /// The next record, or nil at the end of the message.
    package mutating func next() throws(ServerError) -> (field: UInt64, value: Value)? {
        guard i < end else { return nil }
        let start = i
        let key = try varint()
        let field = key >> 3
        guard field > 0 else { throw error("field number 0", at: start) }
        switch key & 7 {
        case 0: return (field, .varint(try varint()))
        case 1:
            guard end - i >= 8 else { throw error("a 64-bit field \(field) runs past the end") }
            let v = UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self)
            i += 8
            return (field, .fixed64(UInt64(littleEndian: v)))
        case 2:
            let length = try varint()
            guard length <= UInt64(end - i) else { throw error("field \(field) is \(length) bytes long but only \(end - i) are left") }
            let range = i..<(i + Int(length))
            i += Int(length)
            return (field, .bytes(range))
        case 5:
            guard end - i >= 4 else { throw error("a 32-bit field \(field) runs past the end") }
            let v = UnsafeRawPointer(p + i).loadUnaligned(as: UInt32.self)
            i += 4
            return (field, .fixed32(UInt32(littleEndian: v)))
        default:
            throw error("unsupported wire type \(key & 7) for field \(field)", at: start)
        }
    }

    private mutating func varint() throws(ServerError) -> UInt64 {
        var v: UInt64 = 0
        var shift: UInt64 = 0
        let start = i
        while true {
            guard i < end else { throw error("a varint runs past the end", at: start) }
            let b = p[i]
            i += 1
            guard shift < 64 else { throw error("a varint is longer than 10 bytes", at: start) }
            v |= UInt64(b & 0x7F) << shift
            if b < 0x80 { return v }
            shift += 7
        }
    }

    /// The bytes of `range` as an array.
    package func bytes(_ range: Range<Int>) -> [UInt8] {
        Array(UnsafeBufferPointer(start: p + range.lowerBound, count: range.count))
    }

    /// The bytes of `range` as a string; invalid UTF-8 is an error (proto3 strings are UTF-8).
    package func string(_ range: Range<Int>, field: StaticString) throws(ServerError) -> String {
        if let bad = ByteClass.firstInvalidUTF8(UnsafeBufferPointer(start: p + range.lowerBound, count: range.count)) {
            throw error("invalid UTF-8 in \(field)", at: range.lowerBound + bad)
        }
        return String(decoding: UnsafeBufferPointer(start: p + range.lowerBound, count: range.count), as: UTF8.self)
    }
}

extension ProtobufReader.Value {
    /// The value as an integer of a varint or fixed field (a length-delimited value gives nil).
    package var integer: UInt64? {
        switch self {
        case .varint(let v), .fixed64(let v): return v
        case .fixed32(let v): return UInt64(v)
        case .bytes: return nil
        }
    }
}
