/* test_pipe_semantic.c -- source.kind = semantic end to end with tiny random
 * agents (sim/pipe_semantic via sim_run): manifest audio -> tx encoder ->
 * analog or digital link -> rx decoder -> greedy CTC -> scoring. The agents
 * are untrained, so the figures are checked for consistency (counts, NaN
 * where they do not apply, determinism across -j), not for quality. Also:
 * class anchors (per-character prototypes from CTC forced alignment), and the
 * anchor / relative-head corpora that default to TTS training material which
 * never contains an evaluated utterance (sim/tts_source). */
#include "codecs/audio.h"
#include "codecs/manifest.h"
#include "codecs/vocab.h"
#include "sim/pipe_semantic.h"
#include "sim/corpus.h"
#include "sim/run.h"
#include "sim/tts_source.h"
#include "tests/fixtures.h"
#include "tests/testutil.h"

#include <dirent.h>
#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* source.kind = semantic: speech whose latents cross the equalizer */
#define SEM ((sim_tts_use){.speech = 1, .equalized = 1})

static char dir[512];

static void setup(void)
{
    snprintf(dir, sizeof dir, "%s", test_tmpdir());
    test_make_semantic_dir(dir);
}

static sim_scenario *scenario(const char *extra)
{
    char body[4096];
    snprintf(body, sizeof body,
             "[scenario]\nutterances = 10\n[source]\nkind = semantic\nmanifest = manifest.tsv\n"
             "[tx]\nmodel = a.h5\n[rx]\nmodel = b.h5\ndecoder = greedy\n"
             "[link]\nmode = analog\nframes_per_packet = 8\n[channel]\nmodel = awgn\n"
             "[sweep]\nchannel.snr_db = 0,30\n%s",
             extra);
    base_err e = BASE_ERR_INIT;
    return test_load_scenario(dir, "sem.ini", body, &e);
}

typedef struct row_t {
    double utt, words, wer, cer, ber, cosine, sym, lat;
} row_t;

static size_t read_summary(const char *path, row_t *rows, size_t cap, unsigned char **raw,
                           size_t *rawsize)
{
    static const char *const cols[] = {"utterances", "ref_words", "wer",       "cer",
                                       "ber",        "cosine",    "sym_per_s", "latency_mean_s"};
    CU_ASSERT_FATAL(sizeof(row_t) == sizeof cols / sizeof *cols * sizeof(double));
    return test_read_summary(path, cols, sizeof cols / sizeof *cols, rows, cap, raw, rawsize);
}

static void test_analog(void)
{
    setup();
    sim_scenario *sc = scenario("");
    CU_ASSERT_FATAL(sc != NULL);
    char a[600], b[600];
    snprintf(a, sizeof a, "%s/an1.h5", dir);
    snprintf(b, sizeof b, "%s/an2.h5", dir);
    test_run_scenario(sc, a, 1);
    test_run_scenario(sc, b, 2);
    row_t r[4];
    unsigned char *ra, *rb;
    size_t sa, sb;
    CU_ASSERT_EQUAL_FATAL(read_summary(a, r, 4, &ra, &sa), 2);
    row_t r2[4];
    CU_ASSERT_EQUAL_FATAL(read_summary(b, r2, 4, &rb, &sb), 2);
    CU_ASSERT(sa == sb && !memcmp(ra, rb, sa)); /* -j 1 == -j 2 */
    free(ra);
    free(rb);
    for (int i = 0; i < 2; i++) {
        TEST_ASSERT_NEAR(r[i].utt, 3, 0); /* the manifest caps utterances */
        TEST_ASSERT_NEAR(r[i].words, 3 + 4 + 1, 0);
        CU_ASSERT(isfinite(r[i].wer) && r[i].wer >= 0);
        CU_ASSERT(isfinite(r[i].cer));
        CU_ASSERT(isnan(r[i].ber)); /* analog link */
        CU_ASSERT(r[i].sym > 0 && r[i].lat > 0);
    }
    /* no equalizer: no alignment figures */
    CU_ASSERT(isnan(r[0].cosine) && isnan(r[1].cosine));
    sim_scenario_destroy(sc);
}

/* Oracle: the decoder gets the receiver's own latents through the channel, so
 * the cosine to the ideal input approaches 1 with SNR. Anchor equalizers give
 * finite alignment figures; relative-inverse sends K reals per frame. */
