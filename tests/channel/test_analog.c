/* test_analog.c -- the analog link (channel/analog): MSE against closed forms over AWGN
 * and Rayleigh, channel-use accounting, exact round trip without noise, estimated CSI
 * and impairments, bad inputs. */
#include "channel/analog.h"
#include "tests/testutil.h"

#include <math.h>
#include <stdio.h>

/* E1(x) = int_x^inf e^-t / t dt by its series (x <= 1) or continued fraction (x > 1),
 * Numerical Recipes 6.3. */
static double expint_e1(double x)
{
    if (x <= 1.0) {
        double sum = 0.0, term = 1.0;
        for (int k = 1; k < 60; k++) {
            term *= -x / k;
            sum += term / k;
        }
        return -0.5772156649015329 - log(x) - sum;
    }
    double b = x + 1.0, c = 1e300, d = 1.0 / b, h = d;
    for (int i = 1; i < 200; i++) {
        double an = -(double)i * i;
        b += 2.0;
        d = 1.0 / (an * d + b);
        c = b + an / c;
        h *= c * d;
    }
    return h * exp(-x);
}

static chan_analog *make(const chan_analog_config *c)
{
    base_err e = BASE_ERR_INIT;
    chan_analog *q = chan_analog_create(c, &e);
    if (!q) fprintf(stderr, "  create: %s\n", e.msg);
    CU_ASSERT_PTR_NOT_NULL_FATAL(q);
    return q;
}

/* Mean squared error per real of unit-variance Gaussian blocks of n reals. */
static double link_mse(chan_analog *q, base_rng *r, size_t n, size_t blocks)
{
    static float in[8192], out[8192];
    double se = 0.0;
    for (size_t b = 0; b < blocks; b++) {
        for (size_t i = 0; i < n; i++) in[i] = (float)base_rng_normal(r);
        size_t uses = 0;
        CU_ASSERT_EQUAL(chan_analog_execute(q, r, in, out, n, &uses), BASE_OK);
        for (size_t i = 0; i < n; i++) se += (double)(out[i] - in[i]) * (out[i] - in[i]);
    }
    return se / (double)(n * blocks);
}

static void test_mse_awgn(void)
{
    static const struct {
        double snr;
        chan_eq_kind eq;
    } t[] = {{0, CHAN_EQ_MMSE},  {5, CHAN_EQ_MMSE}, {10, CHAN_EQ_MMSE},
             {20, CHAN_EQ_MMSE}, {0, CHAN_EQ_ZF},   {10, CHAN_EQ_ZF}};
    for (size_t s = 0; s < sizeof t / sizeof *t; s++) {
        chan_analog_config c;
        chan_analog_config_default(&c);
        c.channel.snr_db = t[s].snr;
        c.eq = t[s].eq;
        chan_analog *q = make(&c);
        base_rng r;
        base_rng_init(&r, 11, s, base_rng_component("test.analog"));
        double mse = link_mse(q, &r, 2048, 200);
        double g = pow(10.0, t[s].snr / 10.0);
        /* MMSE: per real, s_re has variance 1/2 and noise N0/2: error N0/(1+N0)/2, times
         * 1/a^2 = 2 after de-normalisation: 1/(1+SNR). ZF: noise N0/2 times 2 = 1/SNR. */
        double want = t[s].eq == CHAN_EQ_MMSE ? 1.0 / (1.0 + g) : 1.0 / g;
        TEST_ASSERT_NEAR(mse / want, 1.0, 0.02);
        chan_analog_destroy(q);
    }
}

/* Rayleigh, MMSE, perfect CSI: per real E[N0 / (|h|^2 + N0)] with |h|^2 ~ Exp(1)
 * = (1/g) e^(1/g) E1(1/g). */
static void test_mse_rayleigh(void)
{
    static const double snrs[] = {0, 10, 20};
    for (size_t s = 0; s < sizeof snrs / sizeof *snrs; s++) {
        chan_analog_config c;
        chan_analog_config_default(&c);
        c.channel.kind = CHAN_RAYLEIGH;
        c.channel.snr_db = snrs[s];
        c.channel.coherence = 16;
        chan_analog *q = make(&c);
        base_rng r;
        base_rng_init(&r, 12, s, base_rng_component("test.analog"));
        double mse = link_mse(q, &r, 2048, 200);
        double n0 = pow(10.0, -snrs[s] / 10.0);
        double want = n0 * exp(n0) * expint_e1(n0);
        TEST_ASSERT_NEAR(mse / want, 1.0, 0.05);
        chan_analog_destroy(q);
    }
}

