/* cmd_score.c -- `semsim score REF.trn HYP.trn [--json] [--utts]`.
 *
 * Front door to sim/score: reads two trn files, aligns every reference
 * utterance with its hypothesis by sclite's rules and prints the totals
 * (readable, or one JSON object per CONTRACT.md with --json). */
#include "sim/cmd.h"
#include "sim/score.h"

#include <getopt.h>
#include <stdio.h>

static void usage(FILE *out)
{
    fprintf(out, "usage: semsim score REF.trn HYP.trn [--json] [--utts]\n"
                 "\n"
                 "Word and character error rates by NIST sclite's convention: lines are\n"
                 "`words ... (ID)`, utterances are matched by ID, a missing hypothesis\n"
                 "counts as all deletions, matching is case-insensitive and the alignment\n"
                 "costs are correct 0, substitution 4, deletion 3, insertion 3.\n"
                 "CER aligns the characters of the words (spaces and '-' dropped).\n"
                 "\n"
                 "  --json     one JSON object on stdout (utterances, ref_words, sub, del, ins,\n"
                 "             wer, ref_chars, cer, ..., per_utterance)\n"
                 "  --utts     readable output: also one line per utterance\n"
                 "  -h, --help this text\n");
}

int sim_cmd_score(int argc, char **argv)
{
    static const struct option opts[] = {
        {"json", no_argument, NULL, 'j'},
        {"utts", no_argument, NULL, 'u'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int json = 0, utts = 0, c;
    optind = 1;
    opterr = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'j':
            json = 1;
            break;
        case 'u':
            utts = 1;
            break;
        case 'h':
            usage(stdout);
            return SIM_EXIT_OK;
        default:
            usage(stderr);
            return SIM_EXIT_USAGE;
        }
    }
    if (argc - optind != 2) {
        fprintf(stderr, "semsim score: expected REF.trn and HYP.trn\n");
        usage(stderr);
        return SIM_EXIT_USAGE;
    }
    base_err err = BASE_ERR_INIT;
    sim_score *s = NULL;
    if (sim_score_read_trn(argv[optind], argv[optind + 1], &s, &err)) return sim_cmd_fail(&err);
    base_status st =
        json ? sim_score_write_json(s, stdout, 1) : sim_score_write_summary(s, stdout, utts);
    sim_score_destroy(s);
    if (st || fflush(stdout)) {
        fprintf(stderr, "semsim: stdout: write error\n");
        return SIM_EXIT_FAIL;
    }
    return SIM_EXIT_OK;
}
