/* test_prune.c -- CTC blank-frame pruning (codecs/prune): the mask against
 * the threshold (and with upsampled CTC rows), the run-length code's length
 * by hand and its round trip, malformed codes, compaction and the receiver's
 * rebuild. */
#include "codecs/prune.h"
#include "tests/testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define V 4 /* a small vocabulary: blank 0 */

/* logp rows whose blank posterior is p[i] (the rest spread evenly). */
static void rows(const double *p, size_t n, float *logp)
{
    for (size_t i = 0; i < n; i++) {
        logp[i * V] = (float)log(p[i]);
        for (int k = 1; k < V; k++) logp[i * V + k] = (float)log((1 - p[i]) / (V - 1));
    }
}

static void test_mask(void)
{
    static const double p[6] = {0.99, 0.2, 0.95, 0.5, 0.999, 0.9};
    float logp[6 * V];
    rows(p, 6, logp);
    uint8_t keep[6];
    static const struct {
        double th;
        uint8_t want[6];
        size_t n;
    } cases[] = {
        {0.9, {0, 1, 0, 1, 0, 0}, 2},
        {0.96, {0, 1, 1, 1, 0, 1}, 4},
        {0.0, {0, 1, 0, 0, 0, 0}, 1},  /* all would go: the least blank stays */
        {1.01, {1, 1, 1, 1, 1, 1}, 6}, /* above 1: nothing pruned */
    };
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        size_t n = codec_prune_mask(logp, 6, 1, V, 0, cases[c].th, keep);
        CU_ASSERT_EQUAL(n, cases[c].n);
        CU_ASSERT(!memcmp(keep, cases[c].want, 6));
    }
    /* upsample 2: a latent frame goes only when both its rows are blank */
    size_t n = codec_prune_mask(logp, 3, 2, V, 0, 0.9, keep);
    CU_ASSERT_EQUAL(n, 2);
    CU_ASSERT(keep[0] && keep[1] && !keep[2]);
    CU_ASSERT_EQUAL(codec_prune_mask(logp, 0, 1, V, 0, 0.5, keep), 0);
}

static void test_rle_by_hand(void)
{
    /* t = 3: gamma(4) = 00100; runs: 2 pruned -> gamma(3) = 011, 1 kept -> gamma(2) = 010 */
    static const uint8_t keep[3] = {0, 0, 1};
    static const uint8_t want[11] = {0, 0, 1, 0, 0, 0, 1, 1, 0, 1, 0};
    uint8_t bits[32];
    CU_ASSERT_EQUAL(codec_prune_rle_bits(keep, 3), 11);
    CU_ASSERT_EQUAL(codec_prune_rle_encode(keep, 3, bits, sizeof bits), 11);
    CU_ASSERT(!memcmp(bits, want, 11));
    CU_ASSERT_EQUAL(codec_prune_rle_encode(keep, 3, bits, 10), 0); /* too small */
    /* t = 0: gamma(1) = "1" */
    CU_ASSERT_EQUAL(codec_prune_rle_bits(keep, 0), 1);
    /* starts with a kept frame: an empty pruned run first, gamma(1) = "1" */
    static const uint8_t k2[2] = {1, 1};
    CU_ASSERT_EQUAL(codec_prune_rle_bits(k2, 2), 3 + 1 + 3);
}

static void test_rle_round_trip(void)
{
    enum { T = 300 };
    static uint8_t keep[T], back[T], bits[8 * T];
    uint64_t x = 88172645463325252ull;
    for (int c = 0; c < 6; c++) {
        size_t t = c == 5 ? 1 : T;
        for (size_t i = 0; i < t; i++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            keep[i] = c == 0 ? 1 : c == 1 ? 0 : c == 2 ? i % 2 : (x % 100) < (c == 3 ? 30u : 80u);
        }
        size_t nb = codec_prune_rle_encode(keep, t, bits, sizeof bits);
        CU_ASSERT_EQUAL_FATAL(nb, codec_prune_rle_bits(keep, t));
        size_t tt = 0;
        base_err e = BASE_ERR_INIT;
        CU_ASSERT_EQUAL_FATAL(codec_prune_rle_decode(bits, nb, back, T, &tt, &e), BASE_OK);
        CU_ASSERT_EQUAL(tt, t);
        CU_ASSERT(!memcmp(keep, back, t));
        printf("  case %d: %zu frames, %zu bits\n", c, t, nb);
        if (c == 0 || c == 1) CU_ASSERT(nb < 40); /* one run: a few gamma codes */
    }
}

static void test_rle_malformed(void)
{
    static const uint8_t keep[5] = {0, 1, 1, 0, 1};
    uint8_t bits[64], back[8];
    size_t nb = codec_prune_rle_encode(keep, 5, bits, sizeof bits), t;
    base_err e = BASE_ERR_INIT;
    CU_ASSERT_EQUAL(codec_prune_rle_decode(bits, nb - 1, back, 8, &t, &e), BASE_EFORMAT);
    bits[nb] = 1;
    CU_ASSERT_EQUAL(codec_prune_rle_decode(bits, nb + 1, back, 8, &t, &e), BASE_EFORMAT);
    CU_ASSERT_EQUAL(codec_prune_rle_decode(bits, nb, back, 4, &t, &e), BASE_ERANGE);
    static const uint8_t zeros[8] = {0};
    CU_ASSERT_EQUAL(codec_prune_rle_decode(zeros, 8, back, 8, &t, &e), BASE_EFORMAT);
    /* a run longer than the frames left */
    static const uint8_t big[] = {0, 1, 0, /* gamma(2): t = 1 */ 0, 0, 1, 0, 0 /* gamma(4) */};
    CU_ASSERT_EQUAL(codec_prune_rle_decode(big, sizeof big, back, 8, &t, &e), BASE_EFORMAT);
}

static void test_compact_expand(void)
{
    enum { T = 7, D = 3 };
    float x[T * D], orig[T * D], fill[D] = {-1, -2, -3};
    for (int i = 0; i < T * D; i++) orig[i] = x[i] = (float)i;
    static const uint8_t keep[T] = {0, 1, 1, 0, 0, 1, 0};
    size_t n = codec_prune_compact(x, T, D, keep);
    CU_ASSERT_EQUAL_FATAL(n, 3);
    CU_ASSERT(!memcmp(x, orig + 1 * D, 2 * D * sizeof *x)); /* rows 1, 2 */
    CU_ASSERT(!memcmp(x + 2 * D, orig + 5 * D, D * sizeof *x));
    CU_ASSERT_EQUAL(codec_prune_expand(x, n, D, keep, T, fill, x, NULL), BASE_OK); /* in place */
    for (int i = 0; i < T; i++)
        CU_ASSERT(!memcmp(x + i * D, keep[i] ? orig + i * D : fill, D * sizeof *x));
    base_err e = BASE_ERR_INIT;
    CU_ASSERT_EQUAL(codec_prune_expand(x, 2, D, keep, T, fill, x, &e), BASE_EINVAL);
}

int main(void)
{
    static const test_case cases[] = {
        {"mask against the threshold", test_mask},
        {"run-length code by hand", test_rle_by_hand},
        {"run-length code round trip", test_rle_round_trip},
        {"malformed codes are refused", test_rle_malformed},
        {"compact and rebuild", test_compact_expand},
        {NULL, NULL},
    };
    return test_main("codecs/prune", cases);
}
