/* ini.c -- the INI reader on top of libinih. See ini.h. */
#include "base/ini.h"

#include "base/str.h"

#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One parse (all files of it). */
typedef struct ini_ctx {
    const base_ini_handlers *h;
    void *user;
    base_err *err;
    int failed;
    const char *stack[BASE_INI_MAX_DEPTH]; /* realpaths of the files being read */
    int depth;
} ini_ctx;

/* One file being read. */
typedef struct ini_file {
    ini_ctx *ctx;
    FILE *f;
    char file[BASE_ERR_FILE];
    int line; /* line of the text the reader returned last */
} ini_file;

void base_ini_join_path(const char *file, const char *value, char *buf, size_t n)
{
    const char *slash = file ? strrchr(file, '/') : NULL;
    if (!*value || value[0] == '/' || !file || !*file || !slash ||
        (slash == file + 1 && file[0] == '.')) { /* no folder, or "." */
        base_str_copy(buf, n, value);
    } else if (slash == file) {
        snprintf(buf, n, "/%s", value);
    } else {
        snprintf(buf, n, "%.*s/%s", (int)(slash - file), file, value);
    }
}

/* Record the first error; a callback's err gets this file:line if it has none. */
static int fail_here(ini_file *fs, base_status code)
{
    ini_ctx *ctx = fs->ctx;
    if (!ctx->failed) {
        ctx->failed = 1;
        base_err_locate(ctx->err, fs->file, fs->line);
        ctx->err->code = code;
    }
    return 0;
}

/* inih's line reader: counts lines (Debian's inih does not pass line numbers
 * to the handler) and hands section headers to the callback as they go past.
 * Returning NULL ends the parse. */
static char *reader(char *str, int num, void *stream)
{
    ini_file *fs = stream;
    ini_ctx *ctx = fs->ctx;
    if (ctx->failed) return NULL;
    if (!fgets(str, num, fs->f)) return NULL;
    size_t len = strlen(str);
    fs->line++;
    if (len == (size_t)num - 1 && str[len - 1] != '\n' && !feof(fs->f)) {
        base_err_set(ctx->err, BASE_EFORMAT, NULL, 0, "line too long (max 196 characters)");
        fail_here(fs, BASE_EFORMAT);
        return NULL;
    }
    char tmp[256];
    base_str_copy(tmp, sizeof tmp, str);
    base_str_trim(tmp);
    if (tmp[0] != '[') return str;
    char *close = strchr(tmp, ']');
    if (!close) {
        base_err_set(ctx->err, BASE_EFORMAT, NULL, 0, "syntax error: section header without ']'");
        fail_here(fs, BASE_EFORMAT);
        return NULL;
    }
    *close = 0;
    char name[200];
    base_str_copy(name, sizeof name, tmp + 1);
    base_str_trim(name);
    if (ctx->h->section) {
        base_status st = ctx->h->section(ctx->user, fs->file, fs->line, name, ctx->err);
        if (st != BASE_OK) {
            fail_here(fs, st);
            return NULL;
        }
    }
    return str;
}

static base_status parse_file(ini_ctx *ctx, const char *path, const char *from_file, int from_line);

static int handler(void *stream, const char *section, const char *name, const char *value)
{
    ini_file *fs = stream;
    ini_ctx *ctx = fs->ctx;
    if (ctx->failed) return 0;
    if (ctx->h->include_key && !strcmp(name, ctx->h->include_key)) {
        char path[BASE_ERR_FILE + 256];
        base_ini_join_path(fs->file, value, path, sizeof path);
        if (parse_file(ctx, path, fs->file, fs->line) != BASE_OK) ctx->failed = 1;
        return !ctx->failed;
    }
    if (!ctx->h->key) return 1;
    base_ini_item it = {fs->file, fs->line, section, name, value};
    base_status st = ctx->h->key(ctx->user, &it, ctx->err);
    return st == BASE_OK ? 1 : fail_here(fs, st);
}

/* Opens path, refusing cycles and deep nesting; *f and real on success. */
static base_status open_file(ini_ctx *ctx, const char *path, const char *from_file, int from_line,
                             FILE **f, char *real)
{
    if (ctx->depth == BASE_INI_MAX_DEPTH)
        return base_err_set(ctx->err, BASE_ERANGE, from_file, from_line,
                            "includes nested deeper than %d", BASE_INI_MAX_DEPTH);
    *f = fopen(path, "r");
    if (!*f || !realpath(path, real)) {
        int e = errno;
        if (*f) fclose(*f);
        *f = NULL;
        if (from_file)
            return base_err_set(ctx->err, BASE_EIO, from_file, from_line,
                                "cannot open include '%s': %s", path, strerror(e));
        return base_err_set(ctx->err, BASE_EIO, path, 0, "cannot open: %s", strerror(e));
    }
    for (int i = 0; i < ctx->depth; i++)
        if (!strcmp(ctx->stack[i], real)) {
            fclose(*f);
            *f = NULL;
            return base_err_set(ctx->err, BASE_EINVAL, from_file, from_line,
                                "include cycle: '%s' includes itself", path);
        }
    return BASE_OK;
}

static base_status parse_file(ini_ctx *ctx, const char *path, const char *from_file, int from_line)
{
    char real[PATH_MAX];
    FILE *f = NULL;
    base_status st = open_file(ctx, path, from_file, from_line, &f, real);
    if (st != BASE_OK) return st;
    ini_file fs;
    memset(&fs, 0, sizeof fs);
    fs.ctx = ctx;
    fs.f = f;
    base_str_copy(fs.file, sizeof fs.file, path);
    ctx->stack[ctx->depth++] = real;
    int rc = ini_parse_stream(reader, &fs, handler, &fs);
    ctx->depth--;
    int read_error = ferror(f);
    fclose(f);
    if (ctx->failed) return ctx->err->code ? ctx->err->code : BASE_EFORMAT;
    ctx->failed = read_error || rc != 0;
    if (read_error) return base_err_set(ctx->err, BASE_EIO, path, 0, "read error");
    if (rc < 0) return base_err_set(ctx->err, BASE_ENOMEM, path, 0, "out of memory");
    if (rc > 0)
        return base_err_set(ctx->err, BASE_EFORMAT, path, rc,
                            "syntax error: expected [section], key = value or a comment");
    return BASE_OK;
}

base_status base_ini_parse(const char *path, const base_ini_handlers *h, void *user, base_err *err)
{
    base_err local = BASE_ERR_INIT;
    if (!err) err = &local;
    if (!path || !h) return base_err_set(err, BASE_EINVAL, NULL, 0, "NULL argument");
    ini_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.h = h;
    ctx.user = user;
    ctx.err = err;
    return parse_file(&ctx, path, NULL, 0);
}
