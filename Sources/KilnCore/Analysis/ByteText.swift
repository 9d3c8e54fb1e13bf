/// Byte-wise text comparisons (UTF-8 order is code point order).
enum ByteText {
    static func equal(_ a: UnsafeBufferPointer<UInt8>, _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        for i in 0..<a.count where a[i] != b[i] { return false }
        return true
    }

    static func hasPrefix(_ a: UnsafeBufferPointer<UInt8>, _ p: [UInt8]) -> Bool {
        guard a.count >= p.count else { return false }
        for i in 0..<p.count where a[i] != p[i] { return false }
        return true
    }

    static func contains(_ a: UnsafeBufferPointer<UInt8>, _ p: [UInt8]) -> Bool {
        guard let first = p.first else { return true }
        guard a.count >= p.count else { return false }
        var i = 0
        let last = a.count - p.count
        while i <= last {
            if a[i] == first {
                var j = 1
                while j < p.count, a[i + j] == p[j] { j += 1 }
                if j == p.count { return true }
            }
            i += 1
        }
        return false
    }

    static func compare(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Int {
        let n = min(a.count, b.count)
        for i in 0..<n where a[i] != b[i] { return a[i] < b[i] ? -1 : 1 }
        return a.count < b.count ? -1 : (a.count > b.count ? 1 : 0)
    }

    static func compare(_ a: UnsafeBufferPointer<UInt8>, _ b: [UInt8]) -> Int {
        let n = min(a.count, b.count)
        for i in 0..<n where a[i] != b[i] { return a[i] < b[i] ? -1 : 1 }
        return a.count < b.count ? -1 : (a.count > b.count ? 1 : 0)
    }
}
