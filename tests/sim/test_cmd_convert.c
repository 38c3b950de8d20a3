/* test_cmd_convert.c -- `semsim export` and `semsim import` (sim/cmd_convert.c)
 * called in-process: shipped models (conv B, dwconv C, upsampling D) exported
 * and imported again have the same tensors bit for bit and the same logits,
 * and `semsim eval` gives byte-identical transcripts (C) on a few synthesised
 * utterances; usage errors exit 2 and bad inputs exit 1 with one line naming
 * the file. */
#include "codecs/agent.h"
#include "codecs/modelfile.h"
#include "codecs/safetensors.h"
#include "sim/cmd.h"
#include "tests/fixtures.h"
#include "tests/testutil.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* models/NAME.h5 exported and imported into back; checks tensors and logits. */
static void round_trip(const char *name, char *model, char *back, size_t n)
{
    char st[512], rel[64], errb[2048];
    snprintf(rel, sizeof rel, "models/%s.h5", name);
    test_srcpath(model, n, rel);
    snprintf(rel, sizeof rel, "%s.safetensors", name);
    test_tmppath(st, sizeof st, rel);
    snprintf(rel, sizeof rel, "%s_back.h5", name);
    test_tmppath(back, n, rel);
    const char *ex[] = {model, "-o", st, NULL};
    CU_ASSERT_EQUAL_FATAL(
        test_run_cmd(sim_cmd_export, "semsim export", ex, NULL, 0, errb, sizeof errb), 0);
    const char *im[] = {st, "-o", back, NULL};
    CU_ASSERT_EQUAL_FATAL(
        test_run_cmd(sim_cmd_import, "semsim import", im, NULL, 0, errb, sizeof errb), 0);

    /* every tensor bit for bit */
    base_err e = BASE_ERR_INIT;
    codec_agent *a = NULL, *b = NULL;
    CU_ASSERT_EQUAL_FATAL(codec_agent_load(model, &a, NULL, &e), BASE_OK);
    CU_ASSERT_EQUAL_FATAL(codec_agent_load(back, &b, NULL, &e), BASE_OK);
    CU_ASSERT_EQUAL_FATAL(codec_agent_num_floats(a), codec_agent_num_floats(b));
    CU_ASSERT(!memcmp(codec_agent_params(a), codec_agent_params(b),
                      codec_agent_num_floats(a) * sizeof(float)));

    /* the same logits on a random log-mel input */
    int t = 120, nm = 80;
    codec_agent_ws *wa = NULL, *wb = NULL;
    CU_ASSERT_EQUAL_FATAL(codec_agent_ws_create(&wa, a, t, &e), BASE_OK);
    CU_ASSERT_EQUAL_FATAL(codec_agent_ws_create(&wb, b, t, &e), BASE_OK);
    float *mel = malloc((size_t)t * nm * sizeof *mel);
    for (int i = 0; i < t * nm; i++) mel[i] = (float)((i * 7919 % 1000) / 100.0 - 8.0);
    int tz = codec_agent_latent_len(a, t), d = codec_agent_latent_dim(a);
    int tc = codec_agent_ctc_len(a, tz);
    float *z[2], *lp[2];
    for (int k = 0; k < 2; k++) {
        z[k] = malloc((size_t)tz * d * sizeof(float));
        lp[k] = malloc((size_t)tc * 29 * sizeof(float));
    }
    CU_ASSERT_EQUAL(codec_agent_encode(a, wa, mel, t, z[0], &e), BASE_OK);
    CU_ASSERT_EQUAL(codec_agent_encode(b, wb, mel, t, z[1], &e), BASE_OK);
    CU_ASSERT_EQUAL(codec_agent_decode(a, wa, z[0], tz, lp[0], &e), BASE_OK);
    CU_ASSERT_EQUAL(codec_agent_decode(b, wb, z[1], tz, lp[1], &e), BASE_OK);
    CU_ASSERT(!memcmp(z[0], z[1], (size_t)tz * d * sizeof(float)));
    CU_ASSERT(!memcmp(lp[0], lp[1], (size_t)tc * 29 * sizeof(float)));
    for (int k = 0; k < 2; k++) {
        free(z[k]);
        free(lp[k]);
    }
    free(mel);
    codec_agent_ws_destroy(wa);
    codec_agent_ws_destroy(wb);
    codec_agent_destroy(a);
    codec_agent_destroy(b);
}

/* B: family conv; C: dwconv; D: two CTC frames per latent frame. */
static void test_round_trip(void)
{
    char model[512], back[512];
    round_trip("B", model, back, sizeof model);
    round_trip("D", model, back, sizeof model);
}

