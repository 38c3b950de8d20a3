/* merge.c -- joining shard results files into one (see merge.h). The rows
 * and /points groups are copied as stored (sim_out_merge_file); the output's
 * layout and /grid come from the scenario rebuilt from the first shard. */
#include "sim/merge.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/h5io.h"
#include "sim/output.h"
#include "sim/scenario.h"
#include "sim/sweep.h"

typedef struct shard_info {
    char *scenario, *file, *overrides;
    int64_t shard, shards, points, repeats, complete;
} shard_info;

static void info_free(shard_info *s)
{
    free(s->scenario);
    free(s->file);
    free(s->overrides);
}

/* The root attributes of a shard file. */
static base_status read_info(const char *path, shard_info *s, base_err *err)
{
    memset(s, 0, sizeof *s);
    base_h5 *h = NULL;
    base_status st = base_h5_open(path, &h, err);
    if (st) return st;
    if (base_h5_read_attr_strdup(h, "/", "scenario", &s->scenario, NULL) ||
        base_h5_read_attr_strdup(h, "/", "scenario_file", &s->file, NULL) ||
        base_h5_read_attr_int(h, "/", "complete", &s->complete, NULL))
        st = base_err_set(err, BASE_EFORMAT, path, 0, "not a semsim results file");
    else if (base_h5_read_attr_int(h, "/", "shards", &s->shards, NULL) ||
             base_h5_read_attr_int(h, "/", "shard", &s->shard, NULL) ||
             base_h5_read_attr_int(h, "/", "points", &s->points, NULL) ||
             base_h5_read_attr_int(h, "/", "repeats", &s->repeats, NULL) ||
             base_h5_read_attr_strdup(h, "/", "overrides", &s->overrides, NULL))
        st = base_err_set(err, BASE_EFORMAT, path, 0,
                          "not a shard file (written without --shard I/N)");
    else if (s->complete != 1)
        st = base_err_set(err, BASE_EFORMAT, path, 0,
                          "the shard is not complete (finish it with semsim run --resume)");
    else if (s->shards < 2 || s->shard < 0 || s->shard >= s->shards || s->points < 1 ||
             s->repeats < 1)
        st = base_err_set(err, BASE_EFORMAT, path, 0, "bad shard attributes");
    base_status cst = base_h5_close(h, st ? NULL : err);
    return st ? st : cst;
}

/* Every file a shard of one run, each shard once, none missing. */
static base_status check_shards(const char *const *paths, const shard_info *s, size_t n,
                                base_err *err)
{
    for (size_t i = 1; i < n; i++) {
        if (strcmp(s[i].scenario, s[0].scenario))
            return base_err_set(err, BASE_EINVAL, paths[i], 0,
                                "from a different scenario than %s (resolved texts differ)",
                                paths[0]);
        if (s[i].shards != s[0].shards)
            return base_err_set(err, BASE_EINVAL, paths[i], 0,
                                "is shard %lld/%lld, but %s is one of %lld", (long long)s[i].shard,
                                (long long)s[i].shards, paths[0], (long long)s[0].shards);
        for (size_t j = 0; j < i; j++)
            if (s[j].shard == s[i].shard)
                return base_err_set(err, BASE_EEXIST, paths[i], 0,
                                    "duplicate rows: shard %lld/%lld is also %s",
                                    (long long)s[i].shard, (long long)s[i].shards, paths[j]);
    }
    for (int64_t k = 0; k < s[0].shards; k++) {
        int found = 0;
        for (size_t i = 0; i < n && !found; i++) found = s[i].shard == k;
        if (!found)
            return base_err_set(err, BASE_EINVAL, paths[0], 0,
                                "missing rows: no file given holds shard %lld/%lld", (long long)k,
                                (long long)s[0].shards);
    }
    return BASE_OK;
}

/* The scenario the shards ran: its file plus the --set/--sweep lines, which
 * must resolve to the same text. */
