/* test_link.c -- the link builder (channel/link): every name of the name
 * tables resolves, an unknown name is an error (never a silent AWGN), the
 * configs carry the numbers, the built link sends like a hand-built one, and
 * bad inputs. */
#include "channel/link.h"
#include "tests/testutil.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static size_t count(const char *const *names)
{
    size_t n = 0;
    while (names[n]) n++;
    return n;
}

static void test_name_tables(void)
{
    CU_ASSERT_EQUAL(count(chan_model_names()), CHAN_KIND_COUNT);
    CU_ASSERT_EQUAL(count(chan_modem_names()), CHAN_MOD_COUNT);
    CU_ASSERT_EQUAL(count(chan_fec_names()), CHAN_FEC_COUNT);
    CU_ASSERT_EQUAL(count(chan_loss_policy_names()), CHAN_LOSS_COUNT);
    CU_ASSERT_EQUAL(count(chan_link_mode_names()), 2);
    for (int k = 0; k < CHAN_KIND_COUNT; k++) {
        chan_kind got = CHAN_KIND_COUNT;
        CU_ASSERT_EQUAL(chan_model_kind_from_name(chan_model_names()[k], &got, NULL), BASE_OK);
        CU_ASSERT_EQUAL(got, (chan_kind)k);
        CU_ASSERT_STRING_EQUAL(chan_model_kind_name((chan_kind)k), chan_model_names()[k]);
    }
    for (int k = 0; k < CHAN_FEC_COUNT; k++) {
        chan_fec_kind got = CHAN_FEC_COUNT;
        CU_ASSERT_EQUAL(chan_fec_kind_from_name(chan_fec_names()[k], &got, NULL), BASE_OK);
        CU_ASSERT_EQUAL(got, (chan_fec_kind)k);
    }
    for (int k = 0; k < CHAN_MOD_COUNT; k++) {
        chan_mod_kind got = CHAN_MOD_COUNT;
        CU_ASSERT_EQUAL(chan_modem_kind_from_name(chan_modem_names()[k], &got, NULL), BASE_OK);
        CU_ASSERT_EQUAL(got, (chan_mod_kind)k);
    }
    CU_ASSERT_PTR_NULL(chan_model_kind_name(CHAN_KIND_COUNT));
}

static void test_unknown_names(void)
{
    static const struct {
        const char *what, *mode, *model, *modulation, *fec, *lost;
    } bad[] = {
        {"channel model", "digital", "rayleigh2", "qpsk", "conv27", NULL},
        {"channel model (analog)", "analog", "Rayleigh", "qpsk", "conv27", NULL},
        {"modulation", "digital", "awgn", "32qam", "conv27", NULL},
        {"fec", "digital", "awgn", "qpsk", "turbo", NULL},
        {"lost", "digital", "awgn", "qpsk", "conv27", "retry"},
        {"mode", "optical", "awgn", "qpsk", "conv27", NULL},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        chan_link_config c;
        chan_link_config_default(&c);
        c.mode = bad[i].mode;
        c.model = bad[i].model;
        c.modulation = bad[i].modulation;
        c.fec = bad[i].fec;
        c.lost = bad[i].lost;
        base_err e = BASE_ERR_INIT;
        chan_link *l = chan_link_create(&c, &e);
        if (l) fprintf(stderr, "  %s: accepted\n", bad[i].what);
        CU_ASSERT_PTR_NULL(l);
        CU_ASSERT_EQUAL(e.code, BASE_ENOTFOUND);
        CU_ASSERT(strlen(e.msg) > 0);
        chan_link_destroy(l);
    }
    chan_link_config c;
    chan_link_config_default(&c);
    c.model = "fading";
    chan_model_config mc;
    base_err e = BASE_ERR_INIT;
    CU_ASSERT_EQUAL(chan_link_model_config(&c, &mc, &e), BASE_ENOTFOUND);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "fading"));
    chan_bits_config bc;
    CU_ASSERT_EQUAL(chan_link_bits_config(&c, &bc, NULL), BASE_ENOTFOUND);
}

