/// The distinct values of one field, numbered from 1 (code 0 means absent).
///
/// Values are stored packed, not as Swift `Value`s: a kind byte and a 64-bit payload per code
/// (the integer, the double's bits, the boolean, or a string's offset and length into `pool`),
/// so a million unique request ids cost their bytes plus 9 bytes each.
public struct ValueDictionary: Sendable, Equatable {
    /// Kind per code; index 0 is the absent placeholder.
    public private(set) var kinds: [UInt8] = [ValueKind.absent.rawValue]
    /// Payload per code: Int64 bits, Double bits, 0/1, or `offset << 24 | length` for strings.
    public private(set) var payloads: [UInt64] = [0]
    /// The UTF-8 bytes of every string value, back to back.
    public private(set) var pool: [UInt8] = []
    /// How many values of each kind, indexed by `ValueKind.rawValue`.
    public private(set) var kindCounts: [Int] = [0, 0, 0, 0, 0]

    /// An empty dictionary.
    public init() {}

    /// Rebuilds a dictionary from its stored parts (as ``KilnStore`` keeps them).
    public init?(kinds: [UInt8], payloads: [UInt64], pool: [UInt8]) {
        guard kinds.count == payloads.count, kinds.first == 0 else { return nil }
        self.kinds = kinds
        self.payloads = payloads
        self.pool = pool
        for k in kinds.dropFirst() {
            guard k >= 1 && k <= 4 else { return nil }
            kindCounts[Int(k)] += 1
        }
    }

    /// The number of distinct values (the largest code).
    @inlinable public var count: Int { kinds.count - 1 }

    /// True when every value is an int or a float (and there is at least one).
    public var isNumeric: Bool {
        count > 0 && kindCounts[Int(ValueKind.int.rawValue)] + kindCounts[Int(ValueKind.float.rawValue)] == count
    }

    /// The value with this code, or nil for 0 (absent).
    public func value(_ code: Int) -> Value? {
        let p = payloads[code]
        switch kinds[code] {
        case ValueKind.string.rawValue:
            let offset = Int(p >> 24), length = Int(p & 0xFF_FFFF)
            return .string(String(decoding: pool[offset..<(offset + length)], as: UTF8.self))
        case ValueKind.int.rawValue: return .int(Int64(bitPattern: p))
        case ValueKind.float.rawValue: return .float(Double(bitPattern: p))
        case ValueKind.bool.rawValue: return .bool(p != 0)
        default: return nil
        }
    }

    /// The numeric value with this code (ints and floats), NaN otherwise.
    @inlinable
    public func number(_ code: Int) -> Double {
        switch kinds[code] {
        case ValueKind.int.rawValue: return Double(Int64(bitPattern: payloads[code]))
        case ValueKind.float.rawValue: return Double(bitPattern: payloads[code])
        default: return .nan
        }
    }

    /// A table from code to number (NaN for absent and non-numeric), for fast numeric scans.
    public func numberTable() -> [Double] {
        (0...count).map { number($0) }
    }

    /// Appends a value, returning its code. The caller guarantees it is not already present.
    @discardableResult
    public mutating func append(_ value: Value) -> UInt32 {
        switch value {
        case .string(let s):
            let offset = pool.count
            pool.append(contentsOf: s.utf8)
            let length = min(pool.count - offset, 0xFF_FFFF)
            kinds.append(ValueKind.string.rawValue)
            payloads.append(UInt64(offset) << 24 | UInt64(length))
        case .int(let i):
            kinds.append(ValueKind.int.rawValue)
            payloads.append(UInt64(bitPattern: i))
        case .float(let d):
            kinds.append(ValueKind.float.rawValue)
            payloads.append(d.bitPattern)
        case .bool(let b):
            kinds.append(ValueKind.bool.rawValue)
            payloads.append(b ? 1 : 0)
        }
        kindCounts[Int(value.kind.rawValue)] += 1
        return UInt32(count)
    }

    /// Appends a non-string value from its kind and payload bits; returns its code.
    public mutating func appendRaw(kind: UInt8, payload: UInt64) -> UInt32 {
        kinds.append(kind)
        payloads.append(payload)
        kindCounts[Int(kind)] += 1
        return UInt32(count)
    }

