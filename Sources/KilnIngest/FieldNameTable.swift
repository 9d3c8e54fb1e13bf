/// Interned field names: maps the UTF-8 bytes of a (flattened) name to one shared `String`,
/// because the same few names repeat on every line.
///
/// Besides the name, each entry keeps its rank among the time-field candidates and a per-line
/// stamp used to find duplicate names in O(1). The table is cleared between lines once it
/// holds more than ``limit`` names, so hostile input with fresh names on every line costs time
/// but not unbounded memory.
struct FieldNameTable {
    /// Names kept before the table is cleared (checked between lines).
    static let limit = 16_384
    /// Rank of a name that is not a time-field candidate.
    static let notTime: UInt8 = .max

    private(set) var names: [String] = []
    private(set) var timeRanks: [UInt8] = []
    /// The stamp of the line (and region) that last used the name, and the field index there.
    var stamps: [UInt64] = []
    var fieldIndices: [Int32] = []
    private var hashes: [UInt64] = []
    private var starts: [Int32] = []
    private var lengths: [Int32] = []
    private var arena: [UInt8] = []
    private var slots: [Int32] = Array(repeating: -1, count: 256)
    private let timeFields: [String]

    /// Makes an empty table; `timeFields` are the time candidates, most preferred first.
    init(timeFields: [String]) {
        self.timeFields = timeFields
    }

    /// The number of names held.
    var count: Int { names.count }

    /// Empties the table when it has grown past ``limit``; call between lines only.
    mutating func trimIfNeeded() {
        guard names.count > Self.limit else { return }
        names.removeAll(keepingCapacity: true)
        timeRanks.removeAll(keepingCapacity: true)
        stamps.removeAll(keepingCapacity: true)
        fieldIndices.removeAll(keepingCapacity: true)
        hashes.removeAll(keepingCapacity: true)
        starts.removeAll(keepingCapacity: true)
        lengths.removeAll(keepingCapacity: true)
        arena.removeAll(keepingCapacity: true)
        slots = Array(repeating: -1, count: 256)
    }

    @inline(__always)
    private static func hash(_ p: UnsafePointer<UInt8>, _ n: Int) -> UInt64 {
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(truncatingIfNeeded: n)
        var i = 0
        let raw = UnsafeRawPointer(p)
        while i + 8 <= n {
            let w = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            h = (h ^ w) &* 0xFF51_AFD7_ED55_8CCD
            h ^= h >> 32
            i += 8
        }
        if i < n {
            var w: UInt64 = 0
            var shift: UInt64 = 0
            while i < n {
                w |= UInt64(p[i]) << shift
                shift += 8
                i += 1
            }
            h = (h ^ w) &* 0xC4CE_B9FE_1A85_EC53
            h ^= h >> 29
        }
        return h
    }

    /// The id of the name spelled by `p[0..<n]`, adding it when new; nil when the bytes are not
    /// valid UTF-8.
    /// - Complexity: O(n) expected.
    @inline(__always)
    mutating func id(_ p: UnsafePointer<UInt8>, _ n: Int) -> Int? {
        let h = Self.hash(p, n)
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: h) & mask
        while true {
            let e = Int(slots[slot])
            if e < 0 { return insert(p, n, hash: h, slot: slot) }
            if hashes[e] == h, Int(lengths[e]) == n, equalBytes(at: Int(starts[e]), p, n) { return e }
            slot = (slot + 1) & mask
        }
    }

    @inline(__always)
    private func equalBytes(at start: Int, _ p: UnsafePointer<UInt8>, _ n: Int) -> Bool {
        arena.withUnsafeBufferPointer { a in
            guard let base = a.baseAddress else { return n == 0 }
            let q = UnsafeRawPointer(base + start)
            let r = UnsafeRawPointer(p)
            var i = 0
            while i + 8 <= n {
                if q.loadUnaligned(fromByteOffset: i, as: UInt64.self) != r.loadUnaligned(fromByteOffset: i, as: UInt64.self) {
                    return false
                }
                i += 8
            }
            while i < n {
                if base[start + i] != p[i] { return false }
                i += 1
            }
            return true
        }
    }

    private mutating func insert(_ p: UnsafePointer<UInt8>, _ n: Int, hash h: UInt64, slot: Int) -> Int? {
        let bytes = UnsafeBufferPointer(start: p, count: n)
        if ByteClass.firstInvalidUTF8(bytes) != nil { return nil }
        let name = String(decoding: bytes, as: UTF8.self)
        let id = names.count
        names.append(name)
        let rank = timeFields.firstIndex(of: name).map { UInt8(truncatingIfNeeded: min($0, 254)) } ?? Self.notTime
        timeRanks.append(rank)
        stamps.append(0)
        fieldIndices.append(0)
        hashes.append(h)
        starts.append(Int32(truncatingIfNeeded: arena.count))
        lengths.append(Int32(truncatingIfNeeded: n))
        arena.append(contentsOf: bytes)
        slots[slot] = Int32(truncatingIfNeeded: id)
        if names.count * 2 > slots.count { grow() }
        return id
    }

    private mutating func grow() {
        let capacity = slots.count * 2
        var newSlots = [Int32](repeating: -1, count: capacity)
        let mask = capacity - 1
        for (id, h) in hashes.enumerated() {
            var slot = Int(truncatingIfNeeded: h) & mask
            while newSlots[slot] >= 0 { slot = (slot + 1) & mask }
            newSlots[slot] = Int32(truncatingIfNeeded: id)
        }
        slots = newSlots
    }

    /// The id of `name`, adding it when new (slow path: copies the name's bytes).
    mutating func id(of name: String) -> Int? {
        // One extra byte so the buffer is never empty and always has a base address.
        let bytes = Array(name.utf8) + [0]
        return bytes.withUnsafeBufferPointer { b in
            b.baseAddress.flatMap { id($0, b.count - 1) }
        }
    }
}
