/* test_model.c -- flat channel models (channel/model) against closed forms:
 * AWGN noise power, BPSK BER over AWGN and Rayleigh, Rician moments, Doppler
 * autocorrelation J0, block-fading structure, the ziggurat normal, bad inputs. */
#include "channel/model.h"
#include "tests/testutil.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static double qfunc(double x)
{
    return 0.5 * erfc(x / M_SQRT2);
}

static chan_model *make(chan_kind kind, double snr_db, double k_db, size_t coh, double fd)
{
    chan_model_config c;
    chan_model_config_default(&c);
    c.kind = kind;
    c.snr_db = snr_db;
    c.k_factor_db = k_db;
    c.coherence = coh;
    c.doppler_hz = fd;
    base_err e = BASE_ERR_INIT;
    chan_model *q = chan_model_create(&c, &e);
    if (!q) fprintf(stderr, "  create: %s\n", e.msg);
    CU_ASSERT_PTR_NOT_NULL_FATAL(q);
    return q;
}

static void test_awgn_noise_variance(void)
{
    static const double snrs[] = {-5.0, 0.0, 10.0, 20.0};
    enum { N = 200000 };
    static float complex x[N], y[N], h[N];
    for (size_t i = 0; i < N; i++) x[i] = 0.0f;
    for (size_t s = 0; s < sizeof snrs / sizeof *snrs; s++) {
        chan_model *q = make(CHAN_AWGN, snrs[s], 0, 128, 0);
        base_rng r;
        base_rng_init(&r, 1, s, base_rng_component("test.awgn"));
        CU_ASSERT_EQUAL(chan_model_execute(q, &r, x, y, h, N), BASE_OK);
        double n0 = pow(10.0, -snrs[s] / 10.0);
        TEST_ASSERT_NEAR(chan_model_n0(q), n0, 1e-12 * n0);
        double pr = 0, pi = 0, cri = 0, m = 0;
        int hone = 1;
        for (size_t i = 0; i < N; i++) {
            pr += crealf(y[i]) * crealf(y[i]);
            pi += cimagf(y[i]) * cimagf(y[i]);
            cri += crealf(y[i]) * cimagf(y[i]);
            m += crealf(y[i]);
            hone &= h[i] == 1.0f;
        }
        /* each sum has relative std sqrt(2/N) = 0.3%; allow 5 sigma */
        TEST_ASSERT_NEAR((pr + pi) / N / n0, 1.0, 5 * sqrt(1.0 / N));
        TEST_ASSERT_NEAR(pr / N / n0, 0.5, 5 * 0.5 * sqrt(2.0 / N));
        TEST_ASSERT_NEAR(cri / N / n0, 0.0, 5 * 0.5 / sqrt(N));
        TEST_ASSERT_NEAR(m / N / sqrt(n0), 0.0, 5 * sqrt(0.5 / N));
        CU_ASSERT(hone);
        chan_model_destroy(q);
    }
}

/* Counts BPSK errors (x = +-1 on the real axis, coherent detection with the true h).
 * Returns the BER over n symbols; `blocks` independent fading blocks of errors. */
static double bpsk_ber(chan_model *q, base_rng *r, size_t n)
{
    enum { B = 4096 };
    static float complex x[B], y[B], h[B];
    size_t err = 0;
    for (size_t done = 0; done < n; done += B) {
        for (size_t i = 0; i < B; i++) x[i] = (base_rng_u64(r) >> 63) ? 1.0f : -1.0f;
        chan_model_execute(q, r, x, y, h, B);
        for (size_t i = 0; i < B; i++) {
            float d = crealf(conjf(h[i]) * y[i]);
            err += (d >= 0.0f) != (crealf(x[i]) > 0.0f);
        }
    }
    return (double)err / (double)((n + B - 1) / B * B);
}

