/* nn.c -- neural-network layers, forward and backward (see nn.h). */

/* The elementwise loops (depthwise conv, layer norm, GELU) dominate once the
 * products are in sgemm; GCC's -O2 cost model leaves most of them scalar, so
 * ask for full vectorisation in this file only. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("O3")
#endif
/* ... and build those loops for AVX2+FMA as well as baseline x86-64, picked at
 * load time (ifunc), so the binary still runs on CPUs without AVX2. */
#if defined(__GNUC__) && defined(__x86_64__) && !defined(__clang__)
#define HOT __attribute__((target_clones("avx2,fma", "default")))
#else
#define HOT
#endif

#include "codecs/nn.h"

#include <cblas.h>
#include <math.h>
#include <string.h>

/* GCC vector extensions: eight floats, loaded and stored unaligned. Their
 * operations are the scalar ones lane by lane (no reassociation, and no FMA
 * in the clones built here), so a loop over them computes every element
 * exactly as the plain loop it replaces; the explicit registers only keep
 * sums out of memory and give the CPU independent chains. */
typedef float v8f __attribute__((vector_size(32)));
/* ld8 and st8 are always inlined, so the ABI note on a 32-byte vector
 * returned by a function of the baseline (non-AVX) clone does not apply */
#pragma GCC diagnostic ignored "-Wpsabi"
static inline __attribute__((always_inline)) v8f ld8(const float *p)
{
    v8f v;
    memcpy(&v, p, sizeof v);
    return v;
}
static inline __attribute__((always_inline)) void st8(float *p, v8f v)
{
    memcpy(p, &v, sizeof v);
}

/* o (C) = init (C, or 0 when NULL) + coef[0] * row[0] + ... + coef[n-1] * row[n-1],
 * added in that order per element, the sums in registers: the float results of
 * zeroing (or copying init into) o and then adding each row onto it in turn. */
static inline __attribute__((always_inline)) void lincomb_rows(float *restrict o,
                                                               const float *restrict init, int n,
                                                               const float *coef,
                                                               const float *const *row, int c)
{
    int ch = 0;
    for (; ch + 32 <= c; ch += 32) {
        v8f a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0};
        if (init)
            a0 = ld8(init + ch), a1 = ld8(init + ch + 8), a2 = ld8(init + ch + 16),
            a3 = ld8(init + ch + 24);
        for (int r = 0; r < n; r++) {
            const float *x = row[r] + ch;
            float l = coef[r];
            a0 += l * ld8(x), a1 += l * ld8(x + 8), a2 += l * ld8(x + 16), a3 += l * ld8(x + 24);
        }
        st8(o + ch, a0), st8(o + ch + 8, a1), st8(o + ch + 16, a2), st8(o + ch + 24, a3);
    }
    for (; ch + 8 <= c; ch += 8) {
        v8f a0 = {0};
        if (init) a0 = ld8(init + ch);
        for (int r = 0; r < n; r++) a0 += coef[r] * ld8(row[r] + ch);
        st8(o + ch, a0);
    }
    for (; ch < c; ch++) {
        float a = init ? init[ch] : 0.0f;
        for (int r = 0; r < n; r++) a += coef[r] * row[r][ch];
        o[ch] = a;
    }
}

int codec_nn_conv1d_out_len(int tin, int k, int stride, int dil, int pad)
{
    int span = dil * (k - 1) + 1;
    int num = tin + 2 * pad - span;
    if (num < 0 || stride <= 0) return 0;
    return num / stride + 1;
}

/* out (rows, cout) = b in every row, or 0 without a bias */
static void bias_rows(float *out, const float *b, int rows, int cout)
{
    for (int t = 0; t < rows; t++) {
        float *o = out + (size_t)t * cout;
        if (b)
            memcpy(o, b, sizeof(float) * cout);
        else
            memset(o, 0, sizeof(float) * cout);
    }
}

