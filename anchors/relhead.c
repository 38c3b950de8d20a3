/* relhead.c -- training, caching and running the `relative` equalizer's head
 * (see relhead.h for the design).
 *
 * Training: the receiver's latents are given (computed once by the caller with
 * its frozen encoder); each step projects the batch's latents on A_rx
 * (anchors/relative, one sgemm), standardises them and runs the decoder-only
 * agent forward and backward (codec_agent_decoder_forward_train/_backward)
 * with CTC (codecs/ctc) and AdamW (codecs/optim).
 */
#include "anchors/relhead.h"

#include "codecs/ctc.h"
#include "codecs/modelfile.h"
#include "codecs/optim.h"
#include "codecs/text.h"
#include "codecs/vocab.h"

#include <cblas.h>
#include <errno.h>
#include <lapacke.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define HEAD_KIND "relative-head"
#define MAX_THREADS 64

struct anchor_relhead {
    codec_agent *dec;      /* decoder-only agent, d = K */
    anchor_relative *proj; /* the receiver's own projection on A_rx */
    size_t k, d_rx;
    float *mean, *scale; /* (K) input standardisation */
    uint64_t key, rx_hash, set_hash, data_id;
    anchor_relhead_config cfg; /* recipe it was trained with (cache_dir not kept) */
    double final_loss;
};

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
    cfg->threads = 2;
    cfg->log_every = 25;
}

/* ---- hashing (FNV-1a, 64 bit) ----------------------------------------------- */

#define FNV_OFFSET 0xcbf29ce484222325ULL
#define FNV_PRIME 0x100000001b3ULL

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * FNV_PRIME;
    return h;
}

static uint64_t fnv_u64(uint64_t h, uint64_t v)
{
    unsigned char b[8];
    for (int i = 0; i < 8; i++) b[i] = (unsigned char)(v >> (8 * i));
    return fnv(h, b, 8);
}

static uint64_t fnv_double(uint64_t h, double v)
{
    uint64_t u;
    memcpy(&u, &v, sizeof u);
    return fnv_u64(h, u);
}

uint64_t anchor_relhead_agent_hash(const codec_agent *a)
{
    if (!a) return 0;
    const codec_agent_config *c = codec_agent_get_config(a);
    uint64_t h = fnv(FNV_OFFSET, c->family, strnlen(c->family, sizeof c->family));
    const int f[] = {c->n_mels,  c->vocab,  c->d,         c->stride,    c->width,
                     c->kernel0, c->kernel, c->enc_depth, c->dec_depth, c->dilation_max};
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) h = fnv_u64(h, (uint64_t)(int64_t)f[i]);
    h = fnv_double(h, c->dropout);
    if (c->upsample != 1) h = fnv_u64(h, (uint64_t)c->upsample); /* 1 keeps earlier keys */
    codec_agent *m = (codec_agent *)a; /* codec_agent_params has no const variant */
    return fnv(h, codec_agent_params(m), codec_agent_num_floats(a) * sizeof(float));
}