static void test_bpsk_awgn(void)
{
    static const double ebn0[] = {0.0, 2.0, 4.0, 6.0, 8.0};
    enum { N = 1 << 20 };
    for (size_t s = 0; s < sizeof ebn0 / sizeof *ebn0; s++) {
        /* BPSK: 1 bit per symbol, Eb = Es */
        chan_model *q = make(CHAN_AWGN, ebn0[s], 0, 128, 0);
        base_rng r;
        base_rng_init(&r, 2, s, base_rng_component("test.bpsk"));
        double ber = bpsk_ber(q, &r, N);
        double p = qfunc(sqrt(2.0 * pow(10.0, ebn0[s] / 10.0)));
        TEST_ASSERT_NEAR(ber, p, 5.0 * sqrt(p * (1 - p) / N));
        chan_model_destroy(q);
    }
}

static void test_bpsk_rayleigh(void)
{
    static const struct {
        double snr;
        size_t coh;
    } t[] = {{0, 1}, {5, 1}, {10, 1}, {20, 1}, {10, 16}, {0, 0}};
    enum { N = 1 << 20 };
    for (size_t s = 0; s < sizeof t / sizeof *t; s++) {
        chan_model *q = make(CHAN_RAYLEIGH, t[s].snr, 0, t[s].coh, 0);
        base_rng r;
        base_rng_init(&r, 3, s, base_rng_component("test.rayleigh"));
        double ber = bpsk_ber(q, &r, N);
        double g = pow(10.0, t[s].snr / 10.0);
        double p = 0.5 * (1.0 - sqrt(g / (1.0 + g)));
        /* errors within one fading block are correlated: count blocks, not symbols
         * (coherence 0 = one block per 4096-symbol call) */
        double L = t[s].coh ? (double)t[s].coh : 4096.0;
        TEST_ASSERT_NEAR(ber, p, 5.0 * sqrt(p * (1 - p) * L / N));
        chan_model_destroy(q);
    }
}

static void test_rician_moments(void)
{
    static const double kdb[] = {-3.0, 0.0, 6.0, 10.0};
    enum { N = 200000 };
    static float complex x[N], y[N], h[N];
    for (size_t i = 0; i < N; i++) x[i] = 1.0f;
    for (size_t s = 0; s < sizeof kdb / sizeof *kdb; s++) {
        chan_model *q = make(CHAN_RICIAN, 30, kdb[s], 1, 0);
        base_rng r;
        base_rng_init(&r, 4, s, base_rng_component("test.rician"));
        chan_model_execute(q, &r, x, y, h, N);
        double complex m = 0;
        double p = 0;
        for (size_t i = 0; i < N; i++) {
            m += h[i];
            p += crealf(h[i]) * crealf(h[i]) + cimagf(h[i]) * cimagf(h[i]);
        }
        m /= N;
        p /= N;
        double k = pow(10.0, kdb[s] / 10.0);
        double khat = creal(m * conj(m)) / (p - creal(m * conj(m)));
        TEST_ASSERT_NEAR(p, 1.0, 0.01);
        TEST_ASSERT_NEAR(creal(m), sqrt(k / (k + 1)), 0.01);
        TEST_ASSERT_NEAR(cimag(m), 0.0, 0.01);
        TEST_ASSERT_NEAR(khat / k, 1.0, 0.03);
        TEST_ASSERT_NEAR(
            chan_model_mean(&(chan_model_config){.kind = CHAN_RICIAN, .k_factor_db = kdb[s]}),
            sqrt(k / (k + 1)), 1e-12);
        chan_model_destroy(q);
    }
}

