/* test_golden.c -- results must not change by accident: each scenario under
 * tests/golden/ (the quickstart on 6 utterances, every equalizer type, every
 * anchor selection and psi over a digital Rayleigh link, one codec point,
 * ber-awgn) is run with the built ./semsim and its /summary, dumped by
 * tests/golden/dump.py (floats in hex, wall-time and cache-folder columns
 * left out), must equal the committed tests/golden/NAME.summary bit for bit.
 * A change meant to change results rewrites them with tests/golden/update.sh
 * and says so. Scenario paths are kept as given, so the runs start in the
 * source tree. Relative heads are trained afresh into the test's own folder,
 * so a cached head cannot hide a change. */
#include "tests/testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

/* Prints the first differing field of the first differing line. */
static void show_diff(const char *name, const char *want, const char *got)
{
    int line = 1;
    const char *a = want, *b = got;
    while (*a && *a == *b) {
        if (*a == '\n') line++;
        a++, b++;
    }
    const char *fa = a, *fb = b;
    while (fa > want && fa[-1] != ' ' && fa[-1] != '\n') fa--, fb--;
    fprintf(stderr, "%s: row %d differs:\n  golden: %.80s\n  now:    %.80s\n", name, line, fa, fb);
}

static void run_golden(const char *name)
{
    char src[512], ini[700], want_path[700], out[700], dump[700], cmd[4096];
    test_srcpath(src, sizeof src, "tests/golden");
    snprintf(ini, sizeof ini, "tests/golden/%s.ini", name); /* run from the source tree */
    snprintf(want_path, sizeof want_path, "%s/%s.summary", src, name);
    snprintf(out, sizeof out, "%s/%s.h5", test_tmpdir(), name);
    snprintf(dump, sizeof dump, "%s/%s.summary", test_tmpdir(), name);
    snprintf(cmd, sizeof cmd,
             "cd %s/../.. && %s/semsim run %s -o %s --force --quiet -j 2 "
             "--set equalizer.cache=%s/heads && "
             "/usr/bin/python3 %s/dump.py %s > %s",
             src, SEMSIM_BUILDDIR, ini, out, test_tmpdir(), src, out, dump);
    int st = system(cmd);
    CU_ASSERT_FATAL(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    char *want = test_slurp(want_path, NULL), *got = test_slurp(dump, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(want);
    CU_ASSERT_PTR_NOT_NULL_FATAL(got);
    CU_ASSERT(strlen(want) > 0);
    int same = strcmp(want, got) == 0;
    if (!same) show_diff(name, want, got);
    CU_ASSERT(same);
    free(want);
    free(got);
}

static void test_quickstart6(void)
{
    run_golden("quickstart6");
}
static void test_equalizers6(void)
{
    run_golden("equalizers6");
}
static void test_selections6(void)
{
    run_golden("selections6");
}
static void test_codec1(void)
{
    run_golden("codec1");
}
static void test_ber_awgn(void)
{
    run_golden("ber-awgn");
}

int main(void)
{
    static const test_case cases[] = {
        {"quickstart6", test_quickstart6}, {"equalizers6", test_equalizers6},
        {"selections6", test_selections6}, {"codec1", test_codec1},
        {"ber_awgn", test_ber_awgn},       {NULL, NULL}};
    return test_main("golden", cases);
}
