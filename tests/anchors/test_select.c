/* test_select.c -- anchor selection (anchors/select): every strategy returns K
 * distinct anchors, k-means is deterministic for a seed and finds planted
 * clusters, the receiver's anchors follow from its own latents, handshake
 * sizes, class prototypes, time resampling, pooling, and bad inputs. */
#include "anchors/select.h"
#include "base/rng.h"
#include "tests/fixtures.h"
#include "tests/testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void gaussian(float *x, size_t n, uint64_t seed)
{
    test_gaussian(x, n, 1.0f, seed, "test.select");
}

static void rng_for(base_rng *r, uint64_t seed)
{
    base_rng_init(r, seed, 0, base_rng_component("anchors.select"));
}

/* Planted clusters: C centres spread by 10, members = centre + N(0, 0.3^2);
 * frame i belongs to blob i % C. */
static void blobs(float *x, size_t n, size_t d, size_t c, uint64_t seed)
{
    float *ctr = malloc(c * d * sizeof *ctr);
    gaussian(ctr, c * d, seed);
    gaussian(x, n * d, seed + 1);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < d; j++)
            x[i * d + j] = 10 * ctr[(i % c) * d + j] + 0.3f * x[i * d + j];
    free(ctr);
}

static void test_names(void)
{
    static const char *const names[] = {"random", "fps", "kmeans", "class"};
    for (int i = 0; i < 4; i++) {
        anchor_selection s = (anchor_selection)9;
        CU_ASSERT_EQUAL(anchor_selection_parse(names[i], &s, NULL), BASE_OK);
        CU_ASSERT_EQUAL(s, (anchor_selection)i);
        CU_ASSERT_STRING_EQUAL(anchor_selection_name(s), names[i]);
    }
    anchor_selection s;
    base_err e = BASE_ERR_INIT;
    CU_ASSERT_EQUAL(anchor_selection_parse("prototype", &s, &e), BASE_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "prototype"));
}

/* Every method, several K: K groups of distinct indices, and K distinct built anchors. */
static void test_distinct(void)
{
    enum { N = 300, D = 8, C = 20 };
    static const size_t ks[] = {1, 2, 7, 20, 64};
    float *x = malloc(N * D * sizeof *x), *a = malloc(64 * D * sizeof *a);
    int labels[N];
    gaussian(x, N * D, 10);
    for (int i = 0; i < N; i++) labels[i] = (i * 7) % C;
    for (int m = 0; m < 4; m++)
        for (size_t ki = 0; ki < sizeof ks / sizeof *ks; ki++) {
            anchor_select_config cfg;
            anchor_select_config_default(&cfg);
            cfg.method = (anchor_selection)m;
            cfg.k = ks[ki];
            cfg.num_classes = C;
            if (m == ANCHOR_SEL_CLASS && cfg.k > C) continue;
            base_rng r;
            rng_for(&r, 11);
            base_err e = BASE_ERR_INIT;
            anchor_set *s = anchor_set_select(&cfg, x, N, D, labels, &r, &e);
            if (!s)
                fprintf(stderr, "  %s K=%zu: %s\n", anchor_selection_name(cfg.method), cfg.k,
                        e.msg);
            CU_ASSERT_PTR_NOT_NULL_FATAL(s);
            CU_ASSERT_EQUAL(anchor_set_count(s), cfg.k);
            CU_ASSERT_EQUAL(anchor_set_candidates(s), N);
            CU_ASSERT_EQUAL(anchor_set_method(s), cfg.method);
            /* no index in two groups, none twice */
            unsigned char seen[N] = {0};
            int dup = 0, empty = 0;
            for (size_t j = 0; j < cfg.k; j++) {
                const size_t *idx;
                size_t g = anchor_set_group(s, j, &idx);
                if (m == ANCHOR_SEL_CLASS) {
                    CU_ASSERT_EQUAL(g, 0);
                    CU_ASSERT(anchor_set_class(s, j) >= 0 && anchor_set_class(s, j) < C);
                    if (j) CU_ASSERT(anchor_set_class(s, j) > anchor_set_class(s, j - 1));
                    continue;
                }
                empty += g == 0;
                for (size_t t = 0; t < g; t++) {
                    CU_ASSERT_FATAL(idx[t] < N);
                    dup += seen[idx[t]]++ > 0;
                }
            }
            CU_ASSERT_EQUAL(dup, 0);
            CU_ASSERT_EQUAL(empty, 0);
            CU_ASSERT_EQUAL(anchor_set_build(s, x, N, D, labels, a, &e), BASE_OK);
            int same = 0;
            for (size_t i = 0; i < cfg.k; i++)
                for (size_t j = i + 1; j < cfg.k; j++)
                    same += memcmp(a + i * D, a + j * D, D * sizeof *a) == 0;
            CU_ASSERT_EQUAL(same, 0);
            anchor_set_destroy(s);
        }
    free(x), free(a);
}

