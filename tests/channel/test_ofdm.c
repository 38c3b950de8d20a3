/* test_ofdm.c -- multipath over OFDM (channel/ofdm): with perfect CSI every subcarrier
 * is flat Rayleigh, so BPSK BER = 1/2(1 - sqrt(g/(1+g))); E|H|^2 = 1 and the frequency
 * correlation equals the profile's transform; cyclic-prefix and pilot accounting;
 * noiseless round trip; named profiles; estimated CSI; bad inputs. */
#include "channel/ofdm.h"
#include "tests/testutil.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static chan_ofdm *make(const chan_ofdm_config *c)
{
    base_err e = BASE_ERR_INIT;
    chan_ofdm *q = chan_ofdm_create(c, &e);
    if (!q) fprintf(stderr, "  create: %s\n", e.msg);
    CU_ASSERT_PTR_NOT_NULL_FATAL(q);
    return q;
}

enum { BLK = 4096, BATCHES = 40 };

/* BPSK BER over the link; the spread of per-batch BERs gives the tolerance, because
 * errors on the subcarriers of one OFDM symbol are correlated. */
static void ofdm_ber(chan_ofdm *q, base_rng *r, size_t blocks_per_batch, double *ber, double *sd)
{
    static float complex x[BLK], y[BLK];
    double b[BATCHES], m = 0, v = 0;
    for (int k = 0; k < BATCHES; k++) {
        size_t err = 0;
        for (size_t t = 0; t < blocks_per_batch; t++) {
            for (size_t i = 0; i < BLK; i++) x[i] = (base_rng_u64(r) >> 63) ? 1.0f : -1.0f;
            chan_ofdm_execute(q, r, x, y, NULL, BLK, NULL);
            for (size_t i = 0; i < BLK; i++) err += (crealf(y[i]) >= 0.0f) != (crealf(x[i]) > 0.0f);
        }
        b[k] = (double)err / (double)(blocks_per_batch * BLK);
        m += b[k];
    }
    m /= BATCHES;
    for (int k = 0; k < BATCHES; k++) v += (b[k] - m) * (b[k] - m);
    *ber = m;
    *sd = sqrt(v / (BATCHES - 1) / BATCHES);
}

static void test_ber_vs_flat_rayleigh(void)
{
    static const struct {
        chan_pdp_kind pdp;
        double snr;
    } t[] = {{CHAN_PDP_EXP, 0},  {CHAN_PDP_EXP, 5},  {CHAN_PDP_EXP, 10},
             {CHAN_PDP_EXP, 20}, {CHAN_PDP_EPA, 10}, {CHAN_PDP_PEDA, 5}};
    for (size_t s = 0; s < sizeof t / sizeof *t; s++) {
        chan_ofdm_config c;
        chan_ofdm_config_default(&c);
        c.pdp = t[s].pdp;
        c.snr_db = t[s].snr;
        c.max_symbols = BLK;
        chan_ofdm *q = make(&c);
        base_rng r;
        base_rng_init(&r, 41, s, base_rng_component("test.ofdm"));
        double ber, sd;
        ofdm_ber(q, &r, 4, &ber, &sd);
        double g = pow(10.0, t[s].snr / 10.0);
        double p = 0.5 * (1.0 - sqrt(g / (1.0 + g)));
        fprintf(stderr, "  pdp %d snr %g: BER %.5f (sd %.5f), theory %.5f\n", (int)t[s].pdp,
                t[s].snr, ber, sd, p);
        TEST_ASSERT_NEAR(ber, p, 5.0 * sd + 0.02 * p);
        chan_ofdm_destroy(q);
    }
}

