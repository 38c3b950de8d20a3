/* test_scenario.c -- scenario files (sim/scenario): a good file
 * with includes, users and a sweep, and bad files whose errors must name the
 * exact file:line. */
#include "sim/scenario.h"
#include "tests/testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Load text as NAME and expect failure with message "NAME:LINE: want". */
static void expect_error(const char *name, const char *text, int line, const char *want)
{
    const char *path = test_write_file(name, text);
    base_err e = BASE_ERR_INIT;
    sim_scenario *sc = sim_scenario_load(path, &e);
    CU_ASSERT(sc == NULL);
    sim_scenario_destroy(sc);
    char got[1024], expect[1024];
    base_err_format(&e, got, sizeof got);
    if (line)
        snprintf(expect, sizeof expect, "%s:%d: %s", path, line, want);
    else
        snprintf(expect, sizeof expect, "%s: %s", path, want);
    if (strcmp(got, expect)) fprintf(stderr, "\n  got:  %s\n  want: %s\n", got, expect);
    CU_ASSERT_STRING_EQUAL(got, expect);
}

static void test_good_file(void)
{
    test_write_file("base.ini", "; shared settings\n"
                                "[channel]\n"
                                "model = rayleigh\n"
                                "snr_db = 3\n"
                                "[source]\n"
                                "manifest = data/m.tsv\n");
    const char *path = test_write_file("good.ini", "include = base.ini\n"
                                                   "[scenario]\n"
                                                   "seed = 7   ; inline comment\n"
                                                   "utterances = 20\n"
                                                   "[source]\n"
                                                   "kind = bits\n"
                                                   "[channel]\n"
                                                   "snr_db = 5\n"
                                                   "[user.alice]\n"
                                                   "channel.snr_db = 12\n"
                                                   "[user.bob]\n"
                                                   "link.modulation = 16qam\n"
                                                   "[sweep]\n"
                                                   "channel.k_factor_db = 0:0.1:0.3\n"
                                                   "link.fec = none,hamming74\n");
    base_err e = BASE_ERR_INIT;
    sim_scenario *sc = sim_scenario_load(path, &e);
    if (!sc) fprintf(stderr, "  %s:%d: %s\n", e.file, e.line, e.msg);
    CU_ASSERT_FATAL(sc != NULL);
    CU_ASSERT_STRING_EQUAL(sim_scenario_get(sc, "scenario.seed"), "7");
    CU_ASSERT_STRING_EQUAL(sim_scenario_get(sc, "channel.snr_db"), "5"); /* overrides include */
    CU_ASSERT_STRING_EQUAL(sim_scenario_get(sc, "channel.model"), "rayleigh");
    CU_ASSERT_STRING_EQUAL(sim_scenario_get(sc, "link.mode"), "digital"); /* default */
    CU_ASSERT(sim_scenario_is_set(sc, "channel.model"));
    CU_ASSERT(!sim_scenario_is_set(sc, "link.mode"));
    const char *file;
    int line;
    sim_scenario_where(sc, "channel.model", &file, &line);
    CU_ASSERT(strstr(file, "base.ini") != NULL);
    CU_ASSERT_EQUAL(line, 3);
    /* the manifest path is relative to base.ini's folder */
    char want[600];
    snprintf(want, sizeof want, "%s/data/m.tsv", test_tmpdir());
    CU_ASSERT_STRING_EQUAL(sim_scenario_get(sc, "source.manifest"), want);
    CU_ASSERT_EQUAL(sim_scenario_user_count(sc), 2);
    CU_ASSERT_STRING_EQUAL(sim_scenario_user_name(sc, 1), "bob");
    CU_ASSERT_EQUAL(sim_scenario_axis_count(sc), 2);
    CU_ASSERT_EQUAL(sim_scenario_axis_len(sc, 0), 4);
    CU_ASSERT_STRING_EQUAL(sim_scenario_axis_value(sc, 0, 3), "0.3"); /* not 0.30000000000000004 */

    sim_config *cfg = malloc(sizeof *cfg);
    const char *keys[] = {"channel.k_factor_db"}, *vals[] = {"0.2"};
    CU_ASSERT_EQUAL_FATAL(sim_scenario_resolve(sc, keys, vals, 1, cfg, &e), BASE_OK);
    CU_ASSERT_EQUAL(cfg->scenario.seed, 7);
    CU_ASSERT_EQUAL(cfg->scenario.utterances, 20);
    CU_ASSERT_STRING_EQUAL(cfg->source.kind, "bits");
    CU_ASSERT_EQUAL(cfg->n_users, 2);
    TEST_ASSERT_NEAR(cfg->user[0].channel.snr_db, 12, 0);
    TEST_ASSERT_NEAR(cfg->user[1].channel.snr_db, 5, 0);
    TEST_ASSERT_NEAR(cfg->user[1].channel.k_factor_db, 0.2, 0);
    CU_ASSERT_STRING_EQUAL(cfg->user[0].link.modulation, "qpsk");
    CU_ASSERT_STRING_EQUAL(cfg->user[1].link.modulation, "16qam");
    CU_ASSERT_EQUAL(cfg->output.utterances, 1);
    free(cfg);

    /* --set overrides and removes a swept key from the sweep */
    CU_ASSERT_EQUAL(sim_scenario_set(sc, "link.fec", "golay2412", "--set", 0, &e), BASE_OK);
    CU_ASSERT_EQUAL(sim_scenario_axis_count(sc), 1);
    CU_ASSERT_EQUAL(sim_scenario_set(sc, "user.bob.channel.snr_db", "1", "--set", 0, &e), BASE_OK);
    CU_ASSERT_EQUAL(sim_scenario_set(sc, "user.carol.channel.snr_db", "1", "--set", 0, &e),
                    BASE_ENOTFOUND);
    CU_ASSERT_EQUAL(sim_scenario_set(sc, "channel.snr", "1", "--set", 0, &e), BASE_ENOTFOUND);
    CU_ASSERT_EQUAL(sim_scenario_set(sc, "channel.snr_db", "x", "--set", 0, &e), BASE_EINVAL);
    const char *set[64];
    size_t nset = sim_scenario_set_keys(sc, set, 64);
    int has_snr = 0, has_k = 0;
    for (size_t i = 0; i < nset; i++) {
        has_snr |= !strcmp(set[i], "channel.snr_db");
        has_k |= !strcmp(set[i], "channel.k_factor_db");
    }
    CU_ASSERT(has_snr && has_k);
    char *text = sim_scenario_text(sc);
    CU_ASSERT_FATAL(text != NULL);
    CU_ASSERT(strstr(text, "[user.bob]\nlink.modulation = 16qam\nchannel.snr_db = 1\n") != NULL ||
              strstr(text, "[user.bob]\nchannel.snr_db = 1\nlink.modulation = 16qam\n") != NULL);
    CU_ASSERT(strstr(text, "channel.k_factor_db = 0,0.1,0.2,0.3") != NULL);
    CU_ASSERT(strstr(text, "fec = golay2412\n") != NULL);
    free(text);
    sim_scenario_destroy(sc);
    sim_scenario_destroy(NULL);
}

