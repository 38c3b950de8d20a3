/* test_cmd_corpus.c -- `semsim corpus` (sim/cmd_corpus.c) called in-process:
 * outputs and manifest, byte-identical re-runs for any -j, skipping of files
 * already made, and every bad input with its exit status and message. */
#include "sim/cmd.h"
#include "tests/testutil.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char text_path[512], voices_path[512];

static void setup(void)
{
    if (text_path[0]) return;
    test_put(test_tmppath(text_path, sizeof text_path, "text.txt"),
             "The birch canoe slid on the smooth planks.\n"
             "Glue the sheet to the dark blue background.\n"
             "It's easy to tell the depth of a well.\n");
    test_put(test_tmppath(voices_path, sizeof voices_path, "voices.txt"),
             "# two fast voices\nespeak-ng en-us+f1\nflite kal16\n");
}

static int same_file(const char *a, const char *b)
{
    size_t na, nb;
    char *x = test_slurp(a, &na), *y = test_slurp(b, &nb);
    int eq = x && y && na == nb && !memcmp(x, y, na);
    free(x);
    free(y);
    return eq;
}

static const char *const ids[] = {"espeak-en-us-f1_L0002", "espeak-en-us-f1_L0003",
                                  "flite-kal16_L0002", "flite-kal16_L0003"};

static void wav_path(char *buf, size_t n, const char *dir, const char *id)
{
    char tag[64];
    snprintf(tag, sizeof tag, "%s", id);
    *strchr(tag, '_') = 0;
    snprintf(buf, n, "%.400s/%.40s/%.60s.wav", dir, tag, id);
}

static void test_build_rerun_skip(void)
{
    setup();
    char d1[512], d2[512], err[4096], a[600], b[600];
    snprintf(d1, sizeof d1, "%s/c1", test_tmpdir());
    snprintf(d2, sizeof d2, "%s/c2/nested", test_tmpdir());
    const char *args1[] = {"--text", text_path, "--lines", "2-3", "--voices", voices_path,
                           "-o",     d1,        "-j",      "2",   NULL};
    CU_ASSERT_EQUAL_FATAL(test_run_cmd(sim_cmd_corpus, "corpus", args1, NULL, 0, err, sizeof err),
                          SIM_EXIT_OK);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "4 utterances")); /* progress/summary on stderr */

    snprintf(a, sizeof a, "%s/manifest.tsv", d1);
    size_t n;
    char *man = test_slurp(a, &n);
    CU_ASSERT_PTR_NOT_NULL_FATAL(man);
    CU_ASSERT_STRING_EQUAL(man, "# ID\tAUDIO\tTRANSCRIPT\n"
                                "espeak-en-us-f1_L0002\tespeak-en-us-f1/espeak-en-us-f1_L0002.wav\t"
                                "Glue the sheet to the dark blue background.\n"
                                "espeak-en-us-f1_L0003\tespeak-en-us-f1/espeak-en-us-f1_L0003.wav\t"
                                "It's easy to tell the depth of a well.\n"
                                "flite-kal16_L0002\tflite-kal16/flite-kal16_L0002.wav\t"
                                "Glue the sheet to the dark blue background.\n"
                                "flite-kal16_L0003\tflite-kal16/flite-kal16_L0003.wav\t"
                                "It's easy to tell the depth of a well.\n");
    free(man);
    for (int i = 0; i < 4; i++) {
        wav_path(a, sizeof a, d1, ids[i]);
        struct stat sb;
        CU_ASSERT(stat(a, &sb) == 0 && sb.st_size > 16000);
    }

    /* same corpus with -j 1 into another (nested, new) folder: identical bytes */
    const char *args2[] = {"--text",    text_path, "--lines", "2-3", "--voices",
                           voices_path, "-o",      d2,        "-q",  NULL};
    CU_ASSERT_EQUAL_FATAL(test_run_cmd(sim_cmd_corpus, "corpus", args2, NULL, 0, err, sizeof err),
                          SIM_EXIT_OK);
    CU_ASSERT_STRING_EQUAL(err, ""); /* -q */
    for (int i = 0; i < 4; i++) {
        wav_path(a, sizeof a, d1, ids[i]);
        wav_path(b, sizeof b, d2, ids[i]);
        CU_ASSERT(same_file(a, b));
    }
    snprintf(a, sizeof a, "%s/manifest.tsv", d1);
    snprintf(b, sizeof b, "%s/manifest.tsv", d2);
    CU_ASSERT(same_file(a, b));

    /* re-run: existing files are skipped (an altered one stays as it is), a
     * deleted one is made again with the same bytes */
    wav_path(b, sizeof b, d1, ids[3]);
    CU_ASSERT_EQUAL(unlink(b), 0);
    char copy[600];
    wav_path(copy, sizeof copy, d1, ids[1]);
    FILE *f = fopen(copy, "r+b"); /* alter one sample byte of an existing file */
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fseek(f, 1000, SEEK_SET);
    fputc(0x55, f);
    fclose(f);
    size_t nb;
    char *altered = test_slurp(copy, &nb);
    CU_ASSERT_EQUAL_FATAL(test_run_cmd(sim_cmd_corpus, "corpus", args1, NULL, 0, err, sizeof err),
                          SIM_EXIT_OK);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "1 made, 3 skipped"));
    size_t nc;
    char *after = test_slurp(copy, &nc);
    CU_ASSERT(nb == nc && !memcmp(altered, after, nb)); /* skipped: not rewritten */
    free(altered);
    free(after);
    wav_path(a, sizeof a, d1, ids[3]);
    wav_path(b, sizeof b, d2, ids[3]);
    CU_ASSERT(same_file(a, b)); /* remade, byte-identical */
}

