/* test_cmd_eval.c -- `semsim eval` (sim/cmd_eval.c) called in-process on a
 * small untrained agent and synthetic WAVs: the wiring (the hypothesis equals
 * running front-end -> encoder -> decoder -> greedy by hand with the model's
 * own settings), the JSON fields, -j independence, the hypothesis trn file,
 * --grid, and bad inputs with their exit status and one-line messages. */
#include "codecs/agent.h"
#include "codecs/audio.h"
#include "codecs/decode.h"
#include "codecs/frontend.h"
#include "codecs/melspec.h"
#include "codecs/modelfile.h"
#include "sim/cmd.h"
#include "tests/testutil.h"

#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char model_path[512], man_path[512], wav[3][512];
static codec_agent *g_agent;

static void setup(void)
{
    if (g_agent) return;
    base_err e = BASE_ERR_INIT;
    codec_agent_config c = codec_agent_config_default();
    c.width = 24;
    c.enc_depth = 1;
    c.dec_depth = 1;
    c.d = 16;
    CU_ASSERT_EQUAL_FATAL(codec_agent_create(&g_agent, &c, 99, &e), BASE_OK);
    codec_melspec_config fe;
    codec_frontend_default(&fe);
    codec_model *extra = codec_model_create(&e);
    CU_ASSERT_EQUAL_FATAL(codec_frontend_to_model(&fe, extra, &e), BASE_OK);
    test_tmppath(model_path, sizeof model_path, "agent.h5");
    CU_ASSERT_EQUAL_FATAL(codec_agent_save(g_agent, extra, model_path, &e), BASE_OK);
    codec_model_destroy(extra);
    /* three short signals: chirp-like tones with different lengths/rates */
    static const int rates[3] = {16000, 22050, 8000};
    for (int k = 0; k < 3; k++) {
        size_t n = (size_t)(rates[k] * (0.6 + 0.4 * k));
        float *x = malloc(n * sizeof *x);
        for (size_t i = 0; i < n; i++) {
            double t = (double)i / rates[k];
            x[i] = (float)(0.3 * sin(2 * M_PI * (200 + 300 * k + 400 * t) * t) +
                           0.05 * sin(2 * M_PI * 1700 * t));
        }
        char name[32];
        snprintf(name, sizeof name, "u%d.wav", k);
        CU_ASSERT_EQUAL_FATAL(
            codec_audio_write_wav(test_tmppath(wav[k], sizeof wav[k], name), x, n, rates[k], &e),
            BASE_OK);
        free(x);
    }
    FILE *f = fopen(test_tmppath(man_path, sizeof man_path, "m.tsv"), "w");
    fputs("# ID\tAUDIO\tTRANSCRIPT\n"
          "v1_L0001\tu0.wav\tThe birch canoe slid.\n"
          "v1_L0002\tu1.wav\tGlue the sheet, to the dark blue background!\n"
          "v2_L0001\tu2.wav\tIt's easy\n",
          f);
    fclose(f);
}

/* The greedy transcript of wav k computed by hand from the model's parts. */
static void by_hand(int k, char *text, size_t cap)
{
    base_err e = BASE_ERR_INIT;
    codec_melspec_config fe;
    codec_frontend_default(&fe);
    float *x = NULL;
    size_t n = 0;
    CU_ASSERT_EQUAL_FATAL(codec_audio_read(wav[k], fe.sample_rate, &x, &n, &e), BASE_OK);
    codec_melspec *q = codec_melspec_create(&fe, &e);
    codec_melspec_work *w = codec_melspec_work_create(q, &e);
    size_t T = codec_melspec_frames(q, n);
    float *mel = malloc(T * 80 * sizeof *mel);
    CU_ASSERT_EQUAL_FATAL(codec_melspec_execute(q, w, x, n, mel, NULL, &e), BASE_OK);
    codec_agent_ws *ws = NULL;
    CU_ASSERT_EQUAL_FATAL(codec_agent_ws_create(&ws, g_agent, (int)T, &e), BASE_OK);
    int tz = codec_agent_latent_len(g_agent, (int)T);
    float *z = malloc((size_t)tz * 16 * sizeof *z), *lp = malloc((size_t)tz * 29 * sizeof *lp);
    CU_ASSERT_EQUAL(codec_agent_encode(g_agent, ws, mel, (int)T, z, &e), BASE_OK);
    CU_ASSERT_EQUAL(codec_agent_decode(g_agent, ws, z, tz, lp, &e), BASE_OK);
    codec_decode_greedy(lp, tz, 29, text, cap);
    free(x), free(mel), free(z), free(lp);
    codec_agent_ws_destroy(ws);
    codec_melspec_work_destroy(w);
    codec_melspec_destroy(q);
}

