import ArgumentParser
import KilnCore
import KilnStore

/// The scope of a read: dataset, time range and filters.
struct ScopeOptions: ParsableArguments {
    @Option(help: "Dataset to read.") var dataset: String
    @Option(help: ArgumentHelp("Only the last span of time up to now, e.g. 15m, 2h, 7d; or all.", valueName: "duration"))
    var since: String?
    @Option(help: ArgumentHelp("Start of the time range (inclusive): RFC 3339, a date (midnight UTC) or epoch.", valueName: "time"))
    var from: String?
    @Option(help: ArgumentHelp("End of the time range (exclusive): RFC 3339, a date (midnight UTC) or epoch.", valueName: "time"))
    var to: String?
    @Option(name: .customLong("where"), help: ArgumentHelp("A filter `FIELD OP VALUE`; several combine with AND. OP: = != > >= < <= contains !contains starts-with exists !exists in.", valueName: "expr"))
    var filters: [String] = []

    func validate() throws {
        if let since, since != "all", DurationText.parse(since) == nil { throw ValidationError("--since: \"\(since)\" is not a duration like 15m, 2h or 7d, nor all") }
        if let from, Timestamp.parse(from) == nil { throw ValidationError("--from: \"\(from)\" is neither RFC 3339, a date (YYYY-MM-DD) nor an epoch time") }
        if let to, Timestamp.parse(to) == nil { throw ValidationError("--to: \"\(to)\" is neither RFC 3339, a date (YYYY-MM-DD) nor an epoch time") }
        if since != nil && from != nil { throw ValidationError("--since and --from both set the start: give one") }
    }

    /// The scope, with `now` for `--since`; a malformed `--where` is reported as
    /// `kiln COMMAND: --where: ...` with exit status 64.
    func scope(now: Int64, command: String) throws -> Scope {
        var start = from.flatMap(Timestamp.parse)
        if let since, let d = DurationText.parse(since) { start = now - d }
        let parsed: [Filter]
        do {
            parsed = try Filter.parseAll(filters)
        } catch {
            printError("kiln \(command): --where: \(Sanitize.block(error.description))")
            throw ExitCode(64)
        }
        return Scope(from: start, to: to.flatMap(Timestamp.parse), filters: parsed)
    }
}
