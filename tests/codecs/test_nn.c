/* test_nn.c -- codecs/nn layers: forward against direct formulas and every
 * backward against central differences of L = sum(R .* forward(x)). */
#include "codecs/nn.h"
#include "tests/testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { MAXN = 4096 };

/* One layer under test: inputs x, params w and b, fixed random projection r.
 * fwd computes out from (x, w, b); bwd accumulates dx, dw, db from dout = r. */
typedef struct gc {
    int t, cin, cout, k, stride, dil, pad;
    float x[MAXN], w[MAXN], b[MAXN], r[MAXN], out[MAXN], cache[MAXN], cache2[MAXN];
    float dx[MAXN], dw[MAXN], db[MAXN], scratch[MAXN];
    size_t nx, nw, nb, nout;
    void (*fwd)(struct gc *);
    void (*bwd)(struct gc *);
} gc;

static void fill(float *p, size_t n, unsigned seed, float scale)
{
    base_rng r;
    base_rng_init(&r, seed, 0, 0);
    for (size_t i = 0; i < n; i++) p[i] = (float)(scale * (2 * base_rng_uniform(&r) - 1));
}

static double loss(gc *g)
{
    g->fwd(g);
    double s = 0;
    for (size_t i = 0; i < g->nout; i++) s += (double)g->r[i] * g->out[i];
    return s;
}

/* Compares the analytic gradient of `arr` (n) with central differences. */
static void check_grad(gc *g, float *arr, const float *analytic, size_t n, const char *what)
{
    static float num[MAXN];
    const float eps = 1e-2f;
    for (size_t i = 0; i < n; i++) {
        float save = arr[i];
        arr[i] = save + eps;
        double lp = loss(g);
        arr[i] = save - eps;
        double lm = loss(g);
        arr[i] = save;
        num[i] = (float)((lp - lm) / (2 * eps));
    }
    test_assert_close_f(analytic, num, n, 2e-2, what);
}

static void run_check(gc *g)
{
    fill(g->x, g->nx, 1, 1.0f);
    fill(g->w, g->nw, 2, 0.5f);
    fill(g->b, g->nb, 3, 0.5f);
    g->fwd(g);
    fill(g->r, g->nout, 4, 1.0f);
    memset(g->dx, 0, sizeof g->dx);
    memset(g->dw, 0, sizeof g->dw);
    memset(g->db, 0, sizeof g->db);
    g->fwd(g);
    g->bwd(g);
    check_grad(g, g->x, g->dx, g->nx, "dx");
    if (g->nw) check_grad(g, g->w, g->dw, g->nw, "dw");
    if (g->nb) check_grad(g, g->b, g->db, g->nb, "db");
}

/* ---- conv1d ---- */
static void conv_fwd(gc *g)
{
    codec_nn_conv1d_forward(g->out, g->cache, g->x, g->w, g->b, g->t, g->cin, g->cout, g->k,
                            g->stride, g->dil, g->pad);
}
static void conv_bwd(gc *g)
{
    codec_nn_conv1d_backward(g->dx, g->dw, g->db, g->scratch, g->r, g->cache, g->w, g->t, g->cin,
                             g->cout, g->k, g->stride, g->dil, g->pad);
}

static void test_conv1d_grad(void)
{
    static const int cfg[][6] = {
        /* T cin cout k stride dil pad */
        {9, 3, 4, 3, 1, 1},
        {10, 2, 3, 5, 2, 1},
        {12, 3, 2, 3, 1, 2},
        {11, 4, 3, 4, 4, 1},
    };
    static const int pads[] = {1, 2, 2, 1};
    for (size_t c = 0; c < sizeof cfg / sizeof *cfg; c++) {
        static gc g;
        memset(&g, 0, sizeof g);
        g.t = cfg[c][0], g.cin = cfg[c][1], g.cout = cfg[c][2], g.k = cfg[c][3];
        g.stride = cfg[c][4], g.dil = cfg[c][5], g.pad = pads[c];
        int tout = codec_nn_conv1d_out_len(g.t, g.k, g.stride, g.dil, g.pad);
        CU_ASSERT(tout > 0);
        g.nx = (size_t)g.t * g.cin, g.nw = (size_t)g.cout * g.k * g.cin, g.nb = g.cout;
        g.nout = (size_t)tout * g.cout;
        g.fwd = conv_fwd, g.bwd = conv_bwd;
        run_check(&g);
    }
}

/* Direct convolution formula vs im2col + sgemm, and vs the inference paths
 * (one sgemm per tap; Winograd F(2,K) for stride 1, K = 3 or 5), over
 * strides, dilations and paddings. */
