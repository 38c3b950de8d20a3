/* test_score.c -- sim/score: trn reading, bad input, the score command, and
 * agreement of codecs/align with NIST sclite itself on random pairs (the
 * aligner's hand cases are tests/codecs/test_align).
 *
 * The sclite comparison runs /usr/lib/sctk/bin/sclite (Debian package sctk)
 * when it is installed. Without it that case prints a loud SKIPPED line and
 * asserts nothing, unless SEMSIM_REQUIRE_SCLITE=1 is set, which makes the
 * absence a failure. */
#include "base/rng.h"
#include "sim/cmd.h"
#include "sim/score.h"
#include "tests/testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#define SCLITE "/usr/lib/sctk/bin/sclite"

/* ---- trn files ----------------------------------------------------------------- */

static void test_trn_scoring(void)
{
    const char *ref = test_write_file("r.trn", ";; comment\n"
                                               "b b c a c a a (spk_1)\n"
                                               "\n"
                                               "the cat sat (spk_2)\n"
                                               "no hypothesis here (spk_3)\n"
                                               "Case Test (spk_4)\r\n");
    const char *hyp = test_write_file("h.trn", "case TEST (spk_4)\n"
                                               "b a a a b b c (spk_1)\n"
                                               "cat sat on (spk_2)\n");
    sim_score *s = NULL;
    base_err err = BASE_ERR_INIT;
    CU_ASSERT_EQUAL_FATAL(sim_score_read_trn(ref, hyp, &s, &err), BASE_OK);
    CU_ASSERT_EQUAL(sim_score_count(s), 4);
    const sim_score_utt *u3 = sim_score_utt_at(s, 2);
    CU_ASSERT_STRING_EQUAL(u3->id, "spk_3");
    CU_ASSERT_EQUAL(u3->has_hyp, 0);
    CU_ASSERT_EQUAL(u3->words.del, 3);
    CU_ASSERT_EQUAL(u3->chars.del, 16);
    CU_ASSERT_PTR_NULL(sim_score_utt_at(s, 4));
    sim_score_totals t;
    sim_score_totals_get(s, &t);
    CU_ASSERT_EQUAL(t.utterances, 4);
    CU_ASSERT_EQUAL(t.missing_hyp, 1);
    CU_ASSERT_EQUAL(t.sent_err, 3);
    CU_ASSERT_EQUAL(t.words.ref, 7 + 3 + 3 + 2);
    CU_ASSERT_EQUAL(t.words.sub, 0);
    CU_ASSERT_EQUAL(t.words.del, 3 + 1 + 3);
    CU_ASSERT_EQUAL(t.words.ins, 3 + 1);
    /* JSON carries the contract's fields */
    char *buf = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&buf, &len);
    CU_ASSERT_EQUAL(sim_score_write_json(s, mem, 1), BASE_OK);
    fclose(mem);
    static const char *const fields[] = {
        "\"utterances\": 4", "\"ref_words\": 15", "\"sub\": 0",
        "\"del\": 7",        "\"ins\": 4",        "\"wer\": 0.7333333333",
        "\"ref_chars\": ",   "\"cer\": ",         "\"per_utterance\""};
    for (size_t i = 0; i < sizeof fields / sizeof *fields; i++)
        if (!strstr(buf, fields[i])) {
            fprintf(stderr, "  JSON lacks %s:\n%s", fields[i], buf);
            CU_FAIL("JSON field missing");
        }
    free(buf);
    sim_score_destroy(s);
    sim_score_destroy(NULL);
}

typedef struct bad_case {
    const char *ref, *hyp; /* file contents; NULL ref = missing file */
    base_status want;
    int on_hyp; /* error names the hypothesis file */
    int line;
    const char *msg_part;
} bad_case;