static void test_configs(void)
{
    chan_link_config c;
    chan_link_config_default(&c);
    c.model = "rician";
    c.snr_db = 7.5;
    c.k_factor_db = 3;
    c.doppler_hz = 20;
    c.symbol_rate = 48000;
    c.coherence = 0;
    c.fec = "hamming74";
    c.modulation = "16qam";
    c.lost = "repeat";
    c.quant_bits = 5;
    c.values_per_packet = 96;
    chan_digital_config dc;
    CU_ASSERT_EQUAL_FATAL(chan_link_digital_config(&c, &dc, NULL), BASE_OK);
    CU_ASSERT_EQUAL(dc.channel.kind, CHAN_RICIAN);
    CU_ASSERT_EQUAL(dc.channel.snr_db, 7.5);
    CU_ASSERT_EQUAL(dc.channel.k_factor_db, 3);
    CU_ASSERT_EQUAL(dc.channel.doppler_hz, 20);
    CU_ASSERT_EQUAL(dc.channel.symbol_rate, 48000);
    CU_ASSERT_EQUAL(dc.channel.coherence, (size_t)1 << 40); /* one coefficient per packet */
    CU_ASSERT_EQUAL(dc.fec, CHAN_FEC_HAMMING74);
    CU_ASSERT_EQUAL(dc.modulation, CHAN_MOD_QAM16);
    CU_ASSERT_EQUAL(dc.loss, CHAN_LOSS_REPEAT);
    CU_ASSERT_EQUAL(dc.quant_bits, 5);
    CU_ASSERT_EQUAL(dc.block_len, 96);
    CU_ASSERT_EQUAL(dc.values_per_packet, 96);
    c.lost = NULL; /* the digital link's own default */
    chan_digital_config def;
    chan_digital_config_default(&def);
    CU_ASSERT_EQUAL(chan_link_digital_config(&c, &dc, NULL), BASE_OK);
    CU_ASSERT_EQUAL(dc.loss, def.loss);
    c.coherence = 64;
    chan_analog_config ac;
    CU_ASSERT_EQUAL_FATAL(chan_link_analog_config(&c, &ac, NULL), BASE_OK);
    CU_ASSERT_EQUAL(ac.channel.coherence, 64);
    CU_ASSERT_EQUAL(ac.max_reals, 96);
    chan_bits_config bc;
    CU_ASSERT_EQUAL_FATAL(chan_link_bits_config(&c, &bc, NULL), BASE_OK);
    CU_ASSERT_EQUAL(bc.fec, CHAN_FEC_HAMMING74);
    CU_ASSERT_EQUAL(bc.modulation, CHAN_MOD_QAM16);
    CU_ASSERT_EQUAL(bc.channel.kind, CHAN_RICIAN);
}

/* A built digital link sends bit for bit as one made by hand from the same config. */
static void test_same_as_hand_built(void)
{
    enum { N = 64 };
    chan_link_config c;
    chan_link_config_default(&c);
    c.model = "rayleigh";
    c.snr_db = 6;
    c.values_per_packet = N;
    chan_link *l = chan_link_create(&c, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(l);
    CU_ASSERT_PTR_NULL(chan_link_analog(l));
    CU_ASSERT_PTR_NOT_NULL_FATAL(chan_link_digital(l));
    chan_digital_config dc;
    chan_link_digital_config(&c, &dc, NULL);
    chan_digital *h = chan_digital_create(&dc, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(h);
    float x[N], y1[N], y2[N];
    for (int i = 0; i < N; i++) x[i] = sinf(0.3f * (float)i);
    base_rng r1, r2;
    base_rng_init(&r1, 7, 1, 2);
    base_rng_init(&r2, 7, 1, 2);
    chan_digital_stats s1, s2;
    CU_ASSERT_EQUAL(chan_digital_execute(chan_link_digital(l), &r1, x, y1, NULL, N, &s1), BASE_OK);
    CU_ASSERT_EQUAL(chan_digital_execute(h, &r2, x, y2, NULL, N, &s2), BASE_OK);
    CU_ASSERT_EQUAL(memcmp(y1, y2, sizeof y1), 0);
    CU_ASSERT_EQUAL(s1.channel_uses, s2.channel_uses);
    chan_digital_destroy(h);
    chan_link_destroy(l);

    c.mode = "analog";
    l = chan_link_create(&c, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(l);
    CU_ASSERT_PTR_NOT_NULL(chan_link_analog(l));
    CU_ASSERT_PTR_NULL(chan_link_digital(l));
    chan_link_destroy(l);
}

static void test_bad_inputs(void)
{
    base_err e = BASE_ERR_INIT;
    CU_ASSERT_PTR_NULL(chan_link_create(NULL, &e));
    CU_ASSERT_EQUAL(e.code, BASE_EINVAL);
    chan_link_config c;
    chan_link_config_default(&c);
    c.quant_bits = 0; /* chan_digital_create rejects it */
    CU_ASSERT_PTR_NULL(chan_link_create(&c, NULL));
    CU_ASSERT_EQUAL(chan_link_model_config(&c, NULL, NULL), BASE_EINVAL);
    CU_ASSERT_EQUAL(chan_link_model_config(NULL, NULL, NULL), BASE_EINVAL);
    chan_link_destroy(NULL);
    CU_ASSERT_PTR_NULL(chan_link_analog(NULL));
    CU_ASSERT_PTR_NULL(chan_link_digital(NULL));
}

int main(void)
{
    static const test_case cases[] = {
        {"name tables round-trip", test_name_tables},
        {"unknown names are errors", test_unknown_names},
        {"configs carry the numbers", test_configs},
        {"built link = hand-built link", test_same_as_hand_built},
        {"bad inputs", test_bad_inputs},
        {NULL, NULL},
    };
    return test_main("channel/link", cases);
}
