import KilnCore
import Testing

/// Planning the pages that read a window newest first within a budget.
@Suite struct EventTimelineTests {
    /// Buckets of 10 ns from 0: 3, 0, 5 and 2 events.
    static let timeline = EventTimeline(start: 0, step: 10, counts: [3, 0, 5, 2])

    @Test func everythingFitsInPagesNewestFirst() {
        let plan = Self.timeline.pages(of: .all, pageEvents: 4, budgetEvents: 100)
        #expect(plan.held == .all)
        #expect(plan.pages == [.init(window: TimeWindow(from: 20, to: nil), events: 7),
                               .init(window: TimeWindow(from: nil, to: 20), events: 3)])
    }

    @Test func theBudgetCutsAtABucketBoundary() {
        let plan = Self.timeline.pages(of: TimeWindow(from: -5, to: 50), pageEvents: 4, budgetEvents: 8)
        #expect(plan.held == TimeWindow(from: 10, to: 50), "the oldest bucket would pass the budget")
        #expect(plan.pages == [.init(window: TimeWindow(from: 10, to: 50), events: 7)], "the page reaches down to the cut")
    }

    @Test func theNewestBucketIsReadEvenOverBudget() {
        let plan = EventTimeline(start: 0, step: 10, counts: [5, 50]).pages(of: .all, pageEvents: 4, budgetEvents: 10)
        #expect(plan.held == TimeWindow(from: 10, to: nil))
        #expect(plan.pages == [.init(window: TimeWindow(from: 10, to: nil), events: 50)])
    }

    @Test func noEventsNoPages() {
        let plan = EventTimeline.empty.pages(of: TimeWindow(from: 1, to: 2), pageEvents: 10, budgetEvents: 10)
        #expect(plan.pages.isEmpty)
        #expect(plan.held == TimeWindow(from: 1, to: 2))
    }

    @Test(arguments: [1, 2, 5, 37, 500])
    func pagesTileTheHeldWindow(pageEvents: Int) {
        var generator = SplitMix64(seed: UInt64(pageEvents))
        for budget in [1, 10, 100, 1_000, 100_000] {
            let counts = (0..<60).map { _ in Int(generator.next() % 5 == 0 ? 0 : generator.next() % 40) }
            let timeline = EventTimeline(start: 1_000, step: 7, counts: counts)
            let window = TimeWindow(from: 900, to: nil)
            let plan = timeline.pages(of: window, pageEvents: pageEvents, budgetEvents: budget)
            // Contiguous from the window's end down to the held part's start.
            #expect(plan.pages.first?.window.to == window.to)
            #expect(plan.pages.last?.window.from == plan.held.from)
            for (a, b) in zip(plan.pages, plan.pages.dropFirst()) { #expect(a.window.from == b.window.to) }
            // Every event of the held part is in a page, and no more than the budget (but the newest bucket).
            let heldEvents = counts.enumerated().filter { i, _ in plan.held.contains(1_000 + Int64(i) * 7) }.reduce(0) { $0 + $1.1 }
            #expect(plan.pages.reduce(0) { $0 + $1.events } == heldEvents)
            let newest = counts.last { $0 > 0 } ?? 0
            #expect(heldEvents <= max(budget, newest), "budget \(budget)")
            if heldEvents < counts.reduce(0, +) { #expect(plan.held.from != window.from) }
            for page in plan.pages.dropLast() { #expect(page.events >= pageEvents) }
        }
    }
}
