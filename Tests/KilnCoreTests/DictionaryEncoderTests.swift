import Testing
@testable import KilnCore

/// The byte hash `DictionaryEncoder` used before it was keyed (unseeded word-at-a-time
/// multiply-xor, then MurmurHash3's finalizer), kept here to build inputs that collide under it.
enum UnkeyedHash {
    static let k: UInt64 = 0x9E37_79B9_7F4A_7C15

    /// One word step: `h = (h ^ w) * K; h ^= h >> 29`.
    static func step(_ h: UInt64, _ w: UInt64) -> UInt64 {
        let x = (h ^ w) &* k
        return x ^ (x >> 29)
    }

    static func hash(_ b: [UInt8]) -> UInt64 {
        var h: UInt64 = 0x243F_6A88_85A3_08D3 ^ UInt64(b.count)
        var i = 0
        while i + 8 <= b.count {
            h = step(h, word(b, i))
            i += 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while i < b.count {
            tail |= UInt64(b[i]) << shift
            shift += 8
            i += 1
        }
        var z = (h ^ tail) &* k
        z = (z ^ (z >> 33)) &* 0xFF51_AFD7_ED55_8CCD
        z = (z ^ (z >> 33)) &* 0xC4CE_B9FE_1A85_EC53
        return z ^ (z >> 33)
    }

    static func word(_ b: [UInt8], _ at: Int) -> UInt64 {
        var w: UInt64 = 0
        for j in 0..<8 { w |= UInt64(b[at + j]) << (8 * UInt64(j)) }
        return w
    }

    static func bytes(_ w: UInt64) -> [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: w >> (8 * UInt64($0))) } }

    /// `count` distinct 16-byte ASCII strings with one and the same unkeyed hash.
    ///
    /// For 16 bytes the hash is a function of `step(step(h0, w1), w2)`, so once `w1` is chosen,
    /// `w2 = step(h0, w1) ^ X` (X fixed) gives the same state, and so the same hash. Trying
    /// `w1` in turn, about one in 270 makes a `w2` of bytes 0x01...0x7F: valid UTF-8.
    static func collidingStrings(count: Int) -> [[UInt8]] {
        let h0: UInt64 = 0x243F_6A88_85A3_08D3 ^ 16
        let base = Array("kiln-collide-A!!".utf8)
        let x = step(h0, word(base, 0)) ^ word(base, 8)
        var out = [base]
        var c: UInt64 = 0
        while out.count < count {
            c += 1
            // Eight ASCII letters spelling the counter's nibbles.
            var w1: UInt64 = 0
            for j in 0..<8 { w1 |= (0x61 + (c >> (4 * UInt64(j)) & 15)) << (8 * UInt64(j)) }
            let w2 = step(h0, w1) ^ x
            let second = bytes(w2)
            guard second.allSatisfy({ $0 >= 0x01 && $0 < 0x80 }) else { continue }
            out.append(bytes(w1) + second)
        }
        return out
    }
}

@Suite struct DictionaryEncoderTests {
    static let colliding = UnkeyedHash.collidingStrings(count: 2000)

    @Test func craftedStringsCollideUnderTheUnkeyedHash() {
        let strings = Self.colliding
        #expect(Set(strings).count == strings.count)
        #expect(strings.allSatisfy { String(validating: $0, as: UTF8.self) != nil })
        #expect(Set(strings.map(UnkeyedHash.hash)).count == 1)
    }

    /// Strings that all collide under the old hash get distinct codes, the same ones again on
    /// lookup, by the raw and the `Value` path alike, and decode back to themselves.
    @Test func collidingStringsEncodeDistinctly() {
        let strings = Self.colliding
        var encoder = DictionaryEncoder()
        var pool: [UInt8] = []
        var payloads: [UInt64] = []
        for s in strings {
            payloads.append(UInt64(pool.count) << 24 | UInt64(s.count))
            pool += s
        }
        let string = ValueKind.string.rawValue
        var codes: [UInt32] = []
        pool.withUnsafeBufferPointer { bytes in
            for p in payloads { codes.append(encoder.code(kind: string, payload: p, bytes: bytes)) }
        }
        #expect(codes == Array(1...UInt32(strings.count)))
        pool.withUnsafeBufferPointer { bytes in
            #expect(payloads.map { encoder.code(kind: string, payload: $0, bytes: bytes) } == codes)
        }
        #expect(encoder.dictionary.count == strings.count)
        let values = strings.map { Value.string(String(decoding: $0, as: UTF8.self)) }
        #expect(codes.map { encoder.dictionary.value(Int($0)) } == values.map { Optional($0) })
        #expect(values.map { encoder.lookupCode($0) } == codes.map { Optional($0) })
        #expect(values.map { encoder.code(for: $0) } == codes)
        // An encoder rebuilt over the dictionary (rehashing every value) keeps the codes.
        let reopened = DictionaryEncoder(encoder.dictionary)
        #expect(values.map { reopened.lookupCode($0) } == codes.map { Optional($0) })
    }