/* E|H[k]|^2 = 1 and E[H[k+d] H[k]^*] = sum_l p_l exp(-j 2 pi d d_l / N). */
static void test_frequency_response(void)
{
    chan_ofdm_config c;
    chan_ofdm_config_default(&c);
    c.snr_db = 30;
    c.max_symbols = 64;
    chan_ofdm *q = make(&c);
    base_rng r;
    base_rng_init(&r, 42, 0, 0);
    float complex x[64], y[64], h[64];
    for (int i = 0; i < 64; i++) x[i] = 1.0f;
    double complex acc[4] = {0};
    enum { R = 20000 };
    for (int k = 0; k < R; k++) {
        chan_ofdm_execute(q, &r, x, y, h, 64, NULL);
        for (int d = 0; d < 4; d++) {
            double complex s = 0;
            for (int i = 0; i + d < 64; i++) s += h[i + d] * conjf(h[i]);
            acc[d] += s / (64 - d);
        }
    }
    double complex want[4];
    chan_ofdm_corr(q, want, 4);
    for (int d = 0; d < 4; d++) {
        TEST_ASSERT_NEAR(creal(acc[d]) / R, creal(want[d]), 0.02);
        TEST_ASSERT_NEAR(cimag(acc[d]) / R, cimag(want[d]), 0.02);
    }
    TEST_ASSERT_NEAR(creal(want[0]), 1.0, 1e-12);
    chan_ofdm_destroy(q);
}

static void test_channel_uses(void)
{
    static const struct {
        size_t nfft, cp, n;
        chan_est_kind csi;
        size_t S;
        size_t D, uses;
    } t[] = {
        {64, 16, 64, CHAN_EST_PERFECT, 4, 64, 80},
        {64, 16, 65, CHAN_EST_PERFECT, 4, 64, 160}, /* a second, padded OFDM symbol */
        {64, 16, 1, CHAN_EST_PERFECT, 4, 64, 80},
        {64, 16, 0, CHAN_EST_PERFECT, 4, 64, 0},
        {64, 16, 48, CHAN_EST_LS, 4, 48, 80},      /* 16 pilots per symbol */
        {64, 16, 100, CHAN_EST_LMMSE, 4, 48, 240}, /* 3 symbols */
        {128, 9, 200, CHAN_EST_LS, 8, 112, 274},
        {65, 8, 10, CHAN_EST_LS, 8, 56, 73}, /* 9 pilots: 0, 8, ..., 64 */
    };
    for (size_t i = 0; i < sizeof t / sizeof *t; i++) {
        chan_ofdm_config c;
        chan_ofdm_config_default(&c);
        c.nfft = t[i].nfft;
        c.cp_len = t[i].cp;
        c.csi = t[i].csi;
        c.pilot_spacing = t[i].S;
        chan_ofdm *q = make(&c);
        CU_ASSERT_EQUAL(chan_ofdm_data_per_symbol(q), t[i].D);
        CU_ASSERT_EQUAL(chan_ofdm_uses(q, t[i].n), t[i].uses);
        base_rng r;
        base_rng_init(&r, 43, i, 0);
        float complex x[256] = {0}, y[256];
        size_t uses = 999;
        CU_ASSERT_EQUAL(chan_ofdm_execute(q, &r, x, y, NULL, t[i].n, &uses), BASE_OK);
        CU_ASSERT_EQUAL(uses, t[i].uses);
        chan_ofdm_destroy(q);
    }
}

/* Noiseless with perfect CSI: ZF returns the input exactly (ISI stays in the prefix). */
static void test_noiseless_roundtrip(void)
{
    static const chan_pdp_kind pdps[] = {CHAN_PDP_EXP, CHAN_PDP_PEDA, CHAN_PDP_EPA};
    for (size_t p = 0; p < 3; p++) {
        chan_ofdm_config c;
        chan_ofdm_config_default(&c);
        c.pdp = pdps[p];
        c.snr_db = 300;
        c.coherence = 2;
        chan_ofdm *q = make(&c);
        base_rng r;
        base_rng_init(&r, 44, p, 0);
        enum { N = 1000 };
        static float complex x[N], y[N];
        for (size_t i = 0; i < N; i++) x[i] = base_rng_cnormal(&r);
        chan_ofdm_execute(q, &r, x, y, NULL, N, NULL);
        /* subcarriers in deep fades amplify float rounding: compare the median-sized error */
        size_t bad = 0;
        for (size_t i = 0; i < N; i++) bad += cabsf(y[i] - x[i]) > 1e-3f;
        if (bad > N / 100) fprintf(stderr, "  pdp %zu: %zu symbols off\n", p, bad);
        CU_ASSERT(bad <= N / 100);
        chan_ofdm_destroy(q);
    }
}

