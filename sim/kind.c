/* kind.c -- the kind table: one row per source.kind, adapting each kind's
 * typed API to the table's. See kind.h. */
#include "sim/kind.h"

#include <stdlib.h>
#include <string.h>

#include "sim/kind_bits.h"
#include "sim/kind_common.h"
#include "sim/kind_text.h"
#include "sim/pipe_codec.h"
#include "sim/pipe_semantic.h"
#include "sim/receiver.h"

/* link.prune = blank (sim/prune.h) thins the semantic kind's latent frames;
 * the kinds without latents refuse it rather than ignore it. */
static base_status no_prune(const sim_scenario *sc, const sim_config *cfg, base_err *err)
{
    for (size_t u = 0; u < cfg->n_users; u++)
        if (strcmp(cfg->user[u].link.prune, "none"))
            return sim_kind_fail(sc, err, "link.prune", BASE_EINVAL,
                                 "link.prune=%s applies to source.kind=semantic only (not %s)",
                                 cfg->user[u].link.prune, cfg->source.kind);
    return BASE_OK;
}

/* ---- kind = semantic ---------------------------------------------------------------- */

static base_status sem_check(const sim_scenario *sc, const sim_config *cfg, sim_resources *res,
                             base_err *err)
{
    if (!*cfg->user[0].tx.model || !*cfg->user[0].rx.model)
        return sim_kind_fail(
            sc, err, "source.kind", BASE_EINVAL,
            "source.kind=semantic needs tx.model and rx.model (agent model files)");
    return sim_sem_check(sc, cfg, res, err);
}

static base_status sem_prepare(const sim_config *cfg, sim_resources *res, base_err *err)
{
    sim_resources_set_cache_mb(res, cfg->scenario.cache_mb); /* the per-utterance cache */
    base_status st = BASE_OK;
    sim_config *one = malloc(sizeof *one); /* user u's keys as user[0], for the receiver */
    if (!one) return base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
    *one = *cfg;
    for (size_t u = 0; st == BASE_OK && u < (cfg->n_users ? cfg->n_users : 1); u++) {
        one->user[0] = cfg->user[u]; /* each user's agents, loaded once per file */
        st = sim_resources_add_agent(res, one->user[0].tx.model, err);
        if (st == BASE_OK) st = sim_receiver_prepare(one, res, err);
    }
    free(one);
    return st;
}

static void *sem_create(const sim_config *cfg, uint64_t seed, const sim_resources *res,
                        base_err *err)
{
    return sim_sem_create(cfg, seed, res, err);
}

static void sem_ops(void *k, sim_payload_ops *ops)
{
    sim_sem_ops(k, ops);
}

static size_t sem_available(const void *k)
{
    return sim_sem_available(k);
}

static void sem_point_metrics(const void *k, sim_point_metrics *m)
{
    sim_sem_point_metrics(k, m);
}

static void sem_destroy(void *k)
{
    sim_sem_destroy(k);
}

/* ---- kind = bits --------------------------------------------------------------------- */

static base_status bits_check(const sim_scenario *sc, const sim_config *cfg, sim_resources *res,
                              base_err *err)
{
    (void)res;
    base_status st = no_prune(sc, cfg, err);
    return st == BASE_OK ? sim_bits_check(sc, cfg, err) : st;
}

static void *bits_create(const sim_config *cfg, uint64_t seed, const sim_resources *res,
                         base_err *err)
{
    (void)res;
    return sim_bits_create(cfg, seed, err);
}

static void bits_ops(void *k, sim_payload_ops *ops)
{
    sim_bits_ops(k, ops);
}

static size_t unlimited(const void *k)
{
    (void)k;
    return SIZE_MAX;
}

static void bits_destroy(void *k)
{
    sim_bits_destroy(k);
}

/* bits and the codecs: nothing is exchanged up front */
static void no_handshake(const void *k, sim_point_metrics *m)
{
    (void)k;
    m->handshake_sym = 0;
}

/* ---- kind = codec2-*, opus-* ------------------------------------------------------------ */

static base_status codec_check(const sim_scenario *sc, const sim_config *cfg, sim_resources *res,
                               base_err *err)
{
    base_status st = no_prune(sc, cfg, err);
    return st == BASE_OK ? sim_codec_check(sc, cfg, res, err) : st;
}

static void *codec_create(const sim_config *cfg, uint64_t seed, const sim_resources *res,
                          base_err *err)
{
    return sim_codec_create(cfg, seed, res, err);
}

static void codec_ops(void *k, sim_payload_ops *ops)
{
    sim_codec_ops(k, ops);
}

static size_t codec_available(const void *k)
{
    return sim_codec_available(k);
}

static void codec_destroy(void *k)
{
    sim_codec_destroy(k);
}

/* ---- kind = text ---------------------------------------------------------------------- */

static void *text_create(const sim_config *cfg, uint64_t seed, const sim_resources *res,
                         base_err *err)
{
    return sim_text_create(cfg, seed, res, err);
}

static void text_ops(void *k, sim_payload_ops *ops)
{
    sim_text_ops(k, ops);
}

static size_t text_available(const void *k)
{
    return sim_text_available(k);
}

static void text_destroy(void *k)
{
    sim_text_destroy(k);
}

/* ---- the table ------------------------------------------------------------------------ */

#define CODEC_ROW(kind_name)                                                                       \
    {                                                                                              \
        .name = kind_name, .counts_words = 1, .check = codec_check,                                \
        .prepare = sim_receiver_prepare, .create = codec_create, .ops = codec_ops,                 \
        .available = codec_available, .point_metrics = no_handshake, .destroy = codec_destroy      \
    }

static const sim_kind table[] = {
    {.name = "semantic",
     .counts_words = 1,
     .equalized = 1,
     .check = sem_check,
     .prepare = sem_prepare,
     .create = sem_create,
     .ops = sem_ops,
     .available = sem_available,
     .point_metrics = sem_point_metrics,
     .destroy = sem_destroy,
     .transcript = 1},
    {.name = "bits",
     .counts_words = 0,
     .check = bits_check,
     .prepare = NULL,
     .create = bits_create,
     .ops = bits_ops,
     .available = unlimited,
     .point_metrics = no_handshake,
     .destroy = bits_destroy},
    CODEC_ROW("codec2-3200"),
    CODEC_ROW("codec2-1200"),
    CODEC_ROW("codec2-700c"),
    CODEC_ROW("opus-*"),
    {.name = "text",
     .counts_words = 1,
     .check = sim_text_check,
     .prepare = sim_text_prepare,
     .create = text_create,
     .ops = text_ops,
     .available = text_available,
     .point_metrics = no_handshake,
     .destroy = text_destroy,
     .transcript = 1},
};

#define N_KINDS (sizeof table / sizeof *table)

static const char *const names[N_KINDS + 1] = {
    "semantic", "bits", "codec2-3200", "codec2-1200", "codec2-700c", "opus-*", "text", NULL};

static int matches(const char *row, const char *name)
{
    size_t n = strlen(row);
    if (n && row[n - 1] == '*') return !strncmp(row, name, n - 1);
    return !strcmp(row, name);
}

const sim_kind *sim_kind_find(const char *name)
{
    for (size_t i = 0; name && i < N_KINDS; i++)
        if (matches(table[i].name, name)) return &table[i];
    return NULL;
}

size_t sim_kind_count(void)
{
    return N_KINDS;
}

const sim_kind *sim_kind_at(size_t i)
{
    return i < N_KINDS ? &table[i] : NULL;
}

const char *const *sim_kind_names(void)
{
    return names;
}
