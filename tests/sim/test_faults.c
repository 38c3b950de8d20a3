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
#include "tests/testutil.h"

#include <fcntl.h>
#include <hdf5.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* A bits scenario with many rows, quick per row. */
static const char *scenario = "[scenario]\nseed = 3\nutterances = 48\n"
                              "[source]\nkind = bits\nbits = 256\nframe_bits = 128\n"
                              "[channel]\nmodel = rayleigh\n"
                              "[sweep]\nchannel.snr_db = 0:0.5:30\n";

static const char *dir(void)
{
    return test_tmpdir();
}

static void path_of(char *buf, size_t n, const char *name)
{
    snprintf(buf, n, "%s/%s", dir(), name);
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    if (b && fread(b, 1, (size_t)n, f) != (size_t)n) n = 0;
    fclose(f);
    if (b) b[n] = 0;
    *len = (size_t)n;
    return b;
}

/* Start `semsim run ARGS...` in dir() (stderr to stderr.txt); fsize > 0 limits
 * the size of files it writes. Returns the pid. */
static pid_t start(long fsize, const char *const *args)
{
    char errpath[700];
    path_of(errpath, sizeof errpath, "stderr.txt");
    const char *argv[16] = {SEMSIM_BUILDDIR "/semsim", "run"};
    int argc = 2;
    for (; args[argc - 2] && argc < 15; argc++) argv[argc] = args[argc - 2];
    argv[argc] = NULL;
    pid_t pid = fork();
    CU_ASSERT_FATAL(pid >= 0);
    if (pid == 0) {
        int in = open("/dev/null", O_RDONLY), out = open("/dev/null", O_WRONLY),
            er = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (in < 0 || out < 0 || er < 0 || chdir(dir())) _exit(126);
        dup2(in, 0);
        dup2(out, 1);
        dup2(er, 2);
        if (fsize > 0) {
            struct rlimit rl = {(rlim_t)fsize, (rlim_t)fsize};
            signal(SIGXFSZ, SIG_IGN);
            setrlimit(RLIMIT_FSIZE, &rl);
        }
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    return pid;
}

/* Wait for pid (at most 300 s, then SIGKILL); the raw wait status. */
static int finish(pid_t pid)
{
    int wst = 0;
    for (int i = 0; i < 30000; i++) {
        if (waitpid(pid, &wst, WNOHANG) == pid) return wst;
        usleep(10000);
    }
    kill(pid, SIGKILL);
    waitpid(pid, &wst, 0);
    return wst;
}

static int run_ok(const char *const *args)
{
    int wst = finish(start(0, args));
    int ok = WIFEXITED(wst) && WEXITSTATUS(wst) == 0;
    if (!ok) {
        char p[700];
        size_t n;
        path_of(p, sizeof p, "stderr.txt");
        char *e = slurp(p, &n);
        fprintf(stderr, "  semsim run %s ... failed (status %d): %s\n", args[0], wst, e ? e : "");
        free(e);
    }
    return ok;
}

static void write_scenario(void)
{
    char p[700];
    path_of(p, sizeof p, "faults.ini");
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
    path_of(out, sizeof out, "full.h5");
    /* an earlier complete results file of the same name */
    static const char *const first[] = {
        "faults.ini", "-o", "full.h5", "--quiet", "--set", "scenario.utterances=4", NULL};
    CU_ASSERT_FATAL(run_ok(first));
    size_t n0, n1;
    char *before = slurp(out, &n0);
    CU_ASSERT_FATAL(before != NULL && n0 > 0);
    static const char *const again[] = {"faults.ini", "-o", "full.h5", "--quiet", "--force", NULL};
    int wst = finish(start(48 * 1024, again));
    char errp[700];
    path_of(errp, sizeof errp, "stderr.txt");
    size_t en;
    char *err = slurp(errp, &en);
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
    char *after = slurp(out, &n1);
    CU_ASSERT_FATAL(after != NULL);
    CU_ASSERT_EQUAL(n0, n1);
    CU_ASSERT(n0 == n1 && !memcmp(before, after, n0));
    free(before);
    free(after);
    free(err);
}

/* The raw bytes of /summary and its row count. */
static unsigned char *summary_bytes(const char *path, size_t *rows, size_t *size)
{
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    CU_ASSERT_FATAL(f >= 0);
    hid_t ds = H5Dopen2(f, "summary", H5P_DEFAULT), t = H5Dget_type(ds), sp = H5Dget_space(ds);
    *rows = (size_t)H5Sget_simple_extent_npoints(sp);
    *size = H5Tget_size(t);
    unsigned char *buf = calloc(*rows + 1, *size);
    CU_ASSERT(H5Dread(ds, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) >= 0);
    H5Sclose(sp);
    H5Tclose(t);
    H5Dclose(ds);
    H5Fclose(f);
    return buf;
}

static int exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0;
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
    path_of(ref, sizeof ref, "ref.h5");
    path_of(out, sizeof out, "killed.h5");
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
            killed_mid_run = !exists(out) && exists(partial);
            fprintf(stderr, "\n  attempt %d: killed with %s.partial at %lld bytes (first %lld)\n",
                    attempt, "killed.h5", (long long)size_of(partial), (long long)first);
        }
    }
    CU_ASSERT_FATAL(killed_mid_run);
    static const char *const resume[] = {"faults.ini", "-o",       "killed.h5",
                                         "--quiet",    "--resume", NULL};
    CU_ASSERT_FATAL(run_ok(resume));
    CU_ASSERT(exists(out) && !exists(partial));
    size_t na, nb, sa, sb;
    unsigned char *a = summary_bytes(ref, &na, &sa), *b = summary_bytes(out, &nb, &sb);
    CU_ASSERT_EQUAL(na, 61);
    CU_ASSERT_EQUAL(na, nb);
    CU_ASSERT_EQUAL(sa, sb);
    if (na == nb && sa == sb) {
        size_t diff = SIZE_MAX;
        for (size_t i = 0; i < na * sa && diff == SIZE_MAX; i++)
            if (a[i] != b[i]) diff = i;
        if (diff != SIZE_MAX) fprintf(stderr, "  resumed /summary differs in row %zu\n", diff / sa);
        CU_ASSERT(diff == SIZE_MAX);
    }
    free(a);
    free(b);
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