/* Everything in the recipe that changes the trained weights. */
static uint64_t recipe_hash(uint64_t h, const anchor_relhead_config *c)
{
    h = fnv_u64(h, ANCHOR_RELHEAD_VERSION);
    h = fnv_u64(h, c->seed);
    h = fnv_u64(h, (uint64_t)c->steps);
    h = fnv_u64(h, (uint64_t)c->batch);
    h = fnv_double(h, c->lr);
    h = fnv_u64(h, (uint64_t)c->warmup);
    h = fnv_double(h, c->weight_decay);
    h = fnv_double(h, c->clip);
    h = fnv_double(h, c->dropout);
    h = fnv_double(h, c->ls_lambda);
    return c->noise > 0 ? fnv_double(h, c->noise) : h; /* noise 0 keeps earlier keys */
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
    uint64_t h = fnv(FNV_OFFSET, HEAD_KIND, strlen(HEAD_KIND));
    h = fnv_u64(h, anchor_relhead_agent_hash(spec->rx));
    h = fnv_u64(h, spec->k);
    h = fnv_u64(h, d);
    h = fnv(h, spec->a_rx, spec->k * d * sizeof(float));
    h = fnv_u64(h, (uint64_t)spec->psi);
    h = fnv_u64(h, spec->set_hash);
    h = fnv_u64(h, spec->data_id);
    *key = recipe_hash(h, cfg);
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
static codec_agent_config head_agent_config(const codec_agent_config *rx, size_t k, float dropout)
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

static int is_decoder_tensor(const char *name)
{
    return strncmp(name, "dec.", 4) == 0;
}

/* Empty head around a fresh decoder agent (weights seed 0; the caller fills them). */
static anchor_relhead *head_new(const codec_agent_config *hc, const float *a_rx, size_t k,
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
static void standardise(const anchor_relhead *h, const float *r, int t, float *x)
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
    standardise(h, r, t, ws->x);
    return codec_agent_decode(h->dec, ws->ws, ws->x, t, logprobs, err);
}

/* ---- training ------------------------------------------------------------------- */

typedef struct utt {
    const float *z;
    int t, l;
    int *lab;
} utt;

typedef struct worker {
    codec_agent_ws *ws;
    float *r, *x, *dl;
    double *ctc;
} worker;

typedef struct trainer {
    anchor_relhead *h;
    const anchor_relhead_config *cfg;
    utt *u;
    size_t nu;
    worker w[MAX_THREADS];
    int nw;
    size_t nfloats;
    float *slots;   /* (batch, nfloats) per-utterance gradients */
    double *losses; /* (batch) */
    int *status;    /* (batch) */
    const size_t *batch_idx;
    int batch_n;
    long step;
    atomic_int next;
} trainer;

static void train_one(trainer *tr, worker *w, int j)
{
    const utt *u = &tr->u[tr->batch_idx[j]];
    anchor_relhead *h = tr->h;
    float *g = tr->slots + (size_t)j * tr->nfloats;
    memset(g, 0, tr->nfloats * sizeof(float));
    base_rng rd;
    base_rng_init(&rd, tr->cfg->seed, (uint64_t)tr->step * (uint64_t)tr->cfg->batch + (uint64_t)j,
                  base_rng_component("anchors.relhead.dropout"));
    const float *logits;
    const int V = codec_agent_get_config(h->dec)->vocab;
    tr->status[j] = BASE_EINTERNAL;
    if (anchor_relative_execute(h->proj, u->z, (size_t)u->t, w->r, NULL)) return;
    standardise(h, w->r, u->t, w->x);
    if (tr->cfg->noise > 0) {
        base_rng rn;
        base_rng_init(&rn, tr->cfg->seed,
                      (uint64_t)tr->step * (uint64_t)tr->cfg->batch + (uint64_t)j,
                      base_rng_component("anchors.relhead.noise"));
        for (size_t i = 0; i < (size_t)u->t * h->k; i++)
            w->x[i] += tr->cfg->noise * (float)base_rng_normal(&rn);
    }
    if (codec_agent_decoder_forward_train(h->dec, w->ws, w->x, u->t, &rd, &logits, NULL)) return;
    const int tc = codec_agent_ctc_len(h->dec, u->t); /* CTC frames */
    memset(w->dl, 0, sizeof(float) * (size_t)tc * V);
    double loss = 0;
    base_status st = codec_ctc_loss(&loss, w->dl, 1.0f / (float)tr->batch_n, logits, tc, V, u->lab,
                                    u->l, w->ctc, NULL);
    tr->status[j] = st;
    tr->losses[j] = st ? 0 : loss;
    if (st) return;
    codec_agent_decoder_backward(h->dec, w->ws, w->dl, g, NULL);
}

static void *thread_main(void *arg)
{
    trainer *tr = ((void **)arg)[0];
    worker *w = ((void **)arg)[1];
    for (;;) {
        int j = atomic_fetch_add(&tr->next, 1);
        if (j >= tr->batch_n) break;
        train_one(tr, w, j);
    }
    return NULL;
}

/* One batch on all workers (the calling thread is worker 0). */
static void run_batch(trainer *tr)
{
    pthread_t th[MAX_THREADS];
    void *args[MAX_THREADS][2];
    int started[MAX_THREADS] = {0};
    atomic_store(&tr->next, 0);
    int nw = tr->nw < tr->batch_n ? tr->nw : tr->batch_n;
    for (int w = 0; w < nw; w++) args[w][0] = tr, args[w][1] = &tr->w[w];
    for (int w = 1; w < nw; w++) started[w] = !pthread_create(&th[w], NULL, thread_main, args[w]);
    thread_main(args[0]);
    for (int w = 1; w < nw; w++)
        if (started[w]) pthread_join(th[w], NULL);
}

/* Labels of every utterance; those whose transcript cannot be aligned in
 * their frames (CTC needs T >= L + repeats) are dropped and counted. */
static base_status prepare_data(const anchor_relhead_data *data, size_t d_rx, int upsample,
                                utt **out, size_t *nu, size_t *skipped, base_err *err)
{
    if (!data || data->n == 0 || !data->z || !data->t || !data->text)
        return base_err_set(err, BASE_EINVAL, NULL, 0,
                            "relhead: training data needs n > 0 utterances with latents, frame "
                            "counts and transcripts");
    utt *u = calloc(data->n, sizeof *u);
    if (!u) return base_err_set(err, BASE_ENOMEM, NULL, 0, "relhead: out of memory");
    size_t n = 0;
    base_status st = BASE_OK;
    *skipped = 0;
    for (size_t i = 0; i < data->n; i++) {
        if (!data->z[i] || data->t[i] <= 0) {
            st = base_err_set(err, BASE_EINVAL, NULL, 0,
                              "relhead: utterance %zu has no latents (t = %d, z %s)", i, data->t[i],
                              data->z[i] ? "set" : "NULL");
            goto fail;
        }
        if (!data->text[i]) {
            st = base_err_set(err, BASE_EINVAL, NULL, 0, "relhead: utterance %zu has no transcript",
                              i);
            goto fail;
        }
        for (size_t e = 0; e < (size_t)data->t[i] * d_rx; e++)
            if (!isfinite(data->z[i][e])) {
                st = base_err_set(err, BASE_EINVAL, NULL, 0,
                                  "relhead: utterance %zu, latent frame %zu is not finite", i,
                                  e / d_rx);
                goto fail;
            }
        char *norm = NULL;
        if ((st = codec_text_normalise(data->text[i], &norm, err))) goto fail;
        size_t l = codec_vocab_encode(norm, NULL, 0);
        int *lab = malloc((l ? l : 1) * sizeof *lab);
        if (!lab) {
            free(norm);
            st = base_err_set(err, BASE_ENOMEM, NULL, 0, "relhead: out of memory");
            goto fail;
        }
        codec_vocab_encode(norm, lab, l);
        free(norm);
        size_t need = l;
        for (size_t j = 1; j < l; j++) need += lab[j] == lab[j - 1];
        if (need > (size_t)data->t[i] * (size_t)upsample) {
            free(lab);
            (*skipped)++;
            continue;
        }
        u[n++] = (utt){data->z[i], data->t[i], (int)l, lab};
    }
    if (n == 0) {
        st = base_err_set(err, BASE_EINVAL, NULL, 0,
                          "relhead: none of the %zu utterances has enough latent frames for its "
                          "transcript",
                          data->n);
        goto fail;
    }
    *out = u;
    *nu = n;
    return BASE_OK;
fail:
    for (size_t i = 0; i < n; i++) free(u[i].lab);
    free(u);
    return st;
}

/* Per-component mean and 1/std of R over every training frame. */
static void fit_standardisation(anchor_relhead *h, const utt *u, size_t nu, float *r)
{
    const size_t k = h->k;
    double *s1 = calloc(2 * k, sizeof *s1);
    if (!s1) return; /* keeps mean 0, scale 1: still a valid (unstandardised) head */
    double *s2 = s1 + k;
    size_t frames = 0;
    for (size_t i = 0; i < nu; i++) {
        anchor_relative_execute(h->proj, u[i].z, (size_t)u[i].t, r, NULL);
        for (size_t f = 0; f < (size_t)u[i].t; f++)
            for (size_t j = 0; j < k; j++) {
                double v = r[f * k + j];
                s1[j] += v, s2[j] += v * v;
            }
        frames += (size_t)u[i].t;
    }
    for (size_t j = 0; j < k; j++) {
        double m = s1[j] / (double)frames, var = s2[j] / (double)frames - m * m;
        h->mean[j] = (float)m;
        /* a constant component (e.g. a distance to a far anchor that never moves)
         * keeps scale 1 instead of blowing up */
        h->scale[j] = var > 1e-12 ? (float)(1.0 / sqrt(var)) : 1.0f;
    }
    free(s1);
}

/* dec.in of the head = dec.in of the receiver composed with the ridge
 * least-squares map [x 1] B ~ z from the standardised R to z_rx:
 * W' (C,K) = W (C,d) B[:K]^T, b' = W B[K] + b. */
static base_status fit_input_layer(anchor_relhead *h, const codec_agent *rx, const utt *u,
                                   size_t nu, float *r, float *x, double lambda_rel, base_err *err)
{
    const size_t k = h->k, d = h->d_rx, k1 = k + 1;
    const int C = codec_agent_get_config(rx)->width;
    base_status st = BASE_ENOMEM;
    double *g = calloc(k1 * k1 + k1 * d, sizeof *g), *hz = g ? g + k1 * k1 : NULL;
    size_t maxt = 0;
    for (size_t i = 0; i < nu; i++)
        if ((size_t)u[i].t > maxt) maxt = (size_t)u[i].t;
    float *xa = malloc(maxt * k1 * sizeof *xa), *gf = malloc((k1 * k1 + k1 * d) * sizeof *gf);
    if (!g || !xa || !gf) {
        base_err_set(err, BASE_ENOMEM, NULL, 0, "relhead: out of memory");
        goto out;
    }
    for (size_t i = 0; i < nu; i++) {
        const size_t t = (size_t)u[i].t;
        anchor_relative_execute(h->proj, u[i].z, t, r, NULL);
        standardise(h, r, (int)t, x);
        for (size_t f = 0; f < t; f++) {
            memcpy(xa + f * k1, x + f * k, k * sizeof *xa);
            xa[f * k1 + k] = 1;
        }
        /* per utterance in float (a few hundred frames), summed in double */
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)k1, (int)k1, (int)t, 1.0f, xa,
                    (int)k1, xa, (int)k1, 0.0f, gf, (int)k1);
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)k1, (int)d, (int)t, 1.0f, xa,
                    (int)k1, u[i].z, (int)d, 0.0f, gf + k1 * k1, (int)d);
        for (size_t e = 0; e < k1 * k1 + k1 * d; e++) g[e] += gf[e];
    }
    double tr = 0;
    for (size_t j = 0; j < k; j++) tr += g[j * k1 + j];
    double lambda = lambda_rel * tr / (double)k;
    if (!(lambda > 0)) lambda = 1e-9 * (tr > 0 ? tr / (double)k : 1);
    for (size_t j = 0; j < k; j++) g[j * k1 + j] += lambda; /* the bias row is not shrunk */
    lapack_int info = LAPACKE_dposv(LAPACK_ROW_MAJOR, 'U', (lapack_int)k1, (lapack_int)d, g,
                                    (lapack_int)k1, hz, (lapack_int)d);
    if (info != 0) {
        st =
            base_err_set(err, BASE_EINTERNAL, NULL, 0,
                         "relhead: least-squares initialisation failed (dposv info %d)", (int)info);
        goto out;
    }
    codec_agent *rxm = (codec_agent *)rx; /* read only: no const accessor for tensor data */
    const float *w = codec_agent_param_data(rxm, (size_t)codec_agent_param_find(rx, "dec.in.w"));
    const float *b = codec_agent_param_data(rxm, (size_t)codec_agent_param_find(rx, "dec.in.b"));
    float *wh = codec_agent_param_data(h->dec, (size_t)codec_agent_param_find(h->dec, "dec.in.w"));
    float *bh = codec_agent_param_data(h->dec, (size_t)codec_agent_param_find(h->dec, "dec.in.b"));
    for (int c = 0; c < C; c++) {
        for (size_t j = 0; j < k; j++) {
            double acc = 0;
            for (size_t e = 0; e < d; e++) acc += (double)w[(size_t)c * d + e] * hz[j * d + e];
            wh[(size_t)c * k + j] = (float)acc;
        }
        double acc = b[c];
        for (size_t e = 0; e < d; e++) acc += (double)w[(size_t)c * d + e] * hz[k * d + e];
        bh[c] = (float)acc;
    }
    st = BASE_OK;
