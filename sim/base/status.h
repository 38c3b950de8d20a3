/* status.h -- status codes and the error record shared by every folder.
 *
 * Part of semsim's base: included by every stage, includes nothing of ours.
 * Functions return a sim_status; when they fail they may also fill a caller-owned
 * sim_err with a message and, where the failure is about an input file, that
 * file's name and line (SQLite's errmsg idea, without a global).
 */
#ifndef SIM_BASE_STATUS_H
#define SIM_BASE_STATUS_H

#include <stdarg.h>
#include <stddef.h>

typedef enum sim_status {
    SIM_OK = 0,
    SIM_EINVAL,       /* bad argument or value                      */
    SIM_ENOMEM,       /* allocation failed                          */
    SIM_EIO,          /* read/write failed, file missing            */
    SIM_EFORMAT,      /* input readable but malformed               */
    SIM_ENOTFOUND,    /* named thing (voice, key, id) does not exist */
    SIM_ERANGE,       /* value outside its allowed range            */
    SIM_EUNSUPPORTED, /* valid request this build cannot do         */
    SIM_EEXIST,       /* would overwrite something that exists      */
    SIM_EINTERRUPTED, /* stopped on request before finishing        */
    SIM_EINTERNAL,    /* a bug or a library failing unexpectedly    */
    SIM_STATUS_COUNT
} sim_status;

/* Text for a status code ("invalid argument", ...). Never NULL. */
const char *sim_status_str(sim_status s);

#define SIM_ERR_MSG 512
#define SIM_ERR_FILE 256

/* Error record. Caller-owned, zero-initialise with SIM_ERR_INIT or sim_err_clear. */
typedef struct sim_err {
    sim_status code;
    char msg[SIM_ERR_MSG];   /* what went wrong, no trailing newline          */
    char file[SIM_ERR_FILE]; /* input file the error is about, "" if none     */
    int line;                /* 1-based line in that file, 0 if not applicable */
} sim_err;

#define SIM_ERR_INIT                                                                               \
    {                                                                                              \
        SIM_OK, {0}, {0}, 0                                                                        \
    }

void sim_err_clear(sim_err *e);

/* Fill e (may be NULL) and return code, so callers can write
 *   return sim_err_set(e, SIM_EINVAL, NULL, 0, "K must be > 0, got %d", k);
 * file may be NULL; line 0 means no line. */
sim_status sim_err_set(sim_err *e, sim_status code, const char *file, int line, const char *fmt,
                       ...) __attribute__((format(printf, 5, 6)));
sim_status sim_err_vset(sim_err *e, sim_status code, const char *file, int line, const char *fmt,
                        va_list ap);

/* Add file/line to an error that was raised without them (keeps an existing one). */
void sim_err_locate(sim_err *e, const char *file, int line);

/* One line "file:line: message" (or "file: message", or "message") into buf. */
const char *sim_err_format(const sim_err *e, char *buf, size_t n);

#endif
