import Foundation
import Testing
import KilnCore
@testable import KilnStore

/// Reading only the chunks of a time window gives the answers a full read gives, for every
/// scope inside the window, however late, out of order or backfilled the events arrived.
@Suite struct WindowTests {
    static let base: Int64 = 1_700_000_000_000_000_000
    static let minute: Int64 = 60_000_000_000

    /// A store of `chunks` commits: mostly in time order, with late events (up to an hour old)
    /// mixed into recent commits, and two backfills of old data committed last.
    func makeStore(_ path: String, seed: UInt64, chunks: Int = 40) throws -> [Event] {
        var rng = SplitMix(seed)
        let writer = try StoreWriter(path: path, dataset: "d", now: 0)
        var all: [Event] = []
        var clock = Self.base + 600 * Self.minute
        func event(at t: Int64, _ i: Int) -> Event {
            Event(timestamp: t, sampleRate: rng.next() % 5 == 0 ? Int64(rng.next() % 9 + 2) : 1, fields: [
                Field("status", .int([200, 404, 500][Int(rng.next() % 3)])),
                Field("duration_ms", .float(Double(rng.next() % 50_000) / 10)),
                Field("host", .string("h\(rng.next() % 7)")),
                Field("request.id", .string("r\(seed)-\(i)")),
            ])
        }
        for c in 0..<chunks {
            var batch: [Event] = []
            let size = Int(rng.next() % 300) + 1
            for _ in 0..<size {
                clock += Int64(rng.next() % 2_000_000_000)
                let late = rng.next() % 10 == 0 ? Int64(rng.next() % UInt64(60 * Self.minute)) : 0
                batch.append(event(at: clock - late, all.count + batch.count))
            }
            // Backfills: old files ingested into the live dataset.
            if c == chunks - 2 || c == chunks - 1 {
                let start = Self.base + Int64(rng.next() % 300) * Self.minute
                batch = (0..<200).map { event(at: start + Int64($0) * 3_000_000_000, all.count + $0) }
            }
            writer.append(batch)
            try writer.commit()
            all += batch
        }
        return all
    }

    func answers(_ table: EventTable, _ scope: Scope) throws -> [String] {
        let query = Query(scope: scope, calculations: [.count, try Calculation.parse("SUM(duration_ms)"), try Calculation.parse("P99(duration_ms)"),
                                                       try Calculation.parse("COUNT_DISTINCT(host)")],
                          groupBy: ["status"])
        let bubble = BubbleUp.run(table, scope: scope, selection: [try Filter.parse("duration_ms >= 4000")])
        return [try query.run(table).json(), bubble.json()]
    }

    @Test(arguments: [1, 2, 3] as [UInt64])
    func windowedReadsAnswerAsFullReads(seed: UInt64) throws {
        let store = TempStore()
        let events = try makeStore(store.path, seed: seed)
        let reader = try StoreReader(path: store.path)
        let full = try reader.load(dataset: "d").table
        #expect(full.count == events.count)
        let backend = try EmbeddedBackend(path: store.path)
        let lo = events.map(\.timestamp).min()!, hi = events.map(\.timestamp).max()!
        var rng = SplitMix(seed &* 77)
        var prunedSome = false
        for _ in 0..<25 {
            let a = lo + Int64(rng.next() % UInt64(hi - lo))
            let b = a + Int64(rng.next() % UInt64(hi - a + 1)) + 1
            let scope = Scope(from: a, to: b)
            let windowed = try reader.load(dataset: "d", window: TimeWindow(scope)).table
            let inWindow = events.filter { $0.timestamp >= a && $0.timestamp < b }.count
            #expect(windowed.count >= inWindow)
            if windowed.count < full.count { prunedSome = true }
            let got = try answers(windowed, scope), want = try answers(full, scope)
            #expect(got[0] == want[0], "query, window \(a)..<\(b)")
            #expect(got[1] == want[1], "BubbleUp, window \(a)..<\(b)")
            // Counted where the codes are stored, chunk by chunk: the same answer.
            let stored = try backend.bubbleUp(dataset: "d", scope: scope, selection: [try Filter.parse("duration_ms >= 4000")], options: BubbleUpOptions())
            #expect(stored.value.json() == want[1], "stored BubbleUp, window \(a)..<\(b)")
            // Coded against only the values the window holds: the same answers.
            #expect(try answers(windowed.localized(minimumValues: 0), scope) == want, "localized, window \(a)..<\(b)")
        }
        #expect(prunedSome, "no window read fewer chunks than the whole dataset")
    }

