/* log.h -- levelled logging to stderr.
 *
 * Library code prints nothing except through a base_log it was handed. A NULL
 * logger means "warnings and errors to stderr". The logger is a small value the
 * CLI fills from --quiet / -v / SEMSIM_LOG and passes down; there is no global
 * log level.
 */
#ifndef BASE_LOG_H
#define BASE_LOG_H

#include <stdio.h>

typedef enum base_log_level {
    BASE_LOG_ERROR = 0,
    BASE_LOG_WARN,
    BASE_LOG_INFO,
    BASE_LOG_DEBUG,
} base_log_level;

typedef struct base_log {
    base_log_level level; /* messages above this level are dropped */
    FILE *out;            /* NULL means stderr */
} base_log;

/* Logger at the level named by environment variable SEMSIM_LOG
 * (error|warn|info|debug), or `fallback` when unset or unknown. */
base_log base_log_from_env(base_log_level fallback);

void base_log_printf(const base_log *lg, base_log_level lvl, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define base_log_error(lg, ...) base_log_printf((lg), BASE_LOG_ERROR, __VA_ARGS__)
#define base_log_warn(lg, ...) base_log_printf((lg), BASE_LOG_WARN, __VA_ARGS__)
#define base_log_info(lg, ...) base_log_printf((lg), BASE_LOG_INFO, __VA_ARGS__)
#define base_log_debug(lg, ...) base_log_printf((lg), BASE_LOG_DEBUG, __VA_ARGS__)

/* Whether a message at lvl would be printed (to skip building expensive ones). */
int base_log_enabled(const base_log *lg, base_log_level lvl);

#endif
