/* test_shard.c -- `semsim run --shard I/N` and `semsim merge`: three shards
 * of a bits scenario merged give the same /summary bytes, /points groups and
 * /grid as an unsharded run; merge refuses, naming the file, a missing shard,
 * a shard given twice, another scenario's shard, a file that is not a shard,
 * an incomplete shard, and an existing OUT without --force (leaving nothing
 * behind); a shard's partial file resumes only as that shard; bad --shard
 * arguments are usage errors. */
#include "sim/merge.h"
#include "sim/run.h"
#include "tests/fixtures.h"
#include "tests/testutil.h"

#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *scenario_text =
    "[scenario]\nseed = 11\nutterances = 16\nrepeats = 2\n"
    "[source]\nkind = bits\nbits = 512\nframe_bits = 128\n"
    "[link]\nmodulation = qpsk\nfec = hamming74\nframes_per_packet = 2\n"
    "[channel]\nmodel = rayleigh\n"
    "[metrics]\nmin_bit_errors = 200\ncheck_every = 4\n"
    "[sweep]\nchannel.snr_db = 0:3:9\nlink.modulation = qpsk,16qam\n";

static sim_scenario *load(void)
{
    char path[600];
    test_tmppath(path, sizeof path, "shard.ini");
    if (!test_exists(path)) test_put(path, scenario_text);
    base_err e = BASE_ERR_INIT;
    sim_scenario *sc = sim_scenario_load(path, &e);
    CU_ASSERT_FATAL(sc != NULL);
    return sc;
}

/* Run the scenario (with one --set when set != NULL) as shard i of n
 * (n 0: unsharded) into out. */
static base_status run(const char *out, size_t i, size_t n, const char *set, int resume,
                       size_t kill_after, base_err *e)
{
    sim_scenario *sc = load();
    char over[256] = "";
    if (set) {
        CU_ASSERT_EQUAL_FATAL(sim_scenario_override(sc, set, 0, NULL, e), BASE_OK);
        snprintf(over, sizeof over, "--set %s\n", set);
    }
    sim_run_opts o;
    memset(&o, 0, sizeof o);
    o.out_path = out;
    o.jobs = 2;
    o.shard = i;
    o.shards = n;
    o.overrides = over;
    o.force = 1;
    o.resume = resume;
    o.kill_after_rows = kill_after;
    base_status st = sim_run(sc, &o, e);
    if (st) fprintf(stderr, "  run %s: %s\n", out, e->msg);
    sim_scenario_destroy(sc);
    return st;
}

static void merged_equals_unsharded(void)
{
    char ref[600], s[3][600], out[600];
    base_err e = BASE_ERR_INIT;
    test_tmppath(ref, sizeof ref, "whole.h5");
    CU_ASSERT_EQUAL_FATAL(run(ref, 0, 0, NULL, 0, 0, &e), BASE_OK);
    for (size_t i = 0; i < 3; i++) {
        char name[32];
        snprintf(name, sizeof name, "s%zu.h5", i);
        test_tmppath(s[i], sizeof s[i], name);
        CU_ASSERT_EQUAL_FATAL(run(s[i], i, 3, NULL, 0, 0, &e), BASE_OK);
    }
    test_tmppath(out, sizeof out, "merged.h5");
    const char *files[3] = {s[2], s[0], s[1]}; /* any order */
    size_t rows = 0;
    base_status st = sim_merge(files, 3, out, 0, &rows, &e);
    if (st) fprintf(stderr, "  merge: %s: %s\n", e.file, e.msg);
    CU_ASSERT_EQUAL_FATAL(st, BASE_OK);
    CU_ASSERT_EQUAL(rows, 4 * 2 * 2);
    /* a bits run's latencies are simulated time: the bytes match whole */
    CU_ASSERT(test_same_table(ref, out, "summary"));
    CU_ASSERT(test_same_table(ref, out, "grid/ber"));
    CU_ASSERT(test_same_table(ref, out, "grid/utterances"));
    CU_ASSERT(test_same_table(ref, out, "grid/channel.snr_db"));
    char g[64];
    for (size_t i = 0; i < 16; i++) {
        snprintf(g, sizeof g, "points/%04zu/utterances", i);
        size_t n, sz;
        free(test_table_bytes(out, g, &n, &sz));
        CU_ASSERT(n > 0);
    }
    /* a shard holds only its rows: job k = point * repeats + repeat, k % 3 == i */
    size_t n, sz;
    free(test_table_bytes(s[1], "summary", &n, &sz));
    CU_ASSERT_EQUAL(n, 5); /* k = 1, 4, 7, 10, 13 */
}

static void expect_refused(const char *const *files, size_t n, const char *out, int force,
                           const char *file_named, const char *what)
{
    base_err e = BASE_ERR_INIT;
    size_t rows = 0;
    char partial[700];
    snprintf(partial, sizeof partial, "%s.partial", out);
    base_status st = sim_merge(files, n, out, force, &rows, &e);
    CU_ASSERT_NOT_EQUAL(st, BASE_OK);
    if (file_named) CU_ASSERT_STRING_EQUAL(e.file, file_named);
    if (!strstr(e.msg, what)) fprintf(stderr, "  expected '%s' in '%s'\n", what, e.msg);
    CU_ASSERT(strstr(e.msg, what) != NULL);
    CU_ASSERT(!test_exists(partial));
}

