import ArgumentParser
import KilnCore
import KilnStore

struct SLOCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "slo",
        abstract: "Service-level objectives: error budgets, burn-rate alerts, and what the bad events have in common.",
        discussion: """
        An SLO counts the events of one dataset: the eligible events match every --where, the \
        good ones also match every --good, the bad ones are the eligible events that are not \
        good. Counts are weighted by sample rate. SLOs are kept in the store, so everyone using \
        the file sees the same ones, and `kiln serve --alert-webhook URL` evaluates them.

        Examples:
          kiln slo add checkout-latency --dataset shop --where 'http.route = /api/checkout' \\
              --good 'duration_ms < 500' --good 'http.status_code < 500' --target 99.9
          kiln slo status checkout-latency --format json     # exit 1 while an alert fires
          kiln slo bubbleup checkout-latency --since 6h
        """,
        subcommands: [SLOAddCommand.self, SLOListCommand.self, SLOStatusCommand.self, SLOBubbleUpCommand.self, SLORemoveCommand.self]
    )
}

struct SLOAddCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "add", abstract: "Define an SLO.")

    @Argument(help: "A name unique in the store.") var name: String
    @OptionGroup var store: StoreOptions
    @Option(help: "Dataset whose events the SLO counts.") var dataset: String
    @Option(name: .customLong("where"), help: ArgumentHelp("A filter picking the eligible events; several combine with AND.", valueName: "expr"))
    var filters: [String] = []
    @Option(help: ArgumentHelp("A filter good events pass; several combine with AND.", valueName: "expr"))
    var good: [String] = []
    @Option(help: ArgumentHelp("Percentage of eligible events that must be good, e.g. 99.9.", valueName: "pct"))
    var target: String
    @Option(help: ArgumentHelp("Compliance period, e.g. 30d or 7d.", valueName: "duration"))
    var period: String = "30d"
    @Option(help: ArgumentHelp("Free text for people.", valueName: "text"))
    var description: String = ""

    func definition() throws -> SLODefinition {
        guard let targetValue = SLODecimal(target) else { throw ValidationError("--target: \"\(target)\" is not a percentage like 99.9") }
        guard let periodValue = DurationText.parse(period) else { throw ValidationError("--period: \"\(period)\" is not a duration like 30d") }
        let eligible: [Filter], goodFilters: [Filter]
        do { eligible = try Filter.parseAll(filters) } catch { throw ValidationError("--where: \(error)") }
        do { goodFilters = try Filter.parseAll(good) } catch { throw ValidationError("--good: \(error)") }
        let slo = SLODefinition(name: name, dataset: dataset, eligible: eligible, good: goodFilters, target: targetValue,
                                period: periodValue, description: description)
        if let problem = slo.problem { throw ValidationError(problem) }
        return slo
    }

    func validate() throws { _ = try definition() }

    func run() throws {
        let slo = try definition()
        let metadata = try store.metadata(command: "slo add")
        do {
            try metadata.addSLO(slo, now: Clock.nowNanos())
        } catch {
            printError("kiln slo add: \(error)")
            throw ExitCode(2)
        }
        if let datasets = try? store.backend(command: "slo add").datasets(), !datasets.contains(where: { $0.name == slo.dataset }) {
            printError("kiln slo add: note: \(store.dbForDisplay) has no dataset \"\(Sanitize.line(slo.dataset))\" yet")
        }
        print("added SLO \(Sanitize.line(slo.name)): \(slo.target)% of \(Sanitize.line(slo.dataset)) events good over \(DurationText.format(slo.period))")
    }
}

