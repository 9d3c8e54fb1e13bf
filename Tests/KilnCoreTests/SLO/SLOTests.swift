import Testing
@testable import KilnCore

/// SLO maths: counts and burn rates against a direct computation over the events, the
/// workbook's alerts at their edges, weighting, exhaustion.
struct SLOTests {
    static let minute: Int64 = 60_000_000_000
    static let start: Int64 = 1_764_547_200_000_000_000 // 2025-12-01T00:00:00Z
    static let days: Int64 = 4

    /// Four days of requests every 10 s with sample rates 1 to 10, health checks that are not
    /// eligible, and an incident in the last 40 minutes where 30% of requests fail.
    static let events: [Event] = {
        var rng = SplitMix64(seed: 11)
        var out: [Event] = []
        let step: Int64 = 10_000_000_000
        let end = start + days * 1440 * minute
        var t = start
        while t < end {
            let incident = t >= end - 40 * minute
            let route = rng.chance(0.1) ? "/health" : rng.pick(["/api/cart", "/api/checkout", "/api/search"])
            let status: Int64 = (incident && rng.chance(0.3)) || rng.chance(0.002) ? 503 : rng.pick([200, 200, 201, 404])
            let fields = [Field("http.route", .string(route)), Field("http.status_code", .int(status)),
                          Field("duration_ms", .float(Double(Int.random(in: 1...900, using: &rng))))]
            out.append(Event(timestamp: t + Int64.random(in: 0..<step, using: &rng), sampleRate: rng.pick([1, 1, 2, 5, 10]), fields: fields))
            t += step
        }
        return out
    }()

    static let slo = SLODefinition(name: "api", dataset: "shop", eligible: [try! Filter.parse("http.route starts-with /api")],
                                   good: [try! Filter.parse("http.status_code < 500")], target: SLODecimal("99.9")!)

    /// The weighted counts in (at − length, at], straight from the events.
    static func direct(_ events: [Event], _ slo: SLODefinition, length: Int64, at: Int64) -> GoodCount {
        var eligible: Int64 = 0, good: Int64 = 0
        for e in events where e.timestamp > at - length && e.timestamp <= at {
            guard slo.eligible.allSatisfy({ Reference.matches($0, e) }) else { continue }
            eligible += e.sampleRate
            if slo.good.allSatisfy({ Reference.matches($0, e) }) { good += e.sampleRate }
        }
        return GoodCount(eligible: eligible, good: good)
    }

    static func status(at: Int64, events: [Event] = events, slo: SLODefinition = slo) -> SLOStatus {
        let counts = GoodCount.count(TestEvents.table(events), eligible: slo.eligible, good: slo.good,
                                     windows: SLOStatus.windows(for: slo, at: at))
        return SLOStatus(definition: slo, at: at, counts: counts)
    }

    @Test(arguments: [0, 30, 200, 24 * 60 * 4 - 1])
    func countsAndBurnRatesMatchADirectComputation(minutesBeforeEnd: Int) {
        let at = Self.start + Self.days * 1440 * Self.minute - Int64(minutesBeforeEnd) * Self.minute
        let status = Self.status(at: at)
        #expect(status.period == Self.direct(Self.events, Self.slo, length: Self.slo.period, at: at))
        for window in SLOWindow.allCases {
            let direct = Self.direct(Self.events, Self.slo, length: window.length, at: at)
            #expect(status.windowCounts[window] == direct, "\(window.rawValue)")
            let expected = direct.eligible == 0 ? 0 : (Double(direct.bad) / Double(direct.eligible)) / 0.001
            #expect(abs(status.burnRate(window) - expected) <= 1e-9 * max(1, expected), "\(window.rawValue)")
        }
    }

    @Test func theIncidentPagesAndQuietTimesDoNot() {
        let end = Self.start + Self.days * 1440 * Self.minute
        let during = Self.status(at: end)
        #expect(during.burnRate(.fiveMinutes) > 100, "30% errors against a 0.1% budget burn about 300×")
        #expect(during.alerts.first { $0.rule.longWindow == .oneHour }?.firing == true)
        #expect(during.isFiring)
        let before = Self.status(at: end - 60 * Self.minute)
        #expect(before.burnRate(.oneHour) < 14.4)
        #expect(!before.alerts[0].firing && !before.alerts[1].firing)
    }

