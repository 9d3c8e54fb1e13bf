import KilnTerminal

/// What a key does; the key table maps keys to commands per view.
public enum Command: Equatable, Sendable {
    /// Quit, go back a view, help, the `:` prompt, mouse on/off, follow the newest data.
    case quitAll, back, help, prompt, toggleMouse, resumeLive
    /// Cursor and page moves.
    case up, down, left, right, pageUp, pageDown, halfPageUp, halfPageDown, top, bottom
    /// Heatmap: anchor a box corner, BubbleUp of the box (or open the highlighted row), propose a box.
    case anchor, select, anomaly
    /// Switch panes.
    case focusNext, focusPrevious
    /// BubbleUp value actions; `openEvents` also opens a trace span's event.
    case filterValue, excludeValue, groupBy, openEvents
    /// Events table actions.
    case toggleBaseline, sortAscending, sortDescending, search, nextMatch, previousMatch
    /// Events: open the event; event: open its trace.
    case openTrace
    /// Events: open the highlighted event's trace.
    case rowTrace
    /// Compare versions (at the marker under the cursor, or the highlighted one); list the markers.
    case compare, listMarkers
    /// Open the SLO list; BubbleUp of an SLO's bad events against its good ones.
    case openSLOs, sloBubbleUp
    /// Open the services table.
    case openServices
    /// Heatmap: zoom the time range to the box (or the cursor's column), and back out.
    case zoomIn, zoomOut
    /// Trace: hide a span's subtree, show it again.
    case collapse, expand
    /// Show the highlighted value whole, wrapped (BubbleUp, events, event).
    case showValue
    /// Show the view as a `kiln explore` command line, to share.
    case copyCommand
}

/// Where a binding applies.
public enum KeyContext: Equatable, Sendable, CaseIterable {
    /// Every view (after the view's own bindings), and one per view.
    case global, heatmap, bubbleUp, events, event, trace, groups, picker, compare, versions, markers, slo, services, serviceMap

    /// The help screen's section title.
    var title: String {
        switch self {
        case .global: return "everywhere"
        case .heatmap: return "heatmap"
        case .bubbleUp: return "BubbleUp"
        case .events: return "events"
        case .event: return "event"
        case .trace: return "trace"
        case .groups: return "group by"
        case .picker: return "datasets"
        case .compare: return "compare"
        case .versions: return "versions"
        case .markers: return "markers"
        case .slo: return "SLOs"
        case .services: return "services"
        case .serviceMap: return "service map"
        }
    }
}

/// One row of the key table: keys, what they do, and how help and the footer name it.
public struct KeyBinding: Equatable, Sendable {
    /// The view it applies to.
    public var context: KeyContext
    /// The keys (the first is the one shown in the footer).
    public var keys: [Key]
    /// The command.
    public var command: Command
    /// The help screen's description.
    public var help: String
    /// The footer's short label; nil keeps it out of the footer.
    public var hint: String?

    /// How the keys are written in help: `j Down`.
    public var keyText: String { keys.map(KeyBinding.name).joined(separator: " ") }

    static func name(_ key: Key) -> String {
        switch key {
        case .char("-"): return "-"
        default: return key.description
        }
    }
}

/// The one key table: it dispatches keys, fills the footer's hints and generates the help
/// screen, so the three can never disagree.
public enum KeyBindings {
    private static func b(_ context: KeyContext, _ keys: [Key], _ command: Command, _ help: String, _ hint: String? = nil) -> KeyBinding {
        KeyBinding(context: context, keys: keys, command: command, help: help, hint: hint)
    }

    private static func moves(_ c: KeyContext, top: [Key] = [.char("g"), .home]) -> [KeyBinding] {
        [
            b(c, [.char("k"), .up], .up, "move up"),
            b(c, [.char("j"), .down], .down, "move down"),
            b(c, [.pageUp, .ctrl("b")], .pageUp, "page up"),
            b(c, [.pageDown, .ctrl("f"), .char(" ")], .pageDown, "page down"),
            b(c, [.ctrl("u")], .halfPageUp, "half a page up"),
            b(c, [.ctrl("d")], .halfPageDown, "half a page down"),
            b(c, top, .top, "first line"),
            b(c, [.char("G"), .end], .bottom, "last line"),
        ]
    }

