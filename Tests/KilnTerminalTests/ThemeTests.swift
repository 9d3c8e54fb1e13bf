import Testing
@testable import KilnTerminal

@Suite struct ThemeTests {
    static let themesFolder: String = {
        let file = #filePath
        let testsDir = file.split(separator: "/", omittingEmptySubsequences: false).dropLast(3).joined(separator: "/")
        return testsDir + "/themes"
    }()

    @Test(arguments: ["default", "light", "high-contrast", "mono"])
    func bundledThemeFilesParse(name: String) throws {
        let path = Self.themesFolder + "/" + name + ".toml"
        let text = try #require(ProcessEnvironment.readTextFile(path), "cannot read \(path)")
        let theme = try Theme.parse(text, file: name + ".toml")
        #expect(theme.name == name)
        #expect(!theme.description.isEmpty)
        // Every role resolves at every depth without trapping, and the key roles are visible
        // without colour.
        for depth in ColorDepth.allCases {
            for role in Role.allThemeable { _ = theme.style(for: role, depth: depth) }
            #expect(!theme.style(for: .selection, depth: .none).attributes.isEmpty)
            #expect(!theme.style(for: .cursor, depth: .none).attributes.isEmpty)
            #expect(!theme.style(for: .statusBar, depth: .none).attributes.isEmpty)
        }
    }

    @Test func colourThemesStyleEveryRole() throws {
        for name in ["default", "light", "high-contrast"] {
            let text = try #require(ThemeLoader.bundled.first { $0.name == name }?.text)
            let theme = try Theme.parse(text, file: name)
            let missing = Role.allThemeable.filter { theme.styles[$0] == nil }
            #expect(missing.isEmpty, "\(name) lacks \(missing.map(\.name))")
            // Heat levels are distinct colours at 256 colours, so the ramp reads.
            let heat = (1...9).map { theme.style(for: .heat($0), depth: .xterm256).foreground }
            #expect(Set(heat).count >= 8, "\(name) heat ramp collapses: \(heat)")
        }
    }

    @Test func monoThemeHasNoColours() throws {
        let text = try #require(ThemeLoader.bundled.first { $0.name == "mono" }?.text)
        let theme = try Theme.parse(text, file: "mono.toml")
        for role in Role.allThemeable {
            let s = theme.style(for: role, depth: .truecolor)
            #expect(s.foreground == .terminalDefault && s.background == .terminalDefault)
        }
        #expect(theme.style(for: .selection, depth: .truecolor).attributes == .reverse)
        #expect(theme.style(for: .service(7), depth: .truecolor).attributes == [])
    }

    @Test func embeddedThemesMatchTheFolder() throws {
        var generated = """
        // Generated from themes/*.toml so the binary works without the themes folder; a test
        // checks that this file matches the folder (KILN_RECORD_THEMES=1 swift test --filter
        // BundledThemes rewrites it).

        extension ThemeLoader {
            /// The themes shipped in `themes/`, by name, as file text.
            static let bundled: [(name: String, text: String)] = [

        """
        var stale: [String] = []
        for (name, embedded) in ThemeLoader.bundled {
            let text = try #require(ProcessEnvironment.readTextFile(Self.themesFolder + "/" + name + ".toml"))
            if text != embedded { stale.append(name) }
            generated += "        (\"\(name)\", #\"\"\"\n\(text)\n\"\"\"#),\n"
        }
        generated += "    ]\n}\n"
        let env = ProcessEnvironment.variables()
        if env["KILN_RECORD_THEMES"] == "1", !stale.isEmpty {
            let target = Self.themesFolder + "/../Sources/KilnTerminal/Style/ThemeLoader+Bundled.swift"
            let f = fopen(target, "w")
            fputs(generated, f)
            fclose(f)
            return
        }
        #expect(stale.isEmpty, "embedded copies differ from themes/: \(stale); rerun with KILN_RECORD_THEMES=1")
    }

    @Test func builtInDefaultIsTheDefaultFile() {
        #expect(ThemeLoader.builtInDefault.name == "default")
        #expect(ThemeLoader.builtInDefault.styles.count == Role.allThemeable.count)
    }

