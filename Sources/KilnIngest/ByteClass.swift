/// Byte-level helpers shared by the decoders (and the HTTP server's).
package enum ByteClass {
    /// Space, tab, carriage return, vertical tab or form feed.
    @inline(__always)
    static func isSpace(_ c: UInt8) -> Bool {
        c == 0x20 || (c >= 0x09 && c <= 0x0D)
    }

    @inline(__always)
    static func isDigit(_ c: UInt8) -> Bool { c &- 0x30 < 10 }

    /// True when every byte of `b` is white space.
    static func isBlank(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        for c in b where !isSpace(c) { return false }
        return true
    }

    /// The offset of the first invalid UTF-8 sequence in `b`, or nil when `b` is valid UTF-8
    /// (no overlong forms, no surrogates, nothing above U+10FFFF).
    /// - Complexity: O(n)
    package static func firstInvalidUTF8(_ b: UnsafeBufferPointer<UInt8>) -> Int? {
        guard let base = b.baseAddress else { return nil }
        var i = 0
        let n = b.count
        while i < n {
            // Skip ASCII eight bytes at a time.
            while i + 8 <= n {
                let w = UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)
                if w & 0x8080_8080_8080_8080 != 0 { break }
                i += 8
            }
            guard i < n else { return nil }
            let c = b[i]
            if c < 0x80 { i += 1; continue }
            let need: Int
            var lower: UInt8 = 0x80
            var upper: UInt8 = 0xBF
            switch c {
            case 0xC2...0xDF: need = 1
            case 0xE0: need = 2; lower = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: need = 2
            case 0xED: need = 2; upper = 0x9F
            case 0xF0: need = 3; lower = 0x90
            case 0xF1...0xF3: need = 3
            case 0xF4: need = 3; upper = 0x8F
            default: return i
            }
            guard i + need < n else { return i }
            let c1 = b[i + 1]
            guard c1 >= lower && c1 <= upper else { return i }
            var k = 2
            while k <= need {
                let ck = b[i + k]
                guard ck >= 0x80 && ck <= 0xBF else { return i }
                k += 1
            }
            i += need + 1
        }
        return nil
    }

    /// Appends the UTF-8 encoding of scalar value `v` (a valid scalar: below 0x110000 and not
    /// a surrogate).
    package static func appendUTF8(_ v: UInt32, to out: inout [UInt8]) {
        if v < 0x80 {
            out.append(UInt8(v))
        } else if v < 0x800 {
            out.append(UInt8(0xC0 | (v >> 6)))
            out.append(UInt8(0x80 | (v & 0x3F)))
        } else if v < 0x10000 {
            out.append(UInt8(0xE0 | (v >> 12)))
            out.append(UInt8(0x80 | ((v >> 6) & 0x3F)))
            out.append(UInt8(0x80 | (v & 0x3F)))
        } else {
            out.append(UInt8(0xF0 | ((v >> 18) & 0x07)))
            out.append(UInt8(0x80 | ((v >> 12) & 0x3F)))
            out.append(UInt8(0x80 | ((v >> 6) & 0x3F)))
            out.append(UInt8(0x80 | (v & 0x3F)))
        }
    }
}
