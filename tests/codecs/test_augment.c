/* test_augment.c -- codecs/augment: recipe keys and checks, each transform
 * (speed changes the length by its factor, added noise has its SNR, reverb's
 * impulse response, telephone band, codec round trip, gain, VTLP, masks within
 * bounds), white noise + masks identical to the recipes' original code, and
 * determinism. */
#include "codecs/augment.h"
#include "codecs/noise.h"
#include "tests/testutil.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { RATE = 16000, N = 32000, M = 80 };

/* A config with every transform off. */
static codec_augment_config off(void)
{
    codec_augment_config c;
    codec_augment_config_default(&c);
    c.noise_prob = 0;
    c.time_masks = c.freq_masks = 0;
    return c;
}

static codec_augment *make(const codec_augment_config *c)
{
    base_err e = {0};
    codec_augment *a = codec_augment_create(c, RATE, N, M, 0, 8000, &e);
    if (!a) fprintf(stderr, "  create: %s\n", e.msg);
    return a;
}

static float *speech(size_t n) /* a voiced-ish test signal */
{
    float *x = malloc(
        codec_augment_max_out(&(codec_augment_config){.speed_prob = 1, .speed_min = 0.5f}, n) *
        sizeof *x);
    for (size_t i = 0; i < n; i++)
        x[i] =
            (float)(0.2 * sin(2 * M_PI * 150 * i / RATE) + 0.1 * sin(2 * M_PI * 1100 * i / RATE) +
                    0.05 * sin(2 * M_PI * 2500 * i / RATE)) *
            (float)(0.6 + 0.4 * sin(2 * M_PI * 3 * i / RATE));
    return x;
}

static void test_config(void)
{
    codec_augment_config c;
    codec_augment_config_default(&c);
    base_err e = {0};
    CU_ASSERT_EQUAL(codec_augment_config_check(&c, &e), BASE_OK);
    CU_ASSERT_EQUAL(codec_augment_config_set(&c, "speed_prob", "0.3", &e), BASE_OK);
    TEST_ASSERT_NEAR(c.speed_prob, 0.3, 1e-6);
    CU_ASSERT_EQUAL(codec_augment_config_set(&c, "time_masks", "3", &e), BASE_OK);
    CU_ASSERT_EQUAL(c.time_masks, 3);
    CU_ASSERT_EQUAL(codec_augment_config_set(&c, "noise_types", "pink, babble", &e), BASE_OK);
    CU_ASSERT_EQUAL(c.noise_types, (1u << CODEC_NOISE_PINK) | (1u << CODEC_NOISE_BABBLE));
    CU_ASSERT_EQUAL(codec_augment_config_set(&c, "noise_types", "pink,grey", &e), BASE_EINVAL);
    CU_ASSERT(strstr(e.msg, "grey") != NULL);
    CU_ASSERT_EQUAL(codec_augment_config_set(&c, "speed_prob", "1.5", &e), BASE_EINVAL);
    CU_ASSERT(strstr(e.msg, "augment.speed_prob") != NULL);
    CU_ASSERT_EQUAL(codec_augment_config_set(&c, "time_masks", "2.5", &e), BASE_EINVAL);
    CU_ASSERT_EQUAL(codec_augment_config_set(&c, "speed_min", "fast", &e), BASE_EINVAL);
    CU_ASSERT_EQUAL(codec_augment_config_set(&c, "sped_prob", "0.1", &e), BASE_ENOTFOUND);
    codec_augment_config_default(&c);
    c.speed_min = 1.2f;
    CU_ASSERT_EQUAL(codec_augment_config_check(&c, &e), BASE_EINVAL);
    CU_ASSERT(strstr(e.msg, "speed_min") != NULL);
    codec_augment_config_default(&c);
    c.codec_prob = 0.5f;
    CU_ASSERT_EQUAL(codec_augment_config_set(&c, "codecs", "opus-6,codec2-9999", &e), BASE_OK);
    CU_ASSERT_NOT_EQUAL(codec_augment_config_check(&c, &e), BASE_OK);
    CU_ASSERT(strstr(e.msg, "codec2-9999") != NULL);
    codec_augment_config_default(&c);
    c.band_prob = 1, c.band_high = 9000;
    CU_ASSERT_PTR_NULL(codec_augment_create(&c, RATE, N, M, 0, 8000, &e)); /* above Nyquist */
    codec_augment_destroy(NULL);
}

