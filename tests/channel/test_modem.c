/* test_modem.c -- channel/modem: BER/SER over AWGN against closed forms, LLR sign and
 * scale, soft-byte mapping, bad input. Noise from channel/model (project RNG), seeded. */
#include "channel/modem.h"
#include "channel/model.h"
#include "tests/testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static double qfunc(double x)
{
    return 0.5 * erfc(x / sqrt(2.0));
}

/* |phat - p| within 5 binomial sigmas (n trials) plus a 2% model margin. */
static void check_rate(const char *what, double ebn0_db, double phat, double p, double n)
{
    double tol = 5.0 * sqrt(p * (1.0 - p) / n) + 0.02 * p;
    printf("  %s %.1f dB: measured %.4g, theory %.4g (tol %.2g)\n", what, ebn0_db, phat, p, tol);
    TEST_ASSERT_NEAR(phat, p, tol);
}

/* Send nsym random symbols of kind k over AWGN at Es/N0 snr_db; return bit errors of
 * hard decisions taken from the LLR signs, and symbol errors from liquid's decisions. */
static void run_awgn(chan_mod_kind k, double snr_db, size_t nsym, uint64_t seed, double *ber,
                     double *ser)
{
    chan_modem *m = chan_modem_create(k, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    unsigned bps = chan_modem_bps(m);
    chan_model_config mc;
    chan_model_config_default(&mc);
    mc.kind = CHAN_AWGN;
    mc.snr_db = snr_db;
    chan_model *ch = chan_model_create(&mc, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ch);
    uint8_t *bits = malloc(nsym * bps);
    float complex *x = malloc(nsym * sizeof *x), *y = malloc(nsym * sizeof *y);
    float *llr = malloc(nsym * bps * sizeof *llr);
    unsigned *sym = malloc(nsym * sizeof *sym);
    base_rng r;
    base_rng_init(&r, seed, 0, base_rng_component("test.modem"));
    for (size_t i = 0; i < nsym * bps; i++) bits[i] = (uint8_t)(base_rng_u64(&r) >> 63);
    CU_ASSERT_EQUAL(chan_modem_modulate(m, bits, x, nsym), BASE_OK);
    CU_ASSERT_EQUAL(chan_model_execute(ch, &r, x, y, NULL, nsym), BASE_OK);
    CU_ASSERT_EQUAL(chan_modem_demodulate_llr(m, y, NULL, (float)chan_model_n0(ch), llr, nsym),
                    BASE_OK);
    CU_ASSERT_EQUAL(chan_modem_demodulate_sym(m, y, sym, nsym), BASE_OK);
    size_t be = 0, se = 0;
    for (size_t i = 0; i < nsym; i++) {
        unsigned s = 0;
        for (unsigned b = 0; b < bps; b++) {
            uint8_t bit = bits[i * bps + b];
            s = (s << 1) | bit;
            be += (llr[i * bps + b] > 0.0f) != bit;
        }
        se += sym[i] != s;
    }
    *ber = (double)be / (double)(nsym * bps);
    *ser = (double)se / (double)nsym;
    free(bits);
    free(x);
    free(y);
    free(llr);
    free(sym);
    chan_model_destroy(ch);
    chan_modem_destroy(m);
}

/* BPSK and QPSK (Gray): BER = Q(sqrt(2 Eb/N0)), Es = bps Eb. */
static void test_ber_bpsk_qpsk(void)
{
    static const struct {
        chan_mod_kind k;
        double ebn0_db;
        size_t nsym;
    } cases[] = {
        {CHAN_MOD_BPSK, 0.0, 200000}, {CHAN_MOD_BPSK, 4.0, 400000}, {CHAN_MOD_BPSK, 7.0, 2000000},
        {CHAN_MOD_QPSK, 0.0, 100000}, {CHAN_MOD_QPSK, 4.0, 200000}, {CHAN_MOD_QPSK, 7.0, 1000000},
    };
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        unsigned bps = cases[c].k == CHAN_MOD_BPSK ? 1 : 2;
        double snr = cases[c].ebn0_db + 10.0 * log10((double)bps), ber, ser;
        run_awgn(cases[c].k, snr, cases[c].nsym, 11 + c, &ber, &ser);
        double p = qfunc(sqrt(2.0 * pow(10.0, cases[c].ebn0_db / 10.0)));
        check_rate(chan_modem_kind_name(cases[c].k), cases[c].ebn0_db, ber, p,
                   (double)(cases[c].nsym * bps));
    }
}

