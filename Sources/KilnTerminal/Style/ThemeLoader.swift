/// Finds, reads and parses themes: `--theme NAME`, `--theme path/to/file.toml`, `KILN_THEME`.
///
/// A name is looked up as `NAME.toml` in, in order: `$KILN_THEMES_DIR`, `./themes`, the
/// executable's `../../themes` (a `.build/release/kiln` in a checkout) and `../share/kiln/themes`
/// (an installed binary); then among the themes built into the binary (`default`, `light`,
/// `high-contrast`, `mono`), so the binary works anywhere. A theme file may start from another
/// with `inherits = "NAME"`.
public enum ThemeLoader {
    /// What the loader may look at; ``process`` is the real one, tests make their own.
    public struct Context: Sendable {
        /// Environment variables (`KILN_THEME`, `KILN_THEMES_DIR`).
        public var environment: [String: String]
        /// The running executable's path, if known.
        public var executablePath: String?
        /// The current directory, if known.
        public var currentDirectory: String?
        /// Reads a whole file as text; nil when it cannot be read.
        public var readFile: @Sendable (String) -> String?

        /// Makes a context.
        public init(environment: [String: String], executablePath: String?, currentDirectory: String?,
                    readFile: @escaping @Sendable (String) -> String?) {
            self.environment = environment
            self.executablePath = executablePath
            self.currentDirectory = currentDirectory
            self.readFile = readFile
        }
    }

    /// The names of the themes built into the binary.
    public static var bundledNames: [String] { bundled.map(\.name) }

    /// The default theme, from the built-in copy; never fails (a test parses it).
    public static var builtInDefault: Theme {
        guard let text = bundled.first(where: { $0.name == "default" })?.text,
              let theme = try? Theme.parse(text, file: "default.toml")
        else { return .plain }
        return theme
    }

    /// Loads the theme `request` names (a name or a path), or `KILN_THEME`'s, or `default`.
    /// - Throws: ``TerminalError`` `.themeNotFound` or `.badTheme` naming file and line.
    public static func load(_ request: String?, context: Context) throws(TerminalError) -> Theme {
        let wanted = request ?? context.environment["KILN_THEME"].flatMap { $0.isEmpty ? nil : $0 } ?? "default"
        return try load(wanted, context: context, seen: [])
    }

    /// The directories searched for `NAME.toml`, in order.
    public static func searchDirectories(context: Context) -> [String] {
        var dirs: [String] = []
        if let dir = context.environment["KILN_THEMES_DIR"], !dir.isEmpty { dirs.append(dir) }
        if let cwd = context.currentDirectory { dirs.append(join(cwd, "themes")) }
        if let exe = context.executablePath, let exeDir = parent(exe) {
            dirs.append(join(exeDir, "../../themes"))
            dirs.append(join(exeDir, "../share/kiln/themes"))
        }
        return dirs
    }

    /// Whether a `--theme` value is a path rather than a name.
    public static func isPath(_ request: String) -> Bool {
        request.contains("/") || request.hasSuffix(".toml")
    }

    private static func load(_ request: String, context: Context, seen: [String]) throws(TerminalError) -> Theme {
        let (text, fileName) = try find(request, context: context)
        let file = try ThemeFile.parse(text, file: fileName)
        guard let baseName = file.inherits else {
            return Theme.plain.overlaid(with: file, fileName: fileName)
        }
        if seen.contains(baseName) || baseName == request || seen.count >= 8 {
            throw TerminalError.badTheme(file: fileName, line: file.inheritsLine,
                                         "inherits \"\(Sanitizer.sanitize(baseName))\" loops back to itself")
        }
        let base: Theme
        do {
            base = try load(baseName, context: context, seen: seen + [request])
        } catch where error.code == .themeNotFound {
            throw TerminalError.badTheme(file: fileName, line: file.inheritsLine, "inherits unknown theme \"\(Sanitizer.sanitize(baseName))\"")
        }
        return base.overlaid(with: file, fileName: fileName)
    }

    /// The text of the theme `request` names, and the name errors should use for its file.
    private static func find(_ request: String, context: Context) throws(TerminalError) -> (String, String) {
        if isPath(request) {
            guard let text = context.readFile(request) else {
                throw TerminalError(code: .themeNotFound, message: "cannot read theme file \"\(Sanitizer.sanitize(request))\"", context: "theme")
            }
            return (text, request)
        }
        guard request.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." }) else {
            throw TerminalError(code: .themeNotFound, message: "bad theme name \"\(Sanitizer.sanitize(request))\"", context: "theme")
        }
        let dirs = searchDirectories(context: context)
        for dir in dirs {
            if let text = context.readFile(join(dir, request + ".toml")) { return (text, request + ".toml") }
        }
        if let embedded = bundled.first(where: { $0.name == request }) { return (embedded.text, request + ".toml") }
        var error = TerminalError.themeNotFound(request, searched: dirs)
        error.message += "; built in: \(bundledNames.joined(separator: ", "))"
        throw error
    }

    /// `solarized` for `/x/themes/solarized.toml`.
    static func stem(of path: String) -> String {
        let base = path.split(separator: "/").last.map(String.init) ?? path
        return base.hasSuffix(".toml") ? String(base.dropLast(5)) : base
    }

    private static func parent(_ path: String) -> String? {
        guard let slash = path.lastIndex(of: "/") else { return nil }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    private static func join(_ a: String, _ b: String) -> String {
        a.hasSuffix("/") ? a + b : a + "/" + b
    }
}
