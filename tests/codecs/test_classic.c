/* test_classic.c -- Codec2 and Opus baselines (codecs/classic). */
#include "codecs/classic.h"
#include "tests/testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { RATE = 16000, N = RATE }; /* one second */

/* A vowel-like test signal: harmonics of f0 with a formant-shaped envelope and a
 * slow amplitude contour, at a typical speech level. */
static void vowel(float *x, size_t n, double f0)
{
    for (size_t i = 0; i < n; i++) {
        double t = (double)i / RATE, v = 0;
        for (int h = 1; h * f0 < 3800; h++) {
            double f = h * f0;
            double env =
                exp(-pow((f - 700) / 300, 2)) + 0.5 * exp(-pow((f - 1200) / 400, 2)) + 0.05;
            v += env * sin(2 * M_PI * f * t + 0.3 * h);
        }
        x[i] = (float)(0.15 * v * (0.6 + 0.4 * sin(2 * M_PI * 2 * t)));
    }
}

/* Lag in [lo, hi] with the largest normalised autocorrelation over x[a, b). */
static int pitch_lag(const float *x, size_t a, size_t b, int lo, int hi)
{
    int best = lo;
    double bv = -2;
    for (int L = lo; L <= hi; L++) {
        double s = 0, e0 = 0, e1 = 0;
        for (size_t i = a; i + L < b; i++) {
            s += x[i] * x[i + L];
            e0 += x[i] * x[i];
            e1 += x[i + L] * x[i + L];
        }
        double r = s / sqrt(e0 * e1 + 1e-12);
        if (r > bv) bv = r, best = L;
    }
    return best;
}

static double energy(const float *x, size_t a, size_t b)
{
    double e = 0;
    for (size_t i = a; i < b; i++) e += x[i] * x[i];
    return e / (double)(b - a);
}

static void test_geometry(void)
{
    static const struct {
        const char *name;
        size_t bits;
        double secs, bps;
    } rows[] = {
        {"codec2-3200", 64, 0.02, 3200}, {"codec2-1200", 48, 0.04, 1200},
        {"codec2-700c", 28, 0.04, 700},  {"opus-6", 120, 0.02, 6000},
        {"opus-24", 480, 0.02, 24000},
    };
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        base_err e = BASE_ERR_INIT;
        codec_classic *q = codec_classic_create(rows[i].name, &e);
        CU_ASSERT_PTR_NOT_NULL_FATAL(q);
        CU_ASSERT_EQUAL(codec_classic_frame_bits(q), rows[i].bits);
        TEST_ASSERT_NEAR(codec_classic_frame_seconds(q), rows[i].secs, 1e-12);
        TEST_ASSERT_NEAR(codec_classic_bitrate(q), rows[i].bps, 1e-9);
        CU_ASSERT_EQUAL(codec_classic_frames(q, N), (size_t)ceil(1.0 / rows[i].secs));
        codec_classic_destroy(q);
    }
}

/* Every codec keeps the pitch and level of a vowel; Opus also its waveform. */
static void test_round_trip(void)
{
    static const char *names[] = {"codec2-3200", "codec2-1200", "codec2-700c", "opus-6", "opus-24"};
    float *x = malloc(N * sizeof *x), *y = malloc(N * sizeof *y);
    vowel(x, N, 160.0); /* lag 100 samples */
    for (size_t k = 0; k < sizeof names / sizeof *names; k++) {
        base_err e = BASE_ERR_INIT;
        codec_classic *q = codec_classic_create(names[k], &e);
        CU_ASSERT_PTR_NOT_NULL_FATAL(q);
        size_t nf = codec_classic_frames(q, N);
        uint8_t *bits = calloc(nf, codec_classic_frame_bytes(q));
        CU_ASSERT_EQUAL(codec_classic_encode(q, x, N, bits, &e), BASE_OK);
        CU_ASSERT_EQUAL(codec_classic_decode(q, bits, NULL, nf, y, N, &e), BASE_OK);
        int lag = pitch_lag(y, 4000, 12000, 60, 140);
        double ratio_db = 10 * log10(energy(y, 4000, 12000) / energy(x, 4000, 12000));
        if (abs(lag - 100) > 2 || fabs(ratio_db) > 6)
            fprintf(stderr, "  %s: pitch lag %d (want 100), level %+.1f dB\n", names[k], lag,
                    ratio_db);
        CU_ASSERT(abs(lag - 100) <= 2);
        CU_ASSERT(fabs(ratio_db) <= 6);
        free(bits);
        codec_classic_destroy(q);
    }
    free(x);
    free(y);
}

/* Opus at 24 kbit/s reproduces the waveform: SNR after the best delay. */
static void test_opus_waveform(void)
{
    float *x = malloc(N * sizeof *x), *y = malloc(N * sizeof *y);
    vowel(x, N, 120.0);
    base_err e = BASE_ERR_INIT;
    codec_classic *q = codec_classic_create("opus-24", &e);
    size_t nf = codec_classic_frames(q, N);
    uint8_t *bits = calloc(nf, codec_classic_frame_bytes(q));
    codec_classic_encode(q, x, N, bits, &e);
    codec_classic_decode(q, bits, NULL, nf, y, N, &e);
    double best = -100;
    for (int d = 0; d < 400; d++) {
        double s = 0, err = 0;
        for (size_t i = 2000; i < 14000; i++) {
            s += x[i] * x[i];
            err += (x[i] - y[i + d]) * (x[i] - y[i + d]);
        }
        double snr = 10 * log10(s / err);
        if (snr > best) best = snr;
    }
    if (best < 10) fprintf(stderr, "  opus-24 waveform SNR %.1f dB\n", best);
    CU_ASSERT(best >= 10);
    free(bits);
    codec_classic_destroy(q);
    free(x);
    free(y);
}

