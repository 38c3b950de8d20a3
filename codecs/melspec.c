/* melspec.c -- log-mel filterbank front-end (see melspec.h for the exact
 * definitions). All cost is in create: the window, a sparse copy of the
 * triangular filters (each band touches only the bins under its triangle,
 * about 2 * (n_fft/2 + 1) weights in all instead of n_mels * (n_fft/2 + 1))
 * and one FFTW plan that execute reuses on per-thread buffers through
 * fftwf_execute_dft_r2c (FFTW's new-array execute, which is thread-safe). */
#include "codecs/melspec.h"

#include <fftw3.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

struct codec_melspec {
    codec_melspec_config cfg; /* f_max resolved                        */
    int nbins;                /* n_fft / 2 + 1                         */
    float *window;            /* (win_length)                          */
    int *band_first;          /* (n_mels) first bin with a weight      */
    int *band_len;            /* (n_mels) number of bins               */
    int *band_off;            /* (n_mels) offset into weights          */
    float *weights;           /* concatenated filter weights           */
    fftwf_plan plan;          /* r2c, n_fft, out of place              */
    int align_in, align_out;  /* fftwf_alignment_of the planned arrays */
};

struct codec_melspec_work {
    int n_fft, n_mels;
    float *in;          /* (n_fft) fftwf_malloc'd              */
    fftwf_complex *out; /* (n_fft/2 + 1) fftwf_malloc'd        */
    float *power;       /* (n_fft/2 + 1)                       */
    double *mean, *var; /* (n_mels) normalisation accumulators */
};

void codec_melspec_config_default(codec_melspec_config *c)
{
    c->sample_rate = 16000;
    c->win_length = 400;
    c->hop_length = 160;
    c->n_fft = 512;
    c->n_mels = 80;
    c->f_min = 0.0;
    c->f_max = 0.0;
    c->log_floor = 1e-10;
    c->normalize = 0;
}

static double hz_to_mel(double f)
{
    return 2595.0 * log10(1.0 + f / 700.0);
}

static double mel_to_hz(double m)
{
    return 700.0 * (pow(10.0, m / 2595.0) - 1.0);
}

static base_status check_config(codec_melspec_config *c, base_err *err)
{
    if (c->sample_rate <= 0)
        return base_err_set(err, BASE_EINVAL, NULL, 0, "melspec: sample_rate must be > 0, got %d",
                            c->sample_rate);
    if (c->win_length <= 0 || c->hop_length <= 0)
        return base_err_set(err, BASE_EINVAL, NULL, 0,
                            "melspec: win_length and hop_length must be > 0, got %d and %d",
                            c->win_length, c->hop_length);
    if (c->n_fft < c->win_length || c->n_fft % 2 || c->n_fft > (1 << 20))
        return base_err_set(err, BASE_EINVAL, NULL, 0,
                            "melspec: n_fft must be even, >= win_length (%d) and <= 2^20, got %d",
                            c->win_length, c->n_fft);
    if (c->n_mels <= 0)
        return base_err_set(err, BASE_EINVAL, NULL, 0, "melspec: n_mels must be > 0, got %d",
                            c->n_mels);
    double nyq = 0.5 * c->sample_rate;
    if (c->f_max == 0.0) c->f_max = nyq;
    if (!(c->f_min >= 0.0) || !(c->f_max > c->f_min) || c->f_max > nyq)
        return base_err_set(err, BASE_EINVAL, NULL, 0,
                            "melspec: need 0 <= f_min < f_max <= sample_rate/2, got %g, %g",
                            c->f_min, c->f_max);
    if (!(c->log_floor > 0.0) || !isfinite(c->log_floor))
        return base_err_set(err, BASE_EINVAL, NULL, 0, "melspec: log_floor must be > 0, got %g",
                            c->log_floor);
    if (c->normalize != 0 && c->normalize != 1)
        return base_err_set(err, BASE_EINVAL, NULL, 0, "melspec: normalize must be 0 or 1, got %d",
                            c->normalize);
    return BASE_OK;
}

