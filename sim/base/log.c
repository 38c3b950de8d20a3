/* log.c -- levelled logging to stderr (see log.h). */
#include "sim/base/log.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static const char *const level_name[] = {"error", "warn", "info", "debug"};

sim_log sim_log_from_env(sim_log_level fallback)
{
    sim_log lg = {fallback, NULL};
    const char *v = getenv("SEMSIM_LOG");
    if (!v) return lg;
    for (int i = 0; i <= SIM_LOG_DEBUG; i++)
        if (strcmp(v, level_name[i]) == 0) lg.level = (sim_log_level)i;
    return lg;
}

int sim_log_enabled(const sim_log *lg, sim_log_level lvl)
{
    sim_log_level max = lg ? lg->level : SIM_LOG_WARN;
    return lvl <= max;
}

void sim_log_printf(const sim_log *lg, sim_log_level lvl, const char *fmt, ...)
{
    if (!sim_log_enabled(lg, lvl)) return;
    FILE *out = (lg && lg->out) ? lg->out : stderr;
    va_list ap;
    va_start(ap, fmt);
    if (lvl <= SIM_LOG_WARN) fprintf(out, "semsim: %s: ", level_name[lvl]);
    vfprintf(out, fmt, ap);
    va_end(ap);
    fputc('\n', out);
}
