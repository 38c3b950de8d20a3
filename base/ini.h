/* ini.h -- the one INI reader: scenarios (sim/scenario.c) and training
 * recipes read their files through it. libinih (Debian's) does the lexing;
 * this wrapper adds what inih lacks: the file and line of every section
 * header and key, includes, and errors as base_status with file:line.
 *
 * Format (libinih's):
 *   [section]        a header; the section callback sees it when its line
 *                    is read, so even an empty section can be refused there
 *   key = value      (or key: value); leading/trailing spaces trimmed
 *   ; or # comments at the start of a line, ; after whitespace inside one
 *   lines of at most 196 characters
 * Includes (when handlers.include_key is set, e.g. "include"): the line
 * `include = F` in any section, or before the first, reads F (relative to
 * the including file) at that point, so keys after it override it. Cycles
 * and nesting deeper than BASE_INI_MAX_DEPTH are errors at the include line.
 *
 * Errors: the first error stops the parse. A callback's error (it fills
 * err; file and line are added when it left them empty) wins over an inih
 * syntax error seen earlier in the same file (the callback's lines are
 * reported as they come; inih reports its syntax error line only at the end).
 *
 *   static base_status on_key(void *u, const base_ini_item *it, base_err *err);
 *   base_ini_handlers h = {.key = on_key, .include_key = "include"};
 *   st = base_ini_parse("a.ini", &h, ctx, &err);   // err: "a.ini:3: ..."
 */
#ifndef BASE_INI_H
#define BASE_INI_H

#include <stddef.h>

#include "base/status.h"

#define BASE_INI_MAX_DEPTH 16

/* One `key = value` line. The strings live until the callback returns. */
typedef struct base_ini_item {
    const char *file;    /* the file the line is in (as opened: include paths
                            are joined to the including file's folder)       */
    int line;            /* 1-based line number in file                      */
    const char *section; /* "" before the first header                       */
    const char *key;
    const char *value;
} base_ini_item;

typedef struct base_ini_handlers {
    /* A section header at file:line (name trimmed, without brackets); may be
     * NULL. Return BASE_OK to accept it. */
    base_status (*section)(void *user, const char *file, int line, const char *name, base_err *err);
    /* A key line (include lines are not passed on); may be NULL. */
    base_status (*key)(void *user, const base_ini_item *item, base_err *err);
    /* The key that includes another file ("include"); NULL: no includes. */
    const char *include_key;
} base_ini_handlers;

/* Parse the file at path, calling h's callbacks in file order with user.
 * BASE_EIO when path (or an include) cannot be opened or read, BASE_EFORMAT
 * for a syntax error, BASE_EINVAL / BASE_ERANGE for include cycles / depth,
 * or the first error a callback returned. err names file:line. */
base_status base_ini_parse(const char *path, const base_ini_handlers *h, void *user, base_err *err);

/* value as a path relative to the folder of file (value itself when it is
 * absolute or empty, or file is NULL or ""), into buf (n bytes, truncated). */
void base_ini_join_path(const char *file, const char *value, char *buf, size_t n);

#endif