static void test_equalizers(void)
{
    static const char *const types[] = {"oracle", "ridge", "procrustes", "relative-inverse",
                                        "relative"};
    static const char *const selection[] = {"random", "random", "kmeans", "fps", "fps"};
    double sym[5];
    for (int t = 0; t < 5; t++) {
        char extra[1024];
        snprintf(extra, sizeof extra,
                 "[equalizer]\ntype = %s\nhead_steps = 3\ncache = %s/cache\n"
                 "train_manifest = anchors.tsv\n"
                 "[anchors]\ncount = 24\nselection = %s\nmanifest = anchors.tsv\n",
                 types[t], dir, selection[t]);
        sim_scenario *sc = scenario(extra);
        CU_ASSERT_FATAL(sc != NULL);
        char out[600];
        snprintf(out, sizeof out, "%s/eq%d.h5", dir, t);
        test_run_scenario(sc, out, 2);
        row_t r[4];
        unsigned char *raw;
        size_t rs;
        CU_ASSERT_EQUAL_FATAL(read_summary(out, r, 4, &raw, &rs), 2);
        free(raw);
        CU_ASSERT(isfinite(r[0].cosine) && isfinite(r[1].cosine));
        CU_ASSERT(r[1].cosine > r[0].cosine); /* 30 dB vs 0 dB */
        if (t == 0) CU_ASSERT(r[1].cosine > 0.99);
        CU_ASSERT(isfinite(r[0].wer));
        sym[t] = r[0].sym;
        hid_t f = H5Fopen(out, H5F_ACC_RDONLY, H5P_DEFAULT);
        hid_t ds = H5Dopen2(f, "grid/cka", H5P_DEFAULT);
        double cka[2] = {NAN, NAN};
        H5Dread(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, cka);
        if (t > 0) CU_ASSERT(isfinite(cka[0]) && cka[0] >= 0 && cka[0] <= 1 + 1e-9);
        H5Dclose(ds);
        H5Fclose(f);
        sim_scenario_destroy(sc);
    }
    /* d = 8 latents vs K = 24 reals per frame: three times the symbols */
    TEST_ASSERT_NEAR(sym[3] / sym[1], (24.0 * 25 + 1) / (8.0 * 25 + 1), 0.05 * sym[3] / sym[1]);
    TEST_ASSERT_NEAR(sym[4], sym[3], 0); /* relative sends the same K per frame */
    /* the relative head was trained once (both points share the anchors) and cached */
    char cache[600];
    snprintf(cache, sizeof cache, "%s/cache", dir);
    DIR *dp = opendir(cache);
    int heads = 0;
    for (struct dirent *de; dp && (de = readdir(dp));) {
        size_t n = strlen(de->d_name); /* relhead-KEY.h5 (and its .lock beside it) */
        heads += !strncmp(de->d_name, "relhead-", 8) && n > 3 && !strcmp(de->d_name + n - 3, ".h5");
    }
    if (dp) closedir(dp);
    CU_ASSERT_EQUAL(heads, 1);
}

/* The run's per-utterance cache (sim/ucache) changes no result: a relative
 * equalizer (anchor encodings, the source's encodings, the receiver's
 * reference, wer_tx_own all go through it) gives the same /summary bytes with
 * the cache off (scenario.cache_mb = 0) and on, on 1 and 2 threads; wer_tx_own
 * is finite and the same at both SNRs (a clean link: the channel never
 * touches it); the oracle reports the transmitter's own WER too. */