void codec_nn_conv1d_forward(float *out, float *cols, const float *x, const float *w,
                             const float *b, int tin, int cin, int cout, int k, int stride, int dil,
                             int pad)
{
    int tout = codec_nn_conv1d_out_len(tin, k, stride, dil, pad);
    int kc = k * cin;
    if (tout <= 0) return;
    /* im2col: row t holds the K input frames of output t, concatenated. */
    for (int t = 0; t < tout; t++) {
        float *row = cols + (size_t)t * kc;
        for (int j = 0; j < k; j++) {
            int ti = t * stride + j * dil - pad;
            if (ti < 0 || ti >= tin)
                memset(row + (size_t)j * cin, 0, sizeof(float) * cin);
            else
                memcpy(row + (size_t)j * cin, x + (size_t)ti * cin, sizeof(float) * cin);
        }
    }
    bias_rows(out, b, tout, cout);
    /* out (Tout,Cout) += cols (Tout,KC) * w^T (KC,Cout) */
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, tout, cout, kc, 1.0f, cols, kc, w, kc,
                1.0f, out, cout);
}

/* ---- conv1d inference: tap-wise sgemm, or Winograd F(2,k) ---------------------- */

/* One sgemm per tap on a strided view of x: no im2col copy. */
static void conv1d_tapwise(float *out, const float *x, const float *w, const float *b, int tin,
                           int cin, int cout, int k, int stride, int dil, int pad, int tout)
{
    bias_rows(out, b, tout, cout);
    for (int j = 0; j < k; j++) {
        /* outputs t whose tap-j frame t*stride + s lies in [0, tin) */
        int s = j * dil - pad;
        int t0 = s < 0 ? (-s + stride - 1) / stride : 0;
        int t1 = tin - 1 - s < 0 ? -1 : (tin - 1 - s) / stride;
        if (t1 >= tout) t1 = tout - 1;
        if (t1 < t0) continue;
        /* out[t0..t1] (rows, Cout) += x[t*stride + s] (rows, Cin) * w_j^T (Cin, Cout) */
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, t1 - t0 + 1, cout, cin, 1.0f,
                    x + ((size_t)t0 * stride + s) * cin, stride * cin, w + (size_t)j * cin, k * cin,
                    1.0f, out + (size_t)t0 * cout, cout);
    }
}

/* Winograd minimal filtering F(2,k) (Lavin & Gray 2016, from Toom-Cook): two
 * outputs of a k-tap correlation from n = k + 1 products, at the points 0, 1,
 * -1, 2, -2, ... and infinity. With y_o = sum_j g_j x_{o+j} (o < 2, j < k,
 * tile x_0..x_{n-1}):  y = Ea^T [(Eg g) . (L^T x)], where Eg (n,k) and Ea (n,2)
 * evaluate polynomials of degree k-1 and 1 at the points (the row of infinity
 * takes the leading coefficient) and L (n,n) interpolates degree n-1. With
 * channels, each of the n products becomes one sgemm of (tiles, Cin) x (Cin,
 * Cout): 2k tap products of T/2 rows become k+1, i.e. (k+1)/(2k) of the work. */
#define WINO_MAX_N 6
static void wino_points(int n, double *pt)
{
    for (int i = 0; i < n - 1; i++) pt[i] = i == 0 ? 0.0 : (i % 2 ? (i + 1) / 2 : -(i / 2));
}
static double wino_eval(const double *pt, int n, int xi, int i, int deg)
{
    if (xi == n - 1) return i == deg ? 1.0 : 0.0; /* infinity: leading coefficient */
    return pow(pt[xi], i);
}
/* Eg (n,k), Ea (n,2), Lt = L^T (n,n) in double; returns 0, or -1 if singular. */
static int wino_matrices(int k, double *eg, double *ea, double *lt)
{
    int n = k + 1;
    double pt[WINO_MAX_N], v[WINO_MAX_N][2 * WINO_MAX_N];
    wino_points(n, pt);
    for (int x = 0; x < n; x++) {
        for (int i = 0; i < k; i++) eg[x * k + i] = wino_eval(pt, n, x, i, k - 1);
        for (int i = 0; i < 2; i++) ea[x * 2 + i] = wino_eval(pt, n, x, i, 1);
        for (int i = 0; i < n; i++) {
            v[x][i] = wino_eval(pt, n, x, i, n - 1);
            v[x][n + i] = x == i;
        }
    }
    for (int c = 0; c < n; c++) { /* Gauss-Jordan with partial pivoting: [V | I] -> [I | V^-1] */
        int piv = c;
        for (int r = c + 1; r < n; r++)
            if (fabs(v[r][c]) > fabs(v[piv][c])) piv = r;
        if (fabs(v[piv][c]) < 1e-12) return -1;
        for (int i = 0; i < 2 * n; i++) {
            double t = v[c][i];
            v[c][i] = v[piv][i], v[piv][i] = t;
        }
        double d = v[c][c];
        for (int i = 0; i < 2 * n; i++) v[c][i] /= d;
        for (int r = 0; r < n; r++) {
            if (r == c || v[r][c] == 0) continue;
            double f = v[r][c];
            for (int i = 0; i < 2 * n; i++) v[r][i] -= f * v[c][i];
        }
    }
    /* L = V^-1 maps values to coefficients; lt[x][kk] = L[kk][x] */
    for (int x = 0; x < n; x++)
        for (int kk = 0; kk < n; kk++) lt[x * n + kk] = v[kk][n + x];
    return 0;
}