/* Square M-QAM SER (Proakis, Digital Communications, eq. 4.3-30):
 * Ps = 1 - (1 - 2 (1 - 1/sqrt(M)) Q(sqrt(3 Es/N0 / (M-1))))^2. */
static void test_ser_qam16(void)
{
    static const double esn0[] = {8.0, 12.0, 16.0};
    static const size_t nsym[] = {100000, 200000, 2000000};
    for (size_t c = 0; c < 3; c++) {
        double ber, ser, g = pow(10.0, esn0[c] / 10.0);
        run_awgn(CHAN_MOD_QAM16, esn0[c], nsym[c], 101 + c, &ber, &ser);
        double pq = 2.0 * (1.0 - 0.25) * qfunc(sqrt(3.0 * g / 15.0));
        double ps = 1.0 - (1.0 - pq) * (1.0 - pq);
        check_rate("16qam SER, Es/N0", esn0[c], ser, ps, (double)nsym[c]);
    }
}

/* Every constellation has unit energy; the noise-free LLR of every point has the right
 * sign on every bit (modulate and demodulate agree on the mapping). */
static void test_llr_sign_energy(void)
{
    for (int k = 0; k < CHAN_MOD_COUNT; k++) {
        chan_modem *m = chan_modem_create((chan_mod_kind)k, NULL);
        CU_ASSERT_PTR_NOT_NULL_FATAL(m);
        unsigned bps = chan_modem_bps(m), M = 1u << bps;
        double e = 0.0;
        int bad = 0;
        for (unsigned s = 0; s < M; s++) {
            uint8_t bits[8];
            for (unsigned b = 0; b < bps; b++) bits[b] = (s >> (bps - 1 - b)) & 1;
            float complex x;
            float llr[8];
            chan_modem_modulate(m, bits, &x, 1);
            e += crealf(x) * crealf(x) + cimagf(x) * cimagf(x);
            chan_modem_demodulate_llr(m, &x, NULL, 0.1f, llr, 1);
            for (unsigned b = 0; b < bps; b++) bad += (llr[b] > 0.0f) != bits[b] || llr[b] == 0.0f;
            unsigned sym;
            chan_modem_demodulate_sym(m, &x, &sym, 1);
            bad += sym != s;
        }
        if (bad)
            printf("  %s: %d wrong signs/decisions\n", chan_modem_kind_name((chan_mod_kind)k), bad);
        CU_ASSERT_EQUAL(bad, 0);
        TEST_ASSERT_NEAR(e / M, 1.0, 1e-5);
        chan_modem_destroy(m);
    }
}

/* BPSK LLR is exactly -4 Re(y)/nvar (point 0 is +1); halving nvar doubles every LLR;
 * over AWGN the LLR is consistent: mean 4 Es/N0, variance 8 Es/N0 (= 2 |mean|). */
