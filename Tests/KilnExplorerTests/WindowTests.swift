import KilnCore
import KilnStore
@testable import KilnExplorer
import KilnTerminal
import Testing

/// The explorer holds one time window of the dataset: which one it opens on, and when a new
/// range needs another.
@Suite struct ExplorerWindowTests {
    static let hour: Int64 = 3_600_000_000_000
    static let now: Int64 = 1_800_000_000_000_000_000

    func info(events: Int64, span: Int64, endingAgo ago: Int64) -> DatasetInfo {
        DatasetInfo(name: "d", events: events, minTime: Self.now - ago - span, maxTime: Self.now - ago, bytes: 0, fieldCount: 3)
    }

    @Test func opensOnTheLastTwoHoursWhileDataArrives() {
        let arriving = info(events: 10, span: 100 * Self.hour, endingAgo: 1_000_000_000)
        #expect(Explorer.openingRange(arriving, requested: nil, now: Self.now, lastWrite: Self.now - 2_000_000_000) == .last(2 * Self.hour))
    }

    @Test func aLargeStillDatasetOpensOnTheLastTwoHoursOfItsData() {
        let week = info(events: 6_000_000, span: 168 * Self.hour, endingAgo: 48 * Self.hour)
        let newest = Self.now - 48 * Self.hour
        #expect(Explorer.openingRange(week, requested: nil, now: Self.now, lastWrite: nil) == .between(newest - 2 * Self.hour + 1, newest + 1))
        // Written a minute ago, but its newest event is two days old: not arriving.
        #expect(Explorer.openingRange(week, requested: nil, now: Self.now, lastWrite: Self.now - 1_000_000_000) == .between(newest - 2 * Self.hour + 1, newest + 1))
    }

    @Test func aSmallOrShortDatasetOpensOnAllOfIt() {
        #expect(Explorer.openingRange(info(events: 50_000, span: 168 * Self.hour, endingAgo: Self.hour), requested: nil, now: Self.now, lastWrite: nil) == .all)
        #expect(Explorer.openingRange(info(events: 5_000_000, span: Self.hour, endingAgo: Self.hour), requested: nil, now: Self.now, lastWrite: nil) == .all)
    }

    @Test func theRangeAskedForWins() {
        let week = info(events: 6_000_000, span: 168 * Self.hour, endingAgo: 0)
        #expect(Explorer.openingRange(week, requested: .all, now: Self.now, lastWrite: nil) == .all)
        #expect(Explorer.openingRange(week, requested: .last(Self.hour), now: Self.now, lastWrite: nil) == .last(Self.hour))
    }

    @Test func aFollowedRangeLoadsAMarginBeforeItAndNoEnd() {
        let w = Explorer.loadWindow(for: .last(8 * Self.hour), now: Self.now)
        #expect(w.to == nil)
        #expect(w.from! < Self.now - 8 * Self.hour - Self.hour)
        #expect(Explorer.loadWindow(for: .between(5, 9), now: Self.now) == TimeWindow(from: 5, to: 9))
        #expect(Explorer.loadWindow(for: .all, now: Self.now) == .all)
    }

    @Test func widerRangesLoadMoreAndMuchNarrowerOnesLoadLess() {
        var (state, model) = Shop.start()
        // As if the model held the dataset's last 30 minutes.
        state.loadedWindow = TimeWindow(from: Shop.start + 30 * Shop.minute)
        state.query.range = .last(20 * Shop.minute)
        state.now = Shop.end
        #expect(Explorer.windowToLoad(state, model: model) == nil, "inside the loaded window")
        state.query.range = .all
        #expect(Explorer.windowToLoad(state, model: model) == .all, "wider: load all")
        state.loadedWindow = .all
        state.query.range = .between(Shop.start, Shop.start + 5 * Shop.minute)
        #expect(Explorer.windowToLoad(state, model: model) == TimeWindow(from: Shop.start, to: Shop.start + 5 * Shop.minute),
                "a twelfth of the data: give memory back")
        state.query.range = .between(Shop.start, Shop.start + 40 * Shop.minute)
        #expect(Explorer.windowToLoad(state, model: model) == nil, "two thirds of the data: keep it")
    }

    @Test func inMemoryTablesNeverAskToLoad() {
        var (state, model) = Shop.start()
        let effects = state.press([.char(":")] + "since 5m".map { Key.char($0) } + [.enter], model)
        #expect(!effects.contains { if case .loadWindow = $0 { return true } else { return false } })
        #expect(state.loading == nil)
    }
}
