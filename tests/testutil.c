/* testutil.c -- CUnit runner, numeric, file and process helpers for tests/
 * (see testutil.h). */
#include "tests/testutil.h"

#include <CUnit/Basic.h>
#include <fcntl.h>
#include <signal.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

int test_main(const char *suite, const test_case *cases)
{
    if (CU_initialize_registry() != CUE_SUCCESS) return 1;
    CU_pSuite s = CU_add_suite(suite, NULL, NULL);
    if (!s) goto fail;
    for (const test_case *c = cases; c->name; c++)
        if (!CU_add_test(s, c->name, c->fn)) goto fail;
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned failed = CU_get_number_of_tests_failed() + CU_get_number_of_failures();
    unsigned ran = CU_get_number_of_tests_run();
    CU_cleanup_registry();
    if (ran == 0) {
        fprintf(stderr, "%s: no test ran\n", suite);
        return 1;
    }
    return failed ? 1 : 0;
fail:
    fprintf(stderr, "%s: CUnit: %s\n", suite, CU_get_error_msg());
    CU_cleanup_registry();
    return 1;
}

double test_assert_close_f(const float *a, const float *b, size_t n, double tol, const char *what)
{
    double worst = 0;
    size_t at = 0;
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)a[i] - (double)b[i]);
        if (d > worst || isnan(d)) {
            worst = isnan(d) ? INFINITY : d;
            at = i;
        }
    }
    if (worst > tol)
        fprintf(stderr, "  %s: max |diff| %.3g at [%zu] (%.9g vs %.9g) > tol %.3g\n", what, worst,
                at, (double)a[at], (double)b[at], tol);
    CU_ASSERT(worst <= tol);
    return worst;
}

const char *test_srcpath(char *buf, size_t n, const char *rel)
{
    const char *top = getenv("SEMSIM_SRCDIR");
    snprintf(buf, n, "%s/%s", top ? top : SEMSIM_SRCDIR, rel);
    return buf;
}

const char *test_tmpdir(void)
{
    static char dir[512]; /* one per test process, written once */
    if (!dir[0]) {
        const char *t = getenv("TMPDIR");
        snprintf(dir, sizeof dir, "%s/semsim-test-XXXXXX", t ? t : "/tmp");
        if (!mkdtemp(dir)) dir[0] = 0;
    }
    return dir;
}

const char *test_write_file(const char *name, const char *text)
{
    static char paths[16][600];
    static int next;
    char *p = paths[next++ % 16];
    snprintf(p, sizeof paths[0], "%s/%s", test_tmpdir(), name);
    FILE *f = fopen(p, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fputs(text, f);
    fclose(f);
    return p;
}

/* Reads the file at path into buf (n bytes with the NUL); no-op for NULL buf. */
static void read_into(const char *path, char *buf, size_t n)
{
    if (!buf || !n) return;
    FILE *f = fopen(path, "r");
    size_t k = f ? fread(buf, 1, n - 1, f) : 0;
    buf[k] = 0;
    if (f) fclose(f);
}

int test_run_cmd(int (*fn)(int, char **), const char *name, const char *const *args, char *out,
                 size_t outn, char *err, size_t errn)
{
    char *argv[62];
    int argc = 0;
    argv[argc++] = (char *)name;
    while (args[argc - 1] && argc < 61) {
        argv[argc] = (char *)args[argc - 1];
        argc++;
    }
    argv[argc] = NULL;
    char po[600], pe[600];
    snprintf(po, sizeof po, "%s/cmd-stdout.txt", test_tmpdir());
    snprintf(pe, sizeof pe, "%s/cmd-stderr.txt", test_tmpdir());
    fflush(stdout);
    fflush(stderr);
    int so = dup(1), se = dup(2);
    int fo = open(po, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int fe = open(pe, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    CU_ASSERT_FATAL(so >= 0 && se >= 0 && fo >= 0 && fe >= 0);
    dup2(fo, 1);
    dup2(fe, 2);
    close(fo);
    close(fe);
    int rc = fn(argc, argv);
    fflush(stdout);
    fflush(stderr);
    dup2(so, 1);
    dup2(se, 2);
    close(so);
    close(se);
    read_into(po, out, outn);
    read_into(pe, err, errn);
    return rc;
}

const char *test_tmppath(char *buf, size_t n, const char *name)
{
    snprintf(buf, n, "%s/%s", test_tmpdir(), name);
    return buf;
}

const char *test_put(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fputs(text, f);
    fclose(f);
    return path;
}

int test_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

char *test_slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 4096, n = 0, k;
    char *buf = malloc(cap);
    while (buf && (k = fread(buf + n, 1, cap - n - 1, f)) > 0) {
        n += k;
        if (n + 1 == cap) {
            char *b = realloc(buf, cap *= 2);
            if (!b) free(buf);
            buf = b;
        }
    }
    fclose(f);
    if (buf) buf[n] = 0;
    if (len) *len = buf ? n : 0;
    return buf;
}

int test_sh(const char *cmd)
{
    int st = system(cmd);
    if (WIFEXITED(st)) return WEXITSTATUS(st);
    return 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

int test_sh_read(const char *cmd, const char *file, char *buf, size_t n)
{
    int st = test_sh(cmd);
    read_into(file, buf, n);
    return st;
}

pid_t test_spawn(const char *const *argv, const char *dir, const char *errpath, long fsize)
{
    fflush(NULL);
    pid_t pid = fork();
    CU_ASSERT_FATAL(pid >= 0);
    if (pid == 0) {
        int in = open("/dev/null", O_RDONLY), out = open("/dev/null", O_WRONLY),
            er = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (in < 0 || out < 0 || er < 0 || (dir && chdir(dir))) _exit(126);
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

int test_wait(pid_t pid, double timeout_s)
{
    int wst = 0;
    long polls = (long)(timeout_s * 100);
    for (long i = 0; i < polls; i++) {
        if (waitpid(pid, &wst, WNOHANG) == pid) return wst;
        usleep(10000);
    }
    kill(pid, SIGKILL);
    waitpid(pid, &wst, 0);
    return wst;
}
