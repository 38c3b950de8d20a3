/* analog.h -- the analog (deep-JSCC style) link: real values straight onto complex symbols.
 *
 * Part of channel/: carries one block of real-valued semantic symbols (a latent frame or
 * relative representation) from transmitter to receiver, as the papers in
 * REFERENCES.md do (DeepSC-SR: unit power, ZF with perfect CSI).
 *   1. n reals are paired into m = ceil(n/2) complex symbols s_k = a (x_2k + j x_2k+1)
 *      (an odd block's last imaginary part is 0);
 *   2. a = sqrt(m / sum x^2) normalises the block to unit average energy (a = 1 for an
 *      all-zero block). a is side information: it is assumed to reach the receiver
 *      without error and, when count_scale is set (default), it is counted as one more
 *      real value, so the block costs ceil((n + 1)/2) complex channel uses;
 *   3. with estimated CSI, a unit pilot is inserted before every pilot_spacing-1 data
 *      symbols (estimate.h), and pilots are counted as channel uses;
 *   4. the symbols go through chan_model (and chan_impair, if configured), are equalised
 *      by ZF or MMSE with perfect or estimated CSI, and divided by a.
 * With MMSE and perfect CSI over AWGN, unit-variance Gaussian inputs come back with
 * MSE 1/(1 + SNR) per real value (tests/channel/test_analog.c).
 */
#ifndef CHAN_ANALOG_H
#define CHAN_ANALOG_H

#include <stddef.h>

#include "channel/estimate.h"
#include "channel/impair.h"
#include "channel/model.h"
#include "base/rng.h"
#include "base/status.h"

typedef struct chan_analog_config {
    chan_model_config channel; /* see model.h; default AWGN 10 dB */
    chan_eq_kind eq;           /* CHAN_EQ_MMSE (default) or CHAN_EQ_ZF */
    chan_est_kind csi;         /* CHAN_EST_PERFECT (default), CHAN_EST_LS or CHAN_EST_LMMSE */
    size_t pilot_spacing;      /* estimated CSI: one pilot per pilot_spacing symbols (default 8) */
    size_t lmmse_taps;         /* LMMSE: nearest pilots per estimate (default 4) */
    size_t max_reals;          /* largest block n the link accepts (default 4096) */
    int count_scale;           /* 1 (default): count the scale a as one real of side info */
    chan_impair_config impair; /* CFO / phase noise after the channel; default none. Its
                                  sample_rate is taken from channel.symbol_rate */
} chan_analog_config;

void chan_analog_config_default(chan_analog_config *cfg);

typedef struct chan_analog chan_analog;

chan_analog *chan_analog_create(const chan_analog_config *cfg, base_err *err);
void chan_analog_destroy(chan_analog *q);
/* New utterance: restart the fading and impairment state. */
void chan_analog_reset(chan_analog *q);

/* Complex channel uses spent on a block of n reals (data, pilots and the scale). */
size_t chan_analog_uses(const chan_analog *q, size_t n);

/* out[n] <- in[n] sent over the link (n <= max_reals; in and out may alias).
 * uses (may be NULL) receives chan_analog_uses(q, n). All randomness from rng. */
base_status chan_analog_execute(chan_analog *q, base_rng *rng, const float *in, float *out,
                                size_t n, size_t *uses);

/* Noise power per complex symbol of the underlying channel (linear). */
double chan_analog_n0(const chan_analog *q);

#endif