static int wino_ok(int k, int stride)
{
    return stride == 1 && (k == 3 || k == 5);
}

/* tiles of two outputs t, t + dil; bases t = 2*dil*q + r (r < dil) cover every output */
static int wino_tiles(int tout, int dil)
{
    return (tout + 2 * dil - 1) / (2 * dil) * dil;
}

size_t codec_nn_conv1d_infer_scratch(int tin, int cin, int cout, int k, int stride, int dil,
                                     int pad)
{
    int tout = codec_nn_conv1d_out_len(tin, k, stride, dil, pad);
    if (!wino_ok(k, stride) || tout <= 0) return 0;
    size_t n = (size_t)k + 1, tiles = (size_t)wino_tiles(tout, dil);
    return n * ((size_t)cout * cin + tiles * cin + tiles * cout);
}

size_t codec_nn_conv1d_infer_weights_size(int cin, int cout, int k, int stride)
{
    return wino_ok(k, stride) ? (size_t)(k + 1) * cout * cin : 0;
}

HOT void codec_nn_conv1d_infer_weights(float *u, const float *w, int cin, int cout, int k,
                                       int stride)
{
    const int n = k + 1;
    double eg[WINO_MAX_N * 5], ea[WINO_MAX_N * 2], lt[WINO_MAX_N * WINO_MAX_N];
    if (!wino_ok(k, stride) || wino_matrices(k, eg, ea, lt)) return;
    for (int xi = 0; xi < n; xi++) {
        float *ux = u + (size_t)xi * cout * cin;
        for (int o = 0; o < cout; o++) {
            float *uo = ux + (size_t)o * cin;
            const float *wo = w + (size_t)o * k * cin;
            for (int c = 0; c < cin; c++) uo[c] = 0;
            for (int j = 0; j < k; j++) {
                float gj = (float)eg[xi * k + j];
                if (gj == 0) continue;
                for (int c = 0; c < cin; c++) uo[c] += gj * wo[(size_t)j * cin + c];
            }
        }
    }
}

/* u: the transformed weights (codec_nn_conv1d_infer_weights), or NULL to
 * compute them into the scratch. */