    @Test func windowsThatStartBeforeTheDataCountOnlyWhatIsThere() {
        // 20 minutes into the data: the 30m, 1h, 6h, 3d windows and the period start before it.
        let at = Self.start + 20 * Self.minute
        let status = Self.status(at: at)
        let all = Self.direct(Self.events, Self.slo, length: at - Self.start + 1, at: at)
        #expect(all.eligible > 0)
        #expect(status.period == all)
        for window in [SLOWindow.thirtyMinutes, .oneHour, .sixHours, .threeDays] { #expect(status.windowCounts[window] == all) }
        // Before any data: nothing is eligible, nothing burns, nothing is undefined but the SLI.
        let empty = Self.status(at: Self.start - 1)
        #expect(empty.period == GoodCount(eligible: 0, good: 0))
        #expect(empty.sli == nil)
        #expect(empty.usedPercent == 0 && empty.remainingPercent == 100)
        #expect(SLOWindow.allCases.allSatisfy { empty.burnRate($0) == 0 })
        #expect(!empty.isFiring && empty.exhaustion == nil)
        #expect(empty.json().contains("\"sli\":null"))
    }

    @Test func eventsAtTheEndOfAWindowAreInAndAtItsStartAreOut() {
        let e = { (t: Int64, status: Int64) in Event(timestamp: t, fields: [Field("http.route", .string("/api/x")), Field("http.status_code", .int(status))]) }
        let at = Self.start + 10 * Self.minute
        let events = [e(at, 503), e(at - 5 * Self.minute, 503), e(at - 5 * Self.minute + 1, 200), e(at + 1, 503)]
        let status = Self.status(at: at, events: events)
        #expect(status.windowCounts[.fiveMinutes] == GoodCount(eligible: 2, good: 1))
        #expect(status.windowCounts[.thirtyMinutes] == GoodCount(eligible: 3, good: 1))
    }

    @Test func countsAreWeightedBySampleRate() {
        let t = Self.start
        var events = (0..<99).map { i in Event(timestamp: t + Int64(i), sampleRate: 1, fields: [Field("http.route", .string("/api/a")), Field("http.status_code", .int(200))]) }
        events.append(Event(timestamp: t + 500, sampleRate: 100, fields: [Field("http.route", .string("/api/a")), Field("http.status_code", .int(500))]))
        events.append(Event(timestamp: t + 600, sampleRate: 50, fields: [Field("http.route", .string("/health")), Field("http.status_code", .int(500))]))
        let status = Self.status(at: t + Self.minute, events: events)
        #expect(status.period == GoodCount(eligible: 199, good: 99))
        #expect(status.period.bad == 100)
        #expect(abs(status.sli! - 99.0 / 199.0 * 100) < 1e-12)
        #expect(abs(status.burnRate(.fiveMinutes) - (100.0 / 199.0) / 0.001) < 1e-9)
    }

    /// Counts per window for a 99.9% target (budget 0.1%): `bad` of 10,000 eligible events,
    /// so the burn rate is bad ÷ 10.
    static func counts(_ bad: [SLOWindow: Int64]) -> [GoodCount] {
        [GoodCount(eligible: 10_000, good: 10_000)] + SLOWindow.allCases.map { GoodCount(eligible: 10_000, good: 10_000 - (bad[$0] ?? 0)) }
    }

    /// Bad events per 10,000 at exactly each rule's threshold.
    static let atThreshold: [Int64] = [144, 60, 10]

    @Test(arguments: 0..<3)
    func alertRulesAtTheirEdges(ruleIndex: Int) {
        let rule = SLOAlertRule.workbook[ruleIndex]
        let edge = Self.atThreshold[ruleIndex]
        func firing(long: Int64, short: Int64) -> [Bool] {
            SLOStatus(definition: Self.slo, at: Self.start, counts: Self.counts([rule.longWindow: long, rule.shortWindow: short])).alerts.map(\.firing)
        }
        var only = [false, false, false]
        only[ruleIndex] = true
        #expect(firing(long: edge + 1, short: edge + 1) == only, "just above on both windows fires this rule alone")
        #expect(firing(long: edge, short: edge + 1) == [false, false, false], "at the threshold is not above it")
        #expect(firing(long: edge + 1, short: edge) == [false, false, false])
        #expect(firing(long: edge - 1, short: 10_000) == [false, false, false], "just below on the long window")
        #expect(firing(long: 10_000, short: edge - 1) == [false, false, false], "just below on the short window")
        #expect(firing(long: 10_000, short: 0) == [false, false, false], "the long window alone")
        #expect(firing(long: 0, short: 10_000) == [false, false, false], "the short window alone")
    }

    @Test func thresholdsAreComparedExactlyWhereDoublesWouldNot() {
        // 1 − 0.999 is 0.0010000000000000009 in doubles; 144 bad of 10,000 is exactly 14.4.
        let target = SLODecimal("99.9")!
        #expect(!SLODecimal("14.4")!.isExceeded(by: GoodCount(eligible: 10_000, good: 9_856), target: target))
        #expect(SLODecimal("14.4")!.isExceeded(by: GoodCount(eligible: 10_000_000, good: 9_856_000 - 1), target: target))
        #expect(!SLODecimal("1")!.isExceeded(by: GoodCount(eligible: 0, good: 0), target: target))
        // A target with more decimals: 99.95% leaves 0.05%; 3 bad of 6,000 burn exactly 1.
        #expect(!SLODecimal("1")!.isExceeded(by: GoodCount(eligible: 6_000, good: 5_997), target: SLODecimal("99.95")!))
        #expect(SLODecimal("1")!.isExceeded(by: GoodCount(eligible: 5_999, good: 5_996), target: SLODecimal("99.95")!))
    }

    @Test func exhaustionFollowsTheHourlyBurnRate() {
        var slo = Self.slo
        slo.target = SLODecimal("99")!
        // Half the budget used; the last hour burns at 2: the other half lasts 30d × 0.5 ÷ 2.
        var counts = Self.counts([:])
        counts[0] = GoodCount(eligible: 10_000, good: 9_950)
        counts[1 + SLOWindow.allCases.firstIndex(of: .oneHour)!] = GoodCount(eligible: 1_000, good: 980)
        let status = SLOStatus(definition: slo, at: Self.start, counts: counts)
        #expect(abs(status.usedPercent - 50) < 1e-9)
        #expect(abs(status.burnRate(.oneHour) - 2) < 1e-12)
        let expected = Self.start + 30 * 86_400 * 1_000_000_000 / 4
        #expect(abs(status.exhaustion! - expected) < 1_000_000)
        // Nothing burning: never; overspent: now.
        #expect(SLOStatus(definition: slo, at: Self.start, counts: [counts[0]] + Self.counts([:]).dropFirst()).exhaustion == nil)
        counts[0] = GoodCount(eligible: 10_000, good: 9_800)
        #expect(SLOStatus(definition: slo, at: Self.start, counts: counts).exhaustion == Self.start)
    }

    @Test func decimalsParseAndPrintBack() {
        #expect(SLODecimal("99.9") == SLODecimal(units: 999, scale: 10))
        #expect(SLODecimal("99.90")?.description == "99.9")
        #expect(SLODecimal("99")?.description == "99")
        #expect(SLODecimal("99.0001")?.description == "99.0001")
        for bad in ["", "abc", "-1", "1e2", "99.", ".5", "99.1234567", "1,5"] { #expect(SLODecimal(bad) == nil, "\(bad)") }
        var slo = Self.slo
        slo.target = SLODecimal("100")!
        #expect(slo.problem != nil)
        slo.target = SLODecimal("0")!
        #expect(slo.problem != nil)
    }

    @Test func jsonHasTheContractKeys() throws {
        let json = Self.status(at: Self.start + Self.days * 1440 * Self.minute).json()
        for key in ["\"name\"", "\"dataset\"", "\"target\":99.9", "\"period\":\"30d\"", "\"window\":{\"from\"", "\"eligible\"", "\"good\":", "\"bad\"",
                    "\"sli\"", "\"budget\":{\"allowed_bad\"", "\"used_pct\"", "\"remaining_pct\"", "\"burn_rates\":{\"5m\"", "\"30m\"", "\"1h\"", "\"6h\"", "\"3d\"",
                    "\"alerts\":[{\"severity\":\"page\",\"long_window\":\"1h\",\"short_window\":\"5m\",\"threshold\":14.4,\"firing\":true}", "\"exhaustion\""] {
            #expect(json.contains(key), "\(key) in \(json)")
        }
    }
}
