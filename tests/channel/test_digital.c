/* test_digital.c -- channel/digital: bit-exact delivery at high SNR, channel-use
 * accounting against hand counts, lost-packet policies, sequence-number wrap, the
 * bit-level driver's stopping rules, determinism, bad input. */
#include "channel/digital.h"
#include "tests/testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void gauss(float *x, size_t n, uint64_t seed)
{
    base_rng r;
    base_rng_init(&r, seed, 0, base_rng_component("test.digital.x"));
    for (size_t i = 0; i < n; i++) x[i] = (float)base_rng_normal(&r);
}

/* What the link must deliver when nothing is lost: the quantiser's round trip. */
static void expected(const chan_digital *q, const float *x, float *y, size_t n)
{
    uint32_t idx[1024];
    chan_quant_encode(chan_digital_quant(q), x, idx, n);
    chan_quant_decode(chan_digital_quant(q), idx, y, n);
}

static void test_error_free(void)
{
    static const struct {
        chan_fec_kind fec;
        chan_mod_kind mod;
        chan_crc_kind crc;
        unsigned b, H;
        size_t n, N;
        chan_quant_kind qk;
        chan_kind ch;
        double snr;
    } cases[] = {
        {CHAN_FEC_CONV27, CHAN_MOD_QPSK, CHAN_CRC_16, 8, 16, 64, 32, CHAN_QUANT_UNIFORM, CHAN_AWGN,
         12},
        {CHAN_FEC_NONE, CHAN_MOD_BPSK, CHAN_CRC_32, 4, 0, 50, 7, CHAN_QUANT_LLOYDMAX, CHAN_AWGN,
         20},
        {CHAN_FEC_HAMMING74, CHAN_MOD_QAM16, CHAN_CRC_8, 6, 12, 33, 10, CHAN_QUANT_UNIFORM,
         CHAN_AWGN, 25},
        {CHAN_FEC_GOLAY2412, CHAN_MOD_PSK8, CHAN_CRC_24, 3, 5, 20, 20, CHAN_QUANT_LLOYDMAX,
         CHAN_AWGN, 25},
        {CHAN_FEC_CONV27P34, CHAN_MOD_QAM64, CHAN_CRC_32, 10, 16, 40, 16, CHAN_QUANT_UNIFORM,
         CHAN_AWGN, 30},
        {CHAN_FEC_SECDED7264, CHAN_MOD_QAM256, CHAN_CRC_16, 16, 32, 17, 5, CHAN_QUANT_UNIFORM,
         CHAN_AWGN, 40},
        {CHAN_FEC_REP3, CHAN_MOD_QPSK, CHAN_CRC_NONE, 1, 16, 9, 4, CHAN_QUANT_UNIFORM, CHAN_NONE,
         0},
    };
    static float train[4000];
    gauss(train, 4000, 99);
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        chan_digital_config cfg;
        chan_digital_config_default(&cfg);
        cfg.fec = cases[c].fec;
        cfg.modulation = cases[c].mod;
        cfg.crc = cases[c].crc;
        cfg.quant_bits = cases[c].b;
        cfg.header_bits = cases[c].H;
        cfg.block_len = cases[c].n;
        cfg.values_per_packet = cases[c].N;
        cfg.quant = cases[c].qk;
        cfg.train = train;
        cfg.ntrain = 4000;
        cfg.channel.kind = cases[c].ch;
        cfg.channel.snr_db = cases[c].snr;
        base_err e = BASE_ERR_INIT;
        chan_digital *q = chan_digital_create(&cfg, &e);
        if (!q) printf("  case %zu: %s\n", c, e.msg);
        CU_ASSERT_PTR_NOT_NULL_FATAL(q);
        base_rng r;
        base_rng_init(&r, 7, c, base_rng_component("test.digital.chan"));
        float x[1024], y[1024], want[1024];
        uint8_t valid[1024];
        chan_digital_stats tot = {0};
        for (int blk = 0; blk < 5; blk++) {
            gauss(x, cases[c].n, 1000 * c + blk);
            x[0] = 50.0f; /* clipped by the uniform quantiser, outside the Lloyd-Max range */
            expected(q, x, want, cases[c].n);
            chan_digital_stats s;
            CU_ASSERT_EQUAL(chan_digital_execute(q, &r, x, y, valid, cases[c].n, &s), BASE_OK);
            CU_ASSERT(memcmp(y, want, cases[c].n * sizeof *y) == 0);
            size_t nv = 0;
            for (size_t i = 0; i < cases[c].n; i++) nv += valid[i];
            CU_ASSERT_EQUAL(nv, cases[c].n);
            tot.bit_errors += s.bit_errors;
            tot.packet_errors += s.packet_errors;
            CU_ASSERT_EQUAL(s.info_bits, cases[c].n * cases[c].b);
        }
        if (tot.bit_errors || tot.packet_errors)
            printf("  case %zu (%s/%s): %llu bit errors, %llu packet errors\n", c,
                   chan_fec_kind_name(cfg.fec), chan_modem_kind_name(cfg.modulation),
                   (unsigned long long)tot.bit_errors, (unsigned long long)tot.packet_errors);
        CU_ASSERT_EQUAL(tot.bit_errors, 0);
        CU_ASSERT_EQUAL(tot.packet_errors, 0);
        chan_digital_destroy(q);
    }
}