/* Triangular HTK-mel filters, stored sparsely (see melspec.h for the formula). */
static base_status build_filters(codec_melspec *q, base_err *err)
{
    const codec_melspec_config *c = &q->cfg;
    int M = c->n_mels, K = q->nbins;
    double *f = malloc((size_t)(M + 2) * sizeof *f);
    double *w = malloc((size_t)K * sizeof *w);
    base_status st = BASE_OK;
    if (!f || !w) {
        st = base_err_set(err, BASE_ENOMEM, NULL, 0, "melspec: out of memory");
        goto done;
    }
    double m0 = hz_to_mel(c->f_min), m1 = hz_to_mel(c->f_max);
    for (int i = 0; i < M + 2; i++) f[i] = mel_to_hz(m0 + (m1 - m0) * i / (M + 1));
    /* first pass: extents, to size the weight array */
    size_t total = 0;
    for (int pass = 0; pass < 2; pass++) {
        total = 0;
        for (int m = 0; m < M; m++) {
            int first = -1, last = -2;
            for (int k = 0; k < K; k++) {
                double fk = (double)k * c->sample_rate / c->n_fft;
                double up = (fk - f[m]) / (f[m + 1] - f[m]);
                double down = (f[m + 2] - fk) / (f[m + 2] - f[m + 1]);
                w[k] = fmax(0.0, fmin(up, down));
                if (w[k] > 0.0) {
                    if (first < 0) first = k;
                    last = k;
                }
            }
            if (first < 0) {
                st = base_err_set(err, BASE_EINVAL, NULL, 0,
                                  "melspec: mel band %d (%.1f-%.1f Hz) covers no FFT bin; use "
                                  "fewer bands or a larger n_fft",
                                  m, f[m], f[m + 2]);
                goto done;
            }
            if (pass == 1) {
                q->band_first[m] = first;
                q->band_len[m] = last - first + 1;
                q->band_off[m] = (int)total;
                for (int k = first; k <= last; k++)
                    q->weights[total + (size_t)(k - first)] = (float)w[k];
            }
            total += (size_t)(last - first + 1);
        }
        if (pass == 0 && !(q->weights = malloc(total * sizeof *q->weights))) {
            st = base_err_set(err, BASE_ENOMEM, NULL, 0, "melspec: out of memory");
            goto done;
        }
    }
done:
    free(f);
    free(w);
    return st;
}

codec_melspec *codec_melspec_create(const codec_melspec_config *cfg, base_err *err)
{
    codec_melspec *q = calloc(1, sizeof *q);
    float *in = NULL;
    fftwf_complex *out = NULL;
    if (!q) {
        base_err_set(err, BASE_ENOMEM, NULL, 0, "melspec: out of memory");
        return NULL;
    }
    if (cfg)
        q->cfg = *cfg;
    else
        codec_melspec_config_default(&q->cfg);
    if (check_config(&q->cfg, err)) goto fail;
    const codec_melspec_config *c = &q->cfg;
    q->nbins = c->n_fft / 2 + 1;
    q->window = malloc((size_t)c->win_length * sizeof *q->window);
    q->band_first = malloc((size_t)c->n_mels * sizeof *q->band_first);
    q->band_len = malloc((size_t)c->n_mels * sizeof *q->band_len);
    q->band_off = malloc((size_t)c->n_mels * sizeof *q->band_off);
    in = fftwf_malloc((size_t)c->n_fft * sizeof *in);
    out = fftwf_malloc((size_t)q->nbins * sizeof *out);
    if (!q->window || !q->band_first || !q->band_len || !q->band_off || !in || !out) {
        base_err_set(err, BASE_ENOMEM, NULL, 0, "melspec: out of memory");
        goto fail;
    }
    /* periodic Hann: the DFT-even window used for spectral analysis */
    for (int i = 0; i < c->win_length; i++)
        q->window[i] = (float)(0.5 - 0.5 * cos(2.0 * M_PI * i / c->win_length));
    if (build_filters(q, err)) goto fail;
    q->plan = fftwf_plan_dft_r2c_1d(c->n_fft, in, out, FFTW_ESTIMATE);
    if (!q->plan) {
        base_err_set(err, BASE_EINTERNAL, NULL, 0, "melspec: FFTW could not plan n_fft=%d",
                     c->n_fft);
        goto fail;
    }
    q->align_in = fftwf_alignment_of(in);
    q->align_out = fftwf_alignment_of((float *)out);
    fftwf_free(in);
    fftwf_free(out);
    return q;
fail:
    fftwf_free(in);
    fftwf_free(out);
    codec_melspec_destroy(q);
    return NULL;
}

void codec_melspec_destroy(codec_melspec *q)
{
    if (!q) return;
    if (q->plan) fftwf_destroy_plan(q->plan);
    free(q->window);
    free(q->band_first);
    free(q->band_len);
    free(q->band_off);
    free(q->weights);
    free(q);
}