struct SLOListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List the SLOs of the store.",
        discussion: #"JSON: {"slos":[{"name","dataset","where":[...],"good":[...],"target","period","description"}]}"#
    )

    @OptionGroup var store: StoreOptions
    @Option(help: "Output format.") var format: ListFormat = .table

    func run() throws {
        let slos = try SLOCommand.load(store: store, command: "list")
        switch format {
        case .json:
            var out = "{\"slos\":["
            for (i, s) in slos.enumerated() {
                if i > 0 { out += "," }
                out += "{\"name\":"; JSONText.appendString(s.name, to: &out)
                out += ",\"dataset\":"; JSONText.appendString(s.dataset, to: &out)
                out += ",\"where\":" + SLOCommand.jsonArray(s.eligible.map(\.description))
                out += ",\"good\":" + SLOCommand.jsonArray(s.good.map(\.description))
                out += ",\"target\":\(s.target),\"period\":\"\(DurationText.format(s.period))\",\"description\":"
                JSONText.appendString(s.description, to: &out)
                out += "}"
            }
            print(out + "]}")
        case .table:
            if slos.isEmpty {
                print("no SLOs in \(store.dbForDisplay) yet (add one with `kiln slo add`)")
                return
            }
            for s in slos {
                var line = "\(s.name)  \(s.dataset)  \(s.target)% over \(DurationText.format(s.period))"
                if !s.eligible.isEmpty { line += "  where " + s.eligible.map(\.description).joined(separator: " AND ") }
                line += "  good " + s.good.map(\.description).joined(separator: " AND ")
                if !s.description.isEmpty { line += "  (\(s.description))" }
                print(Sanitize.line(line))
            }
        }
    }
}

struct SLOStatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Budget, burn rates and alerts of an SLO at a moment.",
        discussion: """
        Describes the period ending at --at (default: now), both ends included. Burn rate over a \
        window = (bad ÷ eligible in it) ÷ (1 − target/100). Alerts (SRE workbook): page when 1h \
        and 5m burn above 14.4, page when 6h and 30m burn above 6, ticket when 3d and 6h burn \
        above 1. Exhaustion is when the budget runs out at the 1h burn rate.

        JSON: {"name","dataset","target","period","window":{"from","to"},"eligible","good","bad",\
        "sli","budget":{"allowed_bad","used_pct","remaining_pct"},"burn_rates":{"5m","30m","1h","6h","3d"},\
        "alerts":[{"severity","long_window","short_window","threshold","firing"}],"exhaustion"}

        Exit status: 0 when no alert fires, 1 when one does, 2 on failure, 64 on bad arguments.
        """
    )

    @Argument(help: "The SLO's name.") var name: String
    @OptionGroup var store: StoreOptions
    @Option(help: ArgumentHelp("End of the period: RFC 3339, a date (midnight UTC) or epoch (default: now).", valueName: "time"))
    var at: String?
    @Option(help: "Output format.") var format: ListFormat = .table

    func validate() throws {
        if let at, Timestamp.parse(at) == nil { throw ValidationError("--at: \"\(at)\" is neither RFC 3339, a date (YYYY-MM-DD) nor an epoch time") }
    }

    func run() throws {
        let slo = try SLOCommand.find(name, store: store, command: "status")
        let time = at.flatMap(Timestamp.parse) ?? Clock.nowNanos()
        let backend = try store.backend(command: "slo status")
        let status: SLOStatus
        do {
            status = try backend.sloStatus(slo, at: time)
        } catch {
            printError("kiln slo status: \(error)")
            throw ExitCode(2)
        }
        switch format {
        case .json: print(status.json())
        case .table: print(Sanitize.block(status.text()), terminator: "")
        }
        if status.isFiring { throw ExitCode(1) }
    }
}

