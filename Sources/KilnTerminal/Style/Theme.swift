/// Maps ``Role``s to colours and attributes; loaded from a TOML file (see `themes/`).
///
/// A role the theme does not style borrows from its ``Role/fallback`` chain, so a theme can be
/// small. Colours carry fallbacks for terminals with fewer colours (``ThemeColor``).
public struct Theme: Hashable, Sendable {
    /// The theme's name (`default`, `light`).
    public var name: String
    /// One line saying what the theme is for.
    public var description: String
    /// The styles the theme gives, by normalised role.
    public var styles: [Role: RoleStyle]

    /// Makes a theme.
    public init(name: String, description: String = "", styles: [Role: RoleStyle] = [:]) {
        self.name = name
        self.description = description
        var normalized: [Role: RoleStyle] = [:]
        for (role, style) in styles { normalized[role.normalized] = style }
        self.styles = normalized
    }

    /// The look of `role` at `depth`.
    ///
    /// Foreground and background are each taken from the first role in the fallback chain
    /// that sets them, attributes from the first role the theme styles at all. Without colour, attributes are the role's `mono` list
    /// when given, else its attributes plus ``Role/defaultMonoAttributes``.
    /// - Complexity: O(length of the fallback chain), at most 14 steps.
    public func style(for role: Role, depth: ColorDepth) -> ResolvedStyle {
        var foreground: ThemeColor?
        var background: ThemeColor?
        var attributes: TextAttributes?
        var mono: TextAttributes?
        var current: Role? = role.normalized
        while let r = current {
            if let s = styles[r] {
                if foreground == nil { foreground = s.foreground }
                if background == nil { background = s.background }
                if attributes == nil { attributes = s.attributes }
                if mono == nil && r == role.normalized { mono = s.monoAttributes }
            }
            current = r.fallback
        }
        let own = attributes ?? []
        if depth == .none {
            return ResolvedStyle(attributes: mono ?? own.union(role.normalized.defaultMonoAttributes))
        }
        return ResolvedStyle(foreground: (foreground ?? .terminalDefault).resolved(for: depth),
                             background: (background ?? .terminalDefault).resolved(for: depth),
                             attributes: own)
    }

    /// A theme with no styles: terminal colours, attributes only where roles need them without colour.
    public static let plain = Theme(name: "plain", description: "terminal colours only")
}
