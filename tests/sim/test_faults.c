/* test_faults.c -- fault injection on ./semsim run (issue 15, item 4).
 *
 * (a) The results file's writes fail part way: the child gets a file size
 *     limit (setrlimit RLIMIT_FSIZE) with SIGXFSZ ignored, so a write past it
 *     fails with EFBIG as on a full disk. It must print one clear error line,
 *     exit 1..127, not crash at exit, and leave an earlier OUT.h5 of the same
 *     name (a previous complete run) byte for byte intact.
 * (b) A run is killed with SIGKILL part way and resumed with --resume: the
 *     resumed file's /summary equals, byte for byte, that of a run without
 *     interruption.
 * Both drive the real binary (SEMSIM_BUILDDIR/semsim) in a child process. */
#include "tests/fixtures.h"
#include "tests/testutil.h"

#include <hdf5.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* A bits scenario with many rows, quick per row. */
static const char *scenario = "[scenario]\nseed = 3\nutterances = 48\n"
                              "[source]\nkind = bits\nbits = 256\nframe_bits = 128\n"
                              "[channel]\nmodel = rayleigh\n"
                              "[sweep]\nchannel.snr_db = 0:0.5:30\n";

/* Start `semsim run ARGS...` in the test folder (stderr to stderr.txt); fsize
 * > 0 limits the size of files it writes. Returns the pid. */
static pid_t start(long fsize, const char *const *args)
{
    char errpath[700];
    test_tmppath(errpath, sizeof errpath, "stderr.txt");
    const char *argv[16] = {SEMSIM_BUILDDIR "/semsim", "run"};
    int argc = 2;
    for (; args[argc - 2] && argc < 15; argc++) argv[argc] = args[argc - 2];
    argv[argc] = NULL;
    return test_spawn(argv, test_tmpdir(), errpath, fsize);
}

/* Wait for pid (at most 300 s, then SIGKILL); the raw wait status. */
static int finish(pid_t pid)
{
    return test_wait(pid, 300);
}

static int run_ok(const char *const *args)
{
    int wst = finish(start(0, args));
    int ok = WIFEXITED(wst) && WEXITSTATUS(wst) == 0;
    if (!ok) {
        char p[700];
        size_t n;
        test_tmppath(p, sizeof p, "stderr.txt");
        char *e = test_slurp(p, &n);
        fprintf(stderr, "  semsim run %s ... failed (status %d): %s\n", args[0], wst, e ? e : "");
        free(e);
    }
    return ok;
}

static void write_scenario(void)
{
    char p[700];
    test_tmppath(p, sizeof p, "faults.ini");
    FILE *f = fopen(p, "w");
    CU_ASSERT_FATAL(f != NULL);
    fputs(scenario, f);
    fclose(f);
}

/* (a) writes fail part way */
static void test_disk_full(void)
{
    write_scenario();
    char out[700];
    test_tmppath(out, sizeof out, "full.h5");
    /* an earlier complete results file of the same name */
    static const char *const first[] = {
        "faults.ini", "-o", "full.h5", "--quiet", "--set", "scenario.utterances=4", NULL};
    CU_ASSERT_FATAL(run_ok(first));
    size_t n0, n1;
    char *before = test_slurp(out, &n0);
    CU_ASSERT_FATAL(before != NULL && n0 > 0);
    static const char *const again[] = {"faults.ini", "-o", "full.h5", "--quiet", "--force", NULL};
    int wst = finish(start(48 * 1024, again));
    char errp[700];
    test_tmppath(errp, sizeof errp, "stderr.txt");
    size_t en;
    char *err = test_slurp(errp, &en);
    CU_ASSERT_FATAL(err != NULL);
    int lines = 0;
    for (char *p = err; *p; p++) lines += *p == '\n';
    fprintf(stderr, "\n  disk full: status %d, stderr: %s", wst, err);
    CU_ASSERT_EQUAL(lines, 1);
    CU_ASSERT(!strncmp(err, "semsim: full.h5: ", 17));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "disk full?"));
    /* the OS reason, without HDF5's timestamp, descriptor and buffer address */
    CU_ASSERT_PTR_NULL(strstr(err, "time ="));
    CU_ASSERT_PTR_NULL(strstr(err, "buf = 0x"));
    /* no crash at exit (HDF5's atexit clean-up once crashed after a failed close) */
    CU_ASSERT(WIFEXITED(wst));
    CU_ASSERT(WIFEXITED(wst) && WEXITSTATUS(wst) >= 1 && WEXITSTATUS(wst) <= 127);
    /* the earlier results are intact */
    char *after = test_slurp(out, &n1);
    CU_ASSERT_FATAL(after != NULL);
    CU_ASSERT_EQUAL(n0, n1);
    CU_ASSERT(n0 == n1 && !memcmp(before, after, n0));
    free(before);
    free(after);
    free(err);
}

static off_t size_of(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 ? st.st_size : -1;
}

/* (b) SIGKILL part way, then --resume */
static void test_kill_resume(void)
{
    write_scenario();
    static const char *const ref_args[] = {"faults.ini", "-o", "ref.h5", "--quiet", NULL};
    CU_ASSERT_FATAL(run_ok(ref_args));
    char ref[700], out[700], partial[800];
    test_tmppath(ref, sizeof ref, "ref.h5");
    test_tmppath(out, sizeof out, "killed.h5");
    snprintf(partial, sizeof partial, "%s.partial", out);
    static const char *const args[] = {"faults.ini", "-o", "killed.h5", "--quiet", NULL};
    /* kill once the .partial has grown to a third of the complete file (rows
     * done, rows to do); a run that ends before that is retried with an
     * earlier kill */
    int killed_mid_run = 0;
    off_t target = size_of(ref) / 3;
    for (int attempt = 0; attempt < 4 && !killed_mid_run; attempt++) {
        unlink(out);
        unlink(partial);
        pid_t pid = start(0, args);
        off_t first = -1;
        for (int i = 0; i < 20000; i++) {
            if (waitpid(pid, NULL, WNOHANG) == pid) {
                pid = -1;
                break;
            }
            off_t s = size_of(partial);
            if (s > 0 && first < 0) first = s;
            if (first > 0 && s > target >> attempt) break;
            usleep(1000);
        }
        if (pid > 0) {
            kill(pid, SIGKILL);
            waitpid(pid, NULL, 0);
            killed_mid_run = !test_exists(out) && test_exists(partial);
            fprintf(stderr, "\n  attempt %d: killed with %s.partial at %lld bytes (first %lld)\n",
                    attempt, "killed.h5", (long long)size_of(partial), (long long)first);
        }
    }
    CU_ASSERT_FATAL(killed_mid_run);
    static const char *const resume[] = {"faults.ini", "-o",       "killed.h5",
                                         "--quiet",    "--resume", NULL};
    CU_ASSERT_FATAL(run_ok(resume));
    CU_ASSERT(test_exists(out) && !test_exists(partial));
    CU_ASSERT_EQUAL(test_assert_same_table(ref, out, "summary"), 61);
}

int main(void)
{
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    static const test_case cases[] = {
        {"writes fail part way: one line, status, earlier file intact", test_disk_full},
        {"SIGKILL part way, --resume: same /summary", test_kill_resume},
        {NULL, NULL},
    };
    return test_main("faults", cases);
}