static void test_named_profiles(void)
{
    chan_ofdm_config c;
    chan_ofdm_config_default(&c);
    c.pdp = CHAN_PDP_PEDA; /* 0, 110, 190, 410 ns at 15.36 MHz -> 0, 2, 3, 6 samples */
    chan_ofdm *q = make(&c);
    size_t d[16];
    double p[16];
    CU_ASSERT_EQUAL(chan_ofdm_taps(q, d, p), 4u);
    static const size_t want_d[] = {0, 2, 3, 6};
    static const double db[] = {0, -9.7, -19.2, -22.8};
    double tot = 0;
    for (int i = 0; i < 4; i++) tot += pow(10, db[i] / 10);
    for (int i = 0; i < 4; i++) {
        CU_ASSERT_EQUAL(d[i], want_d[i]);
        TEST_ASSERT_NEAR(p[i], pow(10, db[i] / 10) / tot, 1e-12);
    }
    chan_ofdm_destroy(q);
    /* EPA at 1.92 MHz: 30 and 70 ns round to 0, merged with the first tap */
    c.pdp = CHAN_PDP_EPA;
    c.sample_rate = 1.92e6;
    q = make(&c);
    size_t n = chan_ofdm_taps(q, d, p);
    double sum = 0;
    for (size_t i = 0; i < n; i++) sum += p[i];
    TEST_ASSERT_NEAR(sum, 1.0, 1e-12);
    CU_ASSERT(n < 7);
    CU_ASSERT_EQUAL(d[0], 0u);
    chan_ofdm_destroy(q);
    /* EVA at 15.36 MHz needs a prefix of 39 samples */
    c.pdp = CHAN_PDP_EVA;
    c.sample_rate = 15.36e6;
    c.nfft = 256;
    c.cp_len = 39;
    q = make(&c);
    chan_ofdm_taps(q, d, p);
    CU_ASSERT_EQUAL(d[chan_ofdm_taps(q, NULL, NULL) - 1], 39u);
    chan_ofdm_destroy(q);
}

/* Pilot-based CSI: BER perfect < LMMSE < LS at 10 dB, all within sane bounds. */
static void test_estimated_csi(void)
{
    double ber[3], sd[3];
    for (int k = 0; k < 3; k++) {
        chan_ofdm_config c;
        chan_ofdm_config_default(&c);
        c.snr_db = 10;
        c.csi = (chan_est_kind)k;
        c.pilot_spacing = 4;
        c.lmmse_taps = 8;
        c.max_symbols = BLK;
        chan_ofdm *q = make(&c);
        base_rng r;
        base_rng_init(&r, 45, 0, base_rng_component("test.ofdm.est"));
        ofdm_ber(q, &r, 2, &ber[k], &sd[k]);
        chan_ofdm_destroy(q);
    }
    fprintf(stderr, "  BER perfect %.4f LS %.4f LMMSE %.4f\n", ber[0], ber[1], ber[2]);
    CU_ASSERT(ber[0] < ber[2]);
    CU_ASSERT(ber[2] < ber[1]);
    CU_ASSERT(ber[1] < 3.0 * ber[0]);
}

/* CFO of a fraction eps of the subcarrier spacing on a flat channel, no noise: the
 * wanted subcarrier is scaled by sin(pi eps) / (N sin(pi eps / N)) and the rest of the
 * power, 1 - that^2, leaks as inter-carrier interference (Moose, IEEE Trans. Commun.
 * 42(10), 1994, "A technique for OFDM frequency offset correction"). */
