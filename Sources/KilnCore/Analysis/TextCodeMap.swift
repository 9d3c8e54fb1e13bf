/// Matches the values of one dictionary with equal texts in another: the join of a parent id
/// column with a span id column, which are coded separately.
///
/// An open-addressing hash table over the UTF-8 bytes of the target's values, so a million
/// hex span ids cost no `String` each.
enum TextCodeMap {
    /// The texts of a dictionary's values as ranges of one byte pool, by code (code 0: none):
    /// `spans[code]` is the offset << 24 | the length, as `ValueDictionary` keeps its strings,
    /// so a dictionary of strings only is used as it is.
    struct Texts {
        var pool: [UInt8]
        var spans: [UInt64]

        init(_ d: ValueDictionary) {
            if d.kindCounts[Int(ValueKind.string.rawValue)] == d.count {
                pool = d.pool
                spans = d.payloads
            } else {
                pool = []
                spans = [0]
                spans.reserveCapacity(d.count + 1)
                for code in stride(from: 1, through: d.count, by: 1) {
                    let text = d.value(code)?.text ?? ""
                    spans.append(UInt64(pool.count) << 24 | UInt64(text.utf8.count))
                    pool.append(contentsOf: text.utf8)
                }
            }
        }

        var count: Int { spans.count - 1 }
    }

    /// A hash of `length` bytes at `p`, eight at a time.
    @inline(__always) static func hash(_ p: UnsafeRawPointer, _ length: Int) -> UInt64 {
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(truncatingIfNeeded: length)
        var i = 0
        while i + 8 <= length {
            h = (h ^ p.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0xBF58_476D_1CE4_E5B9
            h ^= h >> 31
            i += 8
        }
        var tail: UInt64 = 0, shift: UInt64 = 0
        while i < length {
            tail |= UInt64(p.load(fromByteOffset: i, as: UInt8.self)) << shift
            shift += 8
            i += 1
        }
        h = (h ^ tail) &* 0x94D0_49BB_1331_11EB
        return h ^ (h >> 29)
    }

    /// True when the `length` bytes at `a` and at `b` are the same.
    @inline(__always) static func equal(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer, _ length: Int) -> Bool {
        var i = 0
        while i + 8 <= length {
            if a.loadUnaligned(fromByteOffset: i, as: UInt64.self) != b.loadUnaligned(fromByteOffset: i, as: UInt64.self) { return false }
            i += 8
        }
        while i < length {
            if a.load(fromByteOffset: i, as: UInt8.self) != b.load(fromByteOffset: i, as: UInt8.self) { return false }
            i += 1
        }
        return true
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
        // An empty pool may have no base address; its texts are all empty.
        let tPool = t.pool.isEmpty ? [0] : t.pool, sPool = s.pool.isEmpty ? [0] : s.pool
        tPool.withUnsafeBytes { tp in
            sPool.withUnsafeBytes { sp in
                t.spans.withUnsafeBufferPointer { ts in
                    s.spans.withUnsafeBufferPointer { ss in
                        slots.withUnsafeMutableBufferPointer { slot in
                            out.withUnsafeMutableBufferPointer { o in
                                let tBase = tp.baseAddress!, sBase = sp.baseAddress!
                                for code in stride(from: 1, through: t.count, by: 1) {
                                    let span = ts[code]
                                    var i = Int(truncatingIfNeeded: hash(tBase + Int(span >> 24), Int(span & 0xFF_FFFF))) & mask
                                    while slot[i] != 0 { i = (i + 1) & mask }
                                    slot[i] = UInt32(code)
                                }
                                for code in stride(from: 1, through: s.count, by: 1) {
                                    let span = ss[code]
                                    let text = sBase + Int(span >> 24), length = Int(span & 0xFF_FFFF)
                                    var i = Int(truncatingIfNeeded: hash(text, length)) & mask
                                    while true {
                                        let c = Int(slot[i])
                                        if c == 0 { break }
                                        let other = ts[c]
                                        if Int(other & 0xFF_FFFF) == length && equal(text, tBase + Int(other >> 24), length) {
                                            o[code] = UInt32(c)
                                            break
                                        }
                                        i = (i + 1) & mask
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return out
    }
}
