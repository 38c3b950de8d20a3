/* test_prune.c -- link.prune = blank (sim/prune and its hooks in
 * sim/pipe_semantic): the prototype row and the rebuild, the transmitter's
 * decision with a tiny agent (positions' channel uses = the run-length code's
 * bits), the receiver's silence fill, and end to end through sim_run with
 * tiny random agents: fewer symbols than without pruning on analog and
 * digital links and through the relative head, -j 1 == -j 2, and
 * link.prune refused for kinds it does not apply to. */
#include "codecs/audio.h"
#include "codecs/prune.h"
#include "codecs/recognizer.h"
#include "sim/prune.h"
#include "sim/run.h"
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
    test_save_tiny_agent_in(dir, "a.h5", 8, 1);
    test_save_tiny_agent_in(dir, "b.h5", 8, 2);
    static const char *const text[] = {"the cat sat", "a dog ran home", "stop",
                                       "we were away a year ago"};
    static const size_t len[2][2] = {{16000, 32000}, {48000, 64000}};
    /* bursts of tone and silence */
    const test_utts m0 = {TEST_SIGNAL_BURSTS, 0, "u0_", "m0_", 2, len[0], text};
    const test_utts m1 = {TEST_SIGNAL_BURSTS, 0, "u1_", "m1_", 2, len[1], text + 2};
    test_write_manifest(dir, "manifest.tsv", &m0);
    test_write_manifest(dir, "anchors.tsv", &m1);
}

static sim_scenario *scenario(const char *extra)
{
    char body[4096];
    snprintf(body, sizeof body,
             "[scenario]\nutterances = 10\n[source]\nkind = semantic\nmanifest = manifest.tsv\n"
             "[tx]\nmodel = a.h5\n[rx]\nmodel = b.h5\ndecoder = greedy\n"
             "[link]\nmode = analog\nframes_per_packet = 4\nquant_bits = 4\n"
             "[channel]\nmodel = awgn\nsnr_db = 20\n%s",
             extra);
    base_err e = BASE_ERR_INIT;
    return test_load_scenario(dir, "prune.ini", body, &e);
}

/* A sim_prune for user 0 with fill (prototype|silence), over agent b. */
static sim_prune *make(const char *fill, codec_recognizer **r, codec_recognizer_ws **ws)
{
    char path[600];
    snprintf(path, sizeof path, "%s/b.h5", dir);
    base_err e = BASE_ERR_INIT;
    CU_ASSERT_EQUAL_FATAL(codec_recognizer_load(r, path, &e), BASE_OK);
    CU_ASSERT_EQUAL_FATAL(codec_recognizer_ws_create(ws, *r, NULL, NULL, &e), BASE_OK);
    char extra[256];
    snprintf(extra, sizeof extra, "[link]\nprune = blank\nprune_threshold = 0.5\nprune_fill = %s\n",
             fill);
    sim_scenario *sc = scenario(extra);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sc);
    sim_config cfg;
    CU_ASSERT_EQUAL_FATAL(sim_scenario_resolve(sc, NULL, NULL, 0, &cfg, &e), BASE_OK);
    sim_scenario_destroy(sc);
    CU_ASSERT(sim_prune_wanted(&cfg));
    sim_prune *p = sim_prune_create(&cfg, *r, *ws, NULL, &e);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    CU_ASSERT(sim_prune_active(p, 0));
    CU_ASSERT(!sim_prune_active(p, 1));
    CU_ASSERT_PTR_NULL(sim_prune_fill_relative(p));
    return p;
}