/* Ensemble autocorrelation of the sum-of-sinusoids fading vs J0(2 pi f_D tau). */
static void test_doppler_autocorrelation(void)
{
    static const double fd_norm[] = {0.01, 0.002};
    static const size_t lags[] = {0, 5, 10, 25, 50, 100, 200};
    enum { R = 300, T = 600, NL = sizeof lags / sizeof *lags };
    static float complex x[T], y[T], h[T];
    for (size_t i = 0; i < T; i++) x[i] = 0.0f;
    for (size_t f = 0; f < sizeof fd_norm / sizeof *fd_norm; f++) {
        chan_model *q = make(CHAN_RAYLEIGH, 10, 0, 128, fd_norm[f] * 1e6);
        base_rng r;
        base_rng_init(&r, 5, f, base_rng_component("test.doppler"));
        double complex acc[NL] = {0};
        double m4 = 0;
        for (size_t rep = 0; rep < R; rep++) {
            chan_model_reset(q);
            /* two calls: the process must continue seamlessly across them */
            chan_model_execute(q, &r, x, y, h, T / 2);
            chan_model_execute(q, &r, x + T / 2, y + T / 2, h + T / 2, T - T / 2);
            for (size_t t = 0; t < T; t++) {
                double p = crealf(h[t] * conjf(h[t]));
                m4 += p * p;
            }
            for (size_t l = 0; l < NL; l++) {
                double complex s = 0;
                for (size_t t = 0; t + lags[l] < T; t++) s += h[t + lags[l]] * conjf(h[t]);
                acc[l] += s / (double)(T - lags[l]);
            }
        }
        for (size_t l = 0; l < NL; l++) {
            double want = j0(2.0 * M_PI * fd_norm[f] * (double)lags[l]);
            TEST_ASSERT_NEAR(creal(acc[l]) / R, want, 0.05);
            TEST_ASSERT_NEAR(cimag(acc[l]) / R, 0.0, 0.05);
        }
        /* Rayleigh-like envelope: E|g|^4 = 2 - 1/M for M = 32 random-phase sinusoids
         * (2 for a Gaussian; 1 for a constant envelope). Samples 600 long are correlated:
         * loose tolerance. */
        TEST_ASSERT_NEAR(m4 / (R * T), 2.0 - 1.0 / 32, 0.25);
        /* the correlation model the estimators use agrees */
        chan_model_config c;
        chan_model_config_default(&c);
        c.kind = CHAN_RAYLEIGH;
        c.doppler_hz = fd_norm[f] * 1e6;
        double complex cc[101];
        CU_ASSERT_EQUAL(chan_model_corr(&c, cc, 101, NULL), BASE_OK);
        TEST_ASSERT_NEAR(creal(cc[100]), j0(2.0 * M_PI * fd_norm[f] * 100), 1e-12);
        chan_model_destroy(q);
    }
}

/* Block fading: h constant inside each block of `coherence` symbols (counted across
 * calls), different across blocks; coherence 0: one coefficient per call. */
static void test_block_structure(void)
{
    enum { N = 1000 };
    static float complex x[N], y[N], h[N];
    for (size_t i = 0; i < N; i++) x[i] = 1.0f;
    chan_model *q = make(CHAN_RAYLEIGH, 10, 0, 128, 0);
    base_rng r;
    base_rng_init(&r, 6, 0, base_rng_component("test.block"));
    for (size_t i = 0; i < N; i += 50) chan_model_execute(q, &r, x + i, y + i, h + i, 50);
    int inside = 1, across = 1;
    for (size_t i = 1; i < N; i++) {
        if (i % 128)
            inside &= h[i] == h[i - 1];
        else
            across &= h[i] != h[i - 1];
    }
    CU_ASSERT(inside);
    CU_ASSERT(across);
    /* reset starts a new block immediately */
    chan_model_reset(q);
    float complex before = h[N - 1];
    chan_model_execute(q, &r, x, y, h, 1);
    CU_ASSERT(h[0] != before);
    chan_model_destroy(q);

    q = make(CHAN_RAYLEIGH, 10, 0, 0, 0);
    chan_model_execute(q, &r, x, y, h, 300);
    chan_model_execute(q, &r, x + 300, y + 300, h + 300, 300);
    int c1 = 1;
    for (size_t i = 1; i < 600; i++)
        if (i != 300) c1 &= h[i] == h[0 + (i >= 300) * 300];
    CU_ASSERT(c1);
    CU_ASSERT(h[300] != h[299]);
    chan_model_destroy(q);
}

