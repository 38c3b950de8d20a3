/* cmd_corpus.c -- `semsim corpus`: synthesise a text x voices corpus.
 *
 *   semsim corpus --text FILE [--lines A-B] --voices FILE -o DIR [-j N]
 *                 [--rate F] [--pitch ST] [--quiet]
 *
 * Speech-in front door (CONTRACT.md): every selected line of the text file is
 * spoken by every voice of the voices file with the in-process TTS
 * (codecs/tts), giving DIR/TAG/TAG_LNNNN.wav (16 kHz mono 16-bit PCM; TAG is
 * the sanitised voice, e.g. espeak-en-us-m3, NNNN the 1-based line of the text
 * file) and DIR/manifest.tsv listing them voice by voice, in voices-file
 * order, then line order. The ids contain one underscore (sclite's spk_utt).
 * TRANSCRIPT is the text line as written (blanks at both ends trimmed, tabs
 * made spaces); consumers normalise it with codec_text_normalise.
 *
 * Re-runs are byte-identical and skip WAVs that exist. -j N runs N worker
 * processes. The work is done by sim_corpus_make (sim/corpus.h), which the
 * simulator's built-in TTS source uses too; this file is the command line.
 */
#include "sim/cmd.h"

#include "sim/corpus.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_JOBS_PROC SIM_CORPUS_MAX_JOBS

static void usage(FILE *out)
{
    fprintf(out,
            "usage: semsim corpus --text FILE [--lines A-B] --voices FILE -o DIR [-j N]\n"
            "                     [--rate F] [--pitch ST] [--quiet]\n"
            "\n"
            "Speaks every selected line of the text FILE with every voice of the voices\n"
            "FILE (lines `ENGINE VOICE`, engines espeak-ng and flite, # comments), in\n"
            "process, and writes 16 kHz mono 16-bit WAVs DIR/TAG/TAG_LNNNN.wav plus\n"
            "DIR/manifest.tsv (ID<TAB>AUDIO<TAB>TRANSCRIPT). A re-run gives byte-identical\n"
            "files and skips WAVs that already exist.\n"
            "\n"
            "  --text FILE     one sentence per line\n"
            "  --lines A-B     1-based inclusive range of lines (default: all; `A` = one line)\n"
            "  --voices FILE   voices file (see data/voices-train.txt)\n"
            "  -o, --output DIR  output folder (created if missing)\n"
            "  -j, --jobs N    worker processes (default 1, at most %d)\n"
            "  --rate F        speaking-rate factor, 0.5..2 (default 1)\n"
            "  --pitch ST      pitch offset in semitones, -12..12 (default 0)\n"
            "  -q, --quiet     no progress on stderr\n"
            "  -h, --help      this text\n",
            MAX_JOBS_PROC);
}

static int usage_error(const char *what)
{
    fprintf(stderr, "semsim corpus: %s\n", what);
    usage(stderr);
    return SIM_EXIT_USAGE;
}

static int parse_double(const char *s, double *v)
{
    char *end;
    errno = 0;
    *v = strtod(s, &end);
    return (errno || end == s || *end) ? -1 : 0;
}

int sim_cmd_corpus(int argc, char **argv)
{
    static const struct option opts[] = {
        {"text", required_argument, NULL, 't'},   {"lines", required_argument, NULL, 'l'},
        {"voices", required_argument, NULL, 'v'}, {"output", required_argument, NULL, 'o'},
        {"jobs", required_argument, NULL, 'j'},   {"rate", required_argument, NULL, 'r'},
        {"pitch", required_argument, NULL, 'p'},  {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0},
    };
    const char *text_path = NULL, *voices_path = NULL, *dir = NULL;
    long a = 1, b = -1, nw = 1;
    int quiet = 0, c;
    codec_tts_opts o = CODEC_TTS_OPTS_DEFAULT;
    optind = 0; /* full getopt reset: tests call commands repeatedly */
    opterr = 1;
    while ((c = getopt_long(argc, argv, "o:j:qh", opts, NULL)) != -1) {
        switch (c) {
        case 't':
            text_path = optarg;
            break;
        case 'v':
            voices_path = optarg;
            break;
        case 'o':
            dir = optarg;
            break;
        case 'q':
            quiet = 1;
            break;
        case 'l':
            if (sim_corpus_parse_lines(optarg, &a, &b))
                return usage_error("--lines wants A-B with 1 <= A <= B");
            break;
        case 'j': {
            char *end;
            nw = strtol(optarg, &end, 10);
            if (*end || end == optarg || nw < 1 || nw > MAX_JOBS_PROC)
                return usage_error("-j wants a number of processes, 1..64");
            break;
        }
        case 'r':
            if (parse_double(optarg, &o.rate) || !(o.rate >= 0.5 && o.rate <= 2.0))
                return usage_error("--rate wants a factor in 0.5..2");
            break;
        case 'p':
            if (parse_double(optarg, &o.pitch_st) || !(o.pitch_st >= -12 && o.pitch_st <= 12))
                return usage_error("--pitch wants semitones in -12..12");
            break;
        case 'h':
            usage(stdout);
            return SIM_EXIT_OK;
        default:
            usage(stderr);
            return SIM_EXIT_USAGE;
        }
    }
    if (optind < argc) return usage_error("unexpected argument");
    if (!text_path || !voices_path || !dir)
        return usage_error("--text, --voices and -o are required");

    base_err err = BASE_ERR_INIT;
    base_log lg = base_log_from_env(quiet ? BASE_LOG_WARN : BASE_LOG_INFO);
    sim_corpus_config cc = {text_path, a, b, voices_path, dir, (int)nw, o, &lg};
    if (sim_corpus_make(&cc, NULL, &err) != BASE_OK) return sim_cmd_fail(&err);
    return SIM_EXIT_OK;
}
