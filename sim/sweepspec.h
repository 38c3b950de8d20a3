/* sweepspec.h -- sweep axes and constraints as written in a scenario:
 * expanding an axis spec into its values, and parsing a constraint.
 *
 * Where it sits: between the key registry (sim/keys.h), which checks every
 * value, and sim/scenario.c, which keeps the axes and constraints of [sweep]
 * and --sweep; sim/sweep.c then expands them into points.
 *
 * Axis specs: a list "a,b,c" (items trimmed; any key), or for int and double
 * keys an inclusive range "start:step:stop". Ranges are float-safe: the
 * count is floor((stop-start)/step + 1e-9) + 1 and value i is start + i*step
 * printed with 12 significant digits, so 0:0.1:0.3 gives 0, 0.1, 0.2, 0.3;
 * int keys need integer values; at most 100000 values.
 * Constraints: "KEY=VALUE -> KEY2=VALUE2" sets a key on a point,
 * "KEY!=VALUE -> ..." negates the test, "... -> skip" drops the point.
 */
#ifndef SIM_SWEEPSPEC_H
#define SIM_SWEEPSPEC_H

#include <stddef.h>

#include "base/status.h"
#include "sim/keys.h"

typedef struct sim_constraint {
    char key[64];
    int negate;
    char value[128];
    char set_key[64]; /* "" means skip the point */
    char set_value[128];
    char file[BASE_ERR_FILE]; /* where it was written (set by the caller) */
    int line;
} sim_constraint;

/* The values of axis spec for key k (each checked against k): *out gets
 * *count malloc'd strings (free with sim_sweepspec_free). Errors name the
 * key ("bad range '0:1:x' for channel.snr_db: ...") but no file:line. */
base_status sim_sweepspec_expand(const sim_key_def *k, const char *spec, char ***out, size_t *count,
                                 base_err *err);
void sim_sweepspec_free(char **values, size_t n); /* NULL is a no-op */

/* Parse constraint text into *out (file and line left empty). */
base_status sim_sweepspec_constraint(const char *text, sim_constraint *out, base_err *err);

#endif
