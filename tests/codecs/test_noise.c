/* test_noise.c -- codecs/noise: names, unit power and colour of white, pink
 * and brown noise, babble mixing, and the SNR of added noise measured. */
#include "codecs/noise.h"
#include "tests/testutil.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { N = 48000 };

static double diff_ratio(const float *x, size_t n) /* power of x[i]-x[i-1] over power of x */
{
    double d = 0;
    for (size_t i = 1; i < n; i++) d += (double)(x[i] - x[i - 1]) * (x[i] - x[i - 1]);
    return d / (double)(n - 1) / codec_noise_power(x, n);
}

static void test_names(void)
{
    const char *const *names = codec_noise_names();
    int n = 0;
    for (; names[n]; n++) {
        codec_noise_type t;
        CU_ASSERT_EQUAL(codec_noise_parse(names[n], &t), 0);
        CU_ASSERT_EQUAL((int)t, n);
    }
    CU_ASSERT_EQUAL(n, CODEC_NOISE_NTYPES);
    codec_noise_type t;
    CU_ASSERT_EQUAL(codec_noise_parse("purple", &t), -1);
    CU_ASSERT_EQUAL(codec_noise_parse(NULL, &t), -1);
}

static void test_colours(void)
{
    float *x = malloc(N * sizeof *x), *y = malloc(N * sizeof *y);
    CU_ASSERT_PTR_NOT_NULL_FATAL(x);
    CU_ASSERT_PTR_NOT_NULL_FATAL(y);
    double ratio[3];
    for (int t = 0; t < 3; t++) {
        base_rng r, r2;
        base_rng_init(&r, 5, 1, 2);
        base_rng_init(&r2, 5, 1, 2);
        codec_noise_color((codec_noise_type)t, &r, x, N);
        codec_noise_color((codec_noise_type)t, &r2, y, N);
        CU_ASSERT_EQUAL(memcmp(x, y, N * sizeof *x), 0); /* deterministic */
        TEST_ASSERT_NEAR(codec_noise_power(x, N), 1.0, 1e-4);
        ratio[t] = diff_ratio(x, N);
    }
    /* first-difference power: white 2, pink far less, brown almost none */
    TEST_ASSERT_NEAR(ratio[0], 2.0, 0.05);
    CU_ASSERT(ratio[1] < 0.5 && ratio[1] > 0.01);
    CU_ASSERT(ratio[2] < 0.01);
    free(x), free(y);
}

static void test_add_snr(void)
{
    static const double snrs[] = {-5, 0, 10, 30};
    float *x = malloc(N * sizeof *x), *x0 = malloc(N * sizeof *x0), *n = malloc(N * sizeof *n);
    CU_ASSERT_PTR_NOT_NULL_FATAL(x);
    CU_ASSERT_PTR_NOT_NULL_FATAL(x0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(n);
    for (size_t i = 0; i < N; i++) x0[i] = 0.3f * (float)sin(0.05 * (double)i);
    for (size_t k = 0; k < sizeof snrs / sizeof *snrs; k++) {
        for (int t = 0; t < 3; t++) {
            base_rng r;
            base_rng_init(&r, 9, k, (uint64_t)t);
            codec_noise_color((codec_noise_type)t, &r, n, N);
            memcpy(x, x0, N * sizeof *x);
            codec_noise_add_snr(x, n, N, snrs[k]);
            for (size_t i = 0; i < N; i++) n[i] = x[i] - x0[i]; /* the noise actually added */
            double snr = 10 * log10(codec_noise_power(x0, N) / codec_noise_power(n, N));
            TEST_ASSERT_NEAR(snr, snrs[k], 1e-3);
        }
    }
    memcpy(x, x0, N * sizeof *x);
    codec_noise_add_snr(x, n, N, INFINITY); /* clean */
    CU_ASSERT_EQUAL(memcmp(x, x0, N * sizeof *x), 0);
    memset(n, 0, N * sizeof *n);
    codec_noise_add_snr(x, n, N, 0); /* silent noise: nothing */
    CU_ASSERT_EQUAL(memcmp(x, x0, N * sizeof *x), 0);
    free(x), free(x0), free(n);
}

static void test_babble(void)
{
    enum { TN = 5000 };
    float talk[TN], quiet[TN] = {0};
    float *out = calloc(N, sizeof *out), *out2 = calloc(N, sizeof *out2);
    CU_ASSERT_PTR_NOT_NULL_FATAL(out);
    CU_ASSERT_PTR_NOT_NULL_FATAL(out2);
    for (int i = 0; i < TN; i++) talk[i] = 0.1f * (float)sin(0.01 * i * i / (double)TN);
    base_rng r, r2;
    base_rng_init(&r, 3, 0, 0);
    base_rng_init(&r2, 3, 0, 0);
    codec_noise_babble_add(out, N, talk, TN, &r); /* circular: fills N > TN */
    TEST_ASSERT_NEAR(codec_noise_power(out, N), 1.0, 0.05);
    codec_noise_babble_add(out, N, quiet, TN, &r); /* silent talker adds nothing */
    codec_noise_babble_add(out2, N, talk, TN, &r2);
    CU_ASSERT_EQUAL(memcmp(out, out2, N * sizeof *out), 0);
    codec_noise_babble_add(out, N, talk, TN, &r);
    codec_noise_normalise(out, N);
    TEST_ASSERT_NEAR(codec_noise_power(out, N), 1.0, 1e-4);
    free(out), free(out2);
}

static const test_case cases[] = {
    {"noise names", test_names},
    {"white, pink, brown: unit power, colour, determinism", test_colours},
    {"added noise has the SNR asked for", test_add_snr},
    {"babble mixing", test_babble},
    {NULL, NULL},
};

int main(void)
{
    return test_main("noise", cases);
}
