/* test_relative.c -- relative projection (anchors/relative): reference values
 * against naive loops, invariance of cosine relative representations to an
 * orthogonal transform and a scaling of the latent space (Moschella et al. 2023),
 * the matching laws of euclidean and inner psi, and bad inputs. */
#include "anchors/relative.h"
#include "tests/fixtures.h"
#include "tests/testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void gaussian(float *x, size_t n, uint64_t seed)
{
    test_gaussian(x, n, 1.0f, seed, "test.relative");
}

static void naive(const float *x, size_t n, const float *a, size_t k, size_t d, anchor_psi psi,
                  float *r)
{
    double mu[64] = {0}; /* cosine-centered: the anchors' mean (d <= 64 here) */
    if (psi == ANCHOR_PSI_COSINE_CENTERED)
        for (size_t j = 0; j < k; j++)
            for (size_t c = 0; c < d; c++) mu[c] += a[j * d + c] / (double)k;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < k; j++) {
            double xa = 0, xx = 0, aa = 0, dd = 0;
            for (size_t c = 0; c < d; c++) {
                double u = x[i * d + c] - mu[c], v = a[j * d + c] - mu[c];
                xa += u * v, xx += u * u, aa += v * v, dd += (u - v) * (u - v);
            }
            r[i * k + j] = (float)(psi == ANCHOR_PSI_COSINE || psi == ANCHOR_PSI_COSINE_CENTERED
                                       ? xa / sqrt(xx * aa)
                                   : psi == ANCHOR_PSI_EUCLIDEAN ? sqrt(dd)
                                                                 : xa);
        }
}

static void test_psi_names(void)
{
    static const struct {
        const char *name;
        anchor_psi psi;
    } rows[] = {{"cosine", ANCHOR_PSI_COSINE},
                {"euclidean", ANCHOR_PSI_EUCLIDEAN},
                {"inner", ANCHOR_PSI_INNER},
                {"cosine-centered", ANCHOR_PSI_COSINE_CENTERED}};
    for (size_t i = 0; i < 4; i++) {
        anchor_psi p = (anchor_psi)99;
        CU_ASSERT_EQUAL(anchor_psi_parse(rows[i].name, &p, NULL), BASE_OK);
        CU_ASSERT_EQUAL(p, rows[i].psi);
        CU_ASSERT_STRING_EQUAL(anchor_psi_name(rows[i].psi), rows[i].name);
    }
    base_err e = BASE_ERR_INIT;
    anchor_psi p;
    CU_ASSERT_EQUAL(anchor_psi_parse("softmax", &p, &e), BASE_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "softmax"));
    CU_ASSERT_EQUAL(anchor_psi_parse(NULL, &p, NULL), BASE_EINVAL);
}

/* sgemm path vs double-precision loops, odd sizes, every psi */
static void test_reference(void)
{
    enum { N = 37, K = 13, D = 9 };
    float x[N * D], a[K * D], r[N * K], want[N * K];
    gaussian(x, N * D, 1);
    gaussian(a, K * D, 2);
    for (int p = 0; p < ANCHOR_PSI_COUNT; p++) {
        base_err e = BASE_ERR_INIT;
        anchor_relative *q = anchor_relative_create(a, K, D, (anchor_psi)p, &e);
        CU_ASSERT_PTR_NOT_NULL_FATAL(q);
        CU_ASSERT_EQUAL(anchor_relative_count(q), K);
        CU_ASSERT_EQUAL(anchor_relative_dim(q), D);
        CU_ASSERT_EQUAL(anchor_relative_psi(q), (anchor_psi)p);
        TEST_ASSERT_CLOSE_F(anchor_relative_anchors(q), a, K * D, 0.0);
        CU_ASSERT_EQUAL(anchor_relative_execute(q, x, N, r, &e), BASE_OK);
        naive(x, N, a, K, D, (anchor_psi)p, want);
        TEST_ASSERT_CLOSE_F(r, want, N * K, 2e-5 * (p == 1 || p == 2 ? 10 : 1));
        CU_ASSERT((anchor_relative_origin(q) != NULL) == (p == ANCHOR_PSI_COSINE_CENTERED));
        anchor_relative_destroy(q);
    }
}

/* x -> s x Q and a -> s a Q: cosine unchanged, euclidean * s, inner * s^2;
 * x -> s x Q + t, a -> s a Q + t: cosine-centered unchanged, plain cosine not. */
