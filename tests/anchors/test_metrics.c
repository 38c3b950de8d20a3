/* test_metrics.c -- alignment metrics (anchors/metrics): identical spaces are
 * perfect, independent random spaces sit at chance, CKA and Jaccard see through
 * an orthogonal transform and scaling, hand-computed ranks, spaces of different
 * widths (NaN across, compared in the relative space), and bad inputs. */
#include "anchors/metrics.h"
#include "anchors/relative.h"
#include "tests/fixtures.h"
#include "tests/testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void gaussian(float *x, size_t n, uint64_t seed)
{
    test_gaussian(x, n, 1.0f, seed, "test.metrics");
}

static void test_identical(void)
{
    enum { N = 300, D = 20 };
    float *x = malloc(N * D * sizeof *x);
    gaussian(x, N * D, 1);
    anchor_metrics m;
    base_err e = BASE_ERR_INIT;
    CU_ASSERT_EQUAL_FATAL(anchor_metrics_compute(x, D, x, D, N, ANCHOR_JACCARD_K, &m, &e), BASE_OK);
    TEST_ASSERT_NEAR(m.cosine, 1.0, 1e-6);
    TEST_ASSERT_NEAR(m.cka, 1.0, 1e-9);
    TEST_ASSERT_NEAR(m.jaccard, 1.0, 0.0);
    TEST_ASSERT_NEAR(m.mrr, 1.0, 0.0);
    TEST_ASSERT_NEAR(m.foscttm, 0.0, 0.0);
    free(x);
}

/* Independent spaces: FOSCTTM ~ 0.5, MRR ~ H_N/N, CKA ~ small, Jaccard ~ k/N. */
static void test_chance(void)
{
    enum { N = 1000, D = 32 };
    float *x = malloc(N * D * sizeof *x), *y = malloc(N * 48 * sizeof *y);
    float *y32 = malloc(N * D * sizeof *y32);
    gaussian(x, N * D, 2);
    gaussian(y, N * 48, 3);
    gaussian(y32, N * D, 4);
    anchor_metrics m;
    CU_ASSERT_EQUAL_FATAL(anchor_metrics_compute(x, D, y32, D, N, 10, &m, NULL), BASE_OK);
    fprintf(stderr, "  chance: cos %.4f cka %.4f jaccard %.4f mrr %.4f foscttm %.4f\n", m.cosine,
            m.cka, m.jaccard, m.mrr, m.foscttm);
    /* FOSCTTM is a mean of 2N ~uniform fractions: sd ~ 0.29/sqrt(2000) = 0.0065 */
    TEST_ASSERT_NEAR(m.foscttm, 0.5, 0.03);
    CU_ASSERT(m.mrr < 0.02); /* H_1000/1000 = 0.0075 */
    CU_ASSERT(m.cka < 0.1);
    CU_ASSERT(m.jaccard < 0.03); /* ~ k/(2N) */
    TEST_ASSERT_NEAR(m.cosine, 0.0, 0.02);
    /* different widths: CKA and Jaccard still at chance */
    CU_ASSERT_EQUAL(anchor_metrics_compute(x, D, y, 48, N, 10, &m, NULL), BASE_OK);
    CU_ASSERT(m.cka < 0.1);
    CU_ASSERT(m.jaccard < 0.03);
    free(x), free(y), free(y32);
}

/* V = s U Q: CKA and Jaccard are invariant; cross-space cosine, MRR are not. */
static void test_transform(void)
{
    enum { N = 400, D = 16 };
    float *x = malloc(N * D * sizeof *x), *y = malloc(N * D * sizeof *y), q[D * D];
    gaussian(x, N * D, 5);
    test_orthogonal(q, D, 6);
    test_affine(x, N, D, q, D, 4.0f, NULL, y);
    anchor_metrics m;
    CU_ASSERT_EQUAL_FATAL(anchor_metrics_compute(x, D, y, D, N, 10, &m, NULL), BASE_OK);
    TEST_ASSERT_NEAR(m.cka, 1.0, 1e-6);
    TEST_ASSERT_NEAR(m.jaccard, 1.0, 1e-9);
    CU_ASSERT(m.cosine < 0.5);
    CU_ASSERT(m.mrr < 0.5);
    /* anisotropic scaling breaks CKA = 1 */
    for (size_t i = 0; i < N; i++) y[i * D] = x[i * D] * 10;
    for (size_t i = 0; i < N; i++)
        for (size_t c = 1; c < D; c++) y[i * D + c] = x[i * D + c];
    double cka;
    CU_ASSERT_EQUAL(anchor_metric_cka(x, D, y, D, N, &cka, NULL), BASE_OK);
    CU_ASSERT(cka < 0.9);
    free(x), free(y);
}

/* U = (e1, e2, e3), V = (e1, e3, e2): S = [[1,0,0],[0,0,1],[0,1,0]].
 * u_0: rank 1. u_1: S_12 = 1 above, S_10 = 0 tied -> rank 2.5; u_2 likewise; the
 * columns (v queries) are symmetric. MRR = (1 + 0.4 + 0.4)/3 = 0.6,
 * FOSCTTM = (0 + 1.5 + 1.5)/(3 * 2) = 0.5. Mean cosine = 1/3. */
