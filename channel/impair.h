/* impair.h -- receiver impairments: carrier frequency offset and Wiener phase noise.
 *
 * Part of channel/: applied to received complex samples after the channel model
 * (analog link, OFDM time samples). The received sample is rotated by the phase
 *   phi[i] = phase0 + 2 pi f_o i / Fs + theta[i],
 *   theta[0] = 0, theta[i] = theta[i-1] + N(0, 2 pi beta / Fs)   (Wiener phase noise),
 * with f_o the CFO (Hz), beta the oscillator's two-sided 3-dB linewidth (Hz) and Fs the
 * sample rate. The Lorentzian oscillator then has E[exp(j(theta[i+m]-theta[i]))] =
 * exp(-pi beta m / Fs) (Petrovic et al., "Effects of phase noise on OFDM systems with and
 * without PLL", IEEE Trans. Commun. 55(8), 2007). Rotating circular noise does not
 * change its statistics, so applying the rotation after the noise is equivalent to
 * rotating the signal before it.
 */
#ifndef CHAN_IMPAIR_H
#define CHAN_IMPAIR_H

#include <complex.h>
#include <stddef.h>

#include "base/rng.h"
#include "base/status.h"

typedef struct chan_impair_config {
    double cfo_hz;       /* carrier frequency offset, Hz (default 0) */
    double linewidth_hz; /* 3-dB linewidth beta of the Wiener phase noise, Hz, >= 0 (default 0) */
    double sample_rate;  /* complex samples per second, > 0 (default 1e6) */
    double phase0;       /* phase at the first sample after reset, rad (default 0) */
} chan_impair_config;

void chan_impair_config_default(chan_impair_config *cfg);
/* 1 when cfg changes nothing (CFO 0, linewidth 0, phase0 0). */
int chan_impair_is_identity(const chan_impair_config *cfg);

typedef struct chan_impair chan_impair;

chan_impair *chan_impair_create(const chan_impair_config *cfg, base_err *err);
/* y[i] = x[i] exp(j phi[i]), i < n (x and y may alias); phase (may be NULL) receives phi[i]
 * in rad. The phase continues across calls until reset. Draws n normals from rng when the
 * linewidth is > 0 (rng may be NULL otherwise). */
base_status chan_impair_execute(chan_impair *q, base_rng *rng, const float complex *x,
                                float complex *y, double *phase, size_t n);
void chan_impair_reset(chan_impair *q);
void chan_impair_destroy(chan_impair *q);

#endif
