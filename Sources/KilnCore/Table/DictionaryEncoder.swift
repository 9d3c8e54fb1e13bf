/// Value to code, for building a ``ValueDictionary`` without duplicates.
///
/// An open-addressing table of codes: the values themselves live only in the dictionary's packed
/// storage, so a lookup hashes the value's bytes once and compares bytes, with no Swift `String`
/// keys to retain, release or SipHash (which cost ingest half its time).
///
/// The hash is keyed with a random key drawn once per process, so values crafted to collide
/// (hostile ids sent to the ingest server, say) cannot be precomputed to pile into one probe
/// run and make encoding quadratic. It is the multiply-fold hash of Go's runtime (`memhash`
/// without AES, from wyhash): 64x64->128-bit multiplies of key-mixed words, folded.
public struct DictionaryEncoder: Sendable {
    /// The dictionary built so far.
    public private(set) var dictionary: ValueDictionary
    /// Open-addressing slots: 0 when empty, else the code in the low 32 bits and the high 32
    /// bits of its value's hash, so that a probe passes over other values without reading them.
    private var slots: [UInt64]
    private var mask: Int
    private let key0: UInt64
    private let key1: UInt64

    /// The hash key of this process: random, drawn at first use.
    private static let processKey: (UInt64, UInt64) = {
        var random = SystemRandomNumberGenerator()
        return (random.next(), random.next())
    }()

    /// Starts from an existing dictionary (its codes are kept).
    public init(_ dictionary: ValueDictionary = ValueDictionary()) {
        (key0, key1) = Self.processKey
        self.dictionary = dictionary
        var capacity = 16
        while capacity < dictionary.count * 2 { capacity <<= 1 }
        slots = [UInt64](repeating: 0, count: capacity)
        mask = capacity - 1
        for code in stride(from: 1, through: dictionary.count, by: 1) { place(UInt32(code)) }
    }

    private static let tagBits: UInt64 = 0xFFFF_FFFF_0000_0000

    /// Where a hash's probe starts (before masking): its high half, the tag kept in its slot,
    /// so growing the table re-places codes without reading their values.
    @inline(__always)
    private static func slot(_ hash: UInt64) -> Int { Int(truncatingIfNeeded: hash >> 32) }

    /// The code of `value`, adding it when new.
    /// - Complexity: O(1) expected
    public mutating func code(for value: Value) -> UInt32 {
        let h = hash(value), tag = h & Self.tagBits
        var i = Self.slot(h) & mask
        while true {
            let e = slots[i]
            if e == 0 { break }
            let c = UInt32(truncatingIfNeeded: e)
            if e & Self.tagBits == tag && matches(value, code: Int(c)) { return c }
            i = (i + 1) & mask
        }
        return claim(i, tag: tag, code: dictionary.append(value))
    }

    /// The code of a raw record's value (see ``RawBatch``): `payload` as there, string bytes in `bytes`.
    /// - Complexity: O(1) expected, plus the string's length
    public mutating func code(kind: UInt8, payload: UInt64, bytes: UnsafeBufferPointer<UInt8>) -> UInt32 {
        if kind != ValueKind.string.rawValue {
            let h = hashScalar(kind: kind, payload: payload), tag = h & Self.tagBits
            var i = Self.slot(h) & mask
            while true {
                let e = slots[i]
                if e == 0 { break }
                let c = Int(UInt32(truncatingIfNeeded: e))
                if e & Self.tagBits == tag && dictionary.kinds[c] == kind && dictionary.payloads[c] == payload { return UInt32(c) }
                i = (i + 1) & mask
            }
            return claim(i, tag: tag, code: dictionary.appendRaw(kind: kind, payload: payload))
        }
        let offset = Int(payload >> 24), length = Int(payload & 0xFF_FFFF)
        let s = UnsafeBufferPointer(rebasing: bytes[offset..<(offset + length)])
        let h = hashBytes(s), tag = h & Self.tagBits
        var i = Self.slot(h) & mask
        while true {
            let e = slots[i]
            if e == 0 { break }
            let c = Int(UInt32(truncatingIfNeeded: e))
            if e & Self.tagBits == tag && dictionary.kinds[c] == kind {
                let p = dictionary.payloads[c]
                let o = Int(p >> 24), l = Int(p & 0xFF_FFFF)
                if l == length && (length == 0 || dictionary.pool.withUnsafeBufferPointer { memcmpEqual(s.baseAddress!, $0.baseAddress! + o, length) }) {
                    return UInt32(c)
                }
            }
            i = (i + 1) & mask
        }
        return claim(i, tag: tag, code: dictionary.appendString(bytes: s))
    }

    /// The code of `value` if it is already known.
    public func lookupCode(_ value: Value) -> UInt32? {
        let h = hash(value), tag = h & Self.tagBits
        var i = Self.slot(h) & mask
        while true {
            let e = slots[i]
            if e == 0 { return nil }
            let c = UInt32(truncatingIfNeeded: e)
            if e & Self.tagBits == tag && matches(value, code: Int(c)) { return c }
            i = (i + 1) & mask
        }
    }

    /// Appends values that another writer already coded (codes continue from ours).
    public mutating func absorb(_ segment: ValueDictionary) {
        for code in stride(from: 1, through: segment.count, by: 1) {
            guard let v = segment.value(code) else { continue }
            let c = dictionary.append(v)
            place(c)
            if dictionary.count * 2 > slots.count { grow() }
        }
    }

