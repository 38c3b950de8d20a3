/* cli.c -- `semsim` entry point: dispatches to the subcommands in sim/cmd_*.c.
 * This is the only main() of the product; see docs/cli.md for every command. */
#include "base/git_rev.h" /* BASE_GIT_REV: generated, see Makefile.am */
#include "config.h"
#include "sim/cmd.h"

#include "base/h5io.h"

#include <stdio.h>
#include <string.h>

/* Register commands here as they land: {"name", "summary", sim_cmd_NAME}. */
static const sim_cmd commands[] = {
    {"score", "WER/CER of a hypothesis trn against a reference trn (sclite rules)", sim_cmd_score},
    {"corpus", "synthesise text lines x TTS voices into WAVs + manifest.tsv", sim_cmd_corpus},
    {"train", "train an agent (encoder + CTC decoder) from a recipe INI; resumes", sim_cmd_train},
    {"run", "run a scenario and its sweep into an HDF5 results file", sim_cmd_run},
    {"validate", "check a scenario without running it; --list-keys lists every key",
     sim_cmd_validate},
    {"eval", "transcribe a manifest with an agent (own encoder + decoder) and score it",
     sim_cmd_eval},
    {"export", "write an agent's model file as safetensors (architecture in __metadata__)",
     sim_cmd_export},
    {"import", "write a model file from safetensors (e.g. trained in PyTorch), checked",
     sim_cmd_import},
    {"cache", "list or clear the TTS and relative-head caches (content-keyed entries)",
     sim_cmd_cache},
    {"merge", "join the shard files of one run (run --shard I/N) into one results file",
     sim_cmd_merge},
    {NULL, NULL, NULL},
};

static void usage(FILE *out)
{
    fprintf(out, "usage: semsim [--version] [--help] COMMAND [ARGS...]\n\ncommands:\n");
    for (const sim_cmd *c = commands; c->name; c++)
        fprintf(out, "  %-10s %s\n", c->name, c->summary);
    fprintf(out, "\n`semsim COMMAND --help` describes one command.\n");
}

int main(int argc, char **argv)
{
    base_h5_process_init();
    if (argc < 2) {
        usage(stderr);
        return SIM_EXIT_USAGE;
    }
    if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
        printf("semsim %s (git %s)\n", PACKAGE_VERSION, BASE_GIT_REV);
        return SIM_EXIT_OK;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return SIM_EXIT_OK;
    }
    for (const sim_cmd *c = commands; c->name; c++) {
        if (strcmp(argv[1], c->name)) continue;
        /* argv[0] of the command is "semsim NAME", so getopt's own messages
         * read "semsim NAME: unrecognized option". */
        char prog[64];
        snprintf(prog, sizeof prog, "semsim %s", c->name);
        argv[1] = prog;
        return c->main(argc - 1, argv + 1);
    }
    fprintf(stderr, "semsim: unknown %s '%s'\n", argv[1][0] == '-' ? "option" : "command", argv[1]);
    usage(stderr);
    return SIM_EXIT_USAGE;
}