/* Bad input: exit status, and one line naming the file (and line). */
static void test_bad_input(void)
{
    setup();
    char err[4096], out[512], bad_voices[512], bad_text[512], missing[512];
    snprintf(out, sizeof out, "%s/bad-out", test_tmpdir());
    snprintf(missing, sizeof missing, "%s/no-such-file.txt", test_tmpdir());
    test_put(test_tmppath(bad_voices, sizeof bad_voices, "bad-voices.txt"),
             "flite slt\nespeak-ng en-zz-nope\n");
    test_put(test_tmppath(bad_text, sizeof bad_text, "bad-text.txt"), "Fine line.\n\n... !!!\n");
    char vline[600], tline[600], tline3[600];
    snprintf(vline, sizeof vline, "semsim: %s:2: ", bad_voices);
    snprintf(tline, sizeof tline, "semsim: %s:2: ", bad_text);
    snprintf(tline3, sizeof tline3, "semsim: %s:3: ", bad_text);
    static char mline[600];
    snprintf(mline, sizeof mline, "semsim: %s: ", missing);
    const struct {
        const char *args[12];
        int rc;
        const char *msg;
    } cases[] = {
        {{"--text", text_path, "--voices", voices_path, "-o", out, "--bogus", NULL}, 2, "usage"},
        {{"--voices", voices_path, "-o", out, NULL}, 2, "required"},
        {{"--text", text_path, "--voices", voices_path, NULL}, 2, "required"},
        {{"--text", text_path, "--voices", voices_path, "-o", out, "--lines", "3-2", NULL},
         2,
         "--lines"},
        {{"--text", text_path, "--voices", voices_path, "-o", out, "-j", "0", NULL}, 2, "-j"},
        {{"--text", text_path, "--voices", voices_path, "-o", out, "--rate", "9", NULL},
         2,
         "--rate"},
        {{"--text", missing, "--voices", voices_path, "-o", out, NULL}, 1, mline},
        {{"--text", text_path, "--voices", missing, "-o", out, NULL}, 1, mline},
        {{"--text", text_path, "--voices", bad_voices, "-o", out, NULL}, 1, vline},
        {{"--text", text_path, "--voices", voices_path, "-o", out, "--lines", "2-9", NULL},
         1,
         "has 3 lines"},
        {{"--text", bad_text, "--lines", "1-2", "--voices", voices_path, "-o", out, NULL},
         1,
         tline},
        {{"--text", bad_text, "--lines", "3", "--voices", voices_path, "-o", out, NULL}, 1, tline3},
        {{"--text", text_path, "--voices", voices_path, "-o", text_path, NULL}, 1, "not a folder"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        int rc = test_run_cmd(sim_cmd_corpus, "corpus", cases[k].args, NULL, 0, err, sizeof err);
        int ok = rc == cases[k].rc && strstr(err, cases[k].msg);
        if (cases[k].rc == 1) ok = ok && strchr(err, '\n') == err + strlen(err) - 1; /* one line */
        if (!ok) fprintf(stderr, "  case %zu: rc %d, stderr: %s\n", k, rc, err);
        CU_ASSERT(ok);
    }
    const char *help[] = {"--help", NULL};
    CU_ASSERT_EQUAL(test_run_cmd(sim_cmd_corpus, "corpus", help, NULL, 0, err, sizeof err),
                    SIM_EXIT_OK);
}

int main(void)
{
    static const test_case cases[] = {
        {"build, re-run byte-identical, skip existing", test_build_rerun_skip},
        {"bad input", test_bad_input},
        {NULL, NULL},
    };
    return test_main("cmd_corpus", cases);
}
