/// The dictionary's raw buffers, to compare values without decoding them.
struct DictionaryView {
    let kinds: UnsafeBufferPointer<UInt8>
    let payloads: UnsafeBufferPointer<UInt64>
    let pool: UnsafeBufferPointer<UInt8>

    func view(_ code: Int) -> ValueView { ValueView(kind: kinds[code], payload: payloads[code], pool: pool) }

    /// ``ValueOrder`` on codes (0, absent, last).
    func less(_ a: Int, _ b: Int) -> Bool {
        if a == b { return false }
        if a == 0 || b == 0 { return b == 0 }
        let x = view(a), y = view(b)
        func rank(_ k: UInt8) -> Int {
            switch k {
            case ValueKind.int.rawValue, ValueKind.float.rawValue: return 0
            case ValueKind.string.rawValue: return 1
            default: return 2
            }
        }
        let rx = rank(x.kind), ry = rank(y.kind)
        if rx != ry { return rx < ry }
        switch rx {
        case 0:
            if x.kind == ValueKind.int.rawValue, y.kind == ValueKind.int.rawValue { return x.int < y.int }
            let u = x.kind == ValueKind.int.rawValue ? Double(x.int) : x.float
            let v = y.kind == ValueKind.int.rawValue ? Double(y.int) : y.float
            if u != v { return u < v || (u.isNaN && !v.isNaN) }
            return x.kind == ValueKind.int.rawValue && y.kind != ValueKind.int.rawValue
        case 1:
            let (ox, lx) = (Int(x.payload >> 24), Int(x.payload & 0xFF_FFFF))
            let (oy, ly) = (Int(y.payload >> 24), Int(y.payload & 0xFF_FFFF))
            guard ox + lx <= pool.count, oy + ly <= pool.count else { return a < b }
            let n = min(lx, ly)
            var i = 0
            while i < n {
                let p = pool[ox + i], q = pool[oy + i]
                if p != q { return p < q }
                i += 1
            }
            return lx < ly
        default:
            return !x.bool && y.bool
        }
    }
}
