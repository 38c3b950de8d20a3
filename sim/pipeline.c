/* pipeline.c -- the content side of a scenario: validation of what this build
 * can run, and dispatch to the source.kind's row of the kind table. See
 * pipeline.h. */
#include "sim/pipeline.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sim/kind.h"
#include "sim/kind_common.h"

struct sim_pipeline {
    const sim_kind *kind;
    void *obj; /* the kind's object */
};

static int is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

int sim_pipeline_counts_words(const sim_config *cfg)
{
    const sim_kind *k = sim_kind_find(cfg->source.kind);
    return k ? k->counts_words : 1;
}

/* "semantic, bits, ..." into buf. */
static const char *kind_list(char *buf, size_t n)
{
    buf[0] = 0;
    for (const char *const *k = sim_kind_names(); *k; k++) {
        size_t len = strlen(buf);
        snprintf(buf + len, n - len, "%s%s", len ? ", " : "", *k);
    }
    return buf;
}

base_status sim_pipeline_check(const sim_scenario *sc, const sim_config *cfg, base_err *err)
{
    /* input files named by set path keys must exist */
    for (size_t i = 0; i < sim_key_count(); i++) {
        const sim_key_def *k = sim_key_at(i);
        if (k->type != SIM_KEY_PATH || (k->flags & SIM_KEY_OUTPUT) ||
            !sim_scenario_is_set(sc, k->name))
            continue;
        const char *v = sim_scenario_get(sc, k->name);
        if (*v && !is_file(v))
            return sim_kind_fail(sc, err, k->name, BASE_EIO, "%s: no such file '%s'", k->name, v);
    }
    if (!strcmp(cfg->source.arrival, "poisson") && !(cfg->source.rate_hz > 0))
        return sim_kind_fail(sc, err, "source.rate_hz", BASE_ERANGE,
                             "source.arrival=poisson needs source.rate_hz > 0");
    const sim_kind *k = sim_kind_find(cfg->source.kind);
    if (!k) {
        char list[256];
        return sim_kind_fail(sc, err, "source.kind", BASE_EUNSUPPORTED,
                             "unknown source.kind=%s (%s)", cfg->source.kind,
                             kind_list(list, sizeof list));
    }
    return k->check(sc, cfg, err);
}

base_status sim_pipeline_prepare(const sim_config *cfg, sim_resources *res, base_err *err)
{
    const sim_kind *k = sim_kind_find(cfg->source.kind);
    if (!k)
        return base_err_set(err, BASE_EUNSUPPORTED, NULL, 0, "unknown source.kind=%s",
                            cfg->source.kind);
    return k->prepare ? k->prepare(cfg, res, err) : BASE_OK;
}

sim_pipeline *sim_pipeline_create(const sim_config *cfg, uint64_t seed, const sim_resources *res,
                                  base_err *err)
{
    const sim_kind *k = sim_kind_find(cfg->source.kind);
    if (!k) {
        base_err_set(err, BASE_EUNSUPPORTED, NULL, 0, "unknown source.kind=%s", cfg->source.kind);
        return NULL;
    }
    sim_pipeline *p = calloc(1, sizeof *p);
    if (!p) {
        base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
        return NULL;
    }
    p->kind = k;
    if (!(p->obj = k->create(cfg, seed, res, err))) {
        free(p);
        return NULL;
    }
    return p;
}

void sim_pipeline_destroy(sim_pipeline *p)
{
    if (!p) return;
    p->kind->destroy(p->obj);
    free(p);
}

size_t sim_pipeline_available(const sim_pipeline *p)
{
    return p->kind->available(p->obj);
}

void sim_pipeline_ops(sim_pipeline *p, sim_payload_ops *ops)
{
    p->kind->ops(p->obj, ops);
}

void sim_pipeline_point_metrics(const sim_pipeline *p, sim_point_metrics *m)
{
    p->kind->point_metrics(p->obj, m);
}