HOT static void conv1d_winograd(float *out, float *scratch, const float *u, const float *x,
                                const float *w, const float *b, int tin, int cin, int cout, int k,
                                int dil, int pad, int tout)
{
    const int n = k + 1;
    double eg[WINO_MAX_N * 5], ea[WINO_MAX_N * 2], lt[WINO_MAX_N * WINO_MAX_N];
    if (wino_matrices(k, eg, ea, lt)) { /* cannot happen for k = 3, 5 */
        conv1d_tapwise(out, x, w, b, tin, cin, cout, k, 1, dil, pad, tout);
        return;
    }
    const int ntile = wino_tiles(tout, dil);
    float *vt = scratch + (size_t)n * cout * cin; /* (n, tiles, Cin) transformed inputs */
    float *mt = vt + (size_t)n * ntile * cin;     /* (n, tiles, Cout) products */
    if (!u) {
        codec_nn_conv1d_infer_weights(scratch, w, cin, cout, k, 1);
        u = scratch;
    }
    for (int q = 0; q < ntile; q++) {
        int t = (q / dil) * 2 * dil + q % dil; /* first output of the tile */
        for (int xi = 0; xi < n; xi++) {
            /* v = sum over the tile's frames in [0, Tin) with l != 0 of l * x */
            float coef[WINO_MAX_N];
            const float *row[WINO_MAX_N];
            int nr = 0;
            for (int kk = 0; kk < n; kk++) {
                float l = (float)lt[xi * n + kk];
                int ti = t + kk * dil - pad;
                if (l == 0 || ti < 0 || ti >= tin) continue;
                coef[nr] = l, row[nr++] = x + (size_t)ti * cin;
            }
            lincomb_rows(vt + ((size_t)xi * ntile + q) * cin, NULL, nr, coef, row, cin);
        }
    }
    for (int xi = 0; xi < n; xi++) /* m_xi (tiles, Cout) = v_xi (tiles, Cin) u_xi^T */
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, ntile, cout, cin, 1.0f,
                    vt + (size_t)xi * ntile * cin, cin, u + (size_t)xi * cout * cin, cin, 0.0f,
                    mt + (size_t)xi * ntile * cout, cout);
    for (int q = 0; q < ntile; q++) { /* the output transform, onto the bias */
        int t = (q / dil) * 2 * dil + q % dil;
        for (int oo = 0; oo < 2; oo++) {
            int to = t + oo * dil;
            if (to >= tout) continue;
            float coef[WINO_MAX_N];
            const float *row[WINO_MAX_N];
            int nr = 0;
            for (int xi = 0; xi < n; xi++) {
                float a = (float)ea[xi * 2 + oo];
                if (a == 0) continue;
                coef[nr] = a, row[nr++] = mt + ((size_t)xi * ntile + q) * cout;
            }
            lincomb_rows(out + (size_t)to * cout, b, nr, coef, row, cout);
        }
    }
}

void codec_nn_conv1d_infer(float *out, float *scratch, const float *u, const float *x,
                           const float *w, const float *b, int tin, int cin, int cout, int k,
                           int stride, int dil, int pad)
{
    int tout = codec_nn_conv1d_out_len(tin, k, stride, dil, pad);
    if (tout <= 0) return;
    if (scratch && wino_ok(k, stride))
        conv1d_winograd(out, scratch, u, x, w, b, tin, cin, cout, k, dil, pad, tout);
    else
        conv1d_tapwise(out, x, w, b, tin, cin, cout, k, stride, dil, pad, tout);
}

void codec_nn_conv1d_backward(float *dx, float *dw, float *db, float *dcols, const float *dout,
                              const float *cols, const float *w, int tin, int cin, int cout, int k,
                              int stride, int dil, int pad)
{
    int tout = codec_nn_conv1d_out_len(tin, k, stride, dil, pad);
    int kc = k * cin;
    if (tout <= 0) return;
    /* dw (Cout,KC) += dout^T (Cout,Tout) * cols (Tout,KC) */
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, cout, kc, tout, 1.0f, dout, cout, cols, kc,
                1.0f, dw, kc);
    if (db)
        for (int t = 0; t < tout; t++)
            for (int o = 0; o < cout; o++) db[o] += dout[(size_t)t * cout + o];
    if (!dx) return;
    /* dcols (Tout,KC) = dout (Tout,Cout) * w (Cout,KC), then col2im adds into dx. */
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, tout, kc, cout, 1.0f, dout, cout, w, kc,
                0.0f, dcols, kc);
    for (int t = 0; t < tout; t++) {
        const float *row = dcols + (size_t)t * kc;
        for (int j = 0; j < k; j++) {
            int ti = t * stride + j * dil - pad;
            if (ti < 0 || ti >= tin) continue;
            float *d = dx + (size_t)ti * cin;
            const float *s = row + (size_t)j * cin;
            for (int c = 0; c < cin; c++) d[c] += s[c];
        }
    }
}

void codec_nn_linear_forward(float *out, const float *x, const float *w, const float *b, int t,
                             int cin, int cout)
{
    bias_rows(out, b, t, cout);
    if (t <= 0) return;
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, t, cout, cin, 1.0f, x, cin, w, cin, 1.0f,
                out, cout);
}