static sim_scenario *rebuild(const char *path, const shard_info *s, base_err *err)
{
    sim_scenario *sc = sim_scenario_load(s->file, err);
    char *ov = sc ? strdup(s->overrides) : NULL;
    base_status st = sc && !ov ? base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory") : BASE_OK;
    for (char *line = ov, *nl; sc && !st && line && *line; line = nl ? nl + 1 : NULL) {
        if ((nl = strchr(line, '\n'))) *nl = 0;
        int sweep = !strncmp(line, "--sweep ", 8);
        if (!sweep && strncmp(line, "--set ", 6))
            st = base_err_set(err, BASE_EFORMAT, path, 0, "bad overrides line '%s'", line);
        else
            st = sim_scenario_override(sc, line + (sweep ? 8 : 6), sweep, NULL, err);
    }
    free(ov);
    char *text = sc && !st ? sim_scenario_text(sc) : NULL;
    if (sc && !st && (!text || strcmp(text, s->scenario)))
        st = base_err_set(err, BASE_EINVAL, path, 0,
                          "cannot rebuild its scenario: %s has changed since the shards ran "
                          "(or merge runs in another folder than they did)",
                          s->file);
    free(text);
    if (sc && !st) return sc;
    if (sc && err && !*err->file) base_err_locate(err, path, 0);
    sim_scenario_destroy(sc);
    return NULL;
}

/* Layout of the output from the scenario (as sim/run.c makes it) and merge. */
static base_status write_merged(const char *const *paths, size_t n, const sim_scenario *sc,
                                const sim_sweep *sw, size_t points, size_t repeats,
                                const char *out_path, int force, size_t *rows, base_err *err)
{
    size_t nset = sim_scenario_set_keys(sc, NULL, 0);
    const char **names = calloc(nset + 1, sizeof *names);
    int *is_str = calloc(nset + 1, sizeof *is_str);
    char *text = sim_scenario_text(sc);
    sim_out *o = NULL;
    base_status st = BASE_OK;
    if (!names || !is_str || !text) {
        st = base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
        goto done;
    }
    sim_scenario_set_keys(sc, names, nset);
    for (size_t i = 0; i < nset; i++) {
        const sim_key_def *k = sim_key_find(names[i]);
        is_str[i] = !(k->type == SIM_KEY_INT || k->type == SIM_KEY_DOUBLE);
    }
    sim_config cfg0;
    if ((st = sim_sweep_config(sw, 0, &cfg0, err))) goto done;
    sim_out_layout lay = {
        nset, names,  is_str,  text, sim_scenario_path(sc), (uint64_t)cfg0.scenario.seed, 0,
        0,    points, repeats, NULL};
    if ((st = sim_out_open(out_path, &lay, force ? SIM_OUT_FORCE : 0, &o, err))) goto done;
    for (size_t i = 0; i < n && !st; i++)
        st = sim_out_merge_file(o, paths[i], points, repeats, err);
    for (size_t p = 0; p < points && !st; p++)
        for (size_t r = 0; r < repeats && !st; r++)
            if (!sim_out_has(o, p, r))
                st = base_err_set(err, BASE_EINVAL, paths[0], 0,
                                  "missing rows: no file given holds point %zu repeat %zu", p, r);
    if (!st) *rows = sim_out_rows(o);
    if (!st) {
        st = sim_out_finish(o, sw, repeats, err);
    } else {
        char partial[4200];
        snprintf(partial, sizeof partial, "%s.partial", out_path);
        sim_out_close(o, NULL);
        remove(partial);
    }
done:
    free(names);
    free(is_str);
    free(text);
    return st;
}

base_status sim_merge(const char *const *paths, size_t n, const char *out_path, int force,
                      size_t *rows, base_err *err)
{
    if (n == 0) return base_err_set(err, BASE_EINVAL, NULL, 0, "merge: no shard files given");
    shard_info *s = calloc(n, sizeof *s);
    if (!s) return base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
    base_status st = BASE_OK;
    for (size_t i = 0; i < n && !st; i++) st = read_info(paths[i], &s[i], err);
    if (!st) st = check_shards(paths, s, n, err);
    sim_scenario *sc = st ? NULL : rebuild(paths[0], &s[0], err);
    sim_sweep *sw = sc ? sim_sweep_create(sc, err) : NULL;
    if (!st && !sw) st = err && err->code ? err->code : BASE_EINVAL;
    size_t points = sw ? sim_sweep_count(sw) : 0;
    sim_config cfg0;
    if (!st && (points != (size_t)s[0].points || sim_sweep_config(sw, 0, &cfg0, err) ||
                (size_t)cfg0.scenario.repeats != (size_t)s[0].repeats))
        st = base_err_set(err, BASE_EINVAL, paths[0], 0,
                          "the rebuilt scenario has another sweep than the shards ran");
    if (!st)
        st = write_merged(paths, n, sc, sw, points, (size_t)s[0].repeats, out_path, force, rows,
                          err);
    sim_sweep_destroy(sw);
    sim_scenario_destroy(sc);
    for (size_t i = 0; i < n; i++) info_free(&s[i]);
    free(s);
    return st;
}
