/* family_dwconv.c -- depthwise-separable residual blocks (see family_dwconv.h). */
#include "codecs/family_dwconv.h"

#include "codecs/nn.h"

#include <math.h>
#include <string.h>

enum { W_DW, B_DW, LN_G, LN_B, W_PW, B_PW, N_TENSORS };

/* The activation cache of one block, carved from its cache_floats floats. */
typedef struct dw_cache {
    float *a;    /* (T,C) depthwise conv output */
    float *b;    /* (T,C) layer norm output */
    float *c;    /* (T,C) pointwise output, GELU input */
    float *mean; /* (T) layer norm statistics */
    float *rstd; /* (T) */
} dw_cache;

static dw_cache carve(float *p, int T, int C)
{
    size_t n = (size_t)T * C;
    dw_cache c = {p, p + n, p + 2 * n, p + 3 * n, p + 3 * n + (size_t)T};
    return c;
}

static int dw_tensors(codec_family_tensor t[CODEC_FAMILY_MAX_TENSORS], int C, int k)
{
    t[W_DW] = (codec_family_tensor){"dw.w", 2, {k, C}, 1};
    t[B_DW] = (codec_family_tensor){"dw.b", 1, {C, 0}, 0};
    t[LN_G] = (codec_family_tensor){"ln.g", 1, {C, 0}, 0};
    t[LN_B] = (codec_family_tensor){"ln.b", 1, {C, 0}, 0};
    t[W_PW] = (codec_family_tensor){"pw.w", 2, {C, C}, 1};
    t[B_PW] = (codec_family_tensor){"pw.b", 1, {C, 0}, 0};
    return N_TENSORS;
}

/* N(0, 1/k) depthwise kernels; the pointwise layer closes the residual branch,
 * scaled by 1/sqrt(depth) so the sum over the stack stays O(1). */
static void dw_init(float *const w[], int C, int k, int depth, base_rng *r)
{
    double res = 1.0 / sqrt((double)(depth > 0 ? depth : 1));
    base_rng_normal_fill(r, w[W_DW], (size_t)k * C, (float)(1.0 / sqrt((double)k)));
    base_rng_normal_fill(r, w[W_PW], (size_t)C * C, (float)(res / sqrt((double)C)));
    for (int i = 0; i < C; i++) w[LN_G][i] = 1.0f;
}

static size_t dw_cache_floats(int T, int C, int k)
{
    (void)k;
    return 3 * (size_t)T * C + 2 * (size_t)T;
}

static void dw_forward(float *branch, float *cache, float *scratch, const float *frozen,
                       const float *x, const float *const w[], int T, int C, int k, int dil,
                       int keep)
{
    (void)scratch, (void)frozen, (void)keep; /* one path for training and inference */
    dw_cache s = carve(cache, T, C);
    codec_nn_dwconv_forward(s.a, x, w[W_DW], w[B_DW], T, C, k, dil);
    codec_nn_layernorm_forward(s.b, s.mean, s.rstd, s.a, w[LN_G], w[LN_B], T, C);
    codec_nn_linear_forward(s.c, s.b, w[W_PW], w[B_PW], T, C, C);
    codec_nn_gelu_forward(branch, s.c, (size_t)T * C);
}

static void dw_backward(float *dx, float *const g[], float *s1, float *s2, float *scratch,
                        const float *cache, const float *x, const float *const w[], int T, int C,
                        int k, int dil)
{
    (void)scratch;
    size_t n = (size_t)T * C;
    dw_cache s = carve((float *)cache, T, C);
    memset(s2, 0, n * sizeof(float));
    codec_nn_gelu_backward(s2, s1, s.c, n);
    memset(s1, 0, n * sizeof(float));
    codec_nn_linear_backward(s1, g[W_PW], g[B_PW], s2, s.b, w[W_PW], T, C, C);
    memset(s2, 0, n * sizeof(float));
    codec_nn_layernorm_backward(s2, g[LN_G], g[LN_B], s1, s.a, s.mean, s.rstd, w[LN_G], T, C);
    codec_nn_dwconv_backward(dx, g[W_DW], g[B_DW], s2, x, w[W_DW], T, C, k, dil);
}

static size_t dw_no_scratch(int T, int C, int k)
{
    (void)T, (void)C, (void)k;
    return 0;
}

static size_t dw_infer_scratch_floats(int T, int C, int k, int dil)
{
    (void)T, (void)C, (void)k, (void)dil;
    return 0;
}

static size_t dw_frozen_floats(int C, int k)
{
    (void)C, (void)k;
    return 0; /* the depthwise path has no transformed weights */
}

static void dw_freeze(float *frozen, const float *const w[], int C, int k)
{
    (void)frozen, (void)w, (void)C, (void)k;
}

const codec_family_ops codec_family_dwconv = {
    .name = "dwconv",
    .tensors = dw_tensors,
    .init = dw_init,
    .cache_floats = dw_cache_floats,
    .forward = dw_forward,
    .backward = dw_backward,
    .backward_scratch_floats = dw_no_scratch,
    .infer_scratch_floats = dw_infer_scratch_floats,
    .frozen_floats = dw_frozen_floats,
    .freeze = dw_freeze,
};
