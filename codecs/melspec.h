/* melspec.h -- log-mel filterbank front-end (FFTW r2c).
 *
 * First stage of every agent: 16 kHz speech in, (T, n_mels) log-mel features
 * out, which the encoders consume. Definitions (checked against an
 * independent numpy implementation, tools/gen_melspec_ref.py):
 *
 *   frames   T = 0 when n < win_length, else 1 + floor((n - win_length) / hop_length).
 *            No padding at either end ("snip edges", as Kaldi): frame t covers
 *            samples [t*hop, t*hop + win). Trailing samples that do not fill a
 *            frame are ignored.
 *   window   periodic Hann, w[i] = 0.5 - 0.5 cos(2 pi i / win_length), i < win;
 *            the windowed frame sits at the start of the n_fft buffer, zeros after.
 *   spectrum power |X[k]|^2 of the n_fft-point real DFT, k = 0 .. n_fft/2
 *            (no 1/n_fft scaling). Input samples are floats, full scale +-1.
 *   mel      HTK scale, mel(f) = 2595 log10(1 + f/700). n_mels + 2 points equally
 *            spaced in mel between f_min and f_max give the band edges/centres
 *            f_0 .. f_{M+1} (in Hz); band m (0-based) is the triangle
 *            w_m(f) = max(0, min((f - f_m) / (f_{m+1} - f_m), (f_{m+2} - f) / (f_{m+2} - f_{m+1})))
 *            evaluated at the bin frequencies f = k * sample_rate / n_fft.
 *            Peak 1, no area (Slaney) normalisation. This is librosa's
 *            mel(htk=True, norm=None) and torchaudio's melscale_fbanks(mel_scale="htk").
 *   log      y = ln(max(sum_k w_m(f_k) |X[k]|^2, log_floor)), natural log.
 *   normalise (optional, per utterance) per band m over the T frames:
 *            y' = (y - mean_m) / sqrt(var_m + CODEC_MELSPEC_NORM_EPS),
 *            var the population variance (divide by T).
 *
 * Objects: a codec_melspec holds the configuration, the window, the sparse
 * filterbank and the FFTW plan; it is read-only after create and shared by
 * all threads. Each thread brings its own codec_melspec_work (FFT buffers and
 * accumulators). execute allocates nothing and is thread-safe as long as no
 * two threads use the same work object at once.
 * FFTW's planner is not thread-safe: create (and destroy) objects outside
 * parallel regions, or serialise them with any other FFTW planning.
 */
#ifndef CODEC_MELSPEC_H
#define CODEC_MELSPEC_H

#include "base/status.h"

#include <stddef.h>

/* Added to the per-band variance before the square root when normalising. */
#define CODEC_MELSPEC_NORM_EPS 1e-5

typedef struct codec_melspec_config {
    int sample_rate;  /* Hz; default 16000                                */
    int win_length;   /* samples per frame; default 400 (25 ms)           */
    int hop_length;   /* samples between frame starts; default 160 (10 ms) */
    int n_fft;        /* FFT size, even, >= win_length; default 512       */
    int n_mels;       /* mel bands, >= 1; default 80                      */
    double f_min;     /* Hz, lowest band edge; default 0                  */
    double f_max;     /* Hz, highest band edge; 0 means sample_rate / 2   */
    double log_floor; /* power floor before the log, > 0; default 1e-10  */
    int normalize;    /* 1: per-utterance mean/variance per band; default 0 */
} codec_melspec_config;

typedef struct codec_melspec codec_melspec;
typedef struct codec_melspec_work codec_melspec_work;

/* Fill c with the defaults above. */
void codec_melspec_config_default(codec_melspec_config *c);

/* Validate cfg (NULL = defaults), build window and filterbank, plan the FFT
 * (FFTW_ESTIMATE). Fails with BASE_EINVAL for a bad value, including a band
 * that covers no FFT bin (too many mels for n_fft); BASE_ENOMEM. */
codec_melspec *codec_melspec_create(const codec_melspec_config *cfg, base_err *err);
void codec_melspec_destroy(codec_melspec *q); /* NULL is a no-op */

/* Per-thread scratch for execute (about n_fft floats + n_mels doubles). */
codec_melspec_work *codec_melspec_work_create(const codec_melspec *q, base_err *err);
void codec_melspec_work_destroy(codec_melspec_work *w); /* NULL is a no-op */

/* Number of frames T for nsamples input samples (see the top of this file). */
size_t codec_melspec_frames(const codec_melspec *q, size_t nsamples);
/* Number of bands per frame (n_mels). */
int codec_melspec_bands(const codec_melspec *q);
/* The configuration in use (f_max resolved to its value in Hz). */
void codec_melspec_get_config(const codec_melspec *q, codec_melspec_config *out);

/* x: n samples at the configured rate. out: (T, n_mels) row-major floats,
 * T = codec_melspec_frames(q, n), i.e. out[t * n_mels + m]; the caller
 * provides T * n_mels floats. *frames (may be NULL) receives T. T = 0 is not
 * an error (nothing written). w must come from codec_melspec_work_create(q)
 * or an object with the same configuration. BASE_EINVAL on NULL arguments. */
base_status codec_melspec_execute(const codec_melspec *q, codec_melspec_work *w, const float *x,
                                  size_t n, float *out, size_t *frames, base_err *err);

#endif
