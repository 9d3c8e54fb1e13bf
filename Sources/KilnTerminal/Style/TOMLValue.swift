/// A value of the TOML subset theme files use.
enum TOMLValue: Hashable, Sendable {
    case string(String)
    case integer(Int)
    case boolean(Bool)
    case array([TOMLValue])
    case table(TOMLTable)

    /// `string`, `integer`, ... for error messages.
    var kindName: String {
        switch self {
        case .string: return "a string"
        case .integer: return "an integer"
        case .boolean: return "a boolean"
        case .array: return "an array"
        case .table: return "a table"
        }
    }
}

/// A TOML table: keys in file order, each with the line it was set on.
struct TOMLTable: Hashable, Sendable {
    /// One key of a table.
    struct Entry: Hashable, Sendable {
        var key: String
        var value: TOMLValue
        var line: Int
    }

    var entries: [Entry] = []
    /// The line of the `[header]` (or the key) that made the table; 0 for the root.
    var line: Int = 0

    subscript(key: String) -> Entry? {
        entries.first { $0.key == key }
    }

    func index(of key: String) -> Int? {
        entries.firstIndex { $0.key == key }
    }
}
