/* prune.c -- link.prune = blank for the semantic kind: the transmitter's
 * decision, the positions' cost, the receiver's fill. See prune.h. */
#include "sim/prune.h"

#include <stdlib.h>
#include <string.h>

#include "codecs/agent.h"
#include "codecs/prune.h"
#include "codecs/vocab.h"

struct sim_prune {
    int on[SIM_MAX_USERS];
    int proto[SIM_MAX_USERS]; /* link.prune_fill = prototype */
    double threshold[SIM_MAX_USERS];
    float *fill;     /* (d_rx) the receiver's silence latent */
    float *fill_rel; /* (K) its relative representation, or NULL */
};

int sim_prune_wanted(const sim_config *cfg)
{
    for (size_t u = 0; u < cfg->n_users; u++)
        if (!strcmp(cfg->user[u].link.prune, "blank")) return 1;
    return 0;
}

void sim_prune_destroy(sim_prune *p)
{
    if (!p) return;
    free(p->fill);
    free(p->fill_rel);
    free(p);
}

/* The receiver's latent of one second of silence, averaged over frames. */
static base_status silence_latent(const codec_recognizer *rx, codec_recognizer_ws *ws, float *out,
                                  base_err *err)
{
    size_t n = (size_t)codec_recognizer_rate(rx), d = (size_t)codec_recognizer_latent_dim(rx);
    float *x = calloc(n, sizeof *x);
    if (!x) return base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
    int t = 0;
    base_status st = codec_recognizer_frontend(rx, ws, x, n, err);
    if (st == BASE_OK) st = codec_recognizer_encode(rx, ws, &t, err);
    free(x);
    if (st != BASE_OK) return st;
    if (t <= 0) return base_err_set(err, BASE_ERANGE, NULL, 0, "prune: no latent for silence");
    const float *z = codec_recognizer_latents(ws);
    for (size_t k = 0; k < d; k++) {
        double acc = 0;
        for (int i = 0; i < t; i++) acc += z[(size_t)i * d + k];
        out[k] = (float)(acc / t);
    }
    return BASE_OK;
}

sim_prune *sim_prune_create(const sim_config *cfg, const codec_recognizer *rx,
                            codec_recognizer_ws *rx_ws, const anchor_relative *rel, base_err *err)
{
    sim_prune *p = calloc(1, sizeof *p);
    if (!p) {
        base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
        return NULL;
    }
    for (size_t u = 0; u < cfg->n_users; u++) {
        p->on[u] = !strcmp(cfg->user[u].link.prune, "blank");
        p->threshold[u] = cfg->user[u].link.prune_threshold;
        p->proto[u] = !strcmp(cfg->user[u].link.prune_fill, "prototype");
    }
    size_t d = (size_t)codec_recognizer_latent_dim(rx);
    if (!(p->fill = malloc(d * sizeof *p->fill))) goto nomem;
    if (silence_latent(rx, rx_ws, p->fill, err) != BASE_OK) goto fail;
    if (rel) {
        if (!(p->fill_rel = malloc(anchor_relative_count(rel) * sizeof *p->fill_rel))) goto nomem;
        if (anchor_relative_execute(rel, p->fill, 1, p->fill_rel, err) != BASE_OK) goto fail;
    }
    return p;
nomem:
    base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
fail:
    sim_prune_destroy(p);
    return NULL;
}

int sim_prune_active(const sim_prune *p, size_t user)
{
    return p && user < SIM_MAX_USERS && p->on[user];
}

base_status sim_prune_decide(const sim_prune *p, size_t user, const codec_recognizer *r,
                             codec_recognizer_ws *ws, const float *z, size_t t, uint8_t *keep,
                             size_t *n_keep, size_t *uses, double *flops, base_err *err)
{
    base_status st = codec_recognizer_decode(r, ws, z, (int)t, err);
    if (st != BASE_OK) return st;
    size_t up = (size_t)codec_agent_get_config(codec_recognizer_agent(r))->upsample;
    *n_keep = codec_prune_mask(codec_recognizer_logp(ws), t, up, CODEC_VOCAB_SIZE,
                               CODEC_VOCAB_BLANK, p->threshold[user], keep);
    *uses = codec_prune_rle_bits(keep, t); /* 1 bit per complex channel use (prune.h) */
    *flops = 2.0 * codec_recognizer_decoder_params(r) * (double)t;
    return BASE_OK;
}

size_t sim_prune_compact(const sim_prune *p, size_t user, float *s, size_t t, size_t w,
                         const uint8_t *keep)
{
    size_t n_proto = 0;
    if (p->proto[user]) { /* the mean of the pruned frames, accumulated in double */
        double *acc = calloc(w, sizeof *acc);
        size_t np = 0;
        for (size_t i = 0; acc && i < t; i++)
            if (!keep[i]) {
                np++;
                for (size_t k = 0; k < w; k++) acc[k] += s[i * w + k];
            }
        size_t n = codec_prune_compact(s, t, w, keep);
        if (acc && np) {
            for (size_t k = 0; k < w; k++) s[n * w + k] = (float)(acc[k] / (double)np);
            n_proto = 1;
        }
        free(acc);
        return n_proto;
    }
    codec_prune_compact(s, t, w, keep);
    return 0;
}

base_status sim_prune_expand(const uint8_t *keep, size_t n_keep, size_t n_proto, size_t t,
                             const float *fill, float *x, size_t d, base_err *err)
{
    float proto[SIM_PRUNE_MAX_DIM];
    if (n_proto) { /* the prototype row is overwritten while rows move: copy it first */
        if (d > SIM_PRUNE_MAX_DIM)
            return base_err_set(err, BASE_ERANGE, NULL, 0, "prune: %zu values per frame", d);
        memcpy(proto, x + n_keep * d, d * sizeof *proto);
        fill = proto;
    }
    return codec_prune_expand(x, n_keep, d, keep, t, fill, x, err);
}

const float *sim_prune_fill_latent(const sim_prune *p)
{
    return p->fill;
}

const float *sim_prune_fill_relative(const sim_prune *p)
{
    return p->fill_rel;
}
