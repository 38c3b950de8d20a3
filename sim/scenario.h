/* scenario.h -- scenario files: the key registry, INI parsing, typed configs.
 *
 * Where it sits: the first thing `semsim run` and `semsim validate` do. A
 * scenario is an INI file (parsed with libinih) whose keys are all listed in
 * one registry (name, type, default, unit, allowed values, doc); the registry
 * also generates docs/scenario.md (`semsim validate --list-keys`), so the docs
 * cannot drift from the parser. sim/sweep.c expands the [sweep] section into
 * points, and sim_scenario_resolve turns the scenario plus one point's values
 * into a typed sim_config that the network and the pipelines read.
 *
 * File format (docs/scenario.md has the full reference):
 *   [section]        scenario source tx rx equalizer anchors channel link
 *                    metrics output sweep, and [user.NAME] per transmitter->
 *                    receiver pair
 *   key = value      the key is section.key (`snr_db` in [channel] is
 *                    channel.snr_db); in [user.NAME] and [sweep] keys are
 *                    written in full (`tx.model = a.h5`)
 *   include = F      anywhere: parses F (relative to the including file) at
 *                    that point; later keys override earlier ones; cycles
 *                    are errors
 *   ; or # comments at the start of a line, ; inline
 * Every error (unknown section or key, bad value, missing file, include
 * cycle, syntax error) names file:line in the base_err.
 *
 * Path values are resolved relative to the directory of the file that set
 * them (relative to the current directory for --set); unset path keys with a
 * relative default are relative to the source tree (SEMSIM_SRCDIR).
 */
#ifndef SIM_SCENARIO_H
#define SIM_SCENARIO_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "base/status.h"

/* ---- the key registry ------------------------------------------------------ */

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
};

typedef struct sim_key_def {
    const char *name; /* "channel.snr_db"                                */
    sim_key_type type;
    const char *def;     /* default as text; "" for none                    */
    const char *unit;    /* "dB", "s", "FLOP/s", "" ...                     */
    const char *allowed; /* ENUM: "a|b|c"; INT/DOUBLE: "min..max" or ""     */
    const char *doc;     /* one line                                         */
    unsigned flags;      /* SIM_KEY_*                                        */
    int scope;           /* internal: where the typed value lives           */
    size_t offset;       /* internal: offset in sim_config / sim_user_config */
    size_t size;         /* internal: size of that field (string capacity)   */
} sim_key_def;

size_t sim_key_count(void);
const sim_key_def *sim_key_at(size_t i);           /* registry order (by section) */
const sim_key_def *sim_key_find(const char *name); /* NULL if unknown */
const char *sim_key_type_name(sim_key_type t);     /* "int", "double", ... */

/* Check value against the key's type, range and allowed values. On error
 * err gets "bad value 'x' for KEY: expected ..." (no file/line). */
base_status sim_key_check(const sim_key_def *k, const char *value, base_err *err);

/* The registry as Markdown (docs/scenario.md), or one line per key. */
base_status sim_key_write_markdown(FILE *out);
base_status sim_key_write_list(FILE *out);

/* ---- the typed configuration of one sweep point ----------------------------- */

#define SIM_CFG_STR 512
#define SIM_MAX_USERS 16

/* What one transmitter->receiver pair uses (overridable in [user.NAME]). */
typedef struct sim_user_config {
    char name[64];
    struct {
        char model[SIM_CFG_STR];
        double device_flops;
    } tx;
    struct {
        char model[SIM_CFG_STR];
        char decoder[16];
        int64_t beam_width;
        char lm[SIM_CFG_STR];
        double device_flops;
    } rx;
    struct {
        char mode[16];
        char modulation[16];
        char fec[16];
        int64_t quant_bits;
        int64_t frames_per_packet;
        double prop_delay_s;
        char lost[16];
    } link;
    struct {
        char model[16];
        double snr_db;
        double k_factor_db;
        int64_t coherence;
        double doppler_hz;
    } channel;
} sim_user_config;

typedef struct sim_config {
    struct {
        char name[128];
        int64_t seed;
        int64_t utterances;
        int64_t repeats;
    } scenario;
    struct {
        char kind[32];
        char manifest[SIM_CFG_STR];
        char text[SIM_CFG_STR];
        char lines[32];
        char voices[SIM_CFG_STR];
        char cache[SIM_CFG_STR];
        char arrival[16];
        double rate_hz;
        int64_t bits;
        int64_t frame_bits;
        double bit_rate;
    } source;
    struct {
        char type[32];
        double ridge_lambda;
        char cache[SIM_CFG_STR];
        char train_manifest[SIM_CFG_STR];
        char train_text[SIM_CFG_STR];
        char train_lines[32];
        char train_voices[SIM_CFG_STR];
        int64_t train_utterances;
        int64_t head_steps;
        double head_noise;
    } equalizer;
    struct {
        int64_t count;
        char selection[16];
        char psi[16];
        char manifest[SIM_CFG_STR];
        char text[SIM_CFG_STR];
        char lines[32];
        char voices[SIM_CFG_STR];
        int64_t utterances;
        int64_t members;
    } anchors;
    struct {
        double symbol_rate;
        char access[8];
    } medium; /* link.symbol_rate, link.access: shared by all users */
    struct {
        int64_t min_word_errors;
        int64_t min_bit_errors;
        double ci_width;
        int64_t bootstrap;
        int64_t check_every;
    } metrics;
    struct {
        char trn[SIM_CFG_STR];
        int utterances;
    } output;
    size_t n_users;
    sim_user_config user[SIM_MAX_USERS];
} sim_config;

