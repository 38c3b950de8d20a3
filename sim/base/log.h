/* log.h -- levelled logging to stderr.
 *
 * Library code prints nothing except through a sim_log it was handed. A NULL
 * logger means "warnings and errors to stderr". The logger is a small value the
 * CLI fills from --quiet / -v / SEMSIM_LOG and passes down; there is no global
 * log level.
 */
#ifndef SIM_BASE_LOG_H
#define SIM_BASE_LOG_H

#include <stdio.h>

typedef enum sim_log_level {
    SIM_LOG_ERROR = 0,
    SIM_LOG_WARN,
    SIM_LOG_INFO,
    SIM_LOG_DEBUG,
} sim_log_level;

typedef struct sim_log {
    sim_log_level level; /* messages above this level are dropped */
    FILE *out;           /* NULL means stderr */
} sim_log;

/* Logger at the level named by environment variable SEMSIM_LOG
 * (error|warn|info|debug), or `fallback` when unset or unknown. */
sim_log sim_log_from_env(sim_log_level fallback);

void sim_log_printf(const sim_log *lg, sim_log_level lvl, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define sim_log_error(lg, ...) sim_log_printf((lg), SIM_LOG_ERROR, __VA_ARGS__)
#define sim_log_warn(lg, ...) sim_log_printf((lg), SIM_LOG_WARN, __VA_ARGS__)
#define sim_log_info(lg, ...) sim_log_printf((lg), SIM_LOG_INFO, __VA_ARGS__)
#define sim_log_debug(lg, ...) sim_log_printf((lg), SIM_LOG_DEBUG, __VA_ARGS__)

/* Whether a message at lvl would be printed (to skip building expensive ones). */
int sim_log_enabled(const sim_log *lg, sim_log_level lvl);

#endif