static void test_prototype_and_rebuild(void)
{
    setup();
    codec_recognizer *r = NULL;
    codec_recognizer_ws *ws = NULL;
    sim_prune *p = make("prototype", &r, &ws);
    enum { T = 6, W = 2 };
    float s[T * W] = {1, 2, 10, 20, 3, 4, 30, 40, 5, 6, 50, 60};
    static const uint8_t keep[T] = {0, 1, 0, 1, 0, 1};
    CU_ASSERT_EQUAL(sim_prune_compact(p, 0, s, T, W, keep), 1);
    static const float want[4 * W] = {10, 20, 30, 40, 50, 60, 3, 4}; /* mean of rows 0, 2, 4 */
    TEST_ASSERT_CLOSE_F(s, want, 4 * W, 0);
    CU_ASSERT_EQUAL(sim_prune_expand(keep, 3, 1, T, NULL, s, W, NULL), BASE_OK);
    static const float back[T * W] = {3, 4, 10, 20, 3, 4, 30, 40, 3, 4, 50, 60};
    TEST_ASSERT_CLOSE_F(s, back, T * W, 0);
    /* nothing pruned: no prototype */
    static const uint8_t all[T] = {1, 1, 1, 1, 1, 1};
    CU_ASSERT_EQUAL(sim_prune_compact(p, 0, s, T, W, all), 0);
    TEST_ASSERT_CLOSE_F(s, back, T * W, 0);
    /* the silence latent is finite, of the receiver's size */
    const float *f = sim_prune_fill_latent(p);
    for (int k = 0; k < codec_recognizer_latent_dim(r); k++) CU_ASSERT(isfinite(f[k]));
    sim_prune_destroy(p);
    codec_recognizer_ws_destroy(ws);
    codec_recognizer_destroy(r);
    /* silence: no prototype row, the receiver's fill at pruned positions */
    p = make("silence", &r, &ws);
    float s2[T * W] = {1, 2, 10, 20, 3, 4, 30, 40, 5, 6, 50, 60}, fill[W] = {-1, -1};
    CU_ASSERT_EQUAL(sim_prune_compact(p, 0, s2, T, W, keep), 0);
    CU_ASSERT_EQUAL(sim_prune_expand(keep, 3, 0, T, fill, s2, W, NULL), BASE_OK);
    CU_ASSERT(s2[0] == -1 && s2[2] == 10 && s2[4] == -1 && s2[11] == 60);
    sim_prune_destroy(p);
    sim_prune_destroy(NULL);
    codec_recognizer_ws_destroy(ws);
    codec_recognizer_destroy(r);
}

/* The decision on agent a's latents of a manifest file: uses = code bits. */
static void test_decide(void)
{
    codec_recognizer *r = NULL;
    codec_recognizer_ws *ws = NULL;
    sim_prune *p = make("prototype", &r, &ws);
    char path[600];
    snprintf(path, sizeof path, "%s/m0_1.wav", dir);
    float *x = NULL;
    size_t n = 0;
    int t = 0;
    base_err e = BASE_ERR_INIT;
    CU_ASSERT_EQUAL_FATAL(codec_audio_read(path, codec_recognizer_rate(r), &x, &n, &e), BASE_OK);
    CU_ASSERT_EQUAL_FATAL(codec_recognizer_frontend(r, ws, x, n, &e), BASE_OK);
    CU_ASSERT_EQUAL_FATAL(codec_recognizer_encode(r, ws, &t, &e), BASE_OK);
    size_t d = (size_t)codec_recognizer_latent_dim(r);
    float *z = malloc((size_t)t * d * sizeof *z);
    memcpy(z, codec_recognizer_latents(ws), (size_t)t * d * sizeof *z);
    uint8_t *keep = malloc((size_t)t);
    size_t n_keep = 0, uses = 0;
    double flops = 0;
    CU_ASSERT_EQUAL(sim_prune_decide(p, 0, r, ws, z, (size_t)t, keep, &n_keep, &uses, &flops, &e),
                    BASE_OK);
    size_t count = 0;
    for (int i = 0; i < t; i++) count += keep[i];
    printf("  %d frames, %zu kept, %zu position bits\n", t, n_keep, uses);
    CU_ASSERT_EQUAL(count, n_keep);
    CU_ASSERT(n_keep >= 1);
    CU_ASSERT_EQUAL(uses, codec_prune_rle_bits(keep, (size_t)t));
    TEST_ASSERT_NEAR(flops, 2.0 * codec_recognizer_decoder_params(r) * t, 0);
    free(keep);
    free(z);
    free(x);
    sim_prune_destroy(p);
    codec_recognizer_ws_destroy(ws);
    codec_recognizer_destroy(r);
}

