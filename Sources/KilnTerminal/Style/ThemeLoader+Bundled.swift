// Generated from themes/*.toml so the binary works without the themes folder; a test
// checks that this file matches the folder (KILN_RECORD_THEMES=1 swift test --filter
// BundledThemes rewrites it).

extension ThemeLoader {
    /// The themes shipped in `themes/`, by name, as file text.
    static let bundled: [(name: String, text: String)] = [
        ("default", #"""
# Kiln's default theme: for dark terminal backgrounds.
#
# Views name what text means (a role); this file says how each role looks.
# Every role is a table with any of these keys:
#
#   fg, bg            "default" (the terminal's own colour), "#rrggbb", "#rgb",
#                     0-255 (xterm palette), a basic colour name (black, red, green,
#                     yellow, blue, magenta, cyan, white, bright-black ... bright-white)
#                     or a name from [palette]
#   fg256, bg256      explicit colour for 256-colour terminals (else the nearest is computed)
#   fg16, bg16        explicit basic colour for 16-colour terminals (name or 0-15)
#   fg8, bg8          explicit basic colour for 8-colour terminals (name or 0-7)
#   bold, dim, underline, reverse, italic    true or false
#   mono              attributes used instead when there is no colour at all,
#                     e.g. mono = ["reverse"]; without it, the role's own attributes
#                     plus a built-in choice that keeps it visible (selection: reverse)
#
# A role left out borrows from a related one (key-hint-key -> key-hint -> status-bar
# -> normal, heat5 -> heat4, focused-border -> border, ...).
# Another file can start from this one with: inherits = "default"

name = "default"
description = "for dark backgrounds"

[palette]
grey-text = "#8a8a8a"
bar = "#303030"
ink = "#000000"

[roles.normal]
fg = "default"
bg = "default"

[roles.dim]
fg = "grey-text"
fg16 = "bright-black"
fg8 = "white"

[roles.accent]
fg = "#5fd7ff"
bold = true

[roles.title]
fg = "#ffffff"
bold = true

[roles.header]
fg = "#d7d7ff"
bold = true

[roles.border]
fg = "#585858"
fg16 = "bright-black"
fg8 = "white"

[roles.focused-border]
fg = "#5fafff"
fg16 = "bright-blue"
fg8 = "blue"

[roles.status-bar]
fg = "#d0d0d0"
bg = "bar"
fg16 = "black"
bg16 = "white"

[roles.key-hint]
fg = "#a8a8a8"
fg16 = "black"

[roles.key-hint-key]
fg = "#ffd75f"
fg16 = "blue"
bold = true

[roles.breadcrumb]
fg = "#87afd7"

[roles.selection]
fg = "#ffd75f"
bg = "default"
bold = true
fg256 = 221
fg16 = "yellow"

[roles.baseline]
fg = "#5f87af"
fg16 = "blue"

[roles.marker]
fg = "#ff5fd7"
bold = true
fg16 = "bright-magenta"
fg8 = "magenta"

[roles.cursor]
fg = "#ffffff"
bg = "#005f87"
fg16 = "bright-white"
bg16 = "blue"
fg8 = "white"

[roles.axis]
fg = "grey-text"
fg16 = "bright-black"
fg8 = "white"

# Heat levels: 0 is an empty cell, 9 the hottest.
[roles]
heat0 = { fg = "#303030", fg16 = "bright-black", fg8 = "blue" }
heat1 = { fg = "#1f3b73", fg16 = "blue" }
heat2 = { fg = "#2a5f9e", fg16 = "blue" }
heat3 = { fg = "#3b8bc2", fg16 = "cyan" }
heat4 = { fg = "#4fb3b0", fg16 = "cyan" }
heat5 = { fg = "#7fcf7a", fg16 = "green" }
heat6 = { fg = "#c3d84a", fg16 = "bright-green", fg8 = "green" }
heat7 = { fg = "#f2c12e", fg16 = "yellow" }
heat8 = { fg = "#f78a1d", fg16 = "bright-yellow", fg8 = "yellow" }
heat9 = { fg = "#e8412c", fg16 = "bright-red", fg8 = "red", bold = true }

# Services in traces: a stable palette, assigned by service name.
service0 = { fg = "#5fafff" }
service1 = { fg = "#ffaf5f" }
service2 = { fg = "#87d787" }
service3 = { fg = "#ff87af" }
service4 = { fg = "#af87ff" }
service5 = { fg = "#d7d75f" }
service6 = { fg = "#5fd7d7" }
service7 = { fg = "#ff875f" }
service8 = { fg = "#d787d7" }
service9 = { fg = "#87afd7" }
service10 = { fg = "#d7af87" }
service11 = { fg = "#afd75f" }

[roles.error]
fg = "#ff5f5f"
bold = true
fg16 = "bright-red"
fg8 = "red"

[roles.warning]
fg = "#ffaf00"
fg16 = "yellow"

[roles.success]
fg = "#87d75f"
fg16 = "green"

[roles.info]
fg = "#5fafd7"
fg16 = "cyan"

[roles.live]
fg = "ink"
bg = "#5fd75f"
bold = true
fg16 = "black"
bg16 = "green"

[roles.paused]
fg = "ink"
bg = "#ffaf00"
bold = true
fg16 = "black"
bg16 = "yellow"

[roles.search-match]
fg = "ink"
bg = "#ffd75f"
fg16 = "black"
bg16 = "yellow"

[roles.prompt]
fg = "#ffffff"
bold = true

[roles.popup]
fg = "#d0d0d0"
bg = "#262626"
bg16 = "black"

[roles.field-name]
fg = "#afafd7"
fg16 = "cyan"

"""#),
        ("light", #"""
# Kiln theme for light terminal backgrounds. Keys are explained in default.toml.

name = "light"
description = "for light backgrounds"

[roles.normal]
fg = "default"
bg = "default"

[roles.dim]
fg = "#6c6c6c"
fg16 = "bright-black"
fg8 = "black"

[roles.accent]
fg = "#005f87"
bold = true
fg16 = "blue"

[roles.title]
fg = "#000000"
bold = true

[roles.header]
fg = "#303060"
bold = true
fg16 = "blue"

[roles.border]
fg = "#a8a8a8"
fg16 = "bright-black"
fg8 = "black"

[roles.focused-border]
fg = "#005fd7"
fg16 = "blue"

[roles.status-bar]
fg = "#262626"
bg = "#d0d0d0"
fg16 = "black"
bg16 = "white"

[roles.key-hint]
fg = "#444444"
fg16 = "black"

[roles.key-hint-key]
fg = "#870000"
bold = true
fg16 = "red"

[roles.breadcrumb]
fg = "#005f87"
fg16 = "blue"

[roles.selection]
fg = "#af5f00"
bold = true
fg16 = "red"
fg8 = "red"

[roles.baseline]
fg = "#5f87af"
fg16 = "blue"

[roles.marker]
fg = "#af0087"
bold = true
fg16 = "magenta"

[roles.cursor]
fg = "#000000"
bg = "#afd7ff"
fg16 = "black"
bg16 = "cyan"

[roles.axis]
fg = "#6c6c6c"
fg16 = "bright-black"
fg8 = "black"

[roles]
heat0 = { fg = "#e4e4e4", fg16 = "white", fg8 = "white" }
heat1 = { fg = "#a6c8e4", fg16 = "cyan" }
heat2 = { fg = "#74a9cf", fg16 = "cyan" }
heat3 = { fg = "#3690c0", fg16 = "blue" }
heat4 = { fg = "#0570b0", fg16 = "blue" }
heat5 = { fg = "#5e4fa2", fg16 = "magenta" }
heat6 = { fg = "#7a5195", fg16 = "magenta" }
heat7 = { fg = "#bc5090", fg16 = "bright-magenta", fg8 = "magenta" }
heat8 = { fg = "#ef5675", fg16 = "bright-red", fg8 = "red" }
heat9 = { fg = "#c00000", fg16 = "red", bold = true }

service0 = { fg = "#005faf" }
service1 = { fg = "#af5f00" }
service2 = { fg = "#008700" }
service3 = { fg = "#af005f" }
service4 = { fg = "#5f00af" }
service5 = { fg = "#878700" }
service6 = { fg = "#008787" }
service7 = { fg = "#d75f00" }
service8 = { fg = "#870087" }
service9 = { fg = "#5f5faf" }
service10 = { fg = "#875f00" }
service11 = { fg = "#5f8700" }

[roles.error]
fg = "#d70000"
bold = true
fg16 = "red"

[roles.warning]
fg = "#af5f00"
fg16 = "yellow"
fg8 = "red"

[roles.success]
fg = "#008700"
fg16 = "green"

[roles.info]
fg = "#005f87"
fg16 = "blue"

[roles.live]
fg = "#ffffff"
bg = "#008700"
bold = true
fg16 = "bright-white"
bg16 = "green"
fg8 = "white"

[roles.paused]
fg = "#000000"
bg = "#ffaf00"
bold = true
fg16 = "black"
bg16 = "yellow"

[roles.search-match]
fg = "#000000"
bg = "#ffff5f"
fg16 = "black"
bg16 = "yellow"

[roles.prompt]
fg = "#000000"
bold = true

[roles.popup]
fg = "#262626"
bg = "#eeeeee"
fg16 = "black"
bg16 = "white"

[roles.field-name]
fg = "#5f5f87"
fg16 = "blue"

"""#),
        ("high-contrast", #"""
# Kiln theme with maximum contrast: black background, pure colours, bold text.
# Keys are explained in default.toml.

name = "high-contrast"
description = "black background, pure colours, bold"

[roles.normal]
fg = "#ffffff"
bg = "#000000"
fg16 = "bright-white"
bg16 = "black"
fg8 = "white"

[roles.dim]
fg = "#d0d0d0"
fg16 = "white"

[roles.accent]
fg = "#00ffff"
bold = true
fg16 = "bright-cyan"
fg8 = "cyan"

[roles.title]
fg = "#ffffff"
bold = true
underline = true
fg16 = "bright-white"

[roles.header]
fg = "#ffff00"
bold = true
underline = true
fg16 = "bright-yellow"
fg8 = "yellow"

[roles.border]
fg = "#ffffff"
fg16 = "white"

[roles.focused-border]
fg = "#ffff00"
bold = true
fg16 = "bright-yellow"
fg8 = "yellow"

[roles.status-bar]
fg = "#000000"
bg = "#ffffff"
fg16 = "black"
bg16 = "white"

[roles.key-hint]
fg = "#000000"

[roles.key-hint-key]
fg = "#0000d7"
bold = true
underline = true
fg16 = "blue"

[roles.breadcrumb]
fg = "#00ffff"
bold = true
fg16 = "bright-cyan"
fg8 = "cyan"

[roles.selection]
fg = "#000000"
bg = "#ffff00"
bold = true
fg16 = "black"
bg16 = "bright-yellow"
bg8 = "yellow"

[roles.baseline]
fg = "#00afff"
bold = true
fg16 = "bright-blue"
fg8 = "cyan"

[roles.marker]
fg = "#ff00ff"
bold = true
fg16 = "bright-magenta"
fg8 = "magenta"

[roles.cursor]
fg = "#000000"
bg = "#00ffff"
bold = true
fg16 = "black"
bg16 = "bright-cyan"
bg8 = "cyan"

[roles.axis]
fg = "#ffffff"
fg16 = "white"

[roles]
heat0 = { fg = "#444444", fg16 = "bright-black", fg8 = "blue" }
heat1 = { fg = "#0000ff", fg16 = "blue" }
heat2 = { fg = "#0087ff", fg16 = "bright-blue", fg8 = "blue" }
heat3 = { fg = "#00d7ff", fg16 = "cyan" }
heat4 = { fg = "#00ffaf", fg16 = "bright-cyan", fg8 = "cyan" }
heat5 = { fg = "#00ff00", fg16 = "bright-green", fg8 = "green" }
heat6 = { fg = "#afff00", fg16 = "green" }
heat7 = { fg = "#ffff00", fg16 = "bright-yellow", fg8 = "yellow", bold = true }
heat8 = { fg = "#ff8700", fg16 = "yellow", bold = true }
heat9 = { fg = "#ff0000", fg16 = "bright-red", fg8 = "red", bold = true }

service0 = { fg = "#00ffff", bold = true }
service1 = { fg = "#ffff00", bold = true }
service2 = { fg = "#00ff00", bold = true }
service3 = { fg = "#ff00ff", bold = true }
service4 = { fg = "#ff8700", bold = true }
service5 = { fg = "#87afff", bold = true }
service6 = { fg = "#ff5f5f", bold = true }
service7 = { fg = "#ffffff", bold = true }
service8 = { fg = "#afff00", bold = true }
service9 = { fg = "#ff87d7", bold = true }
service10 = { fg = "#00afff", bold = true }
service11 = { fg = "#ffd700", bold = true }

[roles.error]
fg = "#ffffff"
bg = "#d70000"
bold = true
fg16 = "bright-white"
bg16 = "red"
fg8 = "white"

[roles.warning]
fg = "#000000"
bg = "#ffaf00"
bold = true
fg16 = "black"
bg16 = "yellow"

[roles.success]
fg = "#00ff00"
bold = true
fg16 = "bright-green"
fg8 = "green"

[roles.info]
fg = "#00ffff"
fg16 = "bright-cyan"
fg8 = "cyan"

[roles.live]
fg = "#000000"
bg = "#00ff00"
bold = true
fg16 = "black"
bg16 = "bright-green"
bg8 = "green"

[roles.paused]
fg = "#000000"
bg = "#ffff00"
bold = true
fg16 = "black"
bg16 = "bright-yellow"
bg8 = "yellow"

[roles.search-match]
fg = "#000000"
bg = "#ff00ff"
bold = true
fg16 = "black"
bg16 = "bright-magenta"
bg8 = "magenta"

[roles.prompt]
fg = "#ffff00"
bold = true
fg16 = "bright-yellow"
fg8 = "yellow"

[roles.popup]
fg = "#ffffff"
bg = "#00005f"
fg16 = "bright-white"
bg16 = "blue"
fg8 = "white"

[roles.field-name]
fg = "#00ffff"
bold = true
fg16 = "bright-cyan"
fg8 = "cyan"

"""#),
        ("mono", #"""
# Kiln's monochrome theme: no colours at all, only attributes, on any terminal.
# Keys are explained in default.toml. Heat levels stay readable through the glyph ramp.

name = "mono"
description = "no colour, attributes only"

[roles]
normal = {}
dim = { dim = true }
accent = { bold = true }
title = { bold = true }
header = { bold = true, underline = true }
border = { dim = true }
focused-border = { bold = true }
status-bar = { reverse = true }
key-hint = { reverse = true }
key-hint-key = { reverse = true, bold = true }
breadcrumb = { bold = true }
selection = { reverse = true }
baseline = { dim = true }
marker = { bold = true, underline = true }
cursor = { reverse = true, bold = true }
axis = { dim = true }
heat0 = { dim = true }
heat1 = {}
heat7 = { bold = true }
service0 = {}
error = { bold = true, reverse = true }
warning = { bold = true, underline = true }
success = { bold = true }
info = {}
live = { reverse = true, bold = true }
paused = { reverse = true }
search-match = { reverse = true, underline = true }
prompt = { bold = true }
popup = {}
field-name = { bold = true }

"""#),
    ]
}
