/// Lower-case hex identifiers: trace ids, span ids, request ids.
enum HexID {
    @inline(__always)
    private static func digit(_ nibble: UInt64) -> UInt8 {
        nibble < 10 ? UInt8(48 + nibble) : UInt8(87 + nibble)
    }

    /// 16 hex digits (a span id).
    static func span(_ a: UInt64) -> String {
        String(unsafeUninitializedCapacity: 16) { buffer in
            for i in 0..<16 { buffer[i] = digit((a >> UInt64(60 - 4 * i)) & 15) }
            return 16
        }
    }

    /// 32 hex digits (a trace id).
    static func trace(_ a: UInt64, _ b: UInt64) -> String {
        String(unsafeUninitializedCapacity: 32) { buffer in
            for i in 0..<16 {
                buffer[i] = digit((a >> UInt64(60 - 4 * i)) & 15)
                buffer[16 + i] = digit((b >> UInt64(60 - 4 * i)) & 15)
            }
            return 32
        }
    }

    /// A version-4 UUID in its 8-4-4-4-12 form.
    static func uuid(_ a: UInt64, _ b: UInt64) -> String {
        let hi = (a & ~0xF000) | 0x4000
        let lo = (b & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000
        return String(unsafeUninitializedCapacity: 36) { buffer in
            var j = 0
            for i in 0..<16 {
                if i == 8 || i == 12 { buffer[j] = 45; j += 1 }
                buffer[j] = digit((hi >> UInt64(60 - 4 * i)) & 15)
                j += 1
            }
            for i in 0..<16 {
                if i == 0 || i == 4 { buffer[j] = 45; j += 1 }
                buffer[j] = digit((lo >> UInt64(60 - 4 * i)) & 15)
                j += 1
            }
            return j
        }
    }
}
