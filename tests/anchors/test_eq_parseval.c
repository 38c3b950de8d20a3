/* test_eq_parseval.c -- the Parseval-frame equalizer (anchors/eq_parseval):
 * the frame is Parseval (F^T F = I on the span), the map recovers a planted
 * rotation with scale exactly when the anchors span, the whitening makes the
 * anchors' own symbols unit-covariance, the same anchors give the same map,
 * the handshake count, the equalizer table's row, bad inputs. */
#include "anchors/eq_parseval.h"
#include "anchors/equalizer.h"
#include "tests/fixtures.h"
#include "tests/testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { K = 48, D = 12, N = 40 };

static void gaussian(float *x, size_t n, float sigma, uint64_t seed)
{
    test_gaussian(x, n, sigma, seed, "test.eq_parseval");
}

/* x_rx = 2.5 x_tx R with R orthogonal: exact on any x (the anchors span). */
static void test_rotation_scale(void)
{
    float *at = malloc(K * D * sizeof *at), *ar = malloc(K * D * sizeof *ar);
    float *x = malloc(N * D * sizeof *x), *want = malloc(N * D * sizeof *want);
    float *y = malloc(N * K * sizeof *y), *got = malloc(N * D * sizeof *got);
    float r[D * D];
    gaussian(at, K * D, 1.0f, 1);
    gaussian(x, N * D, 1.5f, 2);
    test_orthogonal(r, D, 3);
    test_affine(at, K, D, r, D, 2.5f, NULL, ar);
    test_affine(x, N, D, r, D, 2.5f, NULL, want);
    base_err e = BASE_ERR_INIT;
    anchor_eq_parseval *p = anchor_eq_parseval_create(at, ar, K, D, D, 0.1, &e);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    CU_ASSERT_EQUAL(anchor_eq_parseval_rank(p), D);
    CU_ASSERT_EQUAL(anchor_eq_parseval_handshake(p), K + K * (K + 1) / 2);
    anchor_eq_parseval_encode(p, x, N, y);
    anchor_eq_parseval_decode(p, y, N, got);
    TEST_ASSERT_CLOSE_F(got, want, N * D, 2e-3 * 2.5 * 1.5 * 4);
    /* a generic linear map is not recovered exactly (the test can fail) */
    float m[D * D], wrong[N * D];
    gaussian(m, D * D, 0.3f, 4);
    test_affine(at, K, D, m, D, 1.0f, NULL, ar);
    test_affine(x, N, D, m, D, 1.0f, NULL, wrong);
    anchor_eq_parseval *q = anchor_eq_parseval_create(at, ar, K, D, D, 0.1, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(q);
    anchor_eq_parseval_encode(q, x, N, y);
    anchor_eq_parseval_decode(q, y, N, got);
    double err = 0, ref = 0;
    for (size_t i = 0; i < N * D; i++) {
        err += (got[i] - wrong[i]) * (got[i] - wrong[i]);
        ref += wrong[i] * wrong[i];
    }
    fprintf(stderr, "  generic linear map: relative error %.3f (a rotation: exact)\n",
            sqrt(err / ref));
    CU_ASSERT(sqrt(err / ref) > 0.05);
    anchor_eq_parseval_destroy(p);
    anchor_eq_parseval_destroy(q);
    free(at), free(ar), free(x), free(want), free(y), free(got);
}

/* Symbols of the anchors themselves: zero mean, covariance near I (lambda = 0
 * up to the ridge on the null direction); the same anchors give the same
 * symbols bit for bit. */
static void test_whitening_deterministic(void)
{
    enum { KS = 8, DS = 16 }; /* K < d: full-rank covariance over K-1 directions */
    float at[KS * DS], ar[KS * DS], y[KS * KS], y2[KS * KS];
    gaussian(at, KS * DS, 1.0f, 5);
    gaussian(ar, KS * DS, 1.0f, 6);
    anchor_eq_parseval *p = anchor_eq_parseval_create(at, ar, KS, DS, DS, 0.0, NULL);
    anchor_eq_parseval *p2 = anchor_eq_parseval_create(at, ar, KS, DS, DS, 0.0, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p2);
    CU_ASSERT_EQUAL(anchor_eq_parseval_rank(p), KS);
    anchor_eq_parseval_encode(p, at, KS, y);
    anchor_eq_parseval_encode(p2, at, KS, y2);
    CU_ASSERT_EQUAL(memcmp(y, y2, sizeof y), 0);
    double mean_abs = 0, diag = 0;
    for (size_t j = 0; j < KS; j++) {
        double s = 0, ss = 0;
        for (size_t i = 0; i < KS; i++)
            s += y[i * KS + j], ss += (double)y[i * KS + j] * y[i * KS + j];
        mean_abs += fabs(s / KS);
        diag += ss / KS;
    }
    TEST_ASSERT_NEAR(mean_abs / KS, 0, 1e-3);
    /* rank K-1 over K centred points: trace of the whitened covariance K-1 */
    TEST_ASSERT_NEAR(diag, KS - 1, 1e-2);
    anchor_eq_parseval_destroy(p);
    anchor_eq_parseval_destroy(p2);
}

/* The table row: parseval through anchor_equalizer_*, K symbols per frame. */
static void test_table_row(void)
{
    float at[K * D], ar[K * D], x[3 * D], s[3 * K], out[3 * D], direct[3 * D], yd[3 * K];
    gaussian(at, K * D, 1.0f, 7);
    gaussian(ar, K * D, 1.0f, 8);
    gaussian(x, 3 * D, 1.0f, 9);
    const anchor_eq_info *row = anchor_equalizer_find("parseval", NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(row);
    CU_ASSERT(row->uses_anchors && !row->needs_head && row->maps_to_rx);
    CU_ASSERT_EQUAL(row->symbols, ANCHOR_EQ_SYM_FRAME);
    anchor_equalizer_config cfg;
    anchor_equalizer_config_default(&cfg);
    CU_ASSERT_EQUAL(anchor_eq_type_parse("parseval", &cfg.type, NULL), BASE_OK);
    anchor_equalizer *q = anchor_equalizer_create(&cfg, at, ar, K, D, D, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(q);
    CU_ASSERT_EQUAL(anchor_equalizer_symbols_per_frame(q), K);
    CU_ASSERT_EQUAL(anchor_equalizer_handshake_symbols(q), K + K * (K + 1) / 2);
    CU_ASSERT_EQUAL(anchor_equalizer_encode(q, x, 3, s, NULL), BASE_OK);
    CU_ASSERT_EQUAL(anchor_equalizer_execute(q, x, 3, out, NULL), BASE_OK);
    anchor_eq_parseval *p = anchor_eq_parseval_create(at, ar, K, D, D, 0.1, NULL);
    anchor_eq_parseval_encode(p, x, 3, yd);
    anchor_eq_parseval_decode(p, yd, 3, direct);
    CU_ASSERT_EQUAL(memcmp(s, yd, sizeof yd), 0);
    TEST_ASSERT_CLOSE_F(out, direct, 3 * D, 0);
    anchor_eq_parseval_destroy(p);
    anchor_equalizer_destroy(q);
}

static void test_bad_input(void)
{
    float a[K * D], z[K * D];
    gaussian(a, K * D, 1.0f, 10);
    memset(z, 0, sizeof z);
    base_err e = BASE_ERR_INIT;
    CU_ASSERT_PTR_NULL(anchor_eq_parseval_create(NULL, a, K, D, D, 0.1, &e));
    CU_ASSERT_EQUAL(e.code, BASE_EINVAL);
    CU_ASSERT_PTR_NULL(anchor_eq_parseval_create(a, a, 0, D, D, 0.1, &e));
    CU_ASSERT_PTR_NULL(anchor_eq_parseval_create(a, a, K, D, D, -1, &e));
    CU_ASSERT_PTR_NULL(anchor_eq_parseval_create(a, a, K, D, D, NAN, &e));
    base_err_clear(&e);
    CU_ASSERT_PTR_NULL(anchor_eq_parseval_create(a, z, K, D, D, 0.1, &e));
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "zeros"));
    anchor_eq_parseval_destroy(NULL);
}

int main(void)
{
    static const test_case cases[] = {
        {"a rotation with scale is recovered", test_rotation_scale},
        {"whitening, determinism", test_whitening_deterministic},
        {"the equalizer table's row", test_table_row},
        {"bad input", test_bad_input},
        {NULL, NULL},
    };
    return test_main("anchors/eq_parseval", cases);
}
