/* test_plot.c -- tools/semsim-plot on a real results file: a small BER-vs-SNR
 * run of the simulator is plotted and the PNG checked; bad inputs give one
 * line naming the file and exit 1. Needs Debian's python3-h5py and
 * python3-matplotlib for /usr/bin/python3 (tools/setup.sh installs them). */
#include "sim/scenario.h"
#include "tests/fixtures.h"
#include "tests/testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

static char results[600];

static const char scenario_text[] = "[scenario]\nname = plot\nseed = 3\nutterances = 4\n"
                                    "[source]\nkind = bits\nbits = 512\nframe_bits = 256\n"
                                    "[link]\nmode = digital\nmodulation = qpsk\nfec = conv27\n"
                                    "[channel]\nmodel = awgn\n"
                                    "[sweep]\nchannel.snr_db = 0,2,4\n";

/* Runs semsim-plot with args; returns its exit status, stderr into err. */
static int plot(const char *args, char *err, size_t n)
{
    char src[512], cmd[2048], errfile[600];
    snprintf(errfile, sizeof errfile, "%s/plot.err", test_tmpdir());
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 %s %s 2>%s",
             test_srcpath(src, sizeof src, "tools/semsim-plot"), args, errfile);
    return test_sh_read(cmd, errfile, err, n);
}

static void make_results(void)
{
    char ini[600];
    snprintf(ini, sizeof ini, "%s/plot.ini", test_tmpdir());
    snprintf(results, sizeof results, "%s/results.h5", test_tmpdir());
    FILE *f = fopen(ini, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fputs(scenario_text, f);
    fclose(f);
    base_err e = BASE_ERR_INIT;
    sim_scenario *sc = sim_scenario_load(ini, &e);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sc);
    test_run_scenario(sc, results, 1);
    sim_scenario_destroy(sc);
}

static void test_png(void)
{
    make_results();
    static const char *const cases[] = {
        "--x channel.snr_db --y ber",              /* log y, one line */
        "--preset ber --by link.fec",              /* preset with a grouping column */
        "--x channel.snr_db --y sym_per_s --logy", /* any metric column */
        "--x ber --y wer --scatter",               /* points only */
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char png[700], args[1600], err[2048];
        snprintf(png, sizeof png, "%s/fig%zu.png", test_tmpdir(), i);
        snprintf(args, sizeof args, "%s %s -o %s", results, cases[i], png);
        int rc = plot(args, err, sizeof err);
        if (rc) fprintf(stderr, "  semsim-plot %s: exit %d: %s\n", cases[i], rc, err);
        CU_ASSERT_EQUAL(rc, 0);
        FILE *f = fopen(png, "rb");
        CU_ASSERT_PTR_NOT_NULL_FATAL(f);
        unsigned char sig[8] = {0};
        CU_ASSERT_EQUAL(fread(sig, 1, 8, f), 8);
        fclose(f);
        CU_ASSERT(memcmp(sig, "\x89PNG\r\n\x1a\n", 8) == 0);
        struct stat sb;
        CU_ASSERT(stat(png, &sb) == 0 && sb.st_size > 10000); /* axes, labels, a line */
    }
}

static void test_bad_input(void)
{
    char args[1600], err[2048], junk[600];
    snprintf(args, sizeof args, "%s --x nosuch.key --y ber -o %s/x.png", results, test_tmpdir());
    CU_ASSERT_EQUAL(plot(args, err, sizeof err), 1);
    CU_ASSERT(strstr(err, "no column 'nosuch.key'") != NULL);
    CU_ASSERT(strstr(err, results) != NULL);

    snprintf(junk, sizeof junk, "%s/junk.h5", test_tmpdir());
    FILE *f = fopen(junk, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fputs("not hdf5\n", f);
    fclose(f);
    snprintf(args, sizeof args, "%s --x channel.snr_db --y ber -o %s/y.png", junk, test_tmpdir());
    CU_ASSERT_EQUAL(plot(args, err, sizeof err), 1);
    CU_ASSERT(strstr(err, junk) != NULL);
    CU_ASSERT(strchr(err, '\n') == strrchr(err, '\n')); /* one line */

    snprintf(args, sizeof args, "%s --y ber -o %s/z.png", results, test_tmpdir());
    CU_ASSERT_EQUAL(plot(args, err, sizeof err), 2); /* usage: no --x and no preset */
}

int main(void)
{
    static const test_case cases[] = {
        {"plots a simulator results file to PNG", test_png},
        {"bad input", test_bad_input},
        {NULL, NULL},
    };
    return test_main("plot", cases);
}