static const bad_case bad_cases[] = {
    {NULL, "a (s_1)\n", BASE_EIO, 0, 0, "cannot open"},
    {"a b (s_1)\nc d\n", "a (s_1)\n", BASE_EFORMAT, 0, 2, "(ID)"},
    {"a b (s_1)\n", "a (s_1) trailing\n", BASE_EFORMAT, 1, 1, "(ID)"},
    {"a (s_1)\nb (s_2)\nc (s_1)\n", "", BASE_EFORMAT, 0, 3, "duplicate"},
    {"a (s_1)\n", "a (s_1)\nb (s_1)\n", BASE_EFORMAT, 1, 2, "duplicate"},
    {"a (s_1)\n", "a (s_2)\n", BASE_ENOTFOUND, 1, 1, "s_2"},
    {"a ()\n", "", BASE_EFORMAT, 0, 1, "ID"},
    {"a (s 1)\n", "", BASE_EFORMAT, 0, 1, "ID"},
    {"x) \n", "", BASE_EFORMAT, 0, 1, "(ID)"},
    {";; only a comment\n\n", "", BASE_EFORMAT, 0, 0, "no utterances"},
    /* control characters in IDs: refused, and never echoed raw (issue 15) */
    {"a (s\0011)\n", "", BASE_EFORMAT, 0, 1, "'(s\\x011)' contains control character 0x01"},
    {"a (s_1)\n", "a (s\0331)\n", BASE_EFORMAT, 1, 1, "control character 0x1b"},
    {"a (s\r1)\n", "", BASE_EFORMAT, 0, 1, "malformed utterance ID '(s\\r1)'"},
};

