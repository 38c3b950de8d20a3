/* status.c -- status code text and the error record (see status.h). */
#include "sim/base/status.h"

#include <stdio.h>
#include <string.h>

static const char *const status_text[SIM_STATUS_COUNT] = {
    [SIM_OK] = "ok",
    [SIM_EINVAL] = "invalid argument",
    [SIM_ENOMEM] = "out of memory",
    [SIM_EIO] = "input/output error",
    [SIM_EFORMAT] = "malformed input",
    [SIM_ENOTFOUND] = "not found",
    [SIM_ERANGE] = "value out of range",
    [SIM_EUNSUPPORTED] = "not supported",
    [SIM_EEXIST] = "already exists",
    [SIM_EINTERRUPTED] = "interrupted",
    [SIM_EINTERNAL] = "internal error",
};

const char *sim_status_str(sim_status s)
{
    if ((int)s < 0 || s >= SIM_STATUS_COUNT) return "unknown status";
    return status_text[s];
}

void sim_err_clear(sim_err *e)
{
    if (!e) return;
    memset(e, 0, sizeof *e);
}

sim_status sim_err_vset(sim_err *e, sim_status code, const char *file, int line, const char *fmt,
                        va_list ap)
{
    if (!e) return code;
    e->code = code;
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    snprintf(e->file, sizeof e->file, "%s", file ? file : "");
    e->line = file ? line : 0;
    return code;
}

sim_status sim_err_set(sim_err *e, sim_status code, const char *file, int line, const char *fmt,
                       ...)
{
    va_list ap;
    va_start(ap, fmt);
    sim_err_vset(e, code, file, line, fmt, ap);
    va_end(ap);
    return code;
}

void sim_err_locate(sim_err *e, const char *file, int line)
{
    if (!e || e->file[0] || !file) return;
    snprintf(e->file, sizeof e->file, "%s", file);
    e->line = line;
}

const char *sim_err_format(const sim_err *e, char *buf, size_t n)
{
    const char *msg = e->msg[0] ? e->msg : sim_status_str(e->code);
    if (e->file[0] && e->line > 0)
        snprintf(buf, n, "%s:%d: %s", e->file, e->line, msg);
    else if (e->file[0])
        snprintf(buf, n, "%s: %s", e->file, msg);
    else
        snprintf(buf, n, "%s", msg);
    return buf;
}
