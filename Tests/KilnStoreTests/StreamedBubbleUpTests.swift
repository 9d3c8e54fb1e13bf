import Foundation
import Testing
import KilnCore
@testable import KilnStore

/// BubbleUp over a scope bigger than the memory budget is read batch by batch and gives the
/// answer the whole scope gives in memory.
@Suite struct StreamedBubbleUpTests {
    static let minute: Int64 = 60_000_000_000

    /// Slow events come mostly from host h3 in region eu (a planted combination), over a
    /// spread of numeric, categorical, sparse, ID and sampled fields, in many commits, with
    /// a field that only later commits have.
    func makeStore(_ path: String, seed: UInt64) throws {
        var rng = SplitMix(seed)
        let writer = try StoreWriter(path: path, dataset: "d", now: 0)
        var clock = WindowTests.base
        var n = 0
        for commit in 0..<30 {
            var batch: [Event] = []
            for _ in 0..<Int(rng.next() % 400 + 50) {
                clock += Int64(rng.next() % 3_000_000_000)
                let host = "h\(rng.next() % 7)", region = ["eu", "us", "ap"][Int(rng.next() % 3)]
                let planted = host == "h3" && region == "eu"
                let slow = planted ? rng.next() % 10 < 8 : rng.next() % 20 == 0
                var fields = [
                    Field("duration_ms", .float(slow ? Double(3_000 + rng.next() % 5_000) : Double(rng.next() % 20_000) / 10)),
                    Field("status", .int(slow && rng.next() % 2 == 0 ? 500 : 200)),
                    Field("host", .string(host)),
                    Field("region", .string(region)),
                    Field("request.id", .string("req-\(seed)-\(n)")),
                    Field("user.id", .int(Int64(rng.next() % 900))),
                    Field("plan", .string(["free", "pro", "team", "enterprise"][Int(rng.next() % 4)])),
                ]
                if rng.next() % 10 == 0 { fields.append(Field("feature", .string("f\(rng.next() % 3)"))) }
                if commit >= 20 { fields.append(Field("build", .string(rng.next() % 2 == 0 ? "b1" : "b2"))) }
                batch.append(Event(timestamp: clock, sampleRate: rng.next() % 4 == 0 ? Int64(rng.next() % 9 + 2) : 1, fields: fields))
                n += 1
            }
            writer.append(batch)
            try writer.commit()
        }
    }

    @Test(arguments: [UInt64(1), 2, 3])
    func streamedBubbleUpAnswersAsInMemory(seed: UInt64) throws {
        let store = TempStore()
        try makeStore(store.path, seed: seed)
        let roomy = try EmbeddedBackend(path: store.path, memoryBudget: 1 << 34)
        let tight = try EmbeddedBackend(path: store.path, memoryBudget: 1)
        let all = try roomy.load(dataset: "d", scope: Scope()).table
        let times = all.timestamps.sorted()
        let selection = [try Filter.parse("duration_ms >= 3000")]
        let scopes = [
            Scope(),
            Scope(from: times[times.count / 5], to: times[times.count * 4 / 5]),
            Scope(from: times[100], to: times[times.count - 100], filters: [try Filter.parse("plan != free")]),
        ]
        for scope in scopes {
            let memory = try roomy.bubbleUp(dataset: "d", scope: scope, selection: selection, options: BubbleUpOptions())
            let streamed = try tight.bubbleUp(dataset: "d", scope: scope, selection: selection, options: BubbleUpOptions())
            #expect(memory.notes.isEmpty)
            #expect(streamed.notes == .streamed)
            #expect(streamed.value.json() == memory.value.json(), "scope \(scope)")
            // The planted cause is found, so the comparison covers a real answer.
            #expect(memory.value.combinations.contains { c in Set(c.fields.map(\.name)) == ["host", "region"] })
            #expect(memory.value.idLike.contains("request.id"))

            let good = [try Filter.parse("status < 500")]
            let failingMemory = try roomy.bubbleUp(dataset: "d", scope: scope, failing: good, options: BubbleUpOptions())
            let failingStreamed = try tight.bubbleUp(dataset: "d", scope: scope, failing: good, options: BubbleUpOptions())
            #expect(failingStreamed.notes == .streamed)
            #expect(failingStreamed.value.json() == failingMemory.value.json())
            #expect(failingMemory.value.selectionRows > 0)
        }
    }

