/// A theme file as parsed, before `inherits` is applied.
struct ThemeFile: Hashable, Sendable {
    var name: String?
    var description: String?
    /// The name of the theme this one starts from.
    var inherits: String?
    /// The line of `inherits`, for errors about the base theme.
    var inheritsLine = 0
    var styles: [Role: RoleStyle]
}

extension Theme {
    /// Parses a theme file's text; `file` names it in errors (`theme light.toml:12: ...`).
    ///
    /// The file's `inherits = "name"` is not followed here (use ``ThemeLoader``); its roles
    /// are the whole theme.
    public static func parse(_ text: String, file: String) throws(TerminalError) -> Theme {
        let parsed = try ThemeFile.parse(text, file: file)
        return Theme(name: parsed.name ?? ThemeLoader.stem(of: file), description: parsed.description ?? "",
                     styles: parsed.styles)
    }

    /// This theme with `file`'s roles replacing its own, role by role, and its name and description.
    func overlaid(with file: ThemeFile, fileName: String) -> Theme {
        var styles = self.styles
        for (role, style) in file.styles { styles[role] = style }
        return Theme(name: file.name ?? ThemeLoader.stem(of: fileName), description: file.description ?? description,
                     styles: styles)
    }
}

extension ThemeFile {
    private static let roleKeys = ["fg", "bg", "fg256", "bg256", "fg16", "bg16", "fg8", "bg8",
                                   "bold", "dim", "underline", "reverse", "italic", "mono"]

    /// Parses and validates a theme file.
    static func parse(_ text: String, file: String) throws(TerminalError) -> ThemeFile {
        let root = try TOMLParser.parse(text, file: file)
        var result = ThemeFile(styles: [:])
        var palette: [String: ThemeColor] = [:]
        func fail(_ line: Int, _ message: String) -> TerminalError {
            TerminalError.badTheme(file: file, line: line, message)
        }
        func string(_ entry: TOMLTable.Entry, _ what: String) throws(TerminalError) -> String {
            guard case .string(let s) = entry.value else {
                throw fail(entry.line, "\(what) must be a string, not \(entry.value.kindName)")
            }
            return s
        }
        // The palette first: roles may refer to it whatever the order in the file.
        if let entry = root["palette"] {
            guard case .table(let table) = entry.value else { throw fail(entry.line, "palette must be a table: [palette]") }
            for e in table.entries {
                let key = Sanitizer.sanitize(e.key)
                if e.key == "default" || XtermPalette.basicIndex(named: e.key) != nil || e.key.hasPrefix("#") {
                    throw fail(e.line, "palette colour \"\(key)\" would hide the built-in colour of that name")
                }
                palette[e.key] = try color(e, palette: [:], file: file)
            }
        }
        for entry in root.entries {
            switch entry.key {
            case "name": result.name = try string(entry, "name")
            case "description": result.description = try string(entry, "description")
            case "inherits":
                result.inherits = try string(entry, "inherits")
                result.inheritsLine = entry.line
            case "palette": break
            case "roles":
                guard case .table(let roles) = entry.value else { throw fail(entry.line, "roles must be tables: [roles.selection]") }
                for r in roles.entries {
                    guard let role = Role(name: r.key) else {
                        throw fail(r.line, "unknown role \"\(Sanitizer.sanitize(r.key))\"\(suggestion(for: r.key))")
                    }
                    guard case .table(let table) = r.value else {
                        throw fail(r.line, "role \"\(r.key)\" must be a table: [roles.\(r.key)] or \(r.key) = { fg = \"...\" }")
                    }
                    result.styles[role] = try style(table, role: role, palette: palette, file: file)
                }
            default:
                throw fail(entry.line, "unknown key \"\(Sanitizer.sanitize(entry.key))\" (a theme has name, description, inherits, [palette] and [roles.NAME])")
            }
        }
        return result
    }

    private static func suggestion(for name: String) -> String {
        let lower = name.lowercased()
        let candidates = Role.allThemeable.map(\.name)
        if let close = candidates.first(where: { lower.hasPrefix($0) || $0.hasPrefix(lower) }) {
            return " (did you mean \"\(close)\"?)"
        }
        let names = Role.allThemeable.map(\.name).filter { !$0.hasPrefix("heat") && !$0.hasPrefix("service") }
        return " (roles: \(names.joined(separator: ", ")), heat0-heat9, service0-service\(Role.servicePaletteSize - 1))"
    }

