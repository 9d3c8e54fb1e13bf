/// Value to code, for building a ``ValueDictionary`` without duplicates.
///
/// An open-addressing table of codes: the values themselves live only in the dictionary's packed
/// storage, so a lookup hashes the value's bytes once and compares bytes, with no Swift `String`
/// keys to retain, release or SipHash (which cost ingest half its time).
public struct DictionaryEncoder: Sendable {
    /// The dictionary built so far.
    public private(set) var dictionary: ValueDictionary
    private var slots: [UInt32]
    private var mask: Int

    /// Starts from an existing dictionary (its codes are kept).
    public init(_ dictionary: ValueDictionary = ValueDictionary()) {
        self.dictionary = dictionary
        var capacity = 16
        while capacity < dictionary.count * 2 { capacity <<= 1 }
        slots = [UInt32](repeating: 0, count: capacity)
        mask = capacity - 1
        for code in stride(from: 1, through: dictionary.count, by: 1) { place(UInt32(code)) }
    }

    /// The code of `value`, adding it when new.
    /// - Complexity: O(1) expected
    public mutating func code(for value: Value) -> UInt32 {
        let h = Self.hash(value)
        var i = Int(truncatingIfNeeded: h) & mask
        while true {
            let c = slots[i]
            if c == 0 { break }
            if matches(value, code: Int(c)) { return c }
            i = (i + 1) & mask
        }
        let code = dictionary.append(value)
        slots[i] = code
        if dictionary.count * 2 > slots.count { grow() }
        return code
    }

    /// The code of a raw record's value (see ``RawBatch``): `payload` as there, string bytes in `bytes`.
    /// - Complexity: O(1) expected, plus the string's length
    public mutating func code(kind: UInt8, payload: UInt64, bytes: UnsafeBufferPointer<UInt8>) -> UInt32 {
        if kind != ValueKind.string.rawValue {
            let h = Self.mix(payload &+ UInt64(kind) &* 0x9E37_79B9_7F4A_7C15)
            var i = Int(truncatingIfNeeded: h) & mask
            while true {
                let c = slots[i]
                if c == 0 { break }
                if dictionary.kinds[Int(c)] == kind && dictionary.payloads[Int(c)] == payload { return c }
                i = (i + 1) & mask
            }
            let code = dictionary.appendRaw(kind: kind, payload: payload)
            slots[i] = code
            if dictionary.count * 2 > slots.count { grow() }
            return code
        }
        let offset = Int(payload >> 24), length = Int(payload & 0xFF_FFFF)
        let s = UnsafeBufferPointer(rebasing: bytes[offset..<(offset + length)])
        var i = Int(truncatingIfNeeded: Self.hashBytes(s)) & mask
        while true {
            let c = slots[i]
            if c == 0 { break }
            if dictionary.kinds[Int(c)] == kind {
                let p = dictionary.payloads[Int(c)]
                let o = Int(p >> 24), l = Int(p & 0xFF_FFFF)
                if l == length && (length == 0 || dictionary.pool.withUnsafeBufferPointer { memcmpEqual(s.baseAddress!, $0.baseAddress! + o, length) }) {
                    return c
                }
            }
            i = (i + 1) & mask
        }
        let code = dictionary.appendString(bytes: s)
        slots[i] = code
        if dictionary.count * 2 > slots.count { grow() }
        return code
    }

    /// The code of `value` if it is already known.
    public func lookupCode(_ value: Value) -> UInt32? {
        var i = Int(truncatingIfNeeded: Self.hash(value)) & mask
        while true {
            let c = slots[i]
            if c == 0 { return nil }
            if matches(value, code: Int(c)) { return c }
            i = (i + 1) & mask
        }
    }

    /// Appends values that another writer already coded (codes continue from ours).
    public mutating func absorb(_ segment: ValueDictionary) {
        for code in stride(from: 1, through: segment.count, by: 1) {
            guard let v = segment.value(code) else { continue }
            let c = dictionary.append(v)
            if dictionary.count * 2 > slots.count { grow() } else { place(c) }
        }
    }

    private mutating func grow() {
        let capacity = slots.count * 2
        slots = [UInt32](repeating: 0, count: capacity)
        mask = capacity - 1
        for code in stride(from: 1, through: dictionary.count, by: 1) { place(UInt32(code)) }
    }

    private mutating func place(_ code: UInt32) {
        var i = Int(truncatingIfNeeded: storedHash(Int(code))) & mask
        while slots[i] != 0 { i = (i + 1) & mask }
        slots[i] = code
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
            return dictionary.pool.withUnsafeBufferPointer { Self.hashBytes(UnsafeBufferPointer(rebasing: $0[offset..<(offset + length)])) }
        }
        return Self.mix(payload &+ UInt64(kind) &* 0x9E37_79B9_7F4A_7C15)
    }

    static func hash(_ value: Value) -> UInt64 {
        switch value {
        case .string(var s): return s.withUTF8 { hashBytes($0) }
        case .int(let i): return mix(UInt64(bitPattern: i) &+ UInt64(ValueKind.int.rawValue) &* 0x9E37_79B9_7F4A_7C15)
        case .float(let d): return mix(d.bitPattern &+ UInt64(ValueKind.float.rawValue) &* 0x9E37_79B9_7F4A_7C15)
        case .bool(let b): return mix((b ? 1 : 0) &+ UInt64(ValueKind.bool.rawValue) &* 0x9E37_79B9_7F4A_7C15)
        }
    }

    /// A fast 64-bit hash of bytes (word-at-a-time multiply-xor, finished by `mix`).
    static func hashBytes(_ b: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var h: UInt64 = 0x243F_6A88_85A3_08D3 ^ UInt64(b.count)
        guard let base = b.baseAddress else { return mix(h) }
        let raw = UnsafeRawPointer(base)
        var i = 0
        while i + 8 <= b.count {
            h = (h ^ raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0x9E37_79B9_7F4A_7C15
            h ^= h >> 29
            i += 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while i < b.count {
            tail |= UInt64(b[i]) << shift
            shift += 8
            i += 1
        }
        h = (h ^ tail) &* 0x9E37_79B9_7F4A_7C15
        return mix(h)
    }

    /// MurmurHash3's 64-bit finalizer.
    @inline(__always)
    static func mix(_ x: UInt64) -> UInt64 {
        var z = x
        z = (z ^ (z >> 33)) &* 0xFF51_AFD7_ED55_8CCD
        z = (z ^ (z >> 33)) &* 0xC4CE_B9FE_1A85_EC53
        return z ^ (z >> 33)
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