static void conv1d_direct(int t, int k, int stride, int dil, int pad, int tout_want)
{
    static gc g;
    memset(&g, 0, sizeof g);
    g.t = t, g.cin = 3, g.cout = 5, g.k = k, g.stride = stride, g.dil = dil, g.pad = pad;
    int tout = codec_nn_conv1d_out_len(g.t, g.k, g.stride, g.dil, g.pad);
    CU_ASSERT_EQUAL_FATAL(tout, tout_want);
    fill(g.x, (size_t)g.t * g.cin, 5, 1);
    fill(g.w, (size_t)g.cout * g.k * g.cin, 6, 1);
    fill(g.b, g.cout, 7, 1);
    conv_fwd(&g);
    float tapwise[64], wino[64], scratch[2048];
    codec_nn_conv1d_infer(tapwise, NULL, NULL, g.x, g.w, g.b, g.t, g.cin, g.cout, g.k, g.stride,
                          g.dil, g.pad);
    size_t ns = codec_nn_conv1d_infer_scratch(g.t, g.cin, g.cout, g.k, g.stride, g.dil, g.pad);
    CU_ASSERT_EQUAL(ns > 0, g.stride == 1 && (g.k == 3 || g.k == 5));
    CU_ASSERT_FATAL(ns + 1 <= sizeof scratch / sizeof *scratch);
    scratch[ns] = 12345.0f; /* sentinel: the scratch size is enough */
    codec_nn_conv1d_infer(wino, scratch, NULL, g.x, g.w, g.b, g.t, g.cin, g.cout, g.k, g.stride,
                          g.dil, g.pad);
    CU_ASSERT_EQUAL(scratch[ns], 12345.0f);
    /* with the weights transformed once: the same numbers */
    float u[512], wino2[64];
    size_t nu = codec_nn_conv1d_infer_weights_size(g.cin, g.cout, g.k, g.stride);
    CU_ASSERT_EQUAL(nu > 0, ns > 0);
    CU_ASSERT_FATAL(nu <= sizeof u / sizeof *u);
    codec_nn_conv1d_infer_weights(u, g.w, g.cin, g.cout, g.k, g.stride);
    codec_nn_conv1d_infer(wino2, scratch, nu ? u : NULL, g.x, g.w, g.b, g.t, g.cin, g.cout, g.k,
                          g.stride, g.dil, g.pad);
    TEST_ASSERT_CLOSE_F(wino2, wino, (size_t)tout * g.cout, 0);
    float want[64];
    for (int t = 0; t < tout; t++)
        for (int o = 0; o < g.cout; o++) {
            double s = g.b[o];
            for (int j = 0; j < g.k; j++) {
                int ti = t * g.stride + j * g.dil - g.pad;
                if (ti < 0 || ti >= g.t) continue;
                for (int c = 0; c < g.cin; c++)
                    s += (double)g.w[o * g.k * g.cin + j * g.cin + c] * g.x[ti * g.cin + c];
            }
            want[t * g.cout + o] = (float)s;
        }
    TEST_ASSERT_CLOSE_F(g.out, want, (size_t)tout * g.cout, 1e-5);
    TEST_ASSERT_CLOSE_F(tapwise, want, (size_t)tout * g.cout, 1e-5);
    TEST_ASSERT_CLOSE_F(wino, want, (size_t)tout * g.cout, 2e-5);
}
static void test_conv1d_direct(void)
{
    conv1d_direct(13, 3, 2, 2, 2, 7); /* floor((13 + 4 - 5)/2) + 1 */
    conv1d_direct(9, 5, 1, 2, 4, 9);  /* dilated "same": taps beyond both ends */
    conv1d_direct(10, 7, 3, 1, 3, 4); /* strided stem, more taps than stride */
    conv1d_direct(4, 9, 1, 1, 4, 4);  /* kernel longer than the input */
    conv1d_direct(11, 4, 4, 1, 0, 2); /* no padding */
    /* Winograd F(2,K): odd and even lengths, dilations that leave partial tiles */
    conv1d_direct(12, 5, 1, 1, 2, 12);
    conv1d_direct(11, 5, 1, 1, 2, 11);
    conv1d_direct(9, 5, 1, 2, 4, 9);
    conv1d_direct(7, 3, 1, 4, 4, 7);
    conv1d_direct(10, 3, 1, 1, 0, 8);
    conv1d_direct(3, 5, 1, 1, 2, 3);
    CU_ASSERT_EQUAL(codec_nn_conv1d_out_len(2, 5, 1, 1, 0), 0); /* too short */
}

