extension CodeArray {
    /// The codes as 32-bit integers, for scans that read several columns row by row.
    /// - Complexity: O(count)
    var widened: [UInt32] {
        switch self {
        case .u8(let a): return a.map(UInt32.init)
        case .u16(let a): return a.map(UInt32.init)
        case .u32(let a): return a
        case .sparse(let s): return s.denseCodes
        }
    }
}
