/* cmd_run.c -- `semsim run SCENARIO.ini [-o OUT.h5] [--set KEY=VALUE]...
 * [--sweep KEY=SPEC]... [-j N] [--resume] [--force] [--dry-run] [--quiet]
 * [--trn DIR] [--wav DIR] [--shard I/N]`: parses options, applies --set/--sweep to the
 * scenario in command-line order, and hands it to sim/run.c. Started by an
 * MPI launcher (mpirun -np N), it joins the other ranks first (sim/mpi.h);
 * only rank 0 prints. See docs/cli.md, docs/cluster.md. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim/cmd.h"
#include "sim/mpi.h"
#include "sim/run.h"
#include "sim/scenario.h"

static void usage(FILE *out)
{
    fprintf(
        out,
        "usage: semsim run SCENARIO.ini [-o OUT.h5] [--set KEY=VALUE]... [--sweep KEY=SPEC]...\n"
        "                  [-j N] [--resume] [--force] [--dry-run] [--quiet] [--trn DIR]\n"
        "                  [--wav DIR] [--shard I/N]\n"
        "       mpirun -np N semsim run SCENARIO.ini ...   (the jobs spread over N ranks)\n"
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
        "  --wav DIR             rx.tts_voice: write each utterance's resynthesised speech\n"
        "                        as DIR/POINT-REPEAT/ID.wav (16 kHz; POINT 4, REPEAT 2 digits)\n"
        "  --shard I/N           run only shard I (0-based) of N of the points x repeats;\n"
        "                        join the N files with semsim merge\n"
        "  -h, --help            this help\n"
        "\nKeys: docs/scenario.md, or `semsim validate --list-keys`.\n");
}

/* --shard I/N: 1 when valid (0 <= I < N, N <= 1e6). */
static int parse_shard(const char *arg, sim_run_opts *o)
{
    char *end;
    long i = strtol(arg, &end, 10);
    if (end == arg || *end != '/') return 0;
    const char *ns = end + 1;
    long n = strtol(ns, &end, 10);
    if (end == ns || *end || i < 0 || n < 1 || i >= n || n > 1000000) return 0;
    o->shard = (size_t)i;
    o->shards = (size_t)n;
    return 1;
}

/* The --set/--sweep arguments as "--set K=V" lines (a shard file keeps them). */
static char *overrides_text(const char **over, const int *is_sweep, size_t n)
{
    size_t len = 1;
    for (size_t i = 0; i < n; i++) len += strlen(over[i]) + 9;
    char *t = malloc(len);
    if (!t) return NULL;
    *t = 0;
    for (size_t i = 0; i < n; i++) {
        strcat(t, is_sweep[i] ? "--sweep " : "--set ");
        strcat(t, over[i]);
        strcat(t, "\n");
    }
    return t;
}

/* Tests: SEMSIM_TEST_KILL_RANK=R:N makes MPI rank R SIGKILL itself after
 * sending N results (tests/sim/test_mpi.c). */
static void test_hooks(sim_run_opts *o)
{
    const char *v = getenv("SEMSIM_TEST_KILL_RANK");
    long r, n;
    if (v && sscanf(v, "%ld:%ld", &r, &n) == 2 && r > 0 && n > 0) {
        o->kill_rank = (int)r;
        o->kill_after_jobs = (size_t)n;
    }
}

int sim_cmd_run(int argc, char **argv)
{
    enum {
        OPT_SET = 256,
        OPT_SWEEP,
        OPT_RESUME,
        OPT_FORCE,
        OPT_DRY,
        OPT_QUIET,
        OPT_TRN,
        OPT_SHARD,
        OPT_WAV
    };
    static const struct option longopts[] = {{"output", required_argument, NULL, 'o'},
                                             {"set", required_argument, NULL, OPT_SET},
                                             {"sweep", required_argument, NULL, OPT_SWEEP},
                                             {"jobs", required_argument, NULL, 'j'},
                                             {"resume", no_argument, NULL, OPT_RESUME},
                                             {"force", no_argument, NULL, OPT_FORCE},
                                             {"dry-run", no_argument, NULL, OPT_DRY},
                                             {"quiet", no_argument, NULL, OPT_QUIET},
                                             {"trn", required_argument, NULL, OPT_TRN},
                                             {"shard", required_argument, NULL, OPT_SHARD},
                                             {"wav", required_argument, NULL, OPT_WAV},
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
        case OPT_WAV:
            o.wav_dir = optarg;
            break;
        case OPT_SHARD:
            if (!parse_shard(optarg, &o)) {
                fprintf(stderr, "semsim: --shard: expected I/N with 0 <= I < N, got '%s'\n",
                        optarg);
                free(overrides);
                free(is_sweep);
                return SIM_EXIT_USAGE;
            }
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
    sim_scenario *sc = NULL;
    sim_mpi *mpi = NULL;
    char *over_text = NULL;
    int rc = SIM_EXIT_OK, rank = 0;
    if (sim_mpi_launched()) { /* mpirun -np N: never touched by a plain run */
        if (o.shards > 1) {   /* said once, by rank 0 (MPI is not started yet) */
            const char *r = getenv("OMPI_COMM_WORLD_RANK");
            if (!r || atoi(r) == 0)
                fprintf(stderr, "semsim run: --shard and mpirun do not go together\n");
            free(overrides);
            free(is_sweep);
            return SIM_EXIT_USAGE;
        }
        if (sim_mpi_start(&mpi, &err) != BASE_OK) goto fail;
        rank = sim_mpi_rank(mpi);
        o.mpi = mpi;
        test_hooks(&o);
    }
    if (!(over_text = overrides_text(overrides, is_sweep, n_over))) {
        base_err_set(&err, BASE_ENOMEM, NULL, 0, "out of memory");
        goto fail;
    }
    o.overrides = over_text;
    sc = sim_scenario_load(argv[optind], &err);
    if (!sc) goto fail;
    for (size_t i = 0; i < n_over; i++) {
        int malformed = 0;
        base_status st = sim_scenario_override(sc, overrides[i], is_sweep[i], &malformed, &err);
        if (malformed) {
            if (rank == 0) sim_cmd_fail(&err);
            rc = SIM_EXIT_USAGE;
            goto out;
        }
        if (st != BASE_OK) goto fail;
    }
    base_log lg = base_log_from_env(quiet ? BASE_LOG_ERROR : BASE_LOG_WARN);
    o.log = &lg;
    o.progress = !quiet && rank == 0 && isatty(STDERR_FILENO);
    o.table = quiet || rank ? NULL : stdout;
    o.list = stdout;
    if (sim_run(sc, &o, &err) != BASE_OK) goto fail;
    goto out;
fail:
    /* one line from rank 0 (a worker's error reaches it, naming the rank) */
    rc = rank == 0 ? sim_cmd_fail(&err) : SIM_EXIT_FAIL;
out:
    /* after an interruption a peer may be gone: leave without MPI_Finalize */
    sim_mpi_finish(mpi, err.code != BASE_EINTERRUPTED);
    sim_scenario_destroy(sc);
    free(over_text);
    free(overrides);
    free(is_sweep);
    return rc;
}
