/* test_ctc.c -- codecs/ctc: loss against brute-force enumeration of every
 * alignment on tiny cases, gradient against central differences, forced
 * alignment (Viterbi) against the brute-force best path, and the
 * infeasible / bad-input cases. */
#include "codecs/ctc.h"
#include "base/rng.h"
#include "tests/testutil.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static void fill(float *p, size_t n, unsigned seed)
{
    base_rng r;
    base_rng_init(&r, seed, 0, 0);
    for (size_t i = 0; i < n; i++) p[i] = (float)(3 * base_rng_uniform(&r) - 1.5);
}

/* -log sum over all V^T paths that collapse (merge repeats, drop blanks) to labels. */
static double brute_force(const float *logits, int t, int v, const int *labels, int l)
{
    double lp[8][4];
    for (int i = 0; i < t; i++) {
        double s = 0;
        for (int k = 0; k < v; k++) s += exp(logits[i * v + k]);
        for (int k = 0; k < v; k++) lp[i][k] = logits[i * v + k] - log(s);
    }
    long total = 1;
    for (int i = 0; i < t; i++) total *= v;
    double p = 0;
    for (long code = 0; code < total; code++) {
        int path[8], out[8], n = 0;
        long c = code;
        for (int i = 0; i < t; i++) path[i] = (int)(c % v), c /= v;
        for (int i = 0; i < t; i++)
            if (path[i] != 0 && (i == 0 || path[i] != path[i - 1])) out[n++] = path[i];
        if (n != l || memcmp(out, labels, sizeof(int) * l)) continue;
        double s = 0;
        for (int i = 0; i < t; i++) s += lp[i][path[i]];
        p += exp(s);
    }
    return -log(p);
}

typedef struct ctc_case {
    int t, v, l;
    int labels[4];
} ctc_case;

static const ctc_case tiny[] = {
    {1, 2, 0, {0}},    {1, 2, 1, {1}}, {3, 3, 2, {1, 2}}, {4, 3, 2, {1, 1}}, {5, 3, 3, {1, 2, 1}},
    {5, 3, 2, {2, 2}}, {5, 2, 1, {1}}, {3, 3, 2, {2, 2}}, {5, 3, 0, {0}},    {4, 3, 3, {1, 2, 1}},
};

static void test_brute_force(void)
{
    double work[1024];
    for (size_t c = 0; c < sizeof tiny / sizeof *tiny; c++) {
        const ctc_case *k = &tiny[c];
        float logits[32];
        fill(logits, (size_t)k->t * k->v, 10 + (unsigned)c);
        double loss;
        CU_ASSERT(codec_ctc_workspace_size(k->t, k->l) <= 1024);
        base_status st =
            codec_ctc_loss(&loss, NULL, 1, logits, k->t, k->v, k->labels, k->l, work, NULL);
        CU_ASSERT_EQUAL(st, BASE_OK);
        double want = brute_force(logits, k->t, k->v, k->labels, k->l);
        TEST_ASSERT_NEAR(loss, want, 1e-9 + 1e-6 * fabs(want));
    }
}

static void test_gradient(void)
{
    double work[4096];
    static const ctc_case more[] = {
        {5, 3, 2, {1, 2}},
        {5, 3, 2, {1, 1}},
        {12, 5, 4, {1, 3, 3, 4}},
        {8, 29, 3, {5, 1, 28}},
    };
    for (size_t c = 0; c < 4; c++) {
        const ctc_case *k = &more[c];
        size_t n = (size_t)k->t * k->v;
        float logits[256], grad[256], num[256];
        fill(logits, n, 20 + (unsigned)c);
        memset(grad, 0, sizeof grad);
        double loss;
        CU_ASSERT_EQUAL(
            codec_ctc_loss(&loss, grad, 1, logits, k->t, k->v, k->labels, k->l, work, NULL),
            BASE_OK);
        for (size_t i = 0; i < n; i++) {
            float save = logits[i];
            double lp, lm;
            logits[i] = save + 1e-2f;
            codec_ctc_loss(&lp, NULL, 1, logits, k->t, k->v, k->labels, k->l, work, NULL);
            logits[i] = save - 1e-2f;
            codec_ctc_loss(&lm, NULL, 1, logits, k->t, k->v, k->labels, k->l, work, NULL);
            logits[i] = save;
            num[i] = (float)((lp - lm) / 2e-2);
        }
        TEST_ASSERT_CLOSE_F(grad, num, n, 1e-3);
        /* each frame's gradient sums to 0 (softmax minus a distribution) */
        for (int t = 0; t < k->t; t++) {
            double s = 0;
            for (int v = 0; v < k->v; v++) s += grad[t * k->v + v];
            TEST_ASSERT_NEAR(s, 0.0, 1e-5);
        }
        /* scale multiplies and accumulates */
        float g2[256];
        memcpy(g2, grad, sizeof g2);
        codec_ctc_loss(&loss, g2, 0.5f, logits, k->t, k->v, k->labels, k->l, work, NULL);
        for (size_t i = 0; i < n; i++) TEST_ASSERT_NEAR(g2[i], 1.5 * grad[i], 1e-6);
    }
}

