/* fuzz_scenario.c -- libFuzzer harness for scenario files: sim/scenario's
 * loader (base/ini, includes, every key of the registry, [user.NAME],
 * [sweep] axes, zip groups, constraints) and sim/sweep's expansion.
 *
 * Input: the scenario text, optionally followed by a line "%%" and the text
 * of a second file, inc.ini, written next to it (so `include = inc.ini`
 * reaches it; inc.ini may include main.ini back, a cycle). A loaded scenario
 * is expanded, its first points resolved into typed configs, and printed
 * back as text. Errors are expected; crashes, hangs and sanitizer reports
 * are the findings. Seed corpus: tests/fuzz/corpus/scenario/; dictionary:
 * tests/fuzz/scenario.dict. */
#include "tests/fuzz/fuzzutil.h"

#include "sim/scenario.h"
#include "sim/sweep.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char main_path[512], inc_path[512];
    const uint8_t *a, *b;
    size_t na, nb;
    fuzz_split(data, size, "\n%%\n", &a, &na, &b, &nb);
    fuzz_write(fuzz_path(main_path, sizeof main_path, "main.ini"), a, na);
    fuzz_path(inc_path, sizeof inc_path, "inc.ini");
    if (b)
        fuzz_write(inc_path, b, nb);
    else
        unlink(inc_path); /* no stale include from an earlier input */

    base_err err = BASE_ERR_INIT;
    sim_scenario *sc = sim_scenario_load(main_path, &err);
    if (!sc) return 0;
    char *text = sim_scenario_text(sc);
    free(text);
    sim_sweep *sw = sim_sweep_create(sc, &err);
    if (sw) {
        sim_config *cfg = malloc(sizeof *cfg);
        size_t n = sim_sweep_count(sw);
        for (size_t p = 0; cfg && p < n && p < 8; p++)
            if (sim_sweep_config(sw, p, cfg, &err) != BASE_OK) break;
        for (size_t c = 0; c < sim_sweep_cells(sw) && c < 64; c++)
            (void)sim_sweep_cell_point(sw, c);
        free(cfg);
        sim_sweep_destroy(sw);
    }
    sim_scenario_destroy(sc);
    return 0;
}