static void test_cache_changes_nothing(void)
{
    static const char *const cols[] = {"wer", "cosine", "cka", "wer_tx_own"};
    double rows[4][2][4]; /* run, point, column */
    unsigned char *raw[4];
    size_t rs[4];
    static const char *const mb[] = {"0", "256", "0", "256"};
    static const int jobs[] = {1, 1, 2, 2};
    for (int k = 0; k < 4; k++) {
        char extra[1024];
        snprintf(extra, sizeof extra,
                 "[equalizer]\ntype = relative\nhead_steps = 3\ncache = %s/cache-uc\n"
                 "train_manifest = anchors.tsv\n"
                 "[anchors]\ncount = 24\nselection = kmeans\nmanifest = anchors.tsv\n",
                 dir);
        sim_scenario *sc = scenario(extra);
        CU_ASSERT_FATAL(sc != NULL);
        base_err e = BASE_ERR_INIT;
        CU_ASSERT_EQUAL(sim_scenario_set(sc, "scenario.cache_mb", mb[k], "--set", 0, &e), BASE_OK);
        char out[600];
        snprintf(out, sizeof out, "%s/cache%d.h5", dir, k);
        test_run_scenario(sc, out, jobs[k]);
        CU_ASSERT_EQUAL_FATAL(test_read_summary(out, cols, 4, rows[k], 2, &raw[k], &rs[k]), 2);
        free(raw[k]); /* the rows differ in the scenario.cache_mb column: compare the metrics */
        if (k == 0) {
            CU_ASSERT(isfinite(rows[0][0][3]) && rows[0][0][3] >= 0);
            TEST_ASSERT_NEAR(rows[0][0][3], rows[0][1][3], 0);
            CU_ASSERT(isfinite(rows[0][0][2]));
        }
        sim_scenario_destroy(sc);
    }
    for (int k = 1; k < 4; k++) CU_ASSERT(!memcmp(rows[k], rows[0], sizeof rows[0]));
    /* the oracle: the receiver's encoder on the link, the transmitter's own WER beside it */
    sim_scenario *sc = scenario("[equalizer]\ntype = oracle\n");
    CU_ASSERT_FATAL(sc != NULL);
    char out[600];
    snprintf(out, sizeof out, "%s/cache-oracle.h5", dir);
    test_run_scenario(sc, out, 2);
    unsigned char *r;
    size_t n;
    CU_ASSERT_EQUAL_FATAL(test_read_summary(out, cols, 4, rows[0], 2, &r, &n), 2);
    free(r);
    CU_ASSERT(isfinite(rows[0][0][3]));
    TEST_ASSERT_NEAR(rows[0][0][3], rows[0][1][3], 0);
    sim_scenario_destroy(sc);
}

/* rx.score_beam reaches the receiver's beam (and the transmitter's own
 * decoding, which uses the receiver's decoder settings): a tiny score beam
 * keeps one prefix a frame, as a width of 1 does (codecs/decode.h), so the two
 * give the same figures; the default keeps the full width. */
static void test_score_beam(void)
{
    static const char *const cols[] = {"wer", "cer", "wer_tx_own"};
    static const char *const sets[][2] = {
        {"rx.beam_width", "1"}, {"rx.score_beam", "1e-6"}, {"rx.score_beam", "0"}};
    double rows[3][2][3];
    for (int k = 0; k < 3; k++) {
        sim_scenario *sc = scenario("[equalizer]\ntype = oracle\n");
        CU_ASSERT_FATAL(sc != NULL);
        base_err e = BASE_ERR_INIT;
        CU_ASSERT_EQUAL(sim_scenario_set(sc, "rx.decoder", "beam", "--set", 0, &e), BASE_OK);
        CU_ASSERT_EQUAL(sim_scenario_set(sc, sets[k][0], sets[k][1], "--set", 0, &e), BASE_OK);
        char out[600];
        snprintf(out, sizeof out, "%s/score-beam%d.h5", dir, k);
        test_run_scenario(sc, out, 1);
        unsigned char *raw;
        size_t n;
        CU_ASSERT_EQUAL_FATAL(test_read_summary(out, cols, 3, rows[k], 2, &raw, &n), 2);
        free(raw);
        sim_scenario_destroy(sc);
    }
    for (int i = 0; i < 2; i++)
        for (int c = 0; c < 3; c++) {
            CU_ASSERT(isfinite(rows[1][i][c]));
            TEST_ASSERT_NEAR(rows[1][i][c], rows[0][i][c], 0);
        }
    fprintf(stderr, "  width 1 / score beam 1e-6 / width 128: cer %.4f / %.4f / %.4f\n",
            rows[0][1][1], rows[1][1][1], rows[2][1][1]);
    CU_ASSERT(memcmp(rows[2], rows[1], sizeof rows[1]) != 0);
}

/* source.noise_snr_db changes the audio both agents hear: the run's cache
 * must keep clean and noisy encodings apart. One run sweeping the noise (clean
 * and noisy points share the cache) gives, point for point, what a clean-only
 * and a noisy-only run with the cache off give. */