/* Same seed, same output; x and y may alias; CHAN_NONE is the identity. */
static void test_determinism_and_alias(void)
{
    enum { N = 777 };
    static float complex x[N], y1[N], y2[N];
    base_rng r;
    base_rng_init(&r, 7, 0, 1);
    for (size_t i = 0; i < N; i++) x[i] = base_rng_cnormal(&r);
    static const chan_kind kinds[] = {CHAN_AWGN, CHAN_RAYLEIGH, CHAN_RICIAN};
    for (size_t k = 0; k < 3; k++) {
        for (int dop = 0; dop < 2; dop++) {
            chan_model *q = make(kinds[k], 5, 3, 100, dop ? 500.0 : 0.0);
            base_rng a, b;
            base_rng_init(&a, 9, k, 2);
            base_rng_init(&b, 9, k, 2);
            chan_model_execute(q, &a, x, y1, NULL, N);
            chan_model_reset(q);
            for (size_t i = 0; i < N; i++) y2[i] = x[i];
            chan_model_execute(q, &b, y2, y2, NULL, N);
            TEST_ASSERT_CLOSE_F((const float *)y1, (const float *)y2, 2 * N, 0.0);
            chan_model_destroy(q);
        }
    }
    chan_model *q = make(CHAN_NONE, NAN, 0, 0, 0);
    CU_ASSERT_EQUAL(chan_model_n0(q), 0.0);
    chan_model_execute(q, &r, x, y1, NULL, N);
    TEST_ASSERT_CLOSE_F((const float *)x, (const float *)y1, 2 * N, 0.0);
    chan_model_destroy(q);
}

/* The ziggurat generator: moments and tail probabilities of N(0,1). */
static void test_ziggurat(void)
{
    enum { N = 2000000 };
    base_rng r;
    base_rng_init(&r, 8, 0, base_rng_component("test.zig"));
    static const double thr[] = {0.5, 1.0, 2.0, 3.0, 3.5, 4.0};
    enum { NT = sizeof thr / sizeof *thr };
    double m1 = 0, m2 = 0, m3 = 0, m4 = 0;
    size_t cnt[NT] = {0}, neg = 0;
    for (size_t i = 0; i < N; i++) {
        double g = base_rng_normal_zig(&r);
        m1 += g;
        m2 += g * g;
        m3 += g * g * g;
        m4 += g * g * g * g;
        neg += g < 0;
        for (size_t t = 0; t < NT; t++) cnt[t] += fabs(g) > thr[t];
    }
    TEST_ASSERT_NEAR(m1 / N, 0.0, 5 / sqrt(N));
    TEST_ASSERT_NEAR(m2 / N, 1.0, 5 * sqrt(2.0 / N));
    TEST_ASSERT_NEAR(m3 / N, 0.0, 5 * sqrt(15.0 / N));
    TEST_ASSERT_NEAR(m4 / N, 3.0, 5 * sqrt(96.0 / N));
    TEST_ASSERT_NEAR((double)neg / N, 0.5, 5 * 0.5 / sqrt(N));
    for (size_t t = 0; t < NT; t++) {
        double p = erfc(thr[t] / M_SQRT2);
        TEST_ASSERT_NEAR((double)cnt[t] / N, p, 5 * sqrt(p * (1 - p) / N) + 1e-7);
    }
    /* complex fill: E|z|^2 = sigma^2, halves equal */
    static float complex z[N / 4];
    base_rng_cnormal_fill_zig(&r, z, N / 4, 2.0f);
    double pr = 0, pi = 0;
    for (size_t i = 0; i < N / 4; i++) {
        pr += crealf(z[i]) * crealf(z[i]);
        pi += cimagf(z[i]) * cimagf(z[i]);
    }
    TEST_ASSERT_NEAR(pr / (N / 4), 2.0, 0.02);
    TEST_ASSERT_NEAR(pi / (N / 4), 2.0, 0.02);
}

