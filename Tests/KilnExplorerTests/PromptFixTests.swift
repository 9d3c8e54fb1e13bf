import KilnCore
@testable import KilnExplorer
import KilnTerminal
import Testing

/// The `:` prompt as a new user met it: errors kept for editing but a new `:` starts afresh,
/// misspelt fields named, the caret under the real problem, `select`, and one filter cleared.
@Suite struct PromptFixTests {
    @Test func aNewColonStartsAfreshAfterAnError() throws {
        var (state, model) = Shop.start()
        state.command("where servce.name = cart", model)
        let failed = try #require(state.prompt)
        #expect(failed.text == "where servce.name = cart", "the failed text stays for editing")
        #expect(failed.error == "no field servce.name (did you mean service.name?) (Tab completes field names)")
        #expect(failed.errorColumn == "where ".count)
        // Typing a new command with `:` while the error shows: not appended to the failed one.
        state.command("where service.name = cart", model)
        #expect(state.prompt == nil)
        #expect(state.query.filters == [Filter("service.name", .equal, .string("cart"))])
    }

    @Test func editingTheFailedTextStillWorks() {
        var (state, model) = Shop.start()
        state.command("where servce.name = cart", model)
        state.press([.home] + Array(repeating: Key.right, count: "where serv".count) + [.char("i")] + [.enter], model)
        #expect(state.prompt == nil)
        #expect(state.query.filters == [Filter("service.name", .equal, .string("cart"))])
    }

    @Test func caretUnderAnUnknownOperator() throws {
        var (state, model) = Shop.start()
        state.command("where http.status_code => 404", model)
        let p = try #require(state.prompt)
        #expect(p.error?.hasPrefix("unknown operator \"=>\"") == true, "\(p.error ?? "")")
        #expect(p.errorColumn == "where http.status_code ".count)
    }

    @Test func unknownFieldsInFieldAndGroupNameTheClosest() {
        var (state, model) = Shop.start()
        state.command("field duraton_ms", model)
        #expect(state.prompt?.error?.hasPrefix("no field duraton_ms (did you mean duration_ms?)") == true)
        state.press([.escape], model)
        state.command("group customer.paln", model)
        #expect(state.prompt?.error?.hasPrefix("no field customer.paln (did you mean customer.plan?)") == true)
    }

    @Test func selectOpensTheBubbleUpOfTheSelectionAndQGoesBack() throws {
        var (state, model) = Shop.start()
        state.command("select duration_ms >= 1000", model)
        guard case .bubbleUp(let b) = state.top else {
            Issue.record("expected BubbleUp, got \(state.top)")
            return
        }
        #expect(b.selection == EventSelection([Filter("duration_ms", .greaterOrEqual, .int(1000))]))
        #expect(b.result.dimensions.first.map { ["service.version", "customer.plan", "http.route", "name"].contains($0.field) } == true)
        state.press([.char("q")], model)
        guard case .heatmap = state.top else {
            Issue.record("q should come back to the heatmap")
            return
        }
        #expect(!state.quitting)
    }

    @Test func clearOneFilterByNumberOrField() throws {
        var (state, model) = Shop.start()
        state.command("where service.name = cart", model)
        state.command("where customer.plan = pro", model)
        state.command("where http.status_code = 200", model)
        state.command("clear 2", model)
        #expect(state.query.filters.map(\.field) == ["service.name", "http.status_code"])
        state.command("clear service.name", model)
        #expect(state.query.filters.map(\.field) == ["http.status_code"])
        state.command("clear 5", model)
        #expect(state.prompt?.error == "clear N takes 1 to 1")
        state.press([.escape], model)
        state.command("clear customer.plan", model)
        #expect(state.prompt?.error?.hasPrefix("no filter on customer.plan (filters are on http.status_code)") == true)
        state.press([.escape], model)
        state.command("clear", model)
        #expect(state.query.filters.isEmpty)
    }
}
