/* test_s2s.c -- speech-to-speech (sim/s2s): the receiver's transcript
 * resynthesised with rx.tts_voice and recognised by score.model, a third
 * (tiny, untrained) agent. Checks: with the voice on the point gets a finite
 * WER, the receiver's own WER moves to wer_rx_text, the link's symbols are
 * unchanged and --wav writes one 16 kHz WAV per utterance; the result is the
 * same on 1 and 2 threads; off (rx.tts_voice = none) every metric equals a
 * run without the keys; bad values are errors at the key's file:line. */
#include "codecs/audio.h"
#include "sim/run.h"
#include "sim/s2s.h"
#include "tests/fixtures.h"
#include "tests/testutil.h"
#include "tests/testutil_audio.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char dir[512];

static void setup(void)
{
    snprintf(dir, sizeof dir, "%s", test_tmpdir());
    test_save_tiny_agent_in(dir, "tx.h5", 8, 11);
    test_save_tiny_agent_in(dir, "score.h5", 8, 23);
    static const char *const text[] = {"the cat sat", "a dog ran home"};
    static const size_t len[] = {16000, 24000};
    const test_utts utts = {TEST_SIGNAL_AM, 0, "spk_", "u", 2, len, text};
    test_write_manifest(dir, "manifest.tsv", &utts);
}

/* The text kind over a clean digital link; extra: more sections. */
static const char *const base_body =
    "[scenario]\nutterances = 2\n[source]\nkind = text\nmanifest = manifest.tsv\n"
    "frame_bits = 16\n[tx]\nmodel = tx.h5\ndecoder = greedy\n"
    "[link]\nmode = digital\nfec = conv27\nmodulation = qpsk\nframes_per_packet = 2\n"
    "[channel]\nmodel = awgn\nsnr_db = 30\n%s";

static const char *const s2s_on = "[rx]\ntts_voice = espeak-ng en-us\n"
                                  "[score]\nmodel = score.h5\ndecoder = greedy\n";

enum { NCOL = 9 };
static const char *const cols[NCOL] = {"utterances", "ref_words", "wer", "cer",        "sym_per_s",
                                       "ber",        "sub",       "del", "wer_rx_text"};

/* Runs body with extra into out (jobs threads, wav_dir or NULL); row 0's columns into r. */
static void run(const char *name, const char *extra, const char *out, int jobs, const char *wav_dir,
                double r[NCOL], unsigned char **raw, size_t *rawsize)
{
    char body[2048];
    snprintf(body, sizeof body, base_body, extra);
    base_err e = BASE_ERR_INIT;
    sim_scenario *sc = test_load_scenario(dir, name, body, &e);
    CU_ASSERT_FATAL(sc != NULL);
    sim_run_opts o;
    memset(&o, 0, sizeof o);
    o.out_path = out;
    o.jobs = jobs;
    o.force = 1;
    o.wav_dir = wav_dir;
    base_status st = sim_run(sc, &o, &e);
    if (st) fprintf(stderr, "  %s:%d: %s\n", e.file, e.line, e.msg);
    CU_ASSERT_EQUAL_FATAL(st, BASE_OK);
    CU_ASSERT_EQUAL_FATAL(test_read_summary(out, cols, NCOL, r, 1, raw, rawsize), 1);
    sim_scenario_destroy(sc);
}

static void test_on_scores_the_third_agent(void)
{
    setup();
    char off[600], on[600], wav[600];
    snprintf(off, sizeof off, "%s/off.h5", dir);
    snprintf(on, sizeof on, "%s/on.h5", dir);
    snprintf(wav, sizeof wav, "%s/wav/new", dir); /* made, parents too */
    double a[NCOL], b[NCOL];
    run("off.ini", "", off, 1, NULL, a, NULL, NULL);
    run("on.ini", s2s_on, on, 1, wav, b, NULL, NULL);
    printf("  off: wer %.4f; on: wer %.4f, wer_rx_text %.4f\n", a[2], b[2], b[8]);
    CU_ASSERT(isfinite(b[2]));
    TEST_ASSERT_NEAR(b[0], 2, 0);
    TEST_ASSERT_NEAR(b[1], a[1], 0);         /* the same references */
    TEST_ASSERT_NEAR(b[8], a[2], 0);         /* the receiver's own WER, kept */
    TEST_ASSERT_NEAR(b[4], a[4], 0);         /* resynthesis is free on the channel */
    CU_ASSERT(isnan(a[8]));                  /* off: no such figure */
    CU_ASSERT(b[2] != a[2] || b[3] != a[3]); /* a different listener, different errors */
    for (int i = 0; i < 2; i++) {
        char path[700];
        snprintf(path, sizeof path, "%s/0000-00/spk_%d.wav", wav, i);
        float *x = NULL;
        size_t n = 0;
        CU_ASSERT_EQUAL_FATAL(codec_audio_read(path, 16000, &x, &n, NULL), BASE_OK);
        double e = 0;
        for (size_t k = 0; k < n; k++) e += (double)x[k] * x[k];
        printf("  %s: %zu samples, energy %.3g\n", path, n, e);
        CU_ASSERT(n > 1600);
        free(x);
    }
}