    /// Appends a string value from its UTF-8 bytes; returns its code.
    public mutating func appendString(bytes: UnsafeBufferPointer<UInt8>) -> UInt32 {
        let offset = pool.count
        pool.append(contentsOf: bytes)
        kinds.append(ValueKind.string.rawValue)
        payloads.append(UInt64(offset) << 24 | UInt64(min(bytes.count, 0xFF_FFFF)))
        kindCounts[Int(ValueKind.string.rawValue)] += 1
        return UInt32(count)
    }

    /// Appends every value of `other` (codes continue from this dictionary's count).
    public mutating func append(contentsOf other: ValueDictionary) {
        guard other.count > 0 else { return }
        let parts = other.segmentParts(from: 1)
        _ = appendSegment(kinds: parts.kinds, payloads: parts.payloads, pool: parts.pool)
    }

    /// The values with codes `codes` (ascending, each in 1...count), as codes 1...codes.count
    /// in that order. Copies kinds, payloads and string bytes, never making a `Value`.
    /// - Complexity: O(codes + their string bytes)
    public func restricted(to codes: [UInt32]) -> ValueDictionary {
        var out = ValueDictionary()
        out.kinds.reserveCapacity(codes.count + 1)
        out.payloads.reserveCapacity(codes.count + 1)
        pool.withUnsafeBufferPointer { bytes in
            for c in codes {
                let code = Int(c), kind = kinds[code], p = payloads[code]
                if kind == ValueKind.string.rawValue {
                    let offset = Int(p >> 24), length = Int(p & 0xFF_FFFF)
                    _ = out.appendString(bytes: UnsafeBufferPointer(rebasing: bytes[offset..<(offset + length)]))
                } else {
                    _ = out.appendRaw(kind: kind, payload: p)
                }
            }
        }
        return out
    }

    /// The values with codes from `start` on, as a dictionary of their own (a stored segment).
    public func suffix(from start: Int) -> ValueDictionary {
        var out = ValueDictionary()
        guard start <= count else { return out }
        for code in max(start, 1)..<(count + 1) {
            if let v = value(code) { out.append(v) }
        }
        return out
    }
}

extension ValueDictionary {
    /// The codes from `start` on as stored parts (string offsets rebased to the part's own pool).
    /// - Complexity: O(values from start + their string bytes)
    public func segmentParts(from start: Int) -> (kinds: [UInt8], payloads: [UInt64], pool: [UInt8]) {
        let first = max(start, 1)
        guard first <= count else { return ([], [], []) }
        var poolStart = pool.count
        for code in first...count where kinds[code] == ValueKind.string.rawValue {
            poolStart = Int(payloads[code] >> 24)
            break
        }
        let k = Array(kinds[first...count])
        var p = Array(payloads[first...count])
        for i in p.indices where k[i] == ValueKind.string.rawValue {
            p[i] -= UInt64(poolStart) << 24
        }
        return (k, p, Array(pool[poolStart...]))
    }

    /// Appends a stored segment (parts as made by ``segmentParts(from:)``); false when malformed.
    /// - Complexity: O(values), as bulk copies
    public mutating func appendSegment(kinds k: [UInt8], payloads p: [UInt64], pool extra: [UInt8]) -> Bool {
        guard k.count == p.count else { return false }
        var counts = (0, 0, 0, 0)
        var adjusted = p
        let base = UInt64(pool.count) << 24
        let valid = k.withUnsafeBufferPointer { kb in
            adjusted.withUnsafeMutableBufferPointer { pb -> Bool in
                for i in 0..<kb.count {
                    switch kb[i] {
                    case ValueKind.string.rawValue:
                        counts.0 += 1
                        let end = Int(pb[i] >> 24) + Int(pb[i] & 0xFF_FFFF)
                        if end > extra.count { return false }
                        pb[i] &+= base
                    case ValueKind.int.rawValue: counts.1 += 1
                    case ValueKind.float.rawValue: counts.2 += 1
                    case ValueKind.bool.rawValue: counts.3 += 1
                    default: return false
                    }
                }
                return true
            }
        }
        guard valid else { return false }
        pool.append(contentsOf: extra)
        kinds.append(contentsOf: k)
        payloads.append(contentsOf: adjusted)
        kindCounts[1] += counts.0
        kindCounts[2] += counts.1
        kindCounts[3] += counts.2
        kindCounts[4] += counts.3
        return true
    }
}

