import KilnCore
@testable import KilnExplorer
import Testing

/// A window held event by event, and what a LIVE poll adds to it.
@Suite struct HeldWindowTests {
    static func event(_ t: Int64, _ id: String) -> Event {
        Event(timestamp: t, fields: [Field("id", .string(id)), Field("duration_ms", .float(Double(t)))])
    }

    static func ids(_ events: [Event]) -> [String] { events.map { $0.fields.first?.value.text ?? "" } }

    @Test func appendTracksTheNewestTimeAndHowManyHaveIt() {
        var held = HeldWindow(askedWindow: .all, window: .all)
        #expect(held.newest == nil)
        held.append([Self.event(10, "a"), Self.event(30, "b"), Self.event(20, "c"), Self.event(30, "d")])
        #expect(held.newest == 30 && held.atNewest == 2)
        #expect(held.table.count == 4)
        held.append([Self.event(40, "e")])
        #expect(held.newest == 40 && held.atNewest == 1)
    }

    @Test func aPollAddsOnlyWhatIsNotHeldOldestFirst() {
        var held = HeldWindow(askedWindow: .all, window: .all)
        held.append([Self.event(10, "a"), Self.event(20, "b"), Self.event(20, "c")])
        // From 20 on, newest first; of the three events at 20, the two oldest are held.
        let answer = [Self.event(35, "f"), Self.event(30, "e"), Self.event(20, "d"), Self.event(20, "c"), Self.event(20, "b")]
        #expect(Self.ids(held.unseen(answer)) == ["d", "e", "f"])
        #expect(held.unseen([Self.event(20, "c"), Self.event(20, "b")]).isEmpty, "nothing new")
        #expect(held.unseen([]).isEmpty)
    }

    @Test func anEmptyWindowTakesEverything() {
        let held = HeldWindow(askedWindow: .all, window: .all)
        #expect(Self.ids(held.unseen([Self.event(2, "b"), Self.event(1, "a")])) == ["a", "b"])
    }

    @Test func aModelOverAHeldWindowAppendsPolls() {
        var held = HeldWindow(askedWindow: TimeWindow(from: 0, to: nil), window: TimeWindow(from: 5, to: nil))
        held.append([Self.event(10, "a")])
        let model = ExplorerModel(held: held)
        #expect(model.readsWindows)
        #expect(model.heldFrom == 5, "only the newest part fit")
        #expect(model.pollFrom?.since == 10)
        #expect(model.appendPolled([Self.event(12, "b"), Self.event(10, "a")]) == 1)
        #expect(model.table.count == 2)
        #expect(model.pollFrom?.since == 12)
    }
}