static void test_jobs_identical(void)
{
    char a[600], b[600];
    snprintf(a, sizeof a, "%s/j1.h5", dir);
    snprintf(b, sizeof b, "%s/j2.h5", dir);
    double r1[NCOL], r2[NCOL];
    unsigned char *ra, *rb;
    size_t sa, sb;
    run("j.ini", s2s_on, a, 1, NULL, r1, &ra, &sa);
    run("j.ini", s2s_on, b, 2, NULL, r2, &rb, &sb);
    CU_ASSERT(sa == sb && !memcmp(ra, rb, sa));
    free(ra);
    free(rb);
}

/* rx.tts_voice = none (score.* set or not): every metric as without the keys. */
static void test_off_unchanged(void)
{
    char a[600], b[600];
    snprintf(a, sizeof a, "%s/plain.h5", dir);
    snprintf(b, sizeof b, "%s/none.h5", dir);
    double r1[NCOL], r2[NCOL];
    run("plain.ini", "", a, 1, NULL, r1, NULL, NULL);
    run("none.ini", "[rx]\ntts_voice = none\n[score]\nmodel = score.h5\n", b, 1, NULL, r2, NULL,
        NULL);
    for (int k = 0; k < NCOL; k++)
        CU_ASSERT(memcmp(&r1[k], &r2[k], sizeof r1[k]) == 0 || (isnan(r1[k]) && isnan(r2[k])));
}

/* Bad values: each must fail validation naming the file and the key's line. */
static void test_bad_inputs(void)
{
    static const struct {
        const char *extra, *needle;
        int line;
    } cases[] = {
        {"[rx]\ntts_voice = espeak-ng\n[score]\nmodel = score.h5\n", "ENGINE VOICE", 19},
        {"[rx]\ntts_voice = espeak-ng xx-nope\n[score]\nmodel = score.h5\n", "xx-nope", 19},
        {"[rx]\ntts_voice = festival kal\n[score]\nmodel = score.h5\n", "festival", 19},
        {"[rx]\ntts_voice = flite slt\n", "score.model", 19},
        {"[rx]\ntts_voice = flite slt\n[score]\nmodel = manifest.tsv\n", "manifest.tsv", 21},
        {"[rx]\ntts_voice = flite slt\n[score]\nmodel = nothere.h5\n", "nothere.h5", 21},
    };
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        char body[2048];
        snprintf(body, sizeof body, base_body, cases[c].extra);
        test_assert_invalid(dir, "bad.ini", body, cases[c].needle, cases[c].line);
    }
    /* a codec kind delivers speech: refused, not ignored */
    base_err e = BASE_ERR_INIT;
    sim_scenario *sc = test_load_scenario(dir, "codec.ini",
                                          "[source]\nkind = opus-12\nmanifest = manifest.tsv\n"
                                          "[rx]\nmodel = tx.h5\ntts_voice = flite slt\n"
                                          "[score]\nmodel = score.h5\n[link]\nmode = digital\n",
                                          &e);
    CU_ASSERT_FATAL(sc != NULL);
    CU_ASSERT_NOT_EQUAL(sim_run_validate(sc, NULL, &e), BASE_OK);
    printf("  %s:%d: %s\n", e.file, e.line, e.msg);
    CU_ASSERT_EQUAL(e.line, 6);
    CU_ASSERT(strstr(e.msg, "opus-12") != NULL);
    sim_scenario_destroy(sc);
}

/* --wav into a path under a regular file: one error naming it. */
static void test_bad_wav_dir(void)
{
    char path[600];
    snprintf(path, sizeof path, "%s/manifest.tsv/wav", dir);
    base_err e = BASE_ERR_INIT;
    CU_ASSERT_NOT_EQUAL(sim_s2s_wav_root(path, &e), BASE_OK);
    printf("  %s\n", e.msg);
    CU_ASSERT(strstr(e.msg, "manifest.tsv") != NULL || strstr(e.file, "manifest.tsv") != NULL);
    snprintf(path, sizeof path, "%s/wavroot", dir);
    CU_ASSERT_EQUAL(sim_s2s_wav_root(path, &e), BASE_OK);
}

int main(void)
{
    static const test_case cases[] = {
        {"on: the third agent's WER, the receiver's kept, WAVs written",
         test_on_scores_the_third_agent},
        {"-j 1 and -j 2 give the same file", test_jobs_identical},
        {"rx.tts_voice = none changes no metric", test_off_unchanged},
        {"bad voice, score.model, kind name file:line", test_bad_inputs},
        {"an unwritable --wav folder is an error", test_bad_wav_dir},
        {NULL, NULL},
    };
    return test_main("sim/s2s", cases);
}
