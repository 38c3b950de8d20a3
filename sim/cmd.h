/* cmd.h -- the semsim subcommands. Each lives in its own sim/cmd_NAME.c and is
 * registered in the table in sim/cli.c. A command parses its own options,
 * prints its own usage for --help, and returns the process exit status:
 * 0 success, 1 failure of the work, 2 usage error (bad option or argument). */
#ifndef SIM_CMD_H
#define SIM_CMD_H

#include "base/status.h"

typedef struct sim_cmd {
    const char *name;
    const char *summary;                /* one line for `semsim --help` */
    int (*main)(int argc, char **argv); /* argv[0] is the command name */
} sim_cmd;

/* Exit codes shared by all commands. */
enum { SIM_EXIT_OK = 0, SIM_EXIT_FAIL = 1, SIM_EXIT_USAGE = 2 };

/* Print e as the one line `semsim: FILE[:LINE]: what is wrong` on stderr
 * (sim/cmd.c); returns SIM_EXIT_FAIL. */
int sim_cmd_fail(const base_err *e);

int sim_cmd_score(int argc, char **argv); /* sim/cmd_score.c */

int sim_cmd_corpus(int argc, char **argv);   /* sim/cmd_corpus.c */
int sim_cmd_train(int argc, char **argv);    /* sim/cmd_train.c */
int sim_cmd_run(int argc, char **argv);      /* sim/cmd_run.c */
int sim_cmd_validate(int argc, char **argv); /* sim/cmd_validate.c */
int sim_cmd_eval(int argc, char **argv);     /* sim/cmd_eval.c */
int sim_cmd_export(int argc, char **argv);   /* sim/cmd_convert.c */
int sim_cmd_import(int argc, char **argv);   /* sim/cmd_convert.c */
int sim_cmd_cache(int argc, char **argv);    /* sim/cmd_cache.c */
int sim_cmd_merge(int argc, char **argv);    /* sim/cmd_merge.c */

#endif