static void test_cache_keeps_noise_apart(void)
{
    static const char *const cols[] = {"channel.snr_db", "wer", "cosine", "cka", "wer_tx_own"};
    double swept[4][5], alone[2][2][5]; /* swept: (noise inf, -10) x (snr 0, 30) */
    char extra[1024], out[600];
    unsigned char *raw;
    size_t rs;
    /* [sweep] comes last in scenario(): the noise sweep joins it */
    snprintf(extra, sizeof extra, "source.noise_snr_db = inf,-10\n");
    /* the equalizer and anchor keys go in with --set ([sweep] is the file's last section) */
    sim_scenario *sc = scenario(extra);
    CU_ASSERT_FATAL(sc != NULL);
    base_err e = BASE_ERR_INIT;
    char anc[700]; /* --set paths are relative to the current folder, not the scenario */
    snprintf(anc, sizeof anc, "%s/anchors.tsv", dir);
    const char *sets[][2] = {{"equalizer.type", "relative"},    {"equalizer.head_steps", "3"},
                             {"equalizer.train_manifest", anc}, {"anchors.count", "24"},
                             {"anchors.selection", "kmeans"},   {"anchors.manifest", anc}};
    char cache[700];
    snprintf(cache, sizeof cache, "%s/cache-uc", dir);
    for (size_t i = 0; i < sizeof sets / sizeof *sets; i++)
        CU_ASSERT_EQUAL_FATAL(sim_scenario_set(sc, sets[i][0], sets[i][1], "--set", 0, &e),
                              BASE_OK);
    CU_ASSERT_EQUAL_FATAL(sim_scenario_set(sc, "equalizer.cache", cache, "--set", 0, &e), BASE_OK);
    snprintf(out, sizeof out, "%s/noise-swept.h5", dir);
    test_run_scenario(sc, out, 1);
    CU_ASSERT_EQUAL_FATAL(test_read_summary(out, cols, 5, swept, 4, &raw, &rs), 4);
    free(raw);
    sim_scenario_destroy(sc);
    static const char *const noise[] = {"inf", "-10"};
    for (int k = 0; k < 2; k++) {
        snprintf(extra, sizeof extra, "%s", "");
        sc = scenario(extra);
        CU_ASSERT_FATAL(sc != NULL);
        for (size_t i = 0; i < sizeof sets / sizeof *sets; i++)
            CU_ASSERT_EQUAL_FATAL(sim_scenario_set(sc, sets[i][0], sets[i][1], "--set", 0, &e),
                                  BASE_OK);
        CU_ASSERT_EQUAL_FATAL(sim_scenario_set(sc, "equalizer.cache", cache, "--set", 0, &e),
                              BASE_OK);
        CU_ASSERT_EQUAL_FATAL(sim_scenario_set(sc, "scenario.cache_mb", "0", "--set", 0, &e),
                              BASE_OK);
        CU_ASSERT_EQUAL_FATAL(sim_scenario_set(sc, "source.noise_snr_db", noise[k], "--set", 0, &e),
                              BASE_OK);
        snprintf(out, sizeof out, "%s/noise-alone%d.h5", dir, k);
        test_run_scenario(sc, out, 1);
        CU_ASSERT_EQUAL_FATAL(test_read_summary(out, cols, 5, alone[k], 2, &raw, &rs), 2);
        free(raw);
        sim_scenario_destroy(sc);
    }
    /* match rows by (noise, snr): the swept file's rows are in sweep order */
    for (int k = 0; k < 2; k++)
        for (int j = 0; j < 2; j++) {
            const double *a = alone[k][j];
            int found = 0;
            for (int r = 0; r < 4; r++) {
                /* the swept rows' noise is not among cols: rows 0-1 and 2-3 are one noise
                 * value each, in the order of the sweep's expansion; find the row with the
                 * same snr whose metrics match, and require exactly one per (k, j) */
                if (swept[r][0] == a[0] && !memcmp(swept[r] + 1, a + 1, 4 * sizeof *a)) found++;
            }
            CU_ASSERT_EQUAL(found, 1);
        }
    /* and the noise changed something the agents heard */
    CU_ASSERT(memcmp(alone[0], alone[1], sizeof alone[0]) != 0);
}

static void test_digital_and_oracle(void)
{
    sim_scenario *sc = scenario("");
    CU_ASSERT_FATAL(sc != NULL);
    base_err e = BASE_ERR_INIT;
    CU_ASSERT_EQUAL(sim_scenario_set(sc, "link.mode", "digital", "--set", 0, &e), BASE_OK);
    CU_ASSERT_EQUAL(sim_scenario_set(sc, "equalizer.type", "oracle", "--set", 0, &e), BASE_OK);
    CU_ASSERT_EQUAL(sim_scenario_set(sc, "tx.model", "c.h5", "--set", 0, &e), BASE_OK);
    /* --set paths are relative to the current folder: give it the full path */
    char c[600];
    snprintf(c, sizeof c, "%s/c.h5", dir);
    CU_ASSERT_EQUAL(sim_scenario_set(sc, "tx.model", c, "--set", 0, &e), BASE_OK);
    char out[600];
    snprintf(out, sizeof out, "%s/dig.h5", dir);
    test_run_scenario(sc, out, 2);
    row_t r[4];
    unsigned char *raw;
    size_t rs;
    CU_ASSERT_EQUAL_FATAL(read_summary(out, r, 4, &raw, &rs), 2);
    free(raw);
    CU_ASSERT(isfinite(r[0].ber) && isfinite(r[1].ber));
    CU_ASSERT(r[0].ber > r[1].ber); /* 0 dB vs 30 dB */
    TEST_ASSERT_NEAR(r[1].ber, 0, 0);
    sim_scenario_destroy(sc);
}

