/* agent.c -- encoder/decoder agent built from codecs/nn layers (see agent.h). */
#include "codecs/agent.h"

#include "codecs/agent_arch.h"

#include "codecs/nn.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NAME_MAX_LEN 48

typedef struct tensor {
    char name[NAME_MAX_LEN];
    int ndim;
    int shape[CODEC_AGENT_MAX_DIMS];
    size_t offset, size;
    int trainable, decays;
} tensor;

/* Tensor indices of one residual block, in its family's order (family.h). */
typedef struct blk {
    int t[CODEC_FAMILY_MAX_TENSORS];
    int nt;
    size_t frozen; /* offset of its transformed weights in agent->frozen */
} blk;

struct codec_agent {
    codec_agent_config c;
    const codec_family_ops *fam; /* the blocks' operations (family.h) */
    tensor *t;
    size_t nt, cap;
    float *params;
    size_t nfloats;
    int norm_mean, norm_scale, conv0_w, conv0_b, ln0_g, ln0_b;
    blk *enc, *dec;
    int enc_g, enc_b, enc_out_w, enc_out_b;
    int dec_in_w, dec_in_b, dec_g, dec_b, dec_out_w, dec_out_b;
    float *frozen; /* codec_agent_freeze: the blocks' transformed weights, or NULL */
};

/* Activations of one block, kept for backward: the family's cache, the
 * dropout mask and the block output (T',C). */
typedef struct blk_ws {
    float *cache, *mask, *out;
} blk_ws;

struct codec_agent_ws {
    int max_frames, max_tz;
    int t, tz, dropout_on;
    float *x0, *cols0, *h0, *mean0, *rstd0, *ln0, *g0;
    blk_ws *enc, *dec;
    float *enc_mean, *enc_rstd, *enc_ln, *z;
    float *dec_h, *dec_mean, *dec_rstd, *dec_ln, *logits;
    float *infer; /* inference scratch of the blocks (infer_scratch_floats) */
    float *s1, *s2, *s3, *s4, *gz;
    float *bscratch; /* the blocks' backward scratch (backward_scratch_floats) */
    float *mem;      /* one allocation holding every buffer above */
};

codec_agent_config codec_agent_config_default(void)
{
    return codec_arch_default();
}

static int is_pow2(int x)
{
    return x > 0 && (x & (x - 1)) == 0;
}

/* Floats of one residual block's parameters (0 for an unknown family). */
static size_t block_floats(const codec_agent_config *c)
{
    const codec_family_ops *f = codec_family_get(c->family);
    codec_family_tensor t[CODEC_FAMILY_MAX_TENSORS];
    size_t n = 0;
    int nt = f ? f->tensors(t, c->width, c->kernel) : 0;
    for (int i = 0; i < nt; i++) n += (size_t)t[i].shape[0] * (t[i].ndim > 1 ? t[i].shape[1] : 1);
    return n;
}

size_t codec_agent_config_param_floats(const codec_agent_config *c)
{
    size_t C = (size_t)c->width, M = (size_t)c->n_mels, d = (size_t)c->d, V = (size_t)c->vocab;
    size_t n = 2 * M;                            /* input norm */
    n += C * (size_t)c->kernel0 * M + C + 2 * C; /* conv0 + ln0 */
    n += (size_t)c->enc_depth * block_floats(c); /* encoder blocks */
    n += 2 * C + d * C + d;                      /* ln + out */
    n += C * d + C;                              /* decoder in */
    n += (size_t)c->dec_depth * block_floats(c);
    V *= (size_t)c->upsample; /* the output layer gives `upsample` frames of V per latent frame */
    n += 2 * C + V * C + V;
    return n;
}

base_status codec_agent_config_check(const codec_agent_config *c, base_err *err)
{
    base_status st = codec_arch_check(c, err);
    if (st) return st;
    if (!codec_family_get(c->family)) /* codec_arch_check's bounds let no such index pass */
        return base_err_set(err, BASE_EINVAL, NULL, 0, "agent: no family %d", (int)c->family);
    if (c->kernel0 < c->stride)
        return base_err_set(err, BASE_EINVAL, NULL, 0, "agent: kernel0 (%d) must be >= stride (%d)",
                            c->kernel0, c->stride);
    if (c->kernel % 2 == 0)
        return base_err_set(err, BASE_EINVAL, NULL, 0, "agent: kernel must be odd, got %d",
                            c->kernel);
    if (!is_pow2(c->dilation_max))
        return base_err_set(err, BASE_EINVAL, NULL, 0,
                            "agent: dilation_max must be a power of two, got %d", c->dilation_max);
    size_t n = codec_agent_config_param_floats(c) - 2 * (size_t)c->n_mels;
    if (n > CODEC_AGENT_MAX_PARAMS)
        return base_err_set(err, BASE_EINVAL, NULL, 0,
                            "agent: %zu trainable parameters exceed the limit of %d", n,
                            CODEC_AGENT_MAX_PARAMS);
    return BASE_OK;
}