static void test_invariance(void)
{
    enum { N = 200, K = 48, D = 32 };
    static const float scales[] = {1.0f, 3.7f, 0.05f};
    float *x = malloc(N * D * sizeof *x), *a = malloc(K * D * sizeof *a);
    float *x2 = malloc(N * D * sizeof *x2), *a2 = malloc(K * D * sizeof *a2);
    float *q = malloc(D * D * sizeof *q), *r1 = malloc(N * K * sizeof *r1);
    float *r2 = malloc(N * K * sizeof *r2);
    gaussian(x, N * D, 3);
    gaussian(a, K * D, 4);
    test_orthogonal(q, D, 5);
    for (size_t si = 0; si < 3; si++) {
        float s = scales[si];
        test_affine(x, N, D, q, D, s, NULL, x2);
        test_affine(a, K, D, q, D, s, NULL, a2);
        for (int p = 0; p < ANCHOR_PSI_COUNT; p++) {
            anchor_relative *q1 = anchor_relative_create(a, K, D, (anchor_psi)p, NULL);
            anchor_relative *q2 = anchor_relative_create(a2, K, D, (anchor_psi)p, NULL);
            CU_ASSERT_PTR_NOT_NULL_FATAL(q1);
            CU_ASSERT_PTR_NOT_NULL_FATAL(q2);
            CU_ASSERT_EQUAL(anchor_relative_execute(q1, x, N, r1, NULL), BASE_OK);
            CU_ASSERT_EQUAL(anchor_relative_execute(q2, x2, N, r2, NULL), BASE_OK);
            /* bring r2 back to the scale of r1 */
            float back = p == ANCHOR_PSI_COSINE || p == ANCHOR_PSI_COSINE_CENTERED ? 1.0f
                         : p == ANCHOR_PSI_EUCLIDEAN                               ? 1 / s
                                                                                   : 1 / (s * s);
            double worst = 0, mag = 0;
            for (size_t i = 0; i < N * K; i++) {
                worst = fmax(worst, fabs(r2[i] * back - r1[i]));
                mag = fmax(mag, fabs(r1[i]));
            }
            if (worst > 1e-4 * mag)
                fprintf(stderr, "  psi %d scale %g: max diff %.3g (max |r| %.3g)\n", p, s, worst,
                        mag);
            CU_ASSERT(worst <= 1e-4 * mag);
            if (p == ANCHOR_PSI_COSINE) TEST_ASSERT_CLOSE_F(r2, r1, N * K, 2e-5);
            anchor_relative_destroy(q1);
            anchor_relative_destroy(q2);
        }
    }
    float t[D];
    gaussian(t, D, 6);
    for (size_t c = 0; c < D; c++) t[c] *= 3; /* a large offset, as an output bias gives */
    test_affine(x, N, D, q, D, 1.7f, t, x2);
    test_affine(a, K, D, q, D, 1.7f, t, a2);
    for (int p = ANCHOR_PSI_COSINE; p <= ANCHOR_PSI_COSINE_CENTERED;
         p += ANCHOR_PSI_COSINE_CENTERED) {
        anchor_relative *q1 = anchor_relative_create(a, K, D, (anchor_psi)p, NULL);
        anchor_relative *q2 = anchor_relative_create(a2, K, D, (anchor_psi)p, NULL);
        CU_ASSERT_PTR_NOT_NULL_FATAL(q1);
        CU_ASSERT_PTR_NOT_NULL_FATAL(q2);
        CU_ASSERT_EQUAL(anchor_relative_execute(q1, x, N, r1, NULL), BASE_OK);
        CU_ASSERT_EQUAL(anchor_relative_execute(q2, x2, N, r2, NULL), BASE_OK);
        double worst = 0;
        for (size_t i = 0; i < N * K; i++) worst = fmax(worst, fabs(r2[i] - r1[i]));
        CU_ASSERT(p == ANCHOR_PSI_COSINE_CENTERED ? worst < 1e-4 : worst > 0.1);
        anchor_relative_destroy(q1);
        anchor_relative_destroy(q2);
    }
    free(x), free(a), free(x2), free(a2), free(q), free(r1), free(r2);
}

