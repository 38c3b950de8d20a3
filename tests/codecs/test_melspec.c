/* test_melspec.c -- codecs/melspec against the independent numpy reference
 * in tests/data/melspec_*.txt (made by tools/gen_melspec_ref.py; no Python
 * needed here), frame counting, thread consistency and bad input.
 *
 * Tolerance: TOL_LOG nats on log-mel values (float32 FFT and sums vs numpy
 * float64), TOL_NORM on normalised values (divided by the per-band std). */
#include "codecs/melspec.h"
#include "tests/testutil.h"

#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TOL_LOG 3e-3
#define TOL_NORM 1e-4

/* ---- the reference files' signals (same formulas as the Python script) ---- */

static double lcg_next(uint64_t *s)
{
    *s = *s * 6364136223846793005ull + 1442695040888963407ull;
    return ((double)(*s >> 40) / 16777216.0 - 0.5) * 0.6;
}

static void make_signal(const char *kind, size_t n, uint64_t seed, size_t zeros, float *x)
{
    uint64_t s = seed;
    double dur = (double)n / 16000.0;
    for (size_t i = 0; i < n; i++) {
        double u = lcg_next(&s);
        if (!strcmp(kind, "chirp")) {
            double t = (double)i / 16000.0;
            double v = 0.5 * sin(2 * M_PI * (100.0 * t + (7000.0 - 100.0) * t * t / (2 * dur)));
            x[i] = (float)(v + 0.003 * u);
        } else {
            x[i] = i < zeros ? 0.0f : (float)u;
        }
    }
}

typedef struct ref_file {
    char signal[32];
    size_t samples, zeros, frames, bands;
    uint64_t seed;
    codec_melspec_config cfg;
    float *data; /* (frames, bands) */
} ref_file;

static int read_ref(const char *rel, ref_file *r)
{
    char path[1024], key[64];
    FILE *f = fopen(test_srcpath(path, sizeof path, rel), "r");
    if (!f) {
        fprintf(stderr, "  cannot open %s\n", path);
        return -1;
    }
    memset(r, 0, sizeof *r);
    codec_melspec_config_default(&r->cfg);
    char line[256];
    int ok = 0;
    while (fgets(line, sizeof line, f)) {
        double v;
        if (line[0] == '#') continue;
        if (!strncmp(line, "data", 4)) {
            ok = 1;
            break;
        }
        if (sscanf(line, "signal %31s", r->signal) == 1) continue;
        if (sscanf(line, "%63s %lf", key, &v) != 2) break;
        if (!strcmp(key, "samples"))
            r->samples = (size_t)v;
        else if (!strcmp(key, "seed"))
            r->seed = (uint64_t)v;
        else if (!strcmp(key, "zeros"))
            r->zeros = (size_t)v;
        else if (!strcmp(key, "fs"))
            r->cfg.sample_rate = (int)v;
        else if (!strcmp(key, "win"))
            r->cfg.win_length = (int)v;
        else if (!strcmp(key, "hop"))
            r->cfg.hop_length = (int)v;
        else if (!strcmp(key, "n_fft"))
            r->cfg.n_fft = (int)v;
        else if (!strcmp(key, "n_mels"))
            r->cfg.n_mels = (int)v;
        else if (!strcmp(key, "f_min"))
            r->cfg.f_min = v;
        else if (!strcmp(key, "f_max"))
            r->cfg.f_max = v;
        else if (!strcmp(key, "floor"))
            r->cfg.log_floor = v;
        else if (!strcmp(key, "normalize"))
            r->cfg.normalize = (int)v;
        else if (!strcmp(key, "frames"))
            r->frames = (size_t)v;
        else if (!strcmp(key, "bands"))
            r->bands = (size_t)v;
    }
    size_t nv = r->frames * r->bands;
    if (ok && nv && (r->data = malloc(nv * sizeof *r->data)))
        for (size_t i = 0; i < nv; i++)
            if (fscanf(f, "%f", &r->data[i]) != 1) ok = 0;
    fclose(f);
    if (!ok || !r->data) {
        fprintf(stderr, "  %s: malformed reference file\n", path);
        free(r->data);
        return -1;
    }
    return 0;
}

