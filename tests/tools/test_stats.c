/* test_stats.c -- tools/semsim-plot --stats --json on fixture results files with
 * hand-checkable answers: Spearman rank correlations and their p-values (exact
 * permutation test for n <= 8, Student t above), the M/G/1 Pollaczek-Khinchine
 * and processor-sharing latency columns, and the per-voice table of /voices
 * joined with /summary (and a file without /voices), and the paired WER
 * difference between points on the same utterances. The fixtures are written
 * by a small h5py snippet in the layout semsim run writes (docs/hdf5.md); the
 * test is skipped, saying so, when /usr/bin/python3 cannot import h5py. */
#include "tests/testutil.h"

#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

/* The fixtures. stats.h5: 16 rows of an anchors.count sweep, equalizer.type "a"
 * (12 rows), "b" (4 rows); voices.h5 gets a /voices table, queue.h5 is a Poisson
 * run of 2 users on a 1000 symbols/s link with per-utterance tables. */
static const char fixture_py[] =
    "import sys, h5py, numpy as np\n"
    "d = sys.argv[1]\n"
    "S = 'S256'\n"
    "def summary(f, cols, rows):\n"
    "    dt = [(c, S if c in ('equalizer.type', 'link.access', 'source.arrival') else\n"
    "           ('i8' if c in ('point', 'repeat') else 'f8')) for c in cols]\n"
    "    f['summary'] = np.array([tuple(r) for r in rows], dtype=dt)\n"
    "nan = float('nan')\n"
    "cols = ['equalizer.type', 'anchors.count', 'point', 'repeat', 'wer', 'wer_ci_low',\n"
    "        'wer_ci_high', 'cosine', 'cka', 'jaccard', 'mrr', 'foscttm', 'latency_mean_s']\n"
    "rows = []\n"
    "jac = [1, 2, 3, 4, 9, 10, 7, 8, 6, 5, 11, 12]\n"
    "for i in range(12):\n"
    "    w = 0.9 - 0.05 * i\n"
    "    rows.append(['a', i + 1, i, 0, w, w - 0.01, w + 0.01, 0.1 * i, 1.0, jac[i], nan,\n"
    "                 0.5 - 0.01 * i, nan])\n"
    "for i in range(4):\n"
    "    rows.append(['b', i + 1, 12 + i, 0, 0.4 - 0.1 * i, 0, 1, 0.3, 0.2 * i, 0.1, 0.5, 0.1,\n"
    "                 nan])\n"
    "for name in ('stats', 'voices'):\n"
    "    with h5py.File(f'{d}/{name}.h5', 'w') as f:\n"
    "        f.attrs['scenario'] = b'[scenario]\\nname = t\\n'\n"
    "        summary(f, cols, rows)\n"
    "        if name == 'voices':\n"
    "            vt = [('point', 'i8'), ('repeat', 'i8'), ('voice', S), ('utterances', 'f8'),\n"
    "                  ('ref_words', 'f8'), ('sub', 'f8'), ('del', 'f8'), ('ins', 'f8'),\n"
    "                  ('wer', 'f8'), ('wer_ci_low', 'f8'), ('wer_ci_high', 'f8'),\n"
    "                  ('ref_chars', 'f8'), ('cer', 'f8')]\n"
    "            f['voices'] = np.array([(2, 0, b'flite slt', 5, 40, 3, 1, 0, 0.1, 0.05, 0.2,\n"
    "                                     200, 0.04),\n"
    "                                    (2, 0, b'espeak-ng en-029', 5, 50, 10, 0, 0, 0.2,\n"
    "                                     0.1, 0.3, 250, 0.08)], dtype=vt)\n"
    "sc = ('[scenario]\\nname = q\\n\\n[source]\\narrival = poisson\\nrate_hz = 1  ; default\\n'\n"
    "      '\\n[link]\\nsymbol_rate = 1000\\naccess = tdma  ; default\\n\\n[user.u1]\\n\\n'\n"
    "      '[user.u2]\\n\\n[sweep]\\nsource.rate_hz = 1,3\\nlink.access = tdma,fdma\\n')\n"
    "qcols = ['source.rate_hz', 'link.access', 'point', 'repeat', 'wer', 'latency_mean_s',\n"
    "         'latency_p95_s']\n"
    "qrows = [[1, 'tdma', 0, 0, 0.1, 0.25, 0.4], [1, 'fdma', 1, 0, 0.1, 0.45, 0.7],\n"
    "         [3, 'tdma', 2, 0, 0.1, 2.0, 3.0], [3, 'fdma', 3, 0, 0.1, 2.5, 3.5]]\n"
    "ut = [('user', 'i8'), ('symbols', 'f8'), ('latency_s', 'f8')]\n"
    "with h5py.File(f'{d}/queue.h5', 'w') as f:\n"
    "    f.attrs['scenario'] = sc.encode()\n"
    "    summary(f, qcols, qrows)\n"
    "    for p in range(4):\n"
    "        g = f.create_group(f'points/{p:04d}')\n"
    "        g.attrs['point'] = np.array([p])\n"
    "        g.attrs['repeat'] = np.array([0])\n"
    "        share = 1000.0 if p % 2 == 0 else 500.0\n"
    "        g['utterances'] = np.array([(0, 100, 100 / share + 0.02), (1, 300, 300 / share + "
    "0.02),\n"
    "                                    (0, 300, 300 / share + 0.03)][:2 if p < 2 else 3],\n"
    "                                   dtype=ut)\n"
    "pt = [('id', 'S16'), ('ref_words', 'f8'), ('sub', 'f8'), ('del', 'f8'), ('ins', 'f8')]\n"
    "with h5py.File(f'{d}/paired.h5', 'w') as f:\n"
    "    f.attrs['scenario'] = b'[scenario]\\nname = p\\n'\n"
    "    summary(f, ['point', 'repeat', 'wer'], [[0, 0, 0.1], [1, 0, 0.3], [2, 0, 0.1]])\n"
    "    for p, errs, ids in ((0, (1, 0, 0), 'abcd'), (1, (2, 0, 1), 'abcd'), (2, (1, 0, 0), "
    "'abce')):\n"
    "        g = f.create_group(f'points/{p:04d}')\n"
    "        g.attrs['point'] = np.array([p])\n"
    "        g.attrs['repeat'] = np.array([0])\n"
    "        g['utterances'] = np.array([(i.encode(), 10) + errs for i in ids], dtype=pt)\n";

