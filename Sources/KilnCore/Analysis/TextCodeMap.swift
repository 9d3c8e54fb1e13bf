/// Matches the values of one dictionary with equal texts in another: the join of a parent id
/// column with a span id column, which are coded separately.
///
/// An open-addressing hash table over the UTF-8 bytes of the target's values, so a million
/// hex span ids cost no `String` each.
enum TextCodeMap {
    /// The texts of a dictionary's values as ranges of one byte pool, by code (code 0: none).
    struct Texts {
        var pool: [UInt8]
        var offsets: [Int]
        var lengths: [Int]

        init(_ d: ValueDictionary) {
            if d.kindCounts[Int(ValueKind.string.rawValue)] == d.count {
                pool = d.pool
                offsets = [0]
                lengths = [-1]
                offsets.reserveCapacity(d.count + 1)
                lengths.reserveCapacity(d.count + 1)
                for p in d.payloads.dropFirst() {
                    offsets.append(Int(p >> 24))
                    lengths.append(Int(p & 0xFF_FFFF))
                }
            } else {
                pool = []
                offsets = [0]
                lengths = [-1]
                for code in stride(from: 1, through: d.count, by: 1) {
                    let text = d.value(code)?.text ?? ""
                    offsets.append(pool.count)
                    pool.append(contentsOf: text.utf8)
                    lengths.append(text.utf8.count)
                }
            }
        }

        var count: Int { offsets.count - 1 }
    }

    @inline(__always) static func hash(_ p: UnsafeBufferPointer<UInt8>, _ offset: Int, _ length: Int) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for i in offset..<(offset + length) {
            h = (h ^ UInt64(p[i])) &* 0x0000_0100_0000_01B3
        }
        return h ^ (h >> 29)
    }

    /// For each code of `source`, the code of `target` with the same text (0 when none).
    /// - Complexity: O(bytes of both dictionaries), expected.
    static func map(from source: ValueDictionary, to target: ValueDictionary) -> [UInt32] {
        let s = Texts(source), t = Texts(target)
        var capacity = 16
        while capacity < t.count * 2 { capacity <<= 1 }
        let mask = capacity - 1
        var slots = [UInt32](repeating: 0, count: capacity)
        var out = [UInt32](repeating: 0, count: s.count + 1)
        t.pool.withUnsafeBufferPointer { tp in
            for code in stride(from: 1, through: t.count, by: 1) {
                var i = Int(truncatingIfNeeded: hash(tp, t.offsets[code], t.lengths[code])) & mask
                while slots[i] != 0 { i = (i + 1) & mask }
                slots[i] = UInt32(code)
            }
            s.pool.withUnsafeBufferPointer { sp in
                for code in stride(from: 1, through: s.count, by: 1) {
                    let so = s.offsets[code], sl = s.lengths[code]
                    var i = Int(truncatingIfNeeded: hash(sp, so, sl)) & mask
                    while true {
                        let c = Int(slots[i])
                        if c == 0 { break }
                        if t.lengths[c] == sl {
                            let to = t.offsets[c]
                            var k = 0
                            while k < sl && sp[so + k] == tp[to + k] { k += 1 }
                            if k == sl {
                                out[code] = UInt32(c)
                                break
                            }
                        }
                        i = (i + 1) & mask
                    }
                }
            }
        }
        return out
    }
}
