/* modem.h -- digital modulation and soft demodulation (BPSK ... 256-QAM).
 *
 * Part of channel/: the digital link (channel/digital.h) maps coded bits to complex
 * symbols here, sends them through a chan_model, equalises, and asks this module for
 * log-likelihood ratios. The constellations are liquid-dsp's (modemcf: Gray-mapped,
 * unit average energy); the LLRs are computed here because liquid's soft bits
 * (modemcf_demodulate_soft) use a fixed internal scale and cannot be told the noise
 * variance, which differs per symbol after fading equalisation.
 *
 * Conventions (docs/channels.md, "Modulation"):
 *  - bits are one per byte (0 or 1); symbol k carries bits[k*bps .. k*bps+bps), the first
 *    of them the most significant bit of liquid's symbol index;
 *  - LLR L = ln P(b=1|y) / P(b=0|y) (positive means "1"), max-log approximation:
 *    L = (min_{s: b=0} |y-s|^2 - min_{s: b=1} |y-s|^2) / nvar, exact for BPSK and QPSK;
 *  - nvar is the noise variance per complex symbol seen by the demodulator
 *    (N0 for AWGN, N0/|h|^2 after zero-forcing by h);
 *  - soft bytes (libfec / liquid convention): 0 confident 0, 255 confident 1, 128 erasure;
 *    byte = clamp(128 + round(CHAN_LLR_SCALE * L), 0, 255).
 */
#ifndef CHAN_MODEM_H
#define CHAN_MODEM_H

#include <complex.h>
#include <stddef.h>
#include <stdint.h>

#include "base/status.h"

typedef enum chan_mod_kind {
    CHAN_MOD_BPSK = 0,
    CHAN_MOD_QPSK,
    CHAN_MOD_PSK8,
    CHAN_MOD_QAM16,
    CHAN_MOD_QAM64,
    CHAN_MOD_QAM256,
    CHAN_MOD_COUNT
} chan_mod_kind;

/* Soft-byte units per nat of LLR: |L| >= 127/5 ~ 25 saturates, resolution 0.2 nat.
 * Viterbi decoding is invariant to a common scale, so the value only sets resolution and
 * clipping. Chosen by measurement (K=7 r=1/2, BPSK/AWGN, 6000 x 1024 bits at 4 dB):
 * scales 3..6 gave BER 1.3-1.45e-5, 8..16 gave 1.7-1.9e-5 (libfec's SIMD Viterbi keeps
 * 8-bit path metrics), 2 gave 1.6e-5. */
#define CHAN_LLR_SCALE 5.0f

/* "bpsk", "qpsk", "8psk", "16qam", "64qam", "256qam" (case-sensitive). */
base_status chan_modem_kind_from_name(const char *name, chan_mod_kind *kind, base_err *err);
const char *chan_modem_kind_name(chan_mod_kind kind); /* NULL if out of range */
/* Every name, in chan_mod_kind order, NULL-terminated (a scenario key's allowed values). */
const char *const *chan_modem_names(void);

typedef struct chan_modem chan_modem;

/* Builds liquid's modem for kind and copies its constellation. NULL on error. */
chan_modem *chan_modem_create(chan_mod_kind kind, base_err *err);
void chan_modem_destroy(chan_modem *q);

unsigned chan_modem_bps(const chan_modem *q); /* bits per symbol, 1..8 */
chan_mod_kind chan_modem_kind(const chan_modem *q);
/* Constellation point of symbol index s < 2^bps (unit average energy). */
float complex chan_modem_point(const chan_modem *q, unsigned s);

/* bits[nsym*bps] (0/1 per byte) -> x[nsym]. Bytes other than 0/1 are BASE_EINVAL. */
base_status chan_modem_modulate(const chan_modem *q, const uint8_t *bits, float complex *x,
                                size_t nsym);

/* Max-log LLRs: y[nsym] equalised symbols, nvar[nsym] per-symbol noise variance
 * (or NULL to use nvar0 for all) -> llr[nsym*bps]. nvar <= 1e-12 is treated as
 * 1e-12 (huge, finite LLRs); nvar = +inf gives LLR 0 (erasure). */
base_status chan_modem_demodulate_llr(const chan_modem *q, const float complex *y,
                                      const float *nvar, float nvar0, float *llr, size_t nsym);

/* Hard decisions: nearest constellation point (liquid's modemcf_demodulate) -> sym[nsym]. */
base_status chan_modem_demodulate_sym(chan_modem *q, const float complex *y, unsigned *sym,
                                      size_t nsym);

/* llr[n] -> soft bytes[n] with CHAN_LLR_SCALE (see top of file); NaN LLR gives 128. */
void chan_llr_to_soft(const float *llr, uint8_t *soft, size_t n);

#endif
