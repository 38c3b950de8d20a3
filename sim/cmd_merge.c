/* cmd_merge.c -- `semsim merge A.h5 B.h5 ... -o OUT.h5 [--force] [--quiet]`:
 * joins the shard files of one run (`semsim run --shard I/N`) into the file
 * an unsharded run writes (sim/merge.h). See docs/cli.md, docs/cluster.md. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/cmd.h"
#include "sim/merge.h"

static void usage(FILE *out)
{
    fprintf(out, "usage: semsim merge SHARD.h5... -o OUT.h5 [--force] [--quiet]\n"
                 "\n"
                 "Joins the shard files of one run (semsim run --shard I/N, I = 0..N-1) into the\n"
                 "file an unsharded run writes (rows in point order). Refuses, naming the file,\n"
                 "files of different scenarios, a shard given twice or missing.\n"
                 "\n"
                 "  -o, --output OUT.h5   the merged results file (required)\n"
                 "  --force               overwrite an existing OUT.h5\n"
                 "  --quiet               no summary line\n"
                 "  -h, --help            this help\n");
}

int sim_cmd_merge(int argc, char **argv)
{
    enum { OPT_FORCE = 256, OPT_QUIET };
    static const struct option longopts[] = {{"output", required_argument, NULL, 'o'},
                                             {"force", no_argument, NULL, OPT_FORCE},
                                             {"quiet", no_argument, NULL, OPT_QUIET},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    const char *out = NULL;
    int force = 0, quiet = 0, c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'o':
            out = optarg;
            break;
        case OPT_FORCE:
            force = 1;
            break;
        case OPT_QUIET:
            quiet = 1;
            break;
        case 'h':
            usage(stdout);
            return SIM_EXIT_OK;
        default:
            fprintf(stderr, "semsim merge: unknown or incomplete option '%s'\n", argv[optind - 1]);
            usage(stderr);
            return SIM_EXIT_USAGE;
        }
    }
    if (!out || optind >= argc) {
        fprintf(stderr, "semsim merge: expected shard files and -o OUT.h5\n");
        usage(stderr);
        return SIM_EXIT_USAGE;
    }
    base_err err = BASE_ERR_INIT;
    size_t rows = 0, n = (size_t)(argc - optind);
    if (sim_merge((const char *const *)argv + optind, n, out, force, &rows, &err) != BASE_OK)
        return sim_cmd_fail(&err);
    if (!quiet) printf("merged %zu shard files: %zu rows into %s\n", n, rows, out);
    return SIM_EXIT_OK;
}
