/* status.h -- status codes and the error record shared by every folder.
 *
 * Part of semsim's base: included by every stage, includes nothing of ours.
 * Functions return a base_status; when they fail they may also fill a caller-owned
 * base_err with a message and, where the failure is about an input file, that
 * file's name and line (SQLite's errmsg idea, without a global).
 */
#ifndef BASE_STATUS_H
#define BASE_STATUS_H

#include <stdarg.h>
#include <stddef.h>

typedef enum base_status {
    BASE_OK = 0,
    BASE_EINVAL,       /* bad argument or value                      */
    BASE_ENOMEM,       /* allocation failed                          */
    BASE_EIO,          /* read/write failed, file missing            */
    BASE_EFORMAT,      /* input readable but malformed               */
    BASE_ENOTFOUND,    /* named thing (voice, key, id) does not exist */
    BASE_ERANGE,       /* value outside its allowed range            */
    BASE_EUNSUPPORTED, /* valid request this build cannot do         */
    BASE_EEXIST,       /* would overwrite something that exists      */
    BASE_EINTERRUPTED, /* stopped on request before finishing        */
    BASE_EINTERNAL,    /* a bug or a library failing unexpectedly    */
    BASE_STATUS_COUNT
} base_status;

/* Text for a status code ("invalid argument", ...). Never NULL. */
const char *base_status_str(base_status s);

#define BASE_ERR_MSG 512
#define BASE_ERR_FILE 256

/* Error record. Caller-owned, zero-initialise with BASE_ERR_INIT or base_err_clear. */
typedef struct base_err {
    base_status code;
    char msg[BASE_ERR_MSG];   /* what went wrong, no trailing newline          */
    char file[BASE_ERR_FILE]; /* input file the error is about, "" if none     */
    int line;                 /* 1-based line in that file, 0 if not applicable */
} base_err;

#define BASE_ERR_INIT                                                                              \
    {                                                                                              \
        BASE_OK, {0}, {0}, 0                                                                       \
    }

void base_err_clear(base_err *e);

/* Fill e (may be NULL) and return code, so callers can write
 *   return base_err_set(e, BASE_EINVAL, NULL, 0, "K must be > 0, got %d", k);
 * file may be NULL; line 0 means no line. */
base_status base_err_set(base_err *e, base_status code, const char *file, int line, const char *fmt,
                         ...) __attribute__((format(printf, 5, 6)));
base_status base_err_vset(base_err *e, base_status code, const char *file, int line,
                          const char *fmt, va_list ap);

/* Add file/line to an error that was raised without them (keeps an existing one). */
void base_err_locate(base_err *e, const char *file, int line);

/* One line "file:line: message" (or "file: message", or "message") into buf
 * (n > 0; truncated to fit). Control bytes of the file name and the message are
 * escaped (CR as \r, LF as \n, tab as \t, others as \xNN), so the result is
 * always one line, whatever text an input put into the message. */
const char *base_err_format(const base_err *e, char *buf, size_t n);

#endif