static int add_tensor(codec_agent *a, const char *name, int ndim, int s0, int s1, int trainable,
                      int decays)
{
    if (a->nt == a->cap) {
        size_t cap = a->cap ? 2 * a->cap : 64;
        tensor *t = realloc(a->t, cap * sizeof *t);
        if (!t) return -1;
        a->t = t;
        a->cap = cap;
    }
    tensor *t = &a->t[a->nt];
    memset(t, 0, sizeof *t);
    snprintf(t->name, sizeof t->name, "%s", name);
    t->ndim = ndim;
    t->shape[0] = s0;
    t->shape[1] = ndim > 1 ? s1 : 0;
    t->size = (size_t)s0 * (ndim > 1 ? (size_t)s1 : 1);
    t->offset = a->nfloats;
    t->trainable = trainable;
    t->decays = decays;
    a->nfloats += t->size;
    return (int)a->nt++;
}

/* Registers a block's tensors, as its family lists them, under prefix
 * ("enc.block3"). Returns 0 or -1. */
static int add_block(codec_agent *a, blk *b, const char *prefix)
{
    char n[NAME_MAX_LEN];
    codec_family_tensor t[CODEC_FAMILY_MAX_TENSORS];
    b->nt = a->fam->tensors(t, a->c.width, a->c.kernel);
    if (b->nt < 1 || b->nt > CODEC_FAMILY_MAX_TENSORS) return -1;
    for (int i = 0; i < b->nt; i++) {
        snprintf(n, sizeof n, "%s.%s", prefix, t[i].suffix);
        b->t[i] = add_tensor(a, n, t[i].ndim, t[i].shape[0], t[i].shape[1], 1, t[i].decays);
        if (b->t[i] < 0) return -1;
    }
    return 0;
}

static void fill_normal(base_rng *r, float *p, size_t n, double sigma)
{
    base_rng_normal_fill(r, p, n, (float)sigma);
}

static void fill_const(float *p, size_t n, float v)
{
    for (size_t i = 0; i < n; i++) p[i] = v;
}

#define P(a, i) ((a)->params + (a)->t[(i)].offset)

/* The block's parameter tensors (params, or grads when g is non-NULL) in its
 * family's order, into w[CODEC_FAMILY_MAX_TENSORS]. */
static void block_tensors(const codec_agent *a, const blk *b, float *g, float **w)
{
    float *base = g ? g : a->params;
    for (int i = 0; i < b->nt; i++) w[i] = base + a->t[b->t[i]].offset;
}

static void init_block(codec_agent *a, const blk *b, base_rng *r, int depth)
{
    float *w[CODEC_FAMILY_MAX_TENSORS];
    block_tensors(a, b, NULL, w);
    a->fam->init(w, a->c.width, a->c.kernel, depth, r);
}