static int have_h5py(void)
{
    return system("/usr/bin/python3 -c 'import h5py' >/dev/null 2>&1") == 0;
}

static void skipped(void)
{
    fprintf(stderr, "\n  SKIPPED: /usr/bin/python3 cannot import h5py (python3-h5py not installed; "
                    "tools/setup.sh installs it), so semsim-plot --stats was not checked\n");
}

static char dir[512];

static int make_fixtures(void)
{
    char py[600], cmd[1400];
    snprintf(dir, sizeof dir, "%s", test_tmpdir());
    snprintf(py, sizeof py, "%s/fixture.py", dir);
    FILE *f = fopen(py, "w");
    if (!f) return -1;
    fputs(fixture_py, f);
    fclose(f);
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 %s %s", py, dir);
    return system(cmd);
}

/* Runs semsim-plot with args, stdout into out (n bytes); returns the exit status. */
static int plot(const char *args, char *out, size_t n)
{
    char src[512], cmd[2600], outfile[600];
    snprintf(outfile, sizeof outfile, "%s/stats.out", dir);
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 %s %s >%s 2>&1",
             test_srcpath(src, sizeof src, "tools/semsim-plot"), args, outfile);
    return test_sh_read(cmd, outfile, out, n);
}

/* --stats --json on FILE.h5 with extra args; the parsed document (caller puts it). */
static json_object *stats_json(const char *file, const char *extra)
{
    static char out[1 << 18];
    char args[1600];
    snprintf(args, sizeof args, "--stats --json %s %s/%s", extra, dir, file);
    int rc = plot(args, out, sizeof out);
    if (rc) fprintf(stderr, "  semsim-plot %s: exit %d: %s\n", args, rc, out);
    CU_ASSERT_EQUAL(rc, 0);
    json_object *doc = json_tokener_parse(out);
    CU_ASSERT_PTR_NOT_NULL(doc);
    return doc;
}

