/* log.c -- levelled logging to stderr (see log.h). */
#include "base/log.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static const char *const level_name[] = {"error", "warn", "info", "debug"};

base_log base_log_from_env(base_log_level fallback)
{
    base_log lg = {fallback, NULL};
    const char *v = getenv("SEMSIM_LOG");
    if (!v) return lg;
    for (int i = 0; i <= BASE_LOG_DEBUG; i++)
        if (strcmp(v, level_name[i]) == 0) lg.level = (base_log_level)i;
    return lg;
}

int base_log_enabled(const base_log *lg, base_log_level lvl)
{
    base_log_level max = lg ? lg->level : BASE_LOG_WARN;
    return lvl <= max;
}

void base_log_printf(const base_log *lg, base_log_level lvl, const char *fmt, ...)
{
    if (!base_log_enabled(lg, lvl)) return;
    FILE *out = (lg && lg->out) ? lg->out : stderr;
    va_list ap;
    va_start(ap, fmt);
    if (lvl <= BASE_LOG_WARN) fprintf(out, "semsim: %s: ", level_name[lvl]);
    vfprintf(out, fmt, ap);
    va_end(ap);
    fputc('\n', out);
}
