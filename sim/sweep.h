/* sweep.h -- expanding a scenario's sweep into points.
 *
 * Where it sits: between sim/scenario (which holds the axes from [sweep] and
 * --sweep, the zip groups and the constraints) and the runner (sim/run.c),
 * which runs every point x repeat and writes one /summary row for each.
 *
 * Expansion: each axis not in a zip group is one dimension; each zip group is
 * one dimension whose axes advance together. Points are the cartesian product
 * of the dimensions, the first dimension varying slowest (like nested loops in
 * file order). Then the constraints run in file order on each point
 * ("KEY=VALUE -> KEY2=VALUE2" sets a key, "... -> skip" drops the point), and
 * a point equal to an earlier one is merged into it, so the same experiment
 * never runs twice. The grid (for xarray) keeps every cell, each pointing at
 * the point that computed it (-1 for a skipped cell).
 *
 * Repeats: repeat 0 uses scenario.seed; repeat r > 0 uses a seed derived
 * from (scenario.seed, r) by SplitMix64 (sim_sweep_seed).
 */
#ifndef SIM_SWEEP_H
#define SIM_SWEEP_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "base/status.h"
#include "sim/scenario.h"

typedef struct sim_sweep sim_sweep;

/* Expand sc's sweep. The sweep keeps a pointer to sc: destroy it first. */
sim_sweep *sim_sweep_create(const sim_scenario *sc, base_err *err);
void sim_sweep_destroy(sim_sweep *sw); /* NULL is a no-op */

/* Distinct points after constraints (>= 1 unless every point was skipped). */
size_t sim_sweep_count(const sim_sweep *sw);

/* Keys each point overrides (sweep axes, then keys set by constraints) and
 * point p's values for them; both arrays have sim_sweep_nkeys entries. */
size_t sim_sweep_nkeys(const sim_sweep *sw);
const char *const *sim_sweep_keys(const sim_sweep *sw);
const char *const *sim_sweep_values(const sim_sweep *sw, size_t p);

/* Typed config of point p (sim_scenario_resolve with the point's values). */
base_status sim_sweep_config(const sim_sweep *sw, size_t p, sim_config *cfg, base_err *err);

/* The grid: dimensions, their lengths, and for each dimension the axes in it
 * (one, or a zip group); cell indices are row-major over the dimensions. */
size_t sim_sweep_ndims(const sim_sweep *sw);
size_t sim_sweep_dim_len(const sim_sweep *sw, size_t d);
size_t sim_sweep_dim_axes(const sim_sweep *sw, size_t d, size_t *axes, size_t cap);
size_t sim_sweep_cells(const sim_sweep *sw);
long sim_sweep_cell_point(const sim_sweep *sw, size_t cell); /* -1: skipped */

/* The scenario the sweep was made from. */
const sim_scenario *sim_sweep_scenario(const sim_sweep *sw);

/* Seed of repeat r for a point whose scenario.seed is base. */
uint64_t sim_sweep_seed(uint64_t base, size_t repeat);

/* --dry-run: one line per point x repeat (point, repeat, seed, swept values). */
base_status sim_sweep_write_list(const sim_sweep *sw, FILE *out, base_err *err);

#endif