static void compare_with_reference(const char *rel, double tol)
{
    ref_file r;
    CU_ASSERT_EQUAL_FATAL(read_ref(rel, &r), 0);
    float *x = malloc(r.samples * sizeof *x);
    float *y = malloc(r.frames * r.bands * sizeof *y);
    CU_ASSERT_PTR_NOT_NULL_FATAL(x);
    CU_ASSERT_PTR_NOT_NULL_FATAL(y);
    make_signal(r.signal, r.samples, r.seed, r.zeros, x);
    base_err err = BASE_ERR_INIT;
    codec_melspec *q = codec_melspec_create(&r.cfg, &err);
    if (!q) fprintf(stderr, "  create: %s\n", err.msg);
    CU_ASSERT_PTR_NOT_NULL_FATAL(q);
    codec_melspec_work *w = codec_melspec_work_create(q, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(w);
    CU_ASSERT_EQUAL(codec_melspec_frames(q, r.samples), r.frames);
    CU_ASSERT_EQUAL(codec_melspec_bands(q), (int)r.bands);
    size_t T = 0;
    CU_ASSERT_EQUAL(codec_melspec_execute(q, w, x, r.samples, y, &T, &err), BASE_OK);
    CU_ASSERT_EQUAL_FATAL(T, r.frames);
    double worst = test_assert_close_f(y, r.data, T * r.bands, tol, rel);
    printf("\n    %s: %zu x %zu values, max |C - numpy| = %.3g (tolerance %.3g)\n", rel, T, r.bands,
           worst, tol);
    codec_melspec_work_destroy(w);
    codec_melspec_destroy(q);
    free(x);
    free(y);
    free(r.data);
}

static void test_reference_chirp(void)
{
    compare_with_reference("tests/data/melspec_chirp.txt", TOL_LOG);
}

static void test_reference_noise_normalised(void)
{
    compare_with_reference("tests/data/melspec_noise_norm.txt", TOL_NORM);
}

/* ---- frame counting -------------------------------------------------------- */

static void test_frames(void)
{
    static const struct {
        size_t n, T;
    } cases[] = {{0, 0}, {1, 0}, {399, 0}, {400, 1}, {559, 1}, {560, 2}, {16000, 98}, {16001, 98}};
    codec_melspec *q = codec_melspec_create(NULL, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(q);
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        size_t T = codec_melspec_frames(q, cases[i].n);
        if (T != cases[i].T)
            fprintf(stderr, "  n=%zu: T=%zu, want %zu\n", cases[i].n, T, cases[i].T);
        CU_ASSERT_EQUAL(T, cases[i].T);
    }
    /* short input: no frames, nothing written, not an error */
    codec_melspec_work *w = codec_melspec_work_create(q, NULL);
    float x[399] = {0}, y[1] = {42.0f};
    size_t T = 7;
    CU_ASSERT_EQUAL(codec_melspec_execute(q, w, x, 399, y, &T, NULL), BASE_OK);
    CU_ASSERT_EQUAL(T, 0);
    CU_ASSERT_EQUAL(y[0], 42.0f);
    /* silence hits the floor exactly */
    float z[400] = {0}, out[80];
    CU_ASSERT_EQUAL(codec_melspec_execute(q, w, z, 400, out, &T, NULL), BASE_OK);
    CU_ASSERT_EQUAL(T, 1);
    for (int m = 0; m < 80; m++) TEST_ASSERT_NEAR(out[m], logf(1e-10f), 1e-6);
    codec_melspec_config c;
    codec_melspec_get_config(q, &c);
    CU_ASSERT_EQUAL(c.sample_rate, 16000);
    CU_ASSERT_EQUAL(c.win_length, 400);
    CU_ASSERT_EQUAL(c.hop_length, 160);
    CU_ASSERT_EQUAL(c.n_fft, 512);
    CU_ASSERT_EQUAL(c.n_mels, 80);
    CU_ASSERT_EQUAL(c.f_max, 8000.0);
    CU_ASSERT_EQUAL(c.normalize, 0);
    codec_melspec_work_destroy(w);
    codec_melspec_destroy(q);
}

/* A sine at 1 kHz puts the largest band at the band whose centre is nearest. */
static void test_tone_band(void)
{
    codec_melspec *q = codec_melspec_create(NULL, NULL);
    codec_melspec_work *w = codec_melspec_work_create(q, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(w);
    float x[1200], y[6 * 80];
    for (int i = 0; i < 1200; i++) x[i] = (float)(0.3 * sin(2 * M_PI * 1000.0 * i / 16000.0));
    size_t T;
    CU_ASSERT_EQUAL(codec_melspec_execute(q, w, x, 1200, y, &T, NULL), BASE_OK);
    CU_ASSERT_EQUAL_FATAL(T, 6);
    int best = 0;
    for (int m = 1; m < 80; m++)
        if (y[2 * 80 + m] > y[2 * 80 + best]) best = m;
    /* HTK centres: f_m = mel^-1((m+1) * mel(8000)/81); 1 kHz lies near m = 27 */
    double mmax = 2595.0 * log10(1.0 + 8000.0 / 700.0), nearest = 1e9;
    int want = -1;
    for (int m = 0; m < 80; m++) {
        double fc = 700.0 * (pow(10.0, (m + 1) * mmax / 81 / 2595.0) - 1.0);
        if (fabs(fc - 1000.0) < nearest) nearest = fabs(fc - 1000.0), want = m;
    }
    if (best != want) fprintf(stderr, "  1 kHz peak in band %d, want %d\n", best, want);
    CU_ASSERT_EQUAL(best, want);
    codec_melspec_work_destroy(w);
    codec_melspec_destroy(q);
}

/* ---- threads: one shared object, a work object per thread ------------------ */

typedef struct job {
    const codec_melspec *q;
    const float *x;
    size_t n;
    float *y;
    int rc;
} job;

static void *run_job(void *arg)
{
    job *j = arg;
    codec_melspec_work *w = codec_melspec_work_create(j->q, NULL);
    j->rc = -1;
    if (!w) return NULL;
    j->rc = 0;
    for (int rep = 0; rep < 20; rep++)
        if (codec_melspec_execute(j->q, w, j->x, j->n, j->y, NULL, NULL)) j->rc = -1;
    codec_melspec_work_destroy(w);
    return NULL;
}

static void test_threads(void)
{
    enum { N = 16000, NT = 4 };
    codec_melspec_config c;
    codec_melspec_config_default(&c);
    c.normalize = 1;
    codec_melspec *q = codec_melspec_create(&c, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(q);
    size_t T = codec_melspec_frames(q, N);
    static float x[N];
    make_signal("chirp", N, 3, 0, x);
    float *ref = malloc(T * 80 * sizeof *ref), *out = malloc(NT * T * 80 * sizeof *out);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ref);
    CU_ASSERT_PTR_NOT_NULL_FATAL(out);
    codec_melspec_work *w = codec_melspec_work_create(q, NULL);
    CU_ASSERT_EQUAL(codec_melspec_execute(q, w, x, N, ref, NULL, NULL), BASE_OK);
    /* normalised: each band has mean 0 and std ~1 */
    double worst_mean = 0, worst_std = 0;
    for (int m = 0; m < 80; m++) {
        double s = 0, s2 = 0;
        for (size_t t = 0; t < T; t++)
            s += ref[t * 80 + m], s2 += ref[t * 80 + m] * ref[t * 80 + m];
        worst_mean = fmax(worst_mean, fabs(s / T));
        worst_std = fmax(worst_std, fabs(sqrt(s2 / T) - 1.0));
    }
    TEST_ASSERT_NEAR(worst_mean, 0.0, 1e-4);
    TEST_ASSERT_NEAR(worst_std, 0.0, 1e-3);
    pthread_t th[NT];
    job jobs[NT];
    for (int i = 0; i < NT; i++) {
        jobs[i] = (job){q, x, N, out + (size_t)i * T * 80, -1};
        CU_ASSERT_EQUAL_FATAL(pthread_create(&th[i], NULL, run_job, &jobs[i]), 0);
    }
    for (int i = 0; i < NT; i++) {
        pthread_join(th[i], NULL);
        CU_ASSERT_EQUAL(jobs[i].rc, 0);
        CU_ASSERT(memcmp(out + (size_t)i * T * 80, ref, T * 80 * sizeof *ref) == 0);
    }
    codec_melspec_work_destroy(w);
    codec_melspec_destroy(q);
    free(ref);
    free(out);
}

/* ---- bad input ------------------------------------------------------------- */

typedef struct bad_cfg {
    const char *what;
    void (*edit)(codec_melspec_config *);
    const char *msg_part;
} bad_cfg;

static void zero_mels(codec_melspec_config *c)
{
    c->n_mels = 0;
}
static void small_fft(codec_melspec_config *c)
{
    c->n_fft = 256;
}
static void odd_fft(codec_melspec_config *c)
{
    c->n_fft = 513;
}
static void zero_rate(codec_melspec_config *c)
{
    c->sample_rate = 0;
}
static void zero_hop(codec_melspec_config *c)
{
    c->hop_length = 0;
}
static void neg_win(codec_melspec_config *c)
{
    c->win_length = -400;
}
static void fmax_nyq(codec_melspec_config *c)
{
    c->f_max = 8001.0;
}
static void fmin_fmax(codec_melspec_config *c)
{
    c->f_min = 4000.0, c->f_max = 3000.0;
}
static void nan_fmin(codec_melspec_config *c)
{
    c->f_min = NAN;
}
static void zero_floor(codec_melspec_config *c)
{
    c->log_floor = 0.0;
}
static void bad_norm(codec_melspec_config *c)
{
    c->normalize = 2;
}
static void many_mels(codec_melspec_config *c)
{
    c->n_mels = 200;
}

static const bad_cfg bad_cfgs[] = {
    {"zero mels", zero_mels, "n_mels"},
    {"n_fft < window", small_fft, "n_fft"},
    {"odd n_fft", odd_fft, "n_fft"},
    {"zero sample rate", zero_rate, "sample_rate"},
    {"zero hop", zero_hop, "hop_length"},
    {"negative window", neg_win, "win_length"},
    {"f_max above Nyquist", fmax_nyq, "f_max"},
    {"f_min >= f_max", fmin_fmax, "f_min"},
    {"f_min NaN", nan_fmin, "f_min"},
    {"zero log floor", zero_floor, "log_floor"},
    {"normalize not 0/1", bad_norm, "normalize"},
    {"more mels than bins allow", many_mels, "covers no FFT bin"},
};

static void test_bad_input(void)
{
    for (size_t i = 0; i < sizeof bad_cfgs / sizeof *bad_cfgs; i++) {
        codec_melspec_config c;
        codec_melspec_config_default(&c);
        bad_cfgs[i].edit(&c);
        base_err err = BASE_ERR_INIT;
        codec_melspec *q = codec_melspec_create(&c, &err);
        if (q || err.code != BASE_EINVAL || !strstr(err.msg, bad_cfgs[i].msg_part))
            fprintf(stderr, "  %s: object %p, code %d, message '%s'\n", bad_cfgs[i].what, (void *)q,
                    err.code, err.msg);
        CU_ASSERT_PTR_NULL(q);
        CU_ASSERT_EQUAL(err.code, BASE_EINVAL);
        CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, bad_cfgs[i].msg_part));
        codec_melspec_destroy(q);
    }
    codec_melspec_destroy(NULL);
    codec_melspec_work_destroy(NULL);
    CU_ASSERT_PTR_NULL(codec_melspec_work_create(NULL, NULL));

    codec_melspec *q = codec_melspec_create(NULL, NULL);
    codec_melspec_work *w = codec_melspec_work_create(q, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(w);
    float x[800] = {0}, y[3 * 80];
    CU_ASSERT_EQUAL(codec_melspec_execute(NULL, w, x, 800, y, NULL, NULL), BASE_EINVAL);
    CU_ASSERT_EQUAL(codec_melspec_execute(q, NULL, x, 800, y, NULL, NULL), BASE_EINVAL);
    CU_ASSERT_EQUAL(codec_melspec_execute(q, w, NULL, 800, y, NULL, NULL), BASE_EINVAL);
    CU_ASSERT_EQUAL(codec_melspec_execute(q, w, x, 800, NULL, NULL, NULL), BASE_EINVAL);
    /* a work object of another configuration is refused */
    codec_melspec_config c;
    codec_melspec_config_default(&c);
    c.n_mels = 40;
    codec_melspec *q40 = codec_melspec_create(&c, NULL);
    codec_melspec_work *w40 = codec_melspec_work_create(q40, NULL);
    base_err err = BASE_ERR_INIT;
    CU_ASSERT_EQUAL(codec_melspec_execute(q, w40, x, 800, y, NULL, &err), BASE_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "another configuration"));
    codec_melspec_work_destroy(w40);
    codec_melspec_destroy(q40);
    codec_melspec_work_destroy(w);
    codec_melspec_destroy(q);
}

int main(void)
{
    static const test_case cases[] = {
        {"chirp vs numpy reference", test_reference_chirp},
        {"normalised noise (40 bands, 20-7600 Hz) vs numpy", test_reference_noise_normalised},
        {"frame counting, short input, silence", test_frames},
        {"1 kHz tone lands in the nearest band", test_tone_band},
        {"threads share one object, bit-identical", test_threads},
        {"bad input", test_bad_input},
        {NULL, NULL},
    };
    return test_main("melspec", cases);
}