    @Test func aLiveWindowFollowsWritesAndMergesWithoutLossOrRepeats() throws {
        let store = TempStore()
        let writer = try StoreWriter(path: store.path, dataset: "d", now: 0)
        let reader = try StoreReader(path: store.path)
        var written: [Event] = []
        let from = Self.base + 30 * Self.minute
        var loaded: LoadedDataset?
        var rng = SplitMix(5)
        for step in 0..<120 {
            // Small commits (merged every 16), half of them with an event older than the window.
            var batch = (0..<10).map { k in
                Event(timestamp: Self.base + Int64(step) * Self.minute / 2 + Int64(k), fields: [Field("n", .int(Int64(step * 10 + k)))])
            }
            if rng.next() % 2 == 0 { batch.append(Event(timestamp: Self.base, fields: [Field("n", .int(-1))])) }
            writer.append(batch)
            try writer.commit()
            written += batch
            if loaded == nil { loaded = try reader.load(dataset: "d", window: TimeWindow(from: from)) } else if step % 5 == 2 { _ = try reader.refresh(&loaded!) }
        }
        _ = try reader.refresh(&loaded!)
        let table = loaded!.table
        let got = Query.newestRows(table, scope: Scope(from: from), limit: .max).map { table.event(at: $0) }
        let want = written.filter { $0.timestamp >= from }
        #expect(got.count == want.count)
        #expect(Set(got.map { $0.fields.first!.value }) == Set(want.map { $0.fields.first!.value }))
        #expect(table.count < written.count, "the window read every chunk")
    }

    @Test func theEmbeddedBackendAnswersFromTheWindow() throws {
        let store = TempStore()
        let events = try makeStore(store.path, seed: 9)
        let backend = try EmbeddedBackend(path: store.path)
        let mid = events.map(\.timestamp).sorted()[events.count / 2]
        let scope = Scope(from: mid, filters: [try Filter.parse("status = 500")])
        let answer = try backend.query(Query(scope: scope, calculations: [.count]), dataset: "d")
        let want = events.filter { $0.timestamp >= mid && $0.fields.contains(Field("status", .int(500))) }.reduce(Int64(0)) { $0 + $1.sampleRate }
        #expect(answer.value.rows.first?.values.first == .value(.int(want)))
        let newest = try backend.events(dataset: "d", scope: Scope(), limit: 3)
        #expect(newest.map(\.timestamp) == Array(events.map(\.timestamp).sorted().suffix(3).reversed()))
    }
}