    /// The embedded backend counts codes where they are stored, without a table of every
    /// field (``StoreReader/scanColumns(of:fields:_:)``): its answers are byte for byte those
    /// of ``BubbleUp`` over the scope's table in memory, for narrow, wide, empty and
    /// categorical selections, time windows that cut chunks, scope filters, sampled events,
    /// fields that only some chunks have, and the bad events of an SLO.
    @Test(arguments: [UInt64(11), 12])
    func storedCountsAnswerAsATableInMemory(seed: UInt64) throws {
        let store = TempStore()
        try makeStore(store.path, seed: seed)
        let backend = try EmbeddedBackend(path: store.path, memoryBudget: 1 << 34)
        let reader = try StoreReader(path: store.path)
        let times = try reader.load(dataset: "d").table.timestamps.sorted()
        let scopes = [
            Scope(),
            Scope(from: times[times.count / 3] + 1, to: times[times.count * 2 / 3] - 1),
            Scope(from: times[50], filters: [try Filter.parse("plan != free")]),
            Scope(to: times[times.count - 400]),
        ]
        let selections = ["duration_ms >= 3000", "duration_ms < 3000", "duration_ms > 1000000", "host = h3", "feature exists"]
        var found = 0
        for scope in scopes {
            let table = try reader.load(dataset: "d", window: TimeWindow(scope)).table
            for text in selections {
                let selection = [try Filter.parse(text)]
                let want = BubbleUp.run(table, scope: scope, selection: selection)
                let got = try backend.bubbleUp(dataset: "d", scope: scope, selection: selection, options: BubbleUpOptions())
                #expect(got.notes.isEmpty)
                #expect(got.value.json() == want.json(), "\(text), scope \(scope)")
                #expect(got.value.table(width: 120) == want.table(width: 120))
                found += want.combinations.count
            }
            let good = [try Filter.parse("status < 500")]
            let prepared = BubbleUp.prepare(table, scope: scope)
            let bad = prepared.scopeRows.subtracting(prepared.scopeRows.filtered(by: good, in: table))
            let want = prepared.run(selectionRows: bad, selectedFields: ["status"])
            let got = try backend.bubbleUp(dataset: "d", scope: scope, failing: good, options: BubbleUpOptions())
            #expect(got.value.json() == want.json(), "failing, scope \(scope)")
        }
        #expect(found > 0, "no selection found a combination: pass 2 went untested")
    }