static void test_speed(void)
{
    static const float f[] = {0.9f, 0.95f, 1.0f, 1.1f};
    for (size_t k = 0; k < sizeof f / sizeof *f; k++) {
        codec_augment_config c = off();
        c.speed_prob = 1, c.speed_min = c.speed_max = f[k];
        codec_augment *a = make(&c);
        CU_ASSERT_PTR_NOT_NULL_FATAL(a);
        float *x = speech(N);
        base_rng r;
        base_rng_init(&r, 1, k, 0);
        size_t n = codec_augment_wave(a, &r, x, N, NULL);
        CU_ASSERT(fabs((double)n - N / f[k]) <= 1.0);
        CU_ASSERT(n <= codec_augment_max_out(&c, N));
        free(x);
        codec_augment_destroy(a);
    }
}

static double snr_of(const float *clean, const float *noisy, size_t n)
{
    double ps = 0, pn = 0;
    for (size_t i = 0; i < n; i++) {
        ps += (double)clean[i] * clean[i];
        pn += (double)(noisy[i] - clean[i]) * (noisy[i] - clean[i]);
    }
    return 10 * log10(ps / pn);
}

static const int16_t *talker(void *ctx, size_t i, size_t *n)
{
    const int16_t *w = ctx;
    *n = 8000;
    return w + i * 8000;
}

static void test_noise(void)
{
    static const char *types[] = {"white", "pink", "brown", "babble"};
    int16_t *talk = malloc(3 * 8000 * sizeof *talk);
    CU_ASSERT_PTR_NOT_NULL_FATAL(talk);
    for (int i = 0; i < 3 * 8000; i++) talk[i] = (int16_t)(8000 * sin(0.001 * i * (i % 977)));
    codec_augment_talkers babble = {talker, talk, 3};
    for (int t = 0; t < 4; t++) {
        codec_augment_config c = off();
        c.noise_prob = 1, c.snr_min = c.snr_max = 10;
        base_err e = {0};
        CU_ASSERT_EQUAL(codec_augment_config_set(&c, "noise_types", types[t], &e), BASE_OK);
        codec_augment *a = make(&c);
        CU_ASSERT_PTR_NOT_NULL_FATAL(a);
        float *x = speech(N), *x0 = speech(N);
        base_rng r;
        base_rng_init(&r, 2, (uint64_t)t, 0);
        CU_ASSERT_EQUAL(codec_augment_wave(a, &r, x, N, &babble), (size_t)N);
        /* white is scaled by its expected power, the others exactly */
        TEST_ASSERT_NEAR(snr_of(x0, x, N), 10.0, t == 0 ? 0.1 : 1e-3);
        free(x), free(x0);
        codec_augment_destroy(a);
    }
    free(talk);
}

static void test_reverb(void)
{
    codec_augment_config c = off();
    c.reverb_prob = 1, c.rt60_min = c.rt60_max = 0.4f, c.drr_min = c.drr_max = 5;
    codec_augment *a = make(&c);
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    float *x = calloc(N, sizeof *x);
    CU_ASSERT_PTR_NOT_NULL_FATAL(x);
    x[0] = 1; /* the output is the impulse response */
    base_rng r;
    base_rng_init(&r, 4, 0, 0);
    CU_ASSERT_EQUAL(codec_augment_wave(a, &r, x, N, NULL), (size_t)N);
    TEST_ASSERT_NEAR(x[0], 1.0, 1e-4);
    double tail = 0, late = 0;
    for (int i = 1; i < N; i++) tail += (double)x[i] * x[i];
    for (int i = (int)(0.4 * RATE); i < N; i++) late += (double)x[i] * x[i];
    TEST_ASSERT_NEAR(10 * log10(1 / tail), 5.0, 0.05);          /* direct-to-reverberant ratio */
    CU_ASSERT(late < 1e-6 * tail);                              /* gone after RT60 */
    for (int i = 1; i < 30; i++) CU_ASSERT(fabsf(x[i]) < 1e-4); /* 2.5 ms gap */
    free(x);
    codec_augment_destroy(a);
}

