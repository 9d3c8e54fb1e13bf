import Testing
@testable import KilnCore

@Suite struct BubbleUpTests {
    /// Checks every count, percentage and score of `result` against a scan of the events.
    func checkAgainstReference(_ result: BubbleUpResult, events: [Event], scope: [Int], selected: [Int], options: BubbleUpOptions = BubbleUpOptions()) {
        let selSet = Set(selected)
        let sel = selected.map { events[$0] }
        let base = scope.filter { !selSet.contains($0) }.map { events[$0] }
        let sW = sel.reduce(0) { $0 + $1.sampleRate }, bW = base.reduce(0) { $0 + $1.sampleRate }
        #expect(result.selectionCount == sW)
        #expect(result.baselineCount == bW)
        #expect(result.selectionRows == sel.count && result.baselineRows == base.count)
        #expect(result.weighted == events.contains { $0.sampleRate > 1 })
        func pct(_ x: Int64, _ total: Int64) -> Double { total > 0 ? 100 * Double(x) / Double(total) : 0 }
        func close(_ a: Double, _ b: Double) -> Bool { abs(a - b) <= 1e-9 * max(1, abs(b)) }

        let allFields = Set(events.flatMap { $0.fields.map(\.name) })
        #expect(Set(result.dimensions.map(\.field)).union(result.idLike) == allFields)
        for d in result.dimensions {
            // Weighted and raw counts per value (nil = absent) in each group, one pass each.
            var selBy: [Value?: (w: Int64, r: Int64)] = [:], baseBy: [Value?: (w: Int64, r: Int64)] = [:]
            for e in sel { let k = e[d.field]; selBy[k] = ((selBy[k]?.w ?? 0) + e.sampleRate, (selBy[k]?.r ?? 0) + 1) }
            for e in base { let k = e[d.field]; baseBy[k] = ((baseBy[k]?.w ?? 0) + e.sampleRate, (baseBy[k]?.r ?? 0) + 1) }
            let keys = Set(selBy.keys).union(baseBy.keys)
            func weight(_ group: [Value?: (w: Int64, r: Int64)], _ test: (Value?) -> Bool) -> (Int64, Int64) {
                var w: Int64 = 0, r: Int64 = 0
                for (k, c) in group where test(k) { w += c.w; r += c.r }
                return (w, r)
            }
            var shownS: Int64 = 0, shownB: Int64 = 0
            for v in d.values {
                let s: Int64, b: Int64
                switch v.bucket {
                case .value(let x):
                    s = selBy[x]?.w ?? 0
                    b = baseBy[x]?.w ?? 0
                case .range(let lo, let hi):
                    let test: (Value?) -> Bool = { ($0?.number).map { $0 >= lo && $0 < hi } ?? false }
                    s = weight(selBy, test).0
                    b = weight(baseBy, test).0
                case .other: continue
                }
                #expect(v.selection == s, "\(d.field) \(v.label)")
                #expect(v.baseline == b, "\(d.field) \(v.label)")
                #expect(close(v.selectionPercent, pct(s, sW)) && close(v.baselinePercent, pct(b, bW)))
                shownS += s
                shownB += b
            }
            if let other = d.values.last, case .other(let n) = other.bucket {
                #expect(other.selection == sW - shownS && other.baseline == bW - shownB)
                #expect(close(other.selectionPercent, pct(sW - shownS, sW)))
                let shownValues = Set(d.values.compactMap { v -> Value?? in if case .value(let x) = v.bucket { return x }; return nil })
                #expect(n == keys.filter { $0 != nil }.count - shownValues.filter { $0 != nil }.count, "\(d.field)")
            } else {
                #expect(shownS == sW && shownB == bW, "\(d.field): buckets cover every event")
            }
            // The score: the largest supported |pS - pB| over every value (or bin) and absent.
            var buckets: [(sel: (Int64, Int64), base: (Int64, Int64))] = []
            if d.kind == .numeric, let bins = d.bins {
                for i in 0..<bins.count {
                    let test: (Value?) -> Bool = { ($0?.number).map { $0 >= bins.edges[i] && $0 < bins.edges[i + 1] } ?? false }
                    buckets.append((weight(selBy, test), weight(baseBy, test)))
                }
                buckets.append(((selBy[nil]?.w ?? 0, selBy[nil]?.r ?? 0), (baseBy[nil]?.w ?? 0, baseBy[nil]?.r ?? 0)))
            } else {
                for k in keys { buckets.append(((selBy[k]?.w ?? 0, selBy[k]?.r ?? 0), (baseBy[k]?.w ?? 0, baseBy[k]?.r ?? 0))) }
            }
            var score = 0.0
            for ((s, sr), (b, br)) in buckets {
                let pS = sW > 0 ? Double(s) / Double(sW) : 0, pB = bW > 0 ? Double(b) / Double(bW) : 0
                if sW > 0, bW > 0, (pS >= pB ? sr : br) >= Int64(options.minSupport) { score = max(score, abs(pS - pB)) }
            }
            #expect(close(d.score, score), "\(d.field) score \(d.score) vs \(score)")
            // Categorical: no value left out differs more than the least one shown.
            if d.kind == .categorical, sW > 0, bW > 0 {
                func magnitude(_ k: Value?) -> Double {
                    abs(Double(selBy[k]?.w ?? 0) / Double(sW) - Double(baseBy[k]?.w ?? 0) / Double(bW))
                }
                var shown = Set<Value>()
                for v in d.values { if case .value(let x?) = v.bucket { shown.insert(x) } }
                let leastShown = shown.map { magnitude($0) }.min() ?? 0
                for case let x? in keys where !shown.contains(x) { #expect(magnitude(x) <= leastShown + 1e-12, "\(d.field)=\(x)") }
            }
        }
        // Order: not-selected-on fields first, each part by score.
        for (a, b) in zip(result.dimensions, result.dimensions.dropFirst()) {
            #expect((a.selectedOn ? 1 : 0, -a.score) <= (b.selectedOn ? 1 : 0, -b.score))
        }
        // Combinations: counts and shares.
        for c in result.combinations {
            let test: (Event) -> Bool = { e in c.fields.allSatisfy { e[$0.name] == $0.value } }
            let s = sel.filter(test).reduce(0) { $0 + $1.sampleRate }, b = base.filter(test).reduce(0) { $0 + $1.sampleRate }
            #expect(c.selection == s && c.baseline == b)
            #expect(close(c.selectionPercent, pct(s, sW)) && close(c.baselinePercent, pct(b, bW)))
            #expect(close(c.riskRatio, (Double(s) / Double(sW)) / (Double(max(b, 0)) > 0 ? Double(b) / Double(bW) : 0.5 / Double(bW))))
        }
    }

    @Test(arguments: [(false, "status = 500"), (true, "status = 500"), (false, "service != db"), (true, "service != db"),
                      (true, "duration_ms >= 64"), (false, "tenant = t3"),
                      // Time windows select consecutive rows (rows arrive in time order).
                      (true, "timestamp >= 1714566897"), (false, "timestamp < 1714566896500")])
    func countsMatchTheReference(sampled: Bool, selection: String) throws {
        let events = TestEvents.random(count: 3000, seed: sampled ? 31 : 32, sampled: sampled)
        let table = TestEvents.table(events)
        let filters = [try Filter.parse(selection)]
        let result = BubbleUp.run(table, selection: filters)
        checkAgainstReference(result, events: events, scope: Array(events.indices), selected: Reference.rows(events, filters))
        #expect(result.idLike == ["request.id"])
        #expect(result.dimensions.first { $0.field == "duration_ms" }?.kind == .numeric)
        #expect(result.dimensions.first { $0.field == "status" }?.kind == .categorical)
        // Fields few events have, of both kinds.
        #expect(result.dimensions.first { $0.field == "rare.size" }?.kind == .numeric)
        #expect(result.dimensions.first { $0.field == "rare" }?.kind == .categorical)
        if !filters[0].isTimestamp { #expect(result.dimensions.first { $0.field == filters[0].field }?.selectedOn == true) }

        // Inside a scope, with a time window.
        let scopeFilters = [try Filter.parse("region != us")]
        let from = events[200].timestamp, to = events[2500].timestamp
        let scoped = BubbleUp.run(table, scope: Scope(from: from, to: to, filters: scopeFilters), selection: filters)
        let scope = Reference.rows(events, scopeFilters, from: from, to: to)
        checkAgainstReference(scoped, events: events, scope: scope, selected: Reference.rows(events, scopeFilters + filters, from: from, to: to))
    }

    /// The narrow path (count the selection) and the wide path (count the rest) agree: a
    /// selection and its complement give mirrored counts.
    @Test func narrowAndWideSelectionsMirror() throws {
        let events = TestEvents.random(count: 2000, seed: 33, sampled: true)
        let table = TestEvents.table(events)
        let prepared = BubbleUp.prepare(table)
        let narrow = prepared.scopeRows.filtered(by: [try Filter.parse("service = api")], in: table)
        let wide = prepared.scopeRows.subtracting(narrow)
        let a = prepared.run(selectionRows: narrow), b = prepared.run(selectionRows: wide)
        #expect(a.selectionCount == b.baselineCount && a.baselineCount == b.selectionCount)
        for d in a.dimensions {
            guard let e = b.dimensions.first(where: { $0.field == d.field }) else { Issue.record("missing \(d.field)"); continue }
            #expect(abs(d.score - e.score) < 1e-12)
            for v in d.values {
                guard case .value = v.bucket, let w = e.values.first(where: { $0.bucket == v.bucket }) else { continue }
                #expect(v.selection == w.baseline && v.baseline == w.selection)
            }
        }
        checkAgainstReference(b, events: events, scope: Array(events.indices), selected: wide.rows.map(Int.init))
    }

    @Test func deterministic() throws {
        let events = TestEvents.random(count: 2500, seed: 34)
        let table = TestEvents.table(events)
        let selection = [try Filter.parse("duration_ms >= 32")]
        let first = BubbleUp.run(table, selection: selection)
        for _ in 0..<3 {
            let again = BubbleUp.prepare(table).run(selection: selection)
            #expect(again == first)
            #expect(again.json() == first.json())
        }
    }

    /// Request ids are set apart; one heavy tenant among thousands of near-unique ones ranks.
    @Test func idLikeSetApartButHeavyTenantRanks() throws {
        var rng = SplitMix64(seed: 35)
        var events: [Event] = []
        for i in 0..<20_000 {
            let error = i % 20 == 0 // 1,000 selected events
            var tenant = "tenant-\(i)"
            if error, rng.chance(0.4) { tenant = "tenant-heavy" }
            let region = error ? (rng.chance(0.6) ? "eu" : "us") : (rng.chance(0.3) ? "eu" : "us")
            events.append(Event(timestamp: Int64(i) * 1_000_000, fields: [
                Field("request.id", .string("req-\(i)")), Field("tenant", .string(tenant)), Field("region", .string(region)),
                Field("error", .bool(error)), Field("span.id", .int(Int64(i) * 7919)),
            ]))
        }
        let table = TestEvents.table(events)
        let result = BubbleUp.run(table, selection: [try Filter.parse("error = true")])
        #expect(result.idLike == ["request.id", "span.id"])
        let tenant = try #require(result.dimensions.first { $0.field == "tenant" })
        #expect(result.dimensions.first?.field == "tenant")
        #expect(abs(tenant.score - 0.4) < 0.05)
        #expect(!tenant.isNoise)
        #expect(tenant.values.first?.bucket == .value(.string("tenant-heavy")))
        let region = try #require(result.dimensions.first { $0.field == "region" })
        #expect(region.score > 0.2 && region.score < tenant.score)
        #expect(result.dimensions.last?.field == "error") // the selection's own field comes last
        checkAgainstReference(result, events: events, scope: Array(events.indices), selected: events.indices.filter { $0 % 20 == 0 })
    }

    /// Errors planted on android users with the new pricing flag: the pair is found first.
    @Test func plantedCombinationIsFound() throws {
        var rng = SplitMix64(seed: 36)
        var events: [Event] = []
        for i in 0..<30_000 {
            let platform = rng.pick(["android", "ios", "web"])
            let pricing = rng.chance(0.5)
            let region = rng.pick(["eu", "us", "ap"])
            let planted = platform == "android" && pricing
            let error = planted ? rng.chance(0.5) : rng.chance(0.01)
            var fields = [Field("client.platform", .string(platform)), Field("flags.new_pricing", .bool(pricing)),
                          Field("region", .string(region)), Field("error", .bool(error)),
                          Field("duration_ms", .float(Double.random(in: 1..<500, using: &rng)))]
            if rng.chance(0.5) { fields.append(Field("build", .string(rng.pick(["a", "b"])))) }
            events.append(Event(timestamp: Int64(i) * 1_000_000, sampleRate: rng.chance(0.2) ? 4 : 1, fields: fields))
        }
        let table = TestEvents.table(events)
        let result = BubbleUp.run(table, selection: [try Filter.parse("error = true")])
        let top = try #require(result.combinations.first)
        #expect(top.fields.map(\.name) == ["client.platform", "flags.new_pricing"])
        #expect(top.fields.map(\.value) == [.string("android"), .bool(true)])
        #expect(top.selectionPercent > 75 && top.baselinePercent < 15 && top.riskRatio > 5)
        #expect(!result.combinations.contains { $0.fields.contains { $0.name == "error" } })
        checkAgainstReference(result, events: events, scope: Array(events.indices), selected: events.indices.filter { events[$0]["error"] == .bool(true) })
        #expect(result.json().contains("{\"fields\":{\"client.platform\":\"android\",\"flags.new_pricing\":true},"))
    }

    @Test func emptyAndFullSelections() throws {
        let events = TestEvents.random(count: 500, seed: 37)
        let table = TestEvents.table(events)
        let none = BubbleUp.run(table, selection: [try Filter.parse("service = nothing")])
        #expect(none.selectionCount == 0 && none.baselineCount == 500)
        #expect(none.dimensions.allSatisfy { $0.score == 0 && $0.isNoise } && none.combinations.isEmpty)
        let all = BubbleUp.run(table, selection: [])
        #expect(all.selectionCount == 500 && all.baselineCount == 0)
        #expect(all.dimensions.allSatisfy { $0.score == 0 } && all.combinations.isEmpty)
        checkAgainstReference(all, events: events, scope: Array(events.indices), selected: Array(events.indices))
        let emptyTable = BubbleUp.run(TestEvents.table([]), selection: [])
        #expect(emptyTable.dimensions.isEmpty && emptyTable.json() == "{\"selection\":{\"count\":0},\"baseline\":{\"count\":0},\"dimensions\":[],\"id_like\":[],\"combinations\":[]}")
    }

    @Test func jsonShape() throws {
        var events: [Event] = []
        for i in 0..<40 {
            var fields = [Field("db.replica", .string(i < 10 ? "pg-r6" : (i % 2 == 0 ? "pg-r1" : "pg-r2"))), Field("slow", .bool(i < 10))]
            if i % 4 != 0 { fields.append(Field("code", .int(Int64(i % 3)))) }
            events.append(Event(timestamp: Int64(i), fields: fields))
        }
        let result = BubbleUp.run(TestEvents.table(events), selection: [try Filter.parse("slow = true")])
        let json = result.json()
        #expect(json.hasPrefix("{\"selection\":{\"count\":10},\"baseline\":{\"count\":30},\"dimensions\":[{\"field\":\"db.replica\",\"kind\":\"categorical\",\"score\":1.0,\"p_value\":"))
        #expect(json.contains("\"values\":[{\"value\":\"pg-r6\",\"selection\":10,\"baseline\":0,\"selection_pct\":100.0,\"baseline_pct\":0.0},"))
        #expect(json.contains("{\"value\":null,\"selection\":3,\"baseline\":7,\"selection_pct\":30.0,\"baseline_pct\":23.33}"))
        #expect(json.contains("\"id_like\":[]"))
        #expect(!json.contains("\"weighted\""))
        let small = BubbleUpOptions()
        var few = small
        few.topValues = 1
        let other = BubbleUp.run(TestEvents.table(events), selection: [try Filter.parse("slow = true")], options: few).json()
        #expect(other.contains("{\"value\":\"other (2 values)\",\"other\":2,\"selection\":0,\"baseline\":30,\"selection_pct\":0.0,\"baseline_pct\":100.0}"))
    }

    @Test func numericFieldsGetSharedLogBins() throws {
        let events = TestEvents.random(count: 3000, seed: 38, sampled: true)
        let result = BubbleUp.run(TestEvents.table(events), selection: [try Filter.parse("duration_ms >= 64")])
        let d = try #require(result.dimensions.first { $0.field == "duration_ms" })
        let bins = try #require(d.bins)
        #expect(bins.scale == .log && bins.count <= BubbleUpOptions().maxBins)
        #expect(d.values.allSatisfy { v in
            if case .range = v.bucket { return v.label.contains("..") }
            return v.bucket == .value(nil)
        })
        #expect(result.json().contains("\"kind\":\"numeric\""))
        #expect(result.json().contains("\"weighted\":true"))
        // Its filters select exactly the bin.
        let table = TestEvents.table(events)
        for v in d.values {
            let rows = Scope(filters: v.filters(field: "duration_ms")).rows(in: table)
            #expect(rows.rows.reduce(Int64(0)) { $0 + events[Int($1)].sampleRate } == v.selection + v.baseline)
        }
    }

