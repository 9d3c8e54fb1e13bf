/// What a piece of text on screen *means*; views write roles, a ``Theme`` turns them into colours.
///
/// Views never pick colours: they say "this is the selection", "this is heat level 7", and the
/// theme decides how that looks on the terminal at hand. Snapshot tests therefore do not change
/// when a theme does.
public enum Role: Hashable, Sendable {
    /// Ordinary text.
    case normal
    /// Secondary text: units, hints, zero counts.
    case dim
    /// Text that should stand out without meaning good or bad (a highlighted number).
    case accent
    /// A view or popup title.
    case title
    /// Column headers of a table.
    case header
    /// Lines and boxes around panes.
    case border
    /// The border of the pane that has keyboard focus.
    case focusedBorder
    /// The status line at the bottom.
    case statusBar
    /// The description part of a key hint in the footer (`quit`).
    case keyHint
    /// The key part of a key hint in the footer (`q`).
    case keyHintKey
    /// The "where am I" line (`heatmap ❭ selection ❭ BubbleUp`).
    case breadcrumb
    /// The user's selection (a heatmap region, the events inside it, their bars).
    case selection
    /// The baseline a selection is compared with (everything outside the selection).
    case baseline
    /// A marker: a deploy line, a bookmark, an annotation.
    case marker
    /// The row or cell the cursor is on.
    case cursor
    /// Axis labels and ticks of a chart.
    case axis
    /// A heatmap cell; level 0 (empty) to 9 (hottest). Levels outside 0...9 are clamped.
    case heat(Int)
    /// A service or span colour from a stable palette (traces); any integer, taken modulo
    /// ``Role/servicePaletteSize``.
    case service(Int)
    /// An error: failed requests, a bad query.
    case error
    /// A warning.
    case warning
    /// Something that went well.
    case success
    /// A neutral notice.
    case info
    /// The `LIVE` indicator of a following view.
    case live
    /// The `PAUSED (+N new)` indicator.
    case paused
    /// A search hit.
    case searchMatch
    /// The `:` or `/` prompt line.
    case prompt
    /// The body of a popup or overlay (help, field picker).
    case popup
    /// A field name in a key/value listing.
    case fieldName

    /// Number of heat levels (0...9).
    public static let heatLevels = 10
    /// Number of distinct service colours; `.service(n)` uses `n` modulo this.
    public static let servicePaletteSize = 12

    /// Every role a theme can style, heat and service levels expanded, in documentation order.
    public static let allThemeable: [Role] = {
        var roles: [Role] = [
            .normal, .dim, .accent, .title, .header, .border, .focusedBorder, .statusBar,
            .keyHint, .keyHintKey, .breadcrumb, .selection, .baseline, .marker, .cursor, .axis,
        ]
        roles += (0..<heatLevels).map { Role.heat($0) }
        roles += (0..<servicePaletteSize).map { Role.service($0) }
        roles += [.error, .warning, .success, .info, .live, .paused, .searchMatch, .prompt, .popup, .fieldName]
        return roles
    }()

    /// The role with its level clamped or wrapped into range: `heat(12)` is `heat(9)`,
    /// `service(13)` is `service(1)`, `service(-1)` is `service(11)`.
    public var normalized: Role {
        switch self {
        case .heat(let level):
            return .heat(min(max(level, 0), Role.heatLevels - 1))
        case .service(let n):
            let m = n % Role.servicePaletteSize
            return .service(m < 0 ? m + Role.servicePaletteSize : m)
        default:
            return self
        }
    }

    /// The role's name in theme files: `status-bar`, `heat3`, `service0`.
    public var name: String {
        switch normalized {
        case .normal: return "normal"
        case .dim: return "dim"
        case .accent: return "accent"
        case .title: return "title"
        case .header: return "header"
        case .border: return "border"
        case .focusedBorder: return "focused-border"
        case .statusBar: return "status-bar"
        case .keyHint: return "key-hint"
        case .keyHintKey: return "key-hint-key"
        case .breadcrumb: return "breadcrumb"
        case .selection: return "selection"
        case .baseline: return "baseline"
        case .marker: return "marker"
        case .cursor: return "cursor"
        case .axis: return "axis"
        case .heat(let level): return "heat\(level)"
        case .service(let n): return "service\(n)"
        case .error: return "error"
        case .warning: return "warning"
        case .success: return "success"
        case .info: return "info"
        case .live: return "live"
        case .paused: return "paused"
        case .searchMatch: return "search-match"
        case .prompt: return "prompt"
        case .popup: return "popup"
        case .fieldName: return "field-name"
        }
    }

    /// The role a theme file calls `name`, or nil for an unknown name.
    public init?(name: String) {
        guard let role = Role.byName[name] else { return nil }
        self = role
    }

    private static let byName: [String: Role] = {
        var map: [String: Role] = [:]
        for role in allThemeable { map[role.name] = role }
        return map
    }()

    /// The role whose style a theme uses when it does not style this one; nil for `.normal`.
    ///
    /// Heat levels and services fall back to the level below (so a theme may give only some
    /// levels; `service0` falls back to `.accent`), everything else to a related role or `.normal`.
    public var fallback: Role? {
        switch normalized {
        case .normal: return nil
        case .focusedBorder: return .border
        case .keyHintKey: return .keyHint
        case .keyHint: return .statusBar
        case .heat(let level): return level > 0 ? .heat(level - 1) : .normal
        case .service(let n): return n > 0 ? .service(n - 1) : .accent
        case .paused: return .warning
        case .popup: return .normal
        default: return .normal
        }
    }

    /// Attributes that keep the role visible on a terminal without colour, unless the theme
    /// says otherwise with `mono = [...]`.
    public var defaultMonoAttributes: TextAttributes {
        switch normalized {
        case .selection, .cursor, .statusBar, .searchMatch: return .reverse
        case .title, .header, .keyHintKey, .error, .live, .accent: return .bold
        case .warning, .paused, .marker: return [.bold, .underline]
        case .dim, .axis, .baseline: return .dim
        case .heat(let level): return level >= 7 ? .bold : []
        default: return []
        }
    }

    /// The one-character symbol of the role in ``ScreenGrid/roleDump()``.
    ///
    /// Heat levels are digits, services lowercase letters `a`-`l`, other roles uppercase
    /// letters or punctuation, `.normal` a space.
    public var dumpSymbol: Character {
        switch normalized {
        case .normal: return " "
        case .dim: return "."
        case .accent: return "A"
        case .title: return "T"
        case .header: return "H"
        case .border: return "#"
        case .focusedBorder: return "@"
        case .statusBar: return "="
        case .keyHint: return "Q"
        case .keyHintKey: return "K"
        case .breadcrumb: return ">"
        case .selection: return "S"
        case .baseline: return "B"
        case .marker: return "M"
        case .cursor: return "C"
        case .axis: return "|"
        case .heat(let level): return Character(Unicode.Scalar(UInt8(48 + level)))
        case .service(let n): return Character(Unicode.Scalar(UInt8(97 + n)))
        case .error: return "E"
        case .warning: return "W"
        case .success: return "O"
        case .info: return "I"
        case .live: return "L"
        case .paused: return "P"
        case .searchMatch: return "/"
        case .prompt: return ":"
        case .popup: return "U"
        case .fieldName: return "F"
        }
    }
}