static double num(json_object *o, const char *key)
{
    json_object *v = NULL;
    if (!json_object_object_get_ex(o, key, &v) || !v) return NAN; /* JSON null: NaN */
    return json_object_get_double(v);
}

static const char *str(json_object *o, const char *key)
{
    json_object *v = NULL;
    return json_object_object_get_ex(o, key, &v) && v ? json_object_get_string(v) : "";
}

/* The entry of array `section` whose string fields k1 (and k2) equal v1 (and v2). */
static json_object *find(json_object *doc, const char *section, const char *k1, const char *v1,
                         const char *k2, const char *v2)
{
    json_object *arr = NULL;
    if (!json_object_object_get_ex(doc, section, &arr)) return NULL;
    for (size_t i = 0; i < json_object_array_length(arr); i++) {
        json_object *e = json_object_array_get_idx(arr, i);
        if (!strcmp(str(e, k1), v1) && (!k2 || !strcmp(str(e, k2), v2))) return e;
    }
    return NULL;
}

static void test_spearman(void)
{
    if (!have_h5py()) return skipped();
    CU_ASSERT_EQUAL_FATAL(make_fixtures(), 0);
    json_object *doc = stats_json("stats.h5", "--by equalizer.type");
    CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
    static const struct {
        const char *group, *metric;
        double n, rho, p, p_tol;
        const char *method;
    } cases[] = {
        /* monotone, n = 12: rho = -1 / +1, t approximation gives p = 0 */
        {"a", "cosine", 12, -1, 0, 1e-12, "t"},
        {"a", "foscttm", 12, 1, 0, 1e-12, "t"},
        /* ranks 1 2 3 4 9 10 7 8 6 5 11 12 against WER falling: sum d^2 = 66 + 0 over n = 12,
         * rho = -(1 - 6*66/(12*143)) = -0.769231; t = 3.80, 10 df, two-sided p = 0.00346 */
        {"a", "jaccard", 12, -(1 - 6.0 * 66 / (12 * 143)), 0.0034465, 1e-6, "t"},
        /* n = 4, monotone: exact permutation p = 2/4! (rho = +1 or -1) */
        {"b", "cka", 4, -1, 2.0 / 24, 1e-12, "exact"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        json_object *e = find(doc, "spearman", "group", cases[i].group, "metric", cases[i].metric);
        CU_ASSERT_PTR_NOT_NULL_FATAL(e);
        TEST_ASSERT_NEAR(num(e, "n"), cases[i].n, 0);
        TEST_ASSERT_NEAR(num(e, "rho"), cases[i].rho, 1e-9);
        TEST_ASSERT_NEAR(num(e, "p"), cases[i].p, cases[i].p_tol);
        CU_ASSERT_STRING_EQUAL(str(e, "p_method"), cases[i].method);
    }
    /* MRR is NaN in group a: no pairs, no correlation (JSON null) */
    json_object *e = find(doc, "spearman", "group", "a", "metric", "mrr");
    CU_ASSERT_PTR_NOT_NULL_FATAL(e);
    CU_ASSERT_EQUAL(num(e, "n"), 0);
    CU_ASSERT(isnan(num(e, "rho")));
    /* constant CKA in group a: rank correlation undefined */
    e = find(doc, "spearman", "group", "a", "metric", "cka");
    CU_ASSERT(e && isnan(num(e, "rho")));
    /* no /voices here: said so */
    json_object *voices = NULL;
    CU_ASSERT_FATAL(json_object_object_get_ex(doc, "voices", &voices));
    CU_ASSERT_FALSE(json_object_get_boolean(
        json_object_object_get(json_object_array_get_idx(voices, 0), "present")));
    json_object_put(doc);
}

static void test_queueing(void)
{
    if (!have_h5py()) return skipped();
    CU_ASSERT_EQUAL_FATAL(make_fixtures(), 0);
    /* TDMA at 1/s per user, 2 users: lambda = 2, S = 0.1 or 0.3 s (100, 300 symbols at
     * 1000/s): E[S] = 0.2, E[S^2] = 0.05, rho = 0.4, W_q = 2*0.05/(2*0.6) = 1/12; with 10 ms
     * compute: P-K latency 1/12 + 0.2 + 0.01, PS 0.2/0.6 + 0.01. FDMA: 500 symbols/s each,
     * lambda = 1, S = 0.2 or 0.6: E[S] = 0.4, E[S^2] = 0.2, rho = 0.4, W_q = 0.2/1.2. */
    static const struct {
        const char *point;
        double rho, es, wq, pk, ps;
    } cases[] = {
        {"0", 0.4, 0.2, 1.0 / 12, 1.0 / 12 + 0.21, 0.2 / 0.6 + 0.01},
        {"1", 0.4, 0.4, 0.2 / 1.2, 0.2 / 1.2 + 0.41, 0.4 / 0.6 + 0.01},
    };
    json_object *doc = stats_json("queue.h5", "--compute-s 0.01");
    CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        json_object *e = find(doc, "queueing", "point", cases[i].point, NULL, NULL);
        CU_ASSERT_PTR_NOT_NULL_FATAL(e);
        TEST_ASSERT_NEAR(num(e, "rho"), cases[i].rho, 1e-12);
        TEST_ASSERT_NEAR(num(e, "mean_service_s"), cases[i].es, 1e-12);
        TEST_ASSERT_NEAR(num(e, "pk_wq_s"), cases[i].wq, 1e-12);
        TEST_ASSERT_NEAR(num(e, "pk_latency_s"), cases[i].pk, 1e-12);
        TEST_ASSERT_NEAR(num(e, "ps_latency_s"), cases[i].ps, 1e-12);
        TEST_ASSERT_NEAR(num(e, "users"), 2, 0);
    }
    /* above capacity (3/s per user: rho = 1.2 + ...): no steady state, null */
    json_object *e = find(doc, "queueing", "point", "2", NULL, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(e);
    CU_ASSERT(num(e, "rho") > 1);
    CU_ASSERT(isnan(num(e, "pk_latency_s")) && isnan(num(e, "ps_latency_s")));
    TEST_ASSERT_NEAR(num(e, "latency_mean_s"), 2.0, 0);
    json_object_put(doc);
    /* without --compute-s: estimated from the lowest-load point, where every utterance's
     * latency is its service time + 20 ms */
    doc = stats_json("queue.h5", "");
    CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
    e = find(doc, "queueing", "point", "0", NULL, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(e);
    TEST_ASSERT_NEAR(num(e, "compute_s"), 0.02, 1e-12);
    CU_ASSERT_STRING_EQUAL(str(e, "compute_from"), "estimated");
    json_object_put(doc);
}

static void test_voices(void)
{
    if (!have_h5py()) return skipped();
    CU_ASSERT_EQUAL_FATAL(make_fixtures(), 0);
    json_object *doc = stats_json("voices.h5", "--where equalizer.type=a");
    CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
    json_object *voices = NULL, *v, *rows;
    CU_ASSERT_FATAL(json_object_object_get_ex(doc, "voices", &voices));
    v = json_object_array_get_idx(voices, 0);
    CU_ASSERT_TRUE(json_object_get_boolean(json_object_object_get(v, "present")));
    rows = json_object_object_get(v, "rows");
    CU_ASSERT_EQUAL_FATAL(json_object_array_length(rows), 2);
    json_object *slt = json_object_array_get_idx(rows, 0);
    CU_ASSERT_STRING_EQUAL(str(slt, "voice"), "flite slt");
    TEST_ASSERT_NEAR(num(slt, "wer"), 0.1, 0);
    TEST_ASSERT_NEAR(num(slt, "cer"), 0.04, 0);
    TEST_ASSERT_NEAR(num(slt, "anchors.count"), 3, 0); /* joined from /summary point 2 */
    CU_ASSERT_STRING_EQUAL(str(slt, "equalizer.type"), "a");
    json_object_put(doc);

    /* filtered away: no voice rows */
    doc = stats_json("voices.h5", "--where equalizer.type=b");
    CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
    json_object_object_get_ex(doc, "voices", &voices);
    rows = json_object_object_get(json_object_array_get_idx(voices, 0), "rows");
    CU_ASSERT_EQUAL(json_object_array_length(rows), 0);
    json_object_put(doc);

    /* a per-voice figure; and one line naming the file when there is no /voices */
    char args[2000], out[4096];
    snprintf(args, sizeof args, "%s/voices.h5 --x anchors.count --y wer --by voice -o %s/v.png",
             dir, dir);
    CU_ASSERT_EQUAL(plot(args, out, sizeof out), 0);
    snprintf(args, sizeof args, "%s/stats.h5 --x anchors.count --y wer --by voice -o %s/v.png", dir,
             dir);
    CU_ASSERT_EQUAL(plot(args, out, sizeof out), 1);
    CU_ASSERT(strstr(out, "stats.h5: --by voice: no /voices") != NULL);
    CU_ASSERT(strchr(out, '\n') == strrchr(out, '\n'));
}

static void test_paired(void)
{
    if (!have_h5py()) return skipped();
    CU_ASSERT_EQUAL_FATAL(make_fixtures(), 0);
    /* every utterance: 10 words, 1 error at point 0 and 3 at point 1, so the difference is 0.2
     * in every bootstrap draw; point 2 has other utterances and is not compared */
    json_object *doc = stats_json("paired.h5", "--paired-with 0");
    CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
    json_object *arr = NULL;
    CU_ASSERT_FATAL(json_object_object_get_ex(doc, "paired", &arr));
    CU_ASSERT_EQUAL_FATAL(json_object_array_length(arr), 1);
    json_object *e = json_object_array_get_idx(arr, 0);
    TEST_ASSERT_NEAR(num(e, "point"), 1, 0);
    TEST_ASSERT_NEAR(num(e, "utterances"), 4, 0);
    TEST_ASSERT_NEAR(num(e, "wer_diff"), 0.2, 1e-12);
    TEST_ASSERT_NEAR(num(e, "wer_diff_ci_low"), 0.2, 1e-12);
    TEST_ASSERT_NEAR(num(e, "wer_diff_ci_high"), 0.2, 1e-12);
    json_object_put(doc);
}

static void test_text(void)
{
    if (!have_h5py()) return skipped();
    CU_ASSERT_EQUAL_FATAL(make_fixtures(), 0);
    char args[1600], out[1 << 14];
    snprintf(args, sizeof args, "--stats %s/stats.h5 %s/queue.h5", dir, dir);
    CU_ASSERT_EQUAL(plot(args, out, sizeof out), 0);
    CU_ASSERT(strstr(out, "Spearman") != NULL);
    CU_ASSERT(strstr(out, "Pollaczek-Khinchine") != NULL);
    CU_ASSERT(strstr(out, "has no /voices dataset") != NULL);
    snprintf(args, sizeof args, "--stats %s/nosuch.h5", dir);
    CU_ASSERT_EQUAL(plot(args, out, sizeof out), 1);
    CU_ASSERT(strstr(out, "nosuch.h5") != NULL);
}

int main(void)
{
    static const test_case cases[] = {
        {"Spearman rho and p-values", test_spearman},
        {"M/G/1 Pollaczek-Khinchine and processor-sharing latency", test_queueing},
        {"per-voice table joined with /summary, per-voice plot", test_voices},
        {"paired WER difference with a bootstrap interval", test_paired},
        {"text tables and a missing file", test_text},
        {NULL, NULL},
    };
    return test_main("stats", cases);
}
