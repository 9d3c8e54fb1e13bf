#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Testing
@testable import KilnCore

/// Timings of `DictionaryEncoder` on the raw path ingest uses, printed, not asserted.
/// Run in release: `swift test -c release --filter DictionaryEncoderPerformance`.
@Suite(.enabled(if: PerformanceGate.enabled)) struct DictionaryEncoderPerformanceTests {
    /// Runs `body` seven times; the best wall time and the best CPU time of this thread, in
    /// seconds (CPU time is less inflated by other processes on a busy machine).
    static func best(_ body: () -> Void) -> (wall: Double, cpu: Double) {
        var wall = Double.infinity, cpu = Double.infinity
        let clock = ContinuousClock()
        for _ in 0..<7 {
            var ts = timespec()
            clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
            let cpuStart = Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
            let elapsed = clock.measure(body)
            clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
            cpu = min(cpu, Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9 - cpuStart)
            wall = min(wall, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
        }
        return (wall, cpu)
    }

    static func report(_ label: String, values: Int, _ t: (wall: Double, cpu: Double)) {
        print("perf DictionaryEncoder \(label): \(values) values, \(NumberText.decimal(t.wall * 1e9 / Double(values), places: 1)) ns/value wall, "
            + "\(NumberText.decimal(t.cpu * 1e9 / Double(values), places: 1)) ns/value thread CPU (best of 7)")
    }

    /// One column's values as raw records: string bytes in a pool, (offset << 24 | length) payloads.
    struct Column {
        var name: String
        var pool: [UInt8] = []
        var payloads: [UInt64] = []
        var kind = ValueKind.string.rawValue
    }

    /// 1M rows of seven columns shaped like traced web requests: unique 32- and 16-character
    /// hex ids, a few hundred hosts, a handful of services and ~100-byte user agents, integers.
    static func columns(rows: Int) -> [Column] {
        var rng = SplitMix64(seed: 5)
        let hexDigits = Array("0123456789abcdef".utf8)
        func hex(_ count: Int) -> [UInt8] { (0..<count).map { _ in hexDigits[Int(rng.next() & 15)] } }
        let services = (0..<8).map { Array("service-\($0)".utf8) }
        let agents = (0..<3).map { Array("Mozilla/5.0 (X11; Linux x86_64; rv:12\($0).0) Gecko/20100101 Firefox/12\($0).0 AppleWebKit/537.36".utf8) }
        var trace = Column(name: "trace_id"), span = Column(name: "span_id"), host = Column(name: "host")
        var service = Column(name: "service"), agent = Column(name: "user_agent")
        var user = Column(name: "user_id", kind: ValueKind.int.rawValue), status = Column(name: "status", kind: ValueKind.int.rawValue)
        func add(_ bytes: [UInt8], to c: inout Column) {
            c.payloads.append(UInt64(c.pool.count) << 24 | UInt64(bytes.count))
            c.pool += bytes
        }
        var traceID = hex(32)
        for row in 0..<rows {
            if row % 5 == 0 { traceID = hex(32) }
            add(traceID, to: &trace)
            add(hex(16), to: &span)
            add(Array("ip-10-0-\(rng.next() % 16)-\(rng.next() % 32)".utf8), to: &host)
            add(services[Int(rng.next() % 8)], to: &service)
            add(agents[Int(rng.next() % 3)], to: &agent)
            user.payloads.append(rng.next() % 100_000)
            status.payloads.append([200, 200, 200, 404, 500][Int(rng.next() % 5)])
        }
        return [trace, span, host, service, agent, user, status]
    }

    @Test func rawPathThroughput() {
        #if DEBUG
        let rows = 50_000
        #else
        let rows = 1_000_000
        #endif
        let columns = Self.columns(rows: rows)
        var distinct = 0
        let t = Self.best {
            distinct = 0
            for c in columns {
                var encoder = DictionaryEncoder()
                c.pool.withUnsafeBufferPointer { bytes in
                    for p in c.payloads { _ = encoder.code(kind: c.kind, payload: p, bytes: bytes) }
                }
                distinct += encoder.dictionary.count
            }
        }
        #expect(distinct > rows)
        Self.report("raw path (\(distinct) distinct)", values: rows * columns.count, t)
    }

    @Test func valuePathThroughput() {
        #if DEBUG
        let rows = 20_000
        #else
        let rows = 300_000
        #endif
        let values: [[Value]] = Self.columns(rows: rows).map { c in
            c.payloads.map { p in
                guard c.kind == ValueKind.string.rawValue else { return .int(Int64(bitPattern: p)) }
                let o = Int(p >> 24), l = Int(p & 0xFF_FFFF)
                return .string(String(decoding: c.pool[o..<(o + l)], as: UTF8.self))
            }
        }
        var distinct = 0
        let t = Self.best {
            distinct = 0
            for column in values {
                var encoder = DictionaryEncoder()
                for v in column { _ = encoder.code(for: v) }
                distinct += encoder.dictionary.count
            }
        }
        #expect(distinct > rows)
        Self.report("Value path", values: values.reduce(0) { $0 + $1.count }, t)
    }
}