static void merge_refusals(void)
{
    char s[3][600], other[600], whole[600], out[600], part[600];
    for (size_t i = 0; i < 3; i++) {
        char name[32];
        snprintf(name, sizeof name, "s%zu.h5", i);
        test_tmppath(s[i], sizeof s[i], name);
        if (!test_exists(s[i])) {
            base_err e = BASE_ERR_INIT;
            CU_ASSERT_EQUAL_FATAL(run(s[i], i, 3, NULL, 0, 0, &e), BASE_OK);
        }
    }
    test_tmppath(whole, sizeof whole, "whole.h5");
    test_tmppath(out, sizeof out, "refused.h5");
    test_tmppath(other, sizeof other, "other1.h5");
    base_err e = BASE_ERR_INIT;
    CU_ASSERT_EQUAL_FATAL(run(other, 1, 3, "scenario.seed=12", 0, 0, &e), BASE_OK);
    const char *missing[2] = {s[0], s[2]};
    expect_refused(missing, 2, out, 0, NULL, "no file given holds shard 1/3");
    const char *twice[4] = {s[0], s[1], s[2], s[1]};
    expect_refused(twice, 4, out, 0, s[1], "duplicate rows");
    const char *foreign[3] = {s[0], other, s[2]};
    expect_refused(foreign, 3, out, 0, other, "different scenario");
    const char *notshard[3] = {s[0], s[1], whole};
    if (test_exists(whole)) expect_refused(notshard, 3, out, 0, whole, "not a shard file");
    /* an incomplete shard: killed after 2 rows, its .partial given */
    test_tmppath(part, sizeof part, "killed2.h5");
    fflush(NULL);
    pid_t pid = fork();
    CU_ASSERT_FATAL(pid >= 0);
    if (pid == 0) {
        base_err e2 = BASE_ERR_INIT;
        run(part, 2, 3, NULL, 0, 2, &e2);
        _exit(0);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    CU_ASSERT(WIFSIGNALED(status));
    char partial[700];
    snprintf(partial, sizeof partial, "%s.partial", part);
    const char *incomplete[3] = {s[0], s[1], partial};
    expect_refused(incomplete, 3, out, 0, partial, "not complete");
    /* the partial shard resumes only as the same shard */
    CU_ASSERT_EQUAL(run(part, 1, 3, NULL, 1, 0, &e), BASE_EEXIST);
    CU_ASSERT(strstr(e.msg, "another --shard") != NULL);
    CU_ASSERT_EQUAL(run(part, 2, 3, NULL, 1, 0, &e), BASE_OK);
    CU_ASSERT(test_same_table(part, s[2], "summary"));
    /* an existing OUT is never replaced without force */
    FILE *f = fopen(out, "w");
    fputs("keep", f);
    fclose(f);
    const char *all[3] = {s[0], s[1], s[2]};
    expect_refused(all, 3, out, 0, out, "exists");
    struct stat st;
    stat(out, &st);
    CU_ASSERT_EQUAL(st.st_size, 4);
    size_t rows = 0;
    CU_ASSERT_EQUAL(sim_merge(all, 3, out, 1, &rows, &e), BASE_OK);
}

/* The command line: --shard parsing and merge's usage. */
static void cli(void)
{
    char ini[600], cmd[2048];
    test_tmppath(ini, sizeof ini, "shard.ini");
    sim_scenario_destroy(load()); /* writes shard.ini */
    static const char *bad[] = {"3/3", "-1/3", "1/0", "1", "a/b", "1/3x", NULL};
    for (size_t i = 0; bad[i]; i++) {
        snprintf(cmd, sizeof cmd, "%s/semsim run %s --dry-run --shard %s 2>/dev/null >/dev/null",
                 SEMSIM_BUILDDIR, ini, bad[i]);
        CU_ASSERT_EQUAL(test_sh(cmd), 2);
    }
    snprintf(cmd, sizeof cmd, "%s/semsim merge %s 2>/dev/null", SEMSIM_BUILDDIR, ini);
    CU_ASSERT_EQUAL(test_sh(cmd), 2); /* no -o */
    snprintf(cmd, sizeof cmd, "%s/semsim merge %s -o %s/x.h5 2>/dev/null", SEMSIM_BUILDDIR, ini,
             test_tmpdir());
    CU_ASSERT_EQUAL(test_sh(cmd), 1); /* not HDF5 */
}

int main(void)
{
    static const test_case cases[] = {
        {"3 shards merged = the unsharded file", merged_equals_unsharded},
        {"merge refuses bad sets of shards, naming the file", merge_refusals},
        {"--shard and merge on the command line", cli},
        {NULL, NULL},
    };
    return test_main("shard", cases);
}
