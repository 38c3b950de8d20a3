/* test_fec.c -- channel/fec: noise-free round trips for every code, exact error
 * correction on crafted patterns (Hamming (7,4), Golay (24,12), SEC-DED (72,64)),
 * K=7 r=1/2 soft Viterbi BER against the transfer-function bound, bad input. */
#include "channel/digital.h"
#include "channel/fec.h"
#include "tests/testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void fill(uint8_t *m, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++) m[i] = (uint8_t)(seed * 131u + i * 71u + (i >> 3) * 29u + 7u);
}

/* coded bits -> hard soft bytes (0/255) */
static void to_soft(const uint8_t *bits, uint8_t *soft, size_t n)
{
    for (size_t i = 0; i < n; i++) soft[i] = bits[i] ? 255 : 0;
}

static void test_round_trip(void)
{
    static const size_t lens[] = {1, 2, 3, 4, 5, 8, 17, 64, 255};
    for (int k = 0; k < CHAN_FEC_COUNT; k++)
        for (size_t l = 0; l < sizeof lens / sizeof *lens; l++) {
            size_t n = lens[l];
            chan_fec *q = chan_fec_create((chan_fec_kind)k, n, NULL);
            CU_ASSERT_PTR_NOT_NULL_FATAL(q);
            size_t c = chan_fec_coded_bits(q);
            uint8_t *m = malloc(n), *d = malloc(n), *bits = malloc(c), *soft = malloc(c);
            fill(m, n, (unsigned)(k + 3 * l));
            CU_ASSERT_EQUAL(chan_fec_encode(q, m, bits), BASE_OK);
            int nonbin = 0;
            for (size_t i = 0; i < c; i++) nonbin += bits[i] > 1;
            CU_ASSERT_EQUAL(nonbin, 0);
            to_soft(bits, soft, c);
            CU_ASSERT_EQUAL(chan_fec_decode(q, soft, d), BASE_OK);
            if (memcmp(m, d, n) != 0)
                printf("  %s len %zu: round trip failed\n", chan_fec_kind_name((chan_fec_kind)k),
                       n);
            CU_ASSERT(memcmp(m, d, n) == 0);
            free(m), free(d), free(bits), free(soft);
            chan_fec_destroy(q);
        }
}

/* Coded lengths: liquid's lengths and our convolutional ones, checked by hand. */
static void test_lengths(void)
{
    static const struct {
        chan_fec_kind k;
        size_t bytes, coded;
    } cases[] = {
        {CHAN_FEC_NONE, 8, 64},       {CHAN_FEC_REP3, 8, 192},
        {CHAN_FEC_HAMMING74, 4, 56},  {CHAN_FEC_HAMMING74, 3, 48}, /* 42 bits + 6 pad */
        {CHAN_FEC_GOLAY2412, 3, 48},  {CHAN_FEC_SECDED7264, 8, 72},
        {CHAN_FEC_CONV27, 8, 140},    /* 2 (64 + 6) */
        {CHAN_FEC_CONV27P23, 8, 105}, /* 70 input bits: 35 periods x 3 */
        {CHAN_FEC_CONV27P34, 8, 94},  /* 70 = 23 x 3 + 1: 23 x 4 + 2 */
    };
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        chan_fec *q = chan_fec_create(cases[c].k, cases[c].bytes, NULL);
        CU_ASSERT_PTR_NOT_NULL_FATAL(q);
        if (chan_fec_coded_bits(q) != cases[c].coded)
            printf("  %s: %zu coded bits, want %zu\n", chan_fec_kind_name(cases[c].k),
                   chan_fec_coded_bits(q), cases[c].coded);
        CU_ASSERT_EQUAL(chan_fec_coded_bits(q), cases[c].coded);
        chan_fec_destroy(q);
    }
}

/* Flip the coded bits listed in pos[npos]; return 1 if the decoder restored msg. */
static int decode_with_errors(chan_fec *q, const uint8_t *msg, const size_t *pos, size_t npos)
{
    size_t c = chan_fec_coded_bits(q), n = chan_fec_msg_bytes(q);
    uint8_t bits[512], soft[512], d[64];
    chan_fec_encode(q, msg, bits);
    for (size_t i = 0; i < npos; i++) bits[pos[i]] ^= 1;
    to_soft(bits, soft, c);
    chan_fec_decode(q, soft, d);
    return memcmp(d, msg, n) == 0;
}

/* Hamming (7,4): every single-bit error is corrected (both liquid's soft path, 4-byte
 * messages, and the hard path used for other lengths); every 2-bit error inside one
 * codeword is miscorrected (a perfect code: the word is 1 away from another codeword). */