static void test_bad_inputs(void)
{
    double work[256], loss = 0;
    float logits[12] = {0}, grad[12] = {0};
    int rep[2] = {1, 1}, bad[1] = {3}, blank[1] = {0};
    base_err e = BASE_ERR_INIT;
    /* 2 frames cannot hold "aa" (needs a blank between) */
    CU_ASSERT_EQUAL(codec_ctc_loss(&loss, grad, 1, logits, 2, 3, rep, 2, work, &e), BASE_ERANGE);
    CU_ASSERT(isinf(loss));
    for (int i = 0; i < 12; i++) CU_ASSERT_EQUAL(grad[i], 0.0f);
    CU_ASSERT_EQUAL(codec_ctc_loss(&loss, grad, 1, logits, 4, 3, bad, 1, work, &e), BASE_EINVAL);
    CU_ASSERT(strstr(e.msg, "label") != NULL);
    CU_ASSERT_EQUAL(codec_ctc_loss(&loss, grad, 1, logits, 4, 3, blank, 1, work, &e), BASE_EINVAL);
    CU_ASSERT_EQUAL(codec_ctc_loss(&loss, grad, 1, logits, 0, 3, rep, 1, work, &e), BASE_EINVAL);
    CU_ASSERT_EQUAL(codec_ctc_loss(&loss, grad, 1, logits, 4, 1, rep, 1, work, &e), BASE_EINVAL);
    CU_ASSERT_EQUAL(codec_ctc_loss(NULL, grad, 1, logits, 4, 3, rep, 1, work, &e), BASE_EINVAL);
}

/* Best path by enumeration: its score (-inf if none) and the path itself. */
static double brute_best(const float *lp, int t, int v, const int *labels, int l, int *best)
{
    long total = 1;
    for (int i = 0; i < t; i++) total *= v;
    double top = -INFINITY;
    for (long code = 0; code < total; code++) {
        int path[8], out[8], n = 0;
        long c = code;
        for (int i = 0; i < t; i++) path[i] = (int)(c % v), c /= v;
        for (int i = 0; i < t; i++)
            if (path[i] != 0 && (i == 0 || path[i] != path[i - 1])) out[n++] = path[i];
        if (n != l || memcmp(out, labels, sizeof(int) * l)) continue;
        double s = 0;
        for (int i = 0; i < t; i++) s += lp[i * v + path[i]];
        if (s > top) {
            top = s;
            memcpy(best, path, sizeof(int) * t);
        }
    }
    return top;
}