static double tone_gain(codec_augment *a, double hz)
{
    float *x = malloc(N * sizeof *x);
    for (int i = 0; i < N; i++) x[i] = (float)sin(2 * M_PI * hz * i / RATE);
    base_rng r;
    base_rng_init(&r, 5, 0, 0);
    codec_augment_wave(a, &r, x, N, NULL);
    double p = codec_noise_power(x + N / 2, N / 2); /* after the transient */
    free(x);
    return 10 * log10(p / 0.5);
}

static void test_band(void)
{
    codec_augment_config c = off();
    c.band_prob = 1;
    codec_augment *a = make(&c);
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    CU_ASSERT(fabs(tone_gain(a, 1000)) < 0.5);
    TEST_ASSERT_NEAR(tone_gain(a, 300), -3.0, 0.3);
    TEST_ASSERT_NEAR(tone_gain(a, 3400), -3.0, 0.3);
    CU_ASSERT(tone_gain(a, 80) < -40);
    CU_ASSERT(tone_gain(a, 6000) < -20);
    codec_augment_destroy(a);
}

static void test_codec_gain(void)
{
    codec_augment_config c = off();
    c.codec_prob = 1;
    snprintf(c.codecs, sizeof c.codecs, "opus-12");
    codec_augment *a = make(&c);
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    float *x = speech(N), *x0 = speech(N);
    base_rng r;
    base_rng_init(&r, 6, 0, 0);
    CU_ASSERT_EQUAL(codec_augment_wave(a, &r, x, N, NULL), (size_t)N);
    CU_ASSERT(memcmp(x, x0, N * sizeof *x) != 0);
    double px = codec_noise_power(x, N), p0 = codec_noise_power(x0, N);
    CU_ASSERT(px > 0.3 * p0 && px < 3 * p0); /* decoded speech, not silence */
    codec_augment_destroy(a);
    c = off();
    c.gain_prob = 1, c.gain_min_db = c.gain_max_db = -20 * (float)log10(2.0);
    a = make(&c);
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    memcpy(x, x0, N * sizeof *x);
    codec_augment_wave(a, &r, x, N, NULL);
    for (int i = 0; i < N; i += 97) TEST_ASSERT_NEAR(x[i], 0.5 * x0[i], 1e-6);
    codec_augment_destroy(a);
    free(x), free(x0);
}

static void test_features(void)
{
    enum { T = 200 };
    float *f = malloc(T * M * sizeof *f), *f0 = malloc(T * M * sizeof *f0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f0);
    /* masks: all-ones features; zeros only in whole masked rows/columns, within bounds */
    codec_augment_config c = off();
    c.time_masks = 3, c.time_mask_max = 30, c.freq_masks = 2, c.freq_mask_max = 10;
    codec_augment *a = make(&c);
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    for (int s = 0; s < 20; s++) {
        for (int i = 0; i < T * M; i++) f[i] = 1;
        base_rng r;
        base_rng_init(&r, 7, (uint64_t)s, 0);
        codec_augment_features(a, &r, f, T, M);
        int rows = 0, cols = 0, zeros = 0;
        for (int t = 0; t < T; t++) {
            int z = 0;
            for (int m = 0; m < M; m++) z += f[t * M + m] == 0;
            rows += z == M;
        }
        for (int m = 0; m < M; m++) {
            int z = 0;
            for (int t = 0; t < T; t++) z += f[t * M + m] == 0;
            cols += z == T;
        }
        for (int i = 0; i < T * M; i++) zeros += f[i] == 0;
        CU_ASSERT(rows <= 3 * (T / 5 < 30 ? T / 5 : 30));
        CU_ASSERT(cols <= 2 * 10);
        CU_ASSERT_EQUAL(zeros, rows * M + cols * T - rows * cols);
    }
    codec_augment_destroy(a);
    /* VTLP: alpha 1 changes nothing; alpha > 1 moves a spectral peak up */
    for (int t = 0; t < T; t++)
        for (int m = 0; m < M; m++) f0[t * M + m] = (float)exp(-0.5 * (m - 30) * (m - 30) / 4.0);
    c = off();
    c.vtlp_prob = 1, c.vtlp_min = c.vtlp_max = 1;
    a = make(&c);
    memcpy(f, f0, T * M * sizeof *f);
    base_rng r;
    base_rng_init(&r, 8, 0, 0);
    codec_augment_features(a, &r, f, T, M);
    CU_ASSERT(TEST_ASSERT_CLOSE_F(f, f0, T * M, 1e-5) < 1e-5);
    codec_augment_destroy(a);
    c.vtlp_min = c.vtlp_max = 1.15f;
    a = make(&c);
    memcpy(f, f0, T * M * sizeof *f);
    codec_augment_features(a, &r, f, T, M);
    int peak = 0;
    for (int m = 1; m < M; m++)
        if (f[m] > f[peak]) peak = m;
    CU_ASSERT(peak > 30 && peak < 40);
    codec_augment_destroy(a);
    free(f), free(f0);
}

