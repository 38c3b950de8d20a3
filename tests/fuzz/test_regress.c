/* test_regress.c -- replays the fuzzing inputs in make check.
 *
 * For every harness tests/fuzz/fuzz_NAME.c, make check builds
 * tests/fuzz/NAME.replay (the harness linked with replay_main.c by the
 * normal build; sanitized in the sanitizer build of .ci/run). This program
 * runs every file of tests/fuzz/regress/NAME/ (inputs that once crashed,
 * hung or tripped a sanitizer) and tests/fuzz/corpus/NAME/ (the seed
 * corpus) through it, one process per file under a 60 s alarm, and fails
 * for any input whose process dies of a signal, exits non-zero (a
 * sanitizer report) or hangs. Parser errors are fine: the harnesses ignore
 * them. A folder under regress/ or corpus/ without its harness, or a
 * harness without its replay program, is a failure too. */
#include "tests/testutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef SEMSIM_BUILDDIR
#define SEMSIM_BUILDDIR "."
#endif

#define REPLAY_SECONDS 60

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted names in dir (not starting with '.'), optionally only those
 * starting with prefix and ending with suffix (stripped of both); NULL-ended,
 * malloc'd; NULL when dir cannot be read. */
static char **list_dir(const char *dir, const char *prefix, const char *suffix, size_t *count)
{
    DIR *d = opendir(dir);
    *count = 0;
    if (!d) return NULL;
    char **v = NULL;
    size_t n = 0, np = strlen(prefix), ns = strlen(suffix);
    for (struct dirent *e; (e = readdir(d));) {
        size_t len = strlen(e->d_name);
        if (e->d_name[0] == '.' || len < np + ns || strncmp(e->d_name, prefix, np) ||
            strcmp(e->d_name + len - ns, suffix))
            continue;
        char **nv = realloc(v, (n + 2) * sizeof *nv);
        if (!nv) break;
        v = nv;
        v[n++] = strndup(e->d_name + np, len - np - ns);
        v[n] = NULL;
    }
    closedir(d);
    if (v) qsort(v, n, sizeof *v, cmp_str);
    *count = n;
    return v;
}

static void free_list(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++) free(v[i]);
    free(v);
}

/* Run replay on one file; 0 when it exited 0, else prints why and returns -1. */
static int replay_one(const char *replay, const char *file)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        int devnull = open("/dev/null", O_WRONLY);
        if (devnull >= 0) dup2(devnull, STDOUT_FILENO); /* harnesses may print; keep stderr */
        alarm(REPLAY_SECONDS);                          /* a pending alarm survives exec */
        execl(replay, replay, file, (char *)NULL);
        _exit(127);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) return -1;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return 0;
    if (WIFSIGNALED(status))
        fprintf(stderr, "  %s: killed by signal %d (%s)%s\n", file, WTERMSIG(status),
                strsignal(WTERMSIG(status)), WTERMSIG(status) == SIGALRM ? ": a hang" : "");
    else
        fprintf(stderr, "  %s: exit %d\n", file, WEXITSTATUS(status));
    return -1;
}

/* Every file of SRCDIR/tests/fuzz/KIND/NAME through NAME.replay; returns the
 * number of files run, failures counted in *failed. */
static size_t replay_dir(const char *kind, const char *name, size_t *failed)
{
    char rel[256], dir[1024], replay[1024], file[2048];
    snprintf(rel, sizeof rel, "tests/fuzz/%s/%s", kind, name);
    test_srcpath(dir, sizeof dir, rel);
    snprintf(replay, sizeof replay, "%s/tests/fuzz/%s.replay", SEMSIM_BUILDDIR, name);
    size_t n;
    char **files = list_dir(dir, "", "", &n);
    for (size_t i = 0; i < n; i++) {
        snprintf(file, sizeof file, "%s/%s", dir, files[i]);
        if (replay_one(replay, file)) ++*failed;
    }
    free_list(files, n);
    return n;
}

static void test_replay(void)
{
    char dir[1024], replay[1024];
    size_t nh;
    char **harness = list_dir(test_srcpath(dir, sizeof dir, "tests/fuzz"), "fuzz_", ".c", &nh);
    CU_ASSERT_FATAL(nh >= 3); /* scenario, manifest, trn at least */
    size_t total = 0, failed = 0;
    for (size_t h = 0; h < nh; h++) {
        snprintf(replay, sizeof replay, "%s/tests/fuzz/%s.replay", SEMSIM_BUILDDIR, harness[h]);
        if (access(replay, X_OK) != 0) {
            fprintf(stderr, "  %s: missing (make check builds it: target fuzz-harnesses)\n",
                    replay);
            failed++;
            continue;
        }
        size_t nr = replay_dir("regress", harness[h], &failed);
        size_t nc = replay_dir("corpus", harness[h], &failed);
        printf("  %-10s %3zu regression files, %3zu corpus files\n", harness[h], nr, nc);
        total += nr + nc;
    }
    CU_ASSERT(total > 0);
    CU_ASSERT_EQUAL(failed, 0);
    free_list(harness, nh);
}

/* Each folder under regress/ and corpus/ belongs to a harness (a typo would
 * silently replay nothing). */
static void test_folders_have_harnesses(void)
{
    static const char *kinds[] = {"regress", "corpus"};
    for (size_t k = 0; k < 2; k++) {
        char rel[64], dir[1024], src[1200];
        snprintf(rel, sizeof rel, "tests/fuzz/%s", kinds[k]);
        size_t n;
        char **names = list_dir(test_srcpath(dir, sizeof dir, rel), "", "", &n);
        for (size_t i = 0; i < n; i++) {
            snprintf(src, sizeof src, "%s/../fuzz_%s.c", dir, names[i]);
            if (access(src, R_OK) != 0)
                fprintf(stderr, "  %s/%s: no harness %s\n", dir, names[i], src);
            CU_ASSERT_EQUAL(access(src, R_OK), 0);
        }
        if (k == 1) CU_ASSERT(n >= 3);
        free_list(names, n);
    }
}

int main(void)
{
    static const test_case cases[] = {
        {"every regression and corpus file replays without a crash", test_replay},
        {"every regress/ and corpus/ folder has a harness", test_folders_have_harnesses},
        {NULL, NULL}};
    return test_main("fuzz_regress", cases);
}
