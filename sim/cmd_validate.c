/* cmd_validate.c -- `semsim validate SCENARIO.ini [--set K=V]... [--sweep K=SPEC]...`
 * checks a scenario without running it (exit 0 when valid), and
 * `semsim validate --list-keys[=markdown]` prints the key registry of
 * sim/keys.c (=markdown: the key tables that tools/gen-scenario-doc.sh puts
 * into docs/scenario.md). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/cmd.h"
#include "sim/cover.h"
#include "sim/run.h"
#include "sim/scenario.h"
#include "sim/sweep.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: semsim validate SCENARIO.ini [--set KEY=VALUE]... [--sweep KEY=SPEC]...\n"
            "       semsim validate --list-keys[=markdown]\n"
            "\n"
            "Checks a scenario (keys, values, includes, files it names, the sweep, and\n"
            "whether this build can run it) without running it, and says how many\n"
            "utterances, voices and distinct lines each point evaluates. Exit 0 when valid;\n"
            "otherwise one line `semsim: FILE:LINE: what is wrong` and exit 1.\n"
            "--list-keys prints every scenario key (markdown: the tables of docs/scenario.md).\n");
}

/* What each point's utterances cover (sim/cover.h), on stdout. */
static base_status write_cover(const sim_scenario *sc, base_err *err)
{
    sim_sweep *sw = sim_sweep_create(sc, err);
    if (!sw) return err->code ? err->code : BASE_EINVAL;
    size_t np = sim_sweep_count(sw);
    sim_config *cfgs = malloc((np + 1) * sizeof *cfgs);
    base_status st = cfgs ? BASE_OK : base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
    for (size_t p = 0; !st && p < np; p++) st = sim_sweep_config(sw, p, &cfgs[p], err);
    if (!st) st = sim_cover_write(cfgs, np, stdout, err);
    free(cfgs);
    sim_sweep_destroy(sw);
    return st;
}

int sim_cmd_validate(int argc, char **argv)
{
    enum { OPT_SET = 256, OPT_SWEEP, OPT_LIST };
    static const struct option longopts[] = {{"set", required_argument, NULL, OPT_SET},
                                             {"sweep", required_argument, NULL, OPT_SWEEP},
                                             {"list-keys", optional_argument, NULL, OPT_LIST},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    char **sets = calloc((size_t)argc + 1, sizeof *sets);
    int *is_sweep = calloc((size_t)argc + 1, sizeof *is_sweep);
    size_t n = 0;
    int c, list = 0, rc = SIM_EXIT_OK;
    const char *list_fmt = NULL;
    sim_scenario *sc = NULL;
    if (!sets || !is_sweep) {
        fprintf(stderr, "semsim: out of memory\n");
        rc = SIM_EXIT_FAIL;
        goto out;
    }
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case OPT_SET:
        case OPT_SWEEP:
            is_sweep[n] = c == OPT_SWEEP;
            sets[n++] = optarg;
            break;
        case OPT_LIST:
            list = 1;
            list_fmt = optarg;
            break;
        case 'h':
            usage(stdout);
            goto out;
        default:
            fprintf(stderr, "semsim validate: unknown or incomplete option '%s'\n",
                    argv[optind - 1]);
            usage(stderr);
            rc = SIM_EXIT_USAGE;
            goto out;
        }
    }
    if (list) {
        if (list_fmt && strcmp(list_fmt, "markdown")) {
            fprintf(stderr, "semsim validate: --list-keys takes no value or =markdown\n");
            rc = SIM_EXIT_USAGE;
        } else if ((list_fmt ? sim_key_write_markdown(stdout) : sim_key_write_list(stdout)) !=
                   BASE_OK) {
            rc = SIM_EXIT_FAIL;
        }
        goto out;
    }
    if (optind != argc - 1) {
        fprintf(stderr, "semsim validate: expected one SCENARIO.ini\n");
        usage(stderr);
        rc = SIM_EXIT_USAGE;
        goto out;
    }
    base_err err = BASE_ERR_INIT;
    size_t points = 0;
    if (!(sc = sim_scenario_load(argv[optind], &err))) goto fail;
    for (size_t i = 0; i < n; i++) {
        int malformed = 0;
        base_status st = sim_scenario_override(sc, sets[i], is_sweep[i], &malformed, &err);
        if (malformed) {
            sim_cmd_fail(&err);
            rc = SIM_EXIT_USAGE;
            goto out;
        }
        if (st != BASE_OK) goto fail;
    }
    if (sim_run_validate(sc, &points, &err) != BASE_OK) goto fail;
    printf("%s: valid (%zu point%s x %s repeat%s)\n", argv[optind], points, points == 1 ? "" : "s",
           sim_scenario_get(sc, "scenario.repeats"),
           strcmp(sim_scenario_get(sc, "scenario.repeats"), "1") ? "s" : "");
    if (write_cover(sc, &err) != BASE_OK) goto fail;
    goto out;
fail:
    rc = sim_cmd_fail(&err);
out:
    sim_scenario_destroy(sc);
    free(sets);
    free(is_sweep);
    return rc;
}