void codec_nn_linear_backward(float *dx, float *dw, float *db, const float *dout, const float *x,
                              const float *w, int t, int cin, int cout)
{
    if (t <= 0) return;
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, cout, cin, t, 1.0f, dout, cout, x, cin,
                1.0f, dw, cin);
    if (db)
        for (int i = 0; i < t; i++)
            for (int o = 0; o < cout; o++) db[o] += dout[(size_t)i * cout + o];
    if (dx)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, t, cin, cout, 1.0f, dout, cout, w,
                    cin, 1.0f, dx, cin);
}

/* One output frame of the depthwise convolution, o (C) = bias (or 0) + the
 * taps j0..j1 in ascending order; xj: the input frame of tap j0, step: the
 * floats from one tap's frame to the next. The accumulators stay in registers
 * across the taps (the old loop stored the frame after every tap): the same
 * additions in the same order. */
static inline __attribute__((always_inline)) void
dwconv_frame(float *restrict o, const float *restrict xj, const float *restrict w,
             const float *restrict b, int c, int j0, int j1, size_t step)
{
    int ch = 0;
    for (; ch + 32 <= c; ch += 32) {
        v8f a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0};
        if (b) a0 = ld8(b + ch), a1 = ld8(b + ch + 8), a2 = ld8(b + ch + 16), a3 = ld8(b + ch + 24);
        const float *xs = xj + ch;
        for (int j = j0; j <= j1; j++, xs += step) {
            const float *wk = w + (size_t)j * c + ch;
            a0 += ld8(wk) * ld8(xs);
            a1 += ld8(wk + 8) * ld8(xs + 8);
            a2 += ld8(wk + 16) * ld8(xs + 16);
            a3 += ld8(wk + 24) * ld8(xs + 24);
        }
        st8(o + ch, a0), st8(o + ch + 8, a1), st8(o + ch + 16, a2), st8(o + ch + 24, a3);
    }
    for (; ch + 8 <= c; ch += 8) {
        v8f a0 = {0};
        if (b) a0 = ld8(b + ch);
        const float *xs = xj + ch;
        for (int j = j0; j <= j1; j++, xs += step) a0 += ld8(w + (size_t)j * c + ch) * ld8(xs);
        st8(o + ch, a0);
    }
    for (; ch < c; ch++) {
        float a = b ? b[ch] : 0.0f;
        const float *xs = xj + ch;
        for (int j = j0; j <= j1; j++, xs += step) a += w[(size_t)j * c + ch] * xs[0];
        o[ch] = a;
    }
}

HOT void codec_nn_dwconv_forward(float *out, const float *x, const float *w, const float *b, int t,
                                 int c, int k, int dil)
{
    int pad = dil * (k - 1) / 2;
    for (int i = 0; i < t; i++) {
        /* the taps whose input frame i + j*dil - pad lies in [0, t): j0..j1 */
        int j0 = 0, j1 = k - 1;
        while (j0 < k && i + j0 * dil - pad < 0) j0++;
        while (j1 >= j0 && i + j1 * dil - pad >= t) j1--;
        const float *xj = j0 <= j1 ? x + (size_t)(i + j0 * dil - pad) * c : x;
        dwconv_frame(out + (size_t)i * c, xj, w, b, c, j0, j1, (size_t)dil * c);
    }
}

HOT void codec_nn_dwconv_backward(float *dx, float *dw, float *db, const float *dout,
                                  const float *x, const float *w, int t, int c, int k, int dil)
{
    int pad = dil * (k - 1) / 2;
    for (int i = 0; i < t; i++) {
        const float *g = dout + (size_t)i * c;
        if (db)
            for (int ch = 0; ch < c; ch++) db[ch] += g[ch];
        for (int j = 0; j < k; j++) {
            int ti = i + j * dil - pad;
            if (ti < 0 || ti >= t) continue;
            const float *xs = x + (size_t)ti * c;
            const float *wk = w + (size_t)j * c;
            float *dwk = dw + (size_t)j * c;
            for (int ch = 0; ch < c; ch++) dwk[ch] += g[ch] * xs[ch];
            if (dx) {
                float *d = dx + (size_t)ti * c;
                for (int ch = 0; ch < c; ch++) d[ch] += g[ch] * wk[ch];
            }
        }
    }
}