/// A small deterministic generator for tests.
struct SplitMix {
    var state: UInt64
    init(_ seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A scope bigger than the memory budget is read batch by batch and gives the answers the
/// whole scope gives in memory.
@Suite struct StreamingTests {
    @Test(arguments: [
        (["COUNT", "P50(duration_ms)", "P99(duration_ms)", "MIN(duration_ms)", "MAX(duration_ms)", "COUNT_DISTINCT(request.id)"], ["status"], nil as Int64?),
        (["COUNT", "SUM(status)", "HEATMAP(duration_ms)", "P999(duration_ms)"], ["host", "status"], nil),
        (["COUNT", "P95(duration_ms)", "SUM(status)"], ["host"], 600_000_000_000),
        (["COUNT"], [], 60_000_000_000),
    ] as [([String], [String], Int64?)])
    func streamedQueriesAnswerAsInMemory(calcs: [String], groupBy: [String], granularity: Int64?) throws {
        let store = TempStore()
        let events = try WindowTests().makeStore(store.path, seed: 4)
        let roomy = try EmbeddedBackend(path: store.path, memoryBudget: 1 << 34)
        let tight = try EmbeddedBackend(path: store.path, memoryBudget: 1)
        let times = events.map(\.timestamp).sorted()
        for (from, filters) in [(nil, []), (times[times.count / 3], ["status != 404"]), (times[times.count - 50], ["host in h1,h2,h3"])] as [(Int64?, [String])] {
            var query = Query(scope: Scope(from: from, filters: try Filter.parseAll(filters)),
                              calculations: try calcs.map { try Calculation.parse($0) }, groupBy: groupBy, granularity: granularity)
            query.limit = 50
            let memory = try roomy.query(query, dataset: "d")
            let streamed = try tight.query(query, dataset: "d")
            #expect(memory.notes.isEmpty)
            #expect(streamed.notes == .streamed)
            #expect(streamed.value.json() == memory.value.json(), "\(calcs) by \(groupBy) from \(String(describing: from)) where \(filters)")
        }
    }

    @Test func streamedHeatmapsAndEventsAnswerAsInMemory() throws {
        let store = TempStore()
        let events = try WindowTests().makeStore(store.path, seed: 6)
        let roomy = try EmbeddedBackend(path: store.path, memoryBudget: 1 << 34)
        let tight = try EmbeddedBackend(path: store.path, memoryBudget: 1)
        let times = events.map(\.timestamp).sorted()
        var options = HeatmapOptions(timeBuckets: 37, valueBuckets: 11)
        options.from = times[10]
        options.to = times[times.count - 10]
        let scope = Scope(from: options.from, to: options.to, filters: [try Filter.parse("status >= 404")])
        let memory = try roomy.heatmap(dataset: "d", scope: scope, field: "duration_ms", options: options)
        let streamed = try tight.heatmap(dataset: "d", scope: scope, field: "duration_ms", options: options)
        #expect(streamed.notes == .streamed)
        #expect(streamed.value == memory.value)
        #expect(streamed.value.counts.reduce(0, +) > 0)
        let newest = try tight.events(dataset: "d", scope: scope, limit: 25)
        #expect(newest == (try roomy.events(dataset: "d", scope: scope, limit: 25)))
        #expect(newest.count == 25)
    }
}

/// Late events (clock skew, retries, backfills mixed into live batches) do not stretch chunks
/// over time, so windows keep passing most of the store over.
@Suite struct PruningTests {
    @Test func lateEventsGetChunksOfTheirOwnAndMergesLeaveThemApart() throws {
        let store = TempStore()
        let writer = try StoreWriter(path: store.path, dataset: "d", now: 0)
        let base = WindowTests.base, second: Int64 = 1_000_000_000
        var rng = SplitMix(11)
        var all: [Event] = []
        // 20 hours of a live stream, a commit of 100 events every 30 s; one event in 100 is
        // 1 to 6 hours late.
        for step in 0..<2_400 {
            let now = base + Int64(step) * 30 * second
            let batch = (0..<100).map { k -> Event in
                let late = rng.next() % 100 == 0 ? Int64(rng.next() % 5 + 1) * 3_600 * second : 0
                return Event(timestamp: now + Int64(k) * second / 4 - late, fields: [Field("n", .int(Int64(step * 100 + k)))])
            }
            writer.append(batch)
            try writer.commit()
            all += batch
        }
        let reader = try StoreReader(path: store.path)
        let end = base + 2_400 * 30 * second
        for minutes in [10, 30, 120] as [Int64] {
            let from = end - minutes * 60 * second
            let window = try reader.load(dataset: "d", window: TimeWindow(from: from)).table
            let inWindow = all.filter { $0.timestamp >= from }.count
            #expect(Query.newestRows(window, scope: Scope(from: from), limit: .max).count == inWindow)
            // Merged chunks hold at most 65,536 events; late events do not stretch them back.
            #expect(window.count <= inWindow + EventStore.chunkRows + 1_600, "last \(minutes) min: read \(window.count) events for \(inWindow)")
            #expect(window.count < all.count / 2, "last \(minutes) min: read \(window.count) of \(all.count) events")
        }
        // The first hour: late events of later commits are in chunks of their own.
        let first = try reader.load(dataset: "d", window: TimeWindow(from: base, to: base + 3_600 * second)).table
        #expect(first.count < all.count / 8, "first hour: read \(first.count) of \(all.count) events")
        let plan = try reader.chunkPlan(dataset: "d", window: .all)
        #expect(plan.count < 800, "small chunks were merged (\(plan.count) chunks)")
    }

    @Test func aBatchSplitsOnlyWhenSomeEventsAreFarFromItsBulk() {
        let base = WindowTests.base, second: Int64 = 1_000_000_000
        var live = RawBatch()
        for k in 0..<100 { live.append(Event(timestamp: base + Int64(k) * second, fields: [Field("k", .int(Int64(k)))])) }
        #expect(live.timeClusters() == nil, "100 s of events: one chunk")
        live.append(Event(timestamp: base - 3 * 3_600 * second, fields: [Field("k", .string("late")), Field("x", .float(1.5))]))
        live.append(Event(timestamp: base - 3 * 3_600 * second + 5, sampleRate: 4, fields: [Field("k", .bool(true))]))
        let clusters = live.timeClusters()
        #expect(clusters?.count == 2)
        #expect(clusters?.last?.count == 100)
        #expect(clusters?.first?.event(at: 0) == live.event(at: 100))
        #expect(clusters?.first?.event(at: 1) == live.event(at: 101))
        // A bulk load of a day of steady traffic is not split.
        var day = RawBatch()
        for k in 0..<1_000 { day.append(Event(timestamp: base + Int64(k) * 86 * second)) }
        #expect(day.timeClusters() == nil)
    }
}
