/* scenario.h -- scenario files: loading them (INI through base/ini, --set,
 * --sweep) and resolving them into typed configs.
 *
 * Where it sits: the first thing `semsim run` and `semsim validate` do. A
 * scenario is an INI file whose keys are all listed in one registry
 * (sim/keys.h: name, type, default, unit, allowed values, doc); the registry
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
 * them (relative to the current directory for --set); an input path missing
 * there is looked up in the data folder (sim/datadir.h: the source tree, or
 * the installed $(pkgdatadir)); unset path keys with a relative default are
 * relative to the data folder.
 */
#ifndef SIM_SCENARIO_H
#define SIM_SCENARIO_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "base/status.h"
#include "sim/sim_config.h" /* sim_config, the typed result */
#include "sim/keys.h"       /* the key registry */
#include "sim/sweepspec.h"  /* sim_constraint */

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
/* Copies user u's per-user equalizer.* and anchors.* keys into
 * cfg->equalizer / cfg->anchors (sim_scenario_resolve does it for user 0, so
 * stages that read one setting see the first user's). */
void sim_config_user_pair_keys(sim_config *cfg, size_t u);
/* Do users a and b form the same transmitter->receiver pair: the same
 * tx.model, rx.model and per-user equalizer.* and anchors.* keys? */
int sim_user_config_same_pair(const sim_user_config *a, const sim_user_config *b);

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

/* Constraints, in file order (sim_constraint: sim/sweepspec.h). */
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