static void test_bad_input(void)
{
    for (size_t i = 0; i < sizeof bad_cases / sizeof *bad_cases; i++) {
        const bad_case *b = &bad_cases[i];
        char missing[600];
        snprintf(missing, sizeof missing, "%s/does-not-exist.trn", test_tmpdir());
        const char *ref = b->ref ? test_write_file("bad_r.trn", b->ref) : missing;
        const char *hyp = test_write_file("bad_h.trn", b->hyp);
        sim_score *s = (sim_score *)&s; /* must be reset to NULL */
        base_err err = BASE_ERR_INIT;
        base_status st = sim_score_read_trn(ref, hyp, &s, &err);
        char line[1024];
        base_err_format(&err, line, sizeof line);
        if (st != b->want || !strstr(line, b->msg_part) || err.line != b->line ||
            strcmp(err.file, b->on_hyp ? hyp : ref))
            fprintf(stderr, "  bad case %zu: status %d (want %d), error '%s'\n", i, st, b->want,
                    line);
        CU_ASSERT_EQUAL(st, b->want);
        CU_ASSERT_PTR_NULL(s);
        CU_ASSERT_EQUAL(err.line, b->line);
        CU_ASSERT_STRING_EQUAL(err.file, b->on_hyp ? hyp : ref);
        CU_ASSERT_PTR_NOT_NULL(strstr(line, b->msg_part));
        CU_ASSERT_PTR_NULL(strpbrk(line, "\r\n\033")); /* one clean line */
    }
    sim_score *s = sim_score_create(NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    CU_ASSERT_EQUAL(sim_score_add(s, "u_1", "a", "a", NULL), BASE_OK);
    CU_ASSERT_EQUAL(sim_score_add(s, "u_1", "a", "a", NULL), BASE_EEXIST);
    CU_ASSERT_EQUAL(sim_score_add(s, "", "a", "a", NULL), BASE_EINVAL);
    CU_ASSERT_EQUAL(sim_score_add(s, NULL, "a", "a", NULL), BASE_EINVAL);
    CU_ASSERT_EQUAL(sim_score_read_trn(NULL, "x", &s, NULL), BASE_EINVAL);
    sim_score_destroy(s);
}

/* ---- the command ------------------------------------------------------------- */

/* Run `semsim score ARGS` in process with stdout sent to out_path. */
static int run_cmd(const char *out_path, int argc, const char *const *argv)
{
    char *v[8] = {0}; /* getopt may permute: give it a private copy */
    for (int i = 0; i < argc && i < 7; i++) v[i] = (char *)argv[i];
    fflush(stdout);
    int saved = dup(1), fd = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (saved < 0 || fd < 0) return -100;
    dup2(fd, 1);
    close(fd);
    int rc = sim_cmd_score(argc, v);
    fflush(stdout);
    dup2(saved, 1);
    close(saved);
    return rc;
}

static void test_command(void)
{
    const char *ref = test_write_file("c_r.trn", "b b c a c a a (spk_1)\nthe cat (spk_2)\n");
    const char *hyp = test_write_file("c_h.trn", "b a a a b b c (spk_1)\n");
    const char *bad = test_write_file("c_bad.trn", "no id here\n");
    char out[600], missing[600];
    snprintf(out, sizeof out, "%s/cmd_out.txt", test_tmpdir());
    snprintf(missing, sizeof missing, "%s/missing.trn", test_tmpdir());
    const struct {
        int argc;
        const char *argv[5];
        int want;
    } cases[] = {
        {4, {"score", ref, hyp, "--json"}, SIM_EXIT_OK},
        {3, {"score", ref, hyp}, SIM_EXIT_OK},
        {2, {"score", "--help"}, SIM_EXIT_OK},
        {4, {"score", "--bogus", ref, hyp}, SIM_EXIT_USAGE},
        {2, {"score", ref}, SIM_EXIT_USAGE},
        {5, {"score", ref, hyp, hyp, "--json"}, SIM_EXIT_USAGE},
        {3, {"score", missing, hyp}, SIM_EXIT_FAIL},
        {3, {"score", ref, bad}, SIM_EXIT_FAIL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        int rc = run_cmd(out, cases[i].argc, cases[i].argv);
        if (rc != cases[i].want)
            fprintf(stderr, "  case %zu: exit %d, want %d\n", i, rc, cases[i].want);
        CU_ASSERT_EQUAL(rc, cases[i].want);
        if (i == 0) { /* the JSON of case 0 */
            char buf[4096] = {0};
            FILE *f = fopen(out, "r");
            CU_ASSERT_PTR_NOT_NULL_FATAL(f);
            size_t n = fread(buf, 1, sizeof buf - 1, f);
            fclose(f);
            buf[n] = 0;
            CU_ASSERT_PTR_NOT_NULL(strstr(buf, "\"utterances\": 2"));
            CU_ASSERT_PTR_NOT_NULL(strstr(buf, "\"ref_words\": 9"));
            CU_ASSERT_PTR_NOT_NULL(strstr(buf, "\"del\": 5"));
            CU_ASSERT_PTR_NOT_NULL(strstr(buf, "\"ins\": 3"));
            CU_ASSERT_PTR_NOT_NULL(strstr(buf, "\"wer\": 0.8888888889"));
            CU_ASSERT_PTR_NOT_NULL(strstr(buf, "\"missing_hyp\": 1"));
        }
    }
}

/* ---- agreement with sclite ---------------------------------------------------- */

/* -DN_PAIRS=... -DMAX_WORDS=... make a bigger one-off run */
#ifndef N_PAIRS
#define N_PAIRS 300
#endif
#ifndef MAX_WORDS
#define MAX_WORDS 14
#endif

/* A random word over a 3-letter alphabet (many repeats, so many equal-cost
 * paths), sometimes capitalised, sometimes with a hyphen. */
static void random_word(base_rng *r, char *w)
{
    size_t len = 1 + base_rng_below(r, 3), k = 0;
    for (size_t i = 0; i < len; i++) {
        char c = (char)('a' + base_rng_below(r, 3));
        if (base_rng_below(r, 8) == 0) c = (char)(c - 'a' + 'A');
        w[k++] = c;
        if (i + 1 < len && base_rng_below(r, 12) == 0) w[k++] = '-';
    }
    w[k] = 0;
}

static void random_line(base_rng *r, char *out, size_t cap, size_t nwords)
{
    out[0] = 0;
    for (size_t i = 0; i < nwords; i++) {
        char w[16];
        random_word(r, w);
        strncat(out, i ? " " : "", cap - strlen(out) - 1);
        strncat(out, w, cap - strlen(out) - 1);
    }
}

/* The hypothesis: either unrelated, or the reference with random edits. */
static void random_hyp(base_rng *r, const char *ref, char *out, size_t cap)
{
    if (base_rng_below(r, 3) == 0) {
        random_line(r, out, cap, base_rng_below(r, MAX_WORDS + 1));
        return;
    }
    char tmp[512], w[16];
    size_t rl = strnlen(ref, sizeof tmp - 1);
    memcpy(tmp, ref, rl);
    tmp[rl] = 0;
    out[0] = 0;
    for (char *save = NULL, *t = strtok_r(tmp, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
        uint64_t u = base_rng_below(r, 20);
        if (u < 2) { /* insert before */
            random_word(r, w);
            strncat(out, w, cap - strlen(out) - 1);
            strncat(out, " ", cap - strlen(out) - 1);
        }
        if (u == 2 || u == 3) continue; /* delete */
        strncat(out, (u == 4 || u == 5) ? (random_word(r, w), w) : t, cap - strlen(out) - 1);
        strncat(out, " ", cap - strlen(out) - 1);
    }
    if (base_rng_below(r, 4) == 0) {
        random_word(r, w);
        strncat(out, w, cap - strlen(out) - 1);
    }
}

typedef struct sclite_result {
    long sum[6];          /* Sum row: snt, n, corr, sub, del, ins */
    long utt[N_PAIRS][4]; /* per utterance (pra): C, S, D, I      */
    int seen[N_PAIRS];
} sclite_result;

/* Run sclite with -o rsum pra and parse the Sum row and each "Scores:" line. */
static int run_sclite(const char *ref, const char *hyp, const char *extra, sclite_result *res)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "%s -r %s trn -h %s trn -i rm %s -o rsum pra stdout 2>&1", SCLITE,
             ref, hyp, extra);
    FILE *p = popen(cmd, "r");
    if (!p) return -1;
    memset(res, 0, sizeof *res);
    char line[4096];
    int have_sum = 0, cur = -1;
    while (fgets(line, sizeof line, p)) {
        for (char *c = line; *c; c++)
            if (*c == '|') *c = ' ';
        long v[7];
        int id;
        if (sscanf(line, " Sum %ld %ld %ld %ld %ld %ld %ld", &v[0], &v[1], &v[2], &v[3], &v[4],
                   &v[5], &v[6]) == 7) {
            memcpy(res->sum, v, sizeof res->sum);
            have_sum = 1;
        } else if (sscanf(line, "id: (spk_u%d)", &id) == 1 && id >= 0 && id < N_PAIRS) {
            cur = id;
        } else if (cur >= 0 && sscanf(line, "Scores: (#C #S #D #I) %ld %ld %ld %ld", &v[0], &v[1],
                                      &v[2], &v[3]) == 4) {
            memcpy(res->utt[cur], v, sizeof res->utt[cur]);
            res->seen[cur] = 1;
            cur = -1;
        }
    }
    int rc = pclose(p);
    return (rc == 0 && have_sum) ? 0 : -1;
}

/* mode: 0 words, 1 characters, 2 words with '-' deleted first (-c NOASCII DH) */
static void strip_hyphens(const char *in, char *out)
{
    for (; *in; in++)
        if (*in != '-') *out++ = *in;
    *out = 0;
}

static void compare_with_sclite(const char *label, const char *ref, const char *hyp,
                                const char *extra, char (*refs)[512], char (*hyps)[512], int mode)
{
    static sclite_result res; /* large; one test at a time */
    int rc = run_sclite(ref, hyp, extra, &res);
    if (rc) fprintf(stderr, "  sclite %s failed or printed no Sum row\n", label);
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    codec_align_counts tot = {0};
    int utt_mismatch = 0;
    for (int i = 0; i < N_PAIRS; i++) {
        codec_align_counts k;
        char r[512], h[512];
        strip_hyphens(refs[i], r);
        strip_hyphens(hyps[i], h);
        base_status st = mode == 1   ? codec_align_chars(refs[i], hyps[i], &k, NULL)
                         : mode == 2 ? codec_align_words(r, h, &k, NULL)
                                     : codec_align_words(refs[i], hyps[i], &k, NULL);
        CU_ASSERT_EQUAL_FATAL(st, BASE_OK);
        codec_align_add(&tot, &k);
        const long *s = res.utt[i];
        if (!res.seen[i] || s[0] != k.corr || s[1] != k.sub || s[2] != k.del || s[3] != k.ins) {
            if (utt_mismatch++ < 5)
                fprintf(stderr,
                        "  %s spk_u%03d '%s' / '%s': sclite C%ld S%ld D%ld I%ld, ours C%ld S%ld "
                        "D%ld I%ld\n",
                        label, i, refs[i], hyps[i], s[0], s[1], s[2], s[3], k.corr, k.sub, k.del,
                        k.ins);
        }
    }
    printf("\n    %s: sclite Sum N=%ld C=%ld S=%ld D=%ld I=%ld; ours N=%ld C=%ld S=%ld D=%ld "
           "I=%ld; per-utterance mismatches %d/%d\n",
           label, res.sum[1], res.sum[2], res.sum[3], res.sum[4], res.sum[5], tot.ref, tot.corr,
           tot.sub, tot.del, tot.ins, utt_mismatch, N_PAIRS);
    CU_ASSERT_EQUAL(res.sum[0], N_PAIRS);
    CU_ASSERT_EQUAL(res.sum[1], tot.ref);
    CU_ASSERT_EQUAL(res.sum[3], tot.sub);
    CU_ASSERT_EQUAL(res.sum[4], tot.del);
    CU_ASSERT_EQUAL(res.sum[5], tot.ins);
    CU_ASSERT_EQUAL(res.sum[3] + res.sum[4] + res.sum[5], codec_align_errors(&tot));
    CU_ASSERT_EQUAL(utt_mismatch, 0);
}

static void test_against_sclite(void)
{
    if (access(SCLITE, X_OK) != 0) {
        const char *req = getenv("SEMSIM_REQUIRE_SCLITE");
        fprintf(stderr,
                "\n  *** SKIPPED: %s not found (install Debian package sctk); "
                "sclite agreement NOT checked ***\n",
                SCLITE);
        if (req && !strcmp(req, "1")) CU_FAIL("sclite required but missing");
        return;
    }
    static char refs[N_PAIRS][512], hyps[N_PAIRS][512];
    base_rng r;
    base_rng_init(&r, 20260127, 0, base_rng_component("test.score.sclite"));
    char rpath[600], hpath[600];
    snprintf(rpath, sizeof rpath, "%s/sclite_ref.trn", test_tmpdir());
    snprintf(hpath, sizeof hpath, "%s/sclite_hyp.trn", test_tmpdir());
    FILE *fr = fopen(rpath, "w"), *fh = fopen(hpath, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(fr);
    CU_ASSERT_PTR_NOT_NULL_FATAL(fh);
    for (int i = 0; i < N_PAIRS; i++) {
        /* a few empty references and hypotheses on purpose */
        size_t nw = (i % 37 == 5) ? 0 : 1 + base_rng_below(&r, MAX_WORDS);
        random_line(&r, refs[i], sizeof refs[i], nw);
        if (i % 41 == 7)
            hyps[i][0] = 0;
        else
            random_hyp(&r, refs[i], hyps[i], sizeof hyps[i]);
        fprintf(fr, "%s (spk_u%03d)\n", refs[i], i);
        fprintf(fh, "%s (spk_u%03d)\n", hyps[i], i);
    }
    fclose(fr);
    fclose(fh);
    compare_with_sclite("words", rpath, hpath, "", refs, hyps, 0);
    compare_with_sclite("chars (-c DH)", rpath, hpath, "-c DH", refs, hyps, 1);
    /* NOASCII leaves ASCII words whole, so sclite then scores words (with
     * hyphens deleted), not characters: documents why CER uses -c DH. */
    compare_with_sclite("-c NOASCII DH (= words minus '-')", rpath, hpath, "-c NOASCII DH", refs,
                        hyps, 2);
}

int main(void)
{
    static const test_case cases[] = {
        {"trn scoring, missing hypothesis, JSON", test_trn_scoring},
        {"bad input", test_bad_input},
        {"semsim score command: exit codes and JSON", test_command},
        {"agreement with sclite on random pairs", test_against_sclite},
        {NULL, NULL},
    };
    return test_main("score", cases);
}
