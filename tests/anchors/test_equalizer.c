/* test_equalizer.c -- receiver-side equalizers (anchors/equalizer) on
 * constructed latent spaces: the relative pseudo-inverse recovers a latent up
 * to scale when K >= d (cosine), exactly for inner and euclidean psi;
 * procrustes recovers a planted rotation, ridge a planted linear map; none
 * truncates/pads; symbol and handshake counts; bad inputs. */
#include "anchors/equalizer.h"
#include "anchors/metrics.h"
#include "anchors/select.h"
#include "base/rng.h"
#include "tests/fixtures.h"
#include "tests/testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void gaussian(float *x, size_t n, float sigma, uint64_t seed)
{
    test_gaussian(x, n, sigma, seed, "test.equalizer");
}

/* max over rows of |a_i - b_i| / |b_i| */
static double worst_rel(const float *a, const float *b, size_t n, size_t d)
{
    double w = 0;
    for (size_t i = 0; i < n; i++) {
        double e = 0, m = 0;
        for (size_t c = 0; c < d; c++) {
            double t = (double)a[i * d + c] - b[i * d + c];
            e += t * t, m += (double)b[i * d + c] * b[i * d + c];
        }
        w = fmax(w, sqrt(e / m));
    }
    return w;
}

static anchor_equalizer *make(anchor_eq_type type, anchor_psi psi, const float *at, const float *ar,
                              size_t k, size_t dt, size_t dr)
{
    anchor_equalizer_config cfg;
    anchor_equalizer_config_default(&cfg);
    cfg.type = type;
    cfg.psi = psi;
    cfg.relinv_lambda = 0; /* the exact pseudo-inverse */
    base_err e = BASE_ERR_INIT;
    anchor_equalizer *q = anchor_equalizer_create(&cfg, at, ar, k, dt, dr, &e);
    if (!q) fprintf(stderr, "  create %s: %s\n", anchor_eq_type_name(type), e.msg);
    return q;
}

static void test_names(void)
{
    static const char *const names[] = {"none", "relative", "relative-inverse", "ridge",
                                        "procrustes"};
    for (int i = 0; i < 5; i++) {
        anchor_eq_type t = (anchor_eq_type)99;
        CU_ASSERT_EQUAL(anchor_eq_type_parse(names[i], &t, NULL), BASE_OK);
        CU_ASSERT_EQUAL(t, (anchor_eq_type)i);
        CU_ASSERT_STRING_EQUAL(anchor_eq_type_name(t), names[i]);
    }
    anchor_eq_type t;
    base_err e = BASE_ERR_INIT;
    CU_ASSERT_EQUAL(anchor_eq_type_parse("oracle", &t, &e), BASE_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "oracle"));
}

/* Same space on both sides (A_rx = A_tx): cosine recovers x up to scale, the
 * recovered norm is rx_norm; K < d is only rank K. */
