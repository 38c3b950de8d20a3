/* cmd.c -- what every semsim subcommand shares (see cmd.h): the one-line
 * error report on stderr. */
#include "sim/cmd.h"

#include <stdio.h>

int sim_cmd_fail(const sim_err *e)
{
    char buf[SIM_ERR_MSG + SIM_ERR_FILE + 32];
    fprintf(stderr, "semsim: %s\n", sim_err_format(e, buf, sizeof buf));
    return SIM_EXIT_FAIL;
}
