/* relhead.c -- the `relative` equalizer's head: its recipe defaults and
 * cache key, the head object and inference (see relhead.h for the design).
 * Training is anchors/relhead_train.c; model files and the cache are
 * anchors/relhead_file.c; what they share is anchors/relhead_impl.h. */
#include "anchors/relhead.h"

#include "anchors/relhead_impl.h"
#include "base/hash.h"
#include "codecs/agent_arch.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct anchor_relhead_ws {
    codec_agent_ws *ws;
    float *x; /* (max_frames,K) standardised input */
    int max_frames;
};

void anchor_relhead_config_default(anchor_relhead_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->seed = 1;
    cfg->steps = 400;
    cfg->batch = 16;
    cfg->lr = 1e-3f;
    cfg->warmup = 40;
    cfg->weight_decay = 0.01f;
    cfg->clip = 5;
    cfg->dropout = -1;
    cfg->ls_lambda = 1e-3;
    cfg->noise = 0.5f;
    cfg->snr_on = 0;
    cfg->snr_lo_db = cfg->snr_hi_db = 0;
    cfg->packet_frames = 4;
    cfg->threads = 2;
    cfg->log_every = 25;
}

/* ---- hashing (base/hash: FNV-1a, 64 bit) -------------------------------------- */

#define MAX_THREADS 64

uint64_t anchor_relhead_agent_hash(const codec_agent *a)
{
    if (!a) return 0;
    const codec_agent_config *c = codec_agent_get_config(a);
    uint64_t h = codec_arch_hash(BASE_HASH_INIT, c); /* the field table, codecs/agent_arch */
    codec_agent *m = (codec_agent *)a;               /* codec_agent_params has no const variant */
    return base_hash_bytes(h, codec_agent_params(m), codec_agent_num_floats(a) * sizeof(float));
}

base_status anchor_relhead_snr_parse(const char *text, int *on, double *lo, double *hi,
                                     base_err *err)
{
    *on = 0;
    *lo = *hi = 0;
    if (!text || !*text || !strcmp(text, "none")) return BASE_OK;
    char *end = NULL;
    double a = strtod(text, &end), b = a;
    if (end != text && *end == ':') {
        const char *t2 = end + 1;
        b = strtod(t2, &end);
        if (end == t2) end = (char *)text; /* "a:" is not a range */
    }
    if (end == text || *end || !isfinite(a) || !isfinite(b) || a > b || a < -30 || b > 60)
        return base_err_set(err, BASE_EINVAL, NULL, 0,
                            "equalizer.head_snr_db '%s': expected none, an Es/N0 in dB or a "
                            "range a:b (a <= b, within -30..60)",
                            text);
    *on = 1;
    *lo = a, *hi = b;
    return BASE_OK;
}

static base_status check_config(const anchor_relhead_config *c, base_err *err)
{
    if (!c) return base_err_set(err, BASE_EINVAL, NULL, 0, "relhead: NULL config");
    if (c->steps <= 0)
        return base_err_set(err, BASE_EINVAL, NULL, 0, "relhead: steps must be > 0, got %ld",
                            c->steps);
    if (c->batch <= 0 || c->batch > 4096)
        return base_err_set(err, BASE_EINVAL, NULL, 0, "relhead: batch must be in 1..4096, got %d",
                            c->batch);
    if (!(c->lr > 0) || !isfinite(c->lr))
        return base_err_set(err, BASE_EINVAL, NULL, 0, "relhead: lr must be > 0, got %g", c->lr);
    if (c->warmup < 0)
        return base_err_set(err, BASE_EINVAL, NULL, 0, "relhead: warmup must be >= 0");
    if (!(c->weight_decay >= 0) || !(c->clip >= 0))
        return base_err_set(err, BASE_EINVAL, NULL, 0,
                            "relhead: weight_decay and clip must be >= 0");
    if (!(c->dropout <= 0.9f)) /* NaN fails too */
        return base_err_set(err, BASE_EINVAL, NULL, 0, "relhead: dropout must be <= 0.9, got %g",
                            c->dropout);
    if (!(c->noise >= 0) || !isfinite(c->noise))
        return base_err_set(err, BASE_EINVAL, NULL, 0, "relhead: noise must be >= 0, got %g",
                            c->noise);
    if (c->snr_on && (!(c->snr_lo_db >= -30) || !(c->snr_hi_db <= 60) ||
                      !(c->snr_lo_db <= c->snr_hi_db) || c->packet_frames < 1))
        return base_err_set(err, BASE_EINVAL, NULL, 0,
                            "relhead: training SNR range [%g, %g] dB must lie in -30..60 with "
                            "lo <= hi, and packet_frames >= 1 (got %d)",
                            c->snr_lo_db, c->snr_hi_db, c->packet_frames);
    if (isnan(c->ls_lambda))
        return base_err_set(err, BASE_EINVAL, NULL, 0, "relhead: ls_lambda is NaN");
    if (c->threads < 1 || c->threads > MAX_THREADS)
        return base_err_set(err, BASE_EINVAL, NULL, 0, "relhead: threads must be in 1..%d, got %d",
                            MAX_THREADS, c->threads);
    return BASE_OK;
}

