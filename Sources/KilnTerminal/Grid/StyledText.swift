/// A run of text with one role and attributes, for lines that mix roles (key hints, breadcrumbs).
public struct StyledText: Hashable, Sendable {
    /// The text (sanitised when put on a grid).
    public var text: String
    /// Its role.
    public var role: Role
    /// Attributes added to the role's own.
    public var attributes: TextAttributes

    /// Makes a run.
    public init(_ text: String, role: Role = .normal, attributes: TextAttributes = []) {
        self.text = text
        self.role = role
        self.attributes = attributes
    }
}

/// How text sits inside a field wider than the text.
public enum TextAlignment: Hashable, Sendable {
    /// Flush left (the default).
    case left
    /// Flush right, for numbers.
    case right
    /// Centred; an odd leftover column goes to the right.
    case center
}