/* sim_run: threshold 0 prunes all but one frame per utterance; symbols drop
 * on both links and with the relative head; -j 1 == -j 2. */
static void test_end_to_end(void)
{
    static const char *const eq[] = {"", "[equalizer]\ntype = relative\nhead_steps = 3\n"
                                         "cache = hc\ntrain_manifest = anchors.tsv\n"
                                         "[anchors]\ncount = 8\nselection = random\n"
                                         "manifest = anchors.tsv\n"};
    for (int q = 0; q < 2; q++) {
        char extra[1024];
        snprintf(extra, sizeof extra,
                 "%s[sweep]\nlink.mode = analog,digital\nlink.prune = none,blank\n"
                 "link.prune_fill = prototype,silence\nlink.prune_threshold = 0\n"
                 "constraint = link.prune=none -> link.prune_fill=prototype\n",
                 eq[q]);
        sim_scenario *sc = scenario(extra);
        CU_ASSERT_FATAL(sc != NULL);
        char a[600], b[600];
        snprintf(a, sizeof a, "%s/e%d_1.h5", dir, q);
        snprintf(b, sizeof b, "%s/e%d_2.h5", dir, q);
        test_run_scenario(sc, a, 1);
        test_run_scenario(sc, b, 2);
        static const char *const cols[] = {"utterances", "wer", "sym_per_s"};
        double r1[6][3], r2[6][3];
        unsigned char *ra, *rb;
        size_t sa, sb;
        CU_ASSERT_EQUAL_FATAL(test_read_summary(a, cols, 3, r1, 6, &ra, &sa), 6);
        CU_ASSERT_EQUAL_FATAL(test_read_summary(b, cols, 3, r2, 6, &rb, &sb), 6);
        CU_ASSERT(sa == sb && !memcmp(ra, rb, sa));
        free(ra);
        free(rb);
        /* rows: analog none, blank proto, blank silence, then digital */
        for (int m = 0; m < 2; m++) {
            const double *none = r1[3 * m], *pr = r1[3 * m + 1], *si = r1[3 * m + 2];
            printf("  eq %d link %d: sym/s none %.1f, prototype %.1f, silence %.1f\n", q, m,
                   none[2], pr[2], si[2]);
            TEST_ASSERT_NEAR(pr[0], 2, 0);
            CU_ASSERT(isfinite(pr[1]) && isfinite(si[1]));
            CU_ASSERT(pr[2] < 0.8 * none[2]);
            CU_ASSERT(si[2] < pr[2] || m == 1); /* the prototype is one more frame */
        }
        sim_scenario_destroy(sc);
    }
}

static void test_other_kinds_refuse(void)
{
    static const char *const kinds[] = {"bits", "opus-12", "text"};
    for (int k = 0; k < 3; k++) {
        char path[600];
        snprintf(path, sizeof path, "%s/bad.ini", dir);
        FILE *f = fopen(path, "w");
        fprintf(f,
                "[source]\nkind = %s\nmanifest = manifest.tsv\n[tx]\nmodel = a.h5\n[rx]\n"
                "model = b.h5\n[link]\nmode = digital\nprune = blank\n",
                kinds[k]);
        fclose(f);
        base_err e = BASE_ERR_INIT;
        sim_scenario *sc = sim_scenario_load(path, &e);
        CU_ASSERT_FATAL(sc != NULL);
        CU_ASSERT_NOT_EQUAL(sim_run_validate(sc, NULL, &e), BASE_OK);
        printf("  %s:%d: %s\n", e.file, e.line, e.msg);
        CU_ASSERT(strstr(e.msg, "link.prune") != NULL);
        CU_ASSERT_EQUAL(e.line, 10);
        sim_scenario_destroy(sc);
    }
}

int main(void)
{
    static const test_case cases[] = {
        {"prototype row and rebuild", test_prototype_and_rebuild},
        {"the transmitter's decision", test_decide},
        {"end to end: fewer symbols, -j independent", test_end_to_end},
        {"link.prune refused by other kinds", test_other_kinds_refuse},
        {NULL, NULL},
    };
    return test_main("sim/prune", cases);
}
