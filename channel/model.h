/* model.h -- flat channel models: AWGN, Rayleigh/Rician block fading, Doppler fading.
 *
 * Part of channel/: the lowest layer every link (analog, digital, OFDM) sends its
 * complex symbols through. One complex symbol is one channel use. The SNR is
 * Es/N0 per complex symbol: transmitted symbols are assumed to have unit average
 * energy, so the noise is CN(0, N0) with N0 = 10^(-snr_db/10). Fading gains h have
 * E|h|^2 = 1 so the average received SNR equals snr_db. See docs/channels.md.
 *
 * All randomness comes from the caller's base_rng (never rand()); execute allocates
 * nothing and touches only the object's state, so one object per thread is safe.
 */
#ifndef CHAN_MODEL_H
#define CHAN_MODEL_H

#include <complex.h>
#include <stddef.h>

#include "base/rng.h"
#include "base/status.h"

typedef enum chan_kind {
    CHAN_NONE = 0,
    CHAN_AWGN,
    CHAN_RAYLEIGH,
    CHAN_RICIAN,
    CHAN_KIND_COUNT
} chan_kind;

/* "none", "awgn", "rayleigh", "rician" (case-sensitive); BASE_ENOTFOUND for any
 * other name (never a silent default). */
base_status chan_model_kind_from_name(const char *name, chan_kind *kind, base_err *err);
const char *chan_model_kind_name(chan_kind kind); /* NULL if out of range */
/* Every name, in chan_kind order, NULL-terminated (a scenario key's allowed values). */
const char *const *chan_model_names(void);

typedef struct chan_model_config {
    chan_kind kind;
    double snr_db; /* Es/N0 per complex symbol, dB; transmitted symbols have unit average energy */
    double k_factor_db; /* Rician K (LOS/scatter power), dB */
    size_t coherence;   /* block fading: symbols per independent fading coefficient (0 = one per
                           execute call) */
    double doppler_hz;  /* > 0: time-selective (Jakes/Clarke sum of sinusoids) instead of block
                           fading */
    double symbol_rate; /* complex symbols per second (needed for doppler) */
} chan_model_config;

/* AWGN, 10 dB, K = 0 dB, coherence 128, no Doppler, rate 1e6 symbols/s. */
void chan_model_config_default(chan_model_config *cfg);

typedef struct chan_model chan_model;

/* Validates cfg (finite SNR, finite K for Rician, doppler >= 0 and finite, symbol_rate > 0
 * when doppler > 0, doppler < symbol_rate/2) and allocates the object. NULL on error. */
chan_model *chan_model_create(const chan_model_config *cfg, base_err *err);

/* y[i] = h[i]*x[i] + w[i], w ~ CN(0, N0), N0 = 10^(-snr_db/10), i < n.
 * CHAN_NONE: y = x, h = 1 (no noise). CHAN_AWGN: h = 1.
 * h may be NULL; when not, receives the true gains (perfect CSI). x and y may alias.
 * All randomness from rng. Allocates nothing. Fading state carries over between calls
 * (block position, Doppler time) until chan_model_reset. */
base_status chan_model_execute(chan_model *q, base_rng *rng, const float complex *x,
                               float complex *y, float complex *h, size_t n);

/* Noise power per complex symbol, linear: 10^(-snr_db/10) (0 for CHAN_NONE). */
double chan_model_n0(const chan_model *q);

/* Restart fading state (new utterance): next execute draws a fresh coefficient / new
 * sum-of-sinusoids phases and starts Doppler time at 0. */
void chan_model_reset(chan_model *q);

void chan_model_destroy(chan_model *q);

/* Additions beyond the shared interface (used by the estimators, docs/channels.md). */

/* Mean of h: 1 for NONE/AWGN, sqrt(K/(K+1)) for Rician (LOS, phase 0), 0 for Rayleigh. */
double chan_model_mean(const chan_model_config *cfg);

/* Covariance of the fading around its mean, c[d] = E[(h[i+d]-mu)(h[i]-mu)^*] for lags
 * d < lags (symbols): Doppler: J0(2 pi f_D d / symbol_rate)/(K+1); block fading with
 * coherence L: max(0, 1 - d/L)/(K+1) (the average over a uniformly random block phase);
 * coherence 0: 1/(K+1); NONE/AWGN: 0. K = 0 (so 1/(K+1) = 1) for Rayleigh. */
base_status chan_model_corr(const chan_model_config *cfg, double complex *c, size_t lags,
                            base_err *err);

#endif
