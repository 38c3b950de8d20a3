/* test_kind_text.c -- source.kind = text (sim/kind_text): manifest audio ->
 * a tiny random transmitting agent's greedy transcript -> Huffman text frames
 * -> digital link (raw bits) -> the receiver's text -> scoring.
 * The agent is untrained, so its transcript is whatever it is: the checks are
 * that the receiver gets exactly that transcript when no packet is lost,
 * that losses at low SNR reach the text, determinism across -j, and
 * validation errors naming file:line. */
#include "codecs/audio.h"
#include "codecs/recognizer.h"
#include "codecs/text.h"
#include "sim/pipeline.h"
#include "sim/run.h"
#include "tests/fixtures.h"
#include "tests/testutil.h"
#include "tests/testutil_audio.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char dir[512];
static const size_t utt_len[2] = {16000, 24000};

static void setup(void)
{
    snprintf(dir, sizeof dir, "%s", test_tmpdir());
    test_save_tiny_agent_in(dir, "tx.h5", 8, 11);
    static const char *const text[] = {"the cat sat", "a dog ran home"};
    const test_utts utts = {TEST_SIGNAL_AM, 0, "spk_", "u", 2, utt_len, text};
    test_write_manifest(dir, "manifest.tsv", &utts);
}

/* frame_bits 16: several frames, so a packet of 2 frames can be lost alone */
static const char *const base_body =
    "[scenario]\nutterances = 2\n[source]\nkind = text\nmanifest = manifest.tsv\n"
    "frame_bits = 16\n[tx]\nmodel = tx.h5\ndecoder = greedy\n"
    "[link]\nmode = digital\nfec = conv27\nmodulation = qpsk\nframes_per_packet = 2\n"
    "[channel]\nmodel = awgn\nsnr_db = %s\n";

/* The transmitter's own greedy transcript of utterance i, as the kind makes it. */
static char *own_transcript(int i)
{
    char path[600];
    snprintf(path, sizeof path, "%s/tx.h5", dir);
    codec_recognizer *r = NULL;
    codec_recognizer_ws *ws = NULL;
    base_err e = BASE_ERR_INIT;
    CU_ASSERT_EQUAL_FATAL(codec_recognizer_load(&r, path, &e), BASE_OK);
    CU_ASSERT_EQUAL_FATAL(codec_recognizer_ws_create(&ws, r, NULL, NULL, &e), BASE_OK);
    snprintf(path, sizeof path, "%s/u%d.wav", dir, i);
    float *x = NULL;
    size_t n = 0;
    int tz = 0;
    const char *text = NULL;
    CU_ASSERT_EQUAL_FATAL(codec_audio_read(path, codec_recognizer_rate(r), &x, &n, &e), BASE_OK);
    CU_ASSERT_EQUAL_FATAL(codec_recognizer_frontend(r, ws, x, n, &e), BASE_OK);
    CU_ASSERT_EQUAL_FATAL(codec_recognizer_encode(r, ws, &tz, &e), BASE_OK);
    CU_ASSERT_EQUAL_FATAL(codec_recognizer_decode(r, ws, codec_recognizer_latents(ws), tz, &e),
                          BASE_OK);
    CU_ASSERT_EQUAL_FATAL(codec_recognizer_text(ws, codec_recognizer_logp(ws), tz, &text, &e),
                          BASE_OK);
    char *out = strdup(text);
    free(x);
    codec_recognizer_ws_destroy(ws);
    codec_recognizer_destroy(r);
    return out;
}

/* Utterance i through the kind's ops at snr_db: every packet sent in order.
 * Returns the hypothesis (malloc'd); *lost packets lost, *uses channel uses. */
static char *run_utt(const char *snr_db, int i, uint64_t *lost, size_t *uses_total)
{
    char body[1024];
    snprintf(body, sizeof body, base_body, snr_db);
    base_err e = BASE_ERR_INIT;
    sim_scenario *sc = test_load_scenario(dir, "ops.ini", body, &e);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sc);
    sim_config cfg;
    CU_ASSERT_EQUAL_FATAL(sim_scenario_resolve(sc, NULL, NULL, 0, &cfg, &e), BASE_OK);
    CU_ASSERT_EQUAL_FATAL(sim_pipeline_check(sc, &cfg, &e), BASE_OK);
    sim_pipeline *p = sim_pipeline_create(&cfg, 5, NULL, &e);
    if (!p) fprintf(stderr, "  %s\n", e.msg);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    CU_ASSERT_EQUAL(sim_pipeline_available(p), 2);
    sim_payload_ops ops;
    sim_pipeline_ops(p, &ops);
    sim_utt u;
    memset(&u, 0, sizeof u);
    u.index = (size_t)i;
    CU_ASSERT_EQUAL_FATAL(ops.encode(ops.ctx, &u, &e), BASE_OK);
    CU_ASSERT(u.n_frames >= 1);
    TEST_ASSERT_NEAR(u.res.duration_s, utt_len[i] / 16000.0, 1e-9);
    *uses_total = 0;
    for (size_t pk = 0, f0 = 0; f0 < u.n_frames; pk++, f0 += 2) {
        size_t nf = u.n_frames - f0 < 2 ? u.n_frames - f0 : 2, uses = 0;
        CU_ASSERT_EQUAL_FATAL(ops.transmit(ops.ctx, &u, pk, f0, nf, &uses, &e), BASE_OK);
        CU_ASSERT(uses > 0);
        *uses_total += uses;
    }
    CU_ASSERT_EQUAL_FATAL(ops.decode(ops.ctx, &u, &e), BASE_OK);
    *lost = u.res.packet_errors;
    char *hyp = strdup(u.res.hypothesis ? u.res.hypothesis : "");
    ops.release(ops.ctx, &u);
    sim_utt_result_clear(&u.res);
    sim_pipeline_destroy(p);
    sim_scenario_destroy(sc);
    return hyp;
}