static void test_greedy_wiring_and_json(void)
{
    setup();
    static char out[16384], err[4096];
    char hyp[512];
    test_tmppath(hyp, sizeof hyp, "greedy.trn");
    const char *args[] = {"--model", model_path, "--manifest", man_path, "--greedy",
                          "--json",  "--hyp",    hyp,          NULL};
    int rc = test_run_cmd(sim_cmd_eval, "semsim eval", args, out, sizeof out, err, sizeof err);
    if (rc) fprintf(stderr, "  stderr: %s\n", err);
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    /* CONTRACT.md fields; 4 + 8 + 2 reference words after normalisation */
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"utterances\": 3,"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"ref_words\": 14,"));
    static const char *fields[] = {
        "\"sub\": ",       "\"del\": ", "\"ins\": ",       "\"wer\": ",
        "\"ref_chars\": ", "\"cer\": ", "\"per_voice\": ", "\"decoder\": \"greedy\""};
    for (size_t i = 0; i < sizeof fields / sizeof *fields; i++)
        CU_ASSERT_PTR_NOT_NULL(strstr(out, fields[i]));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"voice\": \"v1\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"voice\": \"v2\""));
    CU_ASSERT_EQUAL(out[0], '{');
    CU_ASSERT_EQUAL(out[strlen(out) - 2], '}');
    /* the trn file: one line per utterance, in manifest order, = by-hand greedy */
    char *trn = test_slurp(hyp, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(trn);
    static const char *ids[3] = {"v1_L0001", "v1_L0002", "v2_L0001"};
    char *line = trn;
    for (int k = 0; k < 3; k++) {
        char text[512], want[600];
        by_hand(k, text, sizeof text);
        snprintf(want, sizeof want, "%s (%s)", text, ids[k]);
        char *nl = strchr(line, '\n');
        CU_ASSERT_PTR_NOT_NULL_FATAL(nl);
        *nl = 0;
        if (strcmp(line, want)) fprintf(stderr, "  trn '%s'\n  want '%s'\n", line, want);
        CU_ASSERT_STRING_EQUAL(line, want);
        line = nl + 1;
    }
    free(trn);
}

static void test_beam_threads_identical(void)
{
    setup();
    static char out[16384], err[4096];
    char h1[512], h3[512];
    test_tmppath(h1, sizeof h1, "beam1.trn");
    test_tmppath(h3, sizeof h3, "beam3.trn");
    const char *a1[] = {"--model", model_path, "--manifest", man_path, "--hyp",
                        h1,        "-j",       "1",          NULL};
    const char *a3[] = {"--model", model_path, "--manifest", man_path, "--hyp",
                        h3,        "--jobs",   "3",          NULL};
    CU_ASSERT_EQUAL_FATAL(
        test_run_cmd(sim_cmd_eval, "semsim eval", a1, out, sizeof out, err, sizeof err), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "decoder beam 128"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "WER"));
    CU_ASSERT_EQUAL_FATAL(
        test_run_cmd(sim_cmd_eval, "semsim eval", a3, out, sizeof out, err, sizeof err), 0);
    char *s1 = test_slurp(h1, NULL), *s3 = test_slurp(h3, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s3);
    CU_ASSERT_STRING_EQUAL(s1, s3);
    free(s1);
    free(s3);
    /* --grid prints one line per pair and the best one */
    const char *ag[] = {"--model", model_path, "--manifest", man_path, "--grid", "0,1:0,2", NULL};
    CU_ASSERT_EQUAL(test_run_cmd(sim_cmd_eval, "semsim eval", ag, out, sizeof out, err, sizeof err),
                    0);
    int lines = 0;
    for (const char *p = out; *p; p++) lines += *p == '\n';
    CU_ASSERT_EQUAL(lines, 1 + 4 + 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "best lm_weight"));
}

