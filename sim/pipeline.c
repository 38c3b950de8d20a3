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
#include "sim/s2s.h"

struct sim_pipeline {
    const sim_kind *kind;
    void *obj;          /* the kind's object */
    sim_s2s *s2s;       /* rx.tts_voice: resynthesis after the kind's decode, or NULL */
    sim_payload_ops in; /* the kind's own ops, when s2s wraps its decode */
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
    return sim_pipeline_check_shared(sc, cfg, NULL, err);
}

base_status sim_pipeline_check_shared(const sim_scenario *sc, const sim_config *cfg,
                                      sim_resources *res, base_err *err)
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
    base_status st = k->check(sc, cfg, res, err);
    return st == BASE_OK ? sim_s2s_check(sc, cfg, k->transcript, res, err) : st;
}

base_status sim_pipeline_prepare(const sim_config *cfg, sim_resources *res, base_err *err)
{
    const sim_kind *k = sim_kind_find(cfg->source.kind);
    if (!k)
        return base_err_set(err, BASE_EUNSUPPORTED, NULL, 0, "unknown source.kind=%s",
                            cfg->source.kind);
    base_status st = k->prepare ? k->prepare(cfg, res, err) : BASE_OK;
    return st == BASE_OK ? sim_s2s_prepare(cfg, res, err) : st;
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
    if (sim_s2s_enabled(cfg) && !(p->s2s = sim_s2s_create(cfg, res, err))) {
        sim_pipeline_destroy(p);
        return NULL;
    }
    return p;
}

void sim_pipeline_destroy(sim_pipeline *p)
{
    if (!p) return;
    p->kind->destroy(p->obj);
    sim_s2s_destroy(p->s2s);
    free(p);
}

base_status sim_pipeline_set_wav(sim_pipeline *p, const char *root, size_t point, size_t repeat,
                                 base_err *err)
{
    return p->s2s ? sim_s2s_set_wav(p->s2s, root, point, repeat, err) : BASE_OK;
}

size_t sim_pipeline_available(const sim_pipeline *p)
{
    return p->kind->available(p->obj);
}

/* ---- rx.tts_voice: the kind's ops with the s2s stage after its decode ------------- */

static base_status s2s_encode(void *ctx, sim_utt *u, base_err *err)
{
    sim_pipeline *p = ctx;
    return p->in.encode(p->in.ctx, u, err);
}

static base_status s2s_transmit(void *ctx, sim_utt *u, size_t pk, size_t f0, size_t nf,
                                size_t *uses, base_err *err)
{
    sim_pipeline *p = ctx;
    return p->in.transmit(p->in.ctx, u, pk, f0, nf, uses, err);
}

static base_status s2s_decode(void *ctx, sim_utt *u, base_err *err)
{
    sim_pipeline *p = ctx;
    base_status st = p->in.decode(p->in.ctx, u, err);
    if (st != BASE_OK || !u->res.has_words) return st;
    return sim_s2s_execute(p->s2s, &u->res, err);
}

static void s2s_release(void *ctx, sim_utt *u)
{
    sim_pipeline *p = ctx;
    if (p->in.release) p->in.release(p->in.ctx, u);
}

void sim_pipeline_ops(sim_pipeline *p, sim_payload_ops *ops)
{
    p->kind->ops(p->obj, ops);
    if (!p->s2s) return;
    p->in = *ops;
    ops->ctx = p;
    ops->encode = s2s_encode;
    ops->transmit = s2s_transmit;
    ops->decode = s2s_decode;
    ops->release = s2s_release;
}

void sim_pipeline_point_metrics(const sim_pipeline *p, sim_point_metrics *m)
{
    p->kind->point_metrics(p->obj, m);
}
