/* impair.c -- carrier frequency offset and Wiener phase noise (see impair.h). */
#include "channel/impair.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct chan_impair {
    chan_impair_config cfg;
    double dphi;  /* CFO phase step per sample, rad */
    double sigma; /* std of the Wiener increment per sample, rad */
    double theta; /* phase-noise state */
    double n;     /* samples since reset (double: exact up to 2^53) */
};

void chan_impair_config_default(chan_impair_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->sample_rate = 1e6;
}

int chan_impair_is_identity(const chan_impair_config *cfg)
{
    return cfg->cfo_hz == 0.0 && cfg->linewidth_hz == 0.0 && cfg->phase0 == 0.0;
}

chan_impair *chan_impair_create(const chan_impair_config *cfg, base_err *err)
{
    if (!cfg) {
        base_err_set(err, BASE_EINVAL, NULL, 0, "impair: config is NULL");
        return NULL;
    }
    if (!isfinite(cfg->sample_rate) || cfg->sample_rate <= 0.0) {
        base_err_set(err, BASE_EINVAL, NULL, 0, "impair: sample_rate must be > 0, got %g",
                     cfg->sample_rate);
        return NULL;
    }
    if (!isfinite(cfg->cfo_hz) || fabs(cfg->cfo_hz) > 0.5 * cfg->sample_rate) {
        base_err_set(err, BASE_EINVAL, NULL, 0,
                     "impair: cfo_hz must be finite and within +-sample_rate/2, got %g",
                     cfg->cfo_hz);
        return NULL;
    }
    if (!isfinite(cfg->linewidth_hz) || cfg->linewidth_hz < 0.0) {
        base_err_set(err, BASE_EINVAL, NULL, 0,
                     "impair: linewidth_hz must be finite and >= 0, got %g", cfg->linewidth_hz);
        return NULL;
    }
    if (!isfinite(cfg->phase0)) {
        base_err_set(err, BASE_EINVAL, NULL, 0, "impair: phase0 must be finite");
        return NULL;
    }
    chan_impair *q = calloc(1, sizeof *q);
    if (!q) {
        base_err_set(err, BASE_ENOMEM, NULL, 0, "impair: out of memory");
        return NULL;
    }
    q->cfg = *cfg;
    q->dphi = 2.0 * M_PI * cfg->cfo_hz / cfg->sample_rate;
    q->sigma = sqrt(2.0 * M_PI * cfg->linewidth_hz / cfg->sample_rate);
    chan_impair_reset(q);
    return q;
}

void chan_impair_reset(chan_impair *q)
{
    if (!q) return;
    q->theta = 0.0;
    q->n = 0.0;
}

void chan_impair_destroy(chan_impair *q)
{
    free(q);
}

base_status chan_impair_execute(chan_impair *q, base_rng *rng, const float complex *x,
                                float complex *y, double *phase, size_t n)
{
    if (!q || (n && (!x || !y)) || (q->sigma > 0.0 && !rng)) return BASE_EINVAL;
    for (size_t i = 0; i < n; i++) {
        /* the first sample after reset has theta = 0; each later one adds an increment */
        if (q->n > 0.0 && q->sigma > 0.0) q->theta += q->sigma * base_rng_normal_zig(rng);
        double ph = q->cfg.phase0 + fmod(q->dphi * q->n, 2.0 * M_PI) + q->theta;
        y[i] = x[i] * (float complex)cexp(I * ph);
        if (phase) phase[i] = ph;
        q->n += 1.0;
    }
    /* keep the random walk bounded so the float rotation stays exact to rounding */
    q->theta = remainder(q->theta, 2.0 * M_PI);
    return BASE_OK;
}
