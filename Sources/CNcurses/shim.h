#define _XOPEN_SOURCE_EXTENDED 1
#define NCURSES_WIDECHAR 1
#include <ncursesw/curses.h>
#include <locale.h>
#include <langinfo.h>

// Swift cannot import these macros and globals safely; wrap them (see STYLE.md).
static inline WINDOW *kiln_stdscr(void) { return stdscr; }
static inline int kiln_lines(void) { return LINES; }
static inline int kiln_cols(void) { return COLS; }
static inline attr_t kiln_a_bold(void) { return A_BOLD; }
static inline attr_t kiln_a_reverse(void) { return A_REVERSE; }
static inline attr_t kiln_a_underline(void) { return A_UNDERLINE; }
static inline attr_t kiln_a_dim(void) { return A_DIM; }
static inline attr_t kiln_a_normal(void) { return A_NORMAL; }
