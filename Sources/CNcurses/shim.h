// The C surface KilnTerminal's CursesTerminal uses. Only what Swift cannot call directly is
// wrapped here, each for a stated reason (measured with Swift 6.3 and ncurses 6.4):
// - macros that are not simple constants (A_BOLD, mouse masks) do not import;
// - ncurses globals (stdscr, curscr, COLS, LINES, COLORS, COLOR_PAIRS, cur_term) and libc's
//   stdin/stdout import as shared mutable state that Swift 6 rejects or races on;
// - tigetstr() returns (char *)-1 for "not a string capability", awkward to test in Swift;
// - setcchar + mvwadd_wch per cell is one call instead of a cchar_t round trip.
#ifndef KILN_CNCURSES_SHIM_H
#define KILN_CNCURSES_SHIM_H

#define _XOPEN_SOURCE_EXTENDED 1
#define NCURSES_WIDECHAR 1
#include <ncursesw/curses.h>
#include <ncursesw/term.h>
#include <locale.h>
#include <langinfo.h>
#include <stdio.h>
#include <wchar.h>

static inline WINDOW *kiln_stdscr(void) { return stdscr; }
static inline WINDOW *kiln_curscr(void) { return curscr; }
static inline int kiln_lines(void) { return LINES; }
static inline int kiln_cols(void) { return COLS; }
static inline int kiln_colors(void) { return COLORS; }
static inline int kiln_color_pairs(void) { return COLOR_PAIRS; }
static inline FILE *kiln_stdin(void) { return stdin; }
static inline FILE *kiln_stdout(void) { return stdout; }

static inline attr_t kiln_a_normal(void) { return A_NORMAL; }
static inline attr_t kiln_a_bold(void) { return A_BOLD; }
static inline attr_t kiln_a_dim(void) { return A_DIM; }
static inline attr_t kiln_a_underline(void) { return A_UNDERLINE; }
static inline attr_t kiln_a_reverse(void) { return A_REVERSE; }
static inline attr_t kiln_a_italic(void) { return A_ITALIC; }

static inline mmask_t kiln_all_mouse_events(void) { return ALL_MOUSE_EVENTS; }
static inline mmask_t kiln_report_mouse_position(void) { return REPORT_MOUSE_POSITION; }
static inline mmask_t kiln_button1_pressed(void) { return BUTTON1_PRESSED; }
static inline mmask_t kiln_button4_pressed(void) { return BUTTON4_PRESSED; }
static inline mmask_t kiln_button5_pressed(void) { return BUTTON5_PRESSED; }
static inline mmask_t kiln_button_shift(void) { return BUTTON_SHIFT; }

/// A string capability of the terminal set up by setupterm, or NULL when absent or not a string.
static inline const char *kiln_tigetstr(const char *name) {
    char *s = tigetstr(name);
    return (s == (char *)-1) ? NULL : s;
}

/// Frees the terminfo entry loaded by setupterm (newterm loads its own).
static inline void kiln_forget_terminfo(void) {
    if (cur_term != NULL) del_curterm(cur_term);
}

/// The C library's column width of one wide character (-1 for non-printable).
static inline int kiln_wcwidth(wchar_t c) { return wcwidth(c); }

/// Puts one cell: a NUL-terminated wide string (a spacing character plus up to three combining
/// ones) with attributes and an extended colour pair.
static inline int kiln_put_cell(int y, int x, const wchar_t *text, attr_t attrs, int pair) {
    cchar_t cell;
    if (setcchar(&cell, text, attrs, 0, &pair) == ERR) return ERR;
    return mvwadd_wch(stdscr, y, x, &cell);
}

#endif