out:
    free(g), free(xa), free(gf);
    return st;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void fmt_dur(char *buf, size_t n, double s)
{
    if (!(s >= 0) || !isfinite(s)) s = 0;
    long q = (long)(s + 0.5);
    if (q >= 60)
        snprintf(buf, n, "%ldm%02lds", q / 60, q % 60);
    else
        snprintf(buf, n, "%lds", q);
}

anchor_relhead *anchor_relhead_train(const anchor_relhead_spec *spec,
                                     const anchor_relhead_data *data,
                                     const anchor_relhead_config *cfg, const base_log *lg,
                                     anchor_relhead_result *res, base_err *err)
{
    trainer tr;
    memset(&tr, 0, sizeof tr);
    anchor_relhead_result rr;
    memset(&rr, 0, sizeof rr);
    float *m = NULL, *v = NULL, *grad = NULL;
    unsigned char *decay = NULL, *frozen = NULL;
    size_t *order = NULL;
    anchor_relhead *h = NULL;
    double t0 = now_s();
    uint64_t key;
    if (anchor_relhead_key(spec, cfg, &key, err)) return NULL;
    const size_t k = spec->k, d_rx = (size_t)codec_agent_latent_dim(spec->rx);
    const codec_agent_config *rxc = codec_agent_get_config(spec->rx);
    codec_agent_config hc = head_agent_config(rxc, k, cfg->dropout);
    if (codec_agent_config_check(&hc, err)) return NULL;
    if (prepare_data(data, d_rx, codec_agent_get_config(spec->rx)->upsample, &tr.u, &tr.nu,
                     &rr.skipped, err))
        return NULL;
    if (!(h = head_new(&hc, spec->a_rx, k, d_rx, spec->psi, err))) goto fail;
    h->key = key;
    h->rx_hash = anchor_relhead_agent_hash(spec->rx);
    h->set_hash = spec->set_hash;
    h->data_id = spec->data_id;
    h->cfg = *cfg;
    h->cfg.cache_dir[0] = 0;
    h->cfg.stop = NULL;
    tr.h = h;
    tr.cfg = cfg;

    /* the receiver's decoder weights, except the input layer */
    for (size_t i = 0; i < codec_agent_param_count(h->dec); i++) {
        const char *name = codec_agent_param_name(h->dec, i);
        if (!is_decoder_tensor(name) || !strcmp(name, "dec.in.w") || !strcmp(name, "dec.in.b"))
            continue;
        long j = codec_agent_param_find(spec->rx, name);
        if (j < 0 ||
            codec_agent_param_size(spec->rx, (size_t)j) != codec_agent_param_size(h->dec, i)) {
            base_err_set(err, BASE_EINTERNAL, NULL, 0, "relhead: receiver has no tensor %s", name);
            goto fail;
        }
        memcpy(codec_agent_param_data(h->dec, i),
               codec_agent_param_data((codec_agent *)spec->rx, (size_t)j),
               codec_agent_param_size(h->dec, i) * sizeof(float));
    }
    int maxt = 1, maxl = 1;
    for (size_t i = 0; i < tr.nu; i++) {
        if (tr.u[i].t > maxt) maxt = tr.u[i].t;
        if (tr.u[i].l > maxl) maxl = tr.u[i].l;
        rr.frames += (size_t)tr.u[i].t;
    }
    const int V = hc.vocab;
    tr.nw = cfg->threads;
    for (int w = 0; w < tr.nw; w++) {
        worker *wk = &tr.w[w];
        if (codec_agent_ws_create(&wk->ws, h->dec, maxt, err)) goto fail;
        wk->r = malloc((size_t)maxt * k * sizeof(float));
        wk->x = malloc((size_t)maxt * k * sizeof(float));
        wk->dl = malloc((size_t)codec_agent_ctc_len(h->dec, maxt) * V * sizeof(float));
        wk->ctc = malloc(codec_ctc_workspace_size((size_t)codec_agent_ctc_len(h->dec, maxt), maxl) *
                         sizeof(double));
        if (!wk->r || !wk->x || !wk->dl || !wk->ctc) goto nomem;
    }
    fit_standardisation(h, tr.u, tr.nu, tr.w[0].r);
    if (cfg->ls_lambda >= 0) {
        if (fit_input_layer(h, spec->rx, tr.u, tr.nu, tr.w[0].r, tr.w[0].x, cfg->ls_lambda, err))
            goto fail;
    } else {
        base_rng ri;
        base_rng_init(&ri, cfg->seed, 0, base_rng_component("anchors.relhead.init"));
        long wi = codec_agent_param_find(h->dec, "dec.in.w");
        base_rng_normal_fill(&ri, codec_agent_param_data(h->dec, (size_t)wi),
                             codec_agent_param_size(h->dec, (size_t)wi),
                             (float)(1.0 / sqrt((double)k)));
    }

    const size_t n = codec_agent_num_floats(h->dec), B = (size_t)cfg->batch;
    tr.nfloats = n;
    m = calloc(n, sizeof *m);
    v = calloc(n, sizeof *v);
    grad = calloc(n, sizeof *grad);
    decay = calloc(n, 1);
    frozen = calloc(n, 1);
    order = malloc(tr.nu * sizeof *order);
    tr.slots = malloc(B * n * sizeof(float));
    tr.losses = calloc(B, sizeof(double));
    tr.status = calloc(B, sizeof(int));
    if (!m || !v || !grad || !decay || !frozen || !order || !tr.slots || !tr.losses || !tr.status)
        goto nomem;
    for (size_t i = 0; i < codec_agent_param_count(h->dec); i++) {
        size_t off = codec_agent_param_offset(h->dec, i), sz = codec_agent_param_size(h->dec, i);
        int train = is_decoder_tensor(codec_agent_param_name(h->dec, i)) &&
                    codec_agent_param_trainable(h->dec, i);
        memset(decay + off, codec_agent_param_decays(h->dec, i), sz);
        memset(frozen + off, !train, sz);
        if (train) rr.params += sz;
    }
    codec_optim_config oc = codec_optim_default(cfg->steps, cfg->warmup);
    oc.lr = cfg->lr;
    oc.weight_decay = cfg->weight_decay;
    oc.clip_norm = cfg->clip;
    if (oc.warmup_steps >= oc.total_steps) oc.warmup_steps = oc.total_steps / 10;
    if (codec_optim_check(&oc, err)) goto fail;

    /* workers run OpenBLAS single-threaded (deterministic sums, no oversubscription) */
    openblas_set_num_threads(1);
    const size_t bsz = B < tr.nu ? B : tr.nu, nb = (tr.nu + bsz - 1) / bsz;
    base_log_info(
        lg,
        "relhead: training K=%zu psi=%s head on %zu utterances (%zu frames, %zu skipped), "
        "%zu parameters, %ld steps of %zu, %d thread%s",
        k, anchor_psi_name(spec->psi), tr.nu, rr.frames, rr.skipped, rr.params, cfg->steps, bsz,
        tr.nw, tr.nw > 1 ? "s" : "");
    long epoch_of_perm = -1;
    double win = 0, t_loop = now_s();
    long win_n = 0, win_bad = 0;
    rr.init_loss = NAN;
    for (long step = 0; step < cfg->steps; step++) {
        if (cfg->stop && *cfg->stop) {
            base_err_set(err, BASE_EINTERRUPTED, NULL, 0, "relhead: stopped at step %ld of %ld",
                         step, cfg->steps);
            goto fail;
        }
        long epoch = step / (long)nb, pos = step % (long)nb;
        if (epoch != epoch_of_perm) {
            base_rng rb;
            base_rng_init(&rb, cfg->seed, (uint64_t)epoch,
                          base_rng_component("anchors.relhead.batches"));
            for (size_t i = 0; i < tr.nu; i++) order[i] = i;
            base_rng_shuffle(&rb, order, tr.nu);
            epoch_of_perm = epoch;
        }
        size_t first = (size_t)pos * bsz;
        tr.batch_idx = order + first;
        tr.batch_n = (int)(tr.nu - first < bsz ? tr.nu - first : bsz);
        tr.step = step;
        run_batch(&tr);
        memset(grad, 0, n * sizeof *grad);
        for (int j = 0; j < tr.batch_n; j++) {
            if (tr.status[j]) {
                win_bad++;
                continue;
            }
            const float *s = tr.slots + (size_t)j * n;
            for (size_t e = 0; e < n; e++) grad[e] += s[e];
            win += tr.losses[j];
            win_n++;
        }
        codec_optim_step(&oc, step, codec_agent_params(h->dec), grad, m, v, decay, frozen, n);
        int last = step + 1 == cfg->steps;
        if (((step + 1) % (cfg->log_every > 0 ? cfg->log_every : 25)) == 0 || last) {
            double mean = win_n ? win / (double)win_n : NAN;
            if (isnan(rr.init_loss)) rr.init_loss = mean;
            rr.final_loss = mean;
            double per = (now_s() - t_loop) / (double)(step + 1);
            char eta[32];
            fmt_dur(eta, sizeof eta, per * (double)(cfg->steps - step - 1));
            base_log_info(lg, "relhead: step %ld/%ld loss %.3f lr %.2e | %.2f s/step | ETA %s%s",
                          step + 1, cfg->steps, mean, codec_optim_lr(&oc, step), per, eta,
                          win_bad ? " (CTC failed on some utterances)" : "");
            win = 0, win_n = 0, win_bad = 0;
        }
    }
    rr.steps = cfg->steps;
    rr.utts = tr.nu;
    rr.seconds = now_s() - t0;
    rr.key = key;
    h->final_loss = rr.final_loss;
    base_log_info(lg, "relhead: trained in %.1f s, loss %.3f -> %.3f", rr.seconds, rr.init_loss,
                  rr.final_loss);
    if (codec_agent_freeze(h->dec, err)) goto fail; /* final: its faster inference path */
    goto out;
nomem:
    base_err_set(err, BASE_ENOMEM, NULL, 0, "relhead: out of memory");
fail:
    anchor_relhead_destroy(h);
    h = NULL;
out:
    for (int w = 0; w < MAX_THREADS; w++) {
        codec_agent_ws_destroy(tr.w[w].ws);
        free(tr.w[w].r), free(tr.w[w].x), free(tr.w[w].dl), free(tr.w[w].ctc);
    }
    for (size_t i = 0; i < tr.nu; i++) free(tr.u[i].lab);
    free(tr.u);
    free(tr.slots), free(tr.losses), free(tr.status);
    free(m), free(v), free(grad), free(decay), free(frozen), free(order);
    if (h && res) *res = rr;
    return h;
}