static void test_align_brute_force(void)
{
    double work[1024];
    for (size_t c = 0; c < sizeof tiny / sizeof *tiny; c++) {
        const ctc_case *k = &tiny[c];
        for (int norm = 0; norm < 2; norm++) { /* logits, then log-softmax: the same path */
            float lp[32];
            fill(lp, (size_t)k->t * k->v, 40 + (unsigned)c);
            if (norm)
                for (int i = 0; i < k->t; i++) {
                    double z = 0;
                    for (int j = 0; j < k->v; j++) z += exp(lp[i * k->v + j]);
                    for (int j = 0; j < k->v; j++) lp[i * k->v + j] -= (float)log(z);
                }
            CU_ASSERT(codec_ctc_align_workspace_size(k->t, k->l) <= 1024);
            int path[8] = {-9, -9, -9, -9, -9, -9, -9, -9}, want[8];
            double score = NAN;
            base_err e = BASE_ERR_INIT;
            base_status st =
                codec_ctc_align(lp, k->t, k->v, k->labels, k->l, path, &score, work, &e);
            CU_ASSERT_EQUAL_FATAL(st, BASE_OK);
            double top = brute_best(lp, k->t, k->v, k->labels, k->l, want);
            TEST_ASSERT_NEAR(score, top, 1e-9 + 1e-6 * fabs(top));
            /* random scores have no ties: the very same path */
            CU_ASSERT(!memcmp(path, want, sizeof(int) * (size_t)k->t));
            double check = 0;
            for (int i = 0; i < k->t; i++) check += lp[i * k->v + path[i]];
            TEST_ASSERT_NEAR(check, score, 1e-9);
        }
    }
    /* a longer case over the real vocabulary: the path collapses to the labels */
    enum { T = 40, V = 29 };
    static const int lab[6] = {22, 10, 7, 1, 5, 5}; /* "the cc" with a repeat */
    float lp[T * V];
    fill(lp, T * V, 77);
    int path[T], out[T], n = 0;
    CU_ASSERT_EQUAL_FATAL(codec_ctc_align(lp, T, V, lab, 6, path, NULL, work, NULL), BASE_OK);
    for (int i = 0; i < T; i++)
        if (path[i] != 0 && (i == 0 || path[i] != path[i - 1])) out[n++] = path[i];
    CU_ASSERT_EQUAL(n, 6);
    CU_ASSERT(!memcmp(out, lab, sizeof lab));
}

static void test_align_bad_inputs(void)
{
    double work[256], score = 0;
    float lp[12] = {0};
    int rep[2] = {1, 1}, bad[1] = {3}, blank[1] = {0}, path[4] = {7, 7, 7, 7};
    base_err e = BASE_ERR_INIT;
    /* 2 frames cannot hold "aa" (needs a blank between); path untouched */
    CU_ASSERT_EQUAL(codec_ctc_align(lp, 2, 3, rep, 2, path, &score, work, &e), BASE_ERANGE);
    CU_ASSERT(path[0] == 7 && path[1] == 7);
    /* every path through a -inf frame */
    float dead[6] = {0, 0, 0, -INFINITY, -INFINITY, -INFINITY};
    CU_ASSERT_EQUAL(codec_ctc_align(dead, 2, 3, NULL, 0, path, &score, work, &e), BASE_ERANGE);
    CU_ASSERT_EQUAL(codec_ctc_align(lp, 4, 3, bad, 1, path, &score, work, &e), BASE_EINVAL);
    CU_ASSERT(strstr(e.msg, "label") != NULL);
    CU_ASSERT_EQUAL(codec_ctc_align(lp, 4, 3, blank, 1, path, &score, work, &e), BASE_EINVAL);
    CU_ASSERT_EQUAL(codec_ctc_align(lp, 0, 3, rep, 1, path, &score, work, &e), BASE_EINVAL);
    CU_ASSERT_EQUAL(codec_ctc_align(lp, 4, 1, rep, 1, path, &score, work, &e), BASE_EINVAL);
    CU_ASSERT_EQUAL(codec_ctc_align(lp, 4, 3, rep, 1, NULL, &score, work, &e), BASE_EINVAL);
    /* no labels: all blank */
    CU_ASSERT_EQUAL(codec_ctc_align(lp, 4, 3, NULL, 0, path, &score, work, &e), BASE_OK);
    for (int i = 0; i < 4; i++) CU_ASSERT_EQUAL(path[i], 0);
}

static const test_case cases[] = {
    {"loss equals brute-force sum over alignments", test_brute_force},
    {"gradient equals central differences", test_gradient},
    {"infeasible and bad inputs", test_bad_inputs},
    {"forced alignment equals the brute-force best path", test_align_brute_force},
    {"forced alignment: infeasible and bad inputs", test_align_bad_inputs},
    {NULL, NULL},
};

int main(void)
{
    return test_main("ctc", cases);
}
