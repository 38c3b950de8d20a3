/* cmd_run.c -- `semsim run SCENARIO.ini [-o OUT.h5] [--set KEY=VALUE]...
 * [--sweep KEY=SPEC]... [-j N] [--resume] [--force] [--dry-run] [--quiet]
 * [--trn DIR]`: parses options, applies --set/--sweep to the scenario in
 * command-line order, and hands it to sim/run.c. See docs/cli.md. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim/cmd.h"
#include "sim/run.h"
#include "sim/scenario.h"

static void usage(FILE *out)
{
    fprintf(
        out,
        "usage: semsim run SCENARIO.ini [-o OUT.h5] [--set KEY=VALUE]... [--sweep KEY=SPEC]...\n"
        "                  [-j N] [--resume] [--force] [--dry-run] [--quiet] [--trn DIR]\n"
        "\n"
        "Runs every sweep point x repeat of the scenario and writes the results to OUT.h5\n"
        "(default results.h5; written as OUT.h5.partial and renamed when complete).\n"
        "\n"
        "  -o, --output OUT.h5   results file\n"
        "  --set KEY=VALUE       override a scenario key (e.g. channel.snr_db=5)\n"
        "  --sweep KEY=SPEC      sweep a key: a list a,b,c or a range start:step:stop\n"
        "  -j, --jobs N          worker threads (results are identical for every N)\n"
        "  --resume              keep the points an interrupted run finished\n"
        "  --force               overwrite an existing OUT.h5\n"
        "  --dry-run             list the points and exit\n"
        "  --quiet               no progress bar and no summary table\n"
        "  --trn DIR             write sclite trn files per point into DIR\n"
        "  -h, --help            this help\n"
        "\nKeys: docs/scenario.md, or `semsim validate --list-keys`.\n");
}

int sim_cmd_run(int argc, char **argv)
{
    enum { OPT_SET = 256, OPT_SWEEP, OPT_RESUME, OPT_FORCE, OPT_DRY, OPT_QUIET, OPT_TRN };
    static const struct option longopts[] = {{"output", required_argument, NULL, 'o'},
                                             {"set", required_argument, NULL, OPT_SET},
                                             {"sweep", required_argument, NULL, OPT_SWEEP},
                                             {"jobs", required_argument, NULL, 'j'},
                                             {"resume", no_argument, NULL, OPT_RESUME},
                                             {"force", no_argument, NULL, OPT_FORCE},
                                             {"dry-run", no_argument, NULL, OPT_DRY},
                                             {"quiet", no_argument, NULL, OPT_QUIET},
                                             {"trn", required_argument, NULL, OPT_TRN},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    sim_run_opts o;
    memset(&o, 0, sizeof o);
    o.out_path = "results.h5";
    o.jobs = 1;
    int quiet = 0, c;
    /* --set/--sweep are applied after loading, in order: remember their arguments */
    const char **overrides = calloc((size_t)argc + 1, sizeof *overrides);
    int *is_sweep = calloc((size_t)argc + 1, sizeof *is_sweep);
    size_t n_over = 0;
    if (!overrides || !is_sweep) {
        free(is_sweep);
        fprintf(stderr, "semsim: out of memory\n");
        return SIM_EXIT_FAIL;
    }
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "o:j:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'o':
            o.out_path = optarg;
            break;
        case 'j': {
            char *end;
            long j = strtol(optarg, &end, 10);
            if (*end || j < 1 || j > 1024) {
                fprintf(stderr, "semsim: -j: expected a thread count 1..1024, got '%s'\n", optarg);
                free(overrides);
                free(is_sweep);
                return SIM_EXIT_USAGE;
            }
            o.jobs = (int)j;
            break;
        }
        case OPT_SET:
        case OPT_SWEEP:
            is_sweep[n_over] = c == OPT_SWEEP;
            overrides[n_over++] = optarg;
            break;
        case OPT_RESUME:
            o.resume = 1;
            break;
        case OPT_FORCE:
            o.force = 1;
            break;
        case OPT_DRY:
            o.dry_run = 1;
            break;
        case OPT_QUIET:
            quiet = 1;
            break;
        case OPT_TRN:
            o.trn_dir = optarg;
            break;
        case 'h':
            usage(stdout);
            free(overrides);
            free(is_sweep);
            return SIM_EXIT_OK;
        default:
            fprintf(stderr, "semsim run: unknown or incomplete option '%s'\n", argv[optind - 1]);
            usage(stderr);
            free(overrides);
            free(is_sweep);
            return SIM_EXIT_USAGE;
        }
    }
    if (optind != argc - 1) {
        fprintf(stderr, "semsim run: expected one SCENARIO.ini\n");
        usage(stderr);
        free(overrides);
        free(is_sweep);
        return SIM_EXIT_USAGE;
    }
    base_err err = BASE_ERR_INIT;
    sim_scenario *sc = sim_scenario_load(argv[optind], &err);
    int rc = SIM_EXIT_OK;
    if (!sc) goto fail;
    for (size_t i = 0; i < n_over; i++) {
        int malformed = 0;
        base_status st = sim_scenario_override(sc, overrides[i], is_sweep[i], &malformed, &err);
        if (malformed) {
            sim_cmd_fail(&err);
            rc = SIM_EXIT_USAGE;
            goto out;
        }
        if (st != BASE_OK) goto fail;
    }
    base_log lg = base_log_from_env(quiet ? BASE_LOG_ERROR : BASE_LOG_WARN);
    o.log = &lg;
    o.progress = !quiet && isatty(STDERR_FILENO);
    o.table = quiet ? NULL : stdout;
    o.list = stdout;
    if (sim_run(sc, &o, &err) != BASE_OK) goto fail;
    goto out;
fail:
    rc = sim_cmd_fail(&err);
out:
    sim_scenario_destroy(sc);
    free(overrides);
    free(is_sweep);
    return rc;
}
