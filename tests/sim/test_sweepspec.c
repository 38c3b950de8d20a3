/* test_sweepspec.c -- sweep axes and constraints as written (sim/sweepspec):
 * lists and float-safe ranges, their errors, and constraint parsing. */
#include "sim/sweepspec.h"
#include "tests/testutil.h"

#include <stdio.h>
#include <string.h>

/* Expand spec for key and compare the values joined by ' ' (or the error). */
static void expect_expand(const char *key, const char *spec, const char *want, const char *want_err)
{
    char **v = NULL, got[1024] = "";
    size_t n = 0;
    base_err e = BASE_ERR_INIT;
    base_status st = sim_sweepspec_expand(sim_key_find(key), spec, &v, &n, &e);
    if (want_err) {
        if (strcmp(e.msg, want_err)) fprintf(stderr, "\n  got:  %s\n  want: %s\n", e.msg, want_err);
        CU_ASSERT_NOT_EQUAL(st, BASE_OK);
        CU_ASSERT_STRING_EQUAL(e.msg, want_err);
        CU_ASSERT_EQUAL(e.file[0], 0); /* the caller locates it */
        return;
    }
    CU_ASSERT_EQUAL_FATAL(st, BASE_OK);
    for (size_t i = 0; i < n; i++)
        snprintf(got + strlen(got), sizeof got - strlen(got), "%s%s", i ? " " : "", v[i]);
    if (strcmp(got, want)) fprintf(stderr, "\n  got:  %s\n  want: %s\n", got, want);
    CU_ASSERT_STRING_EQUAL(got, want);
    sim_sweepspec_free(v, n);
}

static void test_expand(void)
{
    expect_expand("channel.snr_db", "0:0.1:0.3", "0 0.1 0.2 0.3", NULL);
    expect_expand("channel.snr_db", "10:-5:0", "10 5 0", NULL);
    expect_expand("link.quant_bits", "2:2:8", "2 4 6 8", NULL);
    expect_expand("link.fec", " none , hamming74,conv27", "none hamming74 conv27", NULL);
    expect_expand("channel.snr_db", "1, 2.5", "1 2.5", NULL);
    expect_expand("link.quant_bits", "1:0.5:2", NULL,
                  "bad range '1:0.5:2' for link.quant_bits: values must be integers");
    expect_expand("channel.snr_db", "0:0:1", NULL,
                  "bad range '0:0:1' for channel.snr_db: step must be non-zero and lead from "
                  "start to stop");
    expect_expand("channel.snr_db", "0:1e-6:10", NULL,
                  "range '0:1e-6:10' for channel.snr_db has 10000001 values (max 100000)");
    expect_expand("link.fec", "none,turbo", NULL,
                  "bad value 'turbo' for link.fec: expected one of none|rep3|rep5|hamming74|"
                  "hamming84|hamming128|golay2412|secded2216|secded3932|secded7264|conv27|"
                  "conv27p23|conv27p34");
    expect_expand("link.quant_bits", "8:1:20", NULL,
                  "bad value '17' for link.quant_bits: must be in 1..16");
    expect_expand("link.fec", ",", NULL, "empty sweep list for link.fec");
    /* a control character anywhere in a spec is refused, not skipped as
     * whitespace (issue 15: "-2:1:\r6" was taken as -2:1:6) */
    expect_expand("channel.snr_db", "-2:1:\r6", NULL,
                  "bad value '-2:1:\r6' for channel.snr_db: control character 0x0d at byte 6");
    expect_expand("channel.snr_db", "1,\r2", NULL,
                  "bad value '1,\r2' for channel.snr_db: control character 0x0d at byte 3");
    expect_expand("link.fec", "none,\001conv27", NULL,
                  "bad value 'none,\001conv27' for link.fec: control character 0x01 at byte 6");
    expect_expand("link.fec", "none,\tconv27", "none conv27", NULL); /* tab is whitespace */
    sim_sweepspec_free(NULL, 0);
}

static void test_constraint(void)
{
    sim_constraint c;
    base_err e = BASE_ERR_INIT;
    CU_ASSERT_EQUAL_FATAL(
        sim_sweepspec_constraint(" equalizer.type = none -> anchors.count = 0 ", &c, &e), BASE_OK);
    CU_ASSERT_STRING_EQUAL(c.key, "equalizer.type");
    CU_ASSERT_STRING_EQUAL(c.value, "none");
    CU_ASSERT_EQUAL(c.negate, 0);
    CU_ASSERT_STRING_EQUAL(c.set_key, "anchors.count");
    CU_ASSERT_STRING_EQUAL(c.set_value, "0");
    CU_ASSERT_EQUAL_FATAL(sim_sweepspec_constraint("link.mode!=digital -> skip", &c, &e), BASE_OK);
    CU_ASSERT_STRING_EQUAL(c.key, "link.mode");
    CU_ASSERT_EQUAL(c.negate, 1);
    CU_ASSERT_STRING_EQUAL(c.set_key, "");
    static const char *const bad[][2] = {
        {"link.mode=digital", "bad constraint 'link.mode=digital': expected KEY=VALUE -> KEY=VALUE "
                              "or -> skip"},
        {"link.mode -> skip", "bad constraint 'link.mode -> skip': condition needs KEY=VALUE"},
        {"link.nope=1 -> skip", "unknown key 'link.nope' in constraint"},
        {"link.mode=x -> skip", "bad value 'x' in constraint for link.mode"},
        {"link.mode=analog -> drop", "bad constraint 'link.mode=analog -> drop': action must be "
                                     "KEY=VALUE or skip"},
        {"link.mode=analog -> scenario.repeats=2",
         "scenario.repeats cannot be set by a constraint"},
        {"link.mode=analog -> link.quant_bits=99",
         "bad value '99' in constraint for link.quant_bits"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        base_err_clear(&e);
        CU_ASSERT_NOT_EQUAL(sim_sweepspec_constraint(bad[i][0], &c, &e), BASE_OK);
        if (strcmp(e.msg, bad[i][1]))
            fprintf(stderr, "\n  got:  %s\n  want: %s\n", e.msg, bad[i][1]);
        CU_ASSERT_STRING_EQUAL(e.msg, bad[i][1]);
    }
}

int main(void)
{
    static const test_case cases[] = {
        {"axis specs: lists and float-safe ranges", test_expand},
        {"constraints: set, negate, skip, and bad ones", test_constraint},
        {NULL, NULL},
    };
    return test_main("sweepspec", cases);
}
