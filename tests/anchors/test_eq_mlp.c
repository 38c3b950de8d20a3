/* test_eq_mlp.c -- the two-layer MLP equalizer (anchors/eq_mlp): it learns a
 * planted nonlinear map from anchor pairs and generalises to held-out frames
 * better than ridge; a seed gives the same weights bit for bit and another
 * seed different ones; the equalizer table's row; bad inputs. */
#include "anchors/eq_mlp.h"
#include "anchors/equalizer.h"
#include "tests/fixtures.h"
#include "tests/testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { K = 256, DT = 8, DR = 6, N = 200 };

static void gaussian(float *x, size_t n, float sigma, uint64_t seed)
{
    test_gaussian(x, n, sigma, seed, "test.eq_mlp");
}

/* y = 2 tanh(x M) + 1: a saturating map no linear one fits. */
static void planted(const float *x, size_t n, const float *m, float *y)
{
    test_affine(x, n, DT, m, DR, 1.0f, NULL, y);
    for (size_t i = 0; i < n * DR; i++) y[i] = 2.0f * tanhf(y[i]) + 1.0f;
}

static double rel_err(const float *a, const float *b, size_t n)
{
    double e = 0, r = 0, mu = 0;
    for (size_t i = 0; i < n; i++) mu += b[i] / (double)n;
    for (size_t i = 0; i < n; i++)
        e += (a[i] - b[i]) * (a[i] - b[i]), r += (b[i] - mu) * (b[i] - mu);
    return sqrt(e / r);
}

static void test_nonlinear_map(void)
{
    float *at = malloc(K * DT * sizeof *at), *ar = malloc(K * DR * sizeof *ar);
    float *x = malloc(N * DT * sizeof *x), *want = malloc(N * DR * sizeof *want);
    float *got = malloc(N * DR * sizeof *got), *lin = malloc(N * DR * sizeof *lin);
    float m[DT * DR];
    gaussian(at, K * DT, 1.0f, 1);
    gaussian(x, N * DT, 1.0f, 2);
    gaussian(m, DT * DR, 0.8f, 3);
    planted(at, K, m, ar);
    planted(x, N, m, want);
    anchor_equalizer_config cfg;
    anchor_equalizer_config_default(&cfg);
    cfg.type = ANCHOR_EQ_MLP;
    base_err e = BASE_ERR_INIT;
    anchor_equalizer *q = anchor_equalizer_create(&cfg, at, ar, K, DT, DR, &e);
    if (!q) fprintf(stderr, "  %s\n", e.msg);
    CU_ASSERT_PTR_NOT_NULL_FATAL(q);
    CU_ASSERT_EQUAL(anchor_equalizer_symbols_per_frame(q), DT);
    CU_ASSERT_EQUAL(anchor_equalizer_handshake_symbols(q), K * DT);
    CU_ASSERT_EQUAL(anchor_equalizer_execute(q, x, N, got, NULL), BASE_OK);
    cfg.type = ANCHOR_EQ_RIDGE;
    anchor_equalizer *r = anchor_equalizer_create(&cfg, at, ar, K, DT, DR, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    CU_ASSERT_EQUAL(anchor_equalizer_execute(r, x, N, lin, NULL), BASE_OK);
    double em = rel_err(got, want, N * DR), er = rel_err(lin, want, N * DR);
    fprintf(stderr, "  held-out relative error: mlp %.3f, ridge %.3f\n", em, er);
    CU_ASSERT(em < 0.15);     /* measured 0.077 */
    CU_ASSERT(em < 0.5 * er); /* ridge: 0.421 */
    anchor_equalizer_destroy(q);
    anchor_equalizer_destroy(r);
    free(at), free(ar), free(x), free(want), free(got), free(lin);
}

static void test_deterministic(void)
{
    enum { KS = 64 };
    float at[KS * DT], ar[KS * DR], x[10 * DT], y1[10 * DR], y2[10 * DR], y3[10 * DR], m[DT * DR];
    gaussian(at, KS * DT, 1.0f, 4);
    gaussian(x, 10 * DT, 1.0f, 5);
    gaussian(m, DT * DR, 0.8f, 6);
    planted(at, KS, m, ar);
    anchor_eq_mlp_config c;
    anchor_eq_mlp_config_default(&c);
    c.epochs = 50;
    c.hidden = 32;
    anchor_eq_mlp *a = anchor_eq_mlp_create(&c, at, ar, KS, DT, DR, NULL);
    anchor_eq_mlp *b = anchor_eq_mlp_create(&c, at, ar, KS, DT, DR, NULL);
    c.seed = 2;
    anchor_eq_mlp *d = anchor_eq_mlp_create(&c, at, ar, KS, DT, DR, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    anchor_eq_mlp_apply(a, x, 10, y1);
    anchor_eq_mlp_apply(b, x, 10, y2);
    anchor_eq_mlp_apply(d, x, 10, y3);
    CU_ASSERT_EQUAL(memcmp(y1, y2, sizeof y1), 0);
    CU_ASSERT_NOT_EQUAL(memcmp(y1, y3, sizeof y1), 0);
    CU_ASSERT(anchor_eq_mlp_train_loss(a) < 1.0); /* fits better than the mean */
    /* row by row equals the whole block (the apply's stack blocks) */
    for (size_t i = 0; i < 10; i++) {
        float one[DR];
        anchor_eq_mlp_apply(a, x + i * DT, 1, one);
        TEST_ASSERT_CLOSE_F(one, y1 + i * DR, DR, 1e-5);
    }
    anchor_eq_mlp_destroy(a);
    anchor_eq_mlp_destroy(b);
    anchor_eq_mlp_destroy(d);
}

static void test_bad_input(void)
{
    float a[4 * DT];
    gaussian(a, 4 * DT, 1.0f, 7);
    anchor_eq_mlp_config c;
    anchor_eq_mlp_config_default(&c);
    base_err e = BASE_ERR_INIT;
    CU_ASSERT_PTR_NULL(anchor_eq_mlp_create(NULL, a, a, 4, DT, DT, &e));
    CU_ASSERT_EQUAL(e.code, BASE_EINVAL);
    CU_ASSERT_PTR_NULL(anchor_eq_mlp_create(&c, a, a, 0, DT, DT, &e));
    c.hidden = 0;
    base_err_clear(&e);
    CU_ASSERT_PTR_NULL(anchor_eq_mlp_create(&c, a, a, 4, DT, DT, &e));
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "hidden"));
    c.hidden = 16;
    c.epochs = 0;
    CU_ASSERT_PTR_NULL(anchor_eq_mlp_create(&c, a, a, 4, DT, DT, &e));
    c.epochs = 10;
    c.lr = NAN;
    CU_ASSERT_PTR_NULL(anchor_eq_mlp_create(&c, a, a, 4, DT, DT, &e));
    anchor_equalizer_config cfg;
    anchor_equalizer_config_default(&cfg);
    cfg.type = ANCHOR_EQ_MLP;
    cfg.mlp_hidden = 5000;
    CU_ASSERT_PTR_NULL(anchor_equalizer_create(&cfg, a, a, 4, DT, DT, &e));
    anchor_eq_mlp_destroy(NULL);
}

int main(void)
{
    static const test_case cases[] = {
        {"a planted nonlinear map, held out", test_nonlinear_map},
        {"deterministic from the seed", test_deterministic},
        {"bad input", test_bad_input},
        {NULL, NULL},
    };
    return test_main("anchors/eq_mlp", cases);
}