    /// A stored column whose codes point past its field's values (a damaged store) is an
    /// error that says so, never a crash or a wrong count.
    @Test func codesBeyondTheValuesAreAnErrorNotACrash() throws {
        let store = TempStore()
        try makeStore(store.path, seed: 5)
        let db = try Database(path: store.path, create: false)
        // Code 255 for host, which has 7 values, in every event of the first chunk.
        let host = "(SELECT field_id FROM fields WHERE name = 'host')"
        var width = 0, length = 0, chunk: Int64 = 0
        try db.prepare("SELECT width, length(codes), chunk_id FROM chunk_columns WHERE field_id = \(host) ORDER BY chunk_id LIMIT 1").rows { r in
            width = Int(r.int(0))
            length = Int(r.int(1))
            chunk = r.int(2)
        }
        #expect(width == 1)
        try db.prepare("UPDATE chunk_columns SET codes = ? WHERE field_id = \(host) AND chunk_id = ?")
            .run(.blob([UInt8](repeating: 255, count: length)), .int(chunk))
        let backend = try EmbeddedBackend(path: store.path)
        #expect {
            _ = try backend.bubbleUp(dataset: "d", scope: Scope(), selection: [try Filter.parse("duration_ms >= 3000")], options: BubbleUpOptions())
        } throws: { error in
            (error as? StoreError)?.code == .corrupt && "\(error)".contains("d")
        }
    }

    /// SLO counts over a period bigger than the budget add up batch by batch.
    @Test func streamedGoodCountsAnswerAsInMemory() throws {
        let store = TempStore()
        try makeStore(store.path, seed: 4)
        let roomy = try EmbeddedBackend(path: store.path, memoryBudget: 1 << 34)
        let tight = try EmbeddedBackend(path: store.path, memoryBudget: 1)
        let times = try roomy.load(dataset: "d", scope: Scope()).table.timestamps.sorted()
        let windows = [TimeWindow.all, TimeWindow(from: times[500], to: times[times.count - 500]), TimeWindow(from: times[0] - 1_000, to: times[40]),
                       TimeWindow(from: times[times.count / 2], to: nil)]
        let eligible = [try Filter.parse("plan != free")], good = [try Filter.parse("status < 500"), try Filter.parse("duration_ms < 5000")]
        let memory = try roomy.goodCounts(dataset: "d", eligible: eligible, good: good, windows: windows)
        let streamed = try tight.goodCounts(dataset: "d", eligible: eligible, good: good, windows: windows)
        #expect(streamed == memory)
        #expect(memory[0].bad > 0 && memory[0].good > 0)
    }

    /// Counting large dictionaries in hash tables gives the same counts; a field with more
    /// distinct values than the cap is listed as ID-like without being counted.
    @Test func sparseCountingAndTheDistinctCap() throws {
        let store = TempStore()
        try makeStore(store.path, seed: 7)
        let reader = try StoreReader(path: store.path)
        let whole = try reader.load(dataset: "d").table
        let selection = [try Filter.parse("duration_ms >= 3000")]
        let expected = BubbleUp.run(whole, selection: selection)
        let plan = try reader.chunkPlan(dataset: "d", window: .all)
        #expect(plan.count >= 10)
        func run(maxDistinct: Int, denseLimit: Int) throws -> BubbleUpAccumulator {
            var acc = BubbleUpAccumulator(selectedFields: ["duration_ms"], maxDistinct: maxDistinct, denseLimit: denseLimit)
            // Batches of three chunks each, both passes on one snapshot.
            let batches = stride(from: 0, to: plan.count, by: 3).map { plan[$0].id...plan[min($0 + 2, plan.count - 1)].id }
            try reader.snapshot {
                for b in batches {
                    let part = try reader.load(dataset: "d", chunks: b).table
                    let rows = RowSet.all(part.count)
                    acc.count(part, scopeRows: rows, selected: rows.filtered(by: selection, in: part))
                }
                acc.finishCounting()
                for b in batches {
                    let part = try reader.load(dataset: "d", chunks: b, fields: acc.combinationFields + ["duration_ms"]).table
                    let rows = RowSet.all(part.count)
                    acc.countCombinations(part, scopeRows: rows, selected: rows.filtered(by: selection, in: part))
                }
            }
            return acc
        }
        let sparse = try run(maxDistinct: 1 << 20, denseLimit: 4)
        #expect(sparse.cappedFields.isEmpty)
        #expect(sparse.result().json() == expected.json())

        let capped = try run(maxDistinct: 500, denseLimit: 4)
        #expect(capped.cappedFields.contains("request.id"))
        #expect(!capped.cappedFields.contains("host"))
        let result = capped.result()
        #expect(Set(capped.cappedFields).isSubset(of: Set(result.idLike)))
        // Every other field is counted exactly as before.
        let others = expected.dimensions.filter { !capped.cappedFields.contains($0.field) }
        #expect(result.dimensions.map(\.field) == others.map(\.field))
        #expect(result.dimensions.map(\.score) == others.map(\.score))
        #expect(result.selectionCount == expected.selectionCount)
    }
}

/// Dictionary kinds are tallied eight bytes at a time, as one at a time would.
@Suite struct KindTallyTests {
    @Test(arguments: [UInt64(1), 2, 3, 4])
    func tallyMatchesCountingEachByte(seed: UInt64) {
        var rng = SplitMix(seed)
        for length in [0, 1, 7, 8, 9, 63, 64, 1_000, 2_040, 2_041, 9_999] {
            var bytes = (0..<length).map { _ in UInt8(rng.next() % 4 + 1) }
            let valid = bytes.withUnsafeBytes { StoreReader.tallyKinds($0) }
            #expect(valid == [0] + (1...4).map { k in bytes.filter { $0 == k }.count })
            guard length > 0 else { continue }
            // One byte that is not a kind, anywhere, spoils the segment.
            for bad: UInt8 in [0, 5, 6, 7, 8, 0x84, 255] {
                let at = Int(rng.next() % UInt64(length))
                let kept = bytes[at]
                bytes[at] = bad
                #expect(bytes.withUnsafeBytes { StoreReader.tallyKinds($0) } == nil, "byte \(bad) at \(at) of \(length)")
                bytes[at] = kept
            }
        }
    }
}