static void test_channel_uses(void)
{
    static const struct {
        size_t n;
        int count_scale;
        chan_est_kind csi;
        size_t spacing;
        size_t want;
    } t[] = {
        {1024, 1, CHAN_EST_PERFECT, 8, 513}, /* 512 symbols + the scale (half a use, rounded up) */
        {1023, 1, CHAN_EST_PERFECT, 8, 512}, /* scale fills the free half of the last symbol */
        {1024, 0, CHAN_EST_PERFECT, 8, 512},
        {1, 0, CHAN_EST_PERFECT, 8, 1},
        {0, 1, CHAN_EST_PERFECT, 8, 0},
        /* 512 data symbols, a pilot per 7: 73 full groups of 8 + 1 pilot + 1 data = 586 */
        {1024, 0, CHAN_EST_LS, 8, 586},
        {1024, 1, CHAN_EST_LS, 8, 587},
        {14, 0, CHAN_EST_LMMSE, 8, 8},  /* 7 data + 1 pilot */
        {16, 0, CHAN_EST_LMMSE, 2, 16}, /* every other position a pilot */
    };
    for (size_t i = 0; i < sizeof t / sizeof *t; i++) {
        chan_analog_config c;
        chan_analog_config_default(&c);
        c.count_scale = t[i].count_scale;
        c.csi = t[i].csi;
        c.pilot_spacing = t[i].spacing;
        c.channel.kind = CHAN_RAYLEIGH;
        chan_analog *q = make(&c);
        CU_ASSERT_EQUAL(chan_analog_uses(q, t[i].n), t[i].want);
        base_rng r;
        base_rng_init(&r, 13, i, 0);
        float in[1024] = {0}, out[1024];
        size_t uses = 12345;
        CU_ASSERT_EQUAL(chan_analog_execute(q, &r, in, out, t[i].n, &uses), BASE_OK);
        if (uses != t[i].want)
            fprintf(stderr, "  n=%zu: uses %zu, want %zu\n", t[i].n, uses, t[i].want);
        CU_ASSERT_EQUAL(uses, t[i].want);
        chan_analog_destroy(q);
    }
}

/* No noise: out == in (odd and even n, ZF and MMSE with N0 = 0, in-place). */
static void test_noiseless_roundtrip(void)
{
    static const size_t ns[] = {1, 2, 7, 100, 1001};
    for (int eq = 0; eq < 2; eq++)
        for (size_t k = 0; k < sizeof ns / sizeof *ns; k++) {
            chan_analog_config c;
            chan_analog_config_default(&c);
            c.channel.kind = CHAN_NONE;
            c.eq = eq ? CHAN_EQ_MMSE : CHAN_EQ_ZF;
            chan_analog *q = make(&c);
            base_rng r;
            base_rng_init(&r, 14, k, 0);
            float in[1001], buf[1001];
            for (size_t i = 0; i < ns[k]; i++) buf[i] = in[i] = 3.0f * (float)base_rng_normal(&r);
            CU_ASSERT_EQUAL(chan_analog_execute(q, &r, buf, buf, ns[k], NULL), BASE_OK);
            TEST_ASSERT_CLOSE_F(buf, in, ns[k], 1e-5);
            chan_analog_destroy(q);
        }
    /* an all-zero block stays zero (scale 1, no division by zero) */
    chan_analog_config c;
    chan_analog_config_default(&c);
    c.channel.kind = CHAN_NONE;
    chan_analog *q = make(&c);
    base_rng r;
    base_rng_init(&r, 14, 99, 0);
    float z[10] = {0}, o[10];
    CU_ASSERT_EQUAL(chan_analog_execute(q, &r, z, o, 10, NULL), BASE_OK);
    TEST_ASSERT_CLOSE_F(o, z, 10, 0.0);
    chan_analog_destroy(q);
}

/* Estimated CSI: MSE ordered perfect < LMMSE < LS, and within a sane factor of perfect;
 * pilots also track a carrier frequency offset that would ruin an unaware receiver. */
static void test_estimated_csi(void)
{
    double mse[3];
    for (int k = 0; k < 3; k++) {
        chan_analog_config c;
        chan_analog_config_default(&c);
        c.channel.kind = CHAN_RAYLEIGH;
        c.channel.snr_db = 10;
        c.channel.coherence = 256;
        c.csi = (chan_est_kind)k;
        c.pilot_spacing = 8;
        c.lmmse_taps = 8;
        chan_analog *q = make(&c);
        base_rng r;
        base_rng_init(&r, 15, 0, base_rng_component("test.est"));
        mse[k] = link_mse(q, &r, 2048, 200);
        chan_analog_destroy(q);
    }
    fprintf(stderr, "  MSE perfect %.4f LS %.4f LMMSE %.4f\n", mse[0], mse[1], mse[2]);
    CU_ASSERT(mse[CHAN_EST_PERFECT] < mse[CHAN_EST_LMMSE]);
    CU_ASSERT(mse[CHAN_EST_LMMSE] < mse[CHAN_EST_LS]);
    CU_ASSERT(mse[CHAN_EST_LS] < 2.0 * mse[CHAN_EST_PERFECT]);

    /* AWGN + CFO of 1e-3 cycles/symbol: LS pilots every 8 symbols track the rotation */
    double m_cfo[2];
    for (int k = 0; k < 2; k++) {
        chan_analog_config c;
        chan_analog_config_default(&c);
        c.channel.snr_db = 15;
        c.csi = CHAN_EST_LS;
        c.impair.cfo_hz = k ? 1e3 : 0.0; /* symbol rate 1e6 */
        chan_analog *q = make(&c);
        base_rng r;
        base_rng_init(&r, 16, k, base_rng_component("test.cfo"));
        m_cfo[k] = link_mse(q, &r, 2048, 50);
        chan_analog_destroy(q);
    }
    fprintf(stderr, "  LS MSE without CFO %.4f, with %.4f\n", m_cfo[0], m_cfo[1]);
    TEST_ASSERT_NEAR(m_cfo[1] / m_cfo[0], 1.0, 0.1);
}