static base_status check_spec(const anchor_relhead_spec *s, base_err *err)
{
    if (!s || !s->rx || !s->a_rx)
        return base_err_set(err, BASE_EINVAL, NULL, 0,
                            "relhead: needs the receiver agent and its anchors A_rx (K,d_rx)");
    if (s->k == 0) return base_err_set(err, BASE_EINVAL, NULL, 0, "relhead: K must be > 0");
    if (s->k > ANCHOR_RELHEAD_MAX_K)
        return base_err_set(err, BASE_ERANGE, NULL, 0,
                            "relhead: K = %zu exceeds %d (the decoder's input width limit)", s->k,
                            ANCHOR_RELHEAD_MAX_K);
    if ((unsigned)s->psi >= ANCHOR_PSI_COUNT)
        return base_err_set(err, BASE_EINVAL, NULL, 0, "relhead: unknown psi %d", (int)s->psi);
    size_t d = (size_t)codec_agent_latent_dim(s->rx);
    for (size_t i = 0; i < s->k * d; i++)
        if (!isfinite(s->a_rx[i]))
            return base_err_set(err, BASE_EINVAL, NULL, 0,
                                "relhead: anchor %zu, component %zu is not finite", i / d, i % d);
    if (s->n_pool > ANCHOR_RELHEAD_MAX_POOL || (s->n_pool && !s->pool))
        return base_err_set(err, BASE_EINVAL, NULL, 0, "relhead: a pool of 0..%d encoders",
                            ANCHOR_RELHEAD_MAX_POOL);
    for (size_t v = 0; v < s->n_pool; v++) {
        const anchor_relhead_pool_member *m = &s->pool[v];
        if (!m->agent || !m->a || m->d == 0)
            return base_err_set(err, BASE_EINVAL, NULL, 0,
                                "relhead: pool encoder %zu needs its agent and anchors", v);
        for (size_t i = 0; i < s->k * m->d; i++)
            if (!isfinite(m->a[i]))
                return base_err_set(err, BASE_EINVAL, NULL, 0,
                                    "relhead: pool encoder %zu: anchor %zu is not finite", v,
                                    i / m->d);
    }
    return BASE_OK;
}

base_status anchor_relhead_key(const anchor_relhead_spec *spec, const anchor_relhead_config *cfg,
                               uint64_t *key, base_err *err)
{
    base_status st = check_spec(spec, err);
    if (!st) st = check_config(cfg, err);
    if (st) return st;
    if (!key) return base_err_set(err, BASE_EINVAL, NULL, 0, "relhead: NULL key");
    size_t d = (size_t)codec_agent_latent_dim(spec->rx);
    uint64_t h = base_hash_bytes(BASE_HASH_INIT, ANCHOR_RELHEAD_KIND, strlen(ANCHOR_RELHEAD_KIND));
    h = base_hash_u64(h, anchor_relhead_agent_hash(spec->rx));
    h = base_hash_u64(h, spec->k);
    h = base_hash_u64(h, d);
    h = base_hash_bytes(h, spec->a_rx, spec->k * d * sizeof(float));
    h = base_hash_u64(h, (uint64_t)spec->psi);
    h = base_hash_u64(h, spec->set_hash);
    h = base_hash_u64(h, spec->data_id);
    for (size_t v = 0; v < spec->n_pool; v++) { /* none: the key as before pools existed */
        h = base_hash_u64(h, anchor_relhead_agent_hash(spec->pool[v].agent));
        h = base_hash_bytes(h, spec->pool[v].a, spec->k * spec->pool[v].d * sizeof(float));
    }
    if ((st = anchor_relhead_inputs_hash(&h, spec, err)) != BASE_OK) return st;
    *key = anchor_relhead_settings_hash(h, cfg); /* relhead_file.c */
    return BASE_OK;
}

/* ---- the head object ------------------------------------------------------------ */

void anchor_relhead_destroy(anchor_relhead *h)
{
    if (!h) return;
    codec_agent_destroy(h->dec);
    anchor_relative_destroy(h->proj);
    free(h->mean);
    free(h->scale);
    free(h);
}

/* The decoder-only agent's config: the receiver's decoder with input width K
 * and a minimal (unused) encoder. */
codec_agent_config anchor_relhead_agent_config(const codec_agent_config *rx, size_t k,
                                               float dropout)
{
    codec_agent_config c = *rx;
    c.d = (int)k;
    c.n_mels = 1;
    c.stride = 1;
    c.kernel0 = 1;
    c.enc_depth = 0;
    if (dropout >= 0) c.dropout = dropout;
    return c;
}

int anchor_relhead_is_decoder_tensor(const char *name)
{
    return strncmp(name, "dec.", 4) == 0;
}