static void test_unknown_section(void)
{
    expect_error("s1.ini", "[scenario]\nseed = 1\n\n[chanel]\nsnr_db = 3\n", 4,
                 "unknown section [chanel]");
}
static void test_unknown_key(void)
{
    expect_error("s2.ini", "[channel]\nmodel = awgn\nsnr = 3\n", 3,
                 "unknown key 'snr' in [channel]");
}
static void test_bad_value(void)
{
    expect_error("s3.ini", "[channel]\nsnr_db = 3\n[link]\nmodulation = qpsk\nfec = turbo\n", 5,
                 "bad value 'turbo' for link.fec: expected one of none|rep3|rep5|hamming74|"
                 "hamming84|hamming128|golay2412|secded2216|secded3932|secded7264|conv27|conv27p23|"
                 "conv27p34");
    expect_error("s4.ini", "[scenario]\nutterances = -4\n", 2,
                 "bad value '-4' for scenario.utterances: must be in 1..1000000");
    expect_error("s5.ini", "[sweep]\nchannel.snr_db = 0:1:x\n", 2,
                 "bad range '0:1:x' for channel.snr_db: expected start:step:stop");
    expect_error("s6.ini", "[sweep]\nchannel.snr_db = 10:1:0\n", 2,
                 "bad range '10:1:0' for channel.snr_db: step must be non-zero and lead from "
                 "start to stop");
    expect_error("s7.ini", "[user.a]\nscenario.seed = 3\n", 2,
                 "scenario.seed cannot be set per user in [user.a]");
}
static void test_missing_include(void)
{
    const char *path = test_write_file("s8.ini", "[scenario]\nseed = 2\ninclude = nothere.ini\n");
    base_err e = BASE_ERR_INIT;
    CU_ASSERT(sim_scenario_load(path, &e) == NULL);
    char got[1024], want[1024];
    base_err_format(&e, got, sizeof got);
    snprintf(want, sizeof want,
             "%s:3: cannot open include '%s/nothere.ini': No such file or directory", path,
             test_tmpdir());
    CU_ASSERT_STRING_EQUAL(got, want);
    /* and a missing top-level file */
    CU_ASSERT(sim_scenario_load("/nonexistent/x.ini", &e) == NULL);
    base_err_format(&e, got, sizeof got);
    CU_ASSERT_STRING_EQUAL(got, "/nonexistent/x.ini: cannot open: No such file or directory");
}
static void test_include_cycle(void)
{
    test_write_file("cyc_b.ini", "[channel]\nsnr_db = 1\ninclude = cyc_a.ini\n");
    const char *b = test_write_file("cyc_b.ini", "[channel]\nsnr_db = 1\ninclude = cyc_a.ini\n");
    test_write_file("cyc_a.ini", "; a\ninclude = cyc_b.ini\n");
    char want[1024];
    snprintf(want, sizeof want, "include cycle: '%s/cyc_a.ini' includes itself", test_tmpdir());
    base_err e = BASE_ERR_INIT;
    char a_path[600];
    snprintf(a_path, sizeof a_path, "%s/cyc_a.ini", test_tmpdir());
    CU_ASSERT(sim_scenario_load(a_path, &e) == NULL);
    CU_ASSERT_STRING_EQUAL(e.file, b);
    CU_ASSERT_EQUAL(e.line, 3);
    CU_ASSERT_STRING_EQUAL(e.msg, want);
}
static void test_syntax_and_misc(void)
{
    expect_error("s9.ini", "[channel]\nsnr_db = 2\nthis line has no equals\n", 3,
                 "syntax error: expected [section], key = value or a comment");
    expect_error("s14.ini", "[scenario\nseed = 2\n", 1, "syntax error: section header without ']'");
    expect_error("s10.ini", "seed = 2\n", 1, "key 'seed' outside a section (only include may be)");
    expect_error("s11.ini", "[sweep]\nchannel.snr_db = 0,1\nzip = channel.snr_db, link.fec\n", 3,
                 "zip: 'link.fec' is not a sweep axis defined above");
    expect_error("s12.ini", "[sweep]\nconstraint = equalizer.type=none anchors.count=0\n", 2,
                 "bad constraint 'equalizer.type=none anchors.count=0': expected KEY=VALUE -> "
                 "KEY=VALUE or -> skip");
    expect_error("s13.ini", "[sweep]\nscenario.repeats = 1,2\n", 2,
                 "scenario.repeats cannot be swept");
    char users[2048] = "";
    for (int u = 0; u <= 16; u++)
        snprintf(users + strlen(users), sizeof users - strlen(users), "[user.u%d]\n", u);
    expect_error("s15.ini", users, 17, "too many users (max 16)");
    expect_error("s16.ini", "[user.a]\nchannel.nope = 1\n", 2,
                 "unknown key 'channel.nope' in [user.a]");
    expect_error("s17.ini", "[sweep]\nnope.key = 1,2\n", 2, "unknown key 'nope.key' in [sweep]");
    expect_error("s18.ini", "[sweep]\nconstraint = link.fec=turbo -> skip\n", 2,
                 "bad value 'turbo' in constraint for link.fec");
}