/* Channel uses by hand (see digital.h for the format):
 *  a) n=10 N=4 b=8 H=16 crc16 conv27 QPSK: P=3, body (16+32)/8 = 6 B, K = 8 B,
 *     C = 2 (64 + 6) = 140, S = 70, uses = 210.
 *  b) n=10 N=4 b=5 H=12 crc32 hamming74 16-QAM: body ceil(32/8) = 4 B, K = 8 B,
 *     liquid: 2 coded bytes per byte minus... 8 B -> 14 B = 112 bits (16 nibbles x 7),
 *     S = 28, uses = 84.
 *  c) n=7 N=7 b=3 H=0 no crc, no fec, 8-PSK: K = ceil(21/8) = 3 B, C = 24, S = 8, uses = 8.
 *  d) n=5 N=5 b=4 H=8 crc8 conv27p34 BPSK: body ceil(28/8) = 4 B, K = 5 B, 46 input bits
 *     = 15 periods of 3 (4 kept each) + 1 (2 kept): C = 62, S = 62.
 *  e) n=9 N=4 b=2 H=4 crc16 golay2412 QPSK: P = 3, body ceil(12/8) = 2 B, K = 4 B,
 *     liquid Golay: 32 bits -> ceil(32/12) = 3 codewords = 72 bits = 9 B, S = 36, uses 108. */
static void test_accounting(void)
{
    static const struct {
        size_t n, N;
        unsigned b, H;
        chan_crc_kind crc;
        chan_fec_kind fec;
        chan_mod_kind mod;
        size_t P, K, C, S, uses;
    } cases[] = {
        {10, 4, 8, 16, CHAN_CRC_16, CHAN_FEC_CONV27, CHAN_MOD_QPSK, 3, 8, 140, 70, 210},
        {10, 4, 5, 12, CHAN_CRC_32, CHAN_FEC_HAMMING74, CHAN_MOD_QAM16, 3, 8, 112, 28, 84},
        {7, 7, 3, 0, CHAN_CRC_NONE, CHAN_FEC_NONE, CHAN_MOD_PSK8, 1, 3, 24, 8, 8},
        {5, 5, 4, 8, CHAN_CRC_8, CHAN_FEC_CONV27P34, CHAN_MOD_BPSK, 1, 5, 62, 62, 62},
        {9, 4, 2, 4, CHAN_CRC_16, CHAN_FEC_GOLAY2412, CHAN_MOD_QPSK, 3, 4, 72, 36, 108},
    };
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        chan_digital_config cfg;
        chan_digital_config_default(&cfg);
        cfg.block_len = cases[c].n;
        cfg.values_per_packet = cases[c].N;
        cfg.quant_bits = cases[c].b;
        cfg.header_bits = cases[c].H;
        cfg.crc = cases[c].crc;
        cfg.fec = cases[c].fec;
        cfg.modulation = cases[c].mod;
        chan_digital *q = chan_digital_create(&cfg, NULL);
        CU_ASSERT_PTR_NOT_NULL_FATAL(q);
        CU_ASSERT_EQUAL(chan_digital_packets(q), cases[c].P);
        CU_ASSERT_EQUAL(chan_digital_packet_bytes(q), cases[c].K);
        CU_ASSERT_EQUAL(chan_digital_packet_coded_bits(q), cases[c].C);
        CU_ASSERT_EQUAL(chan_digital_packet_symbols(q), cases[c].S);
        CU_ASSERT_EQUAL(chan_digital_channel_uses(q), cases[c].uses);
        float x[16] = {0}, y[16];
        chan_digital_stats s;
        base_rng r;
        base_rng_init(&r, 1, 0, 1);
        CU_ASSERT_EQUAL(chan_digital_execute(q, &r, x, y, NULL, cases[c].n, &s), BASE_OK);
        CU_ASSERT_EQUAL(s.channel_uses, cases[c].uses);
        CU_ASSERT_EQUAL(s.packets, cases[c].P);
        CU_ASSERT_EQUAL(s.info_bits, cases[c].n * cases[c].b);
        if (chan_digital_channel_uses(q) != cases[c].uses)
            printf("  case %zu: P %zu K %zu C %zu S %zu\n", c, chan_digital_packets(q),
                   chan_digital_packet_bytes(q), chan_digital_packet_coded_bits(q),
                   chan_digital_packet_symbols(q));
        chan_digital_destroy(q);
    }
}

