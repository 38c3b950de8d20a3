/* family_conv.c -- residual blocks of full convolutions (see family_conv.h). */
#include "codecs/family_conv.h"

#include "codecs/nn.h"

#include <math.h>
#include <string.h>

enum { W_CONV, B_CONV, LN_G, LN_B, N_TENSORS };

/* The activation cache of one block, carved from its cache_floats floats. */
typedef struct conv_cache {
    float *a;    /* (T,C) conv output */
    float *b;    /* (T,C) layer norm output, GELU input */
    float *cols; /* (T,k*C) im2col matrix of the input (training only) */
    float *mean; /* (T) layer norm statistics */
    float *rstd; /* (T) */
} conv_cache;

static conv_cache carve(float *p, int T, int C, int k)
{
    size_t n = (size_t)T * C, nc = n * (size_t)k;
    conv_cache c = {p, p + n, p + 2 * n, p + 2 * n + nc, p + 2 * n + nc + (size_t)T};
    return c;
}

static int pad(int k, int dil)
{
    return dil * (k - 1) / 2;
}

static int conv_tensors(codec_family_tensor t[CODEC_FAMILY_MAX_TENSORS], int C, int k)
{
    t[W_CONV] = (codec_family_tensor){"conv.w", 2, {C, k * C}, 1};
    t[B_CONV] = (codec_family_tensor){"conv.b", 1, {C, 0}, 0};
    t[LN_G] = (codec_family_tensor){"ln.g", 1, {C, 0}, 0};
    t[LN_B] = (codec_family_tensor){"ln.b", 1, {C, 0}, 0};
    return N_TENSORS;
}

/* N(0, 1/(k*C)) kernels; the layer norm's gain scales the residual branch by
 * 1/sqrt(depth) so the sum over the stack stays O(1). */
static void conv_init(float *const w[], int C, int k, int depth, base_rng *r)
{
    double res = 1.0 / sqrt((double)(depth > 0 ? depth : 1));
    base_rng_normal_fill(r, w[W_CONV], (size_t)C * k * C, (float)(1.0 / sqrt((double)k * C)));
    for (int i = 0; i < C; i++) w[LN_G][i] = (float)res;
}

static size_t conv_cache_floats(int T, int C, int k)
{
    return 2 * (size_t)T * C + (size_t)T * k * C + 2 * (size_t)T;
}

/* keep: cache the im2col matrix for backward; inference skips it and runs
 * codec_nn_conv1d_infer with scratch and the frozen kernels */
static void conv_forward(float *branch, float *cache, float *scratch, const float *frozen,
                         const float *x, const float *const w[], int T, int C, int k, int dil,
                         int keep)
{
    conv_cache s = carve(cache, T, C, k);
    if (keep)
        codec_nn_conv1d_forward(s.a, s.cols, x, w[W_CONV], w[B_CONV], T, C, C, k, 1, dil,
                                pad(k, dil));
    else
        codec_nn_conv1d_infer(s.a, scratch, frozen, x, w[W_CONV], w[B_CONV], T, C, C, k, 1, dil,
                              pad(k, dil));
    codec_nn_layernorm_forward(s.b, s.mean, s.rstd, s.a, w[LN_G], w[LN_B], T, C);
    codec_nn_gelu_forward(branch, s.b, (size_t)T * C);
}

static void conv_backward(float *dx, float *const g[], float *s1, float *s2, float *scratch,
                          const float *cache, const float *x, const float *const w[], int T, int C,
                          int k, int dil)
{
    (void)x; /* its im2col matrix is in the cache */
    size_t n = (size_t)T * C;
    conv_cache s = carve((float *)cache, T, C, k);
    memset(s2, 0, n * sizeof(float));
    codec_nn_gelu_backward(s2, s1, s.b, n);
    memset(s1, 0, n * sizeof(float));
    codec_nn_layernorm_backward(s1, g[LN_G], g[LN_B], s2, s.a, s.mean, s.rstd, w[LN_G], T, C);
    codec_nn_conv1d_backward(dx, g[W_CONV], g[B_CONV], scratch, s1, s.cols, w[W_CONV], T, C, C, k,
                             1, dil, pad(k, dil));
}

static size_t conv_backward_scratch_floats(int T, int C, int k)
{
    return (size_t)T * k * C; /* the im2col gradient */
}

static size_t conv_infer_scratch_floats(int T, int C, int k, int dil)
{
    return codec_nn_conv1d_infer_scratch(T, C, C, k, 1, dil, pad(k, dil));
}

static size_t conv_frozen_floats(int C, int k)
{
    return codec_nn_conv1d_infer_weights_size(C, C, k, 1);
}

static void conv_freeze(float *frozen, const float *const w[], int C, int k)
{
    codec_nn_conv1d_infer_weights(frozen, w[W_CONV], C, C, k, 1);
}

const codec_family_ops codec_family_conv = {
    .name = "conv",
    .tensors = conv_tensors,
    .init = conv_init,
    .cache_floats = conv_cache_floats,
    .forward = conv_forward,
    .backward = conv_backward,
    .backward_scratch_floats = conv_backward_scratch_floats,
    .infer_scratch_floats = conv_infer_scratch_floats,
    .frozen_floats = conv_frozen_floats,
    .freeze = conv_freeze,
};