/* codec_agent_create, and codec_agent_create_blank with init 0. */
static base_status create(codec_agent **out, const codec_agent_config *c, uint64_t seed, int init,
                          base_err *err)
{
    if (!out) return base_err_set(err, BASE_EINVAL, NULL, 0, "agent: NULL output");
    *out = NULL;
    base_status st = codec_agent_config_check(c, err);
    if (st) return st;
    codec_agent *a = calloc(1, sizeof *a);
    if (!a) return base_err_set(err, BASE_ENOMEM, NULL, 0, "agent: out of memory");
    a->c = *c;
    a->fam = codec_family_get(c->family);
    int C = c->width, M = c->n_mels, d = c->d, V = c->vocab * c->upsample;
    a->enc = calloc((size_t)c->enc_depth + 1, sizeof *a->enc);
    a->dec = calloc((size_t)c->dec_depth + 1, sizeof *a->dec);
    if (!a->enc || !a->dec) goto nomem;
    a->norm_mean = add_tensor(a, "enc.norm.mean", 1, M, 0, 0, 0);
    a->norm_scale = add_tensor(a, "enc.norm.scale", 1, M, 0, 0, 0);
    a->conv0_w = add_tensor(a, "enc.conv0.w", 2, C, c->kernel0 * M, 1, 1);
    a->conv0_b = add_tensor(a, "enc.conv0.b", 1, C, 0, 1, 0);
    a->ln0_g = add_tensor(a, "enc.ln0.g", 1, C, 0, 1, 0);
    a->ln0_b = add_tensor(a, "enc.ln0.b", 1, C, 0, 1, 0);
    char name[NAME_MAX_LEN];
    for (int i = 0; i < c->enc_depth; i++) {
        snprintf(name, sizeof name, "enc.block%d", i);
        if (add_block(a, &a->enc[i], name)) goto nomem;
    }
    a->enc_g = add_tensor(a, "enc.ln.g", 1, C, 0, 1, 0);
    a->enc_b = add_tensor(a, "enc.ln.b", 1, C, 0, 1, 0);
    a->enc_out_w = add_tensor(a, "enc.out.w", 2, d, C, 1, 1);
    a->enc_out_b = add_tensor(a, "enc.out.b", 1, d, 0, 1, 0);
    a->dec_in_w = add_tensor(a, "dec.in.w", 2, C, d, 1, 1);
    a->dec_in_b = add_tensor(a, "dec.in.b", 1, C, 0, 1, 0);
    for (int i = 0; i < c->dec_depth; i++) {
        snprintf(name, sizeof name, "dec.block%d", i);
        if (add_block(a, &a->dec[i], name)) goto nomem;
    }
    a->dec_g = add_tensor(a, "dec.ln.g", 1, C, 0, 1, 0);
    a->dec_b = add_tensor(a, "dec.ln.b", 1, C, 0, 1, 0);
    a->dec_out_w = add_tensor(a, "dec.out.w", 2, V, C, 1, 1);
    a->dec_out_b = add_tensor(a, "dec.out.b", 1, V, 0, 1, 0);
    if (a->dec_out_b < 0) goto nomem;
    a->params = calloc(a->nfloats, sizeof(float));
    if (!a->params) goto nomem;
    if (!init) { /* every tensor is about to be overwritten (a model file) */
        *out = a;
        return BASE_OK;
    }
    /* Initialisation: N(0, 1/fan_in) for kernels (He-style scale for GELU nets),
     * residual branches scaled by 1/sqrt(depth) so the sum stays O(1). */
    base_rng r;
    base_rng_init(&r, seed, 0, base_rng_component("codec.agent.init"));
    fill_const(P(a, a->norm_scale), M, 1.0f);
    fill_normal(&r, P(a, a->conv0_w), a->t[a->conv0_w].size, 1.0 / sqrt((double)c->kernel0 * M));
    fill_const(P(a, a->ln0_g), C, 1.0f);
    for (int i = 0; i < c->enc_depth; i++) init_block(a, &a->enc[i], &r, c->enc_depth);
    fill_const(P(a, a->enc_g), C, 1.0f);
    fill_normal(&r, P(a, a->enc_out_w), a->t[a->enc_out_w].size, 1.0 / sqrt((double)C));
    fill_normal(&r, P(a, a->dec_in_w), a->t[a->dec_in_w].size, 1.0 / sqrt((double)d));
    for (int i = 0; i < c->dec_depth; i++) init_block(a, &a->dec[i], &r, c->dec_depth);
    fill_const(P(a, a->dec_g), C, 1.0f);
    fill_normal(&r, P(a, a->dec_out_w), a->t[a->dec_out_w].size, 1.0 / sqrt((double)C));
    *out = a;
    return BASE_OK;
nomem:
    codec_agent_destroy(a);
    return base_err_set(err, BASE_ENOMEM, NULL, 0, "agent: out of memory");
}

base_status codec_agent_create(codec_agent **out, const codec_agent_config *c, uint64_t seed,
                               base_err *err)
{
    return create(out, c, seed, 1, err);
}

base_status codec_agent_create_blank(codec_agent **out, const codec_agent_config *c, base_err *err)
{
    return create(out, c, 0, 0, err);
}

void codec_agent_destroy(codec_agent *a)
{
    if (!a) return;
    free(a->t);
    free(a->params);
    free(a->frozen);
    free(a->enc);
    free(a->dec);
    free(a);
}