/* Empty head around a fresh decoder agent (weights seed 0; the caller fills them). */
anchor_relhead *anchor_relhead_new(const codec_agent_config *hc, const float *a_rx, size_t k,
                                   size_t d_rx, anchor_psi psi, base_err *err)
{
    anchor_relhead *h = calloc(1, sizeof *h);
    if (!h) {
        base_err_set(err, BASE_ENOMEM, NULL, 0, "relhead: out of memory");
        return NULL;
    }
    h->k = k;
    h->d_rx = d_rx;
    if (codec_agent_create(&h->dec, hc, 0, err)) goto fail;
    if (!(h->proj = anchor_relative_create(a_rx, k, d_rx, psi, err))) goto fail;
    h->mean = calloc(k, sizeof *h->mean);
    h->scale = malloc(k * sizeof *h->scale);
    if (!h->mean || !h->scale) {
        base_err_set(err, BASE_ENOMEM, NULL, 0, "relhead: out of memory");
        goto fail;
    }
    for (size_t i = 0; i < k; i++) h->scale[i] = 1;
    return h;
fail:
    anchor_relhead_destroy(h);
    return NULL;
}

size_t anchor_relhead_k(const anchor_relhead *h)
{
    return h->k;
}
size_t anchor_relhead_in_dim(const anchor_relhead *h)
{
    return h->d_rx;
}
int anchor_relhead_vocab(const anchor_relhead *h)
{
    return codec_agent_get_config(h->dec)->vocab;
}
size_t anchor_relhead_out_dim(const anchor_relhead *h)
{
    const codec_agent_config *c = codec_agent_get_config(h->dec);
    return (size_t)c->vocab * (size_t)c->upsample;
}
anchor_psi anchor_relhead_psi(const anchor_relhead *h)
{
    return anchor_relative_psi(h->proj);
}
uint64_t anchor_relhead_key_of(const anchor_relhead *h)
{
    return h->key;
}
const float *anchor_relhead_anchors(const anchor_relhead *h)
{
    return anchor_relative_anchors(h->proj);
}
const codec_agent *anchor_relhead_decoder(const anchor_relhead *h)
{
    return h->dec;
}
const float *anchor_relhead_in_mean(const anchor_relhead *h)
{
    return h->mean;
}
const float *anchor_relhead_in_scale(const anchor_relhead *h)
{
    return h->scale;
}

/* ---- inference ---------------------------------------------------------------- */

anchor_relhead_ws *anchor_relhead_ws_create(const anchor_relhead *h, int max_frames, base_err *err)
{
    if (!h || max_frames <= 0) {
        base_err_set(err, BASE_EINVAL, NULL, 0, "relhead ws: needs a head and max_frames > 0");
        return NULL;
    }
    anchor_relhead_ws *w = calloc(1, sizeof *w);
    if (!w) goto nomem;
    /* the head agent has stride 1 and kernel0 1: latent frames = input frames */
    if (codec_agent_ws_create(&w->ws, h->dec, max_frames, err)) goto fail;
    w->x = malloc((size_t)max_frames * h->k * sizeof *w->x);
    if (!w->x) goto nomem;
    w->max_frames = max_frames;
    return w;
nomem:
    base_err_set(err, BASE_ENOMEM, NULL, 0, "relhead ws: out of memory for %d frames", max_frames);
fail:
    anchor_relhead_ws_destroy(w);
    return NULL;
}

void anchor_relhead_ws_destroy(anchor_relhead_ws *ws)
{
    if (!ws) return;
    codec_agent_ws_destroy(ws->ws);
    free(ws->x);
    free(ws);
}

base_status anchor_relhead_project(const anchor_relhead *h, const float *z, int t, float *r,
                                   base_err *err)
{
    if (!h || t < 0) return base_err_set(err, BASE_EINVAL, NULL, 0, "relhead: bad argument");
    return anchor_relative_execute(h->proj, z, (size_t)t, r, err);
}

/* x (T,K) = (r - mean) * scale */
void anchor_relhead_standardise(const anchor_relhead *h, const float *r, int t, float *x)
{
    const size_t k = h->k;
    for (size_t i = 0; i < (size_t)t; i++)
        for (size_t j = 0; j < k; j++) x[i * k + j] = (r[i * k + j] - h->mean[j]) * h->scale[j];
}

base_status anchor_relhead_decode(const anchor_relhead *h, anchor_relhead_ws *ws, const float *r,
                                  int t, float *logprobs, base_err *err)
{
    if (!h || !ws || !r || !logprobs)
        return base_err_set(err, BASE_EINVAL, NULL, 0, "relhead: NULL argument");
    if (t <= 0 || t > ws->max_frames)
        return base_err_set(err, BASE_ERANGE, NULL, 0, "relhead: %d frames outside 1..%d", t,
                            ws->max_frames);
    for (size_t i = 0; i < (size_t)t * h->k; i++)
        if (!isfinite(r[i]))
            return base_err_set(err, BASE_EINVAL, NULL, 0,
                                "relhead: received symbol %zu of frame %zu is not finite", i % h->k,
                                i / h->k);
    anchor_relhead_standardise(h, r, t, ws->x);
    return codec_agent_decode(h->dec, ws->ws, ws->x, t, logprobs, err);
}