/* A frame that is an anchor has cosine 1 and distance 0 to it; a zero frame has
 * cosine 0 to every anchor. */
static void test_special_frames(void)
{
    enum { K = 5, D = 4 };
    float a[K * D], x[2 * D], r[2 * K];
    gaussian(a, K * D, 6);
    memcpy(x, a + 2 * D, D * sizeof *x);
    memset(x + D, 0, D * sizeof *x);
    anchor_relative *q = anchor_relative_create(a, K, D, ANCHOR_PSI_COSINE, NULL);
    CU_ASSERT_EQUAL(anchor_relative_execute(q, x, 2, r, NULL), BASE_OK);
    TEST_ASSERT_NEAR(r[2], 1.0, 1e-6);
    for (int j = 0; j < K; j++) TEST_ASSERT_NEAR(r[K + j], 0.0, 0.0);
    anchor_relative_destroy(q);
    q = anchor_relative_create(a, K, D, ANCHOR_PSI_EUCLIDEAN, NULL);
    CU_ASSERT_EQUAL(anchor_relative_execute(q, x, 2, r, NULL), BASE_OK);
    TEST_ASSERT_NEAR(r[2], 0.0, 1e-3);
    CU_ASSERT(r[2] >= 0);
    CU_ASSERT_EQUAL(anchor_relative_execute(q, x, 0, NULL, NULL), BASE_OK); /* N = 0: no-op */
    anchor_relative_destroy(q);
    anchor_relative_destroy(NULL);
}

static void test_bad_input(void)
{
    enum { K = 4, D = 3 };
    float a[K * D], x[2 * D], r[2 * K];
    gaussian(a, K * D, 7);
    gaussian(x, 2 * D, 8);
    base_err e = BASE_ERR_INIT;
    CU_ASSERT_PTR_NULL(anchor_relative_create(a, 0, D, ANCHOR_PSI_COSINE, &e));
    CU_ASSERT_EQUAL(e.code, BASE_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "K"));
    CU_ASSERT_PTR_NULL(anchor_relative_create(a, K, 0, ANCHOR_PSI_COSINE, &e));
    CU_ASSERT_PTR_NULL(anchor_relative_create(NULL, K, D, ANCHOR_PSI_COSINE, &e));
    CU_ASSERT_PTR_NULL(anchor_relative_create(a, K, D, (anchor_psi)7, &e));
    float bad[K * D];
    memcpy(bad, a, sizeof bad);
    bad[5] = NAN;
    base_err_clear(&e);
    CU_ASSERT_PTR_NULL(anchor_relative_create(bad, K, D, ANCHOR_PSI_INNER, &e));
    CU_ASSERT_EQUAL(e.code, BASE_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "not finite"));
    memcpy(bad, a, sizeof bad);
    memset(bad + D, 0, D * sizeof *bad); /* zero anchor: fine for inner, not for cosine */
    CU_ASSERT_PTR_NULL(anchor_relative_create(bad, K, D, ANCHOR_PSI_COSINE, &e));
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "zero"));
    anchor_relative *q = anchor_relative_create(bad, K, D, ANCHOR_PSI_INNER, NULL);
    CU_ASSERT_PTR_NOT_NULL(q);
    anchor_relative_destroy(q);

    q = anchor_relative_create(a, K, D, ANCHOR_PSI_COSINE, NULL);
    x[4] = INFINITY;
    base_err_clear(&e);
    CU_ASSERT_EQUAL(anchor_relative_execute(q, x, 2, r, &e), BASE_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "frame 1"));
    x[4] = NAN;
    CU_ASSERT_EQUAL(anchor_relative_execute(q, x, 2, r, NULL), BASE_EINVAL);
    CU_ASSERT_EQUAL(anchor_relative_execute(q, NULL, 2, r, NULL), BASE_EINVAL);
    CU_ASSERT_EQUAL(anchor_relative_execute(NULL, x, 2, r, NULL), BASE_EINVAL);
    anchor_relative_destroy(q);
}

int main(void)
{
    static const test_case cases[] = {
        {"psi names", test_psi_names},
        {"reference values (all psi)", test_reference},
        {"orthogonal transform and scaling", test_invariance},
        {"anchor frame and zero frame", test_special_frames},
        {"bad input", test_bad_input},
        {NULL, NULL},
    };
    return test_main("anchors/relative", cases);
}
