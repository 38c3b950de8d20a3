/* test_datadir.c -- sim/datadir: the build tree's data folder and TTS cache
 * (what the tests and ./semsim see), SEMSIM_DATADIR replacing the data
 * folder, the fallback of missing relative paths to the data folder (with
 * and without leading ../), and sim/scenario using both for a scenario kept
 * outside the source tree. The installed mode is tested by test_install. */
#include "sim/datadir.h"
#include "sim/scenario.h"
#include "tests/testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void test_build_tree(void)
{
    sim_datadir d;
    unsetenv("SEMSIM_DATADIR");
    sim_datadir_find(&d);
    CU_ASSERT_EQUAL(d.installed, 0);
    CU_ASSERT_STRING_EQUAL(d.data, SEMSIM_SRCDIR);
    CU_ASSERT_STRING_EQUAL(d.tts_cache, SEMSIM_BUILDDIR "/cache/tts");
    setenv("SEMSIM_DATADIR", "/some/where", 1);
    sim_datadir_find(&d);
    CU_ASSERT_STRING_EQUAL(d.data, "/some/where");
    CU_ASSERT_STRING_EQUAL(d.tts_cache, SEMSIM_BUILDDIR "/cache/tts"); /* the mode's */
    setenv("SEMSIM_DATADIR", "", 1);                                   /* empty: ignored */
    sim_datadir_find(&d);
    CU_ASSERT_STRING_EQUAL(d.data, SEMSIM_SRCDIR);
    unsetenv("SEMSIM_DATADIR");
}

static void test_fallback(void)
{
    sim_datadir d;
    sim_datadir_find(&d);
    char out[4096], want[4096];
    snprintf(want, sizeof want, "%s/models/A.h5", SEMSIM_SRCDIR);
    CU_ASSERT_EQUAL(sim_datadir_fallback(&d, "models/A.h5", out, sizeof out), 1);
    CU_ASSERT_STRING_EQUAL(out, want);
    strcpy(out, "untouched");
    CU_ASSERT_EQUAL(sim_datadir_fallback(&d, "../../models/A.h5", out, sizeof out), 1);
    CU_ASSERT_STRING_EQUAL(out, want);
    strcpy(out, "untouched");
    CU_ASSERT_EQUAL(sim_datadir_fallback(&d, "models/nope.h5", out, sizeof out), 0);
    CU_ASSERT_EQUAL(sim_datadir_fallback(&d, "/models/A.h5", out, sizeof out), 0);
    CU_ASSERT_EQUAL(sim_datadir_fallback(&d, "", out, sizeof out), 0);
    CU_ASSERT_EQUAL(sim_datadir_fallback(&d, "../", out, sizeof out), 0);
    CU_ASSERT_EQUAL(sim_datadir_fallback(&d, "models/A.h5", out, 8), 0); /* does not fit */
    CU_ASSERT_STRING_EQUAL(out, "untouched");
    CU_ASSERT_EQUAL(sim_datadir_path(&d, "data/harvard.txt", out, sizeof out), 0);
    snprintf(want, sizeof want, "%s/data/harvard.txt", SEMSIM_SRCDIR);
    CU_ASSERT_STRING_EQUAL(out, want);
    CU_ASSERT_EQUAL(sim_datadir_path(&d, "data/harvard.txt", out, 8), -1);
    CU_ASSERT_STRING_EQUAL(out, "");
}

/* A scenario outside the source tree: models/ found in the data folder, a
 * file beside the scenario preferred to the data folder's, outputs never
 * redirected, relative defaults in the data folder. */
static void test_scenario_lookup(void)
{
    char dir[600], ini[700], voices[700], want[4096];
    snprintf(dir, sizeof dir, "%s/lookup", test_tmpdir());
    snprintf(ini, sizeof ini, "%s/s.ini", dir);
    snprintf(voices, sizeof voices, "%s/data", dir);
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "mkdir -p %s/data %s/models", dir, dir);
    CU_ASSERT_FATAL(system(cmd) == 0);
    FILE *f = fopen(ini, "w");
    CU_ASSERT_FATAL(f != NULL);
    fputs("[source]\nkind = semantic\nvoices = data/voices-train.txt\n"
          "[tx]\nmodel = models/A.h5\n[rx]\nmodel = ../../models/B.h5\n"
          "[equalizer]\ncache = scenarios\n",
          f);
    fclose(f);
    snprintf(voices, sizeof voices, "%s/data/voices-train.txt", dir);
    f = fopen(voices, "w"); /* beside the scenario: wins over the data folder's */
    CU_ASSERT_FATAL(f != NULL);
    fputs("espeak-ng en-us\n", f);
    fclose(f);
    base_err err = {0};
    sim_scenario *sc = sim_scenario_load(ini, &err);
    if (!sc) fprintf(stderr, "  %s\n", err.msg);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sc);
    sim_config *cfg = calloc(1, sizeof *cfg);
    CU_ASSERT_FATAL(cfg != NULL);
    CU_ASSERT_EQUAL_FATAL(sim_scenario_resolve(sc, NULL, NULL, 0, cfg, &err), BASE_OK);
    snprintf(want, sizeof want, "%s/models/A.h5", SEMSIM_SRCDIR);
    CU_ASSERT_STRING_EQUAL(cfg->user[0].tx.model, want);
    snprintf(want, sizeof want, "%s/models/B.h5", SEMSIM_SRCDIR);
    CU_ASSERT_STRING_EQUAL(cfg->user[0].rx.model, want);
    CU_ASSERT_STRING_EQUAL(cfg->source.voices, voices);
    snprintf(want, sizeof want, "%s/scenarios", dir); /* an output: never redirected */
    CU_ASSERT_STRING_EQUAL(cfg->equalizer.cache, want);
    snprintf(want, sizeof want, "%s/data/harvard.txt", SEMSIM_SRCDIR); /* a default */
    CU_ASSERT_STRING_EQUAL(cfg->source.text, want);
    free(cfg);
    sim_scenario_destroy(sc);
}

int main(void)
{
    static const test_case cases[] = {
        {"build tree: source data, build cache, SEMSIM_DATADIR", test_build_tree},
        {"missing relative paths fall back to the data folder", test_fallback},
        {"scenario paths: beside the scenario, then the data folder", test_scenario_lookup},
        {NULL, NULL},
    };
    return test_main("datadir", cases);
}
