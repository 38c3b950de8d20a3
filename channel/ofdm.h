/* ofdm.h -- frequency-selective multipath carried over OFDM with a cyclic prefix.
 *
 * Part of channel/: the multipath counterpart of chan_model. A block of complex data
 * symbols (unit average energy) is spread over OFDM symbols of nfft subcarriers:
 *   X[k] -> x = IFFT(X)/sqrt(nfft) -> [cyclic prefix | x] -> tapped delay line -> + noise
 *   -> [impairments] -> drop prefix -> Y = FFT(y)/sqrt(nfft) = H[k] X[k] + W[k]
 * The unitary FFT keeps the energy per time sample equal to the energy per subcarrier,
 * so snr_db (Es/N0 per complex channel use = per time sample) is also the per-subcarrier
 * SNR, and N0 per subcarrier equals N0 per sample. The prefix's energy is spent but not
 * collected (its SNR loss is cp/(nfft+cp), reported only through the channel-use count).
 * The taps h_l ~ CN(0, p_l) at integer sample delays d_l <= cp_len with sum p_l = 1 are
 * redrawn every `coherence` OFDM symbols, so each H[k] = sum_l h_l exp(-j 2 pi k d_l /
 * nfft) is CN(0, 1): per subcarrier the link is flat Rayleigh (tests/channel/test_ofdm.c).
 * Power-delay profiles:
 *   CHAN_PDP_EXP:  exp_taps taps at delays 0..exp_taps-1 samples, p_l ~ exp(-l/exp_decay);
 *   CHAN_PDP_PEDA: ITU-R M.1225 Pedestrian A (0, 110, 190, 410 ns; 0, -9.7, -19.2, -22.8 dB);
 *   CHAN_PDP_EPA:  3GPP TS 36.104 Annex B.2 EPA (0,30,70,90,110,190,410 ns;
 *                  0,-1,-2,-3,-8,-17.2,-20.8 dB);
 *   CHAN_PDP_EVA:  3GPP TS 36.104 Annex B.2 EVA (0,30,150,310,370,710,1090,1730,2510 ns;
 *                  0,-1.5,-1.4,-3.6,-0.6,-9.1,-7,-12,-16.9 dB);
 * named profiles are sampled at sample_rate (delays rounded to the nearest sample, taps
 * that land on the same sample merged). Receivers: perfect CSI (H[k] of the multipath
 * only, not of the impairments), or LS/LMMSE from comb pilots every pilot_spacing
 * subcarriers in every OFDM symbol (LMMSE uses the profile's frequency correlation
 * chan_ofdm_corr). Channel uses per block = OFDM symbols x (nfft + cp_len), pilots and
 * padding of the last OFDM symbol included.
 */
#ifndef CHAN_OFDM_H
#define CHAN_OFDM_H

#include <complex.h>
#include <stddef.h>

#include "channel/estimate.h"
#include "channel/impair.h"
#include "base/rng.h"
#include "base/status.h"

typedef enum chan_pdp_kind {
    CHAN_PDP_EXP = 0,
    CHAN_PDP_PEDA,
    CHAN_PDP_EPA,
    CHAN_PDP_EVA
} chan_pdp_kind;

typedef struct chan_ofdm_config {
    size_t nfft;          /* subcarriers, 8..65536 (default 64) */
    size_t cp_len;        /* cyclic prefix, samples, < nfft (default 16) */
    chan_pdp_kind pdp;    /* power-delay profile (default CHAN_PDP_EXP) */
    size_t exp_taps;      /* EXP: number of taps (default 8) */
    double exp_decay;     /* EXP: power decay constant, samples (default 2) */
    double sample_rate;   /* named profiles: samples per second (default 15.36e6, LTE 10 MHz) */
    double snr_db;        /* Es/N0 per complex channel use, dB (default 10) */
    size_t coherence;     /* OFDM symbols per tap realisation, 0 = one per execute (default 1) */
    chan_est_kind csi;    /* CHAN_EST_PERFECT (default), CHAN_EST_LS, CHAN_EST_LMMSE */
    chan_eq_kind eq;      /* CHAN_EQ_ZF (default) or CHAN_EQ_MMSE */
    size_t pilot_spacing; /* estimated CSI: a pilot every pilot_spacing subcarriers (default 4) */
    size_t lmmse_taps;    /* LMMSE: nearest pilots per subcarrier (default 4) */
    size_t max_symbols;   /* largest data block, complex symbols (default 4096) */
    chan_impair_config impair; /* on the time samples; sample_rate taken from sample_rate */
} chan_ofdm_config;

void chan_ofdm_config_default(chan_ofdm_config *cfg);

typedef struct chan_ofdm chan_ofdm;

chan_ofdm *chan_ofdm_create(const chan_ofdm_config *cfg, base_err *err);
void chan_ofdm_destroy(chan_ofdm *q);
/* New utterance: fresh taps on the next OFDM symbol, impairments restart. */
void chan_ofdm_reset(chan_ofdm *q);

/* Data subcarriers per OFDM symbol (nfft minus pilots). */
size_t chan_ofdm_data_per_symbol(const chan_ofdm *q);
/* Complex channel uses for a block of n data symbols (CP, pilots, padding included). */
size_t chan_ofdm_uses(const chan_ofdm *q, size_t n);
/* The profile after sampling: number of taps, and (optional, ntaps long) delays in
 * samples and powers (linear, summing to 1). */
size_t chan_ofdm_taps(const chan_ofdm *q, size_t *delay, double *power);
/* Covariance across subcarriers c[d] = E[H[k+d] H[k]^*] = sum_l p_l exp(-j 2 pi d d_l / nfft). */
void chan_ofdm_corr(const chan_ofdm *q, double complex *c, size_t lags);
double chan_ofdm_n0(const chan_ofdm *q);

/* y[n] <- equalised x[n] (n <= max_symbols; x and y may alias). h (may be NULL) receives
 * the true H of the subcarrier each symbol used (perfect CSI, for tests and LLRs).
 * uses (may be NULL) receives chan_ofdm_uses(q, n). All randomness from rng. */
base_status chan_ofdm_execute(chan_ofdm *q, base_rng *rng, const float complex *x, float complex *y,
                              float complex *h, size_t n, size_t *uses);

#endif
