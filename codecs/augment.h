/* augment.h -- training augmentation of an agent's speech, on the fly: speed
 * perturbation, reverberation, telephone band-limiting, additive noise (white,
 * pink, brown, babble), Codec2/Opus round trips and gain on the waveform;
 * vocal-tract-length perturbation and SpecAugment masks on the log-mel
 * features.
 *
 * Where it sits: codecs/train_data.c runs codec_augment_wave on each training
 * waveform before the front-end and codec_augment_features after it; the
 * recipe's [augment] keys (codecs/recipe.c) fill codec_augment_config.
 *
 * Each transform has a probability and a range. The waveform chain, in order:
 *   speed   resample by a factor f uniform in [speed_min, speed_max] (quantised
 *           to 0.01; liquid's msresamp via codecs/audio.h): length n -> n / f,
 *           pitch and formants scale by f (Ko et al., Interspeech 2015)
 *   reverb  convolution with a synthetic room impulse response: a unit direct
 *           path plus exponentially decaying Gaussian noise (60 dB decay in
 *           RT60 uniform in [rt60_min, rt60_max] s, starting 2.5 ms after the
 *           direct path, tail energy drr dB below it, drr uniform in
 *           [drr_min, drr_max]); FFT overlap-add (FFTW), output cut to n
 *   band    telephone band: 4th-order Butterworth high-pass at band_low Hz and
 *           low-pass at band_high Hz (RBJ biquads, two sections each)
 *   noise   additive noise at an SNR uniform in [snr_min, snr_max] dB, type
 *           drawn uniformly among noise_types (codecs/noise.h); babble mixes
 *           babble_talkers other training utterances
 *   codec   encode and decode through one of `codecs` (codecs/classic.h
 *           names), drawn uniformly; lossless link
 *   gain    multiply by gain_min_db..gain_max_db, clip to [-1, 1]
 * and on the features (T frames x M bands, after the front-end):
 *   vtlp    vocal-tract-length perturbation (Jaitly & Hinton, ICML 2013 WS):
 *           the frequency axis is warped by alpha uniform in [vtlp_min,
 *           vtlp_max], piecewise linear (f -> alpha f up to a 4800 Hz knee,
 *           then linear to the band edge), applied to the log-mel bands by
 *           linear interpolation between band centres (on the front-end's
 *           output, after its per-utterance normalisation)
 *   masks   SpecAugment (Park et al., Interspeech 2019): time_masks masks of
 *           0..time_mask_max frames (at most T/5 each) and freq_masks masks of
 *           0..freq_mask_max bands, set to 0 (the band mean after normalisation)
 *
 * Determinism: every draw comes from the base_rng passed in (the trainer
 * derives it from (seed, step, utterance)). The noise and masks draw from it
 * directly, in the order of the recipes before the other transforms existed
 * (so white noise and masks alone give the same features as then); every other
 * transform draws from its own child stream (base_rng_fork), so enabling one
 * never reshuffles the others.
 *
 * Objects: a codec_augment holds one worker's planned resamplers, FFT plans,
 * codec objects and scratch; create it on the main thread (FFTW's planner is
 * not thread-safe), one per worker. The execute functions allocate nothing.
 */
#ifndef CODEC_AUGMENT_H
#define CODEC_AUGMENT_H

#include "base/rng.h"
#include "base/status.h"

#include <stddef.h>
#include <stdint.h>

#define CODEC_AUGMENT_CODECS 256 /* bytes of the comma-separated codec list */

typedef struct codec_augment_config {
    float speed_prob, speed_min, speed_max;
    float reverb_prob, rt60_min, rt60_max, drr_min, drr_max; /* s, s, dB, dB */
    float band_prob, band_low, band_high;                    /* Hz */
    float noise_prob, snr_min, snr_max;                      /* dB */
    unsigned noise_types; /* bit (1 << codec_noise_type) per allowed type */
    int babble_talkers;
    float codec_prob;
    char codecs[CODEC_AUGMENT_CODECS]; /* e.g. "codec2-3200,opus-6" */
    float gain_prob, gain_min_db, gain_max_db;
    float vtlp_prob, vtlp_min, vtlp_max;
    int time_masks, time_mask_max, freq_masks, freq_mask_max;
} codec_augment_config;

/* Defaults: noise 0.5 at 5..30 dB white, 2 time masks <= 15 frames, 2
 * frequency masks <= 10 bands; every other transform off (probability 0) with
 * the ranges speed 0.9..1.1, rt60 0.2..0.8 s, drr 0..10 dB, band 300..3400 Hz,
 * babble 4 talkers, codecs codec2-3200,codec2-1200,opus-6,opus-12, gain
 * -20..+10 dB, vtlp 0.9..1.1. */
void codec_augment_config_default(codec_augment_config *c);

/* Sets [augment] key to value. BASE_ENOTFOUND (err untouched) when key is not
 * an augmentation key; BASE_EINVAL for a bad value. */
base_status codec_augment_config_set(codec_augment_config *c, const char *key, const char *value,
                                     base_err *err);

/* Ranges ordered, names in `codecs` known, noise types non-empty. */
base_status codec_augment_config_check(const codec_augment_config *c, base_err *err);

/* A source of babble: utterance i of n (16-bit samples at the front-end rate). */
typedef struct codec_augment_talkers {
    const int16_t *(*get)(void *ctx, size_t i, size_t *n);
    void *ctx;
    size_t n;
} codec_augment_talkers;

typedef struct codec_augment codec_augment;

/* One worker's augmenter for waveforms of at most max_in samples at `rate` Hz
 * (16000 when codecs are used) and features of n_mels bands between f_min and
 * f_max Hz (HTK mel centres, as codecs/melspec.h). */
codec_augment *codec_augment_create(const codec_augment_config *c, int rate, size_t max_in,
                                    int n_mels, double f_min, double f_max, base_err *err);
void codec_augment_destroy(codec_augment *a); /* NULL is a no-op */

/* The most samples codec_augment_wave can return for max_in input samples
 * (speed below 1 lengthens). */
size_t codec_augment_max_out(const codec_augment_config *c, size_t max_in);

/* The waveform chain on x[0..n) (n <= max_in; x holds codec_augment_max_out
 * samples): returns the new length. babble may be NULL (babble is then
 * skipped when drawn). */
size_t codec_augment_wave(codec_augment *a, base_rng *r, float *x, size_t n,
                          const codec_augment_talkers *babble);

/* VTLP and the masks on feat (T frames x M bands, row-major). */
void codec_augment_features(codec_augment *a, base_rng *r, float *feat, int T, int M);

#endif