static void test_hamming74_patterns(void)
{
    static const size_t lens[] = {4, 3};
    for (size_t l = 0; l < 2; l++) {
        chan_fec *q = chan_fec_create(CHAN_FEC_HAMMING74, lens[l], NULL);
        CU_ASSERT_PTR_NOT_NULL_FATAL(q);
        uint8_t m[4];
        fill(m, lens[l], 9);
        size_t nbits = lens[l] * 2 * 7, corrected = 0; /* 7 coded bits per nibble */
        for (size_t i = 0; i < nbits; i++) corrected += (size_t)decode_with_errors(q, m, &i, 1);
        printf("  %zu-byte message: %zu of %zu single errors corrected\n", lens[l], corrected,
               nbits);
        CU_ASSERT_EQUAL(corrected, nbits);
        size_t wrong = 0, pairs = 0;
        for (size_t cw = 0; cw < 2 * lens[l]; cw++)
            for (size_t a = 0; a < 7; a++)
                for (size_t b = a + 1; b < 7; b++) {
                    size_t pos[2] = {7 * cw + a, 7 * cw + b};
                    wrong += !decode_with_errors(q, m, pos, 2);
                    pairs++;
                }
        printf("  %zu-byte message: %zu of %zu double errors miscorrected\n", lens[l], wrong,
               pairs);
        CU_ASSERT_EQUAL(wrong, pairs);
        chan_fec_destroy(q);
    }
}

/* Golay (24,12): every pattern of 1, 2 or 3 errors in a codeword is corrected
 * (2 x 2324 patterns), and 4 errors are not always corrected (d = 8). */
