/* test_run.c -- scenarios end to end through sim_run: a `bits` scenario gives
 * identical /summary with -j 1 and -j 2; a run SIGKILLed after some rows and
 * resumed gives the same /summary as an uninterrupted one; dry run; refusing
 * to overwrite; kinds this build cannot run fail validation with file:line.
 * 16-point sweeps give the same /summary and /voices with -j 8 as with -j 1
 * for the relative head under every anchor selection (semantic kind), and for
 * every classic codec kind; their few utterances cover as many voices as
 * they can (balanced sampling, sim/sample.h), each voice one /voices row,
 * also when three users share a point. */
#include "sim/run.h"
#include "tests/fixtures.h"
#include "tests/testutil.h"

#include <hdf5.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *scenario_text =
    "[scenario]\nseed = 5\nutterances = 24\nrepeats = 2\n"
    "[source]\nkind = bits\nbits = 512\nframe_bits = 128\n"
    "[link]\nmodulation = qpsk\nfec = hamming74\nframes_per_packet = 2\n"
    "[channel]\nmodel = rayleigh\n"
    "[metrics]\nmin_bit_errors = 300\ncheck_every = 4\n"
    "[sweep]\nchannel.snr_db = 0:3:9\n";

/* The scenario text written to $tmp/name and loaded. */
static sim_scenario *load_text(const char *name, const char *text)
{
    base_err e = BASE_ERR_INIT;
    sim_scenario *sc = test_load_scenario(test_tmpdir(), name, text, &e);
    CU_ASSERT_FATAL(sc != NULL);
    return sc;
}

static sim_scenario *load(void)
{
    return load_text("bits.ini", scenario_text);
}

static base_status run(const char *out, int jobs, int resume, size_t kill_after, base_err *e)
{
    sim_scenario *sc = load();
    sim_run_opts o;
    memset(&o, 0, sizeof o);
    o.out_path = out;
    o.jobs = jobs;
    o.resume = resume;
    o.kill_after_rows = kill_after;
    base_status st = sim_run(sc, &o, e);
    sim_scenario_destroy(sc);
    return st;
}

static void assert_same_summary(const char *a, const char *b)
{
    CU_ASSERT_EQUAL(test_assert_same_table(a, b, "summary"), 4 * 2);
}

static void test_jobs_identical(void)
{
    char a[600], b[600];
    test_tmppath(a, sizeof a, "j1.h5");
    test_tmppath(b, sizeof b, "j2.h5");
    base_err e = BASE_ERR_INIT;
    base_status st = run(a, 1, 0, 0, &e);
    if (st) fprintf(stderr, "  %s\n", e.msg);
    CU_ASSERT_EQUAL_FATAL(st, BASE_OK);
    CU_ASSERT_EQUAL_FATAL(run(b, 2, 0, 0, &e), BASE_OK);
    assert_same_summary(a, b);
    /* the BER falls with SNR and some point stopped on the bit-error target */
    hid_t f = H5Fopen(a, H5F_ACC_RDONLY, H5P_DEFAULT);
    hid_t ds = H5Dopen2(f, "summary", H5P_DEFAULT);
    typedef struct {
        double snr, ber;
        char status[32];
    } r_t;
    hid_t s32 = H5Tcopy(H5T_C_S1);
    H5Tset_size(s32, 32);
    hid_t t = H5Tcreate(H5T_COMPOUND, sizeof(r_t));
    H5Tinsert(t, "channel.snr_db", HOFFSET(r_t, snr), H5T_NATIVE_DOUBLE);
    H5Tinsert(t, "ber", HOFFSET(r_t, ber), H5T_NATIVE_DOUBLE);
    H5Tinsert(t, "status", HOFFSET(r_t, status), s32);
    r_t rows[8];
    CU_ASSERT(H5Dread(ds, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, rows) >= 0);
    CU_ASSERT(rows[0].ber > rows[6].ber);
    CU_ASSERT(rows[0].ber > 0.01);
    CU_ASSERT_STRING_EQUAL(rows[0].status, "min_bit_errors");
    CU_ASSERT_STRING_EQUAL(rows[6].status, "max_utterances"); /* 9 dB, repeat 0 */
    H5Tclose(t);
    H5Tclose(s32);
    H5Dclose(ds);
    H5Fclose(f);
}

