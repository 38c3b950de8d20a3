/* sweep.c -- cartesian expansion of sweep axes, zip groups, constraints and
 * de-duplication. See sweep.h. */
#include "sim/sweep.h"

#include "base/hash.h"

#include <stdlib.h>
#include <string.h>

#define MAX_POINTS 1000000

struct sim_sweep {
    const sim_scenario *sc;
    size_t nkeys;
    const char **keys; /* nkeys, pointing into the registry */
    size_t npoints;
    const char **values; /* npoints x nkeys, pointing into sc or the constraints */
    size_t ndims;
    size_t *dim_len;   /* ndims */
    size_t *dim_first; /* ndims: first axis of the dimension (its zip group or itself) */
    size_t ncells;
    long *cell_point; /* ncells */
};

void sim_sweep_destroy(sim_sweep *sw)
{
    if (!sw) return;
    free(sw->keys);
    free(sw->values);
    free(sw->dim_len);
    free(sw->dim_first);
    free(sw->cell_point);
    free(sw);
}

static long key_pos(const sim_sweep *sw, const char *key)
{
    for (size_t k = 0; k < sw->nkeys; k++)
        if (!strcmp(sw->keys[k], key)) return (long)k;
    return -1;
}

/* Hash of a row of nkeys strings (each ended by a 0 byte, so rows that
 * split the same text differently differ). */
static uint64_t row_hash(const char *const *row, size_t nkeys)
{
    uint64_t h = BASE_HASH_INIT;
    for (size_t k = 0; k < nkeys; k++) h = base_hash_bytes(h, row[k], strlen(row[k]) + 1);
    return h;
}

/* The earlier point with the same values as row, or -1; else row becomes
 * point sw->npoints in the open-addressing table (cap a power of two >
 * 2 x points; slot holds point + 1, 0 = empty), so de-duplicating a sweep
 * is linear, not quadratic, in its points. */
static long find_or_add_point(sim_sweep *sw, size_t *table, size_t cap, const char **row)
{
    uint64_t h = row_hash(row, sw->nkeys);
    size_t i = (size_t)h & (cap - 1);
    for (; table[i]; i = (i + 1) & (cap - 1)) {
        const char **pv = sw->values + (table[i] - 1) * sw->nkeys;
        size_t k = 0;
        while (k < sw->nkeys && !strcmp(pv[k], row[k])) k++;
        if (k == sw->nkeys) return (long)(table[i] - 1);
    }
    memcpy(sw->values + sw->npoints * sw->nkeys, row, sw->nkeys * sizeof *row);
    table[i] = ++sw->npoints;
    return -1;
}

/* Is axis a in dimension d (same zip group as the dimension's first axis)? */
static int in_dim(const sim_sweep *sw, size_t d, size_t a)
{
    size_t f = sw->dim_first[d];
    if (a == f) return 1;
    int z = sim_scenario_axis_zip(sw->sc, f);
    return z >= 0 && sim_scenario_axis_zip(sw->sc, a) == z;
}

