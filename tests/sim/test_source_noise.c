/* test_source_noise.c -- sim/source_noise: clean when inf or absent, the SNR
 * of the added noise measured for every type, determinism per (seed,
 * utterance), babble from other utterances, errors. */
#include "sim/source_noise.h"

#include "codecs/audio.h"
#include "codecs/noise.h"
#include "tests/testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { RATE = 16000, N = 24000 };

static void tone(float *x, double hz)
{
    for (int i = 0; i < N; i++) x[i] = (float)(0.25 * sin(2 * M_PI * hz * i / RATE));
}

static double snr_of(const float *clean, const float *noisy)
{
    double ps = 0, pn = 0;
    for (int i = 0; i < N; i++) {
        ps += (double)clean[i] * clean[i];
        pn += (double)(noisy[i] - clean[i]) * (noisy[i] - clean[i]);
    }
    return 10 * log10(ps / pn);
}

/* A manifest of three tone utterances in the test folder; its path in buf. */
static codec_manifest *make_manifest(char *buf, size_t cap, int broken)
{
    const char *dir = test_tmpdir();
    float *x = malloc(N * sizeof *x);
    for (int k = 0; k < 3; k++) {
        char p[512];
        snprintf(p, sizeof p, "%s/sn%d.wav", dir, k);
        tone(x, 200 + 150 * k);
        base_err e = {0};
        CU_ASSERT_EQUAL(codec_audio_write_wav(p, x, N, RATE, &e), BASE_OK);
    }
    free(x);
    snprintf(buf, cap, "%s/sn.tsv", dir);
    FILE *f = fopen(buf, "w");
    fprintf(f, "a\tsn0.wav\tone\nb\tsn1.wav\ttwo\nc\t%s\tthree\n", broken ? "nope.wav" : "sn2.wav");
    fclose(f);
    codec_manifest *m = NULL;
    base_err e = {0};
    CU_ASSERT_EQUAL(codec_manifest_read(buf, &m, &e), BASE_OK);
    return m;
}

static void test_clean(void)
{
    sim_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.source.noise_snr_db = INFINITY;
    snprintf(cfg.source.noise, sizeof cfg.source.noise, "white");
    float x[N], x0[N];
    tone(x, 300), tone(x0, 300);
    sim_source_noise nz = {&cfg, NULL, 1, 0, NULL};
    base_err e = {0};
    CU_ASSERT_EQUAL(sim_source_noise_apply(&nz, RATE, x, N, &e), BASE_OK);
    CU_ASSERT_EQUAL(sim_source_noise_apply(NULL, RATE, x, N, &e), BASE_OK);
    CU_ASSERT_EQUAL(memcmp(x, x0, sizeof x), 0);
}

static void test_snr(void)
{
    char path[600];
    codec_manifest *m = make_manifest(path, sizeof path, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    static const double snrs[] = {-5, 10, 20};
    for (int t = 0; t < CODEC_NOISE_NTYPES; t++)
        for (size_t k = 0; k < sizeof snrs / sizeof *snrs; k++) {
            sim_config cfg;
            memset(&cfg, 0, sizeof cfg);
            cfg.source.noise_snr_db = snrs[k];
            snprintf(cfg.source.noise, sizeof cfg.source.noise, "%s", codec_noise_names()[t]);
            static float x[N], y[N], x0[N], w[N];
            tone(x, 300), tone(y, 300), tone(x0, 300), tone(w, 300);
            sim_source_noise nz = {&cfg, m, 7, 3, codec_manifest_audio_path(m, 0)};
            base_err e = {0};
            CU_ASSERT_EQUAL_FATAL(sim_source_noise_apply(&nz, RATE, x, N, &e), BASE_OK);
            TEST_ASSERT_NEAR(snr_of(x0, x), snrs[k], 1e-3);
            CU_ASSERT_EQUAL(sim_source_noise_apply(&nz, RATE, y, N, &e), BASE_OK);
            CU_ASSERT_EQUAL(memcmp(x, y, sizeof x), 0); /* same (seed, utterance) */
            nz.index = 4;
            CU_ASSERT_EQUAL(sim_source_noise_apply(&nz, RATE, w, N, &e), BASE_OK);
            CU_ASSERT(memcmp(x, w, sizeof x) != 0); /* another utterance, other noise */
        }
    codec_manifest_destroy(m);
}

static void test_errors(void)
{
    char path[600];
    codec_manifest *m = make_manifest(path, sizeof path, 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    sim_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.source.noise_snr_db = 0;
    snprintf(cfg.source.noise, sizeof cfg.source.noise, "babble");
    static float x[N];
    tone(x, 300);
    base_err e = {0};
    int failed = 0;
    for (uint64_t i = 0; i < 8; i++) { /* some index draws the unreadable talker */
        sim_source_noise nz = {&cfg, m, 1, i, NULL};
        base_err_clear(&e);
        if (sim_source_noise_apply(&nz, RATE, x, N, &e) != BASE_OK) {
            failed = 1;
            CU_ASSERT(strstr(e.file, "nope.wav") != NULL || strstr(e.msg, "nope.wav") != NULL);
            break;
        }
    }
    CU_ASSERT(failed);
    snprintf(cfg.source.noise, sizeof cfg.source.noise, "violet");
    sim_source_noise nz = {&cfg, m, 1, 0, NULL};
    CU_ASSERT_EQUAL(sim_source_noise_apply(&nz, RATE, x, N, &e), BASE_EINVAL);
    codec_manifest_destroy(m);
}

static const test_case cases[] = {
    {"inf or no noise: untouched", test_clean},
    {"SNR measured for every type; deterministic per utterance", test_snr},
    {"babble talker unreadable; unknown type", test_errors},
    {NULL, NULL},
};

int main(void)
{
    return test_main("source_noise", cases);
}
