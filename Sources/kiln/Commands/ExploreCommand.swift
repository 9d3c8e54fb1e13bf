import ArgumentParser
import KilnClickHouse
import KilnCore
import KilnExplorer
import KilnStore
import KilnTerminal

struct ExploreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explore",
        abstract: "Explore a dataset in the terminal: heatmap, BubbleUp, events, traces.",
        discussion: """
        Opens a latency heatmap of the dataset. Draw a box around the odd cells (Space anchors a \
        corner, the arrows extend it; `a` proposes the most anomalous region) and press Enter: \
        BubbleUp shows which fields are distributed differently in the box than outside it. \
        From there open the events, one event, and its trace. `?` lists every key; `:` edits \
        the query (where, clear, since, field, group).

        The flags open the explorer in a given state, like a permalink:
          kiln explore --select 'duration_ms >= 900' --view bubbleup
          kiln explore --where 'service.name = checkout' --since 1h
          kiln explore --trace 97295d66a87597672cedce7a6696490b

        The time range defaults to the last 2 hours when data is arriving; on a store nobody \
        writes to, to the last 2 hours of its data when the dataset holds more than a million \
        events, else its whole span. Only the events of the range are read; a wider range \
        (`:since 7d`, `:since all`) loads more, a narrower one gives memory back. New events \
        written by `kiln ingest --follow` or `kiln serve` appear while the view shows LIVE.

        Exit status: 0 after quitting; 2 when it cannot start (no store or data, TERM=dumb, \
        not a terminal); 64 bad arguments.
        """
    )

    @OptionGroup var store: StoreOptions
    @Option(help: "Dataset to explore (default: the only one, else a picker).") var dataset: String?
    @Option(help: ArgumentHelp("Time range: 15m, 2h, 7d ... or all.", valueName: "span")) var since: String?
    @Option(help: ArgumentHelp("Start of a fixed time range (RFC 3339 or epoch; with --to).", valueName: "time")) var from: String?
    @Option(help: ArgumentHelp("End of a fixed time range (exclusive).", valueName: "time")) var to: String?
    @Option(name: .customLong("where"), help: ArgumentHelp("Scope filter FIELD OP VALUE (repeatable).", valueName: "expr"))
    var filters: [String] = []
    @Option(name: .customLong("select"), help: ArgumentHelp("Selection filter for BubbleUp (repeatable).", valueName: "expr"))
    var selection: [String] = []
    @Option(help: ArgumentHelp("View to open: \(StartView.allCases.map(\.rawValue).joined(separator: "|")).", valueName: "view"))
    var view: String = StartView.heatmap.rawValue
    @Option(help: ArgumentHelp("Open this trace.", valueName: "id")) var trace: String?
    @Option(help: ArgumentHelp("Numeric field of the heatmap.", valueName: "name")) var field: String = FieldName.duration
    @Option(help: ArgumentHelp("Theme name or .toml path (default: $KILN_THEME or default).", valueName: "name")) var theme: String?
    @Option(help: ArgumentHelp("Colours: \(ColorChoice.spellings).", valueName: "depth")) var color: String = "auto"
    @Flag(help: "Start with the mouse on (m toggles it).") var mouse = false

    /// Argument problems are found here, so that their usage line names `kiln explore`.
    func validate() throws {
        if let since, since != "all", Self.span(since) == nil {
            throw ValidationError("--since: \"\(since)\" is not a span like 15m, 2h, 7d or all")
        }
        if from != nil || to != nil {
            guard since == nil else { throw ValidationError("--since and --from/--to both set the time range: give one") }
            guard let a = from.flatMap(Timestamp.parse), let b = to.flatMap(Timestamp.parse), b > a else {
                throw ValidationError("--from and --to: give both, as RFC 3339 or epoch times, the end after the start")
            }
        }
        do {
            _ = try Filter.parseAll(filters)
            _ = try Filter.parseAll(selection)
        } catch {
            throw ValidationError("bad filter:\n\(error.description)")
        }
        guard StartView(rawValue: view) != nil else {
            throw ValidationError("--view: \"\(view)\" is not one of \(StartView.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard ColorChoice(color) != nil else { throw ValidationError("--color: \"\(color)\" is not one of \(ColorChoice.spellings)") }
    }

    func run() throws {
        var range: TimeRange?
        if let since { range = since == "all" ? .all : Self.span(since).map { .last($0) } }
        if let a = from.flatMap(Timestamp.parse), let b = to.flatMap(Timestamp.parse) { range = .between(a, b) }
        let scope = (try? Filter.parseAll(filters)) ?? [], select = (try? Filter.parseAll(selection)) ?? []
        let start = StartView(rawValue: view) ?? .heatmap
        let depth = ColorChoice(color) ?? .auto
        let loadedTheme: Theme
        do {
            loadedTheme = try ThemeLoader.load(theme, context: .process)
        } catch {
            printError("kiln explore: \(error)")
            throw ExitCode(64)
        }
        var configuration = ExplorerConfiguration(storePath: store.dbForDisplay, dataset: dataset, range: range, filters: scope, selection: select,
                                                  view: start, traceID: trace, field: field, theme: loadedTheme, color: depth, mouse: mouse,
                                                  memoryBudget: store.memoryBudget)
        configuration.shareDB = store.db == EventStore.defaultPath ? nil : store.dbForDisplay
        let status: Int32
        if store.isClickHouse {
            // The explorer asks ClickHouse through the analysis interface, in the background.
            let backend = try store.backend(command: "explore")
            guard let paging = backend as? any WindowPaging else {
                printError("kiln explore: \(store.dbForDisplay) cannot be read a window at a time")
                throw ExitCode(2)
            }
            let metadata = ClickHouseMetadata(store: ClickHouseStore(url: try ClickHouseURL.parse(store.db)))
            let source = BackendSource(backend: paging, slos: { try metadata.slos() }) { ($0 as? ClickHouseError)?.code == .unsupported }
            status = Explorer.run(configuration: configuration, source: source)
        } else {
            status = Explorer.run(configuration: configuration)
        }
        if status != 0 { throw ExitCode(status) }
    }

    /// `15m`, `2h`, `7d`, `90s`, `1w` in ns; nil unless positive and under 100 years.
    static func span(_ text: String) -> Int64? {
        guard let unit = text.last, let number = Double(text.dropLast()), number.isFinite, number > 0 else { return nil }
        let scales: [Character: Double] = ["s": 1e9, "m": 60e9, "h": 3600e9, "d": 86_400e9, "w": 604_800e9]
        guard let scale = scales[unit] else { return nil }
        let ns = number * scale
        guard ns >= 1e9, ns <= 100 * 365 * 86_400e9 else { return nil }
        return Int64(ns)
    }
}
