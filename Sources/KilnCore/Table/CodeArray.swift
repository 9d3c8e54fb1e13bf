/// Dictionary codes of one column, one per row, as narrow as the dictionary allows.
///
/// Analysis switches on the width once and then runs over a plain buffer
/// (`withUnsafeBufferPointer`), so counting is a tight loop over bytes. A column that few rows
/// have is held sparsely instead (``SparseCodes``): scans over every field take its values
/// present, the others its dense codes (``densified(holding:)``).
public enum CodeArray: Sendable, Equatable {
    case u8([UInt8])
    case u16([UInt16])
    case u32([UInt32])
    case sparse(SparseCodes)

    /// An empty array wide enough for codes up to `maxCode`.
    public init(capacityFor maxCode: Int) {
        if maxCode <= Int(UInt8.max) { self = .u8([]) } else if maxCode <= Int(UInt16.max) { self = .u16([]) } else { self = .u32([]) }
    }

    /// Number of rows.
    @inlinable public var count: Int {
        switch self {
        case .u8(let a): return a.count
        case .u16(let a): return a.count
        case .u32(let a): return a.count
        case .sparse(let s): return s.count
        }
    }

    /// The largest code this width holds.
    @inlinable public var maxCode: Int {
        switch self {
        case .u8: return Int(UInt8.max)
        case .u16: return Int(UInt16.max)
        case .u32, .sparse: return Int(UInt32.max)
        }
    }

    /// Bytes per code (of the codes present, for sparse ones).
    public var width: Int {
        switch self {
        case .u8: return 1
        case .u16: return 2
        case .u32, .sparse: return 4
        }
    }

    /// The code at `row`.
    @inlinable public subscript(row: Int) -> UInt32 {
        switch self {
        case .u8(let a): return UInt32(a[row])
        case .u16(let a): return UInt32(a[row])
        case .u32(let a): return a[row]
        case .sparse(let s): return s[row]
        }
    }

    /// Widens the array so that it holds codes up to `code`.
    public mutating func widen(toHold code: Int) {
        guard code > maxCode else { return }
        switch self {
        case .u8(let a):
            self = code <= Int(UInt16.max) ? .u16(a.map(UInt16.init)) : .u32(a.map(UInt32.init))
        case .u16(let a):
            self = .u32(a.map(UInt32.init))
        case .u32, .sparse: break
        }
    }

    /// Appends a code, widening first when needed.
    public mutating func append(_ code: UInt32) {
        widen(toHold: Int(code))
        switch self {
        case .u8(var a): self = .u8([]); a.append(UInt8(code)); self = .u8(a)
        case .u16(var a): self = .u16([]); a.append(UInt16(code)); self = .u16(a)
        case .u32(var a): self = .u32([]); a.append(code); self = .u32(a)
        case .sparse(var s): self = .u8([]); s.set(s.count, code); s.count += 1; self = .sparse(s)
        }
    }

    /// Appends `n` absent codes (0).
    public mutating func appendAbsent(_ n: Int) {
        guard n > 0 else { return }
        switch self {
        case .u8(var a): self = .u8([]); a.append(contentsOf: repeatElement(0, count: n)); self = .u8(a)
        case .u16(var a): self = .u16([]); a.append(contentsOf: repeatElement(0, count: n)); self = .u16(a)
        case .u32(var a): self = .u32([]); a.append(contentsOf: repeatElement(0, count: n)); self = .u32(a)
        case .sparse(var s): self = .u8([]); s.count += n; self = .sparse(s)
        }
    }

    /// Appends the codes of `other`, widening first when needed.
    /// - Complexity: O(other.count); a plain copy when the widths match
    public mutating func append(contentsOf other: CodeArray) {
        if isSparse || other.isSparse {
            appendSparse(other)
            return
        }
        widen(toHold: other.maxCode)
        switch (self, other) {
        case (.u8(var a), .u8(let b)): self = .u8([]); a.append(contentsOf: b); self = .u8(a)
        case (.u16(var a), .u16(let b)): self = .u16([]); a.append(contentsOf: b); self = .u16(a)
        case (.u32(var a), .u32(let b)): self = .u32([]); a.append(contentsOf: b); self = .u32(a)
        case (.u16(var a), .u8(let b)): self = .u16([]); a.append(contentsOf: b.lazy.map(UInt16.init)); self = .u16(a)
        case (.u32(var a), .u8(let b)): self = .u32([]); a.append(contentsOf: b.lazy.map(UInt32.init)); self = .u32(a)
        case (.u32(var a), .u16(let b)): self = .u32([]); a.append(contentsOf: b.lazy.map(UInt32.init)); self = .u32(a)
        default: break // widen() made self at least as wide as other
        }
    }

    /// Reserves room for `n` codes in all.
    public mutating func reserveCapacity(_ n: Int) {
        switch self {
        case .u8(var a): self = .u8([]); a.reserveCapacity(n); self = .u8(a)
        case .u16(var a): self = .u16([]); a.reserveCapacity(n); self = .u16(a)
        case .u32(var a): self = .u32([]); a.reserveCapacity(n); self = .u32(a)
        case .sparse: break
        }
    }

    /// The codes as little-endian bytes of the narrowest width that holds `maxCode`.
    public static func encode(_ codes: [UInt32], maxCode: UInt32) -> (width: Int, bytes: [UInt8]) {
        if maxCode <= UInt32(UInt8.max) { return (1, codes.map { UInt8($0) }) }
        if maxCode <= UInt32(UInt16.max) {
            var out = [UInt8](repeating: 0, count: codes.count * 2)
            for (i, c) in codes.enumerated() { out[2 * i] = UInt8(c & 0xFF); out[2 * i + 1] = UInt8(c >> 8) }
            return (2, out)
        }
        var out = [UInt8](repeating: 0, count: codes.count * 4)
        for (i, c) in codes.enumerated() {
            out[4 * i] = UInt8(c & 0xFF); out[4 * i + 1] = UInt8((c >> 8) & 0xFF)
            out[4 * i + 2] = UInt8((c >> 16) & 0xFF); out[4 * i + 3] = UInt8(c >> 24)
        }
        return (4, out)
    }
}
