/* resources.c -- the run's shared agents and lexicons, loaded once, its
 * per-utterance cache and its anchor links. See resources.h. */
#include "sim/resources.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

typedef struct entry {
    char *key; /* the model path or rx.lm */
    void *obj; /* codec_recognizer * or codec_lexicon * */
} entry;

struct sim_resources {
    entry *agent, *lex;
    size_t n_agent, n_lex, cap_agent, cap_lex;
    sim_ucache *ucache;      /* budget 0 (keeps nothing) until a kind's prepare sets one */
    sim_linkcache *links;    /* keeps no idle link until a kind's prepare sets cache_mb */
    codec_tts *tts;          /* rx.tts_voice's synthesiser, NULL until added */
    pthread_mutex_t *tts_mu; /* serialises tts (heap: lockable through a const res) */
};

sim_resources *sim_resources_create(base_err *err)
{
    sim_resources *res = calloc(1, sizeof *res);
    if (!res) {
        base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
        return NULL;
    }
    if (!(res->ucache = sim_ucache_create(0, err)) ||
        !(res->links = sim_linkcache_create(0, err))) {
        sim_ucache_destroy(res->ucache);
        free(res);
        return NULL;
    }
    return res;
}

void sim_resources_destroy(sim_resources *res)
{
    if (!res) return;
    for (size_t i = 0; i < res->n_agent; i++) {
        codec_recognizer_destroy(res->agent[i].obj);
        free(res->agent[i].key);
    }
    for (size_t i = 0; i < res->n_lex; i++) {
        codec_lexicon_destroy(res->lex[i].obj);
        free(res->lex[i].key);
    }
    free(res->agent);
    free(res->lex);
    sim_ucache_destroy(res->ucache);
    sim_linkcache_destroy(res->links);
    codec_tts_destroy(res->tts);
    if (res->tts_mu) pthread_mutex_destroy(res->tts_mu);
    free(res->tts_mu);
    free(res);
}

static const entry *find(const entry *e, size_t n, const char *key)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(e[i].key, key)) return &e[i];
    return NULL;
}

/* Appends (a copy of key, obj) to *e; -1 when out of memory (obj not taken). */
static int append(entry **e, size_t *n, size_t *cap, const char *key, void *obj)
{
    if (*n == *cap) {
        size_t c = *cap ? 2 * *cap : 4;
        entry *q = realloc(*e, c * sizeof *q);
        if (!q) return -1;
        *e = q;
        *cap = c;
    }
    char *k = strdup(key);
    if (!k) return -1;
    (*e)[*n].key = k;
    (*e)[*n].obj = obj;
    (*n)++;
    return 0;
}

base_status sim_resources_add_agent(sim_resources *res, const char *path, base_err *err)
{
    if (!res || !path) return base_err_set(err, BASE_EINVAL, NULL, 0, "resources: NULL argument");
    if (find(res->agent, res->n_agent, path)) return BASE_OK;
    codec_recognizer *r = NULL;
    base_status st = codec_recognizer_load(&r, path, err);
    if (st != BASE_OK) return st;
    if (append(&res->agent, &res->n_agent, &res->cap_agent, path, r)) {
        codec_recognizer_destroy(r);
        return base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
    }
    return BASE_OK;
}

base_status sim_resources_check_agent(sim_resources *res, const char *path, base_err *err)
{
    if (res) return sim_resources_add_agent(res, path, err);
    codec_recognizer *r = NULL;
    base_status st = codec_recognizer_load(&r, path, err);
    codec_recognizer_destroy(r);
    return st;
}

base_status sim_resources_add_lexicon(sim_resources *res, const char *lm, base_err *err)
{
    if (!res || !lm) return base_err_set(err, BASE_EINVAL, NULL, 0, "resources: NULL argument");
    if (find(res->lex, res->n_lex, lm)) return BASE_OK;
    codec_lexicon *lx = NULL;
    base_status st = codec_lexicon_create(&lx, NULL, *lm ? lm : NULL, err);
    if (st != BASE_OK) return st;
    if (append(&res->lex, &res->n_lex, &res->cap_lex, lm, lx)) {
        codec_lexicon_destroy(lx);
        return base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
    }
    return BASE_OK;
}

const codec_recognizer *sim_resources_agent(const sim_resources *res, const char *path)
{
    const entry *e = res ? find(res->agent, res->n_agent, path) : NULL;
    return e ? e->obj : NULL;
}

const codec_lexicon *sim_resources_lexicon(const sim_resources *res, const char *lm)
{
    const entry *e = res ? find(res->lex, res->n_lex, lm) : NULL;
    return e ? e->obj : NULL;
}

size_t sim_resources_agents(const sim_resources *res)
{
    return res ? res->n_agent : 0;
}

size_t sim_resources_lexicons(const sim_resources *res)
{
    return res ? res->n_lex : 0;
}

sim_ucache *sim_resources_ucache(const sim_resources *res)
{
    return res ? res->ucache : NULL;
}

sim_linkcache *sim_resources_linkcache(const sim_resources *res)
{
    return res ? res->links : NULL;
}

void sim_resources_set_cache_mb(sim_resources *res, int64_t mb)
{
    if (!res || mb <= 0) return;
    sim_ucache_grow_budget(res->ucache, (size_t)mb << 20);
    sim_linkcache_grow_keep(res->links, SIM_LINKCACHE_KEEP);
}

base_status sim_resources_add_tts(sim_resources *res, base_err *err)
{
    if (!res) return base_err_set(err, BASE_EINVAL, NULL, 0, "resources: NULL argument");
    if (res->tts) return BASE_OK;
    if (!res->tts_mu) {
        if (!(res->tts_mu = malloc(sizeof *res->tts_mu)))
            return base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
        pthread_mutex_init(res->tts_mu, NULL);
    }
    return codec_tts_create(&res->tts, err);
}

int sim_resources_has_tts(const sim_resources *res)
{
    return res && res->tts;
}

base_status sim_resources_tts_synth(const sim_resources *res, const codec_voice *v,
                                    const char *text, float **x, size_t *n, base_err *err)
{
    if (!res || !res->tts)
        return base_err_set(err, BASE_EINVAL, NULL, 0, "resources: no speech synthesiser");
    pthread_mutex_lock(res->tts_mu);
    base_status st = codec_tts_synth(res->tts, v, text, NULL, x, n, err);
    pthread_mutex_unlock(res->tts_mu);
    return st;
}