/* Same seed: same groups (hash) and iterations; the draw order of random is
 * reproducible; random sends nothing. */
static void test_determinism(void)
{
    enum { N = 500, D = 6 };
    float *x = malloc(N * D * sizeof *x);
    gaussian(x, N * D, 12);
    for (int m = 0; m < 3; m++) {
        anchor_select_config cfg;
        anchor_select_config_default(&cfg);
        cfg.method = (anchor_selection)m;
        cfg.k = 16;
        cfg.members = m == ANCHOR_SEL_KMEANS ? 5 : 0;
        base_rng r1, r2, r3;
        rng_for(&r1, 42);
        rng_for(&r2, 42);
        rng_for(&r3, 43);
        anchor_set *a = anchor_set_select(&cfg, x, N, D, NULL, &r1, NULL);
        anchor_set *b = anchor_set_select(&cfg, x, N, D, NULL, &r2, NULL);
        anchor_set *c = anchor_set_select(&cfg, x, N, D, NULL, &r3, NULL);
        CU_ASSERT_PTR_NOT_NULL_FATAL(a);
        CU_ASSERT_PTR_NOT_NULL_FATAL(b);
        CU_ASSERT_PTR_NOT_NULL_FATAL(c);
        CU_ASSERT_EQUAL(anchor_set_hash(a), anchor_set_hash(b));
        CU_ASSERT_EQUAL(anchor_set_iterations(a), anchor_set_iterations(b));
        for (size_t j = 0; j < 16; j++) {
            const size_t *ia, *ib;
            size_t ga = anchor_set_group(a, j, &ia), gb = anchor_set_group(b, j, &ib);
            CU_ASSERT_EQUAL_FATAL(ga, gb);
            CU_ASSERT(memcmp(ia, ib, ga * sizeof *ia) == 0);
        }
        /* fps ignores the rng; random and kmeans follow it */
        if (m == ANCHOR_SEL_FPS) {
            CU_ASSERT_EQUAL(anchor_set_hash(a), anchor_set_hash(c));
        } else {
            CU_ASSERT_NOT_EQUAL(anchor_set_hash(a), anchor_set_hash(c));
        }
        if (m == ANCHOR_SEL_KMEANS) CU_ASSERT(anchor_set_iterations(a) >= 1);
        anchor_set_destroy(a), anchor_set_destroy(b), anchor_set_destroy(c);
    }
    free(x);
}

/* k-means on 6 well-separated blobs: every cluster is one whole blob, and the
 * anchors sit at the blob means. */
