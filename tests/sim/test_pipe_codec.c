/* test_pipe_codec.c -- source.kind = codec2-* / opus-N through sim_run
 * (sim/pipe_codec): manifest audio -> classic codec -> digital link (raw bits)
 * -> codec decoder with concealment -> a tiny random receiving agent -> greedy
 * CTC -> scoring; and the built-in TTS source (sim/tts_source) with its cache.
 * The agent is untrained, so WER is only checked to be a number: the checks
 * are the link mechanics (no packet errors at high SNR, losses at low SNR,
 * sym_per_s against the hand-computed packet format), determinism across -j,
 * and validation errors naming file:line. */
#include "codecs/audio.h"
#include "sim/run.h"
#include "sim/tts_source.h"
#include "tests/fixtures.h"
#include "tests/testutil.h"
#include "tests/testutil_audio.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static char dir[512];

/* Two utterances of 1.0 s and 1.5 s: a voiced-like harmonic signal. */
static const size_t utt_len[2] = {16000, 24000};

static void setup(void)
{
    snprintf(dir, sizeof dir, "%s", test_tmpdir());
    test_save_tiny_agent_in(dir, "rx.h5", 8, 7);
    static const char *const text[] = {"the cat sat", "a dog ran home"};
    const test_utts utts = {TEST_SIGNAL_HARMONIC, 0, "spk_", "u", 2, utt_len, text};
    test_write_manifest(dir, "manifest.tsv", &utts);
}

static sim_scenario *scenario(const char *kind, const char *snrs)
{
    char body[2048];
    snprintf(body, sizeof body,
             "[scenario]\nutterances = 10\n[source]\nkind = %s\nmanifest = manifest.tsv\n"
             "[rx]\nmodel = rx.h5\ndecoder = greedy\n"
             "[link]\nmode = digital\nfec = conv27\nmodulation = qpsk\nframes_per_packet = 4\n"
             "[channel]\nmodel = awgn\n[sweep]\nchannel.snr_db = %s\n",
             kind, snrs);
    base_err e = BASE_ERR_INIT;
    return test_load_scenario(dir, "codec.ini", body, &e);
}

typedef struct row_t {
    double utt, words, wer, ber, per, packets, packet_errors, sym, cosine, cka;
} row_t;

static size_t read_summary(const char *path, row_t *rows, size_t cap, unsigned char **raw,
                           size_t *rawsize)
{
    static const char *const cols[] = {"utterances", "ref_words",     "wer",       "ber",    "per",
                                       "packets",    "packet_errors", "sym_per_s", "cosine", "cka"};
    CU_ASSERT_FATAL(sizeof(row_t) == sizeof cols / sizeof *cols * sizeof(double));
    return test_read_summary(path, cols, sizeof cols / sizeof *cols, rows, cap, raw, rawsize);
}

/* Packet format by hand (channel/digital.h): M = 4 frames of B bits, a 16-bit
 * header and CRC-16: K = ceil((16 + 4B)/8) + 2 bytes; conv27 (K=7 r=1/2 with
 * 6 tail bits): 2(8K + 6) coded bits; QPSK: half as many symbols. */
static double hand_sym_per_s(size_t B, size_t frame_samples)
{
    size_t K = (16 + 4 * B + 7) / 8 + 2, S = (2 * (8 * K + 6) + 1) / 2;
    size_t packets = 0;
    for (int i = 0; i < 2; i++) {
        size_t F = (utt_len[i] + frame_samples - 1) / frame_samples;
        packets += (F + 3) / 4;
    }
    return (double)(packets * S) / ((double)(utt_len[0] + utt_len[1]) / 16000.0);
}