/* ---- model files ----------------------------------------------------------------- */

static void hex64(char *buf, uint64_t v)
{
    snprintf(buf, 17, "%016llx", (unsigned long long)v);
}

/* Decoder parameter i as the model file stores it: its name, rank nd and shape sz
 * (unused dimensions 0), so save and load walk the same tensors; NULL when parameter i
 * is not one of the decoder's tensors. */
static const char *decoder_tensor(const codec_agent *dec, size_t i, int *nd,
                                  size_t sz[CODEC_AGENT_MAX_DIMS])
{
    const char *name = codec_agent_param_name(dec, i);
    if (!is_decoder_tensor(name)) return NULL;
    int s[CODEC_AGENT_MAX_DIMS];
    *nd = codec_agent_param_shape(dec, i, s);
    sz[0] = (size_t)s[0];
    sz[1] = *nd > 1 ? (size_t)s[1] : 0;
    return name;
}

base_status anchor_relhead_save(const anchor_relhead *h, const char *path, base_err *err)
{
    if (!h || !path) return base_err_set(err, BASE_EINVAL, NULL, 0, "relhead: NULL argument");
    codec_model *md = codec_model_create(err);
    if (!md) return err ? err->code : BASE_ENOMEM;
    const codec_agent_config *c = codec_agent_get_config(h->dec);
    const anchor_relhead_config *r = &h->cfg;
    char hx[4][17];
    hex64(hx[0], h->key), hex64(hx[1], h->rx_hash), hex64(hx[2], h->set_hash);
    hex64(hx[3], h->data_id);
    base_status st;
#define TRY(x)                                                                                     \
    if ((st = (x))) goto out
    TRY(codec_model_set_str(md, "kind", HEAD_KIND, err));
    TRY(codec_model_set_int(md, "head.version", ANCHOR_RELHEAD_VERSION, err));
    TRY(codec_model_set_str(md, "family", c->family, err));
    TRY(codec_model_set_int(md, "head.vocab", c->vocab, err));
    TRY(codec_model_set_int(md, "arch.width", c->width, err));
    TRY(codec_model_set_int(md, "arch.kernel", c->kernel, err));
    TRY(codec_model_set_int(md, "arch.dec_depth", c->dec_depth, err));
    TRY(codec_model_set_int(md, "arch.dilation_max", c->dilation_max, err));
    TRY(codec_model_set_double(md, "arch.dropout", c->dropout, err));
    TRY(codec_model_set_int(md, "arch.upsample", c->upsample, err));
    TRY(codec_model_set_int(md, "head.k", (int64_t)h->k, err));
    TRY(codec_model_set_int(md, "head.d_rx", (int64_t)h->d_rx, err));
    TRY(codec_model_set_str(md, "head.psi", anchor_psi_name(anchor_relhead_psi(h)), err));
    TRY(codec_model_set_str(md, "head.key", hx[0], err));
    TRY(codec_model_set_str(md, "head.rx_hash", hx[1], err));
    TRY(codec_model_set_str(md, "head.set_hash", hx[2], err));
    TRY(codec_model_set_str(md, "head.data_id", hx[3], err));
    TRY(codec_model_set_int(md, "train.seed", (int64_t)r->seed, err));
    TRY(codec_model_set_int(md, "train.steps", r->steps, err));
    TRY(codec_model_set_int(md, "train.batch", r->batch, err));
    TRY(codec_model_set_double(md, "train.lr", r->lr, err));
    TRY(codec_model_set_int(md, "train.warmup", r->warmup, err));
    TRY(codec_model_set_double(md, "train.weight_decay", r->weight_decay, err));
    TRY(codec_model_set_double(md, "train.clip", r->clip, err));
    TRY(codec_model_set_double(md, "train.dropout", r->dropout, err));
    TRY(codec_model_set_double(md, "train.ls_lambda", r->ls_lambda, err));
    TRY(codec_model_set_double(md, "train.final_loss", h->final_loss, err));
    TRY(codec_model_set_double(md, "train.noise", r->noise, err));
    size_t shp[2] = {h->k, h->d_rx};
    TRY(codec_model_add_tensor(md, "head.in.mean", 1, shp, h->mean, err));
    TRY(codec_model_add_tensor(md, "head.in.scale", 1, shp, h->scale, err));
    TRY(codec_model_add_tensor(md, "head.anchors", 2, shp, anchor_relhead_anchors(h), err));
    for (size_t i = 0; i < codec_agent_param_count(h->dec); i++) {
        int nd;
        size_t sz[CODEC_AGENT_MAX_DIMS];
        const char *name = decoder_tensor(h->dec, i, &nd, sz);
        if (!name) continue;
        TRY(codec_model_add_tensor(md, name, nd, sz,
                                   codec_agent_param_data((codec_agent *)h->dec, i), err));
    }
    st = codec_model_save(md, path, err);
#undef TRY
out:
    codec_model_destroy(md);
    return st;
}