static void test_bad_inputs(void)
{
    static const struct {
        const char *what;
        chan_model_config c;
    } bad[] = {
        {"unknown kind", {.kind = (chan_kind)17, .snr_db = 10}},
        {"NaN SNR", {.kind = CHAN_AWGN, .snr_db = NAN}},
        {"infinite SNR", {.kind = CHAN_RAYLEIGH, .snr_db = INFINITY, .coherence = 1}},
        {"Rician K missing (NaN)", {.kind = CHAN_RICIAN, .snr_db = 10, .k_factor_db = NAN}},
        {"Rician K -inf", {.kind = CHAN_RICIAN, .snr_db = 10, .k_factor_db = -INFINITY}},
        {"negative coherence", {.kind = CHAN_RAYLEIGH, .snr_db = 10, .coherence = (size_t)-1}},
        {"negative Doppler",
         {.kind = CHAN_RAYLEIGH, .snr_db = 10, .doppler_hz = -1, .symbol_rate = 1e6}},
        {"NaN Doppler",
         {.kind = CHAN_RAYLEIGH, .snr_db = 10, .doppler_hz = NAN, .symbol_rate = 1e6}},
        {"Doppler without rate", {.kind = CHAN_RAYLEIGH, .snr_db = 10, .doppler_hz = 10}},
        {"Doppler above Nyquist",
         {.kind = CHAN_RICIAN, .snr_db = 10, .doppler_hz = 6e5, .symbol_rate = 1e6}},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        base_err e = BASE_ERR_INIT;
        chan_model *q = chan_model_create(&bad[i].c, &e);
        if (q) fprintf(stderr, "  accepted bad config: %s\n", bad[i].what);
        CU_ASSERT_PTR_NULL(q);
        CU_ASSERT_EQUAL(e.code, BASE_EINVAL);
        CU_ASSERT(e.msg[0] != '\0');
        chan_model_destroy(q);
    }
    base_err e = BASE_ERR_INIT;
    CU_ASSERT_PTR_NULL(chan_model_create(NULL, &e));
    CU_ASSERT_EQUAL(e.code, BASE_EINVAL);
    chan_model *q = make(CHAN_AWGN, 10, 0, 1, 0);
    base_rng r;
    base_rng_init(&r, 1, 1, 1);
    float complex y[4];
    CU_ASSERT_EQUAL(chan_model_execute(q, &r, NULL, y, NULL, 4), BASE_EINVAL);
    CU_ASSERT_EQUAL(chan_model_execute(q, NULL, y, y, NULL, 4), BASE_EINVAL);
    CU_ASSERT_EQUAL(chan_model_execute(NULL, &r, y, y, NULL, 4), BASE_EINVAL);
    CU_ASSERT_EQUAL(chan_model_execute(q, &r, NULL, NULL, NULL, 0), BASE_OK);
    chan_model_destroy(q);
    chan_model_destroy(NULL);
    chan_model_reset(NULL);
}

int main(void)
{
    static const test_case cases[] = {
        {"AWGN noise variance = N0", test_awgn_noise_variance},
        {"BPSK over AWGN vs Q(sqrt(2Eb/N0))", test_bpsk_awgn},
        {"BPSK over Rayleigh vs 1/2(1-sqrt(g/(1+g)))", test_bpsk_rayleigh},
        {"Rician moments and K factor", test_rician_moments},
        {"Doppler autocorrelation vs J0", test_doppler_autocorrelation},
        {"block fading structure and reset", test_block_structure},
        {"determinism, aliasing, CHAN_NONE", test_determinism_and_alias},
        {"ziggurat normal moments and tails", test_ziggurat},
        {"bad inputs", test_bad_inputs},
        {NULL, NULL},
    };
    return test_main("channel/model", cases);
}
