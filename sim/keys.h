/* keys.h -- the scenario key registry: every key a scenario may set, with
 * its type, default, unit, allowed values, doc line and the sim_config field
 * it lands in.
 *
 * Where it sits: under sim/scenario.c (which parses files into key values
 * and resolves them through this table into a sim_config) and sim/sweep.c;
 * `semsim validate --list-keys[=markdown]` prints it, and
 * tools/gen-scenario-doc.sh puts the Markdown tables into docs/scenario.md
 * (prose from docs/scenario.md.in), so the docs cannot drift from the parser.
 *
 * Allowed values of an enum key are either a literal list "a|b|c" or come
 * from a function of the stage that implements them (sim_key_def.values: a
 * NULL-terminated list the stage owns), so a new equalizer, channel model or
 * source kind is accepted once its stage's table has it. A choice "pre-*"
 * matches "pre-N" for any positive integer N (opus-*).
 */
#ifndef SIM_KEYS_H
#define SIM_KEYS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "base/status.h"
#include "sim/sim_config.h"

typedef enum sim_key_type {
    SIM_KEY_INT,    /* 64-bit integer, optional range "min..max"           */
    SIM_KEY_DOUBLE, /* finite real, optional range "min..max"              */
    SIM_KEY_STRING, /* free text                                           */
    SIM_KEY_ENUM,   /* one of allowed "a|b|c"; "opus-*" takes any integer  */
    SIM_KEY_PATH,   /* a file or folder                                    */
    SIM_KEY_BOOL,   /* true|false|yes|no|on|off|1|0                        */
} sim_key_type;

enum {
    SIM_KEY_PER_USER = 1u << 0, /* may be overridden in [user.NAME]                */
    SIM_KEY_OUTPUT = 1u << 1,   /* a path the run creates (not checked to exist) */
    SIM_KEY_NOSWEEP = 1u << 2,  /* cannot be swept (changes the output layout)   */
    SIM_KEY_INF = 1u << 3,      /* a double that also takes `inf` (+infinity)    */
};

/* Where a key's typed value lives: sim_config, or sim_user_config. */
typedef enum sim_key_scope { SIM_KEY_GLOBAL = 0, SIM_KEY_USER = 1 } sim_key_scope;

/* A stage's list of names, NULL-terminated, owned by the stage (static). */
typedef const char *const *(*sim_key_values_fn)(void);

typedef struct sim_key_def {
    const char *name; /* "channel.snr_db"                                */
    sim_key_type type;
    const char *def;          /* default as text; "" for none                    */
    const char *unit;         /* "dB", "s", "FLOP/s", "" ...                     */
    const char *allowed;      /* ENUM: "a|b|c"; INT/DOUBLE: "min..max" or ""     */
    const char *doc;          /* one line                                         */
    unsigned flags;           /* SIM_KEY_*                                        */
    sim_key_scope scope;      /* where the typed value lives                     */
    size_t offset;            /* offset in sim_config / sim_user_config           */
    size_t size;              /* size of that field (string capacity)             */
    sim_key_values_fn values; /* ENUM: if set, the allowed values (over allowed) */
} sim_key_def;

size_t sim_key_count(void);
const sim_key_def *sim_key_at(size_t i);           /* registry order (by section) */
const sim_key_def *sim_key_find(const char *name); /* NULL if unknown */
long sim_key_index(const char *name);              /* registry index, -1 if unknown */
const char *sim_key_type_name(sim_key_type t);     /* "int", "double", ... */

/* The allowed values as text, choices joined by sep ("a|b|c" with '|'),
 * into buf (n bytes, truncated); "" when the key has none. Returns buf. */
const char *sim_key_allowed(const sim_key_def *k, char sep, char *buf, size_t n);

/* Check value against the key's type, range and allowed values. On error
 * err gets "bad value 'x' for KEY: expected ..." (no file/line). Control
 * characters (bytes below 0x20 other than tab, and DEL) are refused in every
 * value, as sim_key_check_text does. */
base_status sim_key_check(const sim_key_def *k, const char *value, base_err *err);

/* Refuse control characters in text written for key k (a value or a whole
 * sweep spec): "bad value '-2:1:\r6' for KEY: control character 0x0d at
 * byte 6". A carriage return inside a value (not at its end, which the INI
 * reader strips with CRLF line ends) is otherwise silently skipped by the
 * number parsers. */
base_status sim_key_check_text(const sim_key_def *k, const char *text, base_err *err);

/* Parsers of the key types' texts (1 on success, *out untouched otherwise). */
int sim_key_parse_int(const char *s, int64_t *out);
int sim_key_parse_double(const char *s, double *out);
int sim_key_parse_bool(const char *s, int *out);

/* Store checked value text v of k into its field of dst (a sim_config for
 * SIM_KEY_GLOBAL keys, a sim_user_config for SIM_KEY_USER ones). BASE_ERANGE
 * when a string does not fit its field. */
base_status sim_key_store(const sim_key_def *k, void *dst, const char *v, base_err *err);

/* One line per key (`semsim validate --list-keys`), or the per-section
 * Markdown tables of docs/scenario.md (`--list-keys=markdown`). */
base_status sim_key_write_list(FILE *out);
base_status sim_key_write_markdown(FILE *out);

#endif