    /// Puts a new value's `code` in empty slot `i` (where its probe ended), growing the table
    /// past half full; returns the code.
    private mutating func claim(_ i: Int, tag: UInt64, code: UInt32) -> UInt32 {
        slots[i] = tag | UInt64(code)
        if dictionary.count * 2 > slots.count { grow() }
        return code
    }

    private mutating func grow() {
        var grown = [UInt64](repeating: 0, count: slots.count * 2)
        for e in slots where e != 0 { Self.insert(e, into: &grown) }
        slots = grown
        mask = grown.count - 1
    }

    private mutating func place(_ code: UInt32) {
        let h = storedHash(Int(code))
        Self.insert(h & Self.tagBits | UInt64(code), into: &slots)
    }

    /// Puts slot entry `e` at the first empty slot of its probe.
    private static func insert(_ e: UInt64, into slots: inout [UInt64]) {
        let mask = slots.count - 1
        var i = slot(e) & mask
        while slots[i] != 0 { i = (i + 1) & mask }
        slots[i] = e
    }

    private func matches(_ value: Value, code: Int) -> Bool {
        let kind = dictionary.kinds[code], payload = dictionary.payloads[code]
        switch value {
        case .string(var s):
            guard kind == ValueKind.string.rawValue else { return false }
            let offset = Int(payload >> 24), length = Int(payload & 0xFF_FFFF)
            return s.withUTF8 { bytes in
                bytes.count == length && dictionary.pool.withUnsafeBufferPointer { pool in
                    length == 0 || memcmpEqual(bytes.baseAddress!, pool.baseAddress! + offset, length)
                }
            }
        case .int(let i): return kind == ValueKind.int.rawValue && payload == UInt64(bitPattern: i)
        case .float(let d): return kind == ValueKind.float.rawValue && payload == d.bitPattern
        case .bool(let b): return kind == ValueKind.bool.rawValue && payload == (b ? 1 : 0)
        }
    }

    private func storedHash(_ code: Int) -> UInt64 {
        let kind = dictionary.kinds[code], payload = dictionary.payloads[code]
        if kind == ValueKind.string.rawValue {
            let offset = Int(payload >> 24), length = Int(payload & 0xFF_FFFF)
            return dictionary.pool.withUnsafeBufferPointer { hashBytes(UnsafeBufferPointer(rebasing: $0[offset..<(offset + length)])) }
        }
        return hashScalar(kind: kind, payload: payload)
    }

    func hash(_ value: Value) -> UInt64 {
        switch value {
        case .string(var s): return s.withUTF8 { hashBytes($0) }
        case .int(let i): return hashScalar(kind: ValueKind.int.rawValue, payload: UInt64(bitPattern: i))
        case .float(let d): return hashScalar(kind: ValueKind.float.rawValue, payload: d.bitPattern)
        case .bool(let b): return hashScalar(kind: ValueKind.bool.rawValue, payload: b ? 1 : 0)
        }
    }

    /// The keyed hash of a non-string value: its kind and payload bits (Go's `memhash64`).
    @inline(__always)
    func hashScalar(kind: UInt8, payload: UInt64) -> UInt64 {
        Self.fold(Self.m5 ^ 8 ^ UInt64(kind) << 8, Self.fold(payload ^ key1, payload ^ key0))
    }

    /// The keyed hash of bytes (Go's `memhashFallback`): 16 bytes per step into a running
    /// state, the last 16 (or fewer, overlapping) folded with the length.
    /// - Complexity: O(count), one 128-bit multiply per 16 bytes
    func hashBytes(_ b: UnsafeBufferPointer<UInt8>) -> UInt64 {
        let n = b.count
        var seed = key0
        var lo: UInt64 = 0, hi: UInt64 = 0
        if let base = b.baseAddress, n > 0 {
            let p = UnsafeRawPointer(base)
            @inline(__always) func word(_ at: Int) -> UInt64 { UInt64(littleEndian: p.loadUnaligned(fromByteOffset: at, as: UInt64.self)) }
            @inline(__always) func half(_ at: Int) -> UInt64 { UInt64(UInt32(littleEndian: p.loadUnaligned(fromByteOffset: at, as: UInt32.self))) }
            if n < 4 {
                lo = UInt64(base[0]) | UInt64(base[n >> 1]) << 8 | UInt64(base[n - 1]) << 16
            } else if n < 8 {
                lo = half(0)
                hi = half(n - 4)
            } else if n <= 16 {
                lo = word(0)
                hi = word(n - 8)
            } else {
                var i = 0
                while n - i > 16 {
                    seed = Self.fold(word(i) ^ key1, word(i + 8) ^ seed)
                    i += 16
                }
                lo = word(n - 16)
                hi = word(n - 8)
            }
        }
        return Self.fold(Self.m5 ^ UInt64(n), Self.fold(lo ^ key1, hi ^ seed))
    }

    private static let m5: UInt64 = 0x1D8E_4E27_C47D_124F

    /// The high and low halves of the 128-bit product, xored.
    @inline(__always)
    static func fold(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let (high, low) = a.multipliedFullWidth(by: b)
        return high ^ low
    }
}

@inline(__always)
private func memcmpEqual(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ n: Int) -> Bool {
    var i = 0
    let ra = UnsafeRawPointer(a), rb = UnsafeRawPointer(b)
    while i + 8 <= n {
        if ra.loadUnaligned(fromByteOffset: i, as: UInt64.self) != rb.loadUnaligned(fromByteOffset: i, as: UInt64.self) { return false }
        i += 8
    }
    while i < n {
        if a[i] != b[i] { return false }
        i += 1
    }
    return true
}