static base_status get_hex(const codec_model *md, const char *key, uint64_t *v, base_err *err)
{
    const char *s;
    base_status st = codec_model_get_str(md, key, &s, err);
    if (st) return st;
    char *end;
    errno = 0;
    unsigned long long x = strtoull(s, &end, 16);
    if (errno || *end || !*s)
        return base_err_set(err, BASE_EFORMAT, codec_model_source(md), 0,
                            "attribute '%s' is '%s', expected 16 hex digits", key, s);
    *v = x;
    return BASE_OK;
}

anchor_relhead *anchor_relhead_load(const char *path, base_err *err)
{
    codec_model *md = NULL;
    anchor_relhead *h = NULL;
    float *anchors = NULL;
    if (!path) {
        base_err_set(err, BASE_EINVAL, NULL, 0, "relhead: NULL path");
        return NULL;
    }
    if (codec_model_load(path, &md, err)) return NULL;
    const char *kind, *family, *psi_name;
    int64_t vocab, width, kernel, depth, dil, k, d_rx, ver, up = 1;
    double dropout;
    anchor_psi psi;
    codec_agent_config hc = codec_agent_config_default();
    if (codec_model_get_str(md, "kind", &kind, err)) goto fail;
    if (strcmp(kind, HEAD_KIND)) {
        base_err_set(err, BASE_EFORMAT, path, 0, "kind is '%s', expected '%s' (a relative head)",
                     kind, HEAD_KIND);
        goto fail;
    }
    if (codec_model_get_int(md, "head.version", ANCHOR_RELHEAD_VERSION, ANCHOR_RELHEAD_VERSION,
                            &ver, err) ||
        codec_model_get_str(md, "family", &family, err) ||
        codec_model_get_int(md, "head.vocab", 2, 64, &vocab, err) ||
        codec_model_get_int(md, "arch.width", 4, 2048, &width, err) ||
        codec_model_get_int(md, "arch.kernel", 1, 31, &kernel, err) ||
        codec_model_get_int(md, "arch.dec_depth", 0, 64, &depth, err) ||
        codec_model_get_int(md, "arch.dilation_max", 1, 64, &dil, err) ||
        codec_model_get_double(md, "arch.dropout", 0, 0.9, &dropout, err) ||
        codec_model_get_int(md, "head.k", 1, ANCHOR_RELHEAD_MAX_K, &k, err) ||
        codec_model_get_int(md, "head.d_rx", 1, 1024, &d_rx, err) ||
        codec_model_get_str(md, "head.psi", &psi_name, err) ||
        (codec_model_has_attr(md, "arch.upsample") && /* optional: 1 before it existed */
         codec_model_get_int(md, "arch.upsample", 1, 4, &up, err)))
        goto fail;
    if (anchor_psi_parse(psi_name, &psi, err)) {
        base_err_locate(err, path, 0);
        goto fail;
    }
    snprintf(hc.family, sizeof hc.family, "%s", family);
    hc.vocab = (int)vocab, hc.width = (int)width, hc.kernel = (int)kernel;
    hc.dec_depth = (int)depth, hc.dilation_max = (int)dil, hc.dropout = (float)dropout;
    hc.upsample = (int)up;
    hc = head_agent_config(&hc, (size_t)k, -1);
    if (codec_agent_config_check(&hc, err)) {
        base_err_locate(err, path, 0);
        goto fail;
    }
    anchors = malloc((size_t)(k * d_rx) * sizeof *anchors);
    if (!anchors) {
        base_err_set(err, BASE_ENOMEM, NULL, 0, "relhead: out of memory");
        goto fail;
    }
    size_t shp[2] = {(size_t)k, (size_t)d_rx};
    if (codec_model_get_tensor(md, "head.anchors", 2, shp, anchors, err)) goto fail;
    if (!(h = head_new(&hc, anchors, (size_t)k, (size_t)d_rx, psi, err))) {
        base_err_locate(err, path, 0);
        goto fail;
    }
    if (codec_model_get_tensor(md, "head.in.mean", 1, shp, h->mean, err) ||
        codec_model_get_tensor(md, "head.in.scale", 1, shp, h->scale, err))
        goto fail;
    for (size_t i = 0; i < codec_agent_param_count(h->dec); i++) {
        int nd;
        size_t sz[CODEC_AGENT_MAX_DIMS];
        const char *name = decoder_tensor(h->dec, i, &nd, sz);
        if (!name) continue;
        if (codec_model_get_tensor(md, name, nd, sz, codec_agent_param_data(h->dec, i), err))
            goto fail;
    }
    if (codec_model_check_all_used(md, err)) goto fail;
    if (get_hex(md, "head.key", &h->key, err) || get_hex(md, "head.rx_hash", &h->rx_hash, err) ||
        get_hex(md, "head.set_hash", &h->set_hash, err) ||
        get_hex(md, "head.data_id", &h->data_id, err))
        goto fail;
    /* the recipe, so a re-save writes the same attributes */
    anchor_relhead_config_default(&h->cfg);
    int64_t iv;
    double dv;
    if (!codec_model_get_int(md, "train.seed", INT64_MIN, INT64_MAX, &iv, NULL))
        h->cfg.seed = (uint64_t)iv;
    if (!codec_model_get_int(md, "train.steps", 0, INT64_MAX, &iv, NULL)) h->cfg.steps = (long)iv;
    if (!codec_model_get_int(md, "train.batch", 0, 4096, &iv, NULL)) h->cfg.batch = (int)iv;
    if (!codec_model_get_double(md, "train.lr", 0, 1e9, &dv, NULL)) h->cfg.lr = (float)dv;
    if (!codec_model_get_int(md, "train.warmup", 0, INT64_MAX, &iv, NULL)) h->cfg.warmup = (long)iv;
    if (!codec_model_get_double(md, "train.weight_decay", 0, 1e9, &dv, NULL))
        h->cfg.weight_decay = (float)dv;
    if (!codec_model_get_double(md, "train.clip", 0, 1e9, &dv, NULL)) h->cfg.clip = (float)dv;
    if (!codec_model_get_double(md, "train.dropout", -1e9, 1, &dv, NULL))
        h->cfg.dropout = (float)dv;
    if (!codec_model_get_double(md, "train.ls_lambda", -1e300, 1e300, &dv, NULL))
        h->cfg.ls_lambda = dv;
    if (!codec_model_get_double(md, "train.final_loss", -1e300, 1e300, &dv, NULL))
        h->final_loss = dv;
    h->cfg.noise = 0; /* files from before the noise option were trained without it */
    if (!codec_model_get_double(md, "train.noise", 0, 1e9, &dv, NULL)) h->cfg.noise = (float)dv;
    if (codec_agent_freeze(h->dec, err)) goto fail;
    free(anchors);
    codec_model_destroy(md);
    return h;
fail:
    if (err && !err->file[0]) base_err_locate(err, path, 0);
    free(anchors);
    anchor_relhead_destroy(h);
    codec_model_destroy(md);
    return NULL;
}