static void test_bad_inputs(void)
{
    setup();
    static char out[16384], err[4096];
    char p[512], q[512], want[700];
    struct {
        const char *args[12];
        int rc;
        const char *msg; /* substring of stderr */
    } rows[] = {
        {{"--model", "/nonexistent/m.h5", "--manifest", man_path, NULL}, 1, "cannot open"},
        {{"--model", man_path, "--manifest", man_path, NULL}, 1, "not an HDF5 file"},
        {{"--model", model_path, "--manifest", "/nonexistent/m.tsv", NULL},
         1,
         "/nonexistent/m.tsv"},
        {{"--model", model_path, NULL}, 2, "--model and --manifest are required"},
        {{"--model", model_path, "--manifest", man_path, "--beam", "0", NULL}, 2, "--beam"},
        {{"--model", model_path, "--manifest", man_path, "--lm-weight", "x", NULL},
         2,
         "--lm-weight"},
        {{"--model", model_path, "--manifest", man_path, "-j", "0", NULL}, 2, "-j"},
        {{"--model", model_path, "--manifest", man_path, "--grid", "1,2", NULL}, 2, "--grid"},
        {{"--model", model_path, "--manifest", man_path, "--bogus", NULL}, 2, "usage"},
        {{"--model", model_path, "--manifest", man_path, "extra", NULL}, 2, "unexpected"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        int rc = test_run_cmd(sim_cmd_eval, "semsim eval", rows[i].args, out, sizeof out, err,
                              sizeof err);
        CU_ASSERT_EQUAL(rc, rows[i].rc);
        if (!strstr(err, rows[i].msg)) fprintf(stderr, "  row %zu stderr: %s\n", i, err);
        CU_ASSERT_PTR_NOT_NULL(strstr(err, rows[i].msg));
        CU_ASSERT_STRING_EQUAL(out, "");
    }
    /* an audio file that is not audio: one line naming it, exit 1 */
    FILE *f = fopen(test_tmppath(p, sizeof p, "bad.tsv"), "w");
    fprintf(f, "x_1\t%s\thello\n", man_path);
    fclose(f);
    const char *a[] = {"--model", model_path, "--manifest", p, "--greedy", NULL};
    CU_ASSERT_EQUAL(test_run_cmd(sim_cmd_eval, "semsim eval", a, out, sizeof out, err, sizeof err),
                    1);
    snprintf(want, sizeof want, "semsim: %s: ", man_path);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, want));
    CU_ASSERT_PTR_NOT_NULL(strchr(err, '\n'));
    CU_ASSERT_PTR_NULL(strchr(strchr(err, '\n') + 1, '\n')); /* one line */
    /* a truncated model */
    FILE *in = fopen(model_path, "rb");
    static unsigned char buf[1 << 16];
    size_t nb = fread(buf, 1, sizeof buf, in);
    fclose(in);
    f = fopen(test_tmppath(q, sizeof q, "cut.h5"), "wb");
    fwrite(buf, 1, nb / 3, f);
    fclose(f);
    const char *b[] = {"--model", q, "--manifest", man_path, NULL};
    CU_ASSERT_EQUAL(test_run_cmd(sim_cmd_eval, "semsim eval", b, out, sizeof out, err, sizeof err),
                    1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "truncated"));
    /* --help */
    const char *h[] = {"--help", NULL};
    CU_ASSERT_EQUAL(test_run_cmd(sim_cmd_eval, "semsim eval", h, out, sizeof out, err, sizeof err),
                    0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "usage: semsim eval"));
    /* from a folder without models/: the shipped models/B.h5 is found in the
     * data folder (sim/datadir.h), and the run goes on to the bad audio */
    char cwd[1024];
    CU_ASSERT_PTR_NOT_NULL_FATAL(getcwd(cwd, sizeof cwd));
    CU_ASSERT_EQUAL_FATAL(chdir(test_tmpdir()), 0);
    const char *d[] = {"--model", "models/B.h5", "--manifest", p, "--greedy", NULL};
    CU_ASSERT_EQUAL(test_run_cmd(sim_cmd_eval, "semsim eval", d, out, sizeof out, err, sizeof err),
                    1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, want)); /* the audio, not the model */
    CU_ASSERT_EQUAL(chdir(cwd), 0);
}

int main(void)
{
    static const test_case cases[] = {
        {"greedy: wiring, JSON, trn", test_greedy_wiring_and_json},
        {"beam: -j independent, --grid", test_beam_threads_identical},
        {"bad inputs", test_bad_inputs},
        {NULL, NULL},
    };
    int rc = test_main("cmd_eval", cases);
    codec_agent_destroy(g_agent);
    return rc;
}