static void test_llr_scale(void)
{
    chan_modem *m = chan_modem_create(CHAN_MOD_BPSK, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    float complex y[3] = {0.3f + 0.2f * I, -1.7f, 0.0f};
    float nv[3] = {0.5f, 0.25f, 1.0f}, llr[3];
    chan_modem_demodulate_llr(m, y, nv, 0.0f, llr, 3);
    TEST_ASSERT_NEAR(llr[0], -4.0 * 0.3 / 0.5, 1e-5);
    TEST_ASSERT_NEAR(llr[1], 4.0 * 1.7 / 0.25, 1e-4);
    TEST_ASSERT_NEAR(llr[2], 0.0, 1e-6);
    chan_modem_destroy(m);

    m = chan_modem_create(CHAN_MOD_QAM64, NULL);
    float complex z = 0.37f - 0.81f * I;
    float a[6], b[6];
    chan_modem_demodulate_llr(m, &z, NULL, 0.2f, a, 1);
    chan_modem_demodulate_llr(m, &z, NULL, 0.1f, b, 1);
    float a2[6];
    for (int i = 0; i < 6; i++) a2[i] = 2.0f * a[i];
    TEST_ASSERT_CLOSE_F(b, a2, 6, 1e-4);
    /* infinite noise: erasure */
    float inf = INFINITY;
    chan_modem_demodulate_llr(m, &z, &inf, 0.0f, a, 1);
    for (int i = 0; i < 6; i++) CU_ASSERT_EQUAL(a[i], 0.0f);
    chan_modem_destroy(m);

    /* consistency over AWGN: all-zero bits (+1) at Es/N0 = 2 dB */
    enum { N = 200000 };
    m = chan_modem_create(CHAN_MOD_BPSK, NULL);
    chan_model_config mc;
    chan_model_config_default(&mc);
    mc.kind = CHAN_AWGN;
    mc.snr_db = 2.0;
    chan_model *ch = chan_model_create(&mc, NULL);
    static float complex x[N], yy[N];
    static float l[N];
    static uint8_t bits[N];
    base_rng r;
    base_rng_init(&r, 5, 0, base_rng_component("test.modem.llr"));
    chan_modem_modulate(m, bits, x, N);
    chan_model_execute(ch, &r, x, yy, NULL, N);
    chan_modem_demodulate_llr(m, yy, NULL, (float)chan_model_n0(ch), l, N);
    double s1 = 0, s2 = 0, g = pow(10.0, 0.2);
    for (int i = 0; i < N; i++) s1 += l[i], s2 += (double)l[i] * l[i];
    double mean = s1 / N, var = s2 / N - mean * mean;
    /* bit 0 -> negative LLR (L = ln P(1)/P(0)) */
    TEST_ASSERT_NEAR(mean, -4.0 * g, 0.02 * 4.0 * g);
    TEST_ASSERT_NEAR(var, 8.0 * g, 0.03 * 8.0 * g);
    chan_model_destroy(ch);
    chan_modem_destroy(m);
}

static void test_soft_bytes(void)
{
    float llr[7] = {0.0f, 1.0f, -1.0f, 100.0f, -100.0f, NAN, 15.0f};
    uint8_t s[7];
    chan_llr_to_soft(llr, s, 7);
    static const uint8_t want[7] = {128, 133, 123, 255, 0, 128, 203}; /* 128 + 5 L */
    for (int i = 0; i < 7; i++) CU_ASSERT_EQUAL(s[i], want[i]);
}

static void test_bad_input(void)
{
    chan_mod_kind k;
    base_err e = BASE_ERR_INIT;
    CU_ASSERT_EQUAL(chan_modem_kind_from_name("qam17", &k, &e), BASE_ENOTFOUND);
    CU_ASSERT(e.msg[0] != 0);
    CU_ASSERT_EQUAL(chan_modem_kind_from_name(NULL, &k, NULL), BASE_EINVAL);
    CU_ASSERT_EQUAL(chan_modem_kind_from_name("16qam", &k, NULL), BASE_OK);
    CU_ASSERT_EQUAL(k, CHAN_MOD_QAM16);
    CU_ASSERT_PTR_NULL(chan_modem_create((chan_mod_kind)99, NULL));
    CU_ASSERT_PTR_NULL(chan_modem_kind_name((chan_mod_kind)99));
    chan_modem *m = chan_modem_create(CHAN_MOD_QPSK, NULL);
    uint8_t bits[2] = {1, 2};
    float complex x;
    float l[2];
    CU_ASSERT_EQUAL(chan_modem_modulate(m, bits, &x, 1), BASE_EINVAL);
    CU_ASSERT_EQUAL(chan_modem_modulate(m, NULL, &x, 1), BASE_EINVAL);
    CU_ASSERT_EQUAL(chan_modem_demodulate_llr(m, &x, NULL, -1.0f, l, 1), BASE_EINVAL);
    CU_ASSERT_EQUAL(chan_modem_demodulate_llr(m, NULL, NULL, 1.0f, l, 1), BASE_EINVAL);
    chan_modem_destroy(m);
    chan_modem_destroy(NULL);
}

static const test_case cases[] = {
    {"BPSK/QPSK BER vs Q(sqrt(2Eb/N0))", test_ber_bpsk_qpsk},
    {"16-QAM SER vs closed form", test_ser_qam16},
    {"constellation energy, LLR signs", test_llr_sign_energy},
    {"LLR scale and consistency", test_llr_scale},
    {"LLR to soft bytes", test_soft_bytes},
    {"bad input", test_bad_input},
    {NULL, NULL},
};

int main(void)
{
    return test_main("channel/modem", cases);
}