static void test_golay_patterns(void)
{
    chan_fec *q = chan_fec_create(CHAN_FEC_GOLAY2412, 3, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(q);
    uint8_t m[3];
    fill(m, 3, 4);
    size_t tried = 0, ok = 0;
    for (size_t cw = 0; cw < 2; cw++)
        for (size_t a = 0; a < 24; a++) {
            size_t p1[1] = {24 * cw + a};
            tried++, ok += (size_t)decode_with_errors(q, m, p1, 1);
            for (size_t b = a + 1; b < 24; b++) {
                size_t p2[2] = {24 * cw + a, 24 * cw + b};
                tried++, ok += (size_t)decode_with_errors(q, m, p2, 2);
                for (size_t c = b + 1; c < 24; c++) {
                    size_t p3[3] = {24 * cw + a, 24 * cw + b, 24 * cw + c};
                    tried++, ok += (size_t)decode_with_errors(q, m, p3, 3);
                }
            }
        }
    printf("  %zu of %zu patterns of weight <= 3 corrected\n", ok, tried);
    CU_ASSERT_EQUAL(tried, 2 * (24 + 276 + 2024));
    CU_ASSERT_EQUAL(ok, tried);
    size_t four = 0;
    for (size_t a = 0; a + 3 < 24; a++) {
        size_t p4[4] = {a, a + 1, a + 2, a + 3};
        four += !decode_with_errors(q, m, p4, 4);
    }
    CU_ASSERT(four > 0);
    chan_fec_destroy(q);
}

/* SEC-DED (72,64): every single error corrected. */
static void test_secded_patterns(void)
{
    chan_fec *q = chan_fec_create(CHAN_FEC_SECDED7264, 8, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(q);
    uint8_t m[8];
    fill(m, 8, 2);
    size_t ok = 0;
    for (size_t i = 0; i < 72; i++) ok += (size_t)decode_with_errors(q, m, &i, 1);
    CU_ASSERT_EQUAL(ok, 72);
    chan_fec_destroy(q);
}

/* Convolutional: a burst of erasures (soft 128) inside one packet is still decoded, and
 * single hard errors spaced apart are corrected (dfree = 10). */
static void test_conv_erasures_errors(void)
{
    static const chan_fec_kind kinds[] = {CHAN_FEC_CONV27, CHAN_FEC_CONV27P23, CHAN_FEC_CONV27P34};
    for (int k = 0; k < 3; k++) {
        chan_fec *q = chan_fec_create(kinds[k], 16, NULL);
        size_t c = chan_fec_coded_bits(q);
        uint8_t m[16], d[16], bits[512], soft[512];
        fill(m, 16, 5);
        chan_fec_encode(q, m, bits);
        to_soft(bits, soft, c);
        for (size_t i = 20; i < c; i += 40) soft[i] = 255 - soft[i]; /* isolated errors */
        soft[10] = soft[11] = 128;
        CU_ASSERT_EQUAL(chan_fec_decode(q, soft, d), BASE_OK);
        if (memcmp(m, d, 16)) printf("  %s: failed\n", chan_fec_kind_name(kinds[k]));
        CU_ASSERT(memcmp(m, d, 16) == 0);
        chan_fec_destroy(q);
    }
}

/* K=7 r=1/2 (171,133) soft Viterbi over AWGN (QPSK, so Eb/N0 per information bit with
 * the 6 tail bits paid for). Reference: the transfer-function union bound
 * Pb <= sum_d c_d Q(sqrt(2 d R Eb/N0)), R = 1/2, with the code's published information-
 * weight spectrum c_10.. = 36, 211, 1404, 11633, 77433, 502690 (odd d: 0); e.g.
 * Frenger, Orten & Ottosson, IEEE Commun. Lett. 3(11), 1999, and Proakis, Digital
 * Communications. The bound is tight below 1e-4 and an upper bound for ML decoding.
 * Checks: (1) 0.5 dB above the Eb/N0 where the bound reaches 1e-4, our BER is below
 * 1e-4; (2) 1 dB below it, our BER is above 1e-4. So our 1e-4 point lies within 1 dB of
 * the bound's (at most 0.5 dB worse). (3) At 4 dB our BER is within a factor [1/4, 2] of
 * the bound (too good would mean too little noise). */
static double v27_bound(double ebn0_db)
{
    static const double cd[] = {36, 211, 1404, 11633, 77433, 502690};
    double g = pow(10.0, ebn0_db / 10.0), pb = 0.0;
    for (int i = 0; i < 6; i++) {
        int d = 10 + 2 * i;
        pb += cd[i] * 0.5 * erfc(sqrt(d * 0.5 * g));
    }
    return pb;
}

static double run_v27(double ebn0_db, uint64_t blocks, uint64_t seed, chan_bits_result *res)
{
    chan_bits_config cfg;
    chan_bits_config_default(&cfg);
    cfg.fec = CHAN_FEC_CONV27;
    cfg.modulation = CHAN_MOD_QPSK;
    cfg.block_bytes = 128;
    cfg.channel.kind = CHAN_AWGN;
    cfg.ebn0_db = ebn0_db;
    cfg.max_blocks = blocks;
    cfg.target_block_errors = 0;
    base_rng r;
    base_rng_init(&r, seed, 0, base_rng_component("test.fec.v27"));
    base_err e = BASE_ERR_INIT;
    CU_ASSERT_EQUAL(chan_bits_run(&cfg, &r, res, &e), BASE_OK);
    printf("  conv27 Eb/N0 %.2f dB (Es/N0 %.2f): BER %.3g (%llu errors in %llu bits), BLER %.3g, "
           "bound %.3g\n",
           res->ebn0_db, res->esn0_db, res->ber, (unsigned long long)res->bit_errors,
           (unsigned long long)res->bits, res->bler, v27_bound(ebn0_db));
    return res->ber;
}

static void test_conv27_ber(void)
{
    /* Eb/N0 where the bound crosses 1e-4 (bisection). */
    double lo = 2.0, hi = 5.0;
    for (int i = 0; i < 50; i++) {
        double mid = 0.5 * (lo + hi);
        if (v27_bound(mid) > 1e-4)
            lo = mid;
        else
            hi = mid;
    }
    double x = 0.5 * (lo + hi);
    printf("  bound reaches 1e-4 at Eb/N0 = %.2f dB\n", x);
    chan_bits_result r;
    double ber_hi = run_v27(x + 0.5, 2000, 1, &r);
    CU_ASSERT(r.bit_errors > 0);
    CU_ASSERT(ber_hi < 1e-4);
    double ber_lo = run_v27(x - 1.0, 300, 2, &r);
    CU_ASSERT(ber_lo > 1e-4);
    double ber4 = run_v27(4.0, 4000, 3, &r);
    CU_ASSERT(ber4 < 2.0 * v27_bound(4.0));
    CU_ASSERT(ber4 > 0.25 * v27_bound(4.0));
}

static void test_bad_input(void)
{
    chan_fec_kind k;
    base_err e = BASE_ERR_INIT;
    CU_ASSERT_EQUAL(chan_fec_kind_from_name("turbo", &k, &e), BASE_ENOTFOUND);
    CU_ASSERT(strstr(e.msg, "turbo") != NULL);
    CU_ASSERT_EQUAL(chan_fec_kind_from_name("golay2412", &k, NULL), BASE_OK);
    CU_ASSERT_EQUAL(k, CHAN_FEC_GOLAY2412);
    CU_ASSERT_PTR_NULL(chan_fec_create(CHAN_FEC_CONV27, 0, NULL));
    CU_ASSERT_PTR_NULL(chan_fec_create((chan_fec_kind)77, 4, NULL));
    chan_fec *q = chan_fec_create(CHAN_FEC_HAMMING128, 4, NULL);
    uint8_t m[4] = {0};
    CU_ASSERT_EQUAL(chan_fec_encode(q, NULL, m), BASE_EINVAL);
    CU_ASSERT_EQUAL(chan_fec_decode(q, m, NULL), BASE_EINVAL);
    chan_fec_destroy(q);
    chan_fec_destroy(NULL);
}

static const test_case cases[] = {
    {"noise-free round trip, all codes", test_round_trip},
    {"coded lengths", test_lengths},
    {"Hamming(7,4) crafted errors", test_hamming74_patterns},
    {"Golay(24,12) crafted errors", test_golay_patterns},
    {"SEC-DED(72,64) single errors", test_secded_patterns},
    {"convolutional erasures and isolated errors", test_conv_erasures_errors},
    {"K=7 r=1/2 soft Viterbi BER vs bound", test_conv27_ber},
    {"bad input", test_bad_input},
    {NULL, NULL},
};

int main(void)
{
    return test_main("channel/fec", cases);
}