static void test_validation(void)
{
    sim_scenario *sc = scenario("");
    CU_ASSERT_FATAL(sc != NULL);
    base_err e = BASE_ERR_INIT;
    size_t pts;
    CU_ASSERT_EQUAL(sim_run_validate(sc, &pts, &e), BASE_OK);
    char c[600];
    snprintf(c, sizeof c, "%s/c.h5", dir);
    CU_ASSERT_EQUAL(sim_scenario_set(sc, "rx.model", c, "--set", 0, &e), BASE_OK);
    CU_ASSERT_EQUAL(sim_run_validate(sc, &pts, &e), BASE_OK); /* none: d 8 -> 12 zero-padded */
    CU_ASSERT_EQUAL(sim_scenario_set(sc, "equalizer.type", "relative", "--set", 0, &e), BASE_OK);
    CU_ASSERT_EQUAL(sim_scenario_set(sc, "anchors.count", "2000", "--set", 0, &e), BASE_OK);
    CU_ASSERT_EQUAL(sim_run_validate(sc, &pts, &e), BASE_ERANGE); /* K > the head's limit */
    CU_ASSERT_EQUAL(sim_scenario_set(sc, "anchors.count", "16", "--set", 0, &e), BASE_OK);
    CU_ASSERT_EQUAL(sim_scenario_set(sc, "equalizer.type", "ridge", "--set", 0, &e), BASE_OK);
    CU_ASSERT_EQUAL(sim_scenario_set(sc, "anchors.selection", "class", "--set", 0, &e), BASE_OK);
    CU_ASSERT_EQUAL(sim_run_validate(sc, &pts, &e), BASE_OK);
    CU_ASSERT_EQUAL(sim_scenario_set(sc, "anchors.count", "29", "--set", 0, &e), BASE_OK);
    CU_ASSERT_EQUAL(sim_run_validate(sc, &pts, &e), BASE_ERANGE); /* 28 characters at most */
    CU_ASSERT(strstr(e.msg, "anchors.count") != NULL);
    CU_ASSERT_EQUAL(sim_scenario_set(sc, "anchors.count", "0", "--set", 0, &e), BASE_OK);
    CU_ASSERT_EQUAL(sim_run_validate(sc, &pts, &e), BASE_OK); /* 0 = every character present */
    CU_ASSERT_EQUAL(sim_scenario_set(sc, "anchors.selection", "kmeans", "--set", 0, &e), BASE_OK);
    CU_ASSERT_EQUAL(sim_run_validate(sc, &pts, &e), BASE_EINVAL); /* 0 only for class */
    sim_scenario_destroy(sc);
    /* a model file that is not a model: error names the scenario line */
    sc = scenario("");
    char bad[600];
    snprintf(bad, sizeof bad, "%s/manifest.tsv", dir);
    CU_ASSERT_EQUAL(sim_scenario_set(sc, "tx.model", bad, "--set", 0, &e), BASE_OK);
    CU_ASSERT_NOT_EQUAL(sim_run_validate(sc, &pts, &e), BASE_OK);
    sim_scenario_destroy(sc);
}

/* Distinct characters (CTC classes) in the anchor corpus's transcripts. */
static size_t anchor_classes(void)
{
    static const char *const t[] = {"we were away a year ago", "she sells sea shells",
                                    "pack my box with five dozen jugs"};
    int seen[CODEC_VOCAB_SIZE] = {0}, lab[64];
    size_t n = 0;
    for (int i = 0; i < 3; i++) {
        size_t l = codec_vocab_encode(t[i], lab, 64);
        for (size_t k = 0; k < l; k++) n += !seen[lab[k]]++;
    }
    return n;
}