static void test_clean_link_gives_the_transcript(void)
{
    setup();
    for (int i = 0; i < 2; i++) {
        char *want = own_transcript(i), *norm = NULL;
        CU_ASSERT_EQUAL_FATAL(codec_text_normalise(want, &norm, NULL), BASE_OK);
        uint64_t lost = 1;
        size_t uses = 0;
        char *hyp = run_utt("30", i, &lost, &uses);
        printf("  utt %d: tx \"%s\" rx \"%s\", %zu channel uses\n", i, norm, hyp, uses);
        CU_ASSERT_EQUAL(lost, 0);
        CU_ASSERT_STRING_EQUAL(hyp, norm);
        free(hyp);
        free(norm);
        free(want);
    }
}

static void test_low_snr_loses_text(void)
{
    uint64_t lost = 0;
    size_t uses_lo = 0, uses_hi = 0;
    char *lo = run_utt("-10", 1, &lost, &uses_lo);
    char *hi = run_utt("30", 1, &(uint64_t){0}, &uses_hi);
    printf("  -10 dB: %llu packets lost, rx \"%s\"\n", (unsigned long long)lost, lo);
    CU_ASSERT(lost > 0);
    CU_ASSERT_EQUAL(uses_lo, uses_hi); /* the same packets at any SNR */
    CU_ASSERT(strcmp(lo, hi) != 0 || !*hi);
    free(lo);
    free(hi);
}

static void test_jobs_identical(void)
{
    char body[1024];
    snprintf(body, sizeof body, base_body, "0");
    base_err e = BASE_ERR_INIT;
    sim_scenario *sc = test_load_scenario(dir, "jobs.ini", body, &e);
    CU_ASSERT_FATAL(sc != NULL);
    CU_ASSERT_EQUAL(sim_scenario_sweep(sc, "channel.snr_db", "-4,0,30", "--sweep", 0, &e), BASE_OK);
    char a[600], b[600];
    snprintf(a, sizeof a, "%s/j1.h5", dir);
    snprintf(b, sizeof b, "%s/j2.h5", dir);
    test_run_scenario(sc, a, 1);
    test_run_scenario(sc, b, 2);
    static const char *const cols[] = {"utterances", "wer", "per", "sym_per_s"};
    double r1[3][4], r2[3][4];
    unsigned char *ra, *rb;
    size_t sa, sb;
    CU_ASSERT_EQUAL_FATAL(test_read_summary(a, cols, 4, r1, 3, &ra, &sa), 3);
    CU_ASSERT_EQUAL_FATAL(test_read_summary(b, cols, 4, r2, 3, &rb, &sb), 3);
    CU_ASSERT(sa == sb && !memcmp(ra, rb, sa));
    for (int i = 0; i < 3; i++) {
        TEST_ASSERT_NEAR(r1[i][0], 2, 0);
        TEST_ASSERT_NEAR(r1[i][3], r1[2][3], 0); /* symbols do not depend on the SNR */
        CU_ASSERT(r1[i][3] > 0);
    }
    TEST_ASSERT_NEAR(r1[2][2], 0, 0); /* 30 dB: nothing lost */
    free(ra);
    free(rb);
    sim_scenario_destroy(sc);
}

/* Bad values: each must fail validation naming the file and the key's line. */
static void test_bad_inputs(void)
{
    static const struct {
        const char *extra, *needle;
        int line;
    } cases[] = {
        {"[link]\nmode = analog\n", "link.mode", 10},
        {"[link]\nprune = blank\n", "link.prune", 10},
        {"[source]\nframe_bits = 3\n", "source.frame_bits", 10},
        {"[link]\nframes_per_packet = 5000\n", "65536", 10},
    };
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        char body[1024];
        snprintf(body, sizeof body,
                 "[scenario]\nutterances = 2\n[source]\nkind = text\nmanifest = manifest.tsv\n"
                 "[tx]\nmodel = tx.h5\n\n%s",
                 cases[c].extra);
        test_assert_invalid(dir, "bad.ini", body, cases[c].needle, cases[c].line);
    }
    base_err e = BASE_ERR_INIT; /* no tx.model */
    sim_scenario *sc =
        test_load_scenario(dir, "bad.ini", "[source]\nkind = text\nmanifest = manifest.tsv\n", &e);
    CU_ASSERT_FATAL(sc != NULL);
    CU_ASSERT_NOT_EQUAL(sim_run_validate(sc, NULL, &e), BASE_OK);
    CU_ASSERT(strstr(e.msg, "tx.model") != NULL);
    sim_scenario_destroy(sc);
}

int main(void)
{
    static const test_case cases[] = {
        {"a clean link delivers the transmitter's transcript",
         test_clean_link_gives_the_transcript},
        {"a noisy link loses text, same symbols", test_low_snr_loses_text},
        {"-j 1 and -j 2 give the same file", test_jobs_identical},
        {"bad inputs name file:line", test_bad_inputs},
        {NULL, NULL},
    };
    return test_main("sim/kind_text", cases);
}