    @Test func selectionExampleFromTheBrief() throws {
        let theme = try Theme.parse("""
        [roles.selection]
        fg = "#ffd75f"
        bg = "default"
        bold = true
        fg256 = 221
        fg16 = "yellow"
        """, file: "x.toml")
        #expect(theme.style(for: .selection, depth: .truecolor) ==
                ResolvedStyle(foreground: .rgb(RGB(0xff, 0xd7, 0x5f)), background: .terminalDefault, attributes: .bold))
        #expect(theme.style(for: .selection, depth: .xterm256).foreground == .indexed(221))
        #expect(theme.style(for: .selection, depth: .ansi16).foreground == .indexed(3))
        #expect(theme.style(for: .selection, depth: .ansi8).foreground == .indexed(3))
        #expect(theme.style(for: .selection, depth: .none) == ResolvedStyle(attributes: [.bold, .reverse]))
    }

    @Test func computedFallbacks() throws {
        let theme = try Theme.parse("""
        [palette]
        brand = "#d70000"
        [roles]
        error = { fg = "brand" }
        info = { fg = 45 }
        warning = { fg = "bright-yellow" }
        marker = { fg = "#ff8700", fg8 = "magenta", mono = ["underline"] }
        """, file: "x.toml")
        #expect(theme.style(for: .error, depth: .truecolor).foreground == .rgb(RGB(0xd7, 0, 0)))
        #expect(theme.style(for: .error, depth: .xterm256).foreground == .indexed(160))
        #expect(theme.style(for: .error, depth: .ansi16).foreground == .indexed(1))
        #expect(theme.style(for: .info, depth: .truecolor).foreground == .indexed(45))
        #expect(theme.style(for: .info, depth: .ansi16).foreground == .indexed(14))
        #expect(theme.style(for: .info, depth: .ansi8).foreground == .indexed(6))
        #expect(theme.style(for: .warning, depth: .ansi16).foreground == .indexed(11))
        #expect(theme.style(for: .warning, depth: .ansi8).foreground == .indexed(3))
        #expect(theme.style(for: .marker, depth: .ansi8).foreground == .indexed(5))
        #expect(theme.style(for: .marker, depth: .none).attributes == .underline)
    }

    @Test func rolesBorrowFromTheirFallbacks() throws {
        let theme = try Theme.parse("""
        [roles]
        normal = { fg = "#eeeeee" }
        status-bar = { fg = "black", bg = "white" }
        key-hint-key = { bold = true }
        heat2 = { fg = "#00ff00" }
        service0 = { fg = "red" }
        """, file: "x.toml")
        let key = theme.style(for: .keyHintKey, depth: .ansi16)
        #expect(key.foreground == .indexed(0))
        #expect(key.background == .indexed(7))
        #expect(key.attributes == .bold)
        #expect(theme.style(for: .keyHint, depth: .ansi16).background == .indexed(7))
        #expect(theme.style(for: .heat(5), depth: .truecolor).foreground == .rgb(RGB(0, 255, 0)))
        #expect(theme.style(for: .heat(1), depth: .truecolor).foreground == .rgb(RGB(0xee, 0xee, 0xee)))
        #expect(theme.style(for: .heat(42), depth: .truecolor) == theme.style(for: .heat(9), depth: .truecolor))
        #expect(theme.style(for: .service(5), depth: .ansi16).foreground == .indexed(1))
        #expect(theme.style(for: .service(-7), depth: .ansi16).foreground == .indexed(1))
        #expect(Theme.plain.style(for: .selection, depth: .truecolor) == .plain)
    }

    @Test(arguments: [
        ("[roles.heat9x]\nfg = \"red\"", "theme solarized.toml:1: unknown role \"heat9x\" (did you mean \"heat9\"?)"),
        ("\n\n[roles.selection]\ncolour = \"red\"", "theme solarized.toml:4: unknown key \"colour\" in role \"selection\" (keys: fg, bg, fg256, bg256, fg16, bg16, fg8, bg8, bold, dim, underline, reverse, italic, mono)"),
        ("[roles.selection]\nfg = \"#ffd75\"", "theme solarized.toml:2: bad colour \"#ffd75\" (use #rrggbb or #rgb)"),
        ("[roles.selection]\nfg = \"orange\"", "theme solarized.toml:2: unknown colour \"orange\" (use \"default\", #rrggbb, 0-255, a [palette] name or one of black, red, green, yellow, blue, magenta, cyan, white, bright-black, bright-red, bright-green, bright-yellow, bright-blue, bright-magenta, bright-cyan, bright-white)"),
        ("[roles.selection]\nfg256 = 300", "theme solarized.toml:2: fg256 = 300 is out of range 0...255"),
        ("[roles.selection]\nfg16 = \"pink\"", "theme solarized.toml:2: unknown colour \"pink\" for fg16"),
        ("[roles.selection]\nfg8 = \"bright-red\"", "theme solarized.toml:2: fg8 = 9 is out of range 0...7"),
        ("[roles.selection]\nfg = 256", "theme solarized.toml:2: colour index 256 is out of range 0...255"),
        ("[roles.selection]\nbold = \"yes\"", "theme solarized.toml:2: bold must be true or false, not a string"),
        ("[roles.selection]\nmono = [\"blink\"]", "theme solarized.toml:2: mono takes attribute names (bold, dim, underline, reverse, italic)"),
        ("[roles]\nselection = 3", "theme solarized.toml:2: role \"selection\" must be a table: [roles.selection] or selection = { fg = \"...\" }"),
        ("colors = 1", "theme solarized.toml:1: unknown key \"colors\" (a theme has name, description, inherits, [palette] and [roles.NAME])"),
        ("name = 3", "theme solarized.toml:1: name must be a string, not an integer"),
        ("[palette]\nred = \"#ff0000\"", "theme solarized.toml:2: palette colour \"red\" would hide the built-in colour of that name"),
        ("roles = 1", "theme solarized.toml:1: roles must be tables: [roles.selection]"),
        ("[roles.bogus]\n", "theme solarized.toml:1: unknown role \"bogus\" (roles: normal, dim, accent, title, header, border, focused-border, status-bar, key-hint, key-hint-key, breadcrumb, selection, baseline, marker, cursor, axis, error, warning, success, info, live, paused, search-match, prompt, popup, field-name, heat0-heat9, service0-service11)"),
    ])
    func errorsNameFileLineAndProblem(text: String, message: String) {
        do {
            _ = try Theme.parse(text, file: "solarized.toml")
            Issue.record("no error for \(text)")
        } catch {
            #expect(error.description == message)
            #expect(error.code == .badTheme)
        }
    }

    @Test func roleNamesRoundTrip() {
        for role in Role.allThemeable {
            #expect(Role(name: role.name) == role)
        }
        #expect(Role.allThemeable.count == 16 + 10 + 12 + 10)
        #expect(Set(Role.allThemeable.map(\.dumpSymbol)).count == Role.allThemeable.count)
        #expect(Role(name: "heat10") == nil)
        #expect(Role.heat(-3).normalized == .heat(0))
        #expect(Role.service(Int.min).normalized == .service(Int.min % 12 + 12))
    }
}

#if canImport(Glibc)
import Glibc
#endif
