/* sweepspec.c -- sweep axes and constraints as written (see sweepspec.h). */
#include "sim/sweepspec.h"

#include "base/str.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A constraint error (fmt takes the two strings a and b); the caller adds
 * file:line. */
static base_status fail(base_err *err, base_status code, const char *fmt, const char *a,
                        const char *b)
{
    return base_err_set(err, code, NULL, 0, fmt, a, b);
}

void sim_sweepspec_free(char **values, size_t n)
{
    for (size_t i = 0; values && i < n; i++) free(values[i]);
    free(values);
}

/* Number text without float noise: 0.1*3 prints as 0.3, 1e-05 stays. */
static void format_number(double x, char *buf, size_t n)
{
    snprintf(buf, n, "%.12g", x);
}

base_status sim_sweepspec_expand(const sim_key_def *k, const char *spec, char ***out, size_t *count,
                                 base_err *err)
{
    char **vals = NULL;
    size_t n = 0;
    int numeric = k->type == SIM_KEY_INT || k->type == SIM_KEY_DOUBLE;
    /* before parsing: sscanf's %s would skip a carriage return in "-2:1:\r6" */
    base_status st = sim_key_check_text(k, spec, err);
    if (st) return st;
    if (numeric && strchr(spec, ':')) {
        char a[64], b[64], c[64];
        double start, step, stop;
        if (sscanf(spec, " %63[^:]:%63[^:]:%63s", a, b, c) != 3 ||
            !sim_key_parse_double(a, &start) || !sim_key_parse_double(b, &step) ||
            !sim_key_parse_double(c, &stop)) {
            return base_err_set(err, BASE_EINVAL, NULL, 0,
                                "bad range '%s' for %s: expected start:step:stop", spec, k->name);
        }
        if (step == 0 || (stop - start) / step < 0)
            return base_err_set(err, BASE_EINVAL, NULL, 0,
                                "bad range '%s' for %s: step must be non-zero and lead from start "
                                "to stop",
                                spec, k->name);
        /* Float-safe count: a stop within 1e-9 steps of the grid is included. */
        double steps = (stop - start) / step;
        if (!(steps < 1e15)) /* before the cast: a huge or infinite count is undefined */
            return base_err_set(err, BASE_ERANGE, NULL, 0,
                                "range '%s' for %s has more than 100000 values", spec, k->name);
        size_t m = (size_t)floor(steps + 1e-9) + 1;
        if (m > 100000)
            return base_err_set(err, BASE_ERANGE, NULL, 0,
                                "range '%s' for %s has %zu values (max 100000)", spec, k->name, m);
        vals = calloc(m, sizeof *vals);
        if (!vals) return base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
        for (size_t i = 0; i < m; i++) {
            char buf[64];
            double x = start + (double)i * step; /* no accumulated error */
            if (k->type == SIM_KEY_INT) {
                if (x != floor(x)) {
                    st = base_err_set(err, BASE_EINVAL, NULL, 0,
                                      "bad range '%s' for %s: values must be integers", spec,
                                      k->name);
                    goto fail;
                }
                snprintf(buf, sizeof buf, "%lld", (long long)llround(x));
            } else {
                format_number(x, buf, sizeof buf);
            }
            if ((st = sim_key_check(k, buf, err)) != BASE_OK) goto fail;
            if (!(vals[n++] = strdup(buf))) goto nomem;
        }
    } else {
        char *copy = strdup(spec), *save = NULL;
        if (!copy) return base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
        for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
            base_str_trim(tok);
            if ((st = sim_key_check(k, tok, err)) != BASE_OK) {
                free(copy);
                goto fail;
            }
            char **nv = realloc(vals, (n + 1) * sizeof *nv);
            if (!nv || !(nv[n] = strdup(tok))) {
                if (nv) vals = nv;
                free(copy);
                goto nomem;
            }
            vals = nv;
            n++;
        }
        free(copy);
        if (!n) return base_err_set(err, BASE_EINVAL, NULL, 0, "empty sweep list for %s", k->name);
    }
    *out = vals;
    *count = n;
    return BASE_OK;
nomem:
    st = base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
fail:
    sim_sweepspec_free(vals, n);
    return st;
}

base_status sim_sweepspec_constraint(const char *value, sim_constraint *out, base_err *err)
{
    sim_constraint c;
    memset(&c, 0, sizeof c);
    char lhs[256], rhs[256];
    const char *arrow = strstr(value, "->");
    if (!arrow || (size_t)(arrow - value) >= sizeof lhs)
        return fail(err, BASE_EINVAL,
                    "bad constraint '%s': expected KEY=VALUE -> KEY=VALUE or -> skip%s", value, "");
    snprintf(lhs, sizeof lhs, "%.*s", (int)(arrow - value), value);
    base_str_copy(rhs, sizeof rhs, arrow + 2);
    base_str_trim(lhs);
    base_str_trim(rhs);
    char *eq = strchr(lhs, '=');
    if (!eq)
        return fail(err, BASE_EINVAL, "bad constraint '%s': condition needs KEY=VALUE%s", value,
                    "");
    if (eq > lhs && eq[-1] == '!') {
        c.negate = 1;
        eq[-1] = 0;
    }
    *eq = 0;
    base_str_trim(lhs);
    char *cv = eq + 1;
    base_str_trim(cv);
    const sim_key_def *k = sim_key_find(lhs);
    if (!k) return fail(err, BASE_ENOTFOUND, "unknown key '%s' in constraint%s", lhs, "");
    if (sim_key_check(k, cv, NULL) != BASE_OK)
        return fail(err, BASE_EINVAL, "bad value '%s' in constraint for %s", cv, lhs);
    base_str_copy(c.key, sizeof c.key, lhs);
    base_str_copy(c.value, sizeof c.value, cv);
    if (strcmp(rhs, "skip")) {
        char *eq2 = strchr(rhs, '=');
        if (!eq2)
            return fail(err, BASE_EINVAL, "bad constraint '%s': action must be KEY=VALUE or skip%s",
                        value, "");
        *eq2 = 0;
        char *sv = eq2 + 1;
        base_str_trim(rhs);
        base_str_trim(sv);
        const sim_key_def *k2 = sim_key_find(rhs);
        if (!k2) return fail(err, BASE_ENOTFOUND, "unknown key '%s' in constraint%s", rhs, "");
        if (k2->flags & SIM_KEY_NOSWEEP)
            return fail(err, BASE_EINVAL, "%s cannot be set by a constraint%s", rhs, "");
        if (sim_key_check(k2, sv, NULL) != BASE_OK)
            return fail(err, BASE_EINVAL, "bad value '%s' in constraint for %s", sv, rhs);
        base_str_copy(c.set_key, sizeof c.set_key, rhs);
        base_str_copy(c.set_value, sizeof c.set_value, sv);
    }
    *out = c;
    return BASE_OK;
}