/* ---- cache ------------------------------------------------------------------------ */

/* mkdir -p */
static base_status make_dirs(const char *dir, base_err *err)
{
    char p[ANCHOR_RELHEAD_PATH];
    if (snprintf(p, sizeof p, "%s", dir) >= (int)sizeof p)
        return base_err_set(err, BASE_EINVAL, NULL, 0, "relhead: cache_dir too long");
    for (char *s = p + 1; *s; s++) {
        if (*s != '/') continue;
        *s = 0;
        if (mkdir(p, 0777) && errno != EEXIST)
            return base_err_set(err, BASE_EIO, p, 0, "cannot create folder: %s", strerror(errno));
        *s = '/';
    }
    if (mkdir(p, 0777) && errno != EEXIST)
        return base_err_set(err, BASE_EIO, p, 0, "cannot create folder: %s", strerror(errno));
    return BASE_OK;
}

/* Whether a loaded head is the one spec asks for (beyond the key in its name). */
static int head_matches(const anchor_relhead *h, const anchor_relhead_spec *s, uint64_t key)
{
    size_t d = (size_t)codec_agent_latent_dim(s->rx);
    return h->key == key && h->k == s->k && h->d_rx == d && anchor_relhead_psi(h) == s->psi &&
           h->set_hash == s->set_hash && h->data_id == s->data_id &&
           anchor_relhead_vocab(h) == codec_agent_get_config(s->rx)->vocab &&
           codec_agent_get_config(h->dec)->upsample == codec_agent_get_config(s->rx)->upsample &&
           !memcmp(anchor_relhead_anchors(h), s->a_rx, s->k * d * sizeof(float));
}