codec_melspec_work *codec_melspec_work_create(const codec_melspec *q, base_err *err)
{
    if (!q) {
        base_err_set(err, BASE_EINVAL, NULL, 0, "melspec: work_create needs a melspec object");
        return NULL;
    }
    codec_melspec_work *w = calloc(1, sizeof *w);
    if (!w) goto nomem;
    w->n_fft = q->cfg.n_fft;
    w->n_mels = q->cfg.n_mels;
    w->in = fftwf_malloc((size_t)w->n_fft * sizeof *w->in);
    w->out = fftwf_malloc((size_t)q->nbins * sizeof *w->out);
    w->power = malloc((size_t)q->nbins * sizeof *w->power);
    w->mean = malloc((size_t)w->n_mels * sizeof *w->mean);
    w->var = malloc((size_t)w->n_mels * sizeof *w->var);
    if (!w->in || !w->out || !w->power || !w->mean || !w->var) goto nomem;
    memset(w->in, 0, (size_t)w->n_fft * sizeof *w->in);
    return w;
nomem:
    codec_melspec_work_destroy(w);
    base_err_set(err, BASE_ENOMEM, NULL, 0, "melspec: out of memory");
    return NULL;
}

void codec_melspec_work_destroy(codec_melspec_work *w)
{
    if (!w) return;
    fftwf_free(w->in);
    fftwf_free(w->out);
    free(w->power);
    free(w->mean);
    free(w->var);
    free(w);
}

size_t codec_melspec_frames(const codec_melspec *q, size_t nsamples)
{
    size_t win = (size_t)q->cfg.win_length, hop = (size_t)q->cfg.hop_length;
    return nsamples < win ? 0 : 1 + (nsamples - win) / hop;
}

int codec_melspec_bands(const codec_melspec *q)
{
    return q->cfg.n_mels;
}

void codec_melspec_get_config(const codec_melspec *q, codec_melspec_config *out)
{
    *out = q->cfg;
}

/* One frame: window, FFT, power, mel, log -> y[0..n_mels). */
static void frame_logmel(const codec_melspec *q, codec_melspec_work *w, const float *x, float *y)
{
    const codec_melspec_config *c = &q->cfg;
    int win = c->win_length;
    for (int i = 0; i < win; i++) w->in[i] = x[i] * q->window[i];
    /* zero padding: r2c out of place preserves its input, but stay safe */
    memset(w->in + win, 0, (size_t)(c->n_fft - win) * sizeof *w->in);
    fftwf_execute_dft_r2c(q->plan, w->in, w->out);
    for (int k = 0; k < q->nbins; k++) {
        float re = w->out[k][0], im = w->out[k][1];
        w->power[k] = re * re + im * im;
    }
    float floor_ = (float)c->log_floor;
    for (int m = 0; m < c->n_mels; m++) {
        const float *wt = q->weights + q->band_off[m];
        const float *p = w->power + q->band_first[m];
        float e = 0.0f;
        for (int k = 0; k < q->band_len[m]; k++) e += wt[k] * p[k];
        y[m] = logf(e > floor_ ? e : floor_);
    }
}

/* Per-band mean/variance normalisation over T frames of out (T, M). */
static void normalise(codec_melspec_work *w, float *out, size_t T, int M)
{
    for (int m = 0; m < M; m++) w->mean[m] = w->var[m] = 0.0;
    for (size_t t = 0; t < T; t++)
        for (int m = 0; m < M; m++) w->mean[m] += out[t * M + m];
    for (int m = 0; m < M; m++) w->mean[m] /= (double)T;
    for (size_t t = 0; t < T; t++)
        for (int m = 0; m < M; m++) {
            double d = out[t * M + m] - w->mean[m];
            w->var[m] += d * d;
        }
    for (int m = 0; m < M; m++)
        w->var[m] = 1.0 / sqrt(w->var[m] / (double)T + CODEC_MELSPEC_NORM_EPS); /* now 1/std */
    for (size_t t = 0; t < T; t++)
        for (int m = 0; m < M; m++)
            out[t * M + m] = (float)((out[t * M + m] - w->mean[m]) * w->var[m]);
}

base_status codec_melspec_execute(const codec_melspec *q, codec_melspec_work *w, const float *x,
                                  size_t n, float *out, size_t *frames, base_err *err)
{
    if (frames) *frames = 0;
    if (!q || !w || (n && (!x || !out)))
        return base_err_set(err, BASE_EINVAL, NULL, 0, "melspec: NULL argument");
    if (w->n_fft != q->cfg.n_fft || w->n_mels != q->cfg.n_mels)
        return base_err_set(err, BASE_EINVAL, NULL, 0,
                            "melspec: work object made for another configuration");
    if (fftwf_alignment_of(w->in) != q->align_in ||
        fftwf_alignment_of((float *)w->out) != q->align_out)
        return base_err_set(err, BASE_EINTERNAL, NULL, 0, "melspec: FFT buffer alignment differs");
    size_t T = codec_melspec_frames(q, n);
    int M = q->cfg.n_mels;
    for (size_t t = 0; t < T; t++)
        frame_logmel(q, w, x + t * (size_t)q->cfg.hop_length, out + t * (size_t)M);
    if (q->cfg.normalize && T > 0) normalise(w, out, T, M);
    if (frames) *frames = T;
    return BASE_OK;
}