base_status codec_agent_freeze(codec_agent *a, base_err *err)
{
    if (!a) return base_err_set(err, BASE_EINVAL, NULL, 0, "agent: NULL argument");
    free(a->frozen);
    a->frozen = NULL;
    const int C = a->c.width, k = a->c.kernel;
    size_t per = a->fam->frozen_floats(C, k);
    size_t nblk = (size_t)a->c.enc_depth + (size_t)a->c.dec_depth;
    if (per == 0 || nblk == 0) return BASE_OK; /* nothing to transform */
    if (!(a->frozen = malloc(nblk * per * sizeof(float))))
        return base_err_set(err, BASE_ENOMEM, NULL, 0, "agent: out of memory");
    for (size_t i = 0; i < nblk; i++) {
        blk *p = i < (size_t)a->c.enc_depth ? &a->enc[i] : &a->dec[i - (size_t)a->c.enc_depth];
        float *w[CODEC_FAMILY_MAX_TENSORS];
        block_tensors(a, p, NULL, w);
        p->frozen = i * per;
        a->fam->freeze(a->frozen + p->frozen, (const float *const *)w, C, k);
    }
    return BASE_OK;
}

const codec_agent_config *codec_agent_get_config(const codec_agent *a)
{
    return &a->c;
}
size_t codec_agent_param_count(const codec_agent *a)
{
    return a->nt;
}
const char *codec_agent_param_name(const codec_agent *a, size_t i)
{
    return i < a->nt ? a->t[i].name : NULL;
}
int codec_agent_param_shape(const codec_agent *a, size_t i, int shape[CODEC_AGENT_MAX_DIMS])
{
    if (i >= a->nt) return 0;
    for (int k = 0; k < a->t[i].ndim; k++) shape[k] = a->t[i].shape[k];
    return a->t[i].ndim;
}
size_t codec_agent_param_size(const codec_agent *a, size_t i)
{
    return i < a->nt ? a->t[i].size : 0;
}
size_t codec_agent_param_offset(const codec_agent *a, size_t i)
{
    return i < a->nt ? a->t[i].offset : 0;
}
float *codec_agent_param_data(codec_agent *a, size_t i)
{
    return i < a->nt ? a->params + a->t[i].offset : NULL;
}
long codec_agent_param_find(const codec_agent *a, const char *name)
{
    for (size_t i = 0; i < a->nt; i++)
        if (!strcmp(a->t[i].name, name)) return (long)i;
    return -1;
}
int codec_agent_param_trainable(const codec_agent *a, size_t i)
{
    return i < a->nt && a->t[i].trainable;
}
int codec_agent_param_decays(const codec_agent *a, size_t i)
{
    return i < a->nt && a->t[i].decays;
}
float *codec_agent_params(codec_agent *a)
{
    return a->params;
}
size_t codec_agent_num_floats(const codec_agent *a)
{
    return a->nfloats;
}

static int conv0_pad(const codec_agent_config *c)
{
    return (c->kernel0 - 1) / 2;
}

int codec_agent_latent_len(const codec_agent *a, int t)
{
    if (t <= 0) return 0;
    return codec_nn_conv1d_out_len(t, a->c.kernel0, a->c.stride, 1, conv0_pad(&a->c));
}
int codec_agent_latent_dim(const codec_agent *a)
{
    return a->c.d;
}
int codec_agent_ctc_len(const codec_agent *a, int tz)
{
    return tz > 0 ? tz * a->c.upsample : 0;
}

void codec_agent_set_input_norm(codec_agent *a, const float *mean, const float *scale)
{
    memcpy(P(a, a->norm_mean), mean, sizeof(float) * a->c.n_mels);
    memcpy(P(a, a->norm_scale), scale, sizeof(float) * a->c.n_mels);
}

/* ---- workspace -------------------------------------------------------------- */