sim_sweep *sim_sweep_create(const sim_scenario *sc, base_err *err)
{
    sim_sweep *sw = calloc(1, sizeof *sw);
    const char **row = NULL, **base = NULL, **cval = NULL;
    long *cpos = NULL; /* per constraint: its key's and its set key's row position */
    size_t *table = NULL, tcap = 64;
    size_t na = sim_scenario_axis_count(sc), nc = sim_scenario_constraint_count(sc);
    if (!sw) goto nomem;
    sw->sc = sc;
    /* keys: the axes, then keys constraints set that are not axes */
    sw->keys = calloc(na + nc + 1, sizeof *sw->keys);
    sw->dim_len = calloc(na + 1, sizeof *sw->dim_len);
    sw->dim_first = calloc(na + 1, sizeof *sw->dim_first);
    if (!sw->keys || !sw->dim_len || !sw->dim_first) goto nomem;
    for (size_t a = 0; a < na; a++) sw->keys[sw->nkeys++] = sim_scenario_axis_key(sc, a);
    for (size_t c = 0; c < nc; c++) {
        const sim_constraint *k = sim_scenario_constraint(sc, c);
        if (*k->set_key && key_pos(sw, k->set_key) < 0)
            sw->keys[sw->nkeys++] = sim_key_find(k->set_key)->name;
    }
    /* dimensions: each ungrouped axis, and each zip group once */
    for (size_t a = 0; a < na; a++) {
        int z = sim_scenario_axis_zip(sc, a), seen = 0;
        for (size_t d = 0; d < sw->ndims && z >= 0; d++)
            if (sim_scenario_axis_zip(sc, sw->dim_first[d]) == z) {
                seen = 1;
                if (sim_scenario_axis_len(sc, a) != sw->dim_len[d]) {
                    const char *file;
                    int line;
                    sim_scenario_axis_where(sc, a, &file, &line);
                    base_err_set(err, BASE_EINVAL, file, line,
                                 "zipped axes %s and %s have different lengths (%zu, %zu)",
                                 sim_scenario_axis_key(sc, sw->dim_first[d]),
                                 sim_scenario_axis_key(sc, a), sw->dim_len[d],
                                 sim_scenario_axis_len(sc, a));
                    goto fail;
                }
            }
        if (seen) continue;
        sw->dim_first[sw->ndims] = a;
        sw->dim_len[sw->ndims++] = sim_scenario_axis_len(sc, a);
    }
    sw->ncells = 1;
    for (size_t d = 0; d < sw->ndims; d++) {
        sw->ncells *= sw->dim_len[d];
        if (sw->ncells > MAX_POINTS) {
            base_err_set(err, BASE_ERANGE, sim_scenario_path(sc), 0,
                         "the sweep has more than %d points", MAX_POINTS);
            goto fail;
        }
    }
    sw->cell_point = malloc(sw->ncells * sizeof *sw->cell_point);
    sw->values = malloc((sw->ncells * sw->nkeys + 1) * sizeof *sw->values);
    row = malloc((sw->nkeys + 1) * sizeof *row);
    base = malloc((sw->nkeys + 1) * sizeof *base);
    cval = malloc((nc + 1) * sizeof *cval);
    cpos = malloc((2 * nc + 1) * sizeof *cpos);
    while (tcap < 2 * sw->ncells) tcap *= 2;
    table = calloc(tcap, sizeof *table);
    if (!sw->cell_point || !sw->values || !row || !base || !cval || !cpos || !table) goto nomem;
    /* what every cell shares, looked up once: base values, constraint keys */
    for (size_t k = 0; k < sw->nkeys; k++) base[k] = sim_scenario_get(sc, sw->keys[k]);
    for (size_t c = 0; c < nc; c++) {
        const sim_constraint *k = sim_scenario_constraint(sc, c);
        cpos[2 * c] = key_pos(sw, k->key);
        cpos[2 * c + 1] = *k->set_key ? key_pos(sw, k->set_key) : -1;
        cval[c] = cpos[2 * c] >= 0 ? NULL : sim_scenario_get(sc, k->key);
    }
    for (size_t cell = 0; cell < sw->ncells; cell++) {
        /* base values, then the axes at this cell's indices */
        memcpy(row, base, sw->nkeys * sizeof *row);
        size_t rem = cell;
        for (size_t d = sw->ndims; d-- > 0;) {
            size_t idx = rem % sw->dim_len[d];
            rem /= sw->dim_len[d];
            for (size_t a = 0; a < na; a++)
                if (in_dim(sw, d, a)) row[a] = sim_scenario_axis_value(sc, a, idx);
        }
        int skip = 0;
        for (size_t c = 0; c < nc && !skip; c++) {
            const sim_constraint *k = sim_scenario_constraint(sc, c);
            long pos = cpos[2 * c];
            const char *v = pos >= 0 ? row[pos] : cval[c];
            int match = !strcmp(v, k->value) != !!k->negate;
            if (!match) continue;
            if (!*k->set_key)
                skip = 1;
            else
                row[cpos[2 * c + 1]] = k->set_value;
        }
        if (skip) {
            sw->cell_point[cell] = -1;
            continue;
        }
        long same = find_or_add_point(sw, table, tcap, row);
        sw->cell_point[cell] = same >= 0 ? same : (long)sw->npoints - 1;
    }
    free(row);
    free(base);
    free(cval);
    free(cpos);
    free(table);
    return sw;
nomem:
    base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
fail:
    free(row);
    free(base);
    free(cval);
    free(cpos);
    free(table);
    sim_sweep_destroy(sw);
    return NULL;
}