static void test_resume_after_kill(void)
{
    char ref[600], out[600], partial[700];
    test_tmppath(ref, sizeof ref, "j1.h5"); /* from the previous case, or make it */
    if (!test_exists(ref)) {
        base_err e = BASE_ERR_INIT;
        CU_ASSERT_EQUAL_FATAL(run(ref, 1, 0, 0, &e), BASE_OK);
    }
    test_tmppath(out, sizeof out, "killed.h5");
    snprintf(partial, sizeof partial, "%s.partial", out);
    fflush(NULL);
    pid_t pid = fork();
    CU_ASSERT_FATAL(pid >= 0);
    if (pid == 0) { /* child: dies by SIGKILL after 3 rows */
        base_err e = BASE_ERR_INIT;
        run(out, 2, 0, 3, &e);
        _exit(0); /* not reached if the kill worked */
    }
    int status = 0;
    waitpid(pid, &status, 0);
    CU_ASSERT(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    CU_ASSERT(test_exists(partial));
    CU_ASSERT(!test_exists(out));
    base_err e = BASE_ERR_INIT;
    base_status st = run(out, 2, 1, 0, &e);
    if (st) fprintf(stderr, "  %s\n", e.msg);
    CU_ASSERT_EQUAL_FATAL(st, BASE_OK);
    CU_ASSERT(!test_exists(partial));
    assert_same_summary(ref, out);
}

static void test_dry_run_and_overwrite(void)
{
    char out[600], list[600];
    test_tmppath(out, sizeof out, "dry.h5");
    test_tmppath(list, sizeof list, "dry.txt");
    sim_scenario *sc = load();
    sim_run_opts o;
    memset(&o, 0, sizeof o);
    o.out_path = out;
    o.jobs = 1;
    o.dry_run = 1;
    o.list = fopen(list, "w+");
    base_err e = BASE_ERR_INIT;
    CU_ASSERT_EQUAL(sim_run(sc, &o, &e), BASE_OK);
    rewind(o.list);
    char line[256];
    int lines = 0;
    while (fgets(line, sizeof line, o.list)) lines++;
    fclose(o.list);
    CU_ASSERT_EQUAL(lines, 1 + 4 * 2);
    CU_ASSERT(!test_exists(out));
    /* an existing result is refused without force, untouched */
    FILE *f = fopen(out, "w");
    fputs("keep", f);
    fclose(f);
    o.dry_run = 0;
    o.list = NULL;
    CU_ASSERT_EQUAL(sim_run(sc, &o, &e), BASE_EEXIST);
    struct stat st;
    stat(out, &st);
    CU_ASSERT_EQUAL(st.st_size, 4);
    sim_scenario_destroy(sc);
}

static void test_unsupported_kinds(void)
{
    sim_scenario *sc = load();
    base_err e = BASE_ERR_INIT;
    size_t pts = 0;
    CU_ASSERT_EQUAL(sim_run_validate(sc, &pts, &e), BASE_OK);
    CU_ASSERT_EQUAL(pts, 4);
    /* semantic without models, then with models that exist but no pipeline */
    CU_ASSERT_EQUAL(sim_scenario_set(sc, "source.kind", "semantic", "--set", 0, &e), BASE_OK);
    CU_ASSERT_NOT_EQUAL(sim_run_validate(sc, &pts, &e), BASE_OK);
    CU_ASSERT_STRING_EQUAL(e.file, "--set");
    CU_ASSERT(strstr(e.msg, "needs tx.model and rx.model") != NULL);
    CU_ASSERT_EQUAL(sim_scenario_set(sc, "source.kind", "opus-6", "--set", 0, &e), BASE_OK);
    CU_ASSERT_NOT_EQUAL(sim_run_validate(sc, &pts, &e), BASE_OK); /* no rx.model (or not built) */
    CU_ASSERT_STRING_EQUAL(e.file, "--set");
    /* bits over an analog link is refused, naming the key */
    CU_ASSERT_EQUAL(sim_scenario_set(sc, "source.kind", "bits", "--set", 0, &e), BASE_OK);
    CU_ASSERT_EQUAL(sim_scenario_set(sc, "link.mode", "analog", "--set", 0, &e), BASE_OK);
    CU_ASSERT_EQUAL(sim_run_validate(sc, &pts, &e), BASE_EINVAL);
    CU_ASSERT(strstr(e.msg, "link.mode=digital") != NULL);
    /* a manifest that does not exist */
    CU_ASSERT_EQUAL(sim_scenario_set(sc, "link.mode", "digital", "--set", 0, &e), BASE_OK);
    CU_ASSERT_EQUAL(sim_scenario_set(sc, "source.manifest", "/nonexistent.tsv", "--set", 0, &e),
                    BASE_OK);
    CU_ASSERT_EQUAL(sim_run_validate(sc, &pts, &e), BASE_EIO);
    sim_scenario_destroy(sc);
}

/* ---- 16-point sweeps: -j 8 = -j 1, balanced voices ------------------------------------- */

/* Run scenario text (written to $tmp/name) into out with jobs threads;
 * relative heads cached under $tmp/cache, which is moved aside afterwards
 * (to cache.N), so the next run trains its own heads (under -j 8, workers
 * race for them) while equalizer.cache, a /summary column, stays the same. */
static void run_sweep(const char *name, const char *text, const char *out, int jobs,
                      const char *cache)
{
    sim_scenario *sc = load_text(name, text);
    char dir[600];
    test_tmppath(dir, sizeof dir, cache);
    base_err e = BASE_ERR_INIT;
    CU_ASSERT_EQUAL_FATAL(sim_scenario_set(sc, "equalizer.cache", dir, "--set", 0, &e), BASE_OK);
    sim_run_opts o;
    memset(&o, 0, sizeof o);
    o.out_path = out;
    o.jobs = jobs;
    o.force = 1;
    base_status st = sim_run(sc, &o, &e);
    if (st) fprintf(stderr, "  %s: %s:%d: %s\n", name, e.file, e.line, e.msg);
    CU_ASSERT_EQUAL_FATAL(st, BASE_OK);
    sim_scenario_destroy(sc);
    char aside[700];
    snprintf(aside, sizeof aside, "%s.%d", dir, jobs);
    if (test_exists(dir)) CU_ASSERT_EQUAL(rename(dir, aside), 0);
}

/* Every /summary row evaluated `utts` utterances of `voices` voices, and
 * /voices has one row per voice with the utterances split evenly. */
static void assert_balanced(const char *path, size_t rows, double utts, double voices)
{
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    CU_ASSERT_FATAL(f >= 0);
    typedef struct {
        double utterances, voices, sym, total;
    } r_t;
    hid_t t = H5Tcreate(H5T_COMPOUND, sizeof(r_t));
    H5Tinsert(t, "utterances", HOFFSET(r_t, utterances), H5T_NATIVE_DOUBLE);
    H5Tinsert(t, "voices", HOFFSET(r_t, voices), H5T_NATIVE_DOUBLE);
    H5Tinsert(t, "sym_per_s", HOFFSET(r_t, sym), H5T_NATIVE_DOUBLE);
    H5Tinsert(t, "sym_per_s_total", HOFFSET(r_t, total), H5T_NATIVE_DOUBLE);
    r_t r[16];
    hid_t ds = H5Dopen2(f, "summary", H5P_DEFAULT);
    CU_ASSERT(H5Dread(ds, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, r) >= 0);
    for (size_t i = 0; i < rows; i++) {
        CU_ASSERT_EQUAL(r[i].utterances, utts);
        if (r[i].voices != voices) fprintf(stderr, "  row %zu: %g voices\n", i, r[i].voices);
        CU_ASSERT_EQUAL(r[i].voices, voices);
        CU_ASSERT(r[i].total >= r[i].sym);
    }
    H5Dclose(ds);
    H5Tclose(t);
    typedef struct {
        int64_t point;
        double utterances;
    } v_t;
    t = H5Tcreate(H5T_COMPOUND, sizeof(v_t));
    H5Tinsert(t, "point", HOFFSET(v_t, point), H5T_NATIVE_INT64);
    H5Tinsert(t, "utterances", HOFFSET(v_t, utterances), H5T_NATIVE_DOUBLE);
    ds = H5Dopen2(f, "voices", H5P_DEFAULT);
    hid_t sp = H5Dget_space(ds);
    size_t n = (size_t)H5Sget_simple_extent_npoints(sp);
    CU_ASSERT_EQUAL_FATAL(n, rows * (size_t)voices);
    v_t v[64];
    CU_ASSERT(H5Dread(ds, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0);
    for (size_t i = 0; i < n; i++) {
        CU_ASSERT_EQUAL(v[i].point, (int64_t)(i / (size_t)voices));
        CU_ASSERT(v[i].utterances >= floor(utts / voices) &&
                  v[i].utterances <= ceil(utts / voices));
    }
    H5Sclose(sp);
    H5Dclose(ds);
    H5Tclose(t);
    H5Fclose(f);
}

/* The relative head under every anchor selection, A -> B over a digital
 * Rayleigh link: 4 selections x 4 SNRs, 3 utterances of 3 voices. */
static void test_jobs_relative_selections(void)
{
    char harvard[512], voices[512], a[512], b[512], text[4096], j1[600], j8[600];
    test_srcpath(harvard, sizeof harvard, "data/harvard.txt");
    test_srcpath(voices, sizeof voices, "scenarios/experiment-voices.txt");
    test_srcpath(a, sizeof a, "models/A.h5");
    test_srcpath(b, sizeof b, "models/B.h5");
    snprintf(text, sizeof text,
             "[scenario]\nseed = 3\nutterances = 3\n"
             "[source]\nkind = semantic\ntext = %s\nlines = 501-510\nvoices = %s\n"
             "[tx]\nmodel = %s\n[rx]\nmodel = %s\ndecoder = greedy\n"
             "[equalizer]\ntype = relative\ntrain_utterances = 12\nhead_steps = 5\n"
             "[anchors]\ncount = 8\nutterances = 12\n"
             "[link]\nmode = digital\nmodulation = qpsk\nfec = conv27\nquant_bits = 4\n"
             "[channel]\nmodel = rayleigh\n"
             "[sweep]\nanchors.selection = random,fps,kmeans,class\n"
             "channel.snr_db = 0,5,10,15\n",
             harvard, voices, a, b);
    test_tmppath(j1, sizeof j1, "rel-j1.h5");
    test_tmppath(j8, sizeof j8, "rel-j8.h5");
    run_sweep("rel.ini", text, j1, 1, "heads");
    run_sweep("rel.ini", text, j8, 8, "heads");
    char heads[600];
    test_tmppath(heads, sizeof heads, "heads.8"); /* -j 8 trained its own heads */
    CU_ASSERT(test_exists(heads));
    CU_ASSERT_EQUAL(test_assert_same_table(j1, j8, "summary"), 16);
    CU_ASSERT_EQUAL(test_assert_same_table(j1, j8, "voices"), 16 * 3);
    assert_balanced(j1, 16, 3, 3);
}

/* Every classic codec kind: 4 kinds x 4 SNRs, 2 utterances of 3 voices. */
static void test_jobs_codecs(void)
{
    char harvard[512], voices[512], a[512], text[4096], j1[600], j8[600];
    test_srcpath(harvard, sizeof harvard, "data/harvard.txt");
    test_srcpath(voices, sizeof voices, "scenarios/experiment-voices.txt");
    test_srcpath(a, sizeof a, "models/A.h5");
    snprintf(text, sizeof text,
             "[scenario]\nseed = 4\nutterances = 2\n"
             "[source]\nkind = opus-6\ntext = %s\nlines = 501-510\nvoices = %s\n"
             "[rx]\nmodel = %s\ndecoder = greedy\n"
             "[link]\nmode = digital\nmodulation = qpsk\nfec = conv27\nframes_per_packet = 8\n"
             "[channel]\nmodel = awgn\n"
             "[sweep]\nsource.kind = codec2-3200,codec2-1200,codec2-700c,opus-6\n"
             "channel.snr_db = 0,2,4,8\n",
             harvard, voices, a);
    test_tmppath(j1, sizeof j1, "codec-j1.h5");
    test_tmppath(j8, sizeof j8, "codec-j8.h5");
    run_sweep("codec.ini", text, j1, 1, "none");
    run_sweep("codec.ini", text, j8, 8, "none");
    CU_ASSERT_EQUAL(test_assert_same_table(j1, j8, "summary"), 16);
    CU_ASSERT_EQUAL(test_assert_same_table(j1, j8, "voices"), 16 * 2);
    assert_balanced(j1, 16, 2, 2);
}

/* Three users share the point's balanced set: 6 utterances of 3 voices. */
static void test_multi_user_balanced(void)
{
    char harvard[512], voices[512], a[512], text[4096], out[600];
    test_srcpath(harvard, sizeof harvard, "data/harvard.txt");
    test_srcpath(voices, sizeof voices, "scenarios/experiment-voices.txt");
    test_srcpath(a, sizeof a, "models/A.h5");
    snprintf(text, sizeof text,
             "[scenario]\nseed = 4\nutterances = 6\n"
             "[source]\nkind = opus-12\ntext = %s\nlines = 501-510\nvoices = %s\n"
             "[rx]\nmodel = %s\ndecoder = greedy\n"
             "[link]\nmode = digital\nmodulation = qpsk\nfec = conv27\nframes_per_packet = 8\n"
             "[channel]\nmodel = awgn\nsnr_db = 10\n"
             "[user.a]\n[user.b]\n[user.c]\nchannel.snr_db = 6\n",
             harvard, voices, a);
    test_tmppath(out, sizeof out, "users.h5");
    run_sweep("users.ini", text, out, 2, "none");
    assert_balanced(out, 1, 6, 3);
}

int main(void)
{
    static const test_case cases[] = {
        {"-j 1 and -j 2 give identical /summary", test_jobs_identical},
        {"resume after SIGKILL equals an uninterrupted run", test_resume_after_kill},
        {"dry run and refusing to overwrite", test_dry_run_and_overwrite},
        {"kinds this build cannot run", test_unsupported_kinds},
        {"relative head, every anchor selection: -j 8 = -j 1, voices balanced",
         test_jobs_relative_selections},
        {"every codec kind: -j 8 = -j 1, voices balanced", test_jobs_codecs},
        {"three users share a balanced set", test_multi_user_balanced},
        {NULL, NULL},
    };
    return test_main("run", cases);
}
