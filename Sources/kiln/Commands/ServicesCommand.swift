import ArgumentParser
import KilnCore
import KilnStore

enum ServicesFormat: String, ExpressibleByArgument, CaseIterable { case table, json }

struct ServicesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "services",
        abstract: "Per service: rate, error rate and duration percentiles, or the service map.",
        discussion: """
        Lists each service.name in scope with its spans per second, error rate, P50/P95/P99 of \
        the duration (ms) and the change of each against the previous window of the same \
        length. Everything is weighted by sample rate. An error is a span with error = true or \
        an http.status_code (or http.response.status_code) of 500 or more. The window is \
        --from/--since up to --to (or now); without them, the dataset's first to last event.

        --map lists the service map instead: for each parent span's service → child span's \
        service (joined on trace.parent_id = trace.span_id within a trace), the calls, error \
        rate, P50 and P99 of the child spans. Spans calling their own service are no edge.

        JSON: {"services":[{"name","rate","error_rate","p50","p95","p99","change":{"rate","error_rate","p50","p95","p99"}}]} \
        where change.rate and change.pNN are fractions of the previous value and \
        change.error_rate the difference of the two error rates (null without a previous value); \
        with --map: {"edges":[{"from","to","calls","error_rate","p50","p99"}]}.

        Examples:
          kiln services --dataset shop --since 1h
          kiln services --dataset shop --since 1h --where 'http.route starts-with /api' --format json
          kiln services --dataset shop --map --format json
        """
    )

    @OptionGroup var store: StoreOptions
    @OptionGroup var scope: ScopeOptions
    @Flag(help: "List the service map's edges instead of the services.") var map = false
    @Option(help: "Output format.") var format: ServicesFormat = .table

    func run() throws {
        let now = Clock.nowNanos()
        let scopeValue = try scope.scope(now: now, command: "services")
        let backend = try store.backend(command: "services")
        try FieldCheck.require(FieldCheck.uses(scopeValue.filters, flag: "--where"), dataset: scope.dataset, backend: backend, command: "services")
        do {
            guard let info = try backend.datasets().first(where: { $0.name == scope.dataset }) else {
                printError("kiln services: no dataset named \"\(Sanitize.line(scope.dataset))\" in \(backend.location)")
                throw ExitCode(2)
            }
            if map {
                let answer = try backend.serviceMap(dataset: scope.dataset, scope: scopeValue)
                switch format {
                case .json: print(answer.value.json())
                case .table:
                    print(Sanitize.block(answer.value.table(width: TerminalWidth.columns)), terminator: "")
                    if !answer.notes.isEmpty { print("(\(answer.notes.text))") }
                }
                return
            }
            guard let request = Self.request(scopeValue, info: info, now: now) else {
                if format == .json { print("{\"services\":[]}") } else { print("no events in scope") }
                return
            }
            let answer = try backend.services(dataset: scope.dataset, request: request)
            let report = answer.value
            switch format {
            case .json: print(report.json())
            case .table:
                print("\(Timestamp.format(request.from)) to \(Timestamp.format(request.to)), against the \(DurationText.format(request.to - request.from)) before")
                print(Sanitize.block(report.table(width: TerminalWidth.columns)), terminator: "")
                if info.events > 0 { print("(rates and counts weighted by sample rate)") }
                if !answer.notes.isEmpty { print("(\(answer.notes.text))") }
            }
        } catch let exit as ExitCode {
            throw exit
        } catch {
            printError("kiln services: \(error)")
            throw ExitCode(2)
        }
    }

    /// The window with both bounds: the scope's, else up to now after a start, else the
    /// dataset's first to last event; nil for an empty dataset without bounds.
    static func request(_ scope: Scope, info: DatasetInfo, now: Int64) -> ServicesRequest? {
        let from = scope.from ?? info.minTime
        let to = scope.to ?? (scope.from != nil ? now : info.maxTime.map { $0 + 1 })
        guard let from, let to else { return nil }
        return ServicesRequest(from: from, to: to, filters: scope.filters)
    }
}