    @Test func tableFitsTheWidth() throws {
        let events = TestEvents.random(count: 3000, seed: 39)
        let result = BubbleUp.run(TestEvents.table(events), selection: [try Filter.parse("status = 500")])
        for width in [40, 80, 132] {
            let text = result.table(width: width)
            for line in text.split(separator: "\n") { #expect(line.count <= width, "\(line)") }
            #expect(text.contains("request.id"))
        }
        #expect(result.table(width: 80, ascii: true).unicodeScalars.allSatisfy { $0.isASCII })
    }

    /// An empty side has nothing to compare: the table says so in a line instead of a page of
    /// 0% bars (the JSON keeps every field).
    @Test func anEmptySideIsSaidNotDrawn() throws {
        let table = TestEvents.table(TestEvents.random(count: 500, seed: 7))
        let none = BubbleUp.run(table, selection: [try Filter.parse("status = 999")])
        #expect(none.table(width: 80) == "selection 0 events, baseline 500 events\nno event in scope matches the selection; nothing to compare\n")
        #expect(!none.dimensions.isEmpty, "the JSON still lists the fields")
        let all = BubbleUp.run(table, selection: [try Filter.parse("timestamp >= 0")])
        #expect(all.table(width: 80).hasSuffix("every event in scope is selected: no baseline; nothing to compare\n"))
    }

    @Test func statistics() {
        // Chi-square critical values: p = 0.05 at 3.841 (1 df) and 5.991 (2 df), 0.001 at 10.828 (1 df).
        #expect(abs(StatMath.chiSquareSurvival(3.841, degreesOfFreedom: 1) - 0.05) < 1e-3)
        #expect(abs(StatMath.chiSquareSurvival(5.991, degreesOfFreedom: 2) - 0.05) < 1e-3)
        #expect(abs(StatMath.chiSquareSurvival(10.828, degreesOfFreedom: 1) - 0.001) < 1e-4)
        #expect(abs(StatMath.chiSquareSurvival(0.5, degreesOfFreedom: 10) - 0.99999) < 1e-4)
        #expect(StatMath.gTestP([50, 50], [50, 50]) == 1)
        // G for [[10, 30], [20, 40]] = 2 Σ O ln(O/E) = 0.804349 (expected counts 12, 28, 18, 42).
        let (g, df) = StatMath.gStatistic([10, 30], [20, 40])
        #expect(df == 1 && abs(g - 0.804349) < 1e-5)
        #expect(StatMath.gTestP([1000, 0], [0, 1000]) == StatMath.minimumP)
        #expect(NumberText.significant(StatMath.minimumP, digits: 3) == "1e-300")
        #expect(NumberText.significant(2.346e-12, digits: 3) == "2.35e-12")
        #expect(NumberText.significant(0.000123456, digits: 3) == "0.000123")
        #expect(NumberText.significant(0.8024, digits: 3) == "0.802")
        #expect(NumberText.significant(1, digits: 3) == "1.0")
    }
}