struct SLOBubbleUpCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bubbleup", abstract: "BubbleUp of an SLO's bad events against its good ones.",
        discussion: "The same output (and JSON) as `kiln bubbleup`, over the last 24 hours unless --since or --from/--to say otherwise."
    )

    @Argument(help: "The SLO's name.") var name: String
    @OptionGroup var store: StoreOptions
    @Option(help: ArgumentHelp("Only the last span of time up to now, e.g. 15m, 2h, 7d.", valueName: "duration"))
    var since: String?
    @Option(help: ArgumentHelp("Start of the time range (inclusive): RFC 3339, a date (midnight UTC) or epoch.", valueName: "time"))
    var from: String?
    @Option(help: ArgumentHelp("End of the time range (exclusive): RFC 3339, a date (midnight UTC) or epoch.", valueName: "time"))
    var to: String?
    @Option(help: "Fields to show in the table (JSON always has all).") var top: Int = 10
    @Option(help: "Output format.") var format: ListFormat = .table

    func validate() throws {
        if let since, DurationText.parse(since) == nil { throw ValidationError("--since: \"\(since)\" is not a duration like 15m, 2h or 7d") }
        if let from, Timestamp.parse(from) == nil { throw ValidationError("--from: \"\(from)\" is neither RFC 3339, a date (YYYY-MM-DD) nor an epoch time") }
        if let to, Timestamp.parse(to) == nil { throw ValidationError("--to: \"\(to)\" is neither RFC 3339, a date (YYYY-MM-DD) nor an epoch time") }
        if since != nil && (from != nil || to != nil) { throw ValidationError("give either --since or --from/--to") }
        guard top > 0 else { throw ValidationError("--top must be 1 or more") }
    }

    func run() throws {
        let slo = try SLOCommand.find(name, store: store, command: "bubbleup")
        let now = Clock.nowNanos()
        var scope = Scope(filters: slo.eligible)
        if from != nil || to != nil {
            scope.from = from.flatMap(Timestamp.parse)
            scope.to = to.flatMap(Timestamp.parse)
        } else {
            scope.from = now - (since.flatMap(DurationText.parse) ?? 86_400_000_000_000)
        }
        let backend = try store.backend(command: "slo bubbleup")
        let answer: Answer<BubbleUpResult>
        do {
            answer = try backend.bubbleUp(dataset: slo.dataset, scope: scope, failing: slo.good, options: BubbleUpOptions())
        } catch {
            printError("kiln slo bubbleup: \(error)")
            throw ExitCode(2)
        }
        switch format {
        case .json: print(answer.value.json())
        case .table:
            var shown = answer.value
            shown.dimensions = Array(shown.dimensions.prefix(top))
            print(Sanitize.block(shown.table(width: TerminalWidth.columns)), terminator: "")
            if !answer.notes.isEmpty { print("(\(answer.notes.text))") }
        }
    }
}

struct SLORemoveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rm", abstract: "Remove an SLO.")

    @Argument(help: "The SLO's name.") var name: String
    @OptionGroup var store: StoreOptions

    func run() throws {
        let metadata = try store.metadata(command: "slo rm")
        let removed: Bool
        do {
            removed = try metadata.removeSLO(named: name)
        } catch {
            printError("kiln slo rm: \(error)")
            throw ExitCode(2)
        }
        guard removed else {
            printError("kiln slo rm: no SLO named \"\(Sanitize.line(name))\" in \(store.dbForDisplay)")
            throw ExitCode(2)
        }
        print("removed SLO \(Sanitize.line(name))")
    }
}

extension SLOCommand {
    /// Every SLO of the store, failures as exit status 2.
    static func load(store: StoreOptions, command: String) throws -> [SLODefinition] {
        do {
            return try store.metadata(command: "slo \(command)").slos()
        } catch {
            printError("kiln slo \(command): \(error)")
            throw ExitCode(2)
        }
    }

    /// The SLO `name`, or exit status 2 naming the ones there are.
    static func find(_ name: String, store: StoreOptions, command: String) throws -> SLODefinition {
        let slos = try load(store: store, command: command)
        guard let slo = slos.first(where: { $0.name == name }) else {
            let known = slos.isEmpty ? "the store has no SLOs" : "known: " + slos.map(\.name).joined(separator: ", ")
            printError(Sanitize.line("kiln slo \(command): no SLO named \"\(name)\" in \(store.dbForDisplay) (\(known))"))
            throw ExitCode(2)
        }
        return slo
    }

    static func jsonArray(_ items: [String]) -> String {
        "[" + items.map { s in var o = ""; JSONText.appendString(s, to: &o); return o }.joined(separator: ",") + "]"
    }
}