    private static func style(_ table: TOMLTable, role: Role, palette: [String: ThemeColor], file: String) throws(TerminalError) -> RoleStyle {
        var style = RoleStyle()
        var fg: ThemeColor?, bg: ThemeColor?
        var fg256: Int?, bg256: Int?, fg16: Int?, bg16: Int?, fg8: Int?, bg8: Int?
        for e in table.entries {
            switch e.key {
            case "fg": fg = try color(e, palette: palette, file: file)
            case "bg": bg = try color(e, palette: palette, file: file)
            case "fg256": fg256 = try index(e, below: 256, file: file)
            case "bg256": bg256 = try index(e, below: 256, file: file)
            case "fg16": fg16 = try index(e, below: 16, file: file)
            case "bg16": bg16 = try index(e, below: 16, file: file)
            case "fg8": fg8 = try index(e, below: 8, file: file)
            case "bg8": bg8 = try index(e, below: 8, file: file)
            case "mono":
                style.monoAttributes = try attributeList(e, file: file)
            default:
                guard let attribute = TextAttributes.named.first(where: { $0.name == e.key })?.attribute else {
                    throw TerminalError.badTheme(file: file, line: e.line,
                        "unknown key \"\(Sanitizer.sanitize(e.key))\" in role \"\(role.name)\" (keys: \(roleKeys.joined(separator: ", ")))")
                }
                guard case .boolean(let on) = e.value else {
                    throw TerminalError.badTheme(file: file, line: e.line, "\(e.key) must be true or false, not \(e.value.kindName)")
                }
                if on { style.attributes.insert(attribute) } else { style.attributes.remove(attribute) }
            }
        }
        func merged(_ base: ThemeColor?, _ i256: Int?, _ i16: Int?, _ i8: Int?) -> ThemeColor? {
            guard base != nil || i256 != nil || i16 != nil || i8 != nil else { return nil }
            var c = base ?? ThemeColor(i256.map { .indexed($0) } ?? i16.map { .indexed($0) } ?? i8.map { .indexed($0) } ?? .terminalDefault)
            if let i256 { c.index256 = i256 }
            if let i16 { c.index16 = i16 }
            if let i8 { c.index8 = i8 }
            return c
        }
        style.foreground = merged(fg, fg256, fg16, fg8)
        style.background = merged(bg, bg256, bg16, bg8)
        return style
    }

    /// A colour: `"default"`, `"#rrggbb"`, `"#rgb"`, a basic colour name, a palette name, or an integer 0...255.
    private static func color(_ e: TOMLTable.Entry, palette: [String: ThemeColor], file: String) throws(TerminalError) -> ThemeColor {
        switch e.value {
        case .integer(let i):
            guard (0..<256).contains(i) else {
                throw TerminalError.badTheme(file: file, line: e.line, "colour index \(i) is out of range 0...255")
            }
            return ThemeColor(.indexed(i))
        case .string(let text):
            if text == "default" { return .terminalDefault }
            if text.hasPrefix("#") {
                guard let rgb = RGB(hex: text) else {
                    throw TerminalError.badTheme(file: file, line: e.line, "bad colour \"\(Sanitizer.sanitize(text))\" (use #rrggbb or #rgb)")
                }
                return ThemeColor(.rgb(rgb))
            }
            if let i = XtermPalette.basicIndex(named: text) { return ThemeColor(.indexed(i)) }
            if let named = palette[text] { return named }
            throw TerminalError.badTheme(file: file, line: e.line,
                "unknown colour \"\(Sanitizer.sanitize(text))\" (use \"default\", #rrggbb, 0-255, a [palette] name or one of \(XtermPalette.basicNames.joined(separator: ", ")))")
        default:
            throw TerminalError.badTheme(file: file, line: e.line, "\(e.key) must be a colour string or 0-255, not \(e.value.kindName)")
        }
    }

    /// A palette index below `limit`: an integer, or for 16 and 8 also a basic colour name.
    private static func index(_ e: TOMLTable.Entry, below limit: Int, file: String) throws(TerminalError) -> Int {
        let value: Int
        switch e.value {
        case .integer(let i): value = i
        case .string(let name) where limit <= 16:
            guard let i = XtermPalette.basicIndex(named: name) else {
                throw TerminalError.badTheme(file: file, line: e.line, "unknown colour \"\(Sanitizer.sanitize(name))\" for \(e.key)")
            }
            value = i
        default:
            throw TerminalError.badTheme(file: file, line: e.line,
                "\(e.key) must be \(limit <= 16 ? "a colour name or " : "")an integer 0...\(limit - 1), not \(e.value.kindName)")
        }
        guard (0..<limit).contains(value) else {
            throw TerminalError.badTheme(file: file, line: e.line, "\(e.key) = \(value) is out of range 0...\(limit - 1)")
        }
        return value
    }

    private static func attributeList(_ e: TOMLTable.Entry, file: String) throws(TerminalError) -> TextAttributes {
        let items: [TOMLValue]
        switch e.value {
        case .array(let a): items = a
        case .string: items = [e.value]
        default:
            throw TerminalError.badTheme(file: file, line: e.line, "mono must be a list like [\"bold\", \"reverse\"], not \(e.value.kindName)")
        }
        var attributes: TextAttributes = []
        for item in items {
            guard case .string(let name) = item, let a = TextAttributes.named.first(where: { $0.name == name })?.attribute else {
                throw TerminalError.badTheme(file: file, line: e.line,
                    "mono takes attribute names (\(TextAttributes.named.map(\.name).joined(separator: ", ")))")
            }
            attributes.insert(a)
        }
        return attributes
    }
}