/* ---- linear ---- */
static void lin_fwd(gc *g)
{
    codec_nn_linear_forward(g->out, g->x, g->w, g->b, g->t, g->cin, g->cout);
}
static void lin_bwd(gc *g)
{
    codec_nn_linear_backward(g->dx, g->dw, g->db, g->r, g->x, g->w, g->t, g->cin, g->cout);
}
static void test_linear_grad(void)
{
    static gc g;
    memset(&g, 0, sizeof g);
    g.t = 6, g.cin = 5, g.cout = 4;
    g.nx = 30, g.nw = 20, g.nb = 4, g.nout = 24;
    g.fwd = lin_fwd, g.bwd = lin_bwd;
    run_check(&g);
}

/* ---- depthwise conv ---- */
static void dw_fwd(gc *g)
{
    codec_nn_dwconv_forward(g->out, g->x, g->w, g->b, g->t, g->cin, g->k, g->dil);
}
static void dw_bwd(gc *g)
{
    codec_nn_dwconv_backward(g->dx, g->dw, g->db, g->r, g->x, g->w, g->t, g->cin, g->k, g->dil);
}
static void test_dwconv_grad(void)
{
    static const int cfg[][4] = {{8, 3, 3, 1}, {10, 4, 5, 2}, {7, 2, 1, 1}};
    for (size_t c = 0; c < 3; c++) {
        static gc g;
        memset(&g, 0, sizeof g);
        g.t = cfg[c][0], g.cin = cfg[c][1], g.k = cfg[c][2], g.dil = cfg[c][3];
        g.nx = (size_t)g.t * g.cin, g.nw = (size_t)g.k * g.cin, g.nb = g.cin, g.nout = g.nx;
        g.fwd = dw_fwd, g.bwd = dw_bwd;
        run_check(&g);
    }
}

/* Depthwise-separable conv = depthwise then pointwise linear: gradient through both. */
static void dws_fwd(gc *g)
{
    codec_nn_dwconv_forward(g->cache, g->x, g->w, g->b, g->t, g->cin, g->k, g->dil);
    codec_nn_linear_forward(g->out, g->cache, g->w + g->k * g->cin, g->b + g->cin, g->t, g->cin,
                            g->cout);
}
static void dws_bwd(gc *g)
{
    size_t n = (size_t)g->t * g->cin;
    memset(g->scratch, 0, n * sizeof(float));
    codec_nn_linear_backward(g->scratch, g->dw + g->k * g->cin, g->db + g->cin, g->r, g->cache,
                             g->w + g->k * g->cin, g->t, g->cin, g->cout);
    codec_nn_dwconv_backward(g->dx, g->dw, g->db, g->scratch, g->x, g->w, g->t, g->cin, g->k,
                             g->dil);
}
static void test_dwsep_grad(void)
{
    static gc g;
    memset(&g, 0, sizeof g);
    g.t = 9, g.cin = 4, g.cout = 3, g.k = 3, g.dil = 2;
    g.nx = 36, g.nw = 12 + 12, g.nb = 4 + 3, g.nout = 27;
    g.fwd = dws_fwd, g.bwd = dws_bwd;
    run_check(&g);
}

/* ---- layer norm ---- */
static void ln_fwd(gc *g)
{
    codec_nn_layernorm_forward(g->out, g->cache, g->cache2, g->x, g->w, g->b, g->t, g->cin);
}
static void ln_bwd(gc *g)
{
    codec_nn_layernorm_backward(g->dx, g->dw, g->db, g->r, g->x, g->cache, g->cache2, g->w, g->t,
                                g->cin);
}
static void test_layernorm(void)
{
    static gc g;
    memset(&g, 0, sizeof g);
    g.t = 5, g.cin = 6;
    g.nx = 30, g.nw = 6, g.nb = 6, g.nout = 30;
    g.fwd = ln_fwd, g.bwd = ln_bwd;
    run_check(&g);
    /* with g=1, b=0 each frame has mean 0 and variance ~1 */
    for (int c = 0; c < 6; c++) g.w[c] = 1, g.b[c] = 0;
    ln_fwd(&g);
    for (int t = 0; t < 5; t++) {
        double m = 0, v = 0;
        for (int c = 0; c < 6; c++) m += g.out[t * 6 + c];
        m /= 6;
        for (int c = 0; c < 6; c++) v += (g.out[t * 6 + c] - m) * (g.out[t * 6 + c] - m);
        TEST_ASSERT_NEAR(m, 0.0, 1e-6);
        TEST_ASSERT_NEAR(v / 6, 1.0, 1e-3);
    }
}

