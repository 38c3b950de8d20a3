/* testutil.h -- shared CUnit scaffolding for the programs under tests/:
 * the runner, number comparisons, temporary files, and running a command
 * (in process, as a child process, or through the shell).
 *
 * A test program lists its cases in a table and calls test_main:
 *
 *   static const test_case cases[] = {{"name", fn}, ..., {NULL, NULL}};
 *   int main(void) { return test_main("suite", cases); }
 *
 * test_main returns non-zero when any assertion failed (CUnit's own
 * CU_basic_run_tests returns 0 even then). */
#ifndef TESTS_TESTUTIL_H
#define TESTS_TESTUTIL_H

#include <CUnit/CUnit.h>
#include <stddef.h>
#include <sys/types.h>

typedef struct test_case {
    const char *name;
    void (*fn)(void);
} test_case;

int test_main(const char *suite, const test_case *cases);

/* Largest |a[i]-b[i]| over n floats; when it exceeds tol, prints which index,
 * both values and `what`, and fails the current test. Returns the max diff. */
double test_assert_close_f(const float *a, const float *b, size_t n, double tol, const char *what);
#define TEST_ASSERT_CLOSE_F(a, b, n, tol) test_assert_close_f((a), (b), (n), (tol), #a " vs " #b)

/* |a-b| <= tol, printing both on failure. */
#define TEST_ASSERT_NEAR(a, b, tol)                                                                \
    do {                                                                                           \
        double a_ = (a), b_ = (b);                                                                 \
        if (!(fabs(a_ - b_) <= (tol)))                                                             \
            fprintf(stderr, "  %s:%d: %s = %.9g, %s = %.9g, |diff| %.3g > %.3g\n", __FILE__,       \
                    __LINE__, #a, a_, #b, b_, fabs(a_ - b_), (double)(tol));                       \
        CU_ASSERT(fabs(a_ - b_) <= (tol));                                                         \
    } while (0)

/* Path of a file in the source tree (tests/data/..., data/...): $SEMSIM_SRCDIR/rel.
 * Returns a static-per-call-site-free buffer owned by the caller (buf, n). */
const char *test_srcpath(char *buf, size_t n, const char *rel);

/* A fresh temporary directory for this test program (mkdtemp under $TMPDIR). */
const char *test_tmpdir(void);

/* Writes text to test_tmpdir()/name and returns the path (one of 16 buffers
 * used in turn, so a test may hold up to 16 paths at once). */
const char *test_write_file(const char *name, const char *text);

/* Runs fn, a `semsim CMD` entry point, as `name ARGS...` (args NULL-terminated,
 * at most 60), with its stdout captured into out and its stderr into err
 * (NUL-terminated, truncated to outn / errn bytes; NULL discards). Returns
 * fn's exit code. */
int test_run_cmd(int (*fn)(int, char **), const char *name, const char *const *args, char *out,
                 size_t outn, char *err, size_t errn);

/* test_tmpdir()/name into buf (n bytes); returns buf. */
const char *test_tmppath(char *buf, size_t n, const char *name);

/* Writes text to path (the file must open); returns path. */
const char *test_put(const char *path, const char *text);

/* 1 when path exists (stat succeeds). */
int test_exists(const char *path);

/* The whole file at path, malloc'd and NUL-terminated (*len bytes without the
 * NUL; len may be NULL); NULL when it cannot be opened. */
char *test_slurp(const char *path, size_t *len);

/* Runs cmd with /bin/sh (system); its exit status, or 128 + the signal that
 * ended it. */
int test_sh(const char *cmd);

/* test_sh(cmd), then the file `file` (where cmd sent its output) into buf
 * (NUL-terminated, truncated to n bytes; "" when there is none). */
int test_sh_read(const char *cmd, const char *file, char *buf, size_t n);

/* Starts argv (argv[0] a path, NULL-terminated) as a child process in folder
 * dir (NULL: this one), stdin and stdout /dev/null, stderr into the file
 * errpath; fsize > 0 limits the size of files it writes (RLIMIT_FSIZE, with
 * SIGXFSZ ignored, so writes past it fail with EFBIG as on a full disk).
 * The child exits 126 when it cannot set that up, 127 when exec fails.
 * Returns the pid (the fork must succeed). */
pid_t test_spawn(const char *const *argv, const char *dir, const char *errpath, long fsize);

/* Waits for pid at most timeout_s seconds (polling every 10 ms), then
 * SIGKILLs it; returns the raw wait status. */
int test_wait(pid_t pid, double timeout_s);

#endif
