@testable import KilnCore

/// A small deterministic generator (SplitMix64) so that test data is the same on every run.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func chance(_ p: Double) -> Bool { Double.random(in: 0..<1, using: &self) < p }
    mutating func pick<T>(_ items: [T]) -> T { items[Int.random(in: 0..<items.count, using: &self)] }
}

enum TestEvents {
    static let base: Int64 = 1_714_566_896_000_000_000 // 2024-05-01T12:34:56Z

    /// Events with absent fields, mixed types (status as int, float and string), booleans,
    /// strings needing quotes, a near-unique id, dotted names, and sample rates when asked.
    static func random(count: Int, seed: UInt64, sampled: Bool = false) -> [Event] {
        var rng = SplitMix64(seed: seed)
        var events: [Event] = []
        for i in 0..<count {
            var fields: [Field] = []
            if rng.chance(0.9) { fields.append(Field("service", .string(rng.pick(["api", "web", "worker", "db", "cache"])))) }
            if rng.chance(0.95) {
                let roll = Double.random(in: 0..<1, using: &rng)
                if roll < 0.03 {
                    fields.append(Field("status", .float(500.0)))
                } else if roll < 0.05 {
                    fields.append(Field("status", .string("500")))
                } else {
                    fields.append(Field("status", .int(rng.pick([200, 200, 200, 201, 404, 500, 503]))))
                }
            }
            if rng.chance(0.93) {
                let x = (Double.random(in: 0..<1, using: &rng) * 9).rounded(.down)
                let d = Double.random(in: 1..<2, using: &rng) * Double(1 << Int(x)) * (rng.chance(0.02) ? 0 : 1)
                fields.append(Field("duration_ms", rng.chance(0.05) ? .int(Int64(d)) : .float((d * 1000).rounded() / 1000)))
            }
            if rng.chance(0.7) { fields.append(Field("flag", .bool(rng.chance(0.4)))) }
            fields.append(Field("tenant", .string("t\(Int.random(in: 0..<50, using: &rng))")))
            if rng.chance(0.8) { fields.append(Field("region", .string(rng.pick(["eu", "us", "ap"])))) }
            fields.append(Field("request.id", .string("r\(i)-\(rng.next() % 1000)")))
            if rng.chance(0.5) { fields.append(Field("note", .string(rng.pick(["hello world", "say \"hi\"", "a,b", "x", "back\\slash", ""])))) }
            if rng.chance(0.6) { fields.append(Field("version", .string(rng.pick(["1.2.3", "1.10.0", "2.0", "10"])))) }
            if rng.chance(0.6) { fields.append(Field("dotted.name.with.dots", .int(Int64.random(in: 0..<10, using: &rng)))) }
            if rng.chance(0.3) { fields.append(Field("weird field", .int(Int64.random(in: -3...3, using: &rng)))) }
            // Fields few events have.
            if rng.chance(0.1) { fields.append(Field("rare", .string(rng.pick(["x", "y", "z"])))) }
            if rng.chance(0.08) { fields.append(Field("rare.size", .int(Int64.random(in: 0..<60, using: &rng)))) }
            let rate: Int64 = sampled ? rng.pick([1, 1, 2, 5, 10]) : 1
            let ts = base + Int64(i) * 1_000_000 + Int64.random(in: 0..<500_000, using: &rng)
            events.append(Event(timestamp: ts, sampleRate: rate, fields: fields))
        }
        return events
    }

    static func table(_ events: [Event]) -> EventTable {
        var b = EventTableBuilder()
        b.append(events)
        return b.table
    }
}

