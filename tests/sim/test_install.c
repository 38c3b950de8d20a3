/* test_install.c -- `make install` and the installed semsim, through
 * tests/install.sh: installs with DESTDIR into a temporary folder and uses
 * the installed program from another folder (--version, validate the
 * installed quickstart, run a tiny bits scenario, the data defaults and the
 * models/ fallback coming from the installed $(pkgdatadir)). */
#include "tests/testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>

static void test_installed(void)
{
    char script[600], cmd[2048];
    test_srcpath(script, sizeof script, "tests/install.sh");
    snprintf(cmd, sizeof cmd, "sh %s %s %s > %s/install.out 2>&1", script, SEMSIM_BUILDDIR,
             test_tmpdir(), test_tmpdir());
    int st = system(cmd);
    if (!(WIFEXITED(st) && WEXITSTATUS(st) == 0)) {
        snprintf(cmd, sizeof cmd, "cat %s/install.out >&2", test_tmpdir());
        if (system(cmd)) fprintf(stderr, "  (no output)\n");
    }
    CU_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

int main(void)
{
    static const test_case cases[] = {
        {"make install DESTDIR=, then the installed semsim from elsewhere", test_installed},
        {NULL, NULL},
    };
    return test_main("install", cases);
}
