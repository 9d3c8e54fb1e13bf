import ArgumentParser
import KilnCore
import KilnStore

struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Compare the new version with the last one, and say where it got worse.",
        discussion: """
        Without --before/--after, after is the value of --field whose first event is newest \
        (the latest deploy) and before is the value of the same service that served most \
        events just before it. Events of both versions in the scope are compared directly, \
        so a canary or a rolling deploy is judged on the same time range. With --marker, the \
        window after the marker is compared with an equal window before it.

        P50 is tested with the Mann-Whitney U test, P95 and P99 on the share of events above \
        the pooled percentile, the error rate with a two-proportion test; a change counts only \
        when p < 0.01 and it is large enough to matter (percentiles: 10% and 1 unit; error \
        rate: 0.5 points and 20%). Fewer than 100 events on a side is inconclusive.

        Exit status: 0 no regression, 1 regression, 2 failure, 64 bad arguments.

        JSON form: {"field","before":{"value","count"},"after":{"value","count"},"verdict",\
        "metrics":[{"name","before","after","change_pct","p_value","significant"}],\
        "where":[{"fields":{...},"metric","before","after","change_pct","before_count","after_count","p_value"}]}

        Examples:
          kiln compare --dataset shop
          kiln compare --dataset shop --before 8.4.0 --after 8.5.0 --format json
          kiln compare --dataset shop --marker latest --where 'service.name = checkout'
        """
    )

    @OptionGroup var store: StoreOptions
    @OptionGroup var scope: ScopeOptions
    @Option(help: "The field telling versions apart (default: the dataset's version field, service.version unless set).")
    var field: String?
    @Option(help: ArgumentHelp("The old version.", valueName: "value")) var before: String?
    @Option(help: ArgumentHelp("The new version.", valueName: "value")) var after: String?
    @Option(help: ArgumentHelp("Compare the window after this marker with an equal one before it.", valueName: "id|latest"))
    var marker: String?
    @Option(help: "The numeric field compared.") var metric: String = "duration_ms"
    @Option(name: .customLong("error"), help: ArgumentHelp("What makes an event an error (default: the first of error = true, http.response.status_code >= 500, http.status_code >= 500, status_code >= 500 whose field exists); several combine with AND.", valueName: "expr"))
    var errors: [String] = []
    @Option(help: "Output format.") var format: ListFormat = .table

    func validate() throws {
        if let marker, marker != "latest", Int64(marker) == nil { throw ValidationError("--marker: \"\(marker)\" is neither a marker id nor latest") }
        if let before, let after, before == after { throw ValidationError("--before and --after are the same value \"\(before)\"") }
        if metric.isEmpty { throw ValidationError("--metric needs a field name") }
    }

    func run() throws {
        let now = Clock.nowNanos()
        let scopeValue = try scope.scope(now: now, command: "compare")
        var errorFilters: [Filter]
        do {
            errorFilters = try Filter.parseAll(errors)
        } catch {
            printError("kiln compare: --error: \(error)")
            throw ExitCode(64)
        }
        let backend = try store.backend(command: "compare")
        let result: CompareResult
        do {
            let fieldName = try field ?? backend.versionField(dataset: scope.dataset)
            if errorFilters.isEmpty {
                errorFilters = Compare.defaultError(fields: Set(try backend.fieldNames(dataset: scope.dataset)))
            }
            var windows: String?
            let request = try sides(backend, scope: scopeValue, field: fieldName, error: errorFilters, windows: &windows)
            let samples = try backend.compareSamples(dataset: scope.dataset, request: request).value
            var compared = Compare.run(samples, field: fieldName, metric: metric, before: request.before.value, after: request.after.value)
            if let windows { compared.notes.append(windows) }
            result = compared
        } catch let error as CompareFailure {
            printError("kiln compare: \(Sanitize.line(error.message))")
            throw ExitCode(error.usage ? 64 : 2)
        } catch {
            printError("kiln compare: \(error)")
            throw ExitCode(2)
        }
        switch format {
        case .json: print(result.json())
        case .table: print(Sanitize.block(result.table(width: TerminalWidth.columns)), terminator: "")
        }
        if result.verdict == .regression { throw ExitCode(1) }
    }

    /// What to compare: two versions in the scope, or the windows around a marker.
    private func sides(_ backend: any EventBackend, scope s: Scope, field: String, error: [Filter], windows: inout String?) throws -> CompareRequest {
        if let marker {
            let markers = try backend.markers(dataset: scope.dataset)
            let chosen = marker == "latest" ? markers.max { ($0.start, $0.id ?? 0) < ($1.start, $1.id ?? 0) }
                                            : markers.first { $0.id == Int64(marker) }
            guard let chosen else {
                throw CompareFailure(marker == "latest" ? "dataset \(scope.dataset) has no markers" : "no marker \(marker) in dataset \(scope.dataset)",
                                     usage: marker != "latest")
            }
            if before == nil && after == nil, let target = chosen.deployTarget {
                // An automatic deploy marker names its service and version: compare that
                // version with the one before it, within the service.
                var within = s
                if let service = target.service { within.filters.append(Filter(StoreNames.serviceField, .equal, [.string(service)])) }
                return try versionSides(backend, scope: within, field: field, error: error, after: target.version)
            }
            let dataEnd = try backend.datasets().first { $0.name == scope.dataset }?.maxTime ?? chosen.start
            let end = min(s.to ?? .max, dataEnd + 1)
            let span = end - chosen.start
            guard span > 0 else { throw CompareFailure("no events after marker \(chosen.id ?? 0) (\(Timestamp.format(chosen.start)))", usage: false) }
            windows = "before: \(Timestamp.format(chosen.start - span)) to \(Timestamp.format(chosen.start)); after: to \(Timestamp.format(end))"
            return CompareRequest(scope: s, field: field,
                                  before: CompareSide(value: before.map(Value.string), from: chosen.start - span, to: chosen.start),
                                  after: CompareSide(value: after.map(Value.string), from: chosen.start, to: end),
                                  metric: metric, error: error)
        }
        return try versionSides(backend, scope: s, field: field, error: error, after: after)
    }

    /// Two versions of `field` in the scope: `after` (default: the newest to appear) and the
    /// one before it.
    private func versionSides(_ backend: any EventBackend, scope s: Scope, field: String, error: [Filter], after: String?) throws -> CompareRequest {
        let versions = try backend.versions(dataset: scope.dataset, scope: s, field: field, metric: metric, error: error).value
        func find(_ text: String) throws -> VersionSummary {
            guard let v = versions.first(where: { $0.value.text == text }) else {
                let known = versions.suffix(8).map { $0.value.text }.joined(separator: ", ")
                throw CompareFailure("no event in scope has \(field) = \(text)\(known.isEmpty ? "" : " (newest values: \(known))")", usage: true)
            }
            return v
        }
        guard versions.count >= 2 || (before != nil && after != nil) else {
            throw CompareFailure(versions.isEmpty ? "no event in scope has the field \(field) (choose one with --field)"
                                                  : "\(field) has only one value in scope (\(versions[0].value.text)): nothing to compare it with",
                                 usage: false)
        }
        let newer: VersionSummary
        if let after {
            newer = try find(after)
        } else {
            guard let latest = VersionSummary.newest(versions, excluding: before.map { b in versions.first { $0.value.text == b }?.value ?? .string(b) }) else {
                throw CompareFailure("no other value of \(field) than \(before ?? "") in scope", usage: false)
            }
            newer = latest
        }
        let older: VersionSummary
        if let before {
            older = try find(before)
        } else {
            let window = VersionSummary.windowBefore(newer)
            var recentScope = s
            recentScope.from = max(s.from ?? .min, window.from)
            recentScope.to = window.to
            let recent = try backend.versions(dataset: scope.dataset, scope: recentScope, field: field, metric: metric, error: []).value
            guard let found = VersionSummary.previous(of: newer, among: versions, recent: recent) else {
                throw CompareFailure("no value of \(field) to compare \(newer.value.text) with", usage: false)
            }
            older = found
        }
        guard older.value != newer.value else { throw CompareFailure("--before and --after name the same value", usage: true) }
        return CompareRequest(scope: s, field: field, before: CompareSide(value: older.value), after: CompareSide(value: newer.value),
                              metric: metric, error: error)
    }
}

/// Why `kiln compare` cannot compare, and whether the arguments are to blame.
struct CompareFailure: Error {
    var message: String
    var usage: Bool

    init(_ message: String, usage: Bool) {
        self.message = message
        self.usage = usage
    }
}