static void test_kmeans_blobs(void)
{
    enum { N = 600, D = 5, C = 6 };
    float *x = malloc(N * D * sizeof *x), a[C * D];
    blobs(x, N, D, C, 20);
    anchor_select_config cfg;
    anchor_select_config_default(&cfg);
    cfg.method = ANCHOR_SEL_KMEANS;
    cfg.k = C;
    int pure_all = 1;
    for (uint64_t seed = 1; seed <= 5; seed++) {
        base_rng r;
        rng_for(&r, seed);
        anchor_set *s = anchor_set_select(&cfg, x, N, D, NULL, &r, NULL);
        CU_ASSERT_PTR_NOT_NULL_FATAL(s);
        for (size_t j = 0; j < C; j++) {
            const size_t *idx;
            size_t g = anchor_set_group(s, j, &idx);
            pure_all &= g == N / C;
            for (size_t t = 0; t < g; t++) pure_all &= idx[t] % C == idx[0] % C;
            for (size_t t = 1; t < g; t++) CU_ASSERT(idx[t] > idx[t - 1]); /* ascending */
        }
        /* all members: N indices of ceil(log2 600) = 10 bits, plus 6 sizes of 10 bits */
        CU_ASSERT_EQUAL(anchor_set_handshake_bits(s), (uint64_t)N * 10 + C * 10);
        CU_ASSERT_EQUAL(anchor_set_build(s, x, N, D, NULL, a, NULL), BASE_OK);
        anchor_set_destroy(s);
    }
    CU_ASSERT(pure_all);
    free(x);
}

/* members = M: groups of at most M, anchor = mean of exactly those, handshake
 * counts them; receiver's anchors from its own latents Y = 2X + 1 are 2A + 1. */
static void test_kmeans_members_and_receiver(void)
{
    enum { N = 400, D = 4, K = 8, M = 3 };
    float *x = malloc(N * D * sizeof *x), *y = malloc(N * D * sizeof *y);
    float a[K * D], b[K * D], want[K * D];
    gaussian(x, N * D, 30);
    for (size_t i = 0; i < N * D; i++) y[i] = 2 * x[i] + 1;
    anchor_select_config cfg;
    anchor_select_config_default(&cfg);
    cfg.method = ANCHOR_SEL_KMEANS;
    cfg.k = K;
    cfg.members = M;
    base_rng r;
    rng_for(&r, 3);
    anchor_set *s = anchor_set_select(&cfg, x, N, D, NULL, &r, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    size_t total = 0;
    for (size_t j = 0; j < K; j++) {
        const size_t *idx;
        size_t g = anchor_set_group(s, j, &idx);
        CU_ASSERT(g >= 1 && g <= M);
        total += g;
        for (size_t c = 0; c < D; c++) {
            double m = 0;
            for (size_t t = 0; t < g; t++) m += x[idx[t] * D + c];
            want[j * D + c] = (float)(m / g);
        }
    }
    CU_ASSERT_EQUAL(anchor_set_handshake_bits(s), (uint64_t)total * 9 + K * 9);
    CU_ASSERT_EQUAL(anchor_set_build(s, x, N, D, NULL, a, NULL), BASE_OK);
    TEST_ASSERT_CLOSE_F(a, want, K * D, 1e-6);
    CU_ASSERT_EQUAL(anchor_set_build(s, y, N, D, NULL, b, NULL), BASE_OK);
    for (size_t i = 0; i < K * D; i++) want[i] = 2 * a[i] + 1;
    TEST_ASSERT_CLOSE_F(b, want, K * D, 1e-5);
    /* the receiver's candidates must be frame-synchronous with the selection */
    base_err e = BASE_ERR_INIT;
    CU_ASSERT_EQUAL(anchor_set_build(s, y, N - 1, D, NULL, b, &e), BASE_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "resample"));
    anchor_set_destroy(s);
    free(x), free(y);
}

/* fps on the points 0..9 of a line: start 0 (tied farthest from 4.5, lowest
 * index), then 9, then 4; handshake K*ceil(log2 10). */