/// Straightforward re-implementations over `[Event]` that the columnar code is checked against.
enum Reference {
    /// The documented filter semantics, value by value.
    static func matches(_ f: Filter, _ e: Event) -> Bool {
        if f.isTimestamp {
            let times = f.values.compactMap { v -> Int64? in if case .int(let t) = v { return t }; return nil }
            let t = e.timestamp
            switch f.op {
            case .exists: return true
            case .notExists: return false
            case .equal: return times.first == t
            case .notEqual: return times.first != t
            case .in: return times.contains(t)
            case .greater: return times.first.map { t > $0 } ?? false
            case .greaterOrEqual: return times.first.map { t >= $0 } ?? false
            case .less: return times.first.map { t < $0 } ?? false
            case .lessOrEqual: return times.first.map { t <= $0 } ?? false
            case .contains, .startsWith: return false
            case .notContains: return true
            }
        }
        guard let v = e[f.field] else { return f.op.matchesAbsent }
        func equal(_ o: Value) -> Bool {
            switch o {
            case .int(let a):
                switch v {
                case .int(let b): return a == b
                case .float(let b): return b == Double(a)
                case .string(let s): return s == String(a)
                case .bool: return false
                }
            case .float(let a):
                switch v {
                case .int(let b): return Double(b) == a
                case .float(let b): return b == a
                case .string(let s): return s == o.text
                case .bool: return false
                }
            case .bool(let a):
                switch v {
                case .bool(let b): return a == b
                case .string(let s): return s == o.text
                default: return false
                }
            case .string(let s):
                return v.text == s
            }
        }
        /// The sign of (value - operand), nil when they do not order.
        func order(_ o: Value) -> Int? {
            switch (o, v) {
            case (.int(let a), .int(let b)): return b < a ? -1 : (b > a ? 1 : 0)
            case (.int, .float), (.float, .float), (.float, .int):
                guard let x = v.number, let y = o.number, !x.isNaN else { return nil }
                return x < y ? -1 : (x > y ? 1 : 0)
            case (.string(let s), .string(let t)):
                let a = Array(t.utf8), b = Array(s.utf8)
                return a == b ? 0 : (a.lexicographicallyPrecedes(b) ? -1 : 1)
            default: return nil
            }
        }
        func contains(_ o: Value) -> Bool {
            let hay = Array(v.text.utf8), needle = Array(o.text.utf8)
            if needle.isEmpty { return true }
            guard hay.count >= needle.count else { return false }
            for i in 0...(hay.count - needle.count) where Array(hay[i..<(i + needle.count)]) == needle { return true }
            return false
        }
        let o = f.values.first
        switch f.op {
        case .exists: return true
        case .notExists: return false
        case .equal: return o.map(equal) ?? false
        case .notEqual: return !(o.map(equal) ?? false)
        case .in: return f.values.contains(where: equal)
        case .contains: return o.map(contains) ?? false
        case .notContains: return !(o.map(contains) ?? false)
        case .startsWith: return o.map { Array(v.text.utf8).starts(with: Array($0.text.utf8)) } ?? false
        case .greater: return o.flatMap(order).map { $0 > 0 } ?? false
        case .greaterOrEqual: return o.flatMap(order).map { $0 >= 0 } ?? false
        case .less: return o.flatMap(order).map { $0 < 0 } ?? false
        case .lessOrEqual: return o.flatMap(order).map { $0 <= 0 } ?? false
        }
    }

    static func rows(_ events: [Event], _ filters: [Filter], from: Int64? = nil, to: Int64? = nil) -> [Int] {
        events.indices.filter { i in
            let e = events[i]
            if let from, e.timestamp < from { return false }
            if let to, e.timestamp >= to { return false }
            return filters.allSatisfy { matches($0, e) }
        }
    }

    /// Nearest-rank weighted percentile.
    static func percentile(_ pairs: [(Double, Int64)], perMille: Int64) -> Double? {
        guard !pairs.isEmpty else { return nil }
        let sorted = pairs.sorted { $0.0 < $1.0 }
        let total = sorted.reduce(Int64(0)) { $0 + $1.1 }
        let target = max(1, (perMille * total + 999) / 1000)
        var cumulative: Int64 = 0
        for (x, w) in sorted {
            cumulative += w
            if cumulative >= target { return x }
        }
        return sorted.last?.0
    }
}
