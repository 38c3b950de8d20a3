/* test_impair.c -- carrier frequency offset and Wiener phase noise (channel/impair):
 * exact CFO phase ramp, phase-noise increment variance 2 pi beta / Fs, the Lorentzian
 * coherence E[exp(j dtheta(m))] = exp(-pi beta m / Fs), continuity across calls, bad input. */
#include "channel/impair.h"
#include "tests/testutil.h"

#include <math.h>
#include <stdio.h>

static chan_impair *make(double cfo, double lw, double fs)
{
    chan_impair_config c;
    chan_impair_config_default(&c);
    c.cfo_hz = cfo;
    c.linewidth_hz = lw;
    c.sample_rate = fs;
    base_err e = BASE_ERR_INIT;
    chan_impair *q = chan_impair_create(&c, &e);
    if (!q) fprintf(stderr, "  create: %s\n", e.msg);
    CU_ASSERT_PTR_NOT_NULL_FATAL(q);
    return q;
}

static void test_cfo_ramp(void)
{
    static const double cfo[] = {1e3, -2.5e4, 1e5};
    enum { N = 10000 };
    static float complex x[N], y[N];
    static double ph[N];
    for (size_t i = 0; i < N; i++) x[i] = 1.0f;
    for (size_t s = 0; s < sizeof cfo / sizeof *cfo; s++) {
        chan_impair *q = make(cfo[s], 0.0, 1e6);
        CU_ASSERT_EQUAL(chan_impair_execute(q, NULL, x, y, ph, N), BASE_OK);
        double step = 2 * M_PI * cfo[s] / 1e6, worst = 0, worst_y = 0;
        for (size_t i = 1; i < N; i++) {
            double d = remainder(ph[i] - ph[i - 1] - step, 2 * M_PI);
            if (fabs(d) > worst) worst = fabs(d);
            double complex want = cexp(I * step * (double)i);
            double e = cabs(y[i] - want);
            if (e > worst_y) worst_y = e;
        }
        TEST_ASSERT_NEAR(worst, 0.0, 1e-9);
        TEST_ASSERT_NEAR(worst_y, 0.0, 1e-5);
        chan_impair_destroy(q);
    }
}

static void test_phase_noise_statistics(void)
{
    static const double lw[] = {100.0, 1e3, 1e4};
    static const size_t lags[] = {1, 10, 100};
    enum { N = 400000, NL = sizeof lags / sizeof *lags };
    static float complex x[N], y[N];
    static double ph[N];
    for (size_t i = 0; i < N; i++) x[i] = 1.0f;
    const double fs = 1e6;
    for (size_t s = 0; s < sizeof lw / sizeof *lw; s++) {
        chan_impair *q = make(0.0, lw[s], fs);
        base_rng r;
        base_rng_init(&r, 31, s, base_rng_component("test.pn"));
        chan_impair_execute(q, &r, x, y, ph, N);
        double var = 2 * M_PI * lw[s] / fs, m1 = 0, m2 = 0;
        for (size_t i = 1; i < N; i++) {
            double d = ph[i] - ph[i - 1];
            m1 += d;
            m2 += d * d;
        }
        m1 /= N - 1;
        m2 /= N - 1;
        TEST_ASSERT_NEAR(m1, 0.0, 5 * sqrt(var / N));
        TEST_ASSERT_NEAR(m2 / var, 1.0, 5 * sqrt(2.0 / N));
        for (size_t l = 0; l < NL; l++) {
            double complex acc = 0;
            for (size_t i = 0; i + lags[l] < N; i++) acc += y[i + lags[l]] * conjf(y[i]);
            acc /= (double)(N - lags[l]);
            double want = exp(-M_PI * lw[s] * (double)lags[l] / fs);
            /* overlapping windows: effective samples ~ N/lag; generous 0.02 */
            TEST_ASSERT_NEAR(creal(acc), want, 0.02);
        }
        chan_impair_destroy(q);
    }
}

/* Two calls of n/2 give the same rotation as one call of n; reset restarts. */
static void test_continuity(void)
{
    enum { N = 1000 };
    float complex x[N], a[N], b[N];
    for (size_t i = 0; i < N; i++) x[i] = 1.0f + 0.5f * I;
    chan_impair *q = make(1234.0, 500.0, 1e6);
    base_rng r1, r2;
    base_rng_init(&r1, 32, 0, 0);
    base_rng_init(&r2, 32, 0, 0);
    chan_impair_execute(q, &r1, x, a, NULL, N);
    chan_impair_reset(q);
    chan_impair_execute(q, &r2, x, b, NULL, N / 2);
    chan_impair_execute(q, &r2, x + N / 2, b + N / 2, NULL, N - N / 2);
    TEST_ASSERT_CLOSE_F((const float *)a, (const float *)b, 2 * N, 1e-5);
    CU_ASSERT_EQUAL(a[0], x[0]); /* phase 0 at the first sample */
    chan_impair_destroy(q);
}

static void test_bad_inputs(void)
{
    static const chan_impair_config bad[] = {
        {.cfo_hz = 0, .linewidth_hz = 0, .sample_rate = 0},
        {.cfo_hz = NAN, .sample_rate = 1e6},
        {.cfo_hz = 6e5, .sample_rate = 1e6},
        {.linewidth_hz = -1, .sample_rate = 1e6},
        {.linewidth_hz = INFINITY, .sample_rate = 1e6},
        {.phase0 = NAN, .sample_rate = 1e6},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        base_err e = BASE_ERR_INIT;
        chan_impair *q = chan_impair_create(&bad[i], &e);
        if (q) fprintf(stderr, "  accepted bad config %zu\n", i);
        CU_ASSERT_PTR_NULL(q);
        CU_ASSERT_EQUAL(e.code, BASE_EINVAL);
        chan_impair_destroy(q);
    }
    CU_ASSERT_PTR_NULL(chan_impair_create(NULL, NULL));
    chan_impair *q = make(0, 10, 1e6);
    float complex v[2] = {1, 1};
    CU_ASSERT_EQUAL(chan_impair_execute(q, NULL, v, v, NULL, 2), BASE_EINVAL); /* needs rng */
    chan_impair_destroy(q);
    chan_impair_destroy(NULL);
}

int main(void)
{
    static const test_case cases[] = {
        {"CFO phase ramp", test_cfo_ramp},
        {"Wiener phase noise statistics", test_phase_noise_statistics},
        {"continuity across calls", test_continuity},
        {"bad inputs", test_bad_inputs},
        {NULL, NULL},
    };
    return test_main("channel/impair", cases);
}