/* ---- bit-exact against the plain loops ----
 * The vectorised inference layers promise the floats of the plain scalar
 * loops below (the same operations in the same order per element); the
 * shipped models' golden results rest on that. Sizes cover the 32-, 8- and
 * 1-channel tails, frames fewer than the taps, and dilations. */
static void ref_dwconv(float *out, const float *x, const float *w, const float *b, int t, int c,
                       int k, int dil)
{
    int pad = dil * (k - 1) / 2;
    for (int i = 0; i < t; i++)
        for (int ch = 0; ch < c; ch++) {
            float a = b ? b[ch] : 0.0f;
            for (int j = 0; j < k; j++) {
                int ti = i + j * dil - pad;
                if (ti >= 0 && ti < t) a += w[j * c + ch] * x[ti * c + ch];
            }
            out[i * c + ch] = a;
        }
}
static void ref_layernorm(float *out, float *mean, float *rstd, const float *x, const float *g,
                          const float *b, int t, int c)
{
    for (int i = 0; i < t; i++) {
        const float *xi = x + i * c;
        float acc[8] = {0}, s = 0, m, v;
        int n8 = c / 8 * 8;
        for (int j = 0; j < n8; j++) acc[j % 8] += xi[j];
        for (int j = n8; j < c; j++) s += xi[j];
        for (int l = 0; l < 8; l++) s += acc[l];
        m = s / (float)c;
        memset(acc, 0, sizeof acc), s = 0;
        for (int j = 0; j < n8; j++) acc[j % 8] += (xi[j] - m) * (xi[j] - m);
        for (int j = n8; j < c; j++) s += (xi[j] - m) * (xi[j] - m);
        for (int l = 0; l < 8; l++) s += acc[l];
        v = s / (float)c;
        float r = 1.0f / sqrtf(v + 1e-5f);
        for (int j = 0; j < c; j++) out[i * c + j] = (xi[j] - m) * r * g[j] + b[j];
        mean[i] = m, rstd[i] = r;
    }
}
static void test_exact_dwconv_layernorm(void)
{
    /* t, c, k, dil */
    static const int cfg[][4] = {{1, 8, 9, 1},   {2, 45, 9, 4}, {7, 64, 3, 2},
                                 {13, 37, 9, 1}, {6, 71, 5, 2}, {11, 256, 9, 4}};
    static float x[4096], w[4096], b[256], g[256], o1[4096], o2[4096], m1[64], m2[64], r1[64],
        r2[64];
    for (size_t i = 0; i < sizeof cfg / sizeof cfg[0]; i++) {
        int t = cfg[i][0], c = cfg[i][1], k = cfg[i][2], dil = cfg[i][3];
        char what[96];
        fill(x, (size_t)t * c, 10 + (unsigned)i, 3.0f);
        fill(w, (size_t)k * c, 20 + (unsigned)i, 1.0f);
        fill(b, (size_t)c, 30 + (unsigned)i, 1.0f);
        fill(g, (size_t)c, 40 + (unsigned)i, 2.0f);
        for (int bias = 0; bias < 2; bias++) {
            codec_nn_dwconv_forward(o1, x, w, bias ? b : NULL, t, c, k, dil);
            ref_dwconv(o2, x, w, bias ? b : NULL, t, c, k, dil);
            snprintf(what, sizeof what, "dwconv t=%d c=%d k=%d dil=%d bias=%d", t, c, k, dil, bias);
            test_assert_close_f(o1, o2, (size_t)t * c, 0.0, what);
        }
        codec_nn_layernorm_forward(o1, m1, r1, x, g, b, t, c);
        ref_layernorm(o2, m2, r2, x, g, b, t, c);
        snprintf(what, sizeof what, "layernorm t=%d c=%d", t, c);
        test_assert_close_f(o1, o2, (size_t)t * c, 0.0, what);
        test_assert_close_f(m1, m2, (size_t)t, 0.0, "layernorm mean");
        test_assert_close_f(r1, r2, (size_t)t, 0.0, "layernorm rstd");
    }
}

/* ---- elementwise ---- */
static void gelu_fwd(gc *g)
{
    codec_nn_gelu_forward(g->out, g->x, g->nx);
}
static void gelu_bwd(gc *g)
{
    codec_nn_gelu_backward(g->dx, g->r, g->x, g->nx);
}
static void relu_fwd(gc *g)
{
    codec_nn_relu_forward(g->out, g->x, g->nx);
}
static void relu_bwd(gc *g)
{
    codec_nn_relu_backward(g->dx, g->r, g->x, g->nx);
}