size_t sim_sweep_count(const sim_sweep *sw)
{
    return sw->npoints;
}
size_t sim_sweep_nkeys(const sim_sweep *sw)
{
    return sw->nkeys;
}
const char *const *sim_sweep_keys(const sim_sweep *sw)
{
    return sw->keys;
}
const char *const *sim_sweep_values(const sim_sweep *sw, size_t p)
{
    return sw->values + p * sw->nkeys;
}

base_status sim_sweep_config(const sim_sweep *sw, size_t p, sim_config *cfg, base_err *err)
{
    return sim_scenario_resolve(sw->sc, sw->keys, sim_sweep_values(sw, p), sw->nkeys, cfg, err);
}

size_t sim_sweep_ndims(const sim_sweep *sw)
{
    return sw->ndims;
}
size_t sim_sweep_dim_len(const sim_sweep *sw, size_t d)
{
    return sw->dim_len[d];
}
size_t sim_sweep_dim_axes(const sim_sweep *sw, size_t d, size_t *axes, size_t cap)
{
    size_t n = 0;
    for (size_t a = 0; a < sim_scenario_axis_count(sw->sc); a++)
        if (in_dim(sw, d, a)) {
            if (n < cap) axes[n] = a;
            n++;
        }
    return n;
}
size_t sim_sweep_cells(const sim_sweep *sw)
{
    return sw->ncells;
}
long sim_sweep_cell_point(const sim_sweep *sw, size_t cell)
{
    return cell < sw->ncells ? sw->cell_point[cell] : -1;
}

const sim_scenario *sim_sweep_scenario(const sim_sweep *sw)
{
    return sw->sc;
}

uint64_t sim_sweep_seed(uint64_t base, size_t repeat)
{
    if (repeat == 0) return base;
    uint64_t z = base + 0x9E3779B97F4A7C15ull * (uint64_t)(repeat + 1); /* SplitMix64 */
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return (z ^ (z >> 31)) >> 1; /* keep it a non-negative int64 */
}

base_status sim_sweep_write_list(const sim_sweep *sw, FILE *out, base_err *err)
{
    sim_config *cfg = malloc(sizeof *cfg);
    if (!cfg) return base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
    fprintf(out, "%-6s %-6s %-20s", "point", "repeat", "seed");
    for (size_t k = 0; k < sw->nkeys; k++) fprintf(out, " %s", sw->keys[k]);
    fputc('\n', out);
    base_status st = BASE_OK;
    for (size_t p = 0; p < sw->npoints && st == BASE_OK; p++) {
        if ((st = sim_sweep_config(sw, p, cfg, err)) != BASE_OK) break;
        for (int64_t r = 0; r < cfg->scenario.repeats; r++) {
            fprintf(out, "%-6zu %-6lld %-20llu", p, (long long)r,
                    (unsigned long long)sim_sweep_seed((uint64_t)cfg->scenario.seed, (size_t)r));
            const char *const *v = sim_sweep_values(sw, p);
            for (size_t k = 0; k < sw->nkeys; k++) fprintf(out, " %s", v[k]);
            fputc('\n', out);
        }
    }
    free(cfg);
    if (st == BASE_OK && ferror(out)) st = base_err_set(err, BASE_EIO, NULL, 0, "write error");
    return st;
}