/* Time-selective fading (f_D T = 0.002): LMMSE with the J0 correlation beats LS
 * interpolation and stays close to perfect CSI. */
static void test_doppler_estimation(void)
{
    double mse[3];
    for (int k = 0; k < 3; k++) {
        chan_analog_config c;
        chan_analog_config_default(&c);
        c.channel.kind = CHAN_RAYLEIGH;
        c.channel.snr_db = 10;
        c.channel.doppler_hz = 2000;
        c.channel.symbol_rate = 1e6;
        c.csi = (chan_est_kind)k;
        c.pilot_spacing = 8;
        c.lmmse_taps = 8;
        chan_analog *q = make(&c);
        base_rng r;
        base_rng_init(&r, 17, 0, base_rng_component("test.doppler"));
        mse[k] = link_mse(q, &r, 2048, 100);
        chan_analog_destroy(q);
    }
    fprintf(stderr, "  MSE perfect %.4f LS %.4f LMMSE %.4f\n", mse[0], mse[1], mse[2]);
    CU_ASSERT(mse[CHAN_EST_LMMSE] < mse[CHAN_EST_LS]);
    CU_ASSERT(mse[CHAN_EST_LMMSE] < 1.3 * mse[CHAN_EST_PERFECT]);
}

static void test_bad_inputs(void)
{
    chan_analog_config good;
    chan_analog_config_default(&good);
    chan_analog_config c[8];
    for (int i = 0; i < 8; i++) c[i] = good;
    c[0].max_reals = 0;
    c[1].eq = (chan_eq_kind)7;
    c[2].csi = (chan_est_kind)9;
    c[3].channel.snr_db = NAN;
    c[4].csi = CHAN_EST_LMMSE, c[4].lmmse_taps = 0;
    c[5].csi = CHAN_EST_LS, c[5].pilot_spacing = 1;
    c[6].impair.linewidth_hz = -5;
    c[7].channel.kind = CHAN_RICIAN, c[7].channel.k_factor_db = NAN;
    for (int i = 0; i < 8; i++) {
        base_err e = BASE_ERR_INIT;
        chan_analog *q = chan_analog_create(&c[i], &e);
        if (q) fprintf(stderr, "  accepted bad config %d\n", i);
        CU_ASSERT_PTR_NULL(q);
        CU_ASSERT_EQUAL(e.code, BASE_EINVAL);
        chan_analog_destroy(q);
    }
    CU_ASSERT_PTR_NULL(chan_analog_create(NULL, NULL));
    good.max_reals = 16;
    chan_analog *q = make(&good);
    base_rng r;
    base_rng_init(&r, 1, 2, 3);
    float buf[32] = {0};
    CU_ASSERT_EQUAL(chan_analog_execute(q, &r, buf, buf, 17, NULL), BASE_ERANGE);
    CU_ASSERT_EQUAL(chan_analog_execute(q, &r, NULL, buf, 4, NULL), BASE_EINVAL);
    CU_ASSERT_EQUAL(chan_analog_execute(q, NULL, buf, buf, 4, NULL), BASE_EINVAL);
    chan_analog_destroy(q);
    chan_analog_destroy(NULL);
}

int main(void)
{
    static const test_case cases[] = {
        {"MSE over AWGN: MMSE 1/(1+SNR), ZF 1/SNR", test_mse_awgn},
        {"MSE over Rayleigh: (1/g) e^(1/g) E1(1/g)", test_mse_rayleigh},
        {"channel-use count", test_channel_uses},
        {"noiseless round trip", test_noiseless_roundtrip},
        {"estimated CSI and CFO tracking", test_estimated_csi},
        {"estimated CSI under Doppler", test_doppler_estimation},
        {"bad inputs", test_bad_inputs},
        {NULL, NULL},
    };
    return test_main("channel/analog", cases);
}
