import Dispatch

/// Runs independent pieces of work on all cores (Dispatch's `concurrentPerform`).
enum Parallel {
    /// Applies `body` to `0..<count` concurrently and returns the results in order.
    static func map<T>(_ count: Int, _ body: (Int) -> T) -> [T] {
        if count <= 1 { return (0..<count).map(body) }
        let slots = UnsafeMutableBufferPointer<T?>.allocate(capacity: count)
        slots.initialize(repeating: nil)
        defer {
            slots.deinitialize()
            slots.deallocate()
        }
        let shared = SendablePointer(slots)
        withoutActuallyEscaping(body) { body in
            let work = SendableBox(body)
            DispatchQueue.concurrentPerform(iterations: count) { i in
                shared.pointer[i] = work.value(i)
            }
        }
        var out: [T] = []
        out.reserveCapacity(count)
        for slot in slots { if let v = slot { out.append(v) } }
        return out
    }

    /// Splits `0..<count` into about `parts` contiguous ranges of at least `minimum` items.
    static func ranges(_ count: Int, parts: Int = 4, minimum: Int = 65_536) -> [Range<Int>] {
        let n = max(1, min(parts, count / max(1, minimum)))
        var out: [Range<Int>] = []
        var start = 0
        for k in 0..<n {
            let end = k == n - 1 ? count : count * (k + 1) / n
            out.append(start..<end)
            start = end
        }
        return out
    }
}

/// A pointer handed to concurrent workers that write disjoint slots.
struct SendablePointer<T>: @unchecked Sendable {
    let pointer: UnsafeMutableBufferPointer<T>
    init(_ pointer: UnsafeMutableBufferPointer<T>) { self.pointer = pointer }
}

/// A value handed to concurrent workers that only read it.
struct SendableBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