static void test_fps_line(void)
{
    float x[10];
    for (int i = 0; i < 10; i++) x[i] = (float)i;
    anchor_select_config cfg;
    anchor_select_config_default(&cfg);
    cfg.method = ANCHOR_SEL_FPS;
    cfg.k = 3;
    anchor_set *s = anchor_set_select(&cfg, x, 10, 1, NULL, NULL, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    static const size_t want[] = {0, 9, 4};
    for (size_t j = 0; j < 3; j++) {
        const size_t *idx;
        CU_ASSERT_EQUAL(anchor_set_group(s, j, &idx), 1);
        CU_ASSERT_EQUAL(idx[0], want[j]);
    }
    CU_ASSERT_EQUAL(anchor_set_handshake_bits(s), 3 * 4);
    anchor_set_destroy(s);
}

/* class prototypes: K = classes present sends nothing; K smaller picks the most
 * frequent and names them; receiver with its own (different) alignment. */
static void test_class(void)
{
    enum { N = 12, D = 2, C = 5 };
    /* class 0: 4 frames, 2: 5 frames, 4: 2 frames, 1 and 3 absent, -1 = blank */
    static const int lab[N] = {0, 0, 2, 2, 2, -1, 4, 0, 2, 2, 4, 0};
    float x[N * D], a[3 * D];
    for (int i = 0; i < N; i++) x[i * D] = (float)i, x[i * D + 1] = (float)(lab[i] * 10);
    CU_ASSERT_EQUAL(anchor_class_count(lab, N, C), 3);
    anchor_select_config cfg;
    anchor_select_config_default(&cfg);
    cfg.method = ANCHOR_SEL_CLASS;
    cfg.k = 3;
    cfg.num_classes = C;
    anchor_set *s = anchor_set_select(&cfg, NULL, N, 0, lab, NULL, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    CU_ASSERT_EQUAL(anchor_set_handshake_bits(s), 0);
    CU_ASSERT_EQUAL(anchor_set_class(s, 0), 0);
    CU_ASSERT_EQUAL(anchor_set_class(s, 1), 2);
    CU_ASSERT_EQUAL(anchor_set_class(s, 2), 4);
    CU_ASSERT_EQUAL(anchor_set_build(s, x, N, D, lab, a, NULL), BASE_OK);
    const float want[3 * D] = {(0 + 1 + 7 + 11) / 4.0f, 0, (2 + 3 + 4 + 8 + 9) / 5.0f, 20,
                               (6 + 10) / 2.0f,         40};
    TEST_ASSERT_CLOSE_F(a, want, 3 * D, 1e-6);
    /* the receiver: 3 frames of its own, another frame rate, same classes */
    static const int lab_rx[3] = {4, 2, 0};
    float y[3 * 1] = {1, 2, 3}, b[3];
    CU_ASSERT_EQUAL(anchor_set_build(s, y, 3, 1, lab_rx, b, NULL), BASE_OK);
    const float want_b[3] = {3, 2, 1};
    TEST_ASSERT_CLOSE_F(b, want_b, 3, 0);
    static const int lab_miss[3] = {4, 2, 2};
    base_err e = BASE_ERR_INIT;
    CU_ASSERT_EQUAL(anchor_set_build(s, y, 3, 1, lab_miss, b, &e), BASE_ENOTFOUND);
    CU_ASSERT_EQUAL(anchor_set_build(s, y, 3, 1, NULL, b, NULL), BASE_EINVAL);
    anchor_set_destroy(s);

    cfg.k = 2; /* the two most frequent: 2 and 0, ids sent: 2 * ceil(log2 5) */
    s = anchor_set_select(&cfg, NULL, N, 0, lab, NULL, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    CU_ASSERT_EQUAL(anchor_set_class(s, 0), 0);
    CU_ASSERT_EQUAL(anchor_set_class(s, 1), 2);
    CU_ASSERT_EQUAL(anchor_set_class(s, 2), -1);
    CU_ASSERT_EQUAL(anchor_set_handshake_bits(s), 2 * 3);
    anchor_set_destroy(s);

    cfg.k = 4; /* more than present */
    CU_ASSERT_PTR_NULL(anchor_set_select(&cfg, NULL, N, 0, lab, NULL, &e));
    CU_ASSERT_EQUAL(e.code, BASE_ERANGE);
    cfg.k = 2;
    cfg.num_classes = 3; /* label 4 out of range */
    CU_ASSERT_PTR_NULL(anchor_set_select(&cfg, NULL, N, 0, lab, NULL, &e));
    CU_ASSERT_EQUAL(e.code, BASE_EINVAL);
    cfg.num_classes = C;
    CU_ASSERT_PTR_NULL(anchor_set_select(&cfg, NULL, N, 0, NULL, NULL, &e));
    CU_ASSERT_EQUAL(e.code, BASE_EINVAL);
}

static void test_bad_k_and_values(void)
{
    enum { N = 20, D = 3 };
    float x[N * D];
    gaussian(x, N * D, 40);
    for (int m = 0; m < 3; m++) {
        anchor_select_config cfg;
        anchor_select_config_default(&cfg);
        cfg.method = (anchor_selection)m;
        base_rng r;
        rng_for(&r, 1);
        base_err e = BASE_ERR_INIT;
        cfg.k = 0;
        CU_ASSERT_PTR_NULL(anchor_set_select(&cfg, x, N, D, NULL, &r, &e));
        CU_ASSERT_EQUAL(e.code, BASE_EINVAL);
        CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "K must be > 0"));
        cfg.k = N + 1;
        CU_ASSERT_PTR_NULL(anchor_set_select(&cfg, x, N, D, NULL, &r, &e));
        CU_ASSERT_EQUAL(e.code, BASE_ERANGE);
        CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "exceeds"));
        cfg.k = N; /* K == N is fine */
        anchor_set *s = anchor_set_select(&cfg, x, N, D, NULL, &r, &e);
        CU_ASSERT_PTR_NOT_NULL(s);
        anchor_set_destroy(s);
    }
    anchor_select_config cfg;
    anchor_select_config_default(&cfg);
    cfg.k = 4;
    base_err e = BASE_ERR_INIT;
    /* random without an rng; fps without latents; NaN candidates */
    CU_ASSERT_PTR_NULL(anchor_set_select(&cfg, x, N, D, NULL, NULL, &e));
    CU_ASSERT_EQUAL(e.code, BASE_EINVAL);
    cfg.method = ANCHOR_SEL_FPS;
    CU_ASSERT_PTR_NULL(anchor_set_select(&cfg, NULL, N, D, NULL, NULL, &e));
    CU_ASSERT_EQUAL(e.code, BASE_EINVAL);
    x[7] = NAN;
    CU_ASSERT_PTR_NULL(anchor_set_select(&cfg, x, N, D, NULL, NULL, &e));
    CU_ASSERT_EQUAL(e.code, BASE_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "not finite"));
    /* build from NaN latents */
    x[7] = 0;
    anchor_set *s = anchor_set_select(&cfg, x, N, D, NULL, NULL, &e);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    float a[4 * D];
    x[7] = NAN;
    CU_ASSERT_EQUAL(anchor_set_build(s, x, N, D, NULL, a, &e), BASE_EINVAL);
    anchor_set_destroy(s);
    anchor_set_destroy(NULL);
    CU_ASSERT_PTR_NULL(anchor_set_select(NULL, x, N, D, NULL, NULL, &e));
}