/* Rayleigh block fading, one coefficient per packet, uncoded BPSK + CRC-32 at 12 dB:
 * some packets are lost, the same ones under every policy (same seed, the policy does
 * not touch the RNG). */
enum { PN = 64, PPK = 8, PBLK = 12 };

static void run_policy(chan_loss_policy pol, float y[PBLK][PN], uint8_t v[PBLK][PN],
                       float want[PBLK][PN], uint64_t *lost)
{
    chan_digital_config cfg;
    chan_digital_config_default(&cfg);
    cfg.block_len = PN;
    cfg.values_per_packet = PPK;
    cfg.quant_bits = 6;
    cfg.fec = CHAN_FEC_NONE;
    cfg.modulation = CHAN_MOD_BPSK;
    cfg.crc = CHAN_CRC_32;
    cfg.interleave_depth = 1;
    cfg.loss = pol;
    cfg.channel.kind = CHAN_RAYLEIGH;
    cfg.channel.snr_db = 12.0;
    cfg.channel.coherence = 16 + 6 * 8 + 32; /* S for this format: one fade per packet */
    chan_digital *q = chan_digital_create(&cfg, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(q);
    CU_ASSERT_EQUAL(chan_digital_packet_symbols(q), cfg.channel.coherence);
    base_rng r;
    base_rng_init(&r, 3, 0, base_rng_component("test.digital.loss"));
    *lost = 0;
    for (int b = 0; b < PBLK; b++) {
        float x[PN];
        gauss(x, PN, 500 + b);
        expected(q, x, want[b], PN);
        chan_digital_stats s;
        CU_ASSERT_EQUAL(chan_digital_execute(q, &r, x, y[b], v[b], PN, &s), BASE_OK);
        *lost += s.packet_errors;
    }
    chan_digital_destroy(q);
}

static void test_loss_policies(void)
{
    static float y[CHAN_LOSS_COUNT][PBLK][PN], want[PBLK][PN];
    static uint8_t v[CHAN_LOSS_COUNT][PBLK][PN];
    uint64_t lost[CHAN_LOSS_COUNT];
    for (int p = 0; p < CHAN_LOSS_COUNT; p++)
        run_policy((chan_loss_policy)p, y[p], v[p], want, &lost[p]);
    printf("  %llu of %d packets lost\n", (unsigned long long)lost[0], PBLK * PN / PPK);
    CU_ASSERT(lost[0] >= 5 && lost[0] <= PBLK * PN / PPK - 5); /* both kinds present */
    for (int p = 1; p < CHAN_LOSS_COUNT; p++) {
        CU_ASSERT_EQUAL(lost[p], lost[0]);
        CU_ASSERT(memcmp(v[p], v[0], sizeof v[0]) == 0);
    }
    float last[PPK] = {0};
    size_t nlost = 0, keep_wrong = 0;
    for (int b = 0; b < PBLK; b++)
        for (int k = 0; k < PN / PPK; k++) {
            int ok = v[0][b][k * PPK];
            for (int j = 0; j < PPK; j++) CU_ASSERT_EQUAL(v[0][b][k * PPK + j], ok);
            nlost += !ok;
            for (int j = 0; j < PPK; j++) {
                size_t i = (size_t)k * PPK + j;
                if (ok) {
                    for (int p = 0; p < CHAN_LOSS_COUNT; p++)
                        CU_ASSERT_EQUAL(y[p][b][i], want[b][i]);
                } else {
                    CU_ASSERT(isnan(y[CHAN_LOSS_DROP][b][i]));
                    CU_ASSERT_EQUAL(y[CHAN_LOSS_ZERO][b][i], 0.0f);
                    CU_ASSERT_EQUAL(y[CHAN_LOSS_REPEAT][b][i], last[j]);
                    CU_ASSERT(isfinite(y[CHAN_LOSS_KEEP][b][i]));
                    keep_wrong += y[CHAN_LOSS_KEEP][b][i] != want[b][i];
                }
            }
            if (ok) memcpy(last, &want[b][k * PPK], sizeof last);
        }
    CU_ASSERT_EQUAL(nlost, lost[0]);
    CU_ASSERT(keep_wrong > 0);
}

/* 2-bit sequence numbers wrap every 4 packets: still no losses at high SNR; a link reset
 * restarts the sequence and the repeat memory. */
static void test_header_wrap_reset(void)
{
    chan_digital_config cfg;
    chan_digital_config_default(&cfg);
    cfg.block_len = 30;
    cfg.values_per_packet = 4;
    cfg.header_bits = 2;
    cfg.channel.snr_db = 15.0;
    chan_digital *q = chan_digital_create(&cfg, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(q);
    base_rng r;
    base_rng_init(&r, 4, 0, 1);
    float x[30], y[30];
    uint64_t errs = 0;
    for (int b = 0; b < 6; b++) {
        gauss(x, 30, 40 + b);
        chan_digital_stats s;
        CU_ASSERT_EQUAL(chan_digital_execute(q, &r, x, y, NULL, 30, &s), BASE_OK);
        errs += s.packet_errors;
        if (b == 2) chan_digital_reset(q);
    }
    CU_ASSERT_EQUAL(errs, 0);
    chan_digital_destroy(q);
}

static void test_determinism(void)
{
    chan_digital_config cfg;
    chan_digital_config_default(&cfg);
    cfg.channel.kind = CHAN_RAYLEIGH;
    cfg.channel.snr_db = 6.0;
    float x[64], y1[64], y2[64];
    gauss(x, 64, 8);
    for (int t = 0; t < 2; t++) {
        chan_digital *q = chan_digital_create(&cfg, NULL);
        base_rng r;
        base_rng_init(&r, 9, 1, 2);
        for (int b = 0; b < 3; b++) chan_digital_execute(q, &r, x, t ? y2 : y1, NULL, 64, NULL);
        chan_digital_destroy(q);
    }
    CU_ASSERT(memcmp(y1, y2, sizeof y1) == 0);
}

/* Bit-level driver: stopping rules and a clean high-SNR run. */
static void test_bits_run(void)
{
    chan_bits_config cfg;
    chan_bits_config_default(&cfg);
    cfg.block_bytes = 32;
    cfg.channel.kind = CHAN_AWGN;
    base_rng r;
    base_rng_init(&r, 1, 0, 1);
    chan_bits_result res;
    /* low SNR: stops on exactly 7 block errors */
    cfg.ebn0_db = 0.0;
    cfg.max_blocks = 100000;
    cfg.target_block_errors = 7;
    CU_ASSERT_EQUAL(chan_bits_run(&cfg, &r, &res, NULL), BASE_OK);
    CU_ASSERT_EQUAL(res.block_errors, 7);
    CU_ASSERT(res.blocks < 100000);
    CU_ASSERT_EQUAL(res.bits, res.blocks * 256);
    CU_ASSERT_EQUAL(res.channel_uses, res.blocks * (2 * (256 + 6) / 2));
    TEST_ASSERT_NEAR(res.ebn0_db, 0.0, 1e-9);
    TEST_ASSERT_NEAR(res.esn0_db, 10.0 * log10(256.0 / 262.0), 1e-9); /* info bits per use */
    /* bit-error target */
    cfg.target_block_errors = 0;
    cfg.target_bit_errors = 300;
    CU_ASSERT_EQUAL(chan_bits_run(&cfg, &r, &res, NULL), BASE_OK);
    CU_ASSERT(res.bit_errors >= 300);
    CU_ASSERT(res.bit_errors < 300 + 256);
    /* high SNR: runs to max_blocks with no errors */
    cfg.ebn0_db = 8.0;
    cfg.max_blocks = 200;
    cfg.target_block_errors = 1;
    CU_ASSERT_EQUAL(chan_bits_run(&cfg, &r, &res, NULL), BASE_OK);
    CU_ASSERT_EQUAL(res.blocks, 200);
    CU_ASSERT_EQUAL(res.bit_errors, 0);
    /* Es/N0 given directly */
    cfg.ebn0_db = NAN;
    cfg.channel.snr_db = 3.0;
    cfg.max_blocks = 10;
    CU_ASSERT_EQUAL(chan_bits_run(&cfg, &r, &res, NULL), BASE_OK);
    TEST_ASSERT_NEAR(res.esn0_db, 3.0, 1e-12);
    /* bad */
    base_err e = BASE_ERR_INIT;
    cfg.max_blocks = 0;
    CU_ASSERT_EQUAL(chan_bits_run(&cfg, &r, &res, &e), BASE_ERANGE);
    cfg.max_blocks = 10;
    cfg.block_bytes = 0;
    CU_ASSERT_NOT_EQUAL(chan_bits_run(&cfg, &r, &res, NULL), BASE_OK);
    cfg.block_bytes = 8;
    cfg.ebn0_db = INFINITY;
    CU_ASSERT_EQUAL(chan_bits_run(&cfg, &r, &res, NULL), BASE_ERANGE);
    CU_ASSERT_EQUAL(chan_bits_run(NULL, &r, &res, NULL), BASE_EINVAL);
}

/* The driver's Eb/N0 bookkeeping and the ZF + LLR path under fading, uncoded, against
 * closed forms: QPSK over AWGN, Pb = Q(sqrt(2 Eb/N0)); BPSK over Rayleigh fading with an
 * independent gain per symbol, Pb = (1 - sqrt(g/(1+g)))/2, g = Eb/N0 (Proakis, Digital
 * Communications, eq. 14.3-7). Tolerance 5 binomial sigmas + 2 %. */
static void test_bits_closed_forms(void)
{
    static const struct {
        chan_mod_kind mod;
        chan_kind ch;
        double ebn0_db;
    } cases[] = {
        {CHAN_MOD_QPSK, CHAN_AWGN, 2.0},      {CHAN_MOD_QPSK, CHAN_AWGN, 6.0},
        {CHAN_MOD_BPSK, CHAN_RAYLEIGH, 5.0},  {CHAN_MOD_BPSK, CHAN_RAYLEIGH, 15.0},
        {CHAN_MOD_QPSK, CHAN_RAYLEIGH, 10.0},
    };
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        chan_bits_config cfg;
        chan_bits_config_default(&cfg);
        cfg.fec = CHAN_FEC_NONE;
        cfg.modulation = cases[c].mod;
        cfg.block_bytes = 125;
        cfg.channel.kind = cases[c].ch;
        cfg.channel.coherence = 1;
        cfg.ebn0_db = cases[c].ebn0_db;
        cfg.max_blocks = 400; /* 400 kbit */
        cfg.target_block_errors = 0;
        base_rng r;
        base_rng_init(&r, 21, c, base_rng_component("test.digital.bits"));
        chan_bits_result res;
        CU_ASSERT_EQUAL_FATAL(chan_bits_run(&cfg, &r, &res, NULL), BASE_OK);
        double g = pow(10.0, cases[c].ebn0_db / 10.0);
        double p =
            cases[c].ch == CHAN_AWGN ? 0.5 * erfc(sqrt(g)) : 0.5 * (1.0 - sqrt(g / (1.0 + g)));
        double tol = 5.0 * sqrt(p * (1.0 - p) / (double)res.bits) + 0.02 * p;
        printf("  %s %s Eb/N0 %.0f dB: BER %.4g, theory %.4g (tol %.2g)\n",
               chan_modem_kind_name(cases[c].mod), cases[c].ch == CHAN_AWGN ? "AWGN" : "Rayleigh",
               cases[c].ebn0_db, res.ber, p, tol);
        TEST_ASSERT_NEAR(res.ber, p, tol);
        TEST_ASSERT_NEAR(res.ebn0_db, cases[c].ebn0_db, 1e-9);
    }
}

/* The interleaver is in the chain and does its job: conv27 over Rayleigh block fading
 * with 8-symbol coherence blocks loses far fewer bits when the coded bits are spread
 * over 16 rows than when a fade hits consecutive code bits. */
static void test_interleaving_gain(void)
{
    double ber[2];
    static const size_t depth[2] = {1, 16};
    for (int k = 0; k < 2; k++) {
        chan_bits_config cfg;
        chan_bits_config_default(&cfg);
        cfg.block_bytes = 32;
        cfg.interleave_depth = depth[k];
        cfg.channel.kind = CHAN_RAYLEIGH;
        cfg.channel.coherence = 8;
        cfg.ebn0_db = 8.0;
        cfg.max_blocks = 1000;
        cfg.target_block_errors = 0;
        base_rng r;
        base_rng_init(&r, 33, 0, base_rng_component("test.digital.il"));
        chan_bits_result res;
        CU_ASSERT_EQUAL_FATAL(chan_bits_run(&cfg, &r, &res, NULL), BASE_OK);
        ber[k] = res.ber;
        printf("  depth %zu: BER %.3g (%llu errors)\n", depth[k], res.ber,
               (unsigned long long)res.bit_errors);
    }
    CU_ASSERT(ber[0] > 0.0);
    CU_ASSERT(ber[1] < 0.2 * ber[0]);
}

static void test_bad_input(void)
{
    chan_digital_config cfg;
    base_err e = BASE_ERR_INIT;
    CU_ASSERT_PTR_NULL(chan_digital_create(NULL, &e));
#define BAD(stmt)                                                                                  \
    do {                                                                                           \
        chan_digital_config_default(&cfg);                                                         \
        stmt;                                                                                      \
        base_err_clear(&e);                                                                        \
        chan_digital *q_ = chan_digital_create(&cfg, &e);                                          \
        if (q_) printf("  accepted: %s\n", #stmt);                                                 \
        CU_ASSERT_PTR_NULL(q_);                                                                    \
        CU_ASSERT(e.code != BASE_OK && e.msg[0]);                                                  \
        chan_digital_destroy(q_);                                                                  \
    } while (0)
    BAD(cfg.block_len = 0);
    BAD(cfg.values_per_packet = 0);
    BAD(cfg.header_bits = 33);
    BAD(cfg.quant_bits = 0);
    BAD(cfg.quant_bits = 17);
    BAD(cfg.quant_clip = -1.0f);
    BAD(cfg.quant = CHAN_QUANT_LLOYDMAX);
    BAD(cfg.interleave_depth = 0);
    BAD(cfg.fec = (chan_fec_kind)99);
    BAD(cfg.modulation = (chan_mod_kind)99);
    BAD(cfg.crc = (chan_crc_kind)99);
    BAD(cfg.loss = (chan_loss_policy)99);
    BAD(cfg.channel.snr_db = NAN);
#undef BAD
    chan_digital_config_default(&cfg);
    chan_digital *q = chan_digital_create(&cfg, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(q);
    base_rng r;
    base_rng_init(&r, 1, 0, 1);
    float x[64] = {0}, y[64];
    CU_ASSERT_EQUAL(chan_digital_execute(q, &r, x, y, NULL, 63, NULL), BASE_EINVAL);
    CU_ASSERT_EQUAL(chan_digital_execute(q, NULL, x, y, NULL, 64, NULL), BASE_EINVAL);
    x[5] = NAN;
    CU_ASSERT_EQUAL(chan_digital_execute(q, &r, x, y, NULL, 64, NULL), BASE_EINVAL);
    chan_digital_destroy(q);
    chan_digital_destroy(NULL);
    chan_loss_policy p;
    CU_ASSERT_EQUAL(chan_loss_policy_from_name("repeat", &p, NULL), BASE_OK);
    CU_ASSERT_EQUAL(p, CHAN_LOSS_REPEAT);
    CU_ASSERT_EQUAL(chan_loss_policy_from_name("retry", &p, &e), BASE_ENOTFOUND);
}

/* Raw payload path: bits in, the same bits out at high SNR with the same channel uses as
 * chan_digital_execute; at very low SNR packets fail and valid[] marks whole packets;
 * an index wider than quant_bits is refused. */
static void test_raw(void)
{
    chan_digital_config cfg;
    chan_digital_config_default(&cfg);
    cfg.quant_bits = 1;
    cfg.block_len = 100; /* 100 bits in packets of 48: 3 packets, the last one padded */
    cfg.values_per_packet = 48;
    cfg.channel.snr_db = 15.0;
    chan_digital *q = chan_digital_create(&cfg, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(q);
    uint32_t in[100], out[100];
    uint8_t valid[100];
    float x[100], y[100];
    base_rng r;
    base_rng_init(&r, 5, 0, base_rng_component("test.digital.raw"));
    for (int i = 0; i < 100; i++) in[i] = (uint32_t)(base_rng_u64(&r) & 1u);
    chan_digital_stats s, s2;
    CU_ASSERT_EQUAL(chan_digital_execute_raw(q, &r, in, out, valid, 100, &s), BASE_OK);
    CU_ASSERT(memcmp(in, out, sizeof in) == 0);
    CU_ASSERT_EQUAL(s.packets, 3);
    CU_ASSERT_EQUAL(s.packet_errors, 0);
    CU_ASSERT_EQUAL(s.bit_errors, 0);
    CU_ASSERT_EQUAL(s.info_bits, 100);
    for (int i = 0; i < 100; i++) CU_ASSERT_EQUAL(valid[i], 1);
    /* K = ceil((16 + 48)/8) + 2 = 10 bytes, conv27: 2*(80+6) = 172 bits, QPSK: 86 symbols */
    CU_ASSERT_EQUAL(s.channel_uses, 3 * 86);
    for (int i = 0; i < 100; i++) x[i] = (float)in[i];
    CU_ASSERT_EQUAL(chan_digital_execute(q, &r, x, y, NULL, 100, &s2), BASE_OK);
    CU_ASSERT_EQUAL(s2.channel_uses, s.channel_uses);
    in[7] = 2; /* not a 1-bit index */
    CU_ASSERT_EQUAL(chan_digital_execute_raw(q, &r, in, out, valid, 100, &s), BASE_EINVAL);
    CU_ASSERT_EQUAL(chan_digital_execute_raw(q, &r, out, out, valid, 99, &s), BASE_EINVAL);
    chan_digital_destroy(q);

    cfg.channel.snr_db = -5.0;
    q = chan_digital_create(&cfg, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(q);
    in[7] = 1;
    uint64_t lost = 0, berr = 0;
    for (int b = 0; b < 10; b++) {
        CU_ASSERT_EQUAL(chan_digital_execute_raw(q, &r, in, out, valid, 100, &s), BASE_OK);
        lost += s.packet_errors;
        berr += s.bit_errors;
        for (int i = 0; i < 100; i++) CU_ASSERT_EQUAL(valid[i], valid[(i / 48) * 48]);
    }
    CU_ASSERT(lost > 0);
    CU_ASSERT(berr > 0);
    chan_digital_destroy(q);
}

static const test_case cases[] = {
    {"raw payload path (codec bits)", test_raw},
    {"error-free at high SNR, bit-exact", test_error_free},
    {"channel-use accounting by hand", test_accounting},
    {"lost-packet policies", test_loss_policies},
    {"header wrap and reset", test_header_wrap_reset},
    {"determinism", test_determinism},
    {"bit-level driver", test_bits_run},
    {"bit-level driver vs closed forms (AWGN, Rayleigh)", test_bits_closed_forms},
    {"interleaving gain under block fading", test_interleaving_gain},
    {"bad input", test_bad_input},
    {NULL, NULL},
};

int main(void)
{
    return test_main("channel/digital", cases);
}