/* ---- scenarios ---------------------------------------------------------------- */

typedef struct sim_scenario sim_scenario;

/* An empty scenario (every key at its default, one user). */
sim_scenario *sim_scenario_create(base_err *err);
/* Parse path (and its includes). NULL on error, err names file:line. */
sim_scenario *sim_scenario_load(const char *path, base_err *err);
void sim_scenario_destroy(sim_scenario *sc); /* NULL is a no-op */

/* The file the scenario came from ("" for sim_scenario_create). */
const char *sim_scenario_path(const sim_scenario *sc);

/* Set a key as --set does (origin e.g. "--set", line 0). Validates the key
 * and value; a set key that is also swept stops being swept. A key
 * "user.NAME.KEY" sets a per-user key of an existing user. */
base_status sim_scenario_set(sim_scenario *sc, const char *key, const char *value,
                             const char *origin, int line, base_err *err);
/* Add or replace the sweep axis of key (as --sweep does); spec is a list
 * "a,b,c" or an inclusive range "start:step:stop". */
base_status sim_scenario_sweep(sim_scenario *sc, const char *key, const char *spec,
                               const char *origin, int line, base_err *err);
/* A command-line override as `semsim run` and `validate` take them: arg
 * "KEY=VALUE" for --set (sweep = 0) or "KEY=SPEC" for --sweep (sweep = 1),
 * with origin "--set" / "--sweep". An arg without '=' is BASE_EINVAL
 * ("--set: expected KEY=VALUE, got 'ARG'") and sets *malformed (may be NULL)
 * to 1, so a command can treat it as a usage error. */
base_status sim_scenario_override(sim_scenario *sc, const char *arg, int sweep, int *malformed,
                                  base_err *err);

/* Effective value text of a global key (set value or default); NULL if the
 * key is unknown. */
const char *sim_scenario_get(const sim_scenario *sc, const char *key);
/* 1 if the key was set in a file or with --set (not just defaulted). */
int sim_scenario_is_set(const sim_scenario *sc, const char *key);
/* Where a key was set: file (or "--set") and line; the scenario file and
 * line 0 when it has its default. */
void sim_scenario_where(const sim_scenario *sc, const char *key, const char **file, int *line);

size_t sim_scenario_user_count(const sim_scenario *sc); /* >= 1 */
const char *sim_scenario_user_name(const sim_scenario *sc, size_t i);

/* Sweep definition, read by sim/sweep.c. */
size_t sim_scenario_axis_count(const sim_scenario *sc);
/* Axis i: its key, its values, their count, where it was defined, and its
 * zip group (axes with the same non-negative group advance together). */
const char *sim_scenario_axis_key(const sim_scenario *sc, size_t i);
size_t sim_scenario_axis_len(const sim_scenario *sc, size_t i);
const char *sim_scenario_axis_value(const sim_scenario *sc, size_t i, size_t j);
int sim_scenario_axis_zip(const sim_scenario *sc, size_t i);
void sim_scenario_axis_where(const sim_scenario *sc, size_t i, const char **file, int *line);

/* Constraints "KEY=VALUE -> KEY2=VALUE2", "KEY!=VALUE -> ...", "... -> skip". */
typedef struct sim_constraint {
    char key[64];
    int negate;
    char value[128];
    char set_key[64]; /* "" means skip the point */
    char set_value[128];
    char file[BASE_ERR_FILE];
    int line;
} sim_constraint;
size_t sim_scenario_constraint_count(const sim_scenario *sc);
const sim_constraint *sim_scenario_constraint(const sim_scenario *sc, size_t i);

/* Names of the keys the scenario sets (files, --set) or sweeps, in registry
 * order: these become the /summary parameter columns. Returns the count;
 * names[i] point into the registry. names may be NULL to just count. */
size_t sim_scenario_set_keys(const sim_scenario *sc, const char **names, size_t cap);

/* The typed config for the base values overridden by n key=value pairs
 * (one sweep point). Also checks cross-key rules that do not depend on
 * which modules are built (e.g. ranges). */
base_status sim_scenario_resolve(const sim_scenario *sc, const char *const *keys,
                                 const char *const *values, size_t n, sim_config *cfg,
                                 base_err *err);

/* The fully resolved scenario as INI text (every key with its effective
 * value, users, sweep), malloc'd; NULL if out of memory. */
char *sim_scenario_text(const sim_scenario *sc);

#endif
