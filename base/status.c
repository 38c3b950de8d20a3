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

/* Append src to buf at *len (capacity n), control bytes escaped (\r, \n, \t,
 * \xNN) so that the formatted error stays one line whatever an input held. */
static void put_escaped(char *buf, size_t n, size_t *len, const char *src)
{
    for (const unsigned char *p = (const unsigned char *)src; *p && *len + 1 < n; p++) {
        char tmp[8];
        if (*p >= 0x20 && *p != 0x7f) {
            tmp[0] = (char)*p;
            tmp[1] = 0;
        } else if (*p == '\r' || *p == '\n' || *p == '\t') {
            snprintf(tmp, sizeof tmp, "\\%c", *p == '\r' ? 'r' : *p == '\n' ? 'n' : 't');
        } else {
            snprintf(tmp, sizeof tmp, "\\x%02x", *p);
        }
        size_t k = strlen(tmp);
        if (*len + k >= n) break; /* never half an escape */
        memcpy(buf + *len, tmp, k + 1);
        *len += k;
    }
}

const char *base_err_format(const base_err *e, char *buf, size_t n)
{
    const char *msg = e->msg[0] ? e->msg : base_status_str(e->code);
    size_t len = 0;
    if (!n) return buf;
    buf[0] = 0;
    if (e->file[0]) {
        char where[32];
        put_escaped(buf, n, &len, e->file);
        if (e->line > 0)
            snprintf(where, sizeof where, ":%d: ", e->line);
        else
            snprintf(where, sizeof where, ": ");
        put_escaped(buf, n, &len, where);
    }
    put_escaped(buf, n, &len, msg);
    return buf;
}