base_status codec_agent_ws_create(codec_agent_ws **out, const codec_agent *a, int max_frames,
                                  base_err *err)
{
    if (!out || !a) return base_err_set(err, BASE_EINVAL, NULL, 0, "agent ws: NULL argument");
    *out = NULL;
    int tz = codec_agent_latent_len(a, max_frames);
    if (max_frames <= 0 || tz <= 0)
        return base_err_set(err, BASE_EINVAL, NULL, 0, "agent ws: max_frames %d too small",
                            max_frames);
    const codec_agent_config *c = &a->c;
    size_t T = (size_t)max_frames, Z = (size_t)tz, C = (size_t)c->width, M = (size_t)c->n_mels;
    const codec_family_ops *f = a->fam;
    size_t kc0 = (size_t)c->kernel0 * M;
    size_t cache = f->cache_floats(tz, c->width, c->kernel);
    size_t blkf = cache + 2 * Z * C;                   /* the family's cache, mask, out */
    size_t V = (size_t)c->vocab * (size_t)c->upsample; /* output floats per latent frame */
    size_t wide = C > V ? C : V;
    size_t bscratch = f->backward_scratch_floats(tz, c->width, c->kernel);
    size_t ninfer = 0; /* the largest inference scratch over the blocks' dilations */
    for (int dil = 1; dil <= c->dilation_max; dil *= 2) {
        size_t s = f->infer_scratch_floats(tz, c->width, c->kernel, dil);
        if (s > ninfer) ninfer = s;
    }
    size_t n = ninfer + T * M + Z * kc0 + 3 * Z * C + 2 * Z; /* x0 cols0 h0 ln0 g0 mean0 rstd0 */
    n += (size_t)(c->enc_depth + c->dec_depth) * blkf;       /* blocks */
    n += 2 * Z + Z * C + Z * (size_t)c->d;                   /* enc norm, z */
    n += Z * C + 2 * Z + Z * C + Z * V;                      /* dec */
    n += 4 * Z * wide + Z * (size_t)c->d + bscratch;         /* gradient scratch */
    codec_agent_ws *w = calloc(1, sizeof *w);
    if (!w) goto nomem;
    w->enc = calloc((size_t)c->enc_depth + 1, sizeof *w->enc);
    w->dec = calloc((size_t)c->dec_depth + 1, sizeof *w->dec);
    w->mem = malloc(n * sizeof(float));
    if (!w->enc || !w->dec || !w->mem) goto nomem;
    float *p = w->mem;
#define TAKE(ptr, count) (ptr = p, p += (count))
    TAKE(w->x0, T * M);
    TAKE(w->cols0, Z * kc0);
    TAKE(w->h0, Z * C);
    TAKE(w->ln0, Z * C);
    TAKE(w->g0, Z * C);
    TAKE(w->mean0, Z);
    TAKE(w->rstd0, Z);
    for (int pass = 0; pass < 2; pass++) {
        blk_ws *bw = pass ? w->dec : w->enc;
        int depth = pass ? c->dec_depth : c->enc_depth;
        for (int i = 0; i < depth; i++) {
            TAKE(bw[i].cache, cache);
            TAKE(bw[i].mask, Z * C);
            TAKE(bw[i].out, Z * C);
        }
    }
    TAKE(w->enc_mean, Z);
    TAKE(w->enc_rstd, Z);
    TAKE(w->enc_ln, Z * C);
    TAKE(w->z, Z * (size_t)c->d);
    TAKE(w->dec_h, Z * C);
    TAKE(w->dec_mean, Z);
    TAKE(w->dec_rstd, Z);
    TAKE(w->dec_ln, Z * C);
    TAKE(w->logits, Z * V);
    TAKE(w->s1, Z * wide);
    TAKE(w->s2, Z * wide);
    TAKE(w->s3, Z * wide);
    TAKE(w->s4, Z * wide);
    TAKE(w->gz, Z * (size_t)c->d);
    TAKE(w->bscratch, bscratch);
    w->infer = ninfer ? p : NULL;
    p += ninfer;
#undef TAKE
    w->max_frames = max_frames;
    w->max_tz = tz;
    *out = w;
    return BASE_OK;
nomem:
    codec_agent_ws_destroy(w);
    return base_err_set(err, BASE_ENOMEM, NULL, 0, "agent ws: out of memory for %d frames",
                        max_frames);
}

void codec_agent_ws_destroy(codec_agent_ws *ws)
{
    if (!ws) return;
    free(ws->mem);
    free(ws->enc);
    free(ws->dec);
    free(ws);
}

int codec_agent_ws_max_frames(const codec_agent_ws *ws)
{
    return ws->max_frames;
}
const float *codec_agent_ws_latent(const codec_agent_ws *ws)
{
    return ws->z;
}

/* ---- forward ---------------------------------------------------------------- */

static int block_dil(const codec_agent_config *c, int i)
{
    int n = 0;
    while ((1 << n) < c->dilation_max) n++;
    return 1 << (i % (n + 1));
}

/* out = x + Dropout(branch(x)), x (T',C), the branch from the family.
 * keep: cache what backward needs; inference (keep 0) may use the
 * workspace's scratch and the frozen weights instead. */
static void block_forward(const codec_agent *a, const blk *p, blk_ws *w, float *scratch,
                          const float *x, int tz, int dil, base_rng *rng, int keep)
{
    size_t n = (size_t)tz * a->c.width;
    float *wt[CODEC_FAMILY_MAX_TENSORS];
    block_tensors(a, p, NULL, wt);
    const float *frozen = a->frozen ? a->frozen + p->frozen : NULL;
    a->fam->forward(w->out, w->cache, scratch, frozen, x, (const float *const *)wt, tz, a->c.width,
                    a->c.kernel, dil, keep);
    if (rng && a->c.dropout > 0)
        codec_nn_dropout_forward(w->out, w->mask, w->out, n, a->c.dropout, rng);
    codec_nn_add_inplace(w->out, x, n);
}