static void test_hand_ranks(void)
{
    const float u[9] = {1, 0, 0, 0, 1, 0, 0, 0, 1};
    const float v[9] = {1, 0, 0, 0, 0, 1, 0, 1, 0};
    double mrr, fo, cs;
    CU_ASSERT_EQUAL(anchor_metric_matching(u, 3, v, 3, 3, &mrr, &fo, NULL), BASE_OK);
    TEST_ASSERT_NEAR(mrr, 0.6, 1e-12);
    TEST_ASSERT_NEAR(fo, 0.5, 1e-12);
    CU_ASSERT_EQUAL(anchor_metric_cosine(u, 3, v, 3, 3, &cs, NULL), BASE_OK);
    TEST_ASSERT_NEAR(cs, 1.0 / 3, 1e-12);
}

/* Jaccard@1 by hand: points on a line, V swaps which neighbour is nearest for
 * one point. U angles 0, 10, 30, 60 degrees (2-D unit vectors): nearest of each
 * = 1, 0, 1, 2. V angles 0, 25, 30, 60: nearest = 1, 2, 1, 2.
 * Per point: {1}v{1}=1, {0}v{2}=0, {1}v{1}=1, {2}v{2}=1 -> 0.75. */
static void test_hand_jaccard(void)
{
    const double pi = 3.14159265358979323846;
    const double au[4] = {0, 10, 30, 60}, av[4] = {0, 25, 30, 60};
    float u[8], v[8];
    for (int i = 0; i < 4; i++) {
        u[2 * i] = (float)cos(au[i] * pi / 180), u[2 * i + 1] = (float)sin(au[i] * pi / 180);
        v[2 * i] = (float)cos(av[i] * pi / 180), v[2 * i + 1] = (float)sin(av[i] * pi / 180);
    }
    double j;
    CU_ASSERT_EQUAL(anchor_metric_jaccard(u, 2, v, 2, 4, 1, &j, NULL), BASE_OK);
    TEST_ASSERT_NEAR(j, 0.75, 1e-12);
    /* k = N-1: every neighbourhood is everything else */
    CU_ASSERT_EQUAL(anchor_metric_jaccard(u, 2, v, 2, 4, 3, &j, NULL), BASE_OK);
    TEST_ASSERT_NEAR(j, 1.0, 0.0);
}

/* CKA against the definition with explicit centring, small sizes, d1 != d2. */
static void test_cka_reference(void)
{
    enum { N = 30, D1 = 5, D2 = 3 };
    float x[N * D1], y[N * D2];
    gaussian(x, N * D1, 7);
    gaussian(y, N * D2, 8);
    for (size_t i = 0; i < N; i++) y[i * D2] += x[i * D1] + 3; /* some shared structure */
    double xc[N * D1], yc[N * D2];
    for (size_t c = 0; c < D1; c++) {
        double m = 0;
        for (size_t i = 0; i < N; i++) m += x[i * D1 + c];
        for (size_t i = 0; i < N; i++) xc[i * D1 + c] = x[i * D1 + c] - m / N;
    }
    for (size_t c = 0; c < D2; c++) {
        double m = 0;
        for (size_t i = 0; i < N; i++) m += y[i * D2 + c];
        for (size_t i = 0; i < N; i++) yc[i * D2 + c] = y[i * D2 + c] - m / N;
    }
    double fxy = 0, fxx = 0, fyy = 0;
    for (size_t a = 0; a < D2; a++)
        for (size_t b = 0; b < D1; b++) {
            double s = 0;
            for (size_t i = 0; i < N; i++) s += yc[i * D2 + a] * xc[i * D1 + b];
            fxy += s * s;
        }
    for (size_t a = 0; a < D1; a++)
        for (size_t b = 0; b < D1; b++) {
            double s = 0;
            for (size_t i = 0; i < N; i++) s += xc[i * D1 + a] * xc[i * D1 + b];
            fxx += s * s;
        }
    for (size_t a = 0; a < D2; a++)
        for (size_t b = 0; b < D2; b++) {
            double s = 0;
            for (size_t i = 0; i < N; i++) s += yc[i * D2 + a] * yc[i * D2 + b];
            fyy += s * s;
        }
    double want = fxy / sqrt(fxx * fyy), got;
    CU_ASSERT_EQUAL(anchor_metric_cka(x, D1, y, D2, N, &got, NULL), BASE_OK);
    TEST_ASSERT_NEAR(got, want, 1e-9);
    CU_ASSERT(got > 0.1 && got < 1);
}

/* d1 != d2: cosine, MRR, FOSCTTM are NaN; comparing both agents' relative
 * representations (same anchors seen by each space) makes them perfect for an
 * isometric embedding 12 -> 20. */