static sim_sem *sem_create(const char *extra, base_err *e)
{
    sim_scenario *sc = scenario(extra);
    CU_ASSERT_FATAL(sc != NULL);
    sim_config cfg;
    CU_ASSERT_EQUAL_FATAL(sim_scenario_resolve(sc, NULL, NULL, 0, &cfg, e), BASE_OK);
    sim_scenario_destroy(sc);
    return sim_sem_create(&cfg, 1, NULL, e);
}

/* anchors.selection = class: each agent aligns its own anchor latents with its
 * own decoder; K = characters present (count 0) or the K most frequent with
 * their ids as handshake; more than present is an error; end to end through
 * the relative head. */
static void test_class_anchors(void)
{
    base_err e = BASE_ERR_INIT;
    const char *base = "[equalizer]\ntype = relative-inverse\n[anchors]\nselection = class\n"
                       "manifest = anchors.tsv\nutterances = 3\ncount = %d\n";
    char extra[1200];
    size_t present = anchor_classes();
    CU_ASSERT(present > 10 && present < 28);
    snprintf(extra, sizeof extra, base, 0);
    sim_sem *s = sem_create(extra, &e);
    if (!s) fprintf(stderr, "  %s\n", e.msg);
    CU_ASSERT_FATAL(s != NULL);
    CU_ASSERT_EQUAL(sim_sem_symbols_per_frame(s), present);
    sim_point_metrics m;
    sim_point_metrics_nan(&m);
    sim_sem_point_metrics(s, &m);
    TEST_ASSERT_NEAR(m.handshake_sym, 0, 0); /* all classes: nothing is exchanged */
    sim_sem_destroy(s);
    snprintf(extra, sizeof extra, base, 5);
    CU_ASSERT_FATAL((s = sem_create(extra, &e)) != NULL);
    CU_ASSERT_EQUAL(sim_sem_symbols_per_frame(s), 5);
    sim_sem_point_metrics(s, &m);
    TEST_ASSERT_NEAR(m.handshake_sym, 5 * 5 / 2.0, 0); /* 5 class ids of ceil(log2 29) bits */
    sim_sem_destroy(s);
    snprintf(extra, sizeof extra, base, (int)present + 1);
    CU_ASSERT(sem_create(extra, &e) == NULL);
    CU_ASSERT_EQUAL(e.code, BASE_ERANGE);
    CU_ASSERT(strstr(e.msg, "anchors.count") != NULL);
    /* end to end: class prototypes + relative head */
    snprintf(extra, sizeof extra,
             "[equalizer]\ntype = relative\nhead_steps = 3\ncache = %s/cache-class\n"
             "train_manifest = anchors.tsv\n"
             "[anchors]\nselection = class\ncount = 0\nmanifest = anchors.tsv\nutterances = 3\n",
             dir);
    sim_scenario *sc = scenario(extra);
    CU_ASSERT_FATAL(sc != NULL);
    char out[600];
    snprintf(out, sizeof out, "%s/class.h5", dir);
    test_run_scenario(sc, out, 2);
    row_t r[4];
    unsigned char *raw;
    size_t rs;
    CU_ASSERT_EQUAL_FATAL(read_summary(out, r, 4, &raw, &rs), 2);
    free(raw);
    CU_ASSERT(isfinite(r[0].cosine) && isfinite(r[1].cosine) && isfinite(r[0].wer));
    sim_scenario_destroy(sc);
}

/* The registry's defaults: anchor and head corpora are training lines (1-500),
 * disjoint from the default source lines, spoken by training voices only. */
static void test_default_corpora(void)
{
    long sa, sb, a, b;
    CU_ASSERT_FATAL(!sim_corpus_parse_lines(sim_key_find("source.lines")->def, &sa, &sb));
    static const char *const keys[][3] = {
        {"anchors.text", "anchors.lines", "anchors.voices"},
        {"equalizer.train_text", "equalizer.train_lines", "equalizer.train_voices"},
    };
    char buf[600], line[256];
    test_srcpath(buf, sizeof buf, "data/voices-train.txt");
    FILE *f = fopen(buf, "r");
    CU_ASSERT_FATAL(f != NULL);
    char train[4096] = "\n";
    while (fgets(line, sizeof line, f))
        if (*line != '#') strncat(train, line, sizeof train - strlen(train) - 1);
    fclose(f);
    for (int k = 0; k < 2; k++) {
        CU_ASSERT_STRING_EQUAL(sim_key_find(keys[k][0])->def, sim_key_find("source.text")->def);
        CU_ASSERT_FATAL(!sim_corpus_parse_lines(sim_key_find(keys[k][1])->def, &a, &b));
        CU_ASSERT(a >= 1 && b <= 500); /* Harvard training lists 1-50 */
        CU_ASSERT(b < sa || a > sb);   /* never the evaluated lines */
        test_srcpath(buf, sizeof buf, sim_key_find(keys[k][2])->def);
        FILE *v = fopen(buf, "r");
        CU_ASSERT_FATAL(v != NULL);
        int voices = 0;
        while (fgets(line, sizeof line, v)) {
            if (*line == '#' || *line == '\n') continue;
            char probe[300];
            snprintf(probe, sizeof probe, "\n%s", line);
            CU_ASSERT(strstr(train, probe) != NULL); /* a training voice */
            voices++;
        }
        fclose(v);
        CU_ASSERT(voices >= 1 && voices <= 3);
    }
}