static void test_round_trip_eval(void)
{
    char model[512], back[512], errb[2048];
    round_trip("C", model, back, sizeof model);

    /* `semsim eval` transcripts of synthesised speech, byte for byte */
    char man[600], hyp[2][600];
    test_make_speech_corpus(man, sizeof man);
    const char *models[2] = {model, back};
    for (int k = 0; k < 2; k++) {
        char name[32];
        snprintf(name, sizeof name, "hyp%d.trn", k);
        test_tmppath(hyp[k], sizeof hyp[k], name);
        const char *ev[] = {"--model", models[k], "--manifest", man,
                            "--hyp",   hyp[k],    "--greedy",   NULL};
        CU_ASSERT_EQUAL_FATAL(
            test_run_cmd(sim_cmd_eval, "semsim eval", ev, NULL, 0, errb, sizeof errb), 0);
    }
    char *h0 = test_slurp(hyp[0], NULL), *h1 = test_slurp(hyp[1], NULL);
    CU_ASSERT_FATAL(h0 && h1);
    CU_ASSERT(strlen(h0) > 40);
    CU_ASSERT_STRING_EQUAL(h0, h1);
    free(h0);
    free(h1);
}

static void test_usage_and_errors(void)
{
    char errb[2048], st[512], out[512], junk[512];
    const char *none[] = {NULL};
    CU_ASSERT_EQUAL(test_run_cmd(sim_cmd_export, "semsim export", none, NULL, 0, errb, sizeof errb),
                    2);
    const char *noout[] = {"x.h5", NULL};
    CU_ASSERT_EQUAL(
        test_run_cmd(sim_cmd_import, "semsim import", noout, NULL, 0, errb, sizeof errb), 2);
    const char *bad[] = {"--bogus", NULL};
    CU_ASSERT_EQUAL(test_run_cmd(sim_cmd_import, "semsim import", bad, NULL, 0, errb, sizeof errb),
                    2);
    const char *help[] = {"--help", NULL};
    CU_ASSERT_EQUAL(test_run_cmd(sim_cmd_export, "semsim export", help, NULL, 0, errb, sizeof errb),
                    0);

    /* a missing model */
    test_tmppath(st, sizeof st, "x.safetensors");
    const char *miss[] = {"/nonexistent/m.h5", "-o", st, NULL};
    CU_ASSERT_EQUAL(test_run_cmd(sim_cmd_export, "semsim export", miss, NULL, 0, errb, sizeof errb),
                    1);
    CU_ASSERT(strstr(errb, "semsim: /nonexistent/m.h5") == errb);
    CU_ASSERT(access(st, F_OK) != 0);

    /* not safetensors: one line naming the file, nothing written */
    FILE *f = fopen(test_tmppath(junk, sizeof junk, "junk.safetensors"), "w");
    fputs("hello, this is not a safetensors file at all", f);
    fclose(f);
    test_tmppath(out, sizeof out, "junk.h5");
    const char *im[] = {junk, "-o", out, NULL};
    CU_ASSERT_EQUAL(test_run_cmd(sim_cmd_import, "semsim import", im, NULL, 0, errb, sizeof errb),
                    1);
    CU_ASSERT(strncmp(errb, "semsim: ", 8) == 0 && strstr(errb, junk) != NULL);
    CU_ASSERT(strchr(errb, '\n') == errb + strlen(errb) - 1);
    CU_ASSERT(access(out, F_OK) != 0);

    /* valid safetensors without the format tag */
    base_err e = BASE_ERR_INIT;
    codec_model *m = codec_model_create(&e);
    size_t shape[1] = {2};
    float x[2] = {1, 2};
    CU_ASSERT_EQUAL_FATAL(codec_model_add_tensor(m, "w", 1, shape, x, &e), BASE_OK);
    CU_ASSERT_EQUAL_FATAL(codec_safetensors_save(m, st, &e), BASE_OK);
    codec_model_destroy(m);
    const char *im2[] = {st, "-o", out, NULL};
    CU_ASSERT_EQUAL(test_run_cmd(sim_cmd_import, "semsim import", im2, NULL, 0, errb, sizeof errb),
                    1);
    CU_ASSERT(strstr(errb, "not a semsim agent") != NULL);
    CU_ASSERT(access(out, F_OK) != 0);
}

int main(void)
{
    static const test_case cases[] = {
        {"export -> import, bit-exact: B, D", test_round_trip},
        {"export -> import -> eval, bit-exact: C", test_round_trip_eval},
        {"usage and errors", test_usage_and_errors},
        {NULL, NULL},
    };
    return test_main("cmd_convert", cases);
}
