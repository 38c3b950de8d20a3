/* cmd_train.c -- `semsim train CONFIG.ini [-o MODEL.h5] [--set SECTION.KEY=VALUE]...`.
 *
 * Front door to codecs/train: reads the recipe, applies overrides, trains (or
 * resumes from the recipe's checkpoint) and writes the model file. Progress
 * goes to stderr. SIGINT/SIGTERM stop after the current step with a checkpoint,
 * so the same command resumes. */
#include "codecs/train.h"
#include "base/log.h"
#include "sim/cmd.h"

#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static void usage(FILE *out)
{
    fprintf(out,
            "usage: semsim train CONFIG.ini [-o MODEL.h5] [--set SECTION.KEY=VALUE]... [-j N]\n"
            "\n"
            "Trains an agent (encoder + CTC decoder) on the manifests the recipe names and\n"
            "writes its model file (default: MODEL.h5 named after CONFIG, in the current\n"
            "directory). With train.checkpoint set, an interrupted run (Ctrl-C, time limit)\n"
            "resumes from the checkpoint when the same command is run again.\n"
            "Recipe keys: see docs/training.md; sections [agent] [data] [train] [augment].\n"
            "\n"
            "  -o, --output FILE   model file to write\n"
            "  --set S.K=V         override one recipe key (e.g. --set train.steps=100)\n"
            "  -j, --threads N     worker threads (same result for any N)\n"
            "  -q, --quiet         only errors on stderr\n"
            "  -h, --help          this text\n");
}

static int fail(const base_err *e)
{
    char buf[BASE_ERR_MSG + BASE_ERR_FILE + 32];
    fprintf(stderr, "semsim: %s\n", base_err_format(e, buf, sizeof buf));
    return SIM_EXIT_FAIL;
}

int sim_cmd_train(int argc, char **argv)
{
    static const struct option opts[] = {
        {"output", required_argument, NULL, 'o'},  {"set", required_argument, NULL, 's'},
        {"threads", required_argument, NULL, 'j'}, {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0},
    };
    const char *out = NULL;
    const char *sets[64];
    int nsets = 0, threads = 0, quiet = 0, ch;
    optind = 1;
    opterr = 1;
    while ((ch = getopt_long(argc, argv, "o:j:qh", opts, NULL)) != -1) {
        switch (ch) {
        case 'o':
            out = optarg;
            break;
        case 's':
            if (nsets == 64) {
                fprintf(stderr, "semsim train: too many --set options\n");
                return SIM_EXIT_USAGE;
            }
            sets[nsets++] = optarg;
            break;
        case 'j': {
            char *end;
            long v = strtol(optarg, &end, 10);
            if (*end || v < 1 || v > 64) {
                fprintf(stderr, "semsim train: -j wants 1..64, got '%s'\n", optarg);
                return SIM_EXIT_USAGE;
            }
            threads = (int)v;
            break;
        }
        case 'q':
            quiet = 1;
            break;
        case 'h':
            usage(stdout);
            return SIM_EXIT_OK;
        default:
            usage(stderr);
            return SIM_EXIT_USAGE;
        }
    }
    if (argc - optind != 1) {
        fprintf(stderr, "semsim train: expected one CONFIG.ini\n");
        usage(stderr);
        return SIM_EXIT_USAGE;
    }
    const char *ini = argv[optind];
    base_err err = BASE_ERR_INIT;
    codec_train_config c;
    codec_train_config_default(&c);
    if (codec_train_config_load(ini, &c, &err)) return fail(&err);
    int train_reset = 0;
    for (int i = 0; i < nsets; i++) {
        char sec[64], key[64];
        const char *dot = strchr(sets[i], '.'), *eq = strchr(sets[i], '=');
        if (!dot || !eq || dot > eq || (size_t)(dot - sets[i]) >= sizeof sec ||
            (size_t)(eq - dot - 1) >= sizeof key) {
            fprintf(stderr, "semsim train: --set wants SECTION.KEY=VALUE, got '%s'\n", sets[i]);
            return SIM_EXIT_USAGE;
        }
        snprintf(sec, sizeof sec, "%.*s", (int)(dot - sets[i]), sets[i]);
        snprintf(key, sizeof key, "%.*s", (int)(eq - dot - 1), dot + 1);
        /* --set data.train replaces the recipe's list (repeat it to give several) */
        if (!strcmp(sec, "data") && !strcmp(key, "train") && !train_reset) {
            c.n_train = 0;
            train_reset = 1;
        }
        if (codec_train_config_set(&c, sec, key, eq + 1, &err)) {
            fprintf(stderr, "semsim: --set %s: %s\n", sets[i], err.msg);
            return SIM_EXIT_FAIL;
        }
    }
    if (threads) c.threads = threads;
    if (codec_train_config_check(&c, &err)) {
        base_err_locate(&err, ini, 0);
        return fail(&err);
    }
    char defout[1024];
    if (!out) {
        const char *base = strrchr(ini, '/');
        base = base ? base + 1 : ini;
        const char *dotp = strrchr(base, '.');
        int len = dotp ? (int)(dotp - base) : (int)strlen(base);
        snprintf(defout, sizeof defout, "%.*s.h5", len, base);
        out = defout;
    }
    base_log lg = base_log_from_env(quiet ? BASE_LOG_ERROR : BASE_LOG_INFO);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    codec_train_result r;
    base_status st = codec_train_run(&c, out, &stop_requested, &lg, &r, &err);
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    if (st) return fail(&err);
    if (!quiet)
        fprintf(
            stderr,
            "semsim train: %s after %ld/%ld steps in %.0f s; %zu parameters; best dev CER %s%.2f%%"
            "; model %s\n",
            r.finished ? "finished" : "stopped", r.steps_done, r.steps_total, r.seconds, r.params,
            isfinite(r.best_dev_cer) ? "" : "n/a ",
            isfinite(r.best_dev_cer) ? 100 * r.best_dev_cer : 0.0, out);
    return SIM_EXIT_OK;
}
