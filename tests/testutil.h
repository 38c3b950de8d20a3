/* testutil.h -- shared CUnit scaffolding for the programs under tests/.
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

#endif