static void test_different_widths(void)
{
    enum { N = 200, D1 = 12, D2 = 20, K = 24 };
    float q[D2 * D2], m[D1 * D2];
    float *x = malloc(N * D1 * sizeof *x), *y = malloc(N * D2 * sizeof *y);
    float *ax = malloc(K * D1 * sizeof *ax), *ay = malloc(K * D2 * sizeof *ay);
    float *rx = malloc(N * K * sizeof *rx), *ry = malloc(N * K * sizeof *ry);
    test_orthogonal(q, D2, 9);
    memcpy(m, q, sizeof m); /* first D1 rows: orthonormal */
    gaussian(x, N * D1, 10);
    gaussian(ax, K * D1, 11);
    test_affine(x, N, D1, m, D2, 2.0f, NULL, y);
    test_affine(ax, K, D1, m, D2, 2.0f, NULL, ay);
    anchor_metrics mt;
    CU_ASSERT_EQUAL_FATAL(anchor_metrics_compute(x, D1, y, D2, N, 10, &mt, NULL), BASE_OK);
    CU_ASSERT(isnan(mt.cosine));
    CU_ASSERT(isnan(mt.mrr));
    CU_ASSERT(isnan(mt.foscttm));
    TEST_ASSERT_NEAR(mt.cka, 1.0, 1e-6);
    TEST_ASSERT_NEAR(mt.jaccard, 1.0, 1e-9);
    anchor_relative *px = anchor_relative_create(ax, K, D1, ANCHOR_PSI_COSINE, NULL);
    anchor_relative *py = anchor_relative_create(ay, K, D2, ANCHOR_PSI_COSINE, NULL);
    CU_ASSERT_EQUAL(anchor_relative_execute(px, x, N, rx, NULL), BASE_OK);
    CU_ASSERT_EQUAL(anchor_relative_execute(py, y, N, ry, NULL), BASE_OK);
    CU_ASSERT_EQUAL(anchor_metrics_compute(rx, K, ry, K, N, 10, &mt, NULL), BASE_OK);
    TEST_ASSERT_NEAR(mt.cosine, 1.0, 1e-5);
    TEST_ASSERT_NEAR(mt.mrr, 1.0, 0.0);
    TEST_ASSERT_NEAR(mt.foscttm, 0.0, 0.0);
    anchor_relative_destroy(px), anchor_relative_destroy(py);
    free(x), free(y), free(ax), free(ay), free(rx), free(ry);
}

static void test_bad_input(void)
{
    float u[4 * 2] = {1, 0, 0, 1, 1, 1, -1, 0}, v[4 * 2];
    memcpy(v, u, sizeof v);
    anchor_metrics m;
    base_err e = BASE_ERR_INIT;
    double x, y;
    CU_ASSERT_EQUAL(anchor_metrics_compute(u, 2, v, 2, 1, 1, &m, &e), BASE_EINVAL); /* N < 2 */
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "N >= 2"));
    CU_ASSERT_EQUAL(anchor_metrics_compute(u, 0, v, 2, 4, 1, &m, &e), BASE_EINVAL);
    CU_ASSERT_EQUAL(anchor_metrics_compute(NULL, 2, v, 2, 4, 1, &m, &e), BASE_EINVAL);
    CU_ASSERT_EQUAL(anchor_metrics_compute(u, 2, v, 2, 4, 0, &m, &e), BASE_EINVAL); /* k = 0 */
    CU_ASSERT_EQUAL(anchor_metrics_compute(u, 2, v, 2, 4, 4, &m, &e), BASE_EINVAL); /* k > N-1 */
    CU_ASSERT_EQUAL(anchor_metrics_compute(u, 2, v, 2, 4, 1, NULL, &e), BASE_EINVAL);
    v[3] = NAN;
    base_err_clear(&e);
    CU_ASSERT_EQUAL(anchor_metric_cka(u, 2, v, 2, 4, &x, &e), BASE_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "V row 1"));
    CU_ASSERT_EQUAL(anchor_metric_matching(u, 2, v, 2, 4, &x, &y, NULL), BASE_EINVAL);
    CU_ASSERT_EQUAL(anchor_metric_cosine(u, 2, v, 2, 4, &x, NULL), BASE_EINVAL);
    CU_ASSERT_EQUAL(anchor_metric_jaccard(u, 2, v, 2, 4, 1, &x, NULL), BASE_EINVAL);
    /* zero vectors are not errors: cosine 0 */
    float z[4 * 2] = {0};
    CU_ASSERT_EQUAL(anchor_metric_cosine(u, 2, z, 2, 4, &x, NULL), BASE_OK);
    TEST_ASSERT_NEAR(x, 0.0, 0.0);
    CU_ASSERT_EQUAL(anchor_metric_cka(u, 2, z, 2, 4, &x, NULL), BASE_OK);
    TEST_ASSERT_NEAR(x, 0.0, 0.0);
}

int main(void)
{
    static const test_case cases[] = {
        {"identical spaces are perfect", test_identical},
        {"independent spaces at chance", test_chance},
        {"orthogonal transform and scaling", test_transform},
        {"hand-computed ranks", test_hand_ranks},
        {"hand-computed Jaccard", test_hand_jaccard},
        {"CKA reference", test_cka_reference},
        {"different widths", test_different_widths},
        {"bad input", test_bad_input},
        {NULL, NULL},
    };
    return test_main("anchors/metrics", cases);
}
