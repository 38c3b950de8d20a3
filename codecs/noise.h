/* noise.h -- additive noise for speech: white, pink and brown noise, babble
 * mixed from other utterances, and adding a noise at a given SNR.
 *
 * Where it sits: training augmentation (codecs/augment.c) adds noise to the
 * training waveforms; the simulator adds it to the source speech before the
 * transmitter hears it (source.noise_snr_db, source.noise; sim/source_noise.c).
 *
 * SNR is the power ratio of the whole signal over the whole noise, in dB:
 * 10 log10(sum x^2 / sum (g n)^2) over the n samples, with the gain g chosen so
 * that it holds exactly for the samples given (codec_noise_add_snr). Noise
 * colours (per-sample power spectral density): white flat, pink 1/f (Paul
 * Kellet's refined three-pole filter on white noise, within 0.05 dB of 1/f
 * from 9 Hz to the Nyquist rate at 44.1 kHz; the same filter at 16 kHz), brown
 * 1/f^2 (leaky integration of white noise, pole 0.998: flat below ~5 Hz at
 * 16 kHz so it does not wander off). Randomness comes only from the base_rng
 * passed in.
 */
#ifndef CODEC_NOISE_H
#define CODEC_NOISE_H

#include "base/rng.h"

#include <stddef.h>

typedef enum codec_noise_type {
    CODEC_NOISE_WHITE = 0,
    CODEC_NOISE_PINK,
    CODEC_NOISE_BROWN,
    CODEC_NOISE_BABBLE,
    CODEC_NOISE_NTYPES
} codec_noise_type;

/* The names, in enum order, NULL-terminated: "white", "pink", "brown", "babble". */
const char *const *codec_noise_names(void);
/* 0 and *t for a known name, -1 otherwise. */
int codec_noise_parse(const char *name, codec_noise_type *t);

/* out[0..n) = white, pink or brown noise (type < CODEC_NOISE_BABBLE) drawn
 * from r, scaled to unit mean power over the n samples. */
void codec_noise_color(codec_noise_type type, base_rng *r, float *out, size_t n);

/* Babble: adds one talker to out[0..n): talk[0..tn) scaled to unit mean
 * power, read circularly from a random offset drawn from r (so a short talker
 * fills a long utterance). A silent talker adds nothing. Call once per talker,
 * then codec_noise_normalise. */
void codec_noise_babble_add(float *out, size_t n, const float *talk, size_t tn, base_rng *r);

/* Scales x[0..n) to unit mean power (nothing when it is all zeros). */
void codec_noise_normalise(float *x, size_t n);

/* Mean power of x[0..n) (0 when n == 0). */
double codec_noise_power(const float *x, size_t n);

/* x[i] += g * noise[i] with g such that power(x) / power(g * noise) is
 * snr_db (dB) exactly over the n samples. Nothing when snr_db is +inf or
 * either signal is silent. */
void codec_noise_add_snr(float *x, const float *noise, size_t n, double snr_db);

#endif
