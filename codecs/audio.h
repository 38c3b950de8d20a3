/* audio.h -- speech in: audio file reading, resampling and WAV writing.
 *
 * First stage of the pipeline: every utterance (a manifest's AUDIO file or a
 * TTS output) becomes mono float samples in [-1, 1] at the rate the front-end
 * wants (16 kHz). Reading goes through libsndfile (any format/rate it knows,
 * multi-channel files are averaged to mono); resampling through liquid-dsp's
 * multi-stage arbitrary resampler msresamp_rrrf (deterministic DSP only, no
 * liquid randomness); writing produces 16-bit PCM mono WAV.
 */
#ifndef CODEC_AUDIO_H
#define CODEC_AUDIO_H

#include "base/status.h"

#include <stddef.h>

/* What a file header may say (codec_audio_read): sample rates in
 * CODEC_AUDIO_MIN_RATE..CODEC_AUDIO_MAX_RATE Hz (also the resampler's range),
 * 1..CODEC_AUDIO_MAX_CHANNELS channels, at most CODEC_AUDIO_MAX_SECONDS of
 * audio. Anything else is refused before any sample is read or resampled. */
#define CODEC_AUDIO_MIN_RATE 4000
#define CODEC_AUDIO_MAX_RATE 384000
#define CODEC_AUDIO_MAX_CHANNELS 64
#define CODEC_AUDIO_MAX_SECONDS 3600

/* Stop-band attenuation of the resampler's anti-alias filter, dB. */
#define CODEC_AUDIO_RESAMPLE_AS 60.0f

/* Read the audio file at path as mono float samples at `rate` Hz (> 0).
 * Channels are averaged; the file's rate is converted with
 * codec_audio_resample; samples are clipped to [-1, 1].
 * On success *x is a malloc'd array of *n (> 0) samples the caller frees.
 * Errors name the file: BASE_EIO (missing, unreadable, a directory),
 * BASE_EFORMAT (not audio, or no samples), BASE_ERANGE (a header field out
 * of the bounds above), BASE_EINVAL (bad arguments). */
base_status codec_audio_read(const char *path, int rate, float **x, size_t *n, base_err *err);

/* A reader for many files: codec_audio_read, keeping one planned resampler
 * per rate pair instead of planning one per file (~16 ms each). The samples
 * are exactly those of codec_audio_read. One reader per thread. */
typedef struct codec_audio_reader codec_audio_reader;
base_status codec_audio_reader_create(codec_audio_reader **out, base_err *err);
void codec_audio_reader_destroy(codec_audio_reader *rd); /* NULL is a no-op */
/* codec_audio_read through rd (rd NULL: plans per call, as codec_audio_read). */
base_status codec_audio_reader_read(codec_audio_reader *rd, const char *path, int rate, float **x,
                                    size_t *n, base_err *err);

/* A planned resampler from rate_in to rate_out Hz (liquid msresamp_rrrf;
 * designing its filters costs ~16 ms, so plan once and execute many). */
typedef struct codec_resampler codec_resampler;

/* Plan a rate_in -> rate_out resampler (both > 0; BASE_ERANGE outside
 * CODEC_AUDIO_MIN_RATE..CODEC_AUDIO_MAX_RATE). */
base_status codec_resampler_create(int rate_in, int rate_out, codec_resampler **r, base_err *err);

/* Output length for n input samples: round(n*rate_out/rate_in), at least 1
 * when n > 0, 0 when n == 0. */
size_t codec_resampler_output_len(const codec_resampler *r, size_t n);

/* Resample in[0..n) into out[0..codec_resampler_output_len(r, n)). Resets the
 * filter state first, so each call is independent of earlier calls; the
 * filter delay is compensated so that input sample i lines up with output
 * sample i*rate_out/rate_in. Allocates nothing. One object per thread. */
base_status codec_resampler_execute(codec_resampler *r, const float *in, size_t n, float *out,
                                    base_err *err);

void codec_resampler_destroy(codec_resampler *r);

/* One-shot: plan, resample in[0..n) into a malloc'd *out of *nout samples
 * (caller frees), destroy. Equal rates copy. Deterministic: the same input
 * gives the same bytes. */
base_status codec_audio_resample(const float *in, size_t n, int rate_in, int rate_out, float **out,
                                 size_t *nout, base_err *err);

/* Write x[0..n) as a 16-bit PCM mono WAV at `rate` Hz: values clipped to
 * [-1, 1], scaled by 32768, rounded to nearest and limited to 32767, so a
 * 16-bit signal read as v/32768 round-trips exactly. Writes path.tmp and
 * renames it to path, so a crash never leaves a half-written file at path.
 * Errors name the file (BASE_EIO). */
base_status codec_audio_write_wav(const char *path, const float *x, size_t n, int rate,
                                  base_err *err);

#endif
