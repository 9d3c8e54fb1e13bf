import Foundation
import Testing
import KilnCore
@testable import KilnStore

/// `kiln services` and its map over a scope bigger than the memory budget are read batch by
/// batch (the map in two passes) and give the answer the whole scope gives in memory.
@Suite struct StreamedServicesTests {
    static let second: Int64 = 1_000_000_000

    /// Traces across five services, committed in many small commits so that the spans of one
    /// trace land in different chunks (children often before their parents), with sample
    /// rates, errors by flag and by status, repeated durations (so that they fold), durations
    /// as ints and floats, a span id reused in another trace, orphans and spans without a
    /// service.
    func makeStore(_ path: String, seed: UInt64) throws {
        var rng = SplitMix(seed)
        let writer = try StoreWriter(path: path, dataset: "d", now: 0)
        // Small commits stay chunks of their own: many batches.
        writer.maxMergedRows = 1
        let services = ["front", "cart", "pay", "db", "mail"]
        var clock = WindowTests.base
        var pending: [Event] = []
        var spanNumber = 0
        func id(_ n: Int) -> String { String(format: "%016x", n &* 2_654_435_761 & 0xFFFF_FFFF_FFFF) }
        for trace in 0..<600 {
            let traceID = String(format: "%032x", UInt64(trace) &* 0x9E37_79B9_7F4A_7C15 ^ seed)
            let rate = rng.next() % 5 == 0 ? Int64(rng.next() % 9 + 2) : 1
            var spans: [(id: String, service: String)] = []
            for k in 0..<Int(rng.next() % 6 + 1) {
                clock += Int64(rng.next() % 400_000_000)
                spanNumber += 1
                // Span ids repeat across traces now and then (id collisions happen).
                let spanID = trace > 10 && rng.next() % 50 == 0 ? id(spanNumber - 40) : id(spanNumber)
                let service = services[min(services.count - 1, k + Int(rng.next() % 2))]
                var fields = [Field("trace.trace_id", .string(traceID)), Field("trace.span_id", .string(spanID)), Field("name", .string("op\(k)"))]
                if rng.next() % 40 != 0 { fields.append(Field("service.name", .string(service))) }
                if k > 0 {
                    let parent = rng.next() % 30 == 0 ? id(999_999_999 - spanNumber) : spans[Int(rng.next() % UInt64(spans.count))].id
                    fields.append(Field("trace.parent_id", .string(parent)))
                }
                let ms = Double(rng.next() % 40) * (service == "db" ? 0.5 : 10)
                fields.append(Field("duration_ms", rng.next() % 3 == 0 ? .int(Int64(ms)) : .float(ms + 0.25)))
                if rng.next() % 15 == 0 { fields.append(Field("error", .bool(true))) }
                if rng.next() % 4 == 0 { fields.append(Field("http.status_code", .int(rng.next() % 6 == 0 ? 503 : 200))) }
                if rng.next() % 3 == 0 { fields.append(Field("plan", .string(["free", "pro"][Int(rng.next() % 2)]))) }
                spans.append((spanID, service))
                pending.append(Event(timestamp: clock, sampleRate: rate, fields: fields))
            }
            // Commit now and then, children (the later spans) first.
            if rng.next() % 3 == 0 {
                writer.append(Array(pending.reversed()))
                try writer.commit()
                pending = []
            }
        }
        writer.append(pending)
        try writer.commit()
    }

    @Test(arguments: [UInt64(1), 2, 3])
    func streamedServicesAndMapAnswerAsInMemory(seed: UInt64) throws {
        let store = TempStore()
        try makeStore(store.path, seed: seed)
        let roomy = try EmbeddedBackend(path: store.path, memoryBudget: 1 << 34)
        let tight = try EmbeddedBackend(path: store.path, memoryBudget: 1)
        let chunks = try tight.reader.chunkPlan(dataset: "d", window: .all).count
        #expect(chunks > 100, "\(chunks) chunks")
        let times = try roomy.load(dataset: "d", scope: Scope()).table.timestamps.sorted()
        let mid = times[times.count / 2], last = times[times.count - 1] + 1
        let requests = [
            ServicesRequest(from: mid, to: last, buckets: 12),
            ServicesRequest(from: times[times.count / 3], to: times[times.count * 2 / 3], filters: [try Filter.parse("plan != free")], buckets: 7),
            ServicesRequest(from: times[0], to: last),
        ]
        for request in requests {
            let memory = try roomy.services(dataset: "d", request: request)
            let streamed = try tight.services(dataset: "d", request: request)
            #expect(memory.notes.isEmpty)
            #expect(streamed.notes == .streamed)
            #expect(streamed.value.json() == memory.value.json())
            #expect(streamed.value == memory.value)
            // A real answer: every service, with percentiles and errors, before and now.
            #expect(memory.value.services.count == 5)
            #expect(memory.value.services.allSatisfy { $0.current.p99 != nil })
            #expect(memory.value.services.contains { $0.current.errors > 0 })
        }
        let scopes = [
            Scope(),
            Scope(from: mid, to: last),
            Scope(from: times[100], to: times[times.count - 100], filters: [try Filter.parse("plan = pro")]),
        ]
        for scope in scopes {
            let memory = try roomy.serviceMap(dataset: "d", scope: scope)
            let streamed = try tight.serviceMap(dataset: "d", scope: scope)
            #expect(memory.notes.isEmpty)
            #expect(streamed.notes == .streamed)
            #expect(streamed.value.json() == memory.value.json())
            #expect(streamed.value == memory.value)
            #expect(memory.value.edges.count >= 6)
            #expect(memory.value.orphans > 0)
            #expect(memory.value.entries.contains("front"))
        }
    }

    /// The map as ``ServiceMap/parentRows(_:fields:)`` joins it (row by row, the explorer's
    /// join) gives the same calls per edge as the accumulator.
    @Test func mapMatchesTheRowJoin() throws {
        let store = TempStore()
        try makeStore(store.path, seed: 9)
        let backend = try EmbeddedBackend(path: store.path, memoryBudget: 1)
        let table = try backend.load(dataset: "d", scope: Scope()).table
        let fields = SpanFields.resolve(table.columns.map(\.name))
        let parents = ServiceMap.parentRows(table, fields: fields)
        let service = try #require(table.column("service.name"))
        var calls: [String: Double] = [:]
        var orphans = 0
        for row in 0..<table.count {
            let p = parents[row]
            if p == -2 { orphans += 1 }
            guard p >= 0, let from = service.value(at: Int(p))?.text, let to = service.value(at: row)?.text, from != to else { continue }
            calls["\(from)→\(to)", default: 0] += Double(table.sampleRate(row))
        }
        let map = try backend.serviceMap(dataset: "d", scope: Scope()).value
        #expect(Dictionary(uniqueKeysWithValues: map.edges.map { ("\($0.from)→\($0.to)", $0.calls) }) == calls)
        #expect(map.orphans == orphans)
    }
}