static void test_relinv_cosine_same_space(void)
{
    enum { N = 100, D = 16, K = 32 };
    float *x = malloc(N * D * sizeof *x), *a = malloc(K * D * sizeof *a);
    float *xh = malloc(N * D * sizeof *xh), *want = malloc(N * D * sizeof *want);
    gaussian(x, N * D, 2.0f, 1);
    gaussian(a, K * D, 1.0f, 2);
    anchor_equalizer_config cfg;
    anchor_equalizer_config_default(&cfg);
    cfg.type = ANCHOR_EQ_RELATIVE_INVERSE;
    cfg.relinv_lambda = 0;
    cfg.rx_norm = 3.0;
    anchor_equalizer *q = anchor_equalizer_create(&cfg, a, a, K, D, D, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(q);
    CU_ASSERT_EQUAL(anchor_equalizer_rank(q), D);
    CU_ASSERT_EQUAL(anchor_equalizer_symbols_per_frame(q), K);
    CU_ASSERT_EQUAL(anchor_equalizer_handshake_symbols(q), 0);
    CU_ASSERT_EQUAL(anchor_equalizer_execute(q, x, N, xh, NULL), BASE_OK);
    for (size_t i = 0; i < N; i++) {
        double s = 0;
        for (size_t c = 0; c < D; c++) s += (double)x[i * D + c] * x[i * D + c];
        for (size_t c = 0; c < D; c++) want[i * D + c] = (float)(3.0 * x[i * D + c] / sqrt(s));
    }
    TEST_ASSERT_CLOSE_F(xh, want, N * D, 1e-4);
    anchor_equalizer_destroy(q);

    /* default norm rule: the mean norm of the receiver's anchors */
    cfg.rx_norm = 0;
    q = anchor_equalizer_create(&cfg, a, a, K, D, D, NULL);
    CU_ASSERT_EQUAL(anchor_equalizer_execute(q, x, 1, xh, NULL), BASE_OK);
    double n0 = 0;
    for (size_t c = 0; c < D; c++) n0 += (double)xh[c] * xh[c];
    TEST_ASSERT_NEAR(sqrt(n0), anchor_mean_norm(a, K, D), 1e-4);
    anchor_equalizer_destroy(q);

    /* K = 8 < d = 16: minimum-norm least squares of rank 8 */
    q = anchor_equalizer_create(&cfg, a, a, 8, D, D, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(q);
    CU_ASSERT_EQUAL(anchor_equalizer_rank(q), 8);
    anchor_equalizer_destroy(q);
    free(x), free(a), free(xh), free(want);
}

/* Smallest cosine between rows i of u and v (n,d), both taken about origin m (d; NULL = 0). */
static double min_cosine(const float *u, const float *v, size_t n, size_t d, const double *m)
{
    double worst = 1;
    for (size_t i = 0; i < n; i++) {
        double uv = 0, uu = 0, vv = 0;
        for (size_t c = 0; c < d; c++) {
            double a = u[i * d + c] - (m ? m[c] : 0), b = v[i * d + c] - (m ? m[c] : 0);
            uv += a * b, uu += a * a, vv += b * b;
        }
        worst = fmin(worst, uv / sqrt(uu * vv));
    }
    return worst;
}

/* Receiver space = s * transmitter space * Q (+ small noise on the anchors the
 * receiver builds): relative-inverse lands on s x Q up to the norm rule. */
static void test_relinv_rotated(void)
{
    enum { N = 200, D = 24, K = 64 };
    float *x = malloc(N * D * sizeof *x), *y = malloc(N * D * sizeof *y);
    float *at = malloc(K * D * sizeof *at), *ar = malloc(K * D * sizeof *ar);
    float *q = malloc(D * D * sizeof *q), *xh = malloc(N * D * sizeof *xh);
    gaussian(x, N * D, 1.0f, 3);
    gaussian(at, K * D, 1.0f, 4);
    test_orthogonal(q, D, 5);
    test_affine(x, N, D, q, D, 2.5f, NULL, y);
    test_affine(at, K, D, q, D, 2.5f, NULL, ar);
    for (int psi = 0; psi < 3; psi++) {
        anchor_equalizer *e = make(ANCHOR_EQ_RELATIVE_INVERSE, (anchor_psi)psi, at, ar, K, D, D);
        CU_ASSERT_PTR_NOT_NULL_FATAL(e);
        CU_ASSERT_EQUAL(anchor_equalizer_execute(e, x, N, xh, NULL), BASE_OK);
        double cos_min = min_cosine(xh, y, N, D, NULL);
        if (psi == ANCHOR_PSI_COSINE) {
            /* direction exact; length by the norm rule */
            TEST_ASSERT_NEAR(cos_min, 1.0, 1e-5);
        } else if (psi == ANCHOR_PSI_INNER) {
            /* tx inner products are 1/s^2 of the receiver's: x_hat = y / s^2 */
            for (size_t i = 0; i < N * D; i++) xh[i] *= 2.5f * 2.5f;
            double w = worst_rel(xh, y, N, D);
            if (w > 1e-4) fprintf(stderr, "  inner: worst relative error %.3g\n", w);
            CU_ASSERT(w <= 1e-4);
        } else {
            /* the transmitter's distances are 1/s of the receiver's, so the |x|^2
             * terms do not cancel and the inverse is not exact; the exact case
             * (one space) is the next test. Here: it runs and stays finite. */
            int finite = 1;
            for (size_t i = 0; i < N * D; i++) finite &= isfinite(xh[i]) != 0;
            CU_ASSERT(finite);
        }
        anchor_equalizer_destroy(e);
    }
    free(x), free(y), free(at), free(ar), free(q), free(xh);
}

/* Receiver space = s * transmitter space * Q + t (a translated, rotated, scaled
 * copy): with cosine-centered psi relative-inverse recovers the direction of
 * y - m_rx exactly (m_rx = the receiver anchors' mean); plain cosine does not. */
static void test_relinv_centered_translated(void)
{
    enum { N = 200, D = 24, K = 64 };
    float *x = malloc(N * D * sizeof *x), *y = malloc(N * D * sizeof *y);
    float *at = malloc(K * D * sizeof *at), *ar = malloc(K * D * sizeof *ar);
    float *q = malloc(D * D * sizeof *q), *xh = malloc(N * D * sizeof *xh);
    float t[D];
    double m[D] = {0};
    gaussian(x, N * D, 1.0f, 13);
    gaussian(at, K * D, 1.0f, 14);
    gaussian(t, D, 4.0f, 16);
    test_orthogonal(q, D, 15);
    test_affine(x, N, D, q, D, 2.5f, t, y);
    test_affine(at, K, D, q, D, 2.5f, t, ar);
    for (size_t j = 0; j < K; j++)
        for (size_t c = 0; c < D; c++) m[c] += ar[j * D + c] / (double)K;
    for (int psi = ANCHOR_PSI_COSINE; psi <= ANCHOR_PSI_COSINE_CENTERED;
         psi += ANCHOR_PSI_COSINE_CENTERED) {
        anchor_equalizer *e = make(ANCHOR_EQ_RELATIVE_INVERSE, (anchor_psi)psi, at, ar, K, D, D);
        CU_ASSERT_PTR_NOT_NULL_FATAL(e);
        CU_ASSERT_EQUAL(anchor_equalizer_execute(e, x, N, xh, NULL), BASE_OK);
        double cos_min = min_cosine(xh, y, N, D, m);
        if (psi == ANCHOR_PSI_COSINE_CENTERED) TEST_ASSERT_NEAR(cos_min, 1.0, 1e-4);
        CU_ASSERT(psi == ANCHOR_PSI_COSINE_CENTERED || cos_min < 0.9);
        anchor_equalizer_destroy(e);
    }
    free(x), free(y), free(at), free(ar), free(q), free(xh);
}

/* Euclidean psi in one space: the multilateration inverse is exact for K > d. */
static void test_relinv_euclidean_exact(void)
{
    enum { N = 100, D = 8, K = 20 };
    float x[N * D], a[K * D], xh[N * D], s[N * K];
    gaussian(x, N * D, 1.0f, 6);
    gaussian(a, K * D, 1.5f, 7);
    for (size_t i = 0; i < N * D; i++) x[i] += 0.5f; /* off-centre latents */
    anchor_equalizer *q = make(ANCHOR_EQ_RELATIVE_INVERSE, ANCHOR_PSI_EUCLIDEAN, a, a, K, D, D);
    CU_ASSERT_PTR_NOT_NULL_FATAL(q);
    CU_ASSERT_EQUAL(anchor_equalizer_rank(q), D);
    CU_ASSERT_EQUAL(anchor_equalizer_encode(q, x, N, s, NULL), BASE_OK);
    CU_ASSERT_EQUAL(anchor_equalizer_decode(q, s, N, xh, NULL), BASE_OK);
    TEST_ASSERT_CLOSE_F(xh, x, N * D, 1e-4); /* measured 1.7e-6 */
    anchor_equalizer_destroy(q);
}

/* Inner psi in one space: exact linear inverse. Also encode+decode == execute
 * across several stack blocks (N*K > block). */
static void test_relinv_inner_blocks(void)
{
    enum { N = 700, D = 12, K = 40 };
    float *x = malloc(N * D * sizeof *x), *a = malloc(K * D * sizeof *a);
    float *s = malloc(N * K * sizeof *s), *x1 = malloc(N * D * sizeof *x1);
    float *x2 = malloc(N * D * sizeof *x2);
    gaussian(x, N * D, 1.0f, 8);
    gaussian(a, K * D, 1.0f, 9);
    anchor_equalizer *q = make(ANCHOR_EQ_RELATIVE_INVERSE, ANCHOR_PSI_INNER, a, a, K, D, D);
    CU_ASSERT_PTR_NOT_NULL_FATAL(q);
    CU_ASSERT_EQUAL(anchor_equalizer_encode(q, x, N, s, NULL), BASE_OK);
    CU_ASSERT_EQUAL(anchor_equalizer_decode(q, s, N, x1, NULL), BASE_OK);
    CU_ASSERT_EQUAL(anchor_equalizer_execute(q, x, N, x2, NULL), BASE_OK);
    TEST_ASSERT_CLOSE_F(x1, x, N * D, 1e-4);
    TEST_ASSERT_CLOSE_F(x2, x1, N * D, 1e-6);
    anchor_equalizer_destroy(q);
    free(x), free(a), free(s), free(x1), free(x2);
}

/* Y = s X Q + mu + noise: procrustes on K anchor pairs recovers s Q (and the
 * shift), also on held-out frames; without the scale fit it recovers Q. */
static void test_procrustes_rotation(void)
{
    enum { N = 300, D = 16, K = 96 };
    float *x = malloc(N * D * sizeof *x), *y = malloc(N * D * sizeof *y);
    float *at = malloc(K * D * sizeof *at), *ar = malloc(K * D * sizeof *ar);
    float *q = malloc(D * D * sizeof *q), *xh = malloc(N * D * sizeof *xh);
    float mu[D], noise[K * D];
    gaussian(x, N * D, 1.0f, 10);
    gaussian(at, K * D, 1.0f, 11);
    gaussian(mu, D, 2.0f, 12);
    gaussian(noise, K * D, 0.01f, 13);
    test_orthogonal(q, D, 14);
    test_affine(x, N, D, q, D, 0.7f, mu, y);
    test_affine(at, K, D, q, D, 0.7f, mu, ar);
    for (size_t i = 0; i < K * D; i++) ar[i] += noise[i];
    anchor_equalizer *e = make(ANCHOR_EQ_PROCRUSTES, ANCHOR_PSI_COSINE, at, ar, K, D, D);
    CU_ASSERT_PTR_NOT_NULL_FATAL(e);
    CU_ASSERT_EQUAL(anchor_equalizer_handshake_symbols(e), K * D);
    CU_ASSERT_EQUAL(anchor_equalizer_symbols_per_frame(e), D);
    CU_ASSERT_EQUAL(anchor_equalizer_execute(e, x, N, xh, NULL), BASE_OK);
    double w = worst_rel(xh, y, N, D);
    if (w > 0.02) fprintf(stderr, "  procrustes: worst relative error %.3g\n", w);
    CU_ASSERT(w <= 0.02);
    anchor_equalizer_destroy(e);

    /* pure rotation, no scale fit: W must be orthogonal and equal Q */
    test_affine(at, K, D, q, D, 1.0f, NULL, ar);
    anchor_equalizer_config cfg;
    anchor_equalizer_config_default(&cfg);
    cfg.type = ANCHOR_EQ_PROCRUSTES;
    cfg.procrustes_scale = 0;
    e = anchor_equalizer_create(&cfg, at, ar, K, D, D, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(e);
    /* rows of W are W applied to unit vectors, minus the bias at 0 */
    float eye[D * D], zero[D] = {0}, b[D], wq[D * D];
    memset(eye, 0, sizeof eye);
    for (size_t i = 0; i < D; i++) eye[i * D + i] = 1;
    CU_ASSERT_EQUAL(anchor_equalizer_execute(e, zero, 1, b, NULL), BASE_OK);
    CU_ASSERT_EQUAL(anchor_equalizer_execute(e, eye, D, wq, NULL), BASE_OK);
    for (size_t i = 0; i < D; i++)
        for (size_t j = 0; j < D; j++) wq[i * D + j] -= b[j];
    TEST_ASSERT_CLOSE_F(wq, q, D * D, 1e-4);
    anchor_equalizer_destroy(e);
    free(x), free(y), free(at), free(ar), free(q), free(xh);
}

/* Different widths: d_tx = 10 embeds into d_rx = 16 by a semi-orthogonal map
 * (zero-padding route), and back (truncation route). */
static void test_procrustes_padding(void)
{
    enum { N = 50, DT = 10, DR = 16, K = 64 };
    float q[DR * DR], m[DT * DR], mt[DR * DT];
    float *x = malloc(N * DT * sizeof *x), *y = malloc(N * DR * sizeof *y);
    float *at = malloc(K * DT * sizeof *at), *ar = malloc(K * DR * sizeof *ar);
    float *xh = malloc(N * DR * sizeof *xh), *xb = malloc(N * DT * sizeof *xb);
    test_orthogonal(q, DR, 15);
    for (size_t i = 0; i < DT; i++) /* first DT rows of Q: orthonormal rows */
        for (size_t j = 0; j < DR; j++)
            m[i * DR + j] = q[i * DR + j], mt[j * DT + i] = q[i * DR + j];
    gaussian(x, N * DT, 1.0f, 16);
    gaussian(at, K * DT, 1.0f, 17);
    test_affine(x, N, DT, m, DR, 1.0f, NULL, y);
    test_affine(at, K, DT, m, DR, 1.0f, NULL, ar);
    anchor_equalizer *e = make(ANCHOR_EQ_PROCRUSTES, ANCHOR_PSI_COSINE, at, ar, K, DT, DR);
    CU_ASSERT_PTR_NOT_NULL_FATAL(e);
    CU_ASSERT_EQUAL(anchor_equalizer_in_dim(e), DT);
    CU_ASSERT_EQUAL(anchor_equalizer_out_dim(e), DR);
    CU_ASSERT_EQUAL(anchor_equalizer_execute(e, x, N, xh, NULL), BASE_OK);
    double w = worst_rel(xh, y, N, DR);
    if (w > 1e-3) fprintf(stderr, "  procrustes pad: worst relative error %.3g\n", w);
    CU_ASSERT(w <= 1e-3);
    anchor_equalizer_destroy(e);
    /* back: DR -> DT, y M^T = x */
    e = make(ANCHOR_EQ_PROCRUSTES, ANCHOR_PSI_COSINE, ar, at, K, DR, DT);
    CU_ASSERT_PTR_NOT_NULL_FATAL(e);
    CU_ASSERT_EQUAL(anchor_equalizer_execute(e, y, N, xb, NULL), BASE_OK);
    w = worst_rel(xb, x, N, DT);
    if (w > 1e-3) fprintf(stderr, "  procrustes trunc: worst relative error %.3g\n", w);
    CU_ASSERT(w <= 1e-3);
    anchor_equalizer_destroy(e);
    (void)mt;
    free(x), free(y), free(at), free(ar), free(xh), free(xb);
}

/* K <= D: procrustes keeps only the anchors' span (rank K-1 after centring);
 * a frame differing from the anchor mean only outside that span maps to the
 * receiver's anchor mean. */
static void test_procrustes_rank_deficient(void)
{
    enum { D = 8, K = 4 };
    float at[K * D], ar[K * D], x[D], y[D], mt[D] = {0}, mr[D] = {0};
    gaussian(at, K * D, 1.0f, 40);
    gaussian(ar, K * D, 1.0f, 41);
    for (size_t j = 0; j < K; j++)
        for (size_t c = 0; c < D; c++) mt[c] += at[j * D + c] / K, mr[c] += ar[j * D + c] / K;
    /* v: a random vector with its component in span(C_tx) removed (Gram-Schmidt) */
    double basis[K][D], v[D];
    size_t nb = 0;
    for (size_t j = 0; j < K; j++) {
        for (size_t c = 0; c < D; c++) basis[nb][c] = at[j * D + c] - mt[c];
        for (size_t b = 0; b < nb; b++) {
            double dot = 0;
            for (size_t c = 0; c < D; c++) dot += basis[nb][c] * basis[b][c];
            for (size_t c = 0; c < D; c++) basis[nb][c] -= dot * basis[b][c];
        }
        double n = 0;
        for (size_t c = 0; c < D; c++) n += basis[nb][c] * basis[nb][c];
        if (n < 1e-10) continue; /* the centred rows sum to zero: one is dependent */
        for (size_t c = 0; c < D; c++) basis[nb][c] /= sqrt(n);
        nb++;
    }
    CU_ASSERT_EQUAL(nb, K - 1);
    gaussian(x, D, 1.0f, 42);
    for (size_t c = 0; c < D; c++) v[c] = x[c];
    for (size_t b = 0; b < nb; b++) {
        double dot = 0;
        for (size_t c = 0; c < D; c++) dot += v[c] * basis[b][c];
        for (size_t c = 0; c < D; c++) v[c] -= dot * basis[b][c];
    }
    for (size_t c = 0; c < D; c++) x[c] = mt[c] + (float)v[c];
    anchor_equalizer *e = make(ANCHOR_EQ_PROCRUSTES, ANCHOR_PSI_COSINE, at, ar, K, D, D);
    CU_ASSERT_PTR_NOT_NULL_FATAL(e);
    CU_ASSERT_EQUAL(anchor_equalizer_rank(e), K - 1);
    CU_ASSERT_EQUAL(anchor_equalizer_execute(e, x, 1, y, NULL), BASE_OK);
    TEST_ASSERT_CLOSE_F(y, mr, D, 1e-5);
    anchor_equalizer_destroy(e);
}

/* Y = X M + b with a random (non-orthogonal) 12 x 8 map: ridge recovers it. */
static void test_ridge_linear(void)
{
    enum { N = 200, DT = 12, DR = 8, K = 100 };
    float m[DT * DR], b[DR];
    float *x = malloc(N * DT * sizeof *x), *y = malloc(N * DR * sizeof *y);
    float *at = malloc(K * DT * sizeof *at), *ar = malloc(K * DR * sizeof *ar);
    float *xh = malloc(N * DR * sizeof *xh);
    gaussian(m, DT * DR, 1.0f, 18);
    gaussian(b, DR, 3.0f, 19);
    gaussian(x, N * DT, 1.0f, 20);
    gaussian(at, K * DT, 1.0f, 21);
    test_affine(x, N, DT, m, DR, 1.0f, b, y);
    test_affine(at, K, DT, m, DR, 1.0f, b, ar);
    anchor_equalizer_config cfg;
    anchor_equalizer_config_default(&cfg);
    cfg.type = ANCHOR_EQ_RIDGE;
    cfg.ridge_lambda = 1e-6;
    anchor_equalizer *e = anchor_equalizer_create(&cfg, at, ar, K, DT, DR, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(e);
    CU_ASSERT_EQUAL(anchor_equalizer_handshake_symbols(e), K * DT);
    CU_ASSERT_EQUAL(anchor_equalizer_execute(e, x, N, xh, NULL), BASE_OK);
    double w = worst_rel(xh, y, N, DR);
    if (w > 1e-3) fprintf(stderr, "  ridge: worst relative error %.3g\n", w);
    CU_ASSERT(w <= 1e-3);
    anchor_equalizer_destroy(e);

    /* the default lambda (1e-3 relative) shrinks slightly but stays close */
    cfg.ridge_lambda = 1e-3;
    e = anchor_equalizer_create(&cfg, at, ar, K, DT, DR, NULL);
    CU_ASSERT_EQUAL(anchor_equalizer_execute(e, x, N, xh, NULL), BASE_OK);
    w = worst_rel(xh, y, N, DR);
    CU_ASSERT(w > 1e-6 && w <= 0.02);
    anchor_equalizer_destroy(e);

    /* a huge lambda forgets the map: output -> the receiver's anchor mean */
    cfg.ridge_lambda = 1e9;
    e = anchor_equalizer_create(&cfg, at, ar, K, DT, DR, NULL);
    CU_ASSERT_EQUAL(anchor_equalizer_execute(e, x, 1, xh, NULL), BASE_OK);
    float mean[DR] = {0};
    for (size_t j = 0; j < K; j++)
        for (size_t c = 0; c < DR; c++) mean[c] += ar[j * DR + c] / K;
    TEST_ASSERT_CLOSE_F(xh, mean, DR, 1e-3);
    anchor_equalizer_destroy(e);
    free(x), free(y), free(at), free(ar), free(xh);
}

/* Nonlinear receiver space Y = tanh(X W): ridge is far better than none. */
static void test_nonlinear(void)
{
    enum { N = 400, D = 16, K = 128 };
    float w[D * D];
    float *x = malloc(N * D * sizeof *x), *y = malloc(N * D * sizeof *y);
    float *at = malloc(K * D * sizeof *at), *ar = malloc(K * D * sizeof *ar);
    float *xh = malloc(N * D * sizeof *xh);
    gaussian(w, D * D, 0.25f, 22);
    gaussian(x, N * D, 1.0f, 23);
    gaussian(at, K * D, 1.0f, 24);
    test_affine(x, N, D, w, D, 1.0f, NULL, y);
    test_affine(at, K, D, w, D, 1.0f, NULL, ar);
    for (size_t i = 0; i < N * D; i++) y[i] = tanhf(y[i]);
    for (size_t i = 0; i < K * D; i++) ar[i] = tanhf(ar[i]);
    double err[2];
    const anchor_eq_type types[2] = {ANCHOR_EQ_NONE, ANCHOR_EQ_RIDGE};
    for (int t = 0; t < 2; t++) {
        anchor_equalizer *e = make(types[t], ANCHOR_PSI_COSINE, at, ar, K, D, D);
        CU_ASSERT_PTR_NOT_NULL_FATAL(e);
        CU_ASSERT_EQUAL(anchor_equalizer_execute(e, x, N, xh, NULL), BASE_OK);
        double se = 0, sy = 0;
        for (size_t i = 0; i < N * D; i++) {
            se += ((double)xh[i] - y[i]) * ((double)xh[i] - y[i]);
            sy += (double)y[i] * y[i];
        }
        err[t] = sqrt(se / sy);
        anchor_equalizer_destroy(e);
    }
    fprintf(stderr, "  tanh space: relative error none %.3f, ridge %.3f\n", err[0], err[1]);
    CU_ASSERT(err[0] > 1.0);
    CU_ASSERT(err[1] < 0.4 && err[1] < err[0] / 4); /* tanh is not linear: ~0.29 here */
    free(x), free(y), free(at), free(ar), free(xh);
}

static void test_none(void)
{
    const float x[2 * 3] = {1, 2, 3, 4, 5, 6};
    float a3[3] = {1, 1, 1}, a2[2] = {1, 1}, a5[5] = {1, 1, 1, 1, 1};
    float y2[2 * 2], y5[2 * 5];
    anchor_equalizer *e = make(ANCHOR_EQ_NONE, ANCHOR_PSI_COSINE, a3, a2, 1, 3, 2);
    CU_ASSERT_PTR_NOT_NULL_FATAL(e);
    CU_ASSERT_EQUAL(anchor_equalizer_execute(e, x, 2, y2, NULL), BASE_OK);
    const float w2[4] = {1, 2, 4, 5};
    TEST_ASSERT_CLOSE_F(y2, w2, 4, 0);
    CU_ASSERT_EQUAL(anchor_equalizer_handshake_symbols(e), 0);
    CU_ASSERT_EQUAL(anchor_equalizer_symbols_per_frame(e), 3);
    CU_ASSERT_EQUAL(anchor_equalizer_type(e), ANCHOR_EQ_NONE);
    anchor_equalizer_destroy(e);
    e = make(ANCHOR_EQ_NONE, ANCHOR_PSI_COSINE, a3, a5, 1, 3, 5);
    CU_ASSERT_EQUAL(anchor_equalizer_execute(e, x, 2, y5, NULL), BASE_OK);
    const float w5[10] = {1, 2, 3, 0, 0, 4, 5, 6, 0, 0};
    TEST_ASSERT_CLOSE_F(y5, w5, 10, 0);
    anchor_equalizer_destroy(e);
}

/* End to end on a constructed pair of agents: 40 "phone" clusters in a 16-D
 * semantic space, transmitter latents tanh(Z Wa) (d 32), receiver latents
 * tanh(Z Wb) (d 48). Anchors are selected on the transmitter's candidates,
 * built by each agent from its own latents, the equalizer maps held-out frames
 * and the receiver classifies them by nearest class prototype of its own.
 * Checks the paper's claim that prototypes (kmeans) beat random anchors at
 * small K, and that the Tikhonov term of relative-inverse removes the collapse
 * of plain least squares at K = d_rx (measured here: accuracy 0.058 -> 0.900). */
enum { E2E_DZ = 16, E2E_DT = 32, E2E_DR = 48, E2E_C = 40, E2E_NC = 2000, E2E_NT = 600 };

typedef struct e2e {
    float *xc, *yc, *xt, *yt, *proto, *yh;
    int *lc, *lt;
} e2e;

static void e2e_map(const float *z, size_t n, const float *w, size_t dout, float *out)
{
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < dout; j++) {
            double a = 0;
            for (size_t c = 0; c < E2E_DZ; c++) a += (double)z[i * E2E_DZ + c] * w[c * dout + j];
            out[i * dout + j] = tanhf((float)a);
        }
}

static void e2e_make(e2e *w)
{
    base_rng r;
    base_rng_init(&r, 7, 0, base_rng_component("test.e2e"));
    float ctr[E2E_C * E2E_DZ], wa[E2E_DZ * E2E_DT], wb[E2E_DZ * E2E_DR];
    base_rng_normal_fill(&r, ctr, E2E_C * E2E_DZ, 1.0f);
    base_rng_normal_fill(&r, wa, E2E_DZ * E2E_DT, 0.35f);
    base_rng_normal_fill(&r, wb, E2E_DZ * E2E_DR, 0.35f);
    const size_t n[2] = {E2E_NC, E2E_NT};
    float *z = malloc(E2E_NC * E2E_DZ * sizeof *z);
    w->xc = malloc(E2E_NC * E2E_DT * sizeof *w->xc);
    w->yc = malloc(E2E_NC * E2E_DR * sizeof *w->yc);
    w->xt = malloc(E2E_NT * E2E_DT * sizeof *w->xt);
    w->yt = malloc(E2E_NT * E2E_DR * sizeof *w->yt);
    w->yh = malloc(E2E_NT * E2E_DR * sizeof *w->yh);
    w->proto = calloc(E2E_C * E2E_DR, sizeof *w->proto);
    w->lc = malloc(E2E_NC * sizeof *w->lc);
    w->lt = malloc(E2E_NT * sizeof *w->lt);
    for (int set = 0; set < 2; set++) {
        int *lab = set ? w->lt : w->lc;
        for (size_t i = 0; i < n[set]; i++) {
            lab[i] = (int)base_rng_below(&r, E2E_C);
            for (size_t k = 0; k < E2E_DZ; k++)
                z[i * E2E_DZ + k] = ctr[lab[i] * E2E_DZ + k] + 0.5f * (float)base_rng_normal(&r);
        }
        e2e_map(z, n[set], wa, E2E_DT, set ? w->xt : w->xc);
        e2e_map(z, n[set], wb, E2E_DR, set ? w->yt : w->yc);
    }
    int cnt[E2E_C] = {0};
    for (size_t i = 0; i < E2E_NC; i++) {
        cnt[w->lc[i]]++;
        for (size_t k = 0; k < E2E_DR; k++)
            w->proto[w->lc[i] * E2E_DR + k] += w->yc[i * E2E_DR + k];
    }
    for (size_t c = 0; c < E2E_C; c++)
        for (size_t k = 0; k < E2E_DR; k++)
            w->proto[c * E2E_DR + k] /= (float)(cnt[c] ? cnt[c] : 1);
    free(z);
}

static void e2e_free(e2e *w)
{
    free(w->xc), free(w->yc), free(w->xt), free(w->yt), free(w->proto), free(w->yh);
    free(w->lc), free(w->lt);
}

/* Receiver's nearest-prototype accuracy on x_rx_hat (the "task"). */
static double e2e_accuracy(const e2e *w, const float *y)
{
    size_t ok = 0;
    for (size_t i = 0; i < E2E_NT; i++) {
        size_t best = 0;
        double bd = INFINITY;
        for (size_t c = 0; c < E2E_C; c++) {
            double d = 0;
            for (size_t k = 0; k < E2E_DR; k++) {
                double t = (double)y[i * E2E_DR + k] - w->proto[c * E2E_DR + k];
                d += t * t;
            }
            if (d < bd) bd = d, best = c;
        }
        ok += (int)best == w->lt[i];
    }
    return (double)ok / E2E_NT;
}

static double e2e_run(e2e *w, anchor_selection sel, size_t k, anchor_eq_type type, double lambda,
                      anchor_metrics *m)
{
    anchor_select_config sc;
    anchor_select_config_default(&sc);
    sc.method = sel;
    sc.k = k;
    sc.num_classes = E2E_C;
    base_rng r;
    base_rng_init(&r, 3, 0, base_rng_component("anchors.select"));
    anchor_set *s = anchor_set_select(&sc, w->xc, E2E_NC, E2E_DT, w->lc, &r, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    float *at = malloc(k * E2E_DT * sizeof *at), *ar = malloc(k * E2E_DR * sizeof *ar);
    CU_ASSERT_EQUAL(anchor_set_build(s, w->xc, E2E_NC, E2E_DT, w->lc, at, NULL), BASE_OK);
    CU_ASSERT_EQUAL(anchor_set_build(s, w->yc, E2E_NC, E2E_DR, w->lc, ar, NULL), BASE_OK);
    anchor_equalizer_config ec;
    anchor_equalizer_config_default(&ec);
    ec.type = type;
    ec.relinv_lambda = lambda;
    ec.rx_norm = anchor_mean_norm(w->yc, E2E_NC, E2E_DR);
    anchor_equalizer *q = anchor_equalizer_create(&ec, at, ar, k, E2E_DT, E2E_DR, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(q);
    CU_ASSERT_EQUAL(anchor_equalizer_execute(q, w->xt, E2E_NT, w->yh, NULL), BASE_OK);
    double acc = e2e_accuracy(w, w->yh);
    if (m)
        CU_ASSERT_EQUAL(anchor_metrics_compute(w->yh, E2E_DR, w->yt, E2E_DR, E2E_NT, 10, m, NULL),
                        BASE_OK);
    anchor_equalizer_destroy(q);
    anchor_set_destroy(s);
    free(at), free(ar);
    return acc;
}

static void test_end_to_end(void)
{
    e2e w;
    e2e_make(&w);
    double oracle = e2e_accuracy(&w, w.yt);
    anchor_metrics mn, mk;
    double none = e2e_run(&w, ANCHOR_SEL_RANDOM, 16, ANCHOR_EQ_NONE, 0, &mn);
    double rnd = e2e_run(&w, ANCHOR_SEL_RANDOM, 8, ANCHOR_EQ_RIDGE, 0, NULL);
    double km = e2e_run(&w, ANCHOR_SEL_KMEANS, 8, ANCHOR_EQ_RIDGE, 0, NULL);
    double ri_rnd = e2e_run(&w, ANCHOR_SEL_RANDOM, 16, ANCHOR_EQ_RELATIVE_INVERSE, 0.1, NULL);
    double ri_km = e2e_run(&w, ANCHOR_SEL_KMEANS, 16, ANCHOR_EQ_RELATIVE_INVERSE, 0.1, NULL);
    double plain = e2e_run(&w, ANCHOR_SEL_KMEANS, E2E_DR, ANCHOR_EQ_RELATIVE_INVERSE, 0, NULL);
    double tik = e2e_run(&w, ANCHOR_SEL_KMEANS, E2E_DR, ANCHOR_EQ_RELATIVE_INVERSE, 0.1, &mk);
    double cls = e2e_run(&w, ANCHOR_SEL_CLASS, E2E_C, ANCHOR_EQ_PROCRUSTES, 0, NULL);
    fprintf(stderr,
            "  accuracy: oracle %.3f none %.3f | K=8 ridge random %.3f kmeans %.3f | "
            "K=16 rel-inv random %.3f kmeans %.3f | K=48 rel-inv lambda 0 %.3f, 0.1 %.3f | class "
            "procrustes %.3f\n",
            oracle, none, rnd, km, ri_rnd, ri_km, plain, tik, cls);
    fprintf(stderr,
            "  none: cos %.3f mrr %.3f foscttm %.3f; rel-inv K=48: cos %.3f mrr %.3f "
            "foscttm %.3f\n",
            mn.cosine, mn.mrr, mn.foscttm, mk.cosine, mk.mrr, mk.foscttm);
    CU_ASSERT(oracle > 0.95);
    CU_ASSERT(none < 0.1); /* the mismatch is real: chance is 1/40 */
    TEST_ASSERT_NEAR(mn.foscttm, 0.5, 0.15);
    CU_ASSERT(km > rnd + 0.1);        /* prototypes beat random at small K */
    CU_ASSERT(ri_km > ri_rnd + 0.03); /* measured 0.775 vs 0.713 */
    CU_ASSERT(tik > plain + 0.15);    /* the Tikhonov term at K = d_rx */
    CU_ASSERT(tik > 0.85);
    CU_ASSERT(mk.foscttm < 0.05);
    CU_ASSERT(cls > 0.85);
    e2e_free(&w);
}

static void test_bad_input(void)
{
    enum { K = 20, D = 4 };
    float a[K * D], x[3 * D], y[3 * D], s[3 * K];
    gaussian(a, K * D, 1.0f, 30);
    gaussian(x, 3 * D, 1.0f, 31);
    anchor_equalizer_config cfg;
    anchor_equalizer_config_default(&cfg);
    base_err e = BASE_ERR_INIT;
    for (int t = 0; t < 5; t++) {
        if (t == ANCHOR_EQ_RELATIVE) continue;
        cfg.type = (anchor_eq_type)t;
        base_err_clear(&e);
        CU_ASSERT_PTR_NULL(anchor_equalizer_create(&cfg, a, a, 0, D, D, &e));
        CU_ASSERT_EQUAL(e.code, BASE_EINVAL);
        CU_ASSERT_PTR_NULL(anchor_equalizer_create(&cfg, a, a, K, 0, D, &e));
        CU_ASSERT_PTR_NULL(anchor_equalizer_create(&cfg, a, NULL, K, D, D, &e));
        float bad[K * D];
        memcpy(bad, a, sizeof bad);
        bad[11] = NAN;
        base_err_clear(&e);
        CU_ASSERT_PTR_NULL(anchor_equalizer_create(&cfg, a, bad, K, D, D, &e));
        CU_ASSERT_EQUAL(e.code, BASE_EINVAL);
        anchor_equalizer *q = anchor_equalizer_create(&cfg, a, a, K, D, D, &e);
        CU_ASSERT_PTR_NOT_NULL_FATAL(q);
        float xb[3 * D];
        memcpy(xb, x, sizeof xb);
        xb[5] = NAN;
        CU_ASSERT_EQUAL(anchor_equalizer_execute(q, xb, 3, y, &e), BASE_EINVAL);
        CU_ASSERT_EQUAL(anchor_equalizer_encode(q, xb, 3, s, &e), BASE_EINVAL);
        CU_ASSERT_EQUAL(anchor_equalizer_encode(q, x, 3, s, &e), BASE_OK);
        s[1] = INFINITY; /* a corrupted received symbol */
        base_err_clear(&e);
        CU_ASSERT_EQUAL(anchor_equalizer_decode(q, s, 3, y, &e), BASE_EINVAL);
        CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "not finite"));
        CU_ASSERT_EQUAL(anchor_equalizer_execute(q, x, 0, NULL, NULL), BASE_OK);
        CU_ASSERT_EQUAL(anchor_equalizer_execute(q, NULL, 3, y, NULL), BASE_EINVAL);
        anchor_equalizer_destroy(q);
    }
    cfg.type = ANCHOR_EQ_RELATIVE; /* without a trained head (tests/anchors/test_relhead.c) */
    CU_ASSERT_PTR_NULL(anchor_equalizer_create(&cfg, a, a, K, D, D, &e));
    CU_ASSERT_EQUAL(e.code, BASE_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "head"));
    cfg.type = ANCHOR_EQ_RIDGE;
    cfg.ridge_lambda = -1;
    CU_ASSERT_PTR_NULL(anchor_equalizer_create(&cfg, a, a, K, D, D, &e));
    CU_ASSERT_EQUAL(e.code, BASE_EINVAL);
    cfg.ridge_lambda = NAN;
    CU_ASSERT_PTR_NULL(anchor_equalizer_create(&cfg, a, a, K, D, D, &e));
    cfg.ridge_lambda = 1e-3;
    cfg.type = ANCHOR_EQ_RELATIVE_INVERSE;
    cfg.relinv_lambda = -0.5;
    CU_ASSERT_PTR_NULL(anchor_equalizer_create(&cfg, a, a, K, D, D, &e));
    CU_ASSERT_EQUAL(e.code, BASE_EINVAL);
    cfg.relinv_lambda = 0.1;
    float za[K * D];
    memcpy(za, a, sizeof za);
    memset(za + D, 0, D * sizeof *za); /* zero receiver anchor with cosine */
    CU_ASSERT_PTR_NULL(anchor_equalizer_create(&cfg, a, za, K, D, D, &e));
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "zero"));
    CU_ASSERT_PTR_NULL(anchor_equalizer_create(NULL, a, a, K, D, D, &e));
    anchor_equalizer_destroy(NULL);
}

int main(void)
{
    static const test_case cases[] = {
        {"type names", test_names},
        {"relative-inverse, cosine-centered: a translated space", test_relinv_centered_translated},
        {"relative-inverse cosine, same space", test_relinv_cosine_same_space},
        {"relative-inverse, rotated+scaled space", test_relinv_rotated},
        {"relative-inverse euclidean exact", test_relinv_euclidean_exact},
        {"relative-inverse inner, blocks", test_relinv_inner_blocks},
        {"procrustes recovers a rotation", test_procrustes_rotation},
        {"procrustes across widths", test_procrustes_padding},
        {"procrustes with K <= D", test_procrustes_rank_deficient},
        {"ridge recovers a linear map", test_ridge_linear},
        {"nonlinear space: ridge vs none", test_nonlinear},
        {"none truncates and pads", test_none},
        {"end to end on constructed agents", test_end_to_end},
        {"bad input", test_bad_input},
        {NULL, NULL},
    };
    return test_main("anchors/equalizer", cases);
}