/* An error inside an included file names that file, not the includer. */
static void test_error_in_include(void)
{
    test_write_file("inc_bad.ini", "[channel]\nsnr_db = 1\nmodel = awgn\nfading = yes\n");
    const char *path = test_write_file("s19.ini", "[scenario]\nseed = 2\ninclude = inc_bad.ini\n");
    base_err e = BASE_ERR_INIT;
    CU_ASSERT(sim_scenario_load(path, &e) == NULL);
    char got[1024], want[1024];
    base_err_format(&e, got, sizeof got);
    snprintf(want, sizeof want, "%s/inc_bad.ini:4: unknown key 'fading' in [channel]",
             test_tmpdir());
    CU_ASSERT_STRING_EQUAL(got, want);
}

int main(void)
{
    static const test_case cases[] = {
        {"good file: include, users, sweep, resolve", test_good_file},
        {"unknown section names file:line", test_unknown_section},
        {"unknown key names file:line", test_unknown_key},
        {"bad values name file:line", test_bad_value},
        {"missing include", test_missing_include},
        {"include cycle", test_include_cycle},
        {"syntax errors and sweep errors", test_syntax_and_misc},
        {"an error inside an include names the included file", test_error_in_include},
        {NULL, NULL},
    };
    return test_main("scenario", cases);
}