/* The layer norm's reductions run in LANES independent partial sums (a fixed
 * order, so results are deterministic) so that they vectorise without
 * -ffast-math: sum = (the tail elements in order) + lane 0 + ... + lane 7,
 * lane l summing elements l, l + 8, ... in order. */
#define LANES 8
_Static_assert(LANES * sizeof(float) == sizeof(v8f), "a lane per vector element");

/* Layer norm of R <= 4 frames at once: each frame's sums are the LANES sums
 * above (of x, then of (x - mean)^2), but R frames' chains interleave, so the adds no longer wait
 * on one another (a single frame's reduction is bound by the add latency). */
static inline __attribute__((always_inline)) void layernorm_frames(float *out, float *mean,
                                                                   float *rstd, const float *x,
                                                                   const float *g, const float *b,
                                                                   int c, const int R)
{
    v8f acc[4];
    float m[4], s[4];
    int i;
    for (int r = 0; r < R; r++) acc[r] = (v8f){0};
    for (i = 0; i + LANES <= c; i += LANES)
        for (int r = 0; r < R; r++) acc[r] += ld8(x + (size_t)r * c + i);
    for (int r = 0; r < R; r++) {
        const float *xr = x + (size_t)r * c;
        float sum = 0;
        for (int ii = i; ii < c; ii++) sum += xr[ii];
        for (int l = 0; l < LANES; l++) sum += acc[r][l];
        m[r] = sum / (float)c;
        acc[r] = (v8f){0};
    }
    for (i = 0; i + LANES <= c; i += LANES)
        for (int r = 0; r < R; r++) {
            v8f d = ld8(x + (size_t)r * c + i) - m[r];
            acc[r] += d * d;
        }
    for (int r = 0; r < R; r++) {
        const float *xr = x + (size_t)r * c;
        float sum = 0;
        for (int ii = i; ii < c; ii++) sum += (xr[ii] - m[r]) * (xr[ii] - m[r]);
        for (int l = 0; l < LANES; l++) sum += acc[r][l];
        float v = sum / (float)c;
        s[r] = 1.0f / sqrtf(v + 1e-5f);
        mean[r] = m[r];
        rstd[r] = s[r];
    }
    for (int r = 0; r < R; r++) {
        const float *xr = x + (size_t)r * c;
        float *o = out + (size_t)r * c;
        float mr = m[r], sr = s[r];
        for (int ch = 0; ch < c; ch++) o[ch] = (xr[ch] - mr) * sr * g[ch] + b[ch];
    }
}

HOT void codec_nn_layernorm_forward(float *out, float *mean, float *rstd, const float *x,
                                    const float *g, const float *b, int t, int c)
{
    /* two-pass in float over LANES partial sums, so the reductions vectorise
     * without -ffast-math; four frames at a time (layernorm_frames) */
    int i = 0;
    for (; i + 4 <= t; i += 4)
        layernorm_frames(out + (size_t)i * c, mean + i, rstd + i, x + (size_t)i * c, g, b, c, 4);
    for (; i < t; i++)
        layernorm_frames(out + (size_t)i * c, mean + i, rstd + i, x + (size_t)i * c, g, b, c, 1);
}

HOT void codec_nn_layernorm_backward(float *dx, float *dg, float *db, const float *dout,
                                     const float *x, const float *mean, const float *rstd,
                                     const float *g, int t, int c)
{
    for (int i = 0; i < t; i++) {
        const float *xi = x + (size_t)i * c;
        const float *go = dout + (size_t)i * c;
        float m = mean[i], s = rstd[i];
        /* With xhat = (x-m)*s and dxhat = dout*g:
         * dx = s * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat)). */
        float sum_d = 0, sum_dx = 0;
        for (int ch = 0; ch < c; ch++) {
            float xhat = (xi[ch] - m) * s;
            float dxhat = go[ch] * g[ch];
            sum_d += dxhat;
            sum_dx += dxhat * xhat;
            dg[ch] += go[ch] * xhat;
            db[ch] += go[ch];
        }
        if (!dx) continue;
        float md = sum_d / (float)c, mdx = sum_dx / (float)c;
        float *d = dx + (size_t)i * c;
        for (int ch = 0; ch < c; ch++) {
            float xhat = (xi[ch] - m) * s;
            d[ch] += s * (go[ch] * g[ch] - md - xhat * mdx);
        }
    }
}