/* The recipes' original augmentation (codecs/train_data.c before augment.c):
 * white noise, then masks, from one stream. */
static void old_noise(const codec_augment_config *c, float *wav, size_t n, base_rng *r)
{
    if (c->noise_prob > 0 && base_rng_uniform(r) < c->noise_prob) {
        double p = 0;
        for (size_t k = 0; k < n; k++) p += (double)wav[k] * wav[k];
        p /= (double)n;
        double snr = c->snr_min + (c->snr_max - c->snr_min) * base_rng_uniform(r);
        float sigma = (float)sqrt(p / pow(10.0, snr / 10.0));
        for (size_t k = 0; k < n; k++) wav[k] += sigma * (float)base_rng_normal(r);
    }
}

static void test_compat_determinism(void)
{
    codec_augment_config c;
    codec_augment_config_default(&c);
    codec_augment *a = make(&c);
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    int same = 0;
    for (int s = 0; s < 8; s++) {
        float *x = speech(N), *y = speech(N);
        base_rng r1, r2;
        base_rng_init(&r1, 11, (uint64_t)s, 1);
        base_rng_init(&r2, 11, (uint64_t)s, 1);
        codec_augment_wave(a, &r1, x, N, NULL);
        old_noise(&c, y, N, &r2);
        same += !memcmp(x, y, N * sizeof *x);
        CU_ASSERT_EQUAL(base_rng_u64(&r1), base_rng_u64(&r2)); /* the masks' draws follow */
        free(x), free(y);
    }
    CU_ASSERT_EQUAL(same, 8);
    codec_augment_destroy(a);
    /* everything on: same stream, same output; another stream, another output */
    c.speed_prob = c.reverb_prob = c.band_prob = c.codec_prob = c.gain_prob = c.vtlp_prob = 1;
    c.noise_prob = 1;
    c.noise_types = 0xf;
    snprintf(c.codecs, sizeof c.codecs, "opus-6,opus-16");
    a = make(&c);
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    float *x[3];
    size_t n[3];
    for (int k = 0; k < 3; k++) {
        base_rng r;
        base_rng_init(&r, 12, k == 2, 1);
        x[k] = speech(N);
        n[k] = codec_augment_wave(a, &r, x[k], N, NULL);
    }
    CU_ASSERT_EQUAL(n[0], n[1]);
    CU_ASSERT(n[0] == n[1] && !memcmp(x[0], x[1], n[0] * sizeof *x[0]));
    CU_ASSERT(n[0] != n[2] || memcmp(x[0], x[2], n[0] * sizeof *x[0]));
    for (int k = 0; k < 3; k++) free(x[k]);
    codec_augment_destroy(a);
}

static const test_case cases[] = {
    {"[augment] keys and checks", test_config},
    {"speed perturbation changes the length by its factor", test_speed},
    {"added noise has its SNR (white, pink, brown, babble)", test_noise},
    {"reverberation: direct path, DRR, decay", test_reverb},
    {"telephone band", test_band},
    {"codec round trip and gain", test_codec_gain},
    {"masks within bounds; VTLP", test_features},
    {"white noise + masks as before; determinism", test_compat_determinism},
    {NULL, NULL},
};

int main(void)
{
    return test_main("augment", cases);
}