static void test_high_and_low_snr(void)
{
    setup();
    static const struct {
        const char *kind;
        size_t B, frame_samples;
    } cases[] = {
        {"opus-12", 240, 320},    /* 30 bytes per 20 ms */
        {"codec2-1200", 48, 640}, /* 48 bits per 40 ms (320 samples at 8 kHz) */
        {"codec2-700c", 28, 640}, /* 28 bits per 40 ms */
    };
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        sim_scenario *sc = scenario(cases[c].kind, "-8,30");
        CU_ASSERT_FATAL(sc != NULL);
        char out[600];
        snprintf(out, sizeof out, "%s/%s.h5", dir, cases[c].kind);
        test_run_scenario(sc, out, 1);
        row_t r[2];
        CU_ASSERT_EQUAL_FATAL(read_summary(out, r, 2, NULL, NULL), 2);
        double want = hand_sym_per_s(cases[c].B, cases[c].frame_samples);
        printf("  %s: sym/s %.2f (hand %.2f); -8 dB: PER %.3f BER %.4f WER %.2f; 30 dB: PER "
               "%.3f WER %.2f\n",
               cases[c].kind, r[1].sym, want, r[0].per, r[0].ber, r[0].wer, r[1].per, r[1].wer);
        for (int i = 0; i < 2; i++) {
            TEST_ASSERT_NEAR(r[i].utt, 2, 0);
            TEST_ASSERT_NEAR(r[i].words, 3 + 4, 0);
            TEST_ASSERT_NEAR(r[i].sym, want, 1e-9 * want); /* the same format at every SNR */
            CU_ASSERT(isfinite(r[i].wer) && r[i].wer >= 0);
            CU_ASSERT(isnan(r[i].cosine) && isnan(r[i].cka)); /* no latents, no equalizer */
        }
        /* 30 dB: every packet arrives, bit-exact */
        TEST_ASSERT_NEAR(r[1].packet_errors, 0, 0);
        TEST_ASSERT_NEAR(r[1].ber, 0, 0);
        TEST_ASSERT_NEAR(r[1].per, 0, 0);
        /* -8 dB Es/N0 with rate-1/2 QPSK: packets are lost and concealed */
        CU_ASSERT(r[0].packet_errors > 0);
        CU_ASSERT(r[0].ber > 0.01);
        TEST_ASSERT_NEAR(r[0].packets, r[1].packets, 0);
        sim_scenario_destroy(sc);
    }
}

static void test_jobs_identical(void)
{
    sim_scenario *sc = scenario("opus-12", "0,1");
    CU_ASSERT_FATAL(sc != NULL);
    base_err e = BASE_ERR_INIT;
    /* codec2 decodes in forked children: run it on threads too */
    CU_ASSERT_EQUAL(sim_scenario_sweep(sc, "source.kind", "opus-12,codec2-3200", "--sweep", 0, &e),
                    BASE_OK);
    char a[600], b[600];
    snprintf(a, sizeof a, "%s/j1.h5", dir);
    snprintf(b, sizeof b, "%s/j2.h5", dir);
    test_run_scenario(sc, a, 1);
    test_run_scenario(sc, b, 2);
    row_t r1[4], r2[4];
    unsigned char *ra, *rb;
    size_t sa, sb;
    CU_ASSERT_EQUAL_FATAL(read_summary(a, r1, 4, &ra, &sa), 4);
    CU_ASSERT_EQUAL_FATAL(read_summary(b, r2, 4, &rb, &sb), 4);
    CU_ASSERT(sa == sb && !memcmp(ra, rb, sa));
    int some_loss = 0;
    for (int i = 0; i < 4; i++)
        some_loss |= r1[i].packet_errors > 0 && r1[i].packet_errors < r1[i].packets;
    for (int i = 0; i < 4; i++)
        printf("  row %d: %g of %g packets lost\n", i, r1[i].packet_errors, r1[i].packets);
    CU_ASSERT(some_loss); /* the comparison covers partial losses (concealment) */
    free(ra);
    free(rb);
    sim_scenario_destroy(sc);
}