static void test_activations(void)
{
    static gc g;
    memset(&g, 0, sizeof g);
    g.nx = g.nout = 40;
    g.fwd = gelu_fwd, g.bwd = gelu_bwd;
    run_check(&g);
    float x[3] = {-3.0f, 0.0f, 1.0f}, y[3];
    codec_nn_gelu_forward(y, x, 3);
    TEST_ASSERT_NEAR(y[1], 0.0, 1e-7);
    TEST_ASSERT_NEAR(y[2], 0.8411920, 1e-5); /* tanh-approximate GELU(1) */
    TEST_ASSERT_NEAR(y[0], -0.0036374, 1e-5);
    /* ReLU: keep x away from the kink so differences are exact */
    memset(&g, 0, sizeof g);
    g.nx = g.nout = 40;
    g.fwd = relu_fwd, g.bwd = relu_bwd;
    fill(g.x, 40, 1, 1.0f);
    int near_kink = 0;
    for (int i = 0; i < 40; i++) near_kink |= fabsf(g.x[i]) < 0.02f;
    CU_ASSERT(!near_kink);
    run_check(&g);
}

/* ---- residual + dropout ---- */
static void test_residual_dropout(void)
{
    float a[100], b[100], out[100], mask[100];
    fill(a, 100, 8, 1), fill(b, 100, 9, 1);
    codec_nn_residual_forward(out, a, b, 100);
    for (int i = 0; i < 100; i++) CU_ASSERT_EQUAL(out[i], a[i] + b[i]);
    codec_nn_add_inplace(out, a, 100);
    for (int i = 0; i < 100; i++) TEST_ASSERT_NEAR(out[i], 2.0 * a[i] + b[i], 1e-6);

    base_rng r1, r2;
    base_rng_init(&r1, 1, 2, 3);
    base_rng_init(&r2, 1, 2, 3);
    enum { N = 20000 };
    static float x[N], y[N], m[N], y2[N], m2[N], dx[N], ones[N];
    for (int i = 0; i < N; i++) x[i] = 1.0f, ones[i] = 1.0f;
    codec_nn_dropout_forward(y, m, x, N, 0.25f, &r1);
    codec_nn_dropout_forward(y2, m2, x, N, 0.25f, &r2);
    CU_ASSERT(!memcmp(y, y2, sizeof y)); /* same stream, same mask */
    double kept = 0, mean = 0;
    for (int i = 0; i < N; i++) {
        CU_ASSERT(m[i] == 0.0f || fabsf(m[i] - 1.0f / 0.75f) < 1e-6f);
        kept += m[i] != 0;
        mean += y[i];
    }
    TEST_ASSERT_NEAR(kept / N, 0.75, 0.015);
    TEST_ASSERT_NEAR(mean / N, 1.0, 0.02); /* inverted dropout keeps the expectation */
    memset(dx, 0, sizeof dx);
    codec_nn_dropout_backward(dx, ones, m, N);
    TEST_ASSERT_CLOSE_F(dx, m, N, 0);
    /* p = 0 is the identity */
    codec_nn_dropout_forward(out, mask, a, 100, 0.0f, &r1);
    TEST_ASSERT_CLOSE_F(out, a, 100, 0);
}

static void test_log_softmax(void)
{
    float x[6] = {1, 2, 3, 1000, 1000, -1000}, y[6];
    codec_nn_log_softmax(y, x, 2, 3);
    for (int t = 0; t < 2; t++) {
        double s = 0;
        for (int k = 0; k < 3; k++) s += exp(y[t * 3 + k]);
        TEST_ASSERT_NEAR(s, 1.0, 1e-6);
    }
    TEST_ASSERT_NEAR(y[3], -log(2.0), 1e-6); /* no overflow at large logits */
}

static const test_case cases[] = {
    {"conv1d direct formula", test_conv1d_direct},
    {"conv1d gradient (stride, dilation, padding)", test_conv1d_grad},
    {"linear gradient", test_linear_grad},
    {"depthwise conv gradient", test_dwconv_grad},
    {"depthwise-separable conv gradient", test_dwsep_grad},
    {"layer norm gradient and moments", test_layernorm},
    {"depthwise conv and layer norm bit-exact against plain loops", test_exact_dwconv_layernorm},
    {"GELU / ReLU values and gradients", test_activations},
    {"residual add and dropout", test_residual_dropout},
    {"log-softmax", test_log_softmax},
    {NULL, NULL},
};

int main(void)
{
    return test_main("nn", cases);
}