#define GELU_K 0.7978845608028654f /* sqrt(2/pi) */

/* tanh by its [7/6] Pade approximant (continued-fraction truncation), clamped
 * where it reaches +-1 in float precision: |error| < 1e-4 over the reals (largest near the clamp),
 * and unlike libm's tanhf the loop vectorises, which makes GELU 5-10x cheaper. */
static inline float fast_tanh(float x)
{
    /* clamp to [-c, c] as (|x+c| - |x-c|)/2: no branch, no libm call, so the
     * loop vectorises (GCC will not if-convert the ternary form here) */
    const float c = 4.97f;
    x = 0.5f * (fabsf(x + c) - fabsf(x - c));
    float x2 = x * x;
    float num = x * (135135.0f + x2 * (17325.0f + x2 * (378.0f + x2)));
    float den = 135135.0f + x2 * (62370.0f + x2 * (3150.0f + x2 * 28.0f));
    return num / den;
}

HOT void codec_nn_gelu_forward(float *out, const float *x, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        float v = x[i];
        float u = GELU_K * (v + 0.044715f * v * v * v);
        out[i] = 0.5f * v * (1.0f + fast_tanh(u));
    }
}

HOT void codec_nn_gelu_backward(float *dx, const float *dout, const float *x, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        float v = x[i];
        float u = GELU_K * (v + 0.044715f * v * v * v);
        float th = fast_tanh(u);
        float sech2 = 1.0f - th * th;
        float grad =
            0.5f * (1.0f + th) + 0.5f * v * sech2 * GELU_K * (1.0f + 3.0f * 0.044715f * v * v);
        dx[i] += grad * dout[i];
    }
}

void codec_nn_relu_forward(float *out, const float *x, size_t n)
{
    for (size_t i = 0; i < n; i++) out[i] = x[i] > 0 ? x[i] : 0.0f;
}

void codec_nn_relu_backward(float *dx, const float *dout, const float *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (x[i] > 0) dx[i] += dout[i];
}

void codec_nn_residual_forward(float *out, const float *a, const float *b, size_t n)
{
    for (size_t i = 0; i < n; i++) out[i] = a[i] + b[i];
}

void codec_nn_add_inplace(float *y, const float *x, size_t n)
{
    for (size_t i = 0; i < n; i++) y[i] += x[i];
}

void codec_nn_dropout_forward(float *out, float *mask, const float *x, size_t n, float p,
                              base_rng *r)
{
    if (p <= 0.0f || !r) {
        for (size_t i = 0; i < n; i++) mask[i] = 1.0f;
        if (out != x) memcpy(out, x, sizeof(float) * n);
        return;
    }
    float keep = 1.0f / (1.0f - p);
    /* four 16-bit uniforms per 64-bit draw: p is resolved to 1/65536, plenty
     * for a drop rate, and the mask costs a quarter of the generator calls */
    uint32_t thresh = (uint32_t)(p * 65536.0f + 0.5f);
    uint64_t bits = 0;
    for (size_t i = 0; i < n; i++) {
        if ((i & 3) == 0) bits = base_rng_u64(r);
        uint32_t u = (uint32_t)(bits & 0xffff);
        bits >>= 16;
        mask[i] = u < thresh ? 0.0f : keep;
        out[i] = x[i] * mask[i];
    }
}

void codec_nn_dropout_backward(float *dx, const float *dout, const float *mask, size_t n)
{
    for (size_t i = 0; i < n; i++) dx[i] += dout[i] * mask[i];
}

void codec_nn_log_softmax(float *out, const float *x, int t, int c)
{
    for (int i = 0; i < t; i++) {
        const float *xi = x + (size_t)i * c;
        float *o = out + (size_t)i * c;
        float mx = xi[0];
        for (int k = 1; k < c; k++)
            if (xi[k] > mx) mx = xi[k];
        double s = 0;
        for (int k = 0; k < c; k++) s += exp((double)(xi[k] - mx));
        /* subtract mx first: mx + log(s) would lose bits at large logits */
        float ls = (float)log(s);
        for (int k = 0; k < c; k++) o[k] = (xi[k] - mx) - ls;
    }
}