/* Bad values: each must fail validation naming the file and the key's line. */
static void test_bad_kinds(void)
{
    static const struct {
        const char *kind, *extra, *needle;
        int line;
    } cases[] = {
        {"opus-5", "", "out of range", 4},
        {"opus-65", "", "out of range", 4},
        {"opus-x", "", "unknown codec", 4},
        {"codec2-2400", "", "unknown codec", 4},
        {"codec2-1200", "[link]\nmode = analog\n", "link.mode=digital", 10},
        {"opus-64", "[link]\nframes_per_packet = 60\n", "65536", 10},
    };
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        char body[1024];
        snprintf(body, sizeof body,
                 "[scenario]\nutterances = 2\n[source]\nkind = %s\nmanifest = manifest.tsv\n"
                 "[rx]\nmodel = rx.h5\ndecoder = greedy\n%s",
                 cases[c].kind, cases[c].extra);
        base_err e = BASE_ERR_INIT;
        sim_scenario *sc = test_load_scenario(dir, "bad.ini", body, &e);
        if (!sc) { /* the key registry itself may refuse the value */
            CU_ASSERT(strstr(e.file, "bad.ini") != NULL);
            CU_ASSERT_EQUAL(e.line, cases[c].line);
            continue;
        }
        size_t np = 0;
        base_status st = sim_run_validate(sc, &np, &e);
        printf("  %s: %s:%d: %s\n", cases[c].kind, e.file, e.line, e.msg);
        CU_ASSERT_NOT_EQUAL(st, BASE_OK);
        CU_ASSERT(strstr(e.file, "bad.ini") != NULL);
        CU_ASSERT_EQUAL(e.line, cases[c].line);
        CU_ASSERT(strstr(e.msg, cases[c].needle) != NULL);
        sim_scenario_destroy(sc);
    }
    /* a valid one passes */
    base_err e = BASE_ERR_INIT;
    sim_scenario *sc = scenario("codec2-700c", "0");
    CU_ASSERT_FATAL(sc != NULL);
    CU_ASSERT_EQUAL(sim_run_validate(sc, NULL, &e), BASE_OK);
    sim_scenario_destroy(sc);
    /* no rx.model */
    sc = test_load_scenario(dir, "bad.ini", "[source]\nkind = opus-12\nmanifest = manifest.tsv\n",
                            &e);
    CU_ASSERT_FATAL(sc != NULL);
    CU_ASSERT_NOT_EQUAL(sim_run_validate(sc, NULL, &e), BASE_OK);
    CU_ASSERT(strstr(e.msg, "rx.model") != NULL);
    sim_scenario_destroy(sc);
}

/* The built-in TTS source: 2 lines x 1 voice synthesised into the cache once,
 * then reused; bad lines and voices fail validation with file:line. */
