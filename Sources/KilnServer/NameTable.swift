import KilnCore

/// Maps the UTF-8 bytes of a (flattened) field name to its id in one ``RawBatch``, so the same
/// names repeating on every event cost a hash and a compare, not a `String` each.
struct NameTable {
    private var hashes: [UInt64] = []
    private var starts: [Int] = []
    private var lengths: [Int] = []
    private var ids: [Int] = []
    private var arena: [UInt8] = []
    private var slots: [Int32] = Array(repeating: -1, count: 64)

    /// The batch id of the name spelled by `q[0..<count]` (valid UTF-8), interning it in
    /// `batch` when new.
    /// - Complexity: O(count) expected.
    @inline(__always)
    mutating func id(_ q: UnsafePointer<UInt8>, _ count: Int, in batch: inout RawBatch) -> Int {
        let h = Self.hash(q, count)
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: h) & mask
        while true {
            let e = Int(slots[slot])
            if e < 0 { break }
            if hashes[e] == h, lengths[e] == count, equal(at: starts[e], q, count) { return ids[e] }
            slot = (slot + 1) & mask
        }
        let bytes = UnsafeBufferPointer(start: q, count: count)
        let id = batch.nameID(String(decoding: bytes, as: UTF8.self))
        let entry = hashes.count
        hashes.append(h)
        starts.append(arena.count)
        lengths.append(count)
        ids.append(id)
        arena.append(contentsOf: bytes)
        slots[slot] = Int32(truncatingIfNeeded: entry)
        if hashes.count * 2 > slots.count { grow() }
        return id
    }

    /// The batch id of `bytes`.
    mutating func id(_ bytes: [UInt8], in batch: inout RawBatch) -> Int {
        bytes.withUnsafeBufferPointer { b in
            guard let base = b.baseAddress else { return batch.nameID("") }
            return id(base, b.count, in: &batch)
        }
    }

    @inline(__always)
    private func equal(at start: Int, _ q: UnsafePointer<UInt8>, _ count: Int) -> Bool {
        arena.withUnsafeBufferPointer { a in
            guard let base = a.baseAddress else { return count == 0 }
            return memcmpEqual(base + start, q, count)
        }
    }

    @inline(__always)
    private func memcmpEqual(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ count: Int) -> Bool {
        var k = 0
        while k + 8 <= count {
            if UnsafeRawPointer(a + k).loadUnaligned(as: UInt64.self) != UnsafeRawPointer(b + k).loadUnaligned(as: UInt64.self) { return false }
            k += 8
        }
        while k < count {
            if a[k] != b[k] { return false }
            k += 1
        }
        return true
    }

    private mutating func grow() {
        let capacity = slots.count * 2
        var fresh = [Int32](repeating: -1, count: capacity)
        let mask = capacity - 1
        for (entry, h) in hashes.enumerated() {
            var slot = Int(truncatingIfNeeded: h) & mask
            while fresh[slot] >= 0 { slot = (slot + 1) & mask }
            fresh[slot] = Int32(truncatingIfNeeded: entry)
        }
        slots = fresh
    }

    @inline(__always)
    static func hash(_ q: UnsafePointer<UInt8>, _ count: Int) -> UInt64 {
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(truncatingIfNeeded: count)
        var k = 0
        while k + 8 <= count {
            h = (h ^ UnsafeRawPointer(q + k).loadUnaligned(as: UInt64.self)) &* 0xFF51_AFD7_ED55_8CCD
            h ^= h >> 32
            k += 8
        }
        if k < count {
            var w: UInt64 = 0
            var shift: UInt64 = 0
            while k < count {
                w |= UInt64(q[k]) << shift
                shift += 8
                k += 1
            }
            h = (h ^ w) &* 0xC4CE_B9FE_1A85_EC53
            h ^= h >> 29
        }
        return h
    }
}
