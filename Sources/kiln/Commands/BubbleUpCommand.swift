import ArgumentParser
import KilnCore
import KilnStore

struct BubbleUpCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bubbleup",
        abstract: "Explain a selection: which fields and values differ from the baseline.",
        discussion: """
        The selection is the events in scope matching every --select; the baseline is the rest \
        of the scope. For every field Kiln compares the distribution of its values in both, ranks \
        fields by the largest difference of proportions (with a G-test p-value and a minimum \
        support), sets near-unique fields apart as ID-like, and lists the combinations of two or \
        three values that best explain the selection (coverage and risk ratio).

        JSON: {"selection":{"count":N},"baseline":{"count":N},"dimensions":[{"field","kind","score",\
        "p_value","values":[{"value","selection","baseline","selection_pct","baseline_pct"}]}],\
        "id_like":[...],"combinations":[{"fields":{...},"selection","baseline","selection_pct",\
        "baseline_pct","risk_ratio"}]}

        Examples:
          kiln bubbleup --dataset shop --select 'duration_ms >= 1000'
          kiln bubbleup --dataset shop --since 1h --select 'error = true' --format json
          kiln bubbleup --dataset shop --select 'timestamp >= 2026-11-27T06:00:00Z' --select 'duration_ms >= 500' --top 5
        """
    )

    @OptionGroup var store: StoreOptions
    @OptionGroup var scope: ScopeOptions
    @Option(name: .customLong("select"), help: ArgumentHelp("A filter picking the selection; several combine with AND.", valueName: "expr"))
    var selection: [String] = []
    @Option(help: "Fields to show in the table (JSON always has all).") var top: Int = 10
    @Option(help: "Output format.") var format: ListFormat = .table

    func validate() throws {
        guard !selection.isEmpty else { throw ValidationError("give the selection with at least one --select EXPR") }
        guard top > 0 else { throw ValidationError("--top must be 1 or more") }
    }

    func run() throws {
        let scopeValue = try scope.scope(now: Clock.nowNanos(), command: "bubbleup")
        let select: [Filter]
        do {
            select = try Filter.parseAll(selection)
        } catch {
            printError("kiln bubbleup: --select: \(error)")
            throw ExitCode(64)
        }
        let backend = try store.backend(command: "bubbleup")
        try FieldCheck.require(FieldCheck.uses(scopeValue.filters, flag: "--where") + FieldCheck.uses(select, flag: "--select"),
                               dataset: scope.dataset, backend: backend, command: "bubbleup")
        let answer: Answer<BubbleUpResult>
        do {
            answer = try backend.bubbleUp(dataset: scope.dataset, scope: scopeValue, selection: select, options: BubbleUpOptions())
        } catch {
            printError("kiln bubbleup: \(error)")
            throw ExitCode(2)
        }
        let result = answer.value
        switch format {
        case .json:
            print(result.json())
        case .table:
            var shown = result
            shown.dimensions = Array(result.dimensions.prefix(top))
            print(Sanitize.block(shown.table(width: TerminalWidth.columns)), terminator: "")
            if !answer.notes.isEmpty { print("(\(answer.notes.text))") }
        }
    }
}