    /// The keyed hash spreads those strings out instead of giving them one hash.
    @Test func keyedHashSpreadsUnkeyedCollisions() {
        let encoder = DictionaryEncoder()
        let hashes = Set(Self.colliding.map { s in s.withUnsafeBufferPointer { encoder.hashBytes($0) } })
        #expect(hashes.count == Self.colliding.count)
        // Within a process the key is fixed: another encoder hashes alike.
        let other = DictionaryEncoder()
        #expect(Self.colliding.prefix(10).map { s in s.withUnsafeBufferPointer { other.hashBytes($0) } }
            == Self.colliding.prefix(10).map { s in s.withUnsafeBufferPointer { encoder.hashBytes($0) } })
    }

    /// Every length class of the byte hash (0, 1-3, 4-7, 8-16, over 16) and every kind.
    @Test func valuesOfEveryShapeKeepDistinctCodes() {
        var values: [Value] = (0...40).map { .string(String(repeating: "x", count: $0)) }
        values += (0...40).map { .string(String(repeating: "y", count: $0) + "é") }
        values += [.int(0), .int(1), .int(-1), .int(.max), .int(.min), .float(0), .float(-0.0), .float(1), .float(.nan),
                   .bool(true), .bool(false), .string("true"), .string("1")]
        var encoder = DictionaryEncoder()
        let codes = values.map { encoder.code(for: $0) }
        #expect(codes == Array(1...UInt32(values.count)))
        #expect(values.map { encoder.code(for: $0) } == codes)
        // Raw records of the same values find the same codes.
        let bytes = Array("yyyé".utf8)
        bytes.withUnsafeBufferPointer { b in
            #expect(encoder.code(kind: ValueKind.string.rawValue, payload: 0, bytes: b) == codes[0])
            #expect(encoder.code(kind: ValueKind.string.rawValue, payload: UInt64(bytes.count), bytes: b) == codes[41 + 3])
            #expect(encoder.code(kind: ValueKind.int.rawValue, payload: UInt64(bitPattern: -1), bytes: b) == codes[84])
            #expect(encoder.code(kind: ValueKind.float.rawValue, payload: Double(1).bitPattern, bytes: b) == codes[89])
            #expect(encoder.code(kind: ValueKind.bool.rawValue, payload: 1, bytes: b) == codes[91])
        }
        #expect(encoder.dictionary.count == values.count)
    }

    /// Codes survive the table's growth (re-placed by the hash tag each slot keeps), a rebuild
    /// over the dictionary, and values another writer coded (`absorb`), across many sizes.
    @Test func codesSurviveGrowthRebuildAndAbsorb() {
        let values: [Value] = (0..<60_000).map { k in
            switch k % 3 {
            case 0: .string("id-\(k)-\(String(repeating: "z", count: k % 40))")
            case 1: .int(Int64(k) * 7_919)
            default: .float(Double(k) / 3)
            }
        }
        var encoder = DictionaryEncoder()
        let codes = values.map { encoder.code(for: $0) }
        #expect(codes == Array(1...UInt32(values.count)))
        #expect(values.map { encoder.lookupCode($0) } == codes.map { Optional($0) })
        #expect(encoder.lookupCode(.string("never seen")) == nil)

        // Another writer coded the second half: this encoder knows the first and absorbs the rest.
        var first = ValueDictionary()
        for v in values.prefix(30_000) { _ = first.append(v) }
        var partial = DictionaryEncoder(first)
        let rest = encoder.dictionary.segmentParts(from: 30_001)
        var segment = ValueDictionary()
        let appended = segment.appendSegment(kinds: rest.kinds, payloads: rest.payloads, pool: rest.pool)
        #expect(appended)
        partial.absorb(segment)
        #expect(values.map { partial.lookupCode($0) } == codes.map { Optional($0) })
        #expect(partial.code(for: .string("new")) == UInt32(values.count + 1))
    }
}