/* Fewer distinct vectors than K: fps and kmeans refuse instead of duplicating. */
static void test_duplicates(void)
{
    enum { N = 10, D = 2 };
    float x[N * D];
    for (int i = 0; i < N; i++) x[i * D] = (float)(i % 2), x[i * D + 1] = 0;
    for (int m = ANCHOR_SEL_FPS; m <= ANCHOR_SEL_KMEANS; m++) {
        anchor_select_config cfg;
        anchor_select_config_default(&cfg);
        cfg.method = (anchor_selection)m;
        base_rng r;
        rng_for(&r, 2);
        cfg.k = 2;
        anchor_set *s = anchor_set_select(&cfg, x, N, D, NULL, &r, NULL);
        CU_ASSERT_PTR_NOT_NULL(s);
        anchor_set_destroy(s);
        cfg.k = 3;
        base_err e = BASE_ERR_INIT;
        CU_ASSERT_PTR_NULL(anchor_set_select(&cfg, x, N, D, NULL, &r, &e));
        CU_ASSERT_EQUAL(e.code, BASE_ERANGE);
        CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "distinct"));
    }
}

/* Linear resampling: a ramp stays a ramp (interior), 2:1 down-sampling averages
 * pairs, equal lengths copy, a constant stays constant. */
static void test_resample(void)
{
    float x[8 * 2], y[16 * 2], want[16 * 2];
    for (int i = 0; i < 8; i++) x[i * 2] = (float)i, x[i * 2 + 1] = 5;
    CU_ASSERT_EQUAL(anchor_resample_linear(x, 8, 2, y, 16, NULL), BASE_OK);
    /* output j samples input p = (j + 0.5)/2 - 0.5, clamped to [0, 7] */
    for (int j = 0; j < 16; j++) {
        double p = (j + 0.5) / 2 - 0.5;
        want[j * 2] = (float)(p < 0 ? 0 : p > 7 ? 7 : p);
        want[j * 2 + 1] = 5;
    }
    TEST_ASSERT_CLOSE_F(y, want, 32, 1e-6);
    CU_ASSERT_EQUAL(anchor_resample_linear(x, 8, 2, y, 4, NULL), BASE_OK);
    for (int j = 0; j < 4; j++) want[j * 2] = 2 * j + 0.5f, want[j * 2 + 1] = 5;
    TEST_ASSERT_CLOSE_F(y, want, 8, 1e-6);
    CU_ASSERT_EQUAL(anchor_resample_linear(x, 8, 2, y, 8, NULL), BASE_OK);
    TEST_ASSERT_CLOSE_F(y, x, 16, 0);
    CU_ASSERT_EQUAL(anchor_resample_linear(x, 1, 2, y, 3, NULL), BASE_OK); /* one frame repeats */
    for (int j = 0; j < 3; j++) want[j * 2] = 0, want[j * 2 + 1] = 5;
    TEST_ASSERT_CLOSE_F(y, want, 6, 0);
    base_err e = BASE_ERR_INIT;
    CU_ASSERT_EQUAL(anchor_resample_linear(x, 0, 2, y, 3, &e), BASE_EINVAL);
    CU_ASSERT_EQUAL(anchor_resample_linear(x, 8, 2, y, 0, &e), BASE_EINVAL);
    CU_ASSERT_EQUAL(anchor_resample_linear(NULL, 8, 2, y, 3, &e), BASE_EINVAL);
}