static void encoder_forward(const codec_agent *a, codec_agent_ws *w, const float *mel, int t,
                            base_rng *rng, int keep)
{
    const codec_agent_config *c = &a->c;
    int M = c->n_mels, C = c->width, tz = codec_agent_latent_len(a, t);
    const float *mean = P(a, a->norm_mean), *scale = P(a, a->norm_scale);
    for (int i = 0; i < t; i++)
        for (int m = 0; m < M; m++)
            w->x0[(size_t)i * M + m] = (mel[(size_t)i * M + m] - mean[m]) * scale[m];
    if (keep)
        codec_nn_conv1d_forward(w->h0, w->cols0, w->x0, P(a, a->conv0_w), P(a, a->conv0_b), t, M, C,
                                c->kernel0, c->stride, 1, conv0_pad(c));
    else
        codec_nn_conv1d_infer(w->h0, NULL, NULL, w->x0, P(a, a->conv0_w), P(a, a->conv0_b), t, M, C,
                              c->kernel0, c->stride, 1, conv0_pad(c));
    codec_nn_layernorm_forward(w->ln0, w->mean0, w->rstd0, w->h0, P(a, a->ln0_g), P(a, a->ln0_b),
                               tz, C);
    codec_nn_gelu_forward(w->g0, w->ln0, (size_t)tz * C);
    const float *x = w->g0;
    for (int i = 0; i < c->enc_depth; i++) {
        block_forward(a, &a->enc[i], &w->enc[i], w->infer, x, tz, block_dil(c, i), rng, keep);
        x = w->enc[i].out;
    }
    codec_nn_layernorm_forward(w->enc_ln, w->enc_mean, w->enc_rstd, x, P(a, a->enc_g),
                               P(a, a->enc_b), tz, C);
    codec_nn_linear_forward(w->z, w->enc_ln, P(a, a->enc_out_w), P(a, a->enc_out_b), tz, C, c->d);
    w->t = t;
    w->tz = tz;
}

static void decoder_forward(const codec_agent *a, codec_agent_ws *w, const float *z, int tz,
                            base_rng *rng, int keep)
{
    const codec_agent_config *c = &a->c;
    int C = c->width;
    codec_nn_linear_forward(w->dec_h, z, P(a, a->dec_in_w), P(a, a->dec_in_b), tz, c->d, C);
    const float *x = w->dec_h;
    for (int i = 0; i < c->dec_depth; i++) {
        block_forward(a, &a->dec[i], &w->dec[i], w->infer, x, tz, block_dil(c, i), rng, keep);
        x = w->dec[i].out;
    }
    codec_nn_layernorm_forward(w->dec_ln, w->dec_mean, w->dec_rstd, x, P(a, a->dec_g),
                               P(a, a->dec_b), tz, C);
    /* (T', upsample*V) row-major is the (T'*upsample, V) CTC frame sequence */
    codec_nn_linear_forward(w->logits, w->dec_ln, P(a, a->dec_out_w), P(a, a->dec_out_b), tz, C,
                            c->vocab * c->upsample);
    w->tz = tz;
}

static base_status check_len(const codec_agent *a, const codec_agent_ws *ws, int t, base_err *err)
{
    if (t > ws->max_frames)
        return base_err_set(err, BASE_ERANGE, NULL, 0, "agent: %d frames exceed the workspace's %d",
                            t, ws->max_frames);
    if (codec_agent_latent_len(a, t) <= 0)
        return base_err_set(err, BASE_ERANGE, NULL, 0, "agent: %d frames are too few", t);
    return BASE_OK;
}

base_status codec_agent_encode(const codec_agent *a, codec_agent_ws *ws, const float *mel, int t,
                               float *z, base_err *err)
{
    if (!a || !ws || !mel || !z)
        return base_err_set(err, BASE_EINVAL, NULL, 0, "agent: NULL argument");
    base_status st = check_len(a, ws, t, err);
    if (st) return st;
    encoder_forward(a, ws, mel, t, NULL, 0);
    memcpy(z, ws->z, sizeof(float) * (size_t)ws->tz * a->c.d);
    return BASE_OK;
}