static void test_cfo_ici(void)
{
    static const double eps[] = {0.05, 0.1, 0.2, 0.4};
    enum { N = 64, R = 400 };
    for (size_t s = 0; s < sizeof eps / sizeof *eps; s++) {
        chan_ofdm_config c;
        chan_ofdm_config_default(&c);
        c.nfft = N;
        c.exp_taps = 1;
        c.snr_db = 300;
        c.coherence = 0;
        c.impair.cfo_hz = eps[s] * c.sample_rate / N;
        chan_ofdm *q = make(&c);
        base_rng r;
        base_rng_init(&r, 46, s, 0);
        float complex x[N], y[N], h[N];
        double sig = 0, ici = 0;
        for (int k = 0; k < R; k++) {
            for (int i = 0; i < N; i++)
                x[i] = (float)M_SQRT1_2 * (((base_rng_u64(&r) >> 63) ? 1.0f : -1.0f) +
                                           I * ((base_rng_u64(&r) >> 63) ? 1.0f : -1.0f));
            chan_ofdm_execute(q, &r, x, y, h, N, NULL);
            /* y = ZF output = a x + ICI with a common complex gain a per OFDM symbol */
            double complex a = 0;
            for (int i = 0; i < N; i++) a += y[i] * conjf(x[i]);
            a /= N;
            sig += creal(a * conj(a));
            for (int i = 0; i < N; i++) {
                double complex e = y[i] - a * x[i];
                ici += creal(e * conj(e)) / N;
            }
        }
        double s0 = sin(M_PI * eps[s]) / (N * sin(M_PI * eps[s] / N)), p = 1 - s0 * s0;
        /* a is fitted on the same N symbols, so it absorbs 1/N of the ICI power */
        TEST_ASSERT_NEAR(sig / R, s0 * s0 + p / N, 0.01 * p + 1e-5);
        TEST_ASSERT_NEAR(ici / R / (p * (1.0 - 1.0 / N)), 1.0, 0.03);
        chan_ofdm_destroy(q);
    }
}

static void test_bad_inputs(void)
{
    chan_ofdm_config base;
    chan_ofdm_config_default(&base);
    chan_ofdm_config c[11];
    for (int i = 0; i < 11; i++) c[i] = base;
    c[0].nfft = 4;
    c[1].cp_len = 64;
    c[2].snr_db = NAN;
    c[3].exp_decay = 0;
    c[4].exp_taps = 20;      /* longer than the 16-sample prefix */
    c[5].pdp = CHAN_PDP_EVA; /* 39 samples at 15.36 MHz > 16 */
    c[6].pdp = (chan_pdp_kind)8;
    c[7].csi = CHAN_EST_LS, c[7].pilot_spacing = 1;
    c[8].coherence = (size_t)-1;
    c[9].pdp = CHAN_PDP_EPA, c[9].sample_rate = -1;
    c[10].impair.linewidth_hz = NAN;
    for (int i = 0; i < 11; i++) {
        base_err e = BASE_ERR_INIT;
        chan_ofdm *q = chan_ofdm_create(&c[i], &e);
        if (q) fprintf(stderr, "  accepted bad config %d\n", i);
        CU_ASSERT_PTR_NULL(q);
        CU_ASSERT_EQUAL(e.code, BASE_EINVAL);
        chan_ofdm_destroy(q);
    }
    CU_ASSERT_PTR_NULL(chan_ofdm_create(NULL, NULL));
    base.max_symbols = 10;
    chan_ofdm *q = make(&base);
    base_rng r;
    base_rng_init(&r, 1, 1, 1);
    float complex v[11] = {0};
    CU_ASSERT_EQUAL(chan_ofdm_execute(q, &r, v, v, NULL, 11, NULL), BASE_ERANGE);
    CU_ASSERT_EQUAL(chan_ofdm_execute(q, NULL, v, v, NULL, 4, NULL), BASE_EINVAL);
    chan_ofdm_destroy(q);
    chan_ofdm_destroy(NULL);
}

int main(void)
{
    static const test_case cases[] = {
        {"BPSK BER with perfect CSI vs flat Rayleigh", test_ber_vs_flat_rayleigh},
        {"frequency response power and correlation", test_frequency_response},
        {"channel uses: prefix, pilots, padding", test_channel_uses},
        {"noiseless round trip", test_noiseless_roundtrip},
        {"named power-delay profiles", test_named_profiles},
        {"estimated CSI", test_estimated_csi},
        {"CFO: attenuation and ICI", test_cfo_ici},
        {"bad inputs", test_bad_inputs},
        {NULL, NULL},
    };
    return test_main("channel/ofdm", cases);
}
