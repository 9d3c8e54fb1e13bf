/// How a theme shows one role: colours with fallbacks, attributes, and attributes for
/// terminals without colour.
public struct RoleStyle: Hashable, Sendable {
    /// Foreground; nil inherits from the role's fallback role.
    public var foreground: ThemeColor?
    /// Background; nil inherits from the role's fallback role.
    public var background: ThemeColor?
    /// Attributes at every depth.
    public var attributes: TextAttributes
    /// Attributes used instead when the terminal shows no colour (`mono = [...]`); nil uses
    /// ``attributes`` plus the role's ``Role/defaultMonoAttributes``.
    public var monoAttributes: TextAttributes?

    /// Makes a style.
    public init(foreground: ThemeColor? = nil, background: ThemeColor? = nil,
                attributes: TextAttributes = [], monoAttributes: TextAttributes? = nil) {
        self.foreground = foreground
        self.background = background
        self.attributes = attributes
        self.monoAttributes = monoAttributes
    }
}

/// A role's look on one terminal: concrete colours and attributes.
public struct ResolvedStyle: Hashable, Sendable {
    /// Foreground.
    public var foreground: TerminalColor
    /// Background.
    public var background: TerminalColor
    /// Attributes.
    public var attributes: TextAttributes

    /// Makes a resolved style.
    public init(foreground: TerminalColor = .terminalDefault, background: TerminalColor = .terminalDefault,
                attributes: TextAttributes = []) {
        self.foreground = foreground
        self.background = background
        self.attributes = attributes
    }

    /// Terminal default colours, no attributes.
    public static let plain = ResolvedStyle()
}