base_status codec_agent_decode(const codec_agent *a, codec_agent_ws *ws, const float *z, int tz,
                               float *logprobs, base_err *err)
{
    if (!a || !ws || !z || !logprobs)
        return base_err_set(err, BASE_EINVAL, NULL, 0, "agent: NULL argument");
    if (tz <= 0 || tz > ws->max_tz)
        return base_err_set(err, BASE_ERANGE, NULL, 0, "agent: %d latent frames outside 1..%d", tz,
                            ws->max_tz);
    decoder_forward(a, ws, z, tz, NULL, 0);
    codec_nn_log_softmax(logprobs, ws->logits, tz * a->c.upsample, a->c.vocab);
    return BASE_OK;
}

base_status codec_agent_forward_train(const codec_agent *a, codec_agent_ws *ws, const float *mel,
                                      int t, base_rng *rng, const float **logits, int *tz,
                                      base_err *err)
{
    if (!a || !ws || !mel) return base_err_set(err, BASE_EINVAL, NULL, 0, "agent: NULL argument");
    base_status st = check_len(a, ws, t, err);
    if (st) return st;
    ws->dropout_on = rng && a->c.dropout > 0;
    encoder_forward(a, ws, mel, t, rng, 1);
    decoder_forward(a, ws, ws->z, ws->tz, rng, 1);
    if (logits) *logits = ws->logits;
    if (tz) *tz = ws->tz;
    return BASE_OK;
}

/* ---- backward --------------------------------------------------------------- */

#define G(grads, a, i) ((grads) + (a)->t[(i)].offset)

/* dy: gradient w.r.t. the block output; dx (already holding dy for the
 * residual path) accumulates the branch's gradient w.r.t. the block input x. */
static void block_backward(const codec_agent *a, const blk *p, const blk_ws *w, codec_agent_ws *ws,
                           const float *x, const float *dy, float *dx, int tz, int dil,
                           float *grads)
{
    size_t n = (size_t)tz * a->c.width;
    float *s1 = ws->s3, *s2 = ws->s4;
    if (ws->dropout_on) {
        memset(s1, 0, n * sizeof(float));
        codec_nn_dropout_backward(s1, dy, w->mask, n);
    } else {
        memcpy(s1, dy, n * sizeof(float));
    }
    float *wt[CODEC_FAMILY_MAX_TENSORS], *gt[CODEC_FAMILY_MAX_TENSORS];
    block_tensors(a, p, NULL, wt);
    block_tensors(a, p, grads, gt);
    a->fam->backward(dx, gt, s1, s2, ws->bscratch, w->cache, x, (const float *const *)wt, tz,
                     a->c.width, a->c.kernel, dil);
}

/* Runs the residual stack backward: on entry *g holds d/d(output of the last
 * block); on return it holds d/d(stack input). Uses the ws->s1/s2 ping-pong. */
static float *stack_backward(const codec_agent *a, codec_agent_ws *ws, const blk *p,
                             const blk_ws *bw, int depth, const float *input, float *g,
                             float *grads)
{
    int C = a->c.width, tz = ws->tz;
    size_t n = (size_t)tz * C;
    float *other = g == ws->s1 ? ws->s2 : ws->s1;
    for (int i = depth - 1; i >= 0; i--) {
        const float *x = i > 0 ? bw[i - 1].out : input;
        memcpy(other, g, n * sizeof(float));
        block_backward(a, &p[i], &bw[i], ws, x, g, other, tz, block_dil(&a->c, i), grads);
        float *t = g;
        g = other;
        other = t;
    }
    return g;
}

