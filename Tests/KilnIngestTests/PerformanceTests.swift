import Foundation
#if canImport(Glibc)
import Glibc
#endif
import KilnCore
import Testing
import KilnIngest

/// ~500-byte JSON lines with 20 fields, like a traced web service writes.
func generatedServiceLines(count: Int, seed: UInt64 = 7) -> [UInt8] {
    var random = SeededRandom(seed: seed)
    let services = ["frontend", "cart", "checkout", "payment", "shipping", "email", "currency", "recommendation"]
    let routes = ["/api/cart", "/api/checkout", "/product/{id}", "/", "/api/currency/convert", "/api/recommendations"]
    let methods = ["GET", "POST", "PUT", "DELETE"]
    let agents = [
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36",
        "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0",
        "curl/8.5.0",
    ]
    func hex(_ digits: Int) -> String {
        var s = ""
        for _ in 0..<digits { s.append("0123456789abcdef".randomElement(using: &random) ?? "0") }
        return s
    }
    var out: [UInt8] = []
    out.reserveCapacity(count * 520)
    for k in 0..<count {
        let ns = 1_714_564_800_000_000_000 + Int64(k) * 1_234_567
        let line = """
        {"timestamp":"\(Timestamp.format(ns))","service":{"name":"\(services.randomElement(using: &random) ?? "x")","version":"1.4.\(Int.random(in: 0...9, using: &random))"},\
        "trace":{"trace_id":"\(hex(32))","span_id":"\(hex(16))","parent_id":"\(hex(16))"},"name":"HTTP \(methods.randomElement(using: &random) ?? "GET")",\
        "duration_ms":\(Double(Int.random(in: 1...2_000_000, using: &random)) / 1000),"http":{"method":"\(methods.randomElement(using: &random) ?? "GET")",\
        "route":"\(routes.randomElement(using: &random) ?? "/")","status_code":\([200, 200, 200, 404, 500].randomElement(using: &random) ?? 200)},\
        "user_agent":"\(agents.randomElement(using: &random) ?? "x")","user_id":\(Int.random(in: 1...100_000, using: &random)),\
        "region":"eu-west-1","zone":"eu-west-1\(["a", "b", "c"].randomElement(using: &random) ?? "a")","host":"ip-10-0-\(Int.random(in: 0...255, using: &random))-\(Int.random(in: 0...255, using: &random))",\
        "error":\(Bool.random(using: &random)),"bytes":\(Int.random(in: 0...1_000_000, using: &random)),"cache_hit":\(Bool.random(using: &random)),\
        "retries":\(Int.random(in: 0...3, using: &random))}
        """
        out.append(contentsOf: line.utf8)
        out.append(0x0A)
    }
    return out
}

/// CPU time of the calling thread, which other processes on a busy machine inflate less than
/// wall time.
func threadCPUSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

/// Runs `decodeAll` three times, expecting it to return true (every line decoded); returns the
/// best wall time and the best thread CPU time, in seconds.
func bestOfThree(_ decodeAll: () -> Bool) -> (seconds: Double, cpuSeconds: Double) {
    var best = Duration.seconds(1000)
    var bestCPU = Double.infinity
    for _ in 0..<3 {
        let cpuStart = threadCPUSeconds()
        var ok = false
        let elapsed = ContinuousClock().measure { ok = decodeAll() }
        #expect(ok)
        best = min(best, elapsed)
        bestCPU = min(bestCPU, threadCPUSeconds() - cpuStart)
    }
    return (Double(best.components.seconds) + Double(best.components.attoseconds) / 1e18, bestCPU)
}

@Suite struct PerformanceTests {
    #if DEBUG
    // Debug builds are ~20x slower; keep `swift test` quick. Measure with `-c release`.
    static let lineCount = 20_000
    static let build = "debug build, not representative"
    #else
    static let lineCount = 200_000
    static let build = "release build"
    #endif
    /// The lines both tests decode.
    static let lines = generatedServiceLines(count: lineCount)

    /// Prints decode throughput for 200,000 generated ~500-byte, 20-field JSON lines fed in
    /// 64 KiB chunks. Prints figures only (timings are not asserted; run with `-c release`).
    @Test func jsonLinesThroughput() {
        let (lineCount, build, bytes) = (Self.lineCount, Self.build, Self.lines)
        var fieldCount = 0
        let (seconds, cpuSeconds) = bestOfThree {
            var decoder = IngestDecoder(format: .jsonl, options: options())
            var events = 0
            var rejections = 0
            bytes.withUnsafeBytes { all in
                var batch = DecodedBatch()
                var start = 0
                while start < all.count {
                    let end = min(all.count, start + 65_536)
                    decoder.decode(UnsafeRawBufferPointer(rebasing: all[start..<end]), into: &batch)
                    events += batch.events.count
                    rejections += batch.rejections.count
                    if fieldCount == 0, let first = batch.events.first { fieldCount = first.fields.count + 1 }
                    batch.events.removeAll(keepingCapacity: true)
                    batch.rejections.removeAll()
                    start = end
                }
                decoder.finish(into: &batch)
                events += batch.events.count
            }
            return events == lineCount && rejections == 0
        }
        let rate = Double(lineCount) / seconds
        let averageLine = Double(bytes.count) / Double(lineCount)
        print(String(format: "jsonl decode (%@): %d lines of %.0f bytes, %d fields each: %.0f lines/s wall, %.1f MB/s (best of 3, %.3f s); %.0f lines/s of thread CPU time",
                     build, lineCount, averageLine, fieldCount, rate, Double(bytes.count) / seconds / 1e6, seconds, Double(lineCount) / cpuSeconds))
    }

    /// Prints decode throughput of the `RawBatch` path (what `kiln ingest` uses) for the same
    /// lines: 64 KiB chunks, a fresh batch every 65,536 rows. Figures only, no timing asserted.
    @Test func jsonLinesIntoRawBatchThroughput() {
        let (lineCount, build, bytes) = (Self.lineCount, Self.build, Self.lines)
        let (seconds, cpuSeconds) = bestOfThree {
            var decoder = IngestDecoder(format: .jsonl, options: options())
            var rows = 0
            var rejected = 0
            bytes.withUnsafeBytes { all in
                var batch = RawBatch()
                var rejections: [Rejection] = []
                var start = 0
                while start < all.count {
                    let end = min(all.count, start + 65_536)
                    decoder.decode(UnsafeRawBufferPointer(rebasing: all[start..<end]), into: &batch, rejections: &rejections)
                    if batch.count >= 65_536 {
                        rows += batch.count
                        batch = RawBatch()
                    }
                    start = end
                }
                decoder.finish(into: &batch, rejections: &rejections)
                rows += batch.count
                rejected = rejections.count
            }
            return rows == lineCount && rejected == 0
        }
        print(String(format: "jsonl decode into RawBatch (%@): %d lines: %.0f lines/s wall, %.1f MB/s (best of 3, %.3f s); %.0f lines/s of thread CPU time",
                     build, lineCount, Double(lineCount) / seconds, Double(bytes.count) / seconds / 1e6, seconds, Double(lineCount) / cpuSeconds))
    }
}
