/* test_sweep.c -- sweep expansion (sim/sweep): cartesian counts, float-safe
 * ranges, zipped axes, constraints with de-duplication, repeats' seeds and
 * the --dry-run listing. */
#include "sim/sweep.h"
#include "tests/fixtures.h"
#include "tests/testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static sim_scenario *load_text(const char *name, const char *text)
{
    base_err e = BASE_ERR_INIT;
    return test_load_scenario(test_tmpdir(), name, text, &e);
}

static void test_no_sweep(void)
{
    sim_scenario *sc = sim_scenario_create(NULL);
    sim_sweep *sw = sim_sweep_create(sc, NULL);
    CU_ASSERT_FATAL(sw != NULL);
    CU_ASSERT_EQUAL(sim_sweep_count(sw), 1);
    CU_ASSERT_EQUAL(sim_sweep_nkeys(sw), 0);
    CU_ASSERT_EQUAL(sim_sweep_cells(sw), 1);
    CU_ASSERT_EQUAL(sim_sweep_cell_point(sw, 0), 0);
    sim_sweep_destroy(sw);
    sim_scenario_destroy(sc);
}

/* Ranges: counts and exact values, including steps that are not exact in binary. */
static void test_ranges(void)
{
    static const struct {
        const char *spec;
        size_t n;
        const char *last;
    } cases[] = {
        {"0:2:10", 6, "10"},   {"0:0.1:1", 11, "1"}, {"-5:2.5:5", 5, "5"},
        {"1:0.3:2", 4, "1.9"}, {"10:-1:7", 4, "7"},  {"0.1:0.1:0.3", 3, "0.3"},
        {"3", 1, "3"},         {"1,2.5, 4", 3, "4"}, {"0:0.05:0.2", 5, "0.2"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        sim_scenario *sc = sim_scenario_create(NULL);
        base_err e = BASE_ERR_INIT;
        CU_ASSERT_EQUAL_FATAL(
            sim_scenario_sweep(sc, "channel.snr_db", cases[i].spec, "--sweep", 0, &e), BASE_OK);
        size_t n = sim_scenario_axis_len(sc, 0);
        const char *last = sim_scenario_axis_value(sc, 0, n - 1);
        if (n != cases[i].n || strcmp(last, cases[i].last))
            fprintf(stderr, "  %s: %zu values, last %s\n", cases[i].spec, n, last);
        CU_ASSERT_EQUAL(n, cases[i].n);
        CU_ASSERT_STRING_EQUAL(last, cases[i].last);
        sim_scenario_destroy(sc);
    }
    /* integer keys refuse fractional steps; zero steps are refused */
    sim_scenario *sc = sim_scenario_create(NULL);
    base_err e = BASE_ERR_INIT;
    CU_ASSERT_EQUAL(sim_scenario_sweep(sc, "anchors.count", "8:8:32", "--sweep", 0, &e), BASE_OK);
    CU_ASSERT_EQUAL(sim_scenario_axis_len(sc, 0), 4);
    CU_ASSERT_NOT_EQUAL(sim_scenario_sweep(sc, "anchors.count", "1:0.5:2", "--sweep", 0, &e),
                        BASE_OK);
    CU_ASSERT_NOT_EQUAL(sim_scenario_sweep(sc, "channel.snr_db", "1:0:2", "--sweep", 0, &e),
                        BASE_OK);
    CU_ASSERT_NOT_EQUAL(sim_scenario_sweep(sc, "channel.nope", "1,2", "--sweep", 0, &e), BASE_OK);
    CU_ASSERT_NOT_EQUAL(sim_scenario_sweep(sc, "link.fec", "none,turbo", "--sweep", 0, &e),
                        BASE_OK);
    /* a list value for a string key may contain ':' */
    CU_ASSERT_EQUAL(sim_scenario_sweep(sc, "scenario.name", "a:b,c", "--sweep", 0, &e), BASE_OK);
    sim_scenario_destroy(sc);
}

static void test_cartesian_and_zip(void)
{
    sim_scenario *sc = load_text("cz.ini", "[sweep]\n"
                                           "channel.snr_db = 0:5:10\n"
                                           "link.modulation = bpsk,qpsk,16qam\n"
                                           "link.fec = none,hamming74,golay2412\n"
                                           "anchors.count = 8,16\n"
                                           "zip = link.modulation, link.fec\n");
    CU_ASSERT_FATAL(sc != NULL);
    sim_sweep *sw = sim_sweep_create(sc, NULL);
    CU_ASSERT_FATAL(sw != NULL);
    CU_ASSERT_EQUAL(sim_sweep_ndims(sw), 3); /* snr, (modulation+fec), anchors */
    CU_ASSERT_EQUAL(sim_sweep_count(sw), 3 * 3 * 2);
    CU_ASSERT_EQUAL(sim_sweep_cells(sw), 18);
    size_t axes[4];
    CU_ASSERT_EQUAL(sim_sweep_dim_axes(sw, 1, axes, 4), 2);
    /* first axis slowest, zipped axes together */
    const char *const *keys = sim_sweep_keys(sw);
    CU_ASSERT_STRING_EQUAL(keys[0], "channel.snr_db");
    const char *const *v = sim_sweep_values(sw, 5); /* snr 0, (16qam, golay), 16 */
    CU_ASSERT_STRING_EQUAL(v[0], "0");
    CU_ASSERT_STRING_EQUAL(v[1], "16qam");
    CU_ASSERT_STRING_EQUAL(v[2], "golay2412");
    CU_ASSERT_STRING_EQUAL(v[3], "16");
    v = sim_sweep_values(sw, 17);
    CU_ASSERT_STRING_EQUAL(v[0], "10");
    sim_config *cfg = malloc(sizeof *cfg);
    CU_ASSERT_EQUAL(sim_sweep_config(sw, 17, cfg, NULL), BASE_OK);
    TEST_ASSERT_NEAR(cfg->user[0].channel.snr_db, 10, 0);
    CU_ASSERT_EQUAL(cfg->anchors.count, 16);
    free(cfg);
    sim_sweep_destroy(sw);
    /* --sweep replaces an axis: now zip lengths differ */
    CU_ASSERT_EQUAL(sim_scenario_sweep(sc, "link.fec", "none,rep3", "--sweep", 0, NULL), BASE_OK);
    base_err e = BASE_ERR_INIT;
    sw = sim_sweep_create(sc, &e);
    CU_ASSERT(sw == NULL);
    CU_ASSERT(strstr(e.msg, "different lengths") != NULL);
    sim_scenario_destroy(sc);
}

static void test_constraints(void)
{
    sim_scenario *sc =
        load_text("cons.ini", "[scenario]\nrepeats = 2\n"
                              "[sweep]\n"
                              "equalizer.type = none,relative,ridge\n"
                              "anchors.count = 16,32\n"
                              "channel.snr_db = 0,10\n"
                              "constraint = equalizer.type=none -> anchors.count=0\n"
                              "constraint = equalizer.type=ridge -> skip\n"
                              "constraint = equalizer.type!=none -> link.mode=analog\n");
    CU_ASSERT_FATAL(sc != NULL);
    sim_sweep *sw = sim_sweep_create(sc, NULL);
    CU_ASSERT_FATAL(sw != NULL);
    /* 12 cells: 4 none (merge to 2), 4 relative, 4 ridge skipped */
    CU_ASSERT_EQUAL(sim_sweep_cells(sw), 12);
    CU_ASSERT_EQUAL(sim_sweep_count(sw), 6);
    CU_ASSERT_EQUAL(sim_sweep_nkeys(sw), 4); /* three axes + link.mode */
    CU_ASSERT_EQUAL(sim_sweep_cell_point(sw, 0), 0);
    CU_ASSERT_EQUAL(sim_sweep_cell_point(sw, 2), 0); /* none,32,0 -> none,0,0 */
    CU_ASSERT_EQUAL(sim_sweep_cell_point(sw, 3), 1);
    CU_ASSERT_EQUAL(sim_sweep_cell_point(sw, 11), -1);
    const char *const *v = sim_sweep_values(sw, 0);
    CU_ASSERT_STRING_EQUAL(v[1], "0");
    CU_ASSERT_STRING_EQUAL(v[3], "digital");
    v = sim_sweep_values(sw, 2);
    CU_ASSERT_STRING_EQUAL(v[0], "relative");
    CU_ASSERT_STRING_EQUAL(v[3], "analog");
    /* dry-run list: header + points x repeats */
    char path[600];
    snprintf(path, sizeof path, "%s/list.txt", test_tmpdir());
    FILE *f = fopen(path, "w+");
    CU_ASSERT_EQUAL(sim_sweep_write_list(sw, f, NULL), BASE_OK);
    rewind(f);
    char line[512];
    int lines = 0, found = 0;
    while (fgets(line, sizeof line, f)) {
        lines++;
        if (strstr(line, "relative 16 10 analog")) found++;
    }
    fclose(f);
    CU_ASSERT_EQUAL(lines, 1 + 6 * 2);
    CU_ASSERT_EQUAL(found, 2); /* one per repeat */
    sim_sweep_destroy(sw);
    sim_scenario_destroy(sc);
}

static void test_seeds(void)
{
    CU_ASSERT_EQUAL(sim_sweep_seed(42, 0), 42);
    uint64_t a = sim_sweep_seed(42, 1), b = sim_sweep_seed(42, 2), c = sim_sweep_seed(43, 1);
    CU_ASSERT(a != 42 && a != b && a != c);
    CU_ASSERT(a < (1ull << 63));
    CU_ASSERT_EQUAL(sim_sweep_seed(42, 1), a);
}

int main(void)
{
    static const test_case cases[] = {
        {"no sweep is one point", test_no_sweep},
        {"ranges and lists", test_ranges},
        {"cartesian product and zip", test_cartesian_and_zip},
        {"constraints, merge, dry-run list", test_constraints},
        {"repeat seeds", test_seeds},
        {NULL, NULL},
    };
    return test_main("sweep", cases);
}
