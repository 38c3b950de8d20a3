/* cmd.c -- what every semsim subcommand shares (see cmd.h): the one-line
 * error report on stderr. */
#include "sim/cmd.h"

#include <stdio.h>

int sim_cmd_fail(const base_err *e)
{
    char buf[BASE_ERR_MSG + BASE_ERR_FILE + 32];
    fprintf(stderr, "semsim: %s\n", base_err_format(e, buf, sizeof buf));
    return SIM_EXIT_FAIL;
}