anchor_relhead *anchor_relhead_get(const anchor_relhead_spec *spec, anchor_relhead_fetch_fn fetch,
                                   void *ctx, const anchor_relhead_config *cfg, const base_log *lg,
                                   anchor_relhead_result *res, base_err *err)
{
    uint64_t key;
    anchor_relhead_result rr;
    memset(&rr, 0, sizeof rr);
    if (anchor_relhead_key(spec, cfg, &key, err)) return NULL;
    if (!fetch) {
        base_err_set(err, BASE_EINVAL, NULL, 0, "relhead: NULL data callback");
        return NULL;
    }
    rr.key = key;
    anchor_relhead *h = NULL;
    if (cfg->cache_dir[0]) {
        int n = snprintf(rr.path, sizeof rr.path, "%s/relhead-%016llx.h5", cfg->cache_dir,
                         (unsigned long long)key);
        if (n >= (int)sizeof rr.path) {
            base_err_set(err, BASE_EINVAL, NULL, 0, "relhead: cache_dir too long");
            return NULL;
        }
        if (access(rr.path, F_OK) == 0) {
            base_err e2 = BASE_ERR_INIT;
            h = anchor_relhead_load(rr.path, &e2);
            if (h && !head_matches(h, spec, key)) {
                base_log_warn(lg, "relhead: %s does not match its key; training again", rr.path);
                anchor_relhead_destroy(h);
                h = NULL;
            } else if (!h) {
                char buf[BASE_ERR_MSG + BASE_ERR_FILE + 16];
                base_log_warn(lg, "relhead: cache file unusable (%s); training again",
                              base_err_format(&e2, buf, sizeof buf));
            }
            if (h) {
                base_log_info(lg, "relhead: cache hit %s", rr.path);
                rr.cache_hit = 1;
                if (res) *res = rr;
                return h;
            }
        }
    }
    anchor_relhead_data data;
    memset(&data, 0, sizeof data);
    if (fetch(ctx, &data, err)) return NULL;
    anchor_relhead_config c2 = *cfg;
    h = anchor_relhead_train(spec, &data, &c2, lg, &rr, err);
    if (!h) return NULL;
    rr.path[0] = 0;
    if (cfg->cache_dir[0]) {
        snprintf(rr.path, sizeof rr.path, "%s/relhead-%016llx.h5", cfg->cache_dir,
                 (unsigned long long)key);
        /* a name private to this process and head, renamed into place when complete */
        char tmp[sizeof rr.path + 64];
        snprintf(tmp, sizeof tmp, "%s.%ld.%p.tmp", rr.path, (long)getpid(), (void *)h);
        base_status st = make_dirs(cfg->cache_dir, err);
        if (!st) st = anchor_relhead_save(h, tmp, err);
        if (!st && rename(tmp, rr.path)) {
            st = base_err_set(err, BASE_EIO, rr.path, 0, "cannot rename %s into place: %s", tmp,
                              strerror(errno));
            remove(tmp);
        }
        if (st) {
            anchor_relhead_destroy(h);
            return NULL;
        }
        base_log_info(lg, "relhead: saved %s", rr.path);
    }
    if (res) *res = rr;
    return h;
}