/* Decoding is a function of the bits alone, whatever was decoded before. */
static void test_determinism(void)
{
    static const char *names[] = {"codec2-1200", "opus-6"};
    float *x = malloc(N * sizeof *x), *y1 = malloc(N * sizeof *y1), *y2 = malloc(N * sizeof *y2);
    float *z = malloc(N * sizeof *z);
    for (size_t k = 0; k < 2; k++) {
        base_err e = BASE_ERR_INIT;
        codec_classic *q = codec_classic_create(names[k], &e);
        size_t nf = codec_classic_frames(q, N);
        uint8_t *b1 = calloc(nf, codec_classic_frame_bytes(q));
        uint8_t *b2 = calloc(nf, codec_classic_frame_bytes(q));
        vowel(x, N, 140.0);
        codec_classic_encode(q, x, N, b1, &e);
        codec_classic_decode(q, b1, NULL, nf, y1, N, &e);
        vowel(z, N, 210.0); /* something else in between */
        codec_classic_encode(q, z, N, b2, &e);
        codec_classic_decode(q, b2, NULL, nf, z, N, &e);
        codec_classic_encode(q, x, N, b2, &e);
        CU_ASSERT(memcmp(b1, b2, nf * codec_classic_frame_bytes(q)) == 0);
        codec_classic_decode(q, b2, NULL, nf, y2, N, &e);
        CU_ASSERT(memcmp(y1, y2, N * sizeof *y1) == 0);
        free(b1);
        free(b2);
        codec_classic_destroy(q);
    }
    free(x);
    free(y1);
    free(y2);
    free(z);
}

/* Lost frames: Opus conceals, Codec2 repeats the last good frame; all finite. */
static void test_lost_frames(void)
{
    static const char *names[] = {"codec2-3200", "opus-12"};
    float *x = malloc(N * sizeof *x), *y = malloc(N * sizeof *y);
    vowel(x, N, 150.0);
    for (size_t k = 0; k < 2; k++) {
        base_err e = BASE_ERR_INIT;
        codec_classic *q = codec_classic_create(names[k], &e);
        size_t nf = codec_classic_frames(q, N);
        uint8_t *bits = calloc(nf, codec_classic_frame_bytes(q));
        uint8_t *lost = calloc(nf, 1);
        for (size_t f = 0; f < nf; f += 3) lost[f] = 1;
        codec_classic_encode(q, x, N, bits, &e);
        CU_ASSERT_EQUAL(codec_classic_decode(q, bits, lost, nf, y, N, &e), BASE_OK);
        int finite = 1;
        for (size_t i = 0; i < N; i++) finite &= isfinite(y[i]) && fabsf(y[i]) <= 1.0f;
        CU_ASSERT(finite);
        /* a third of the frames lost still leaves the vowel's energy in place */
        double ratio_db = 10 * log10(energy(y, 4000, 12000) / energy(x, 4000, 12000));
        CU_ASSERT(fabs(ratio_db) < 10);
        memset(lost, 1, nf); /* everything lost: codec2 has nothing to repeat */
        CU_ASSERT_EQUAL(codec_classic_decode(q, bits, lost, nf, y, N, &e), BASE_OK);
        CU_ASSERT(energy(y, 0, N) < 1e-3 * energy(x, 0, N));
        free(bits);
        free(lost);
        codec_classic_destroy(q);
    }
    free(x);
    free(y);
}

static void test_bad_input(void)
{
    static const char *bad[] = {"",        "codec2", "codec2-2400x", "opus-5",
                                "opus-65", "opus-",  "opus-8k",      "mp3-128"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        base_err e = BASE_ERR_INIT;
        CU_ASSERT_PTR_NULL(codec_classic_create(bad[i], &e));
        CU_ASSERT_EQUAL(e.code, BASE_EINVAL);
        CU_ASSERT(strstr(e.msg, "unknown codec") != NULL);
    }
    base_err e = BASE_ERR_INIT;
    CU_ASSERT_PTR_NULL(codec_classic_create(NULL, &e));
    codec_classic *q = codec_classic_create("opus-6", &e);
    float y[1000];
    uint8_t bits[60] = {0};
    CU_ASSERT_EQUAL(codec_classic_decode(q, bits, NULL, 2, y, 1000, &e), BASE_EINVAL);
    CU_ASSERT_EQUAL(codec_classic_encode(q, NULL, 10, bits, &e), BASE_EINVAL);
    codec_classic_destroy(q);
    codec_classic_destroy(NULL);
}

int main(void)
{
    static const test_case cases[] = {
        {"frame geometry and bit rates", test_geometry},
        {"round trip keeps pitch and level", test_round_trip},
        {"opus-24 waveform SNR", test_opus_waveform},
        {"decoding depends on the bits only", test_determinism},
        {"lost-frame concealment", test_lost_frames},
        {"bad input", test_bad_input},
        {NULL, NULL},
    };
    return test_main("classic", cases);
}