    /// Every binding, views first, then global ones.
    public static let all: [KeyBinding] = {
        var out: [KeyBinding] = []
        // Heatmap.
        out += [
            b(.heatmap, [.char("h"), .left], .left, "cursor one column earlier (pauses live)"),
            b(.heatmap, [.char("l"), .right], .right, "cursor one column later"),
            b(.heatmap, [.char("k"), .up], .up, "cursor one bucket up"),
            b(.heatmap, [.char("j"), .down], .down, "cursor one bucket down"),
            b(.heatmap, [.shiftLeft, .char("H")], .pageUp, "cursor ten columns earlier"),
            b(.heatmap, [.shiftRight], .pageDown, "cursor ten columns later"),
            b(.heatmap, [.char("g"), .home], .top, "cursor to the first column"),
            b(.heatmap, [.char(" "), .char("v")], .anchor, "anchor a corner of the box (again: drop it)", "box"),
            b(.heatmap, [.enter], .select, "BubbleUp: what is different in the box", "BubbleUp"),
            b(.heatmap, [.char("a")], .anomaly, "propose the most anomalous region as the box", "anomaly"),
            b(.heatmap, [.char("z")], .zoomIn, "zoom the time range to the box (or the cursor's column)"),
            b(.heatmap, [.char("Z")], .zoomOut, "zoom back out"),
            b(.heatmap, [.char("G"), .end], .resumeLive, "back to the newest data and follow it (LIVE)"),
            b(.heatmap, [.char("c")], .compare, "compare versions at the marker under the cursor", "compare"),
            b(.heatmap, [.char("S")], .openSLOs, "SLOs: budgets, burn rates, alerts (also :slo)"),
            b(.heatmap, [.char("b")], .sloBubbleUp, "on an SLO's heatmap: BubbleUp of its bad events vs good ones"),
            b(.heatmap, [.char("s")], .openServices, "per-service rate, errors, P50/P95/P99 (also :services; :map)"),
        ]
        // BubbleUp.
        out += [
            b(.bubbleUp, [.tab, .char("l"), .right], .focusNext, "switch between fields and values", "pane"),
            b(.bubbleUp, [.backTab, .char("h"), .left], .focusPrevious, "switch back"),
        ]
        out += moves(.bubbleUp, top: [.home])
        out += [
            b(.bubbleUp, [.enter], .openEvents, "events having the highlighted value", "events"),
            b(.bubbleUp, [.char("=")], .filterValue, "filter the scope to the highlighted value", "filter"),
            b(.bubbleUp, [.char("!"), .char("-")], .excludeValue, "exclude the highlighted value from the scope", "exclude"),
            b(.bubbleUp, [.char("g")], .groupBy, "group by the highlighted field", "group"),
            b(.bubbleUp, [.char("w")], .showValue, "show the highlighted value whole, wrapped"),
        ]
        // Events.
        out += moves(.events)
        out += [
            b(.events, [.char("h"), .left], .left, "previous column"),
            b(.events, [.char("l"), .right], .right, "next column"),
            b(.events, [.enter], .openTrace, "open the event", "open"),
            b(.events, [.char("t")], .rowTrace, "open the highlighted event's trace", "trace"),
            b(.events, [.char("s")], .sortAscending, "sort by the highlighted column, smallest first", "sort"),
            b(.events, [.char("S")], .sortDescending, "sort by the highlighted column, largest first"),
            b(.events, [.char("/")], .search, "search the events' values", "search"),
            b(.events, [.char("n")], .nextMatch, "next match"),
            b(.events, [.char("N")], .previousMatch, "previous match"),
            b(.events, [.char("b")], .toggleBaseline, "switch between selection and baseline events", "baseline"),
            b(.events, [.char("w")], .showValue, "show the highlighted cell's value whole, wrapped"),
        ]
        // Event.
        out += moves(.event)
        out += [
            b(.event, [.char("t")], .openTrace, "open the event's trace", "trace"),
            b(.event, [.char("w")], .showValue, "show the highlighted field's value whole, wrapped", "whole"),
        ]
        // Trace.
        out += moves(.trace)
        out += [
            b(.trace, [.enter], .openEvents, "open the span's event", "open"),
            b(.trace, [.left, .char("h"), .char("-")], .collapse, "collapse the span's subtree (again: go to its parent)", "fold"),
            b(.trace, [.right, .char("l"), .char("+")], .expand, "expand the collapsed span (again: its first child)"),
            b(.trace, [.char("/")], .search, "search span names and services", "search"),
            b(.trace, [.char("n")], .nextMatch, "next match"),
            b(.trace, [.char("N")], .previousMatch, "previous match"),
        ]
        // Group by.
        out += moves(.groups)
        out += [
            b(.groups, [.enter], .select, "BubbleUp: this group against the rest", "BubbleUp"),
            b(.groups, [.char("s")], .sortAscending, "order by count, value or P99 (cycles)", "sort"),
            b(.groups, [.char("/")], .search, "search the groups' values", "search"),
            b(.groups, [.char("n")], .nextMatch, "next match"),
            b(.groups, [.char("N")], .previousMatch, "previous match"),
        ]
        // Compare, versions, markers.
        out += moves(.compare)
        out += [b(.compare, [.enter], .select, "heatmap of the highlighted group, new version only", "heatmap")]
        out += moves(.versions)
        out += [b(.versions, [.enter, .char("c")], .select, "compare the version with the one before it", "compare")]
        out += moves(.markers)
        out += [b(.markers, [.enter, .char("c")], .select, "compare before and after the marker", "compare")]
        // Datasets.
        out += moves(.picker)
        out += [b(.picker, [.enter], .select, "explore the dataset", "open")]
        // SLOs.
        out += moves(.slo)
        out += [
            b(.slo, [.enter], .select, "heatmap of the SLO's eligible events, bad ones in red, alert onsets marked", "heatmap"),
            b(.slo, [.char("b")], .sloBubbleUp, "BubbleUp: the SLO's bad events against its good ones", "BubbleUp"),
        ]
        // Services and the service map.
        out += moves(.services)
        out += [
            b(.services, [.enter], .select, "heatmap of the highlighted service", "heatmap"),
            b(.services, [.tab], .focusNext, "the service map (also :map)", "map"),
        ]
        out += moves(.serviceMap)
        out += [
            b(.serviceMap, [.enter], .select, "heatmap of the highlighted call's spans (callee spans of that caller)", "heatmap"),
            b(.serviceMap, [.tab], .focusNext, "the services table", "services"),
        ]
        // Everywhere.
        out += [
            b(.global, [.char("q"), .escape], .back, "back (quit at the top)", "back"),
            b(.global, [.char("Q"), .ctrl("c")], .quitAll, "quit"),
            b(.global, [.char(":")], .prompt, "query: where, clear, since, field, group ...", "query"),
            b(.global, [.char("?"), .function(1)], .help, "this help", "help"),
            b(.global, [.char("L")], .resumeLive, "resume LIVE: newest data, follow it"),
            b(.global, [.char("m")], .toggleMouse, "mouse on/off (drag on the heatmap draws a box)"),
            b(.global, [.char("M")], .listMarkers, "list the markers (deploys); Enter compares around one"),
            b(.global, [.char("y")], .copyCommand, "show this view as a kiln explore command line, to share"),
        ]
        return out
    }()

    /// The command `key` runs in `context` (view bindings first, then global ones).
    public static func command(for key: Key, in context: KeyContext) -> Command? {
        if let hit = all.first(where: { $0.context == context && $0.keys.contains(key) }) { return hit.command }
        return all.first(where: { $0.context == .global && $0.keys.contains(key) })?.command
    }

    /// The footer's hints for `context`: its own, then the global ones.
    public static func hints(for context: KeyContext) -> [KeyBinding] {
        all.filter { $0.context == context && $0.hint != nil } + all.filter { $0.context == .global && $0.hint != nil }
    }

    /// The bindings of `context`, for the help screen.
    public static func bindings(for context: KeyContext) -> [KeyBinding] {
        all.filter { $0.context == context }
    }
}