/* ids and normalised transcripts of a manifest, for the disjointness checks */
static size_t manifest_keys(const char *path, char keys[][128], size_t cap)
{
    codec_manifest *m = NULL;
    base_err e = BASE_ERR_INIT;
    CU_ASSERT_EQUAL_FATAL(codec_manifest_read(path, &m, &e), BASE_OK);
    size_t n = codec_manifest_size(m);
    CU_ASSERT_FATAL(2 * n <= cap);
    for (size_t i = 0; i < n; i++) {
        snprintf(keys[2 * i], 128, "id:%s", codec_manifest_id(m, i));
        snprintf(keys[2 * i + 1], 128, "text:%s", codec_manifest_transcript(m, i));
    }
    codec_manifest_destroy(m);
    return n;
}

/* Unset anchors.manifest / equalizer.train_manifest: the corpora are
 * synthesised from their own (training) lines, never contain an evaluated id
 * or sentence, and drive a run end to end; overlapping lines and a source that
 * holds the anchor corpus are refused. */
static void test_tts_corpora(void)
{
    char path[700];
    snprintf(path, sizeof path, "%s/text.txt", dir);
    test_put(path, "the birch canoe slid on the smooth planks\nglue the sheet to the dark blue "
                   "background\nit is easy to tell the depth of a well\nthese days a chicken leg "
                   "is a rare dish\nrice is often served in round bowls\nthe juice of lemons "
                   "makes fine punch\n");
    snprintf(path, sizeof path, "%s/v1.txt", dir);
    test_put(path, "espeak-ng en-us\n");
    snprintf(path, sizeof path, "%s/v2.txt", dir);
    test_put(path, "espeak-ng en-us\nespeak-ng en-us+f3\n");
    char body[1400];
    snprintf(body, sizeof body,
             "[scenario]\nutterances = 10\n[source]\nkind = semantic\ntext = text.txt\n"
             "lines = 5-6\nvoices = v1.txt\ncache = ttscache\n"
             "[tx]\nmodel = a.h5\n[rx]\nmodel = b.h5\ndecoder = greedy\n"
             "[equalizer]\ntype = relative\nhead_steps = 2\ncache = %s/cache-tts\n"
             "train_text = text.txt\ntrain_lines = 2-4\ntrain_voices = v2.txt\n"
             "train_utterances = 4\n"
             "[anchors]\ncount = 4\ntext = text.txt\nlines = 1-2\nutterances = 2\n"
             "[link]\nmode = analog\n[channel]\nsnr_db = 20\n",
             dir);
    base_err e = BASE_ERR_INIT;
    sim_scenario *sc = test_load_scenario(dir, "tts.ini", body, &e);
    CU_ASSERT_FATAL(sc != NULL);
    snprintf(path, sizeof path, "%s/tts.ini", dir); /* loaded again below */
    CU_ASSERT_EQUAL(sim_run_validate(sc, NULL, &e), BASE_OK);
    sim_config cfg;
    CU_ASSERT_EQUAL_FATAL(sim_scenario_resolve(sc, NULL, NULL, 0, &cfg, &e), BASE_OK);
    CU_ASSERT(sim_tts_anchors_used(&cfg, SEM) && sim_tts_head_used(&cfg, SEM));
    { /* which corpora each equalizer needs: the table's capabilities */
        static const struct {
            const char *type;
            int anchors, head;
        } caps[] = {{"ridge", 1, 0}, {"relative-inverse", 1, 0}, {"procrustes", 1, 0},
                    {"none", 0, 0},  {"oracle", 0, 0},           {"relative", 1, 1}};
        for (size_t i = 0; i < sizeof caps / sizeof *caps; i++) {
            sim_config c2 = cfg;
            snprintf(c2.equalizer.type, sizeof c2.equalizer.type, "%s", caps[i].type);
            CU_ASSERT_EQUAL(sim_tts_anchors_used(&c2, SEM), caps[i].anchors);
            CU_ASSERT_EQUAL(sim_tts_head_used(&c2, SEM), caps[i].head);
        }
    }
    base_status st = sim_tts_source_prepare(&cfg, SEM, 2, NULL, &e);
    if (st) fprintf(stderr, "  %s:%d: %s\n", e.file, e.line, e.msg);
    CU_ASSERT_EQUAL_FATAL(st, BASE_OK);
    CU_ASSERT(strstr(cfg.anchors.manifest, "/ttscache/") != NULL);
    CU_ASSERT(strstr(cfg.equalizer.train_manifest, "/ttscache/") != NULL);
    static char src[64][128], anc[64][128], head[64][128];
    size_t ns = manifest_keys(cfg.source.manifest, src, 64);
    size_t na = manifest_keys(cfg.anchors.manifest, anc, 64);
    size_t nh = manifest_keys(cfg.equalizer.train_manifest, head, 64);
    CU_ASSERT_EQUAL(ns, 2);
    CU_ASSERT_EQUAL(na, 2);     /* lines 1-2 x the default anchor voice */
    CU_ASSERT_EQUAL(nh, 3 * 2); /* lines 2-4 x two voices */
    for (size_t i = 0; i < 2 * ns; i++) {
        for (size_t j = 0; j < 2 * na; j++) CU_ASSERT(strcmp(src[i], anc[j]) != 0);
        for (size_t j = 0; j < 2 * nh; j++) CU_ASSERT(strcmp(src[i], head[j]) != 0);
    }
    /* end to end on the default corpora */
    char out[600];
    snprintf(out, sizeof out, "%s/ttsrun.h5", dir);
    test_run_scenario(sc, out, 2);
    row_t r[1];
    unsigned char *raw;
    size_t rs;
    CU_ASSERT_EQUAL_FATAL(read_summary(out, r, 1, &raw, &rs), 1);
    free(raw);
    TEST_ASSERT_NEAR(r[0].utt, 2, 0);
    CU_ASSERT(isfinite(r[0].cosine));
    /* guards: lines overlapping the evaluated ones, before any synthesis */
    static const char *const overlap[][2] = {{"anchors.lines", "4-5"},
                                             {"equalizer.train_lines", "6"}};
    for (int k = 0; k < 2; k++) {
        sim_scenario *bad = sim_scenario_load(path, &e);
        CU_ASSERT_EQUAL(sim_scenario_set(bad, overlap[k][0], overlap[k][1], "--set", 0, &e),
                        BASE_OK);
        CU_ASSERT_EQUAL(sim_run_validate(bad, NULL, &e), BASE_EINVAL);
        CU_ASSERT(strstr(e.msg, "leakage") != NULL && strstr(e.msg, overlap[k][0]) != NULL);
        sim_scenario_destroy(bad);
    }
    /* a manifest source that holds the anchor corpus's sentences: refused at prepare */
    sim_config leak;
    CU_ASSERT_EQUAL_FATAL(sim_scenario_resolve(sc, NULL, NULL, 0, &leak, &e), BASE_OK);
    snprintf(leak.source.manifest, sizeof leak.source.manifest, "%s", cfg.anchors.manifest);
    CU_ASSERT_EQUAL(sim_tts_source_prepare(&leak, SEM, 1, NULL, &e), BASE_EINVAL);
    CU_ASSERT(strstr(e.msg, "leakage") != NULL);
    sim_scenario_destroy(sc);
}

int main(void)
{
    static const test_case cases[] = {
        {"analog link, -j 1 == -j 2", test_analog},
        {"digital link and oracle", test_digital_and_oracle},
        {"the per-utterance cache changes no result", test_cache_changes_nothing},
        {"equalizers: oracle, ridge, procrustes, relative-inverse, relative", test_equalizers},
        {"validation", test_validation},
        {"class anchors from CTC forced alignment", test_class_anchors},
        {"default anchor/head corpora: training lines and voices only", test_default_corpora},
        {"TTS anchor/head corpora never hold evaluated utterances", test_tts_corpora},
        {"source noise: the run cache keeps clean and noisy apart", test_cache_keeps_noise_apart},
        {"rx.score_beam reaches the receiver's beam", test_score_beam},
        {NULL, NULL},
    };
    return test_main("pipe_semantic", cases);
}
