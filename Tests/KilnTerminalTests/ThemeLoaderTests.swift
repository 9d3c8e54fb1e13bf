import Testing
@testable import KilnTerminal

@Suite struct ThemeLoaderTests {
    private func context(files: [String: String], env: [String: String] = [:], exe: String? = "/opt/kiln/.build/release/kiln",
                         cwd: String? = "/home/u/project") -> ThemeLoader.Context {
        ThemeLoader.Context(environment: env, executablePath: exe, currentDirectory: cwd, readFile: { files[$0] })
    }

    @Test func searchOrder() {
        let ctx = context(files: [:], env: ["KILN_THEMES_DIR": "/etc/kiln/themes/"])
        #expect(ThemeLoader.searchDirectories(context: ctx) == [
            "/etc/kiln/themes/", "/home/u/project/themes", "/opt/kiln/.build/release/../../themes",
            "/opt/kiln/.build/release/../share/kiln/themes",
        ])
    }

    @Test func builtInThemesNeedNoFiles() throws {
        let ctx = context(files: [:], exe: nil, cwd: nil)
        for name in ThemeLoader.bundledNames {
            #expect(try ThemeLoader.load(name, context: ctx).name == name)
        }
        #expect(try ThemeLoader.load(nil, context: ctx).name == "default")
    }

    @Test func environmentChoosesTheTheme() throws {
        let ctx = context(files: [:], env: ["KILN_THEME": "light"])
        #expect(try ThemeLoader.load(nil, context: ctx).name == "light")
        #expect(try ThemeLoader.load("mono", context: ctx).name == "mono")
        let empty = context(files: [:], env: ["KILN_THEME": ""])
        #expect(try ThemeLoader.load(nil, context: empty).name == "default")
    }

    @Test func folderThemesWinOverBuiltIns() throws {
        let ctx = context(files: [
            "/home/u/project/themes/default.toml": "name = \"patched\"\n[roles.selection]\nfg = \"red\"",
            "/opt/kiln/.build/release/../../themes/solarized.toml": "name = \"solarized\"",
            "/x/dir/solarized.toml": "name = \"from-env-dir\"",
        ])
        #expect(try ThemeLoader.load("default", context: ctx).name == "patched")
        #expect(try ThemeLoader.load("solarized", context: ctx).name == "solarized")
        var withDir = ctx
        withDir.environment["KILN_THEMES_DIR"] = "/x/dir"
        #expect(try ThemeLoader.load("solarized", context: withDir).name == "from-env-dir")
    }

    @Test func pathsAreReadDirectly() throws {
        let ctx = context(files: ["./my.toml": "[roles.error]\nfg = \"#ff0000\"", "/abs/theme": "name = \"abs\""])
        let theme = try ThemeLoader.load("./my.toml", context: ctx)
        #expect(theme.name == "my")
        #expect(theme.style(for: .error, depth: .truecolor).foreground == .rgb(RGB(255, 0, 0)))
        #expect(try ThemeLoader.load("/abs/theme", context: ctx).name == "abs")
        do {
            _ = try ThemeLoader.load("missing.toml", context: ctx)
            Issue.record("no error")
        } catch {
            #expect(error.description == "theme: cannot read theme file \"missing.toml\"")
        }
    }

    @Test func unknownNamesListWhereTheLoaderLooked() {
        let ctx = context(files: [:], exe: nil, cwd: "/w")
        do {
            _ = try ThemeLoader.load("solarized", context: ctx)
            Issue.record("no error")
        } catch {
            #expect(error.code == .themeNotFound)
            #expect(error.description == "theme: no theme named \"solarized\" (looked in /w/themes); built in: default, light, high-contrast, mono")
        }
        do {
            _ = try ThemeLoader.load("bad\u{1B}name", context: ctx)
            Issue.record("no error")
        } catch {
            #expect(error.description == "theme: bad theme name \"bad\\x1bname\"")
        }
    }

    @Test func brokenThemeFileNamesFileAndLine() {
        let ctx = context(files: ["/home/u/project/themes/solarized.toml": "name = \"s\"\n\n[roles.heat9x]\nfg = \"red\""])
        do {
            _ = try ThemeLoader.load("solarized", context: ctx)
            Issue.record("no error")
        } catch {
            #expect(error.description == "theme solarized.toml:3: unknown role \"heat9x\" (did you mean \"heat9\"?)")
        }
    }

    @Test func inheritsStartsFromAnotherTheme() throws {
        let ctx = context(files: [
            "/home/u/project/themes/mine.toml": "inherits = \"default\"\nname = \"mine\"\n[roles.selection]\nfg = \"#ff0000\"",
            "/home/u/project/themes/a.toml": "inherits = \"b\"",
            "/home/u/project/themes/b.toml": "inherits = \"a\"",
            "/home/u/project/themes/c.toml": "\ninherits = \"nope\"",
        ])
        let mine = try ThemeLoader.load("mine", context: ctx)
        let base = ThemeLoader.builtInDefault
        #expect(mine.name == "mine")
        #expect(mine.style(for: .selection, depth: .truecolor).foreground == .rgb(RGB(255, 0, 0)))
        #expect(mine.style(for: .error, depth: .truecolor) == base.style(for: .error, depth: .truecolor))
        #expect(throws: TerminalError.self) { try ThemeLoader.load("a", context: ctx) }
        do {
            _ = try ThemeLoader.load("c", context: ctx)
            Issue.record("no error")
        } catch {
            #expect(error.description == "theme c.toml:2: inherits unknown theme \"nope\"")
        }
    }

    @Test func processContextReadsRealFiles() throws {
        let process = ThemeLoader.Context.process
        #expect(process.executablePath != nil)
        #expect(process.currentDirectory != nil)
        #expect(process.readFile("/nonexistent/kiln/theme.toml") == nil)
        #expect(process.readFile("/") == nil)
        let path = ThemeTests.themesFolder + "/light.toml"
        #expect(try ThemeLoader.load(path, context: process).name == "light")
    }
}