static void test_tts_source(void)
{
    char path[700];
    snprintf(path, sizeof path, "%s/text.txt", dir);
    test_put(path, "the birch canoe slid on the smooth planks\nglue the sheet to the dark blue "
                   "background\nit is easy to tell the depth of a well\n");
    snprintf(path, sizeof path, "%s/voices.txt", dir);
    test_put(path, "# one voice\nflite slt\n");
    const char *body = "[scenario]\nutterances = 10\n[source]\nkind = opus-16\ntext = text.txt\n"
                       "lines = 2-3\nvoices = voices.txt\ncache = ttscache\n"
                       "[rx]\nmodel = rx.h5\ndecoder = greedy\n[channel]\nsnr_db = 30\n";
    base_err e = BASE_ERR_INIT;
    sim_scenario *sc = test_load_scenario(dir, "tts.ini", body, &e);
    CU_ASSERT_FATAL(sc != NULL);
    CU_ASSERT_EQUAL(sim_run_validate(sc, NULL, &e), BASE_OK);
    sim_config cfg;
    CU_ASSERT_EQUAL_FATAL(sim_scenario_resolve(sc, NULL, NULL, 0, &cfg, &e), BASE_OK);
    char entry[600], man[700];
    CU_ASSERT_EQUAL_FATAL(sim_tts_source_dir(&cfg, entry, sizeof entry, &e), BASE_OK);
    CU_ASSERT(strstr(entry, "/ttscache/") != NULL);
    snprintf(man, sizeof man, "%s/manifest.tsv", entry);
    struct stat st0;
    CU_ASSERT(stat(man, &st0) != 0); /* nothing synthesised by validation */
    char out[600];
    snprintf(out, sizeof out, "%s/tts.h5", dir);
    test_run_scenario(sc, out, 2);
    CU_ASSERT_FATAL(stat(man, &st0) == 0);
    row_t r[1];
    CU_ASSERT_EQUAL_FATAL(read_summary(out, r, 1, NULL, NULL), 1);
    TEST_ASSERT_NEAR(r[0].utt, 2, 0);
    TEST_ASSERT_NEAR(r[0].words, 8 + 10, 0); /* lines 2 and 3 */
    TEST_ASSERT_NEAR(r[0].per, 0, 0);
    /* a second run reuses the entry: the manifest is not rewritten */
    struct stat st1;
    test_run_scenario(sc, out, 1);
    CU_ASSERT_FATAL(stat(man, &st1) == 0);
    CU_ASSERT(st1.st_mtim.tv_sec == st0.st_mtim.tv_sec &&
              st1.st_mtim.tv_nsec == st0.st_mtim.tv_nsec);
    /* another line range is another entry */
    CU_ASSERT_EQUAL(sim_scenario_set(sc, "source.lines", "1-2", "--set", 0, &e), BASE_OK);
    CU_ASSERT_EQUAL_FATAL(sim_scenario_resolve(sc, NULL, NULL, 0, &cfg, &e), BASE_OK);
    char entry2[600];
    CU_ASSERT_EQUAL(sim_tts_source_dir(&cfg, entry2, sizeof entry2, &e), BASE_OK);
    CU_ASSERT(strcmp(entry, entry2) != 0);
    sim_scenario_destroy(sc);

    /* bad inputs: lines past the end, a malformed range, a voices file with a bad engine */
    static const struct {
        const char *key, *value, *needle;
        int line;
    } bad[] = {
        {"lines", "2-9", "has 3 lines", 6},
        {"lines", "3-1", "A-B", 6},
        {"voices", "badvoices.txt", "", 2},
    };
    snprintf(path, sizeof path, "%s/badvoices.txt", dir);
    test_put(path, "flite slt\nfestival kal\n");
    for (size_t c = 0; c < sizeof bad / sizeof *bad; c++) {
        char b2[1024];
        snprintf(b2, sizeof b2,
                 "[scenario]\nutterances = 10\n[source]\nkind = codec2-3200\ntext = text.txt\n"
                 "%s = %s\nvoices = voices.txt\n[rx]\nmodel = rx.h5\n",
                 bad[c].key, bad[c].value);
        if (!strcmp(bad[c].key, "voices"))
            snprintf(b2, sizeof b2,
                     "[scenario]\nutterances = 10\n[source]\nkind = codec2-3200\ntext = text.txt\n"
                     "lines = 1-2\nvoices = %s\n[rx]\nmodel = rx.h5\n",
                     bad[c].value);
        base_err e2 = BASE_ERR_INIT;
        sim_scenario *s2 = test_load_scenario(dir, "badtts.ini", b2, &e2);
        CU_ASSERT_FATAL(s2 != NULL);
        CU_ASSERT_NOT_EQUAL(sim_run_validate(s2, NULL, &e2), BASE_OK);
        printf("  %s=%s: %s:%d: %s\n", bad[c].key, bad[c].value, e2.file, e2.line, e2.msg);
        CU_ASSERT_EQUAL(e2.line, bad[c].line);
        CU_ASSERT(strstr(e2.msg, bad[c].needle) != NULL);
        sim_scenario_destroy(s2);
    }
}

static const test_case cases[] = {
    {"opus-12, codec2-1200, codec2-700c: high and low SNR, sym/s by hand", test_high_and_low_snr},
    {"-j 1 and -j 2 give identical /summary", test_jobs_identical},
    {"bad kinds and links fail with file:line", test_bad_kinds},
    {"built-in TTS source: synthesis, cache, bad inputs", test_tts_source},
    {NULL, NULL},
};

int main(void)
{
    return test_main("pipe_codec", cases);
}
