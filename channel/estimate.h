/* estimate.h -- pilot-based channel estimation (LS, LMMSE) and ZF/MMSE equalisation.
 *
 * Part of channel/: used by the analog link (pilots in time) and OFDM (pilots across
 * subcarriers) when the receiver does not have perfect channel knowledge.
 *
 * A frame of n positions carries a known pilot x_p = 1 (unit energy) at positions
 * 0, S, 2S, ... (S = pilot_spacing >= 2) and data everywhere else, so a frame with
 * n_data data symbols spends chan_estimate_frame_len(q, n_data) channel uses.
 *   LS:    h_p = y_p / x_p at each pilot (error variance N0), linearly interpolated
 *          between neighbouring pilots and held after the last one.
 *   LMMSE: Wiener smoothing of the LS pilots: for every position the `taps` nearest
 *          pilots are combined with weights w = r^T (R + N0 I)^-1 (Kay, Fundamentals of
 *          Statistical Signal Processing I, ch. 12, LMMSE), where R[j][k] = c(q_j - q_k) and
 *          r[j] = c(i - q_j) come from the channel covariance c[d] (chan_model_corr, or
 *          chan_ofdm_corr across subcarriers) and the prior mean; the weights depend only
 *          on the position relative to its pilot window, so they are solved once at create.
 * Estimators also return the error variance they expect at every position, which the
 * MMSE equaliser adds to the noise.
 */
#ifndef CHAN_ESTIMATE_H
#define CHAN_ESTIMATE_H

#include <complex.h>
#include <stddef.h>

#include "base/status.h"

typedef enum chan_est_kind { CHAN_EST_PERFECT = 0, CHAN_EST_LS, CHAN_EST_LMMSE } chan_est_kind;
typedef enum chan_eq_kind { CHAN_EQ_ZF = 0, CHAN_EQ_MMSE } chan_eq_kind;

#define CHAN_EST_MAX_TAPS 32

typedef struct chan_estimate_config {
    chan_est_kind kind;         /* CHAN_EST_LS or CHAN_EST_LMMSE (PERFECT needs no object) */
    size_t pilot_spacing;       /* S >= 2: one pilot then S-1 data symbols, repeated. Default 8 */
    size_t taps;                /* LMMSE: nearest pilots per estimate, 1..32. Default 4 */
    double n0;                  /* noise power per complex symbol, linear (> 0) */
    double complex mean;        /* LMMSE prior mean of h (chan_model_mean). Default 0 */
    const double complex *corr; /* LMMSE: c[d], d < taps * pilot_spacing, c[0] > 0; copied */
} chan_estimate_config;

/* LS, S = 8, taps 4, N0 = 0.1, mean 0, corr NULL. */
void chan_estimate_config_default(chan_estimate_config *cfg);

typedef struct chan_estimate chan_estimate;

chan_estimate *chan_estimate_create(const chan_estimate_config *cfg, base_err *err);
void chan_estimate_destroy(chan_estimate *q);

/* Positions (channel uses) of a frame holding n_data data symbols, pilots included. */
size_t chan_estimate_frame_len(const chan_estimate *q, size_t n_data);
/* Pilots in a frame of n positions: ceil(n / S). */
size_t chan_estimate_pilots(const chan_estimate *q, size_t n);

/* frame[chan_estimate_frame_len(n_data)] <- data[n_data] with pilots inserted. */
base_status chan_estimate_map(const chan_estimate *q, const float complex *data, size_t n_data,
                              float complex *frame);
/* data[n - pilots] <- the data positions of frame[n]. */
base_status chan_estimate_unmap(const chan_estimate *q, const float complex *frame, size_t n,
                                float complex *data);
/* var[n - pilots] <- the data positions of frame[n]: unmap for the per-position error
 * variances of chan_estimate_execute, so the links drop the pilots' variances the same way. */
base_status chan_estimate_unmap_var(const chan_estimate *q, const float *frame, size_t n,
                                    float *data);
/* Channel estimate at every position of a received frame rx[n]: hhat[n]; evar[n]
 * (may be NULL) receives the expected error variance E|h - hhat|^2 per position. */
base_status chan_estimate_execute(const chan_estimate *q, const float complex *rx, size_t n,
                                  float complex *hhat, float *evar);

/* Equalise n symbols of unit average energy: ZF out = y/h (0 where h = 0);
 * MMSE out = h^* y / (|h|^2 + n0 + evar) (evar may be NULL = perfect CSI). */
base_status chan_equalize(chan_eq_kind kind, const float complex *y, const float complex *h,
                          const float *evar, size_t n, double n0, float complex *out);

#endif
