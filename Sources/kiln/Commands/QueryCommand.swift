import ArgumentParser
import KilnCore
import KilnStore

enum QueryFormat: String, ExpressibleByArgument, CaseIterable { case table, json, csv }

struct QueryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query",
        abstract: "Aggregate raw events at read time, or list them.",
        discussion: """
        Calculations: COUNT, COUNT_DISTINCT(f), SUM(f), AVG(f), MIN(f), MAX(f), P50(f), P75(f), \
        P90(f), P95(f), P99(f), P999(f), HEATMAP(f). An event with sample rate N counts as N \
        events in COUNT, SUM, AVG and the percentiles. With no --calc and no --group-by, lists \
        raw events, newest first.

        JSON: {"rows":[{"<group field>": value, ..., "COUNT": 123, "P99(duration_ms)": 812.5}, ...]} \
        plus "series" when --granularity is given.

        Examples:
          kiln query --dataset shop --calc COUNT --calc 'P99(duration_ms)' --group-by service.name
          kiln query --dataset shop --where 'http.status_code >= 500' --group-by http.route --order-by 'COUNT desc' --limit 10
          kiln query --dataset shop --since 1h --calc COUNT --granularity 1m --format json
          kiln query --dataset shop --where 'trace.trace_id = 4bf92f3577b34da6a3ce929d0e0e4736' --limit 50
        """
    )

    @OptionGroup var store: StoreOptions
    @OptionGroup var scope: ScopeOptions
    @Option(name: .customLong("calc"), help: ArgumentHelp("A calculation, e.g. COUNT or P99(duration_ms).", valueName: "calc"))
    var calculations: [String] = []
    @Option(name: .customLong("group-by"), help: ArgumentHelp("A field to group by.", valueName: "field"))
    var groupBy: [String] = []
    @Option(name: .customLong("order-by"), help: ArgumentHelp("Sort rows by a calculation or group field, e.g. 'P99(duration_ms) desc'.", valueName: "order"))
    var orderBy: [String] = []
    @Option(help: "At most this many rows (raw events: default 20).") var limit: Int?
    @Option(help: ArgumentHelp("Time bucket for a series, e.g. 1m.", valueName: "duration")) var granularity: String?
    @Option(help: "Output format.") var format: QueryFormat = .table

    func validate() throws {
        if let granularity, DurationText.parse(granularity) == nil { throw ValidationError("--granularity: \"\(granularity)\" is not a duration like 1m") }
        if let limit, limit < 0 { throw ValidationError("--limit must be 0 or more") }
    }

    func run() throws {
        let scopeValue = try scope.scope(now: Clock.nowNanos(), command: "query")
        let calcs: [Calculation]
        let orders: [QueryOrder]
        do {
            calcs = try calculations.map { text throws(AnalysisError) in try Calculation.parse(text) }
            orders = try orderBy.map { text throws(AnalysisError) in try QueryOrder.parse(text) }
        } catch {
            printError("kiln query: \(error)")
            throw ExitCode(64)
        }
        let backend = try store.backend(command: "query")
        try FieldCheck.require(FieldCheck.uses(scopeValue.filters, flag: "--where")
                               + calcs.compactMap { c in c.field.map { FieldCheck.Use(flag: "--calc", field: $0) } }
                               + groupBy.map { FieldCheck.Use(flag: "--group-by", field: $0) },
                               dataset: scope.dataset, backend: backend, command: "query")
        if calcs.isEmpty && groupBy.isEmpty {
            do {
                printEvents(try backend.events(dataset: scope.dataset, scope: scopeValue, limit: limit ?? 20))
            } catch {
                printError("kiln query: \(error)")
                throw ExitCode(2)
            }
            return
        }
        let query = Query(scope: scopeValue, calculations: calcs.isEmpty ? [.count] : calcs, groupBy: groupBy, orderBy: orders,
                          limit: limit, granularity: granularity.flatMap(DurationText.parse))
        let answer: Answer<QueryResult>
        do {
            answer = try backend.query(query, dataset: scope.dataset)
        } catch let error as AnalysisError {
            printError("kiln query: \(error)")
            throw ExitCode(64)
        } catch {
            printError("kiln query: \(error)")
            throw ExitCode(2)
        }
        let result = answer.value
        switch format {
        case .json: print(result.json())
        case .csv: print(result.csv(), terminator: "")
        case .table:
            print(Sanitize.block(result.table(width: TerminalWidth.columns)), terminator: "")
            if result.weighted { print("(counts weighted by sample rate)") }
            if !answer.notes.isEmpty { print("(\(answer.notes.text))") }
        }
    }

    private func printEvents(_ events: [Event]) {
        switch format {
        case .json:
            var out: [UInt8] = Array(#"{"events":["#.utf8)
            for (i, event) in events.enumerated() {
                if i > 0 { out.append(0x2C) }
                JSONText.appendEventLine(event, to: &out)
                out.removeLast()
            }
            out.append(contentsOf: "]}".utf8)
            print(String(decoding: out, as: UTF8.self))
        case .csv:
            print(Sanitize.block(EventListText.csv(events).replacingOccurrences(of: "\r\n", with: "\n")), terminator: "")
        case .table:
            if events.isEmpty {
                print("no events in scope")
                return
            }
            print(Sanitize.block(EventListText.table(events, width: TerminalWidth.columns)), terminator: "")
        }
    }
}
