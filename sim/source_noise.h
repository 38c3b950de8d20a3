/* source_noise.h -- noisy source speech: source.noise_snr_db and source.noise.
 *
 * Where it sits: the kinds that read source speech (sim/pipe_semantic.c for
 * the transmitter and the receiver's oracle encoding, sim/pipe_codec.c before
 * the codec encodes) call sim_source_noise_apply on each utterance's samples
 * right after reading them, before anyone hears them. Anchor utterances stay
 * clean (they are the agents' shared calibration, not the message).
 *
 * The noise (codecs/noise.h) is drawn from stream (seed, utterance index,
 * "source.noise"), so an utterance gets the same noise on every thread count
 * and in every kind; babble mixes SIM_SOURCE_BABBLE_TALKERS other utterances
 * of the same manifest (drawn from that stream, never the utterance itself),
 * each at unit power from a random offset. The SNR is the whole utterance's
 * speech power over the noise power (codec_noise_add_snr). With
 * source.noise_snr_db = inf (the default) nothing is read or drawn and the
 * samples stay bit-identical.
 */
#ifndef SIM_SOURCE_NOISE_H
#define SIM_SOURCE_NOISE_H

#include "base/status.h"
#include "codecs/manifest.h"
#include "sim/sim_config.h"

#include <stddef.h>
#include <stdint.h>

#define SIM_SOURCE_BABBLE_TALKERS 4

/* What an utterance's noise depends on. */
typedef struct sim_source_noise {
    const sim_config *cfg;     /* source.noise_snr_db, source.noise */
    const codec_manifest *man; /* babble talkers */
    uint64_t seed;             /* the point's (and repeat's) seed */
    uint64_t index;            /* the utterance's index in the point */
    const char *path;          /* its audio (excluded from babble) */
} sim_source_noise;

/* Adds the configured noise to x[0..n) (samples at `rate` Hz). A NULL nz, or
 * an SNR of +inf, leaves x untouched. Errors (a babble talker's audio cannot be
 * read) name that file. */
base_status sim_source_noise_apply(const sim_source_noise *nz, int rate, float *x, size_t n,
                                   base_err *err);

#endif