static void test_pool(void)
{
    const float x[3 * 2] = {1, -1, 2, 0, 6, 4};
    float m[2];
    const float want[2] = {3, 1};
    CU_ASSERT_EQUAL(anchor_pool_mean(x, 3, 2, m, NULL), BASE_OK);
    TEST_ASSERT_CLOSE_F(m, want, 2, 1e-7);
    CU_ASSERT_EQUAL(anchor_pool_mean(x, 0, 2, m, NULL), BASE_EINVAL);
    CU_ASSERT_EQUAL(anchor_pool_mean(NULL, 3, 2, m, NULL), BASE_EINVAL);
}

int main(void)
{
    static const test_case cases[] = {
        {"method names", test_names},
        {"K distinct anchors, every method", test_distinct},
        {"deterministic for a seed", test_determinism},
        {"kmeans finds planted blobs", test_kmeans_blobs},
        {"kmeans members, receiver anchors", test_kmeans_members_and_receiver},
        {"fps on a line", test_fps_line},
        {"class prototypes", test_class},
        {"bad K and values", test_bad_k_and_values},
        {"fewer distinct vectors than K", test_duplicates},
        {"time resampling", test_resample},
        {"utterance pooling", test_pool},
        {NULL, NULL},
    };
    return test_main("anchors/select", cases);
}
