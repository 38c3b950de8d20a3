/* status.c -- status code text and the error record (see status.h). */
#include "base/status.h"

#include <stdio.h>
#include <string.h>

static const char *const status_text[BASE_STATUS_COUNT] = {
    [BASE_OK] = "ok",
    [BASE_EINVAL] = "invalid argument",
    [BASE_ENOMEM] = "out of memory",
    [BASE_EIO] = "input/output error",
    [BASE_EFORMAT] = "malformed input",
    [BASE_ENOTFOUND] = "not found",
    [BASE_ERANGE] = "value out of range",
    [BASE_EUNSUPPORTED] = "not supported",
    [BASE_EEXIST] = "already exists",
    [BASE_EINTERRUPTED] = "interrupted",
    [BASE_EINTERNAL] = "internal error",
};

const char *base_status_str(base_status s)
{
    if ((int)s < 0 || s >= BASE_STATUS_COUNT) return "unknown status";
    return status_text[s];
}

void base_err_clear(base_err *e)
{
    if (!e) return;
    memset(e, 0, sizeof *e);
}

base_status base_err_vset(base_err *e, base_status code, const char *file, int line,
                          const char *fmt, va_list ap)
{
    if (!e) return code;
    e->code = code;
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    snprintf(e->file, sizeof e->file, "%s", file ? file : "");
    e->line = file ? line : 0;
    return code;
}

base_status base_err_set(base_err *e, base_status code, const char *file, int line, const char *fmt,
                         ...)
{
    va_list ap;
    va_start(ap, fmt);
    base_err_vset(e, code, file, line, fmt, ap);
    va_end(ap);
    return code;
}

void base_err_locate(base_err *e, const char *file, int line)
{
    if (!e || e->file[0] || !file) return;
    snprintf(e->file, sizeof e->file, "%s", file);
    e->line = line;
}

const char *base_err_format(const base_err *e, char *buf, size_t n)
{
    const char *msg = e->msg[0] ? e->msg : base_status_str(e->code);
    if (e->file[0] && e->line > 0)
        snprintf(buf, n, "%s:%d: %s", e->file, e->line, msg);
    else if (e->file[0])
        snprintf(buf, n, "%s: %s", e->file, msg);
    else
        snprintf(buf, n, "%s", msg);
    return buf;
}