void codec_agent_backward(const codec_agent *a, codec_agent_ws *ws, const float *dlogits,
                          float *grads)
{
    const codec_agent_config *c = &a->c;
    int C = c->width, tz = ws->tz, d = c->d;
    size_t n = (size_t)tz * C;
    float *g = ws->s1, *h = ws->s2;
    /* decoder head */
    memset(h, 0, n * sizeof(float));
    codec_nn_linear_backward(h, G(grads, a, a->dec_out_w), G(grads, a, a->dec_out_b), dlogits,
                             ws->dec_ln, P(a, a->dec_out_w), tz, C, c->vocab * c->upsample);
    const float *dec_last = c->dec_depth ? ws->dec[c->dec_depth - 1].out : ws->dec_h;
    memset(g, 0, n * sizeof(float));
    codec_nn_layernorm_backward(g, G(grads, a, a->dec_g), G(grads, a, a->dec_b), h, dec_last,
                                ws->dec_mean, ws->dec_rstd, P(a, a->dec_g), tz, C);
    g = stack_backward(a, ws, a->dec, ws->dec, c->dec_depth, ws->dec_h, g, grads);
    memset(ws->gz, 0, (size_t)tz * d * sizeof(float));
    codec_nn_linear_backward(ws->gz, G(grads, a, a->dec_in_w), G(grads, a, a->dec_in_b), g, ws->z,
                             P(a, a->dec_in_w), tz, d, C);
    /* encoder head */
    h = g == ws->s1 ? ws->s2 : ws->s1;
    memset(h, 0, n * sizeof(float));
    codec_nn_linear_backward(h, G(grads, a, a->enc_out_w), G(grads, a, a->enc_out_b), ws->gz,
                             ws->enc_ln, P(a, a->enc_out_w), tz, C, d);
    const float *enc_last = c->enc_depth ? ws->enc[c->enc_depth - 1].out : ws->g0;
    memset(g, 0, n * sizeof(float));
    codec_nn_layernorm_backward(g, G(grads, a, a->enc_g), G(grads, a, a->enc_b), h, enc_last,
                                ws->enc_mean, ws->enc_rstd, P(a, a->enc_g), tz, C);
    g = stack_backward(a, ws, a->enc, ws->enc, c->enc_depth, ws->g0, g, grads);
    /* stem: GELU, LN, conv0 (no gradient into the features) */
    h = g == ws->s1 ? ws->s2 : ws->s1;
    memset(h, 0, n * sizeof(float));
    codec_nn_gelu_backward(h, g, ws->ln0, n);
    memset(g, 0, n * sizeof(float));
    codec_nn_layernorm_backward(g, G(grads, a, a->ln0_g), G(grads, a, a->ln0_b), h, ws->h0,
                                ws->mean0, ws->rstd0, P(a, a->ln0_g), tz, C);
    codec_nn_conv1d_backward(NULL, G(grads, a, a->conv0_w), G(grads, a, a->conv0_b), NULL, g,
                             ws->cols0, P(a, a->conv0_w), ws->t, c->n_mels, C, c->kernel0,
                             c->stride, 1, conv0_pad(c));
}

/* ---- decoder-only training (anchors/relhead) ---------------------------------- */

base_status codec_agent_decoder_forward_train(const codec_agent *a, codec_agent_ws *ws,
                                              const float *z, int tz, base_rng *rng,
                                              const float **logits, base_err *err)
{
    if (!a || !ws || !z) return base_err_set(err, BASE_EINVAL, NULL, 0, "agent: NULL argument");
    if (tz <= 0 || tz > ws->max_tz)
        return base_err_set(err, BASE_ERANGE, NULL, 0, "agent: %d latent frames outside 1..%d", tz,
                            ws->max_tz);
    /* backward needs the input of dec.in; keep a copy so the caller's buffer may change */
    memcpy(ws->z, z, sizeof(float) * (size_t)tz * a->c.d);
    ws->dropout_on = rng && a->c.dropout > 0;
    decoder_forward(a, ws, ws->z, tz, rng, 1);
    if (logits) *logits = ws->logits;
    return BASE_OK;
}

/* The decoder half of codec_agent_backward, stopping at the latent. */
void codec_agent_decoder_backward(const codec_agent *a, codec_agent_ws *ws, const float *dlogits,
                                  float *grads, float *dz)
{
    const codec_agent_config *c = &a->c;
    int C = c->width, tz = ws->tz;
    size_t n = (size_t)tz * C;
    float *g = ws->s1, *h = ws->s2;
    memset(h, 0, n * sizeof(float));
    codec_nn_linear_backward(h, G(grads, a, a->dec_out_w), G(grads, a, a->dec_out_b), dlogits,
                             ws->dec_ln, P(a, a->dec_out_w), tz, C, c->vocab * c->upsample);
    const float *dec_last = c->dec_depth ? ws->dec[c->dec_depth - 1].out : ws->dec_h;
    memset(g, 0, n * sizeof(float));
    codec_nn_layernorm_backward(g, G(grads, a, a->dec_g), G(grads, a, a->dec_b), h, dec_last,
                                ws->dec_mean, ws->dec_rstd, P(a, a->dec_g), tz, C);
    g = stack_backward(a, ws, a->dec, ws->dec, c->dec_depth, ws->dec_h, g, grads);
    codec_nn_linear_backward(dz, G(grads, a, a->dec_in_w), G(grads, a, a->dec_in_b), g, ws->z,
                             P(a, a->dec_in_w), tz, c->d, C);
}
